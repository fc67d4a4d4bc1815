"""Opening damaged stores (ledger/durable/recovery.py): the damage matrix, binding, re-seeding.

Every damage a disk or a person really does to a store's files has one expected outcome:
it opens exactly, it repairs (with ``repair=True``) to a named prefix or a named rebase, or
it refuses, naming the byte offset and line or the file. Never silent loss, never invented
state: whatever opens holds exactly the calls of a prefix of the writer's stream, and any
call missing from it is named in the report.
"""

from __future__ import annotations

import functools
import os
import random
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from ledger import Ledger, durable
from ledger.core.clock import ManualClock
from ledger.core.errors import LedgerError
from ledger.durable import (
    JournalCorruptError,
    RepairWarning,
    SnapshotWarning,
    TornRecordWarning,
    open_ledger,
    read_journal,
)
from ledger.store.durable import codec as durable_codec
from tests.crash_writer import API_VERSION, INITIAL, START, call, reference

CALLS = 40
EVERY = 15  # snapshots at 15 and 30, besides snapshot-0
#: Random damages tried by ``test_random_damage_never_loses_silently`` (CI size).
RANDOM_CASES = int(os.environ.get("LEDGER_DAMAGE_CASES", "60"))


@functools.cache
def _reference(upto: int) -> dict[str, Any]:
    return reference(upto)[0].snapshot()


def _continue_like_the_reference(ledger: durable.DurableLedger, last: int) -> None:
    ref, clock = reference(last)
    ledger._clock = clock
    for i in range(last + 1, last + 4):
        assert call(ledger, clock, i) == call(ref, clock, i)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("pristine") / "store"
    clock = ManualClock(START)
    with open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                     snapshot_every=EVERY) as ledger:
        for i in range(1, CALLS + 1):
            call(ledger, clock, i)
    other = tmp_path_factory.mktemp("other") / "store"
    clock = ManualClock(START)
    with open_ledger(other, snapshot=INITIAL, api_version=API_VERSION, clock=clock,
                     snapshot_every=EVERY) as ledger:
        for i in range(1001, 1001 + CALLS):  # another history from the same start
            call(ledger, clock, i)
    OTHER[:] = [other]
    return store


def _lines(store: Path) -> list[bytes]:
    return (store / durable.JOURNAL).read_bytes().splitlines(keepends=True)


def _offset(store: Path, line: int) -> int:
    return sum(len(x) for x in _lines(store)[: line - 1])


def _flip(path: Path, at: int, bit: int = 0x04) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= bit
    path.write_bytes(bytes(data))


def _record(store: Path, seq: int, at: int = 30) -> None:
    _flip(store / durable.JOURNAL, _offset(store, seq + 1) + at)


def _cut(store: Path, size: int) -> None:
    journal = store / durable.JOURNAL
    journal.write_bytes(journal.read_bytes()[:size])


def _rewrite_lines(store: Path, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    (store / durable.JOURNAL).write_bytes(b"".join(edit(_lines(store))))


def _crash_before_sync(store: Path, seq: int) -> None:
    lines = _lines(store)
    end = sum(len(line) for line in lines[: seq + 1])
    crc = lines[seq][10:18].decode()
    (store / durable.MARK).write_bytes(durable.Mark(seq=seq, end=end, crc=crc).encode())


@attrs.frozen
class Opens:
    """Opens without repair, holding exactly records 1..last."""

    last: int
    snapshot: int
    warning: type[Warning] | None = None


@attrs.frozen
class Refuses:
    """Refuses (even with repair, if ``repair`` is None), the message matching ``match``."""

    match: str
    offset_line: int | None = None


@attrs.frozen
class Repairs:
    """With repair=True: records 1..last, the loss and the rebase named."""

    last: int
    lost: tuple[int, int] | None = None
    rebased: int | None = None
    truncated_at_line: int | None = None


def _torn_last(store: Path) -> None:
    _cut(store, len((store / durable.JOURNAL).read_bytes()) - 37)
    _crash_before_sync(store, CALLS - 1)


#: Another store from the same initial state, with another history (set by ``pristine``).
OTHER: list[Path] = []


def _other_snapshot(name: str) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        shutil.copyfile(OTHER[0] / name, store / name)

    return damage


def _delete(*names: str) -> Callable[[Path], None]:
    def damage(store: Path) -> None:
        for name in names:
            (store / name).unlink()

    return damage


def _duplicate(seq: int) -> Callable[[Path], None]:
    return lambda store: _rewrite_lines(store, lambda ls: [*ls[: seq + 1], ls[seq],
                                                           *ls[seq + 1:]])


def _swap(seq: int) -> Callable[[Path], None]:
    return lambda store: _rewrite_lines(store, lambda ls: [*ls[:seq], ls[seq + 1], ls[seq],
                                                           *ls[seq + 2:]])


#: (name, damage, outcome without repair, outcome with repair (None: the same)).
MATRIX: list[tuple[str, Callable[[Path], None], Opens | Refuses, Repairs | Refuses | None]] = [
    ("a torn last record (a crash mid-write)", _torn_last,
     Opens(39, 30, TornRecordWarning), None),
    ("a synced last record cut short", lambda s: _cut(s, _offset(s, 41) + 50),
     Refuses(r"byte offset \d+.*records 40\.\.40 are lost"),
     Repairs(39, lost=(40, 40))),
    ("a cut at a line boundary after the newest snapshot",
     lambda s: _cut(s, _offset(s, 37)), Refuses(r"records 36\.\.40 are lost"),
     Repairs(35, lost=(36, 40))),
    ("a cut at a line boundary before the newest snapshot",
     lambda s: _cut(s, _offset(s, 22)), Refuses("ends at byte offset .* before record 30"),
     Repairs(30, lost=(31, 40), rebased=30)),
    ("a flipped bit before both snapshots", lambda s: _record(s, 5),
     Refuses(r"damaged at byte offset \d+ \(line 6\)", offset_line=6),
     Repairs(40, rebased=30)),
    ("a flipped bit between the snapshots", lambda s: _record(s, 20),
     Refuses(r"\(line 21\)", offset_line=21), Repairs(40, rebased=30)),
    ("a flipped bit after the newest snapshot", lambda s: _record(s, 35),
     Refuses(r"corrupt record at byte offset \d+ \(line 36\)", offset_line=36),
     Repairs(34, lost=(35, 40), truncated_at_line=36)),
    ("a flipped bit in the last record", lambda s: _record(s, 40),
     Refuses(r"\(line 41\).*no torn write", offset_line=41),
     Repairs(39, lost=(40, 40), truncated_at_line=41)),
    ("the last record's newline lost", lambda s: _cut(s, _offset(s, 42) - 1),
     Refuses(r"records 40\.\.40 are lost"), Repairs(39, lost=(40, 40))),
    ("a damaged header", lambda s: _flip(s / durable.JOURNAL, 3),
     Refuses("line 1", offset_line=1), Refuses("line 1", offset_line=1)),
    ("a duplicated line after the newest snapshot", _duplicate(35),
     Refuses(r"\(line 37\).*out of order", offset_line=37),
     Repairs(35, lost=(36, 40), truncated_at_line=37)),
    ("two lines swapped after the newest snapshot", _swap(36),
     Refuses(r"\(line 37\).*out of order", offset_line=37),
     Repairs(35, lost=(36, 40), truncated_at_line=37)),
    ("a duplicated line before the newest snapshot", _duplicate(5),
     Refuses(r"\(line 7\)", offset_line=7), Repairs(40, rebased=30)),
    ("the newest snapshot deleted", _delete("snapshot-30.json"), Opens(40, 15), None),
    ("the newest snapshot damaged", lambda s: _flip(s / "snapshot-30.json", 100),
     Opens(40, 15, SnapshotWarning), None),
    ("the newest snapshot from another history", _other_snapshot("snapshot-30.json"),
     Opens(40, 15, SnapshotWarning), None),
    ("every snapshot damaged",
     lambda s: [_flip(s / f"snapshot-{n}.json", 60) for n in (0, 15, 30)],
     Refuses("no readable snapshot"), None),
    ("the base snapshot from another store, later ones deleted",
     lambda s: [_foreign_base(s), _delete("snapshot-15.json", "snapshot-30.json")(s)],
     Refuses("no readable snapshot that belongs"), None),
    ("the journal deleted", _delete(durable.JOURNAL), Refuses("its journal was lost"),
     Repairs(30, lost=(31, 40), rebased=30)),
    ("the sync mark deleted", _delete(durable.MARK), Opens(40, 30), None),
    ("the sync mark damaged", lambda s: _flip(s / durable.MARK, 20),
     Opens(40, 30, SnapshotWarning), None),
]


def _foreign_base(store: Path) -> None:
    """Replace snapshot-0 with a well-framed one of another initial state."""
    other = Ledger.from_snapshot({**INITIAL, "inventoryLevels": []}, API_VERSION)
    durable.write_snapshot(store, 0, durable_codec.body_pieces(other, 0, None))


def _files(store: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.iterdir()) if p.is_file()}


def _damaged(pristine: Path, tmp_path: Path, damage: Callable[[Path], None]) -> Path:
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    damage(store)
    return store


def _check_refusal(store: Path, expected: Refuses, **kwargs: Any) -> None:
    before = _files(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnapshotWarning)
        with pytest.raises((JournalCorruptError, ValueError), match=expected.match) as info:
            open_ledger(store, **kwargs)
    if expected.offset_line is not None:
        assert isinstance(info.value, JournalCorruptError)
        assert info.value.line == expected.offset_line
        assert info.value.offset == _offset(store, expected.offset_line)
    assert _files(store) == before  # refusing touches nothing


@pytest.mark.parametrize(("name", "damage", "plain", "repaired"), MATRIX,
                         ids=[row[0] for row in MATRIX])
def test_the_damage_matrix(pristine: Path, tmp_path: Path, name: str,
                           damage: Callable[[Path], None], plain: Opens | Refuses,
                           repaired: Repairs | Refuses | None) -> None:
    store = _damaged(pristine, tmp_path, damage)
    if isinstance(plain, Opens):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ledger = open_ledger(store)
        kinds = {w.category for w in caught}
        assert kinds == ({plain.warning} if plain.warning else set()), [
            str(w.message) for w in caught]
        assert ledger.report is not None
        assert (ledger.report.last_seq, ledger.report.snapshot_seq) == (plain.last,
                                                                        plain.snapshot)
        assert ledger.snapshot() == _reference(plain.last)
        _continue_like_the_reference(ledger, plain.last)
        ledger.close()
        return
    _check_refusal(store, plain)
    expected = repaired if repaired is not None else plain
    if isinstance(expected, Refuses):
        _check_refusal(store, expected, repair=True)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = open_ledger(store, repair=True)
    assert any(issubclass(w.category, RepairWarning) for w in caught)
    report = ledger.report
    assert report is not None
    assert report.last_seq == expected.last
    assert report.lost == expected.lost
    assert (report.rebased.seq if report.rebased else None) == expected.rebased
    if expected.truncated_at_line is not None:
        assert report.repaired is not None
        assert report.repaired.line == expected.truncated_at_line
    assert ledger.snapshot() == _reference(expected.last)
    ledger.close()
    if report.rebased is not None and report.rebased.damaged_journal is not None:
        assert (store / report.rebased.damaged_journal).exists()  # set aside, not deleted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = open_ledger(store)  # repaired for good: the next open is clean
    assert again.snapshot() == _reference(expected.last)
    _continue_like_the_reference(again, expected.last)
    again.close()


def test_every_matrix_row_names_a_different_damage() -> None:
    assert len({row[0] for row in MATRIX}) == len(MATRIX) >= 20


def _random_damage(store: Path, rng: random.Random) -> str:
    files = sorted(p for p in store.iterdir() if p.is_file())
    kind = rng.choice(["flip", "flip", "flip", "cut", "cut-line", "delete", "duplicate",
                       "swap"])
    journal = store / durable.JOURNAL
    if kind == "flip":
        target = rng.choice(files)
        size = target.stat().st_size
        at = rng.randrange(size)
        _flip(target, at, 1 << rng.randrange(8))
        return f"flip {target.name}@{at}"
    if kind == "cut":
        size = rng.randrange(journal.stat().st_size)
        _cut(store, size)
        return f"cut at byte {size}"
    lines = _lines(store)
    if kind == "cut-line":
        n = rng.randrange(1, len(lines))
        _cut(store, sum(len(x) for x in lines[:n]))
        return f"cut after line {n}"
    if kind == "delete":
        target = rng.choice(files)
        target.unlink()
        return f"delete {target.name}"
    n = rng.randrange(1, len(lines) - 1)
    (_duplicate if kind == "duplicate" else _swap)(n)(store)
    return f"{kind} record {n}"


def _names_a_place(message: str) -> bool:
    return any(s in message for s in ("byte offset", "line", ".json", durable.JOURNAL))


def test_random_damage_never_loses_silently(pristine: Path, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("LEDGER_DAMAGE_SEED", "20261201")))  # noqa: S311
    outcomes = {"opened": 0, "refused": 0, "repaired": 0, "repair refused": 0}
    for case in range(RANDOM_CASES):
        store = tmp_path / f"case-{case}"
        shutil.copytree(pristine, store)
        what = _random_damage(store, rng)
        copy = tmp_path / f"case-{case}-repair"
        shutil.copytree(store, copy)
        before = _files(store)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ledger = open_ledger(store)
            except (JournalCorruptError, ValueError) as error:
                message = str(error)
                assert _names_a_place(message), (what, message)
                assert _files(store) == before, what
                outcomes["refused"] += 1
            else:
                assert ledger.report is not None
                # Opening without repair never drops an acknowledged call.
                assert ledger.report.last_seq == CALLS, what
                assert ledger.snapshot() == _reference(CALLS), what
                ledger.close()
                outcomes["opened"] += 1
                continue
            try:
                ledger = open_ledger(copy, repair=True)
            except (JournalCorruptError, ValueError) as error:
                message = str(error)
                assert _names_a_place(message), (what, message)
                outcomes["repair refused"] += 1
                continue
        report = ledger.report
        assert report is not None
        last = report.last_seq
        assert ledger.snapshot() == _reference(last), what
        # Every call the repair could not keep is named.
        assert last == CALLS or report.lost == (last + 1, CALLS), (what, report)
        ledger.close()
        outcomes["repaired"] += 1
    print(f"\nrandom damage: {outcomes}")
    assert outcomes["refused"]
    assert outcomes["repaired"]


def test_a_store_whose_journal_is_deleted_is_not_silently_recreated(pristine: Path,
                                                                       tmp_path: Path) -> None:
    store = _damaged(pristine, tmp_path, _delete(durable.JOURNAL))
    with pytest.raises(JournalCorruptError, match="journal was lost"):
        open_ledger(store, snapshot=INITIAL)
    assert not (store / durable.JOURNAL).exists()


def test_a_store_whose_snapshots_are_all_deleted_is_re_seeded_from_its_initial_state(
        pristine: Path, tmp_path: Path) -> None:
    store = _damaged(pristine, tmp_path,
                     _delete("snapshot-0.json", "snapshot-15.json", "snapshot-30.json"))
    with pytest.raises(JournalCorruptError, match=r"give snapshot= .* to re-seed"):
        open_ledger(store)
    with pytest.raises(ValueError, match="not the one this store started from"):
        open_ledger(store, snapshot={**INITIAL, "inventoryLevels": []})
    ledger = open_ledger(store, snapshot=INITIAL)
    assert ledger.report is not None
    assert ledger.report.reseeded
    assert (ledger.report.snapshot_seq, ledger.report.last_seq) == (0, CALLS)
    assert ledger.snapshot() == _reference(CALLS)
    ledger.close()
    zero = "snapshot-0.json"
    assert (store / zero).read_bytes() == (pristine / zero).read_bytes()


def test_an_interrupted_creation_is_finished_on_the_next_open(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    first = Ledger.from_snapshot(INITIAL, API_VERSION)
    durable.write_snapshot(store, 0, durable_codec.body_pieces(first, 0, None))
    # snapshot-0 is there, the journal not yet: a crash between the two.
    with open_ledger(store, snapshot=INITIAL, api_version=API_VERSION) as ledger:
        assert ledger.report is not None
        assert ledger.report.created


def test_deleting_the_old_lock_file_lets_no_second_writer_in(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION)
    for leftover in (store / "lock", store / durable.MARK):
        leftover.unlink(missing_ok=True)
    with pytest.raises(LedgerError, match="open in another ledger"):
        open_ledger(store)
    first.close()
    open_ledger(store).close()


def test_read_only_opens_write_nothing_and_refuse_calls(
        pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _damaged(pristine, tmp_path, _torn_last)
    (store / "snapshot-99.json.tmp").write_bytes(b"leftover")
    before = _files(store)
    real_open, real_os_open = open, os.open
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def no_write_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            raise OSError(30, "Read-only file system", str(file))
        return real_open(file, mode, *args, **kwargs)

    def no_write_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writes:
            raise OSError(30, "Read-only file system", str(path))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_write_open)
    monkeypatch.setattr(os, "open", no_write_os_open)
    with pytest.warns(TornRecordWarning, match="ignored"):
        ledger = open_ledger(store, read_only=True, full_replay=True)
    monkeypatch.undo()
    assert ledger.report is not None
    assert ledger.report.read_only
    assert ledger.snapshot() == _reference(CALLS - 1)
    # The whole audit trail, from the base snapshot.
    assert ledger.groups() == reference(CALLS - 1)[0].groups()
    with pytest.raises(durable.DurabilityError, match="read-only"):
        call(ledger, ManualClock(START), CALLS)
    with pytest.raises(durable.DurabilityError, match="read-only"):
        ledger.checkpoint()
    ledger.close()
    assert _files(store) == before
    with pytest.raises(ValueError, match="read_only"):
        open_ledger(store, read_only=True, repair=True)


def test_a_read_only_open_refuses_what_a_writer_would_have_to_repair(
        pristine: Path, tmp_path: Path) -> None:
    store = _damaged(pristine, tmp_path, lambda s: _record(s, 20))
    _check_refusal(store, Refuses(r"\(line 21\)", offset_line=21), read_only=True)


def test_a_read_only_open_sees_a_store_another_ledger_is_writing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    clock = ManualClock(START)
    writer = open_ledger(store, snapshot=INITIAL, api_version=API_VERSION, clock=clock)
    for i in range(1, 6):
        call(writer, clock, i)
    reader = open_ledger(store, read_only=True)
    assert reader.snapshot() == writer.snapshot()
    assert [r.seq for r in read_journal(store)] == [1, 2, 3, 4, 5]
    reader.close()
    writer.close()
