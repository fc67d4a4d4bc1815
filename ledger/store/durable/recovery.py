"""Opening a store: find the newest snapshot that belongs to the journal, judge the damage, rebuild.

The store layer. It stays whole (a little over 600 lines) because it is one decision
procedure: ``_Opener`` walks the files, then judges the journal (``_plan``), then rebuilds
(``_rebuild``, with ``_rebase``), each step reading what the one before found on the same
opener, and the three outcomes below are decided across all three; split, a reader would
follow one decision through several files. The file format and locking, the journal scan,
the log it opens into and the snapshot body already live beside it (``files``, ``scan``,
``log``, ``codec``).

Every way a store's files can be found is one of three outcomes, never silent loss and never
invented state (RELIABILITY.md has the matrix):

* **opens exactly**: the newest bound snapshot plus the journal after it (a torn last line,
  a crash mid-write, is dropped and reported);
* **repairs to a named prefix or a named rebase**, only with ``repair=True``: corruption after
  the newest snapshot truncates the journal there (the report names what was dropped);
  damage at or before it, or a journal that ends before it, *rebases* the journal on that
  snapshot: the damaged journal is kept as ``journal-damaged-<n>.jsonl`` and a new one starts
  after the snapshot with the records that followed it, so no call the snapshot or the
  intact records hold is lost;
* **refuses**, naming the byte offset and line (or the file) of what is wrong.

A snapshot *belongs* to the journal when the journal's record ``seq`` has the CRC-32 the
snapshot's ``follows`` names (its base snapshot: when its body's CRC is the one the journal's
header names). A snapshot that contradicts the journal (another store's history) is skipped
with a ``SnapshotWarning``, never deleted. The sync mark (``journal.mark``) names the newest
record known to be on disk: a journal that ends before it lost synced records, which is
reported as such rather than taken for a crash mid-write.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import warnings
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger.core.engine import Clock
from ledger.core.versions import DEFAULT
from ledger.store import oplog
from ledger.store import snapshot as snapshot_format
from ledger.store.durable.codec import body_pieces, ledger_from_body
from ledger.store.durable.files import (
    DAMAGED,
    JOURNAL,
    MARK,
    Mark,
    MarkWriter,
    damaged_path,
    fsync_dir,
    lock_directory,
    read_mark,
    read_snapshot_file,
    snapshot_files,
    snapshot_path,
    write_atomically,
    write_snapshot,
)
from ledger.store.durable.log import (
    DurableOpLog,
    FsyncPolicy,
    SnapshotWarning,
)
from ledger.store.durable.scan import Bad, JournalCorruptError, Scan, scan_journal

if TYPE_CHECKING:  # the facade mixes the durable store into its Ledger and passes the class
    from ledger.api import DurableLedger

_FSYNC_POLICIES: Final = ("always", "batch", "never")


class TornRecordWarning(UserWarning):
    """Opening found a torn last record (a crash mid-write) and dropped it."""


class RepairWarning(UserWarning):
    """``repair=True`` truncated or rebased the journal, or accepted a loss it names."""


@attrs.frozen(kw_only=True)
class DroppedTail:
    """What opening cut off the end of the journal: from ``offset`` (line ``line``) onward."""

    offset: int
    line: int
    bytes: int
    lines: int
    reason: str


@attrs.frozen(kw_only=True)
class Rebase:
    """A repair that started a new journal after snapshot ``seq``, keeping the old one aside."""

    seq: int
    #: The old journal, kept under this name (``None``: there was none left to keep).
    damaged_journal: str | None
    kept_records: int
    reason: str


@attrs.frozen(kw_only=True)
class RecoveryReport:
    """What ``open_ledger`` found: the snapshot used, the records replayed, what it dropped."""

    created: bool
    snapshot_seq: int
    replayed: int
    last_seq: int
    torn: DroppedTail | None = None
    repaired: DroppedTail | None = None
    skipped_snapshots: tuple[str, ...] = ()
    rebased: Rebase | None = None
    #: Records the sync mark says were on disk but the journal no longer holds (first, last):
    #: accepted as lost only with ``repair=True``.
    lost: tuple[int, int] | None = None
    reseeded: bool = False
    read_only: bool = False


def open_store(
    kind: type[DurableLedger],
    path: str | os.PathLike[str],
    *,
    snapshot: object = None,
    api_version: str | None = None,
    clock: Clock | None = None,
    fsync: FsyncPolicy = "always",
    snapshot_every: int = 1000,
    batch_records: int = 64,
    batch_seconds: float = 0.05,
    repair: bool = False,
    full_replay: bool = False,
    read_only: bool = False,
    **options: Any,
) -> DurableLedger:
    """Open (or, given ``snapshot``, create) the durable store at ``path`` as a ``kind``.

    ``kind`` is ``ledger.api.DurableLedger`` (``ledger.api.open_ledger`` passes it: the store
    sits below the facade and names no ``Ledger`` itself); see ``ledger.durable``.

    ``snapshot`` is the initial state (interface.md's format); for an existing store it must be
    that state again, or ``None`` (given, it also re-seeds a store whose ``snapshot-0`` was
    lost). ``api_version`` defaults to the journal header's. ``snapshot_every`` records a
    snapshot is written (0: never, except at ``checkpoint``). ``full_replay`` rebuilds from the
    journal's base snapshot through the whole journal (the audit trail complete in memory).
    ``repair`` accepts the damage it names (module docstring). ``read_only`` writes nothing at
    all (no lock, no truncation, no snapshot; calls refused), for reading a store on
    read-only media or while another process writes it. ``options`` go to ``Ledger``.
    Raises ``JournalCorruptError`` for damage it does not repair, ``ReplayMismatchError`` if
    the journal does not replay as recorded, ``FileNotFoundError`` for a missing store opened
    without ``snapshot``, ``LedgerError`` if another ledger has the store open.
    """
    if fsync not in _FSYNC_POLICIES:
        raise ValueError(f"fsync must be 'always', 'batch' or 'never', not {fsync!r}")
    if "group_ids" in options or "record" in options:
        raise ValueError("a durable ledger numbers its groups and records its calls itself")
    if not isinstance(snapshot_every, int) or snapshot_every < 0:
        raise ValueError("snapshot_every must be a non-negative integer")
    if read_only and (repair or snapshot is not None):
        raise ValueError("read_only opens an existing store as it is: no repair, no snapshot=")
    root = Path(path)
    if snapshot is not None:
        root.mkdir(parents=True, exist_ok=True)
    elif not root.is_dir():
        raise FileNotFoundError(f"{root}: no durable ledger here (give snapshot= to create one)")
    lock = None if read_only else lock_directory(root)
    opener = _Opener(kind=kind, root=root, api_version=api_version, clock=clock, repair=repair,
                     full_replay=full_replay, read_only=read_only, options=options)
    try:
        ledger = opener.open(snapshot)
        ledger._lock_fd = lock
        log = ledger._durable
        if log is not None:
            log.fsync, log.snapshot_every = fsync, snapshot_every
            log.batch_records, log.batch_seconds = batch_records, batch_seconds
    except BaseException:
        if lock is not None:
            os.close(lock)
        raise
    report = ledger.report
    if (not read_only and log is not None and report is not None and snapshot_every
            and report.replayed >= snapshot_every):
        log.snapshot()  # the next open need not replay all of that again
    return ledger


@attrs.define
class _Plan:
    """What to do with the journal to open it from one snapshot."""

    records: list[oplog.OpRecord]
    last_seq: int
    end: int
    last_crc: str
    torn: Bad | None = None
    truncate: Bad | None = None
    rebase: str | None = None
    lost: tuple[int, int] | None = None


@attrs.define
class _Opener:
    kind: type[DurableLedger]
    root: Path
    api_version: str | None
    clock: Clock | None
    repair: bool
    full_replay: bool
    read_only: bool
    options: dict[str, Any]
    #: Open from this snapshot only (the rollback after a failed write reloads the state
    #: from the snapshot the ledger was opened from, so its in-memory journal is the same).
    only: int | None = None
    skipped: list[str] = attrs.Factory(list)
    created: bool = False
    reseeded: bool = False
    lost: tuple[int, int] | None = None
    rebased: Rebase | None = None

    @property
    def journal(self) -> Path:
        return self.root / JOURNAL

    def _warn(self, warning: Warning) -> None:
        warnings.warn(warning, stacklevel=4)

    # ------------------------------------------------------------------ the files first

    def open(self, initial: object) -> DurableLedger:
        """Open the store as it is on disk (``initial``: the snapshot= argument)."""
        root = self.root
        if not self.read_only:
            for leftover in root.glob("*.tmp"):
                leftover.unlink()  # an atomic write a crash cut short; its target is intact
        if not self.journal.is_file():
            self._no_journal(initial)
        head = self._header()
        base = oplog.base_seq(head)
        if initial is not None:
            self._check_initial(initial, head, base)
        candidates = [(seq, p) for seq, p in snapshot_files(root) if seq >= base]
        if self.full_replay:
            candidates = [(seq, p) for seq, p in candidates if seq == base]
        if self.only is not None:
            candidates = [(seq, p) for seq, p in candidates if seq == self.only]
        mark = read_mark(root)
        if isinstance(mark, str):
            self._warn(SnapshotWarning(f"{root}: ignoring the sync mark: {mark}"))
            mark = None
        for seq, file in candidates:
            try:
                body, crc = read_snapshot_file(file)
            except (OSError, ValueError) as error:
                self.skipped.append(str(error))
                self._warn(SnapshotWarning(f"{root}: skipping {error}"))
                continue
            want = {seq} if mark is None else {seq, mark.seq}
            scan = scan_journal(self.journal, keep_after=seq, want=want)
            contradiction = self._contradiction(seq, crc, body, scan)
            if contradiction is not None:
                self.skipped.append(contradiction)
                self._warn(SnapshotWarning(f"{root}: skipping {contradiction}"))
                continue
            plan = self._plan(seq, scan, mark)
            return self._rebuild(body, crc, scan, plan)
        hint = (" give snapshot= (the store's initial state) to re-seed it" if base == 0
                else f" its base snapshot-{base}.json is needed")
        raise JournalCorruptError(f"{root}: no readable snapshot that belongs to the journal "
                                  f"({'; '.join(self.skipped) or 'none found'});{hint}")

    def _header(self) -> dict[str, Any]:
        from ledger.store.durable.scan import raw_lines, read_header

        with open(self.journal, "rb") as f:
            return read_header(self.journal, next(raw_lines(f), None))

    def _no_journal(self, initial: object) -> None:
        """A directory without a journal: a new store, an interrupted creation, or a loss."""
        root = self.root
        others = [p.name for seq, p in snapshot_files(root) if seq > 0]
        others += [p.name for p in root.glob(DAMAGED.format("*"))]
        if (root / MARK).exists():
            others.append(MARK)
        if others:
            # The journal existed once (a mark, later snapshots): it was lost, not never made.
            if not self.repair or self.read_only:
                raise JournalCorruptError(
                    f"{root}: {JOURNAL} is missing but the store holds {', '.join(others)}: "
                    "its journal was lost. Restore it, or open with repair=True to start a new "
                    "journal after the newest snapshot (the calls after it are then lost).")
            self._rebase_lost_journal()
            return
        if initial is None or self.read_only:
            raise FileNotFoundError(f"{root}: no durable ledger here")
        zero = snapshot_path(root, 0)
        if zero.exists():
            # Creation was cut short (snapshot-0 is written before the journal): no call ran.
            self._check_same_start(zero, initial)
        self._initialise(initial, self.api_version or DEFAULT)
        self.created = True

    def _check_same_start(self, zero: Path, initial: object) -> None:
        try:
            body, _crc = read_snapshot_file(zero)
        except (OSError, ValueError):
            return  # unreadable: an interrupted creation's own file, rewritten below
        if not _same_start(initial, body["snapshot"], None):
            raise ValueError(f"{self.root} already holds a ledger that started from another "
                             "snapshot")

    def _initialise(self, initial: object, api_version: str) -> None:
        """Create a store: ``snapshot-0.json``, the journal (a complete store), then the mark."""
        first = self.kind.from_snapshot(initial, api_version, self.clock)
        _path, crc = write_snapshot(self.root, 0, body_pieces(first, 0, None))
        head = json.dumps(oplog.header(api_version, {"seq": 0, "crc32": crc},
                                       first.loaded_at)) + "\n"
        write_atomically(self.journal, [head.encode()])
        mark = MarkWriter(self.root)
        try:
            mark.write(Mark(seq=0, end=len(head), crc="00000000"))
            mark.sync()
        finally:
            mark.close()

    def _check_initial(self, initial: object, head: dict[str, Any], base: int) -> None:
        """``snapshot=`` for an existing store: the same start again, or a re-seed."""
        zero = snapshot_path(self.root, 0)
        loaded_at = _loaded_at(head)
        try:
            body, _crc = read_snapshot_file(zero)
        except FileNotFoundError:
            body = None
        except ValueError:
            body = None  # damaged: a re-seed with the verified initial state replaces it
        if body is not None:
            if not _same_start(initial, body["snapshot"], loaded_at):
                raise ValueError(f"{self.root} already holds a ledger that started from "
                                 "another snapshot")
            return
        if base != 0:
            return  # a rebased store no longer starts from snapshot-0
        if self.read_only:
            raise JournalCorruptError(f"{zero}: missing or damaged; re-seeding it needs a "
                                      "writable open")
        first = self.kind.from_snapshot(initial, head["apiVersion"], loaded_at=loaded_at)
        pieces = list(body_pieces(first, 0, None))
        expected = head.get("base", {}).get("crc32")
        crc = f"{zlib.crc32(''.join(pieces).encode()):08x}"
        if expected is not None and crc != expected:
            raise ValueError(f"{self.root}: the snapshot given is not the one this store "
                             "started from (its journal's header names another), so "
                             f"{zero.name} cannot be re-seeded from it")
        write_snapshot(self.root, 0, pieces)
        self.reseeded = True

    # ------------------------------------------------------------------ judging the journal

    def _contradiction(self, seq: int, crc: str, body: dict[str, Any],
                       scan: Scan) -> str | None:
        """Why snapshot ``seq`` does not belong to this journal, or ``None`` if it may."""
        name = snapshot_path(self.root, seq).name
        if seq == scan.base_seq:
            if scan.base_crc is not None and scan.base_crc != crc:
                return (f"{name}: its checksum {crc} is not the {scan.base_crc} the journal's "
                        "header names for its base snapshot (another store's?)")
            return None
        follows = body.get("follows") if body.get("version", 1) >= 2 else None
        found = scan.crcs.get(seq)
        if follows is not None and found is not None and found != follows:
            return (f"{name}: it follows a record {seq} with checksum {follows}, but the "
                    f"journal's record {seq} has {found} (a snapshot of another history)")
        return None

    def _plan(self, seq: int, scan: Scan, mark: Mark | None) -> _Plan:
        """Decide how to open from snapshot ``seq``; raise if that needs a repair not asked."""
        bad = scan.bad
        where = self.journal
        if scan.last_seq >= seq and (bad is None or bad.torn):
            plan = _Plan(records=scan.records, last_seq=scan.last_seq, end=scan.good_end,
                         last_crc=_last_crc(scan), torn=bad)
        elif scan.last_seq >= seq:
            assert bad is not None  # noqa: S101 - the branch above took bad is None
            if not self.repair:
                raise JournalCorruptError(
                    f"{where}: corrupt record at byte offset {bad.offset} (line {bad.line}): "
                    f"{bad.reason}; {_following(bad)}. Open with repair=True to truncate the "
                    f"journal there, dropping {1 + bad.lines_after} line(s).",
                    offset=bad.offset, line=bad.line)
            plan = _Plan(records=scan.records, last_seq=scan.last_seq, end=scan.good_end,
                         last_crc=_last_crc(scan), truncate=bad)
        else:
            # The journal does not reach past the snapshot intact: damaged at or before it, or
            # cut short before it. The snapshot holds the state; the records after it, if
            # intact, follow it in a rebased journal.
            if bad is not None:
                what = (f"damaged at byte offset {bad.offset} (line {bad.line}): {bad.reason}")
                offset, line = bad.offset, bad.line
            else:
                what = (f"ends at byte offset {scan.good_end} (line {scan.last_line}) with "
                        f"record {scan.last_seq}")
                offset, line = scan.good_end, scan.last_line + 1
            reason = (f"the journal is {what}, before record {seq} that "
                      f"snapshot-{seq}.json follows")
            if seq > scan.base_seq and seq not in scan.crcs:
                reason += (f"; record {seq} itself is not readable, so the snapshot is "
                           "trusted on its own checksum")
            if not self.repair:
                raise JournalCorruptError(
                    f"{where}: {reason}. The snapshot holds the state up to record {seq}; open "
                    "with repair=True to keep it and the intact records after it in a new "
                    "journal (this one is kept as journal-damaged-<n>.jsonl).",
                    offset=offset, line=line)
            last = seq + len(scan.run)
            plan = _Plan(records=scan.run, last_seq=last, end=-1,
                         last_crc=_last_crc(scan, run=True), rebase=reason,
                         truncate=scan.run_bad)
        if mark is not None and mark.seq > plan.last_seq and mark.seq > scan.base_seq:
            lost = (plan.last_seq + 1, mark.seq)
            if not self.repair:
                raise JournalCorruptError(
                    f"{where}: the journal ends at record {plan.last_seq} (byte offset "
                    f"{plan.end if plan.end >= 0 else scan.good_end}), but its sync mark says "
                    f"records up to {mark.seq} were on disk: records {lost[0]}..{lost[1]} "
                    "are lost. Open with repair=True to accept the loss.",
                    offset=plan.end if plan.end >= 0 else scan.good_end,
                    line=scan.last_line + 1)
            plan.lost = lost
        elif (mark is not None and mark.seq > max(seq, scan.base_seq) and not self.repair
              and scan.crcs.get(mark.seq) not in (None, mark.crc) and not plan.rebase):
            raise JournalCorruptError(
                f"{where}: record {mark.seq} has checksum {scan.crcs[mark.seq]}, but the "
                f"sync mark names {mark.crc}: this journal is not the one that was synced. "
                "Open with repair=True to trust the journal.")
        return plan

    # ------------------------------------------------------------------ rebuilding

    def _rebuild(self, body: dict[str, Any], crc: str, scan: Scan,
                 plan: _Plan) -> DurableLedger:
        seq = body["seq"]
        name = snapshot_path(self.root, seq).name
        version = self.api_version or scan.api_version
        ledger = ledger_from_body(self.kind, body, version, self.clock, self.options, name)
        if not isinstance(ledger, self.kind):  # pragma: no cover - from_snapshot uses cls
            raise TypeError("Ledger.from_snapshot did not build a DurableLedger")
        base: dict[str, Any] | None = None
        if scan.base_crc is not None:
            base = {"seq": scan.base_seq, "crc32": scan.base_crc}
        if plan.rebase is not None:
            base = {"seq": seq, "crc32": crc}
        log = DurableOpLog(seq, base)
        log.opened_from = seq
        ledger.loaded_at = scan.loaded_at
        ledger._oplog = ledger._durable = log
        # Checksummed records, replayed before the journal is attached: trusted, past the
        # guards of ``DurableMixin.run`` (which refuse nothing yet).
        ledger._replay(plan.records, trusting=True)
        # Only now, with the good records replayed, are the files changed for good.
        rebased = None
        end = plan.end
        if plan.rebase is not None:
            rebased, end = self._rebase(seq, crc, scan, plan)
        elif plan.truncate is not None or plan.torn is not None:
            bad = plan.truncate or plan.torn
            assert bad is not None  # noqa: S101 - one of the two is set
            if not self.read_only:
                with open(self.journal, "r+b") as f:
                    f.truncate(bad.offset)
                    f.flush()
                    os.fsync(f.fileno())
            kind, warning = (("torn last record", TornRecordWarning) if plan.torn is not None
                             else ("repair", RepairWarning))
            self._warn(warning(
                f"{self.journal}: {kind}: {'ignored' if self.read_only else 'dropped'} "
                f"{1 + bad.lines_after} line(s), {bad.bytes_after} bytes from byte offset "
                f"{bad.offset} (line {bad.line}): {bad.reason}"))
        if plan.lost is not None:
            self._warn(RepairWarning(
                f"{self.journal}: records {plan.lost[0]}..{plan.lost[1]}, which the sync mark "
                "says were on disk, are lost; accepted (repair=True)"))
        ledger.path = self.root
        ledger.read_only = self.read_only
        if not self.read_only:
            mark = MarkWriter(self.root)
            if rebased is not None or plan.truncate is not None or plan.lost is not None:
                mark.write(Mark(seq=plan.last_seq, end=end, crc=plan.last_crc))
                mark.sync()
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND)
            log.attach(ledger, self.root, fd, end, plan.last_crc, mark)
        else:
            log._journal = self.journal
        ledger._reload = self._reloader(seq)
        torn = _dropped(plan.torn)
        repaired = _dropped(plan.truncate) if rebased is None else None
        ledger.report = RecoveryReport(
            created=self.created, snapshot_seq=seq, replayed=len(plan.records),
            last_seq=plan.last_seq, torn=torn, repaired=repaired,
            skipped_snapshots=tuple(self.skipped), rebased=rebased or self.rebased,
            lost=plan.lost or self.lost,
            reseeded=self.reseeded, read_only=self.read_only)
        return ledger

    def _rebase(self, seq: int, crc: str, scan: Scan, plan: _Plan) -> tuple[Rebase, int]:
        """Start a new journal after snapshot ``seq`` with the intact records that follow it."""
        assert plan.rebase is not None  # noqa: S101 - called for a rebase plan only
        head = (json.dumps(oplog.header(scan.api_version, {"seq": seq, "crc32": crc},
                                        scan.loaded_at)) + "\n").encode()
        damaged = damaged_path(self.root)
        start, stop = scan.run_start, scan.run_end

        def pieces() -> Any:
            yield head
            if start is not None and stop is not None:
                with open(self.journal, "rb") as f:
                    f.seek(start)
                    left = stop - start
                    while left:
                        chunk = f.read(min(left, 1 << 20))
                        if not chunk:
                            break
                        left -= len(chunk)
                        yield chunk

        # The damaged journal stays, under a new name, before the new one replaces it.
        try:
            os.link(self.journal, damaged)
        except OSError:
            shutil.copyfile(self.journal, damaged)
        fsync_dir(self.root)
        write_atomically(self.journal, pieces())
        end = len(head) + ((stop - start) if start is not None and stop is not None else 0)
        self._warn(RepairWarning(
            f"{self.journal}: rebased on snapshot-{seq}.json ({plan.rebase}); kept "
            f"{len(plan.records)} record(s) after it; the old journal is {damaged.name}"))
        return Rebase(seq=seq, damaged_journal=damaged.name, kept_records=len(plan.records),
                      reason=plan.rebase), end

    def _rebase_lost_journal(self) -> None:
        """``repair=True`` on a store that lost its journal: a new one after the newest snapshot."""
        for seq, file in snapshot_files(self.root):
            try:
                _body, crc = read_snapshot_file(file)
            except (OSError, ValueError) as error:
                self.skipped.append(str(error))
                continue
            head = json.dumps(oplog.header(_body["apiVersion"], {"seq": seq, "crc32": crc}))
            write_atomically(self.journal, [(head + "\n").encode()])
            mark = read_mark(self.root)
            lost = ""
            if isinstance(mark, Mark) and mark.seq > seq:
                lost = f"; records {seq + 1}..{mark.seq} (synced, by its mark) are lost"
                self.lost = (seq + 1, mark.seq)
            with contextlib.suppress(FileNotFoundError):
                (self.root / MARK).unlink()
            self.rebased = Rebase(seq=seq, damaged_journal=None, kept_records=0,
                                  reason=f"{JOURNAL} was missing")
            self._warn(RepairWarning(f"{self.journal} was missing: started a new journal after "
                                     f"{file.name}{lost}"))
            return
        raise JournalCorruptError(f"{self.root}: {JOURNAL} is missing and no snapshot is "
                                  f"readable ({'; '.join(self.skipped)})")

    def _reloader(self, seq: int) -> Any:
        """Return how to reload this store's acknowledged state, read-only (after a failure)."""
        again = attrs.evolve(self, repair=False, read_only=True, skipped=[], only=seq)

        def reload() -> DurableLedger:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return again.open(None)

        return reload


def _loaded_at(head: dict[str, Any]) -> Any:
    raw = head.get("loadedAt")
    return oplog.parse_time(raw, "the journal's loadedAt") if raw is not None else None


def _same_start(initial: object, stored: dict[str, Any], loaded_at: Any) -> bool:
    """Tell whether ``initial`` is the state a store started from (its ``snapshot-0``).

    An entry ``initial`` gives no ``createdAt`` got the time the store was created
    (``loaded_at``, from the journal's header); unknown (an interrupted creation), such
    times are left out of the comparison.
    """
    sentinel = datetime(1, 1, 1, tzinfo=UTC)
    given = snapshot_format.dump(snapshot_format.load(
        initial, lambda: loaded_at if loaded_at is not None else sentinel))
    if loaded_at is None:
        unknown = snapshot_format.timestamp(sentinel)
        stored = {key: [
            {**entry, "createdAt": unknown} if mine.get("createdAt") == unknown else entry
            for mine, entry in zip(given.get(key, []), entries, strict=False)]
            for key, entries in stored.items()}
    return given == stored


def _last_crc(scan: Scan, *, run: bool = False) -> str:
    return scan.run_last_crc if run else scan.last_crc


def _following(bad: Bad) -> str:
    if bad.lines_after:
        return f"{bad.lines_after} line(s) follow it, so it is no torn last write"
    return "it is a whole line (it ends in a newline), so it is no torn write but a damaged one"


def _dropped(bad: Bad | None) -> DroppedTail | None:
    if bad is None:
        return None
    return DroppedTail(offset=bad.offset, line=bad.line, bytes=bad.bytes_after,
                       lines=1 + bad.lines_after, reason=bad.reason)

