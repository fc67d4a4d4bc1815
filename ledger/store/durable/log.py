"""The durable ledger and its journal writer: each call's record on disk before it returns."""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, NoReturn, Self

from ledger.core.engine import _KEEP, Clock, Engine, FaultPolicy, Operation
from ledger.core.errors import LedgerError
from ledger.core.faults import Fault
from ledger.core.results import Result
from ledger.store import oplog
from ledger.store.durable.codec import body_pieces
from ledger.store.durable.files import (
    JOURNAL,
    Mark,
    MarkWriter,
    snapshot_files,
    snapshot_path,
    write_snapshot,
)
from ledger.store.durable.scan import read_journal
from ledger.store.oplog import OpLog, OpRecord, Outcome

FsyncPolicy = Literal["always", "batch", "never"]
#: Snapshots beyond the journal's base kept on disk: the newest, and one to fall back on.
KEEP_SNAPSHOTS: Final = 2


class DurabilityError(LedgerError):
    """A record could not be written (the call is not acknowledged), or the store is shut."""


class SnapshotWarning(UserWarning):
    """A snapshot could not be read (an older one was used) or written (the journal still is)."""


class JournalPrefix(OpLog):
    """An operation log whose first ``upto`` records are read back from a journal file.

    A fork of a durable ledger starts with one: what its parent had journaled when it forked,
    then its own calls in memory. Iterating streams the file, so memory stays flat.
    """

    def __init__(self, journal: Path | None, upto: int,
                 base: dict[str, Any] | None = None) -> None:
        super().__init__(None, upto, base)
        self._journal = journal

    @property
    def base_seq(self) -> int:
        """The seq the journal's records start after (its base snapshot's)."""
        return int(self.base["seq"]) if self.base is not None else 0

    def _head(self, upto: int) -> Iterator[OpRecord]:
        if self._journal is None or upto <= 0:
            return
        if upto <= self.base_seq:
            return
        for record in read_journal(self._journal):
            yield record
            if record.seq >= upto:
                return  # read no further: what follows may be a write still under way


class DurableOpLog(JournalPrefix):
    """The journal writer: ``append`` writes each record to the journal before the call returns.

    It keeps no records in memory: the journal file holds them all and iterating reads them
    back. Until ``attach`` it only counts records (the replay at open time).
    """

    #: Write each record in pieces of this many bytes (tests use it to make torn writes likely).
    write_chunk: int | None = None

    def __init__(self, count: int, base: dict[str, Any] | None = None) -> None:
        super().__init__(None, count, base)
        self._ledger: DurableMixin | None = None
        self._fd: int | None = None
        self._mark: MarkWriter | None = None
        self._root = Path()
        self._end = 0
        self._last_crc = "00000000"
        self._synced: Mark | None = None
        self.fsync: FsyncPolicy = "always"
        self.snapshot_every = 0
        self.batch_records = 64
        self.batch_seconds = 0.05
        self._unsynced = 0
        self._last_sync = time.monotonic()
        self.last_snapshot = count
        self.failed: BaseException | None = None
        self.closed = False
        #: The snapshot this ledger was opened from: kept on disk while it is open.
        self.opened_from = count

    def attach(self, ledger: DurableMixin, root: Path, fd: int, end: int, last_crc: str,
               mark: MarkWriter) -> None:
        """Start writing: ``fd`` is the journal opened for appending, ``end`` its length."""
        self._ledger, self._root, self._fd, self._end = ledger, root, fd, end
        self._journal = root / JOURNAL
        self._last_crc, self._mark = last_crc, mark

    @property
    def attached(self) -> bool:
        """Tell whether records are being written (open and not failed)."""
        return self._fd is not None

    def append(self, record: OpRecord) -> None:
        """Write the record of the newest call to the journal (and count it)."""
        if record.seq != self._upto + 1:
            raise LedgerError(f"operation record {record.seq} out of order")
        if self._fd is not None:
            self._write(oplog.frame(record).encode(), record.seq)
        self._upto = record.seq
        if (self._fd is not None and self.snapshot_every
                and record.seq - self.last_snapshot >= self.snapshot_every):
            self.snapshot()

    def add(self, at: datetime | None, operation: str, api_version: str, key: str | None,
            command: Any, fault: Fault | None, result: Result) -> None:
        """Write the newest call, from its parts, to the journal (``append``'s record)."""
        self.append(OpRecord(seq=self._upto + 1, at=at, operation=operation,
                             api_version=api_version, idempotency_key=key, command=command,
                             fault=fault, outcome=Outcome.of(result, fault)))

    def _write(self, line: bytes, seq: int) -> None:
        fd = self._fd
        if fd is None or self.failed is not None:
            raise DurabilityError("the journal is closed")
        start, previous_crc = self._end, self._last_crc
        try:
            view = memoryview(line)
            step = self.write_chunk or len(view)
            while view:
                written = os.write(fd, view[:step])
                view = view[written:]
            self._end = start + len(line)
            self._last_crc = line[10:18].decode()  # the frame's CRC: {"crc32":"<here>"
            self._unsynced += 1
            if self.fsync == "always" or (self.fsync == "batch" and (
                    self._unsynced >= self.batch_records
                    or time.monotonic() - self._last_sync >= self.batch_seconds)):
                self._sync(seq)
        except OSError as error:
            self._end, self._last_crc = start, previous_crc
            self._fail(error, fd, start)

    def _fail(self, error: OSError, fd: int, end: int) -> NoReturn:
        """Undo a record that could not be made durable, in the file and in memory, then raise.

        The record may be half (or wholly) in the file: it is cut off at ``end``. Memory holds
        a call the journal does not: the ledger reloads the acknowledged state from the
        store, so reads, snapshots and keys never show it. The ledger then takes no more
        calls until reopened (after a failed write or sync the file is not to be trusted
        further). If even the cut fails, every read of the ledger raises ``DurabilityError``.
        """
        self.failed = error
        ledger = self._ledger
        try:
            os.ftruncate(fd, end)
        except OSError as truncate_error:
            if ledger is not None:
                ledger._poison(f"the journal could not be cut back after a failed write "
                               f"({truncate_error})")
        else:
            if ledger is not None:
                ledger._rollback()
        raise DurabilityError(f"could not write to the journal: {error}") from error

    def _sync(self, seq: int | None = None) -> None:
        fd = self._fd
        if fd is None:
            return
        # fdatasync suffices: it also flushes the file size, which reading back needs.
        getattr(os, "fdatasync", os.fsync)(fd)
        self._unsynced = 0
        self._last_sync = time.monotonic()
        mark = Mark(seq=self._upto if seq is None else seq, end=self._end, crc=self._last_crc)
        if self._mark is not None and mark != self._synced:
            # After the sync, never before: the mark may lag the journal, never lead it.
            self._mark.write(mark)
            self._synced = mark

    def sync(self) -> None:
        """Flush every record written so far to stable storage, whatever the policy."""
        if self._fd is not None and self.failed is None:
            self._sync()
            if self._mark is not None:
                self._mark.sync()

    def snapshot(self) -> Path | None:
        """Write a snapshot now (journal synced first); ``None`` if it could not be written.

        The journal's base snapshot (``snapshot-0`` for a store never rebased) is never
        rewritten, and a snapshot of the same record is written once.
        """
        ledger = self._ledger
        if ledger is None or self._fd is None:
            return None
        seq = len(self)
        base = self.base_seq
        if seq == base:
            return snapshot_path(self._root, base)
        if seq == self.last_snapshot and snapshot_path(self._root, seq).exists():
            return snapshot_path(self._root, seq)
        # Retried only after another ``snapshot_every`` records if this one fails.
        self.last_snapshot = seq
        try:
            self._sync()
            path, _crc = write_snapshot(self._root, seq, body_pieces(ledger, seq,
                                                                     self._last_crc))
            prune(self._root, base, keep=self.opened_from)
        except (OSError, LedgerError) as error:
            warnings.warn(SnapshotWarning(f"snapshot at seq {seq} not written: {error}"),
                          stacklevel=2)
            return None
        return path

    def fork(self) -> OpLog:
        """Return an in-memory log (never written) that starts with this one's records."""
        return JournalPrefix(self._journal, len(self), self.base)

    def close(self) -> None:
        """Sync and close the journal; later calls are refused."""
        fd, self._fd = self._fd, None
        mark, self._mark = self._mark, None
        self.closed = True
        try:
            if fd is not None and self.failed is None:
                getattr(os, "fdatasync", os.fsync)(fd)
                if mark is not None:
                    last = Mark(seq=self._upto, end=self._end, crc=self._last_crc)
                    if last != self._synced:
                        mark.write(last)
                    mark.sync()
        finally:
            if fd is not None:
                os.close(fd)
            if mark is not None:
                mark.close()


def prune(root: Path, base: int, keep: int) -> None:
    """Delete snapshots beyond the newest ``KEEP_SNAPSHOTS`` after the journal's base.

    The base snapshot and ``snapshot-0`` always stay; so do snapshots older than the base
    (they belong to a journal a repair set aside) and ``keep``, the one the open ledger
    started from (a reload after a failed write starts from it again).
    """
    later = [(seq, path) for seq, path in snapshot_files(root) if seq > base]
    for seq, path in later[KEEP_SNAPSHOTS:]:
        if seq != keep:
            path.unlink(missing_ok=True)


class _Poisoned:
    """Stands in for the state of a ledger whose memory can no longer be trusted."""

    def __init__(self, why: str) -> None:
        self._why = why

    def __getattr__(self, name: str) -> NoReturn:
        raise DurabilityError(f"{self._why}; reopen the store")


class DurableMixin(Engine):
    """What journaling on disk adds to an engine; ``ledger.api.DurableLedger`` mixes it in.

    The class that users get, ``DurableLedger(DurableMixin, Ledger)``, lives in the facade
    (``ledger.api``), so that this storage layer never imports the facade.
    """

    _durable: DurableOpLog | None = None
    _lock_fd: int | None = None
    #: Reloads the acknowledged state from the store (set by ``open_ledger``).
    _reload: Callable[[], DurableMixin] | None = None
    #: Opened with ``read_only=True``: reads only, nothing written to the store.
    read_only: bool = False
    #: What opening found and did (torn record, repair, snapshot used).
    report: Any = None
    #: The store's directory.
    path: Path | None = None

    def run(
        self,
        command: Operation,
        idempotency_key: str | None = None,
        *,
        api_version: str | None = None,
    ) -> Result:
        """Run and journal one call (see ``Engine.run``); refused once the ledger is closed."""
        log = self._durable
        if self.read_only:
            raise DurabilityError("this durable ledger was opened read-only")
        if log is not None and log.closed:
            raise DurabilityError("this durable ledger is closed")
        if log is not None and log.failed is not None:
            raise DurabilityError(f"an earlier journal write failed ({log.failed}); reopen")
        return super().run(command, idempotency_key, api_version=api_version)

    def fork(self, *, clock: Clock | None = _KEEP, faults: FaultPolicy | None = _KEEP) -> Self:
        """Return an in-memory what-if copy (see ``Engine.fork``): it journals nothing."""
        child = super().fork(clock=clock, faults=faults)
        child._durable = None
        child._lock_fd = None
        child.read_only = False
        return child

    def sync(self) -> None:
        """Flush every journaled call to stable storage, whatever the fsync policy."""
        if self._durable is not None:
            with self._lock:
                self._durable.sync()

    def checkpoint(self) -> Path | None:
        """Write a snapshot now, so the next open replays nothing before this point.

        Atomic with respect to calls: it takes the ledger's lock, so it captures the state
        between two calls, never inside one (a call's own clock or fault policy calling it
        gets ``LedgerError``). Returns the snapshot's path (the journal's base snapshot when
        no call has been journaled since), or ``None`` if it could not be written
        (``SnapshotWarning``) or the ledger is an in-memory fork.
        """
        with self._lock:
            log = self._durable
            if log is None:
                return None
            if self._lock_owner is not None:
                raise LedgerError("checkpoint() cannot run inside a call")
            if self.read_only:
                raise DurabilityError("this durable ledger was opened read-only")
            if log.closed:
                raise DurabilityError("this durable ledger is closed")
            if log.failed is not None:
                raise DurabilityError(f"an earlier journal write failed ({log.failed}); reopen")
            return log.snapshot()

    def _rollback(self) -> None:
        """Reload the acknowledged state from the store after a failed journal write."""
        reload = self._reload
        try:
            if reload is None:
                raise DurabilityError("no store to reload from")
            fresh = reload()
        except Exception as error:  # any failure leaves memory untrusted
            self._poison(f"the state could not be reloaded after a failed write ({error})")
            return
        for name in ("_state", "_journal", "_keys", "_group_ids", "_reserved_group_number",
                     "_last_now", "_last_group_at"):
            setattr(self, name, getattr(fresh, name))
        if self._durable is not None and fresh._oplog is not None:
            self._durable._upto = len(fresh._oplog)

    def _poison(self, why: str) -> None:
        """Make every read fail: memory may hold a call the journal does not."""
        poisoned: Any = _Poisoned(why)
        self._state = poisoned
        self._journal = poisoned
        self._keys = poisoned

    def close(self) -> None:
        """Sync and close the journal and release the store; calls are refused afterwards.

        Waits for a call running on another thread to finish (and be journalled) first.
        """
        with self._lock:
            if self._durable is not None:
                self._durable.close()
            fd, self._lock_fd = self._lock_fd, None
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
