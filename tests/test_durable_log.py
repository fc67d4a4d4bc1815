"""The durable journal writer (ledger/durable/log.py): threads, failed writes, forks, exports."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from ledger import AdjustChange, Ledger, durable
from ledger.core.clock import ManualClock
from ledger.core.errors import LedgerError
from ledger.durable import DurabilityError, open_ledger, read_journal
from tests.crash_writer import API_VERSION, INITIAL, ITEMS, LOCATIONS, START, call
from tests.crash_writer import reference as _reference

ROOT = Path(__file__).resolve().parent.parent
ITEM, LOCATION = ITEMS[0], LOCATIONS[0]
#: Calls per writer thread in the combined test (CI size; LEDGER_THREAD_CALLS for more).
CALLS = int(os.environ.get("LEDGER_THREAD_CALLS", "120"))


def _calls(ledger: Ledger, clock: ManualClock, seqs: range) -> None:
    for i in seqs:
        call(ledger, clock, i)


def _adjust_until_refused(ledger: Ledger, count: list[int]) -> None:
    for i in range(100_000):
        _adjust(ledger, f"k-{i}")
        count[0] += 1


def _adjust(ledger: Ledger, key: str, delta: int = 1) -> object:
    return ledger.adjust(name="available", reason="correction", idempotency_key=key,
                         changes=[AdjustChange(item_id=ITEM, location_id=LOCATION, delta=delta)])


# ---------------------------------------------------------------------- checkpoints and threads


def test_checkpoints_from_another_thread_lose_no_call_and_never_rewrite_snapshot_zero(
        tmp_path: Path) -> None:
    store = tmp_path / "store"
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, fsync="never",
                         snapshot_every=0)
    zero = (store / "snapshot-0.json").read_bytes()
    done = threading.Event()
    checkpoints = [0]
    progress = threading.Condition()

    def checkpointer() -> None:
        while not done.is_set():
            ledger.checkpoint()
            with progress:
                checkpoints[0] += 1
                progress.notify_all()
            time.sleep(0.002)

    thread = threading.Thread(target=checkpointer)
    thread.start()
    try:
        for i in range(1500):
            _adjust(ledger, f"k-{i}")
            if i % 100 == 50:
                # However fast the calls run, checkpoints land among them: every 100 calls
                # the writer waits for the next one (a wait for progress, not a timing).
                with progress:
                    seen = checkpoints[0]
                    assert progress.wait_for(lambda seen=seen: checkpoints[0] > seen, 30)
    finally:
        done.set()
        thread.join()
    assert checkpoints[0] >= 15
    ledger.close()
    assert (store / "snapshot-0.json").read_bytes() == zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = open_ledger(store)
    assert [r.seq for r in read_journal(store)] == list(range(1, 1501))
    assert again.quantities(ITEM, LOCATION)["available"] == 50 + 1500
    full = open_ledger(store, read_only=True, full_replay=True)
    assert full.snapshot() == again.snapshot()
    again.close()


def test_checkpoint_inside_a_call_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    times = iter([START] * 10)
    holder: list[durable.DurableLedger] = []
    refused: list[Exception] = []

    def clock() -> object:
        if holder:  # not while the store is being created
            try:
                holder[0].checkpoint()
            except LedgerError as error:
                refused.append(error)
        return next(times)

    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION,
                         clock=clock)  # type: ignore[arg-type]
    holder.append(ledger)
    _adjust(ledger, "k-1")
    assert refused
    assert "inside a call" in str(refused[0])
    ledger.close()


def test_a_checkpoint_with_nothing_new_rewrites_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, snapshot_every=0)
    zero = (store / "snapshot-0.json").stat().st_mtime_ns
    assert ledger.checkpoint() == store / "snapshot-0.json"
    assert (store / "snapshot-0.json").stat().st_mtime_ns == zero
    _adjust(ledger, "k-1")
    path = ledger.checkpoint()
    assert path == store / "snapshot-1.json"
    written = path.stat().st_mtime_ns
    assert ledger.checkpoint() == path
    assert path.stat().st_mtime_ns == written
    ledger.close()


def test_threads_forks_exports_and_checkpoints_together_agree_with_a_replay(
        tmp_path: Path) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                         fsync="batch", snapshot_every=37)
    stop = threading.Event()
    problems: list[str] = []
    forks_checked = [0]

    def writer(n: int) -> None:
        for i in range(CALLS):
            _adjust(ledger, f"w{n}-{i}", delta=1 if i % 3 else -1)

    def checkpointer() -> None:
        while not stop.is_set():
            ledger.checkpoint()
            time.sleep(0.003)

    def forker(n: int) -> None:
        while not stop.is_set():
            try:
                fork = ledger.fork()
            except LedgerError:
                continue  # a call was running at that instant: fork refuses, as documented
            _adjust(fork, f"fork-{n}-{forks_checked[0]}", delta=100)
            out = io.StringIO()
            fork.export_oplog(out)
            replayed = Ledger.from_oplog(INITIAL, io.StringIO(out.getvalue()))
            if replayed.snapshot() != fork.snapshot():
                problems.append("a fork's exported log does not replay to the fork")
            forks_checked[0] += 1

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    others = [threading.Thread(target=checkpointer),
              *(threading.Thread(target=forker, args=(n,)) for n in range(2))]
    for t in writers + others:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in others:
        t.join()
    assert not problems
    assert forks_checked[0] > 0
    expected = 50 + 4 * (CALLS - 2 * len(range(0, CALLS, 3)))
    assert ledger.quantities(ITEM, LOCATION)["available"] == expected
    out = io.StringIO()
    assert ledger.export_oplog(out) == 4 * CALLS
    live = ledger.snapshot()
    ledger.close()
    assert Ledger.from_oplog(INITIAL, io.StringIO(out.getvalue())).snapshot() == live
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_ledger(store) as again:
            assert again.snapshot() == live


# ---------------------------------------------------------------------- failed writes


def _no_space(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int, _data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)


def test_a_failed_write_is_invisible_unremembered_and_never_snapshotted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock)
    _adjust(ledger, "k-1")
    with monkeypatch.context() as patch:
        _no_space(patch)
        with pytest.raises(DurabilityError, match="No space"):
            _adjust(ledger, "k-2", delta=7)
    # The unacknowledged call is nowhere: not in reads, not in the journal of groups...
    assert ledger.quantities(ITEM, LOCATION)["available"] == 51
    assert len(ledger.groups()) == 1
    # ... not in a snapshot (checkpoints are refused), and no further call runs.
    with pytest.raises(DurabilityError, match="earlier journal write failed"):
        ledger.checkpoint()
    with pytest.raises(DurabilityError, match="earlier journal write failed"):
        _adjust(ledger, "k-2", delta=7)
    ledger.close()
    with open_ledger(store, clock=clock) as again:
        assert again.quantities(ITEM, LOCATION)["available"] == 51
        # The key was never acknowledged: it runs afresh rather than replaying "success".
        result = _adjust(again, "k-2", delta=7)
        assert not result.replayed  # type: ignore[attr-defined]
        assert again.quantities(ITEM, LOCATION)["available"] == 58


def test_a_failed_write_after_snapshots_reloads_the_same_audit_trail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                         snapshot_every=5)
    for i in range(1, 23):
        call(ledger, clock, i)
    groups, state = ledger.groups(), ledger.snapshot()
    with monkeypatch.context() as patch:
        _no_space(patch)
        with pytest.raises(DurabilityError):
            _calls(ledger, clock, range(23, 30))
    assert ledger.groups() == groups
    assert ledger.snapshot() == state
    ledger.close()


def test_a_write_that_cannot_even_be_cut_back_makes_every_read_refuse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    ledger = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION)
    _adjust(ledger, "k-1")

    def broken(_fd: int, _length: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    with monkeypatch.context() as patch:
        _no_space(patch)
        patch.setattr(os, "ftruncate", broken)
        with pytest.raises(DurabilityError):
            _adjust(ledger, "k-2")
    with pytest.raises(DurabilityError, match="reopen"):
        ledger.quantities(ITEM, LOCATION)
    with pytest.raises(DurabilityError, match="reopen"):
        ledger.snapshot()
    ledger.close()


_EFBIG_WRITER = """
import resource, signal, sys
from ledger import AdjustChange
from ledger.durable import DurabilityError, open_ledger
from tests.crash_writer import API_VERSION, INITIAL, ITEMS, LOCATIONS

ledger = open_ledger(sys.argv[1], snapshot=INITIAL, api_version=API_VERSION)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
size = (ledger.path / "journal.jsonl").stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 3000, resource.RLIM_INFINITY))
done = 0
try:
    for i in range(1000):
        ledger.adjust(name="available", reason="correction", idempotency_key=f"k-{i}",
                      changes=[AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0],
                                            delta=1)])
        done += 1
except DurabilityError as error:
    print("refused", done, ledger.quantities(ITEMS[0], LOCATIONS[0])["available"], error)
"""


def test_a_real_file_size_limit_leaves_only_acknowledged_calls(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", _EFBIG_WRITER, str(store)], cwd=ROOT, capture_output=True,
        text=True, check=True, timeout=120).stdout
    word, done, available, *_ = out.split()
    assert word == "refused"
    assert "File too large" in out
    acknowledged = int(done)
    assert 0 < acknowledged < 1000
    assert int(available) == 50 + acknowledged  # the failed call is not visible
    with open_ledger(store) as again:
        assert again.quantities(ITEM, LOCATION)["available"] == 50 + acknowledged
        assert len(list(read_journal(store))) == acknowledged


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        return False
    done = subprocess.run(  # noqa: S603 - a fixed command on a path of our own
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],  # noqa: S607
        capture_output=True, check=False)
    return done.returncode == 0


def test_a_really_full_disk_leaves_only_acknowledged_calls(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not _tmpfs(disk, "256k"):
        pytest.skip("mounting a small tmpfs needs root (the file-size-limit test covers the "
                    "same path with a real EFBIG)")
    try:
        store = disk / "store"
        with open_ledger(store, snapshot=INITIAL, api_version=API_VERSION,
                         snapshot_every=0) as ledger:
            count = [0]
            with pytest.raises(DurabilityError, match="No space"):
                _adjust_until_refused(ledger, count)
            acknowledged = count[0]
            assert ledger.quantities(ITEM, LOCATION)["available"] == 50 + acknowledged
        with open_ledger(store, snapshot_every=0) as again:
            assert again.quantities(ITEM, LOCATION)["available"] == 50 + acknowledged
            assert again.report is not None
            assert again.report.last_seq == acknowledged
    finally:
        # Lazily: a failure above may leave a file open; the mount goes once it is closed.
        subprocess.run(["umount", "-l", str(disk)], check=False)  # noqa: S603, S607


# ---------------------------------------------------------------------- exports


def test_a_durable_ledger_exports_its_whole_history_which_replays_from_the_start(
        tmp_path: Path) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    with open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                     snapshot_every=5) as ledger:
        for i in range(1, 18):
            call(ledger, clock, i)
    with open_ledger(store, clock=clock, snapshot_every=5) as ledger:
        assert ledger.report is not None
        assert ledger.report.snapshot_seq == 15
        log = tmp_path / "log.jsonl"
        assert ledger.export_oplog(log) == 17
        head = json.loads(log.read_text().splitlines()[0])
        assert head["base"]["seq"] == 0
        replayed = Ledger.from_oplog(INITIAL, log)
        assert replayed.snapshot() == ledger.snapshot() == _reference(17)[0].snapshot()
        assert [r.to_json() for r in replayed.oplog] == [r.to_json() for r in ledger.oplog]
        # A fork exports the parent's journal up to the fork, then its own calls.
        fork = ledger.fork()
        call(fork, clock, 18)
        out = io.StringIO()
        assert fork.export_oplog(out) == 18
        assert Ledger.from_oplog(INITIAL, io.StringIO(out.getvalue())).snapshot() == (
            fork.snapshot())


def test_a_rebased_store_exports_a_log_that_names_its_start(tmp_path: Path) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    with open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                     snapshot_every=10) as ledger:
        for i in range(1, 26):
            call(ledger, clock, i)
    journal = store / durable.JOURNAL
    data = bytearray(journal.read_bytes())
    data[len(data) // 4] ^= 0x10  # a record before snapshot-20
    journal.write_bytes(bytes(data))
    with pytest.warns(durable.RepairWarning):
        ledger = open_ledger(store, repair=True, clock=clock)
    log = tmp_path / "log.jsonl"
    assert ledger.export_oplog(log) == 5
    assert json.loads(log.read_text().splitlines()[0])["base"]["seq"] == 20
    with pytest.raises(ValueError, match="starts after record 20"):
        Ledger.from_oplog(INITIAL, log)
    body = durable.read_snapshot(store / "snapshot-20.json")
    assert Ledger.from_oplog(body, log).snapshot() == ledger.snapshot() == (
        _reference(25)[0].snapshot())
    ledger.close()
