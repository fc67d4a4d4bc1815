"""A durable ledger: every call appended to a checksummed journal on disk, state rebuilt on open.

``open_ledger(path, snapshot=...)`` returns a ``DurableLedger``: a ``Ledger`` whose operation
log is written to a directory as it grows. The directory holds:

* ``journal.jsonl`` — an operation log in ``ledger.oplog``'s format (version 1): the header
  line, then one CRC-32-framed record per call, in ``seq`` order, from the very first call.
  It is append-only and never compacted, so it is the whole audit trail, and it is a valid
  ``export_oplog`` file: ``Ledger.from_oplog(<snapshot-0's state>, journal.jsonl)`` replays
  it (``full_replay=True`` does the same through this module).
* ``snapshot-<seq>.json`` — the ledger as it stood after record ``seq``, written atomically
  (temporary file, fsync, rename, fsync of the directory). ``snapshot-0.json`` is the initial
  state and is kept forever; of the others only the newest ``KEEP_SNAPSHOTS`` are kept. A
  snapshot is one line, ``{"crc32":"<8 hex>","body":<BODY>}``, the CRC taken over the UTF-8
  bytes of ``<BODY>``, which is::

    {"format": "ledger-durable-snapshot", "version": 1, "seq": 120, "apiVersion": "2026-04",
     "snapshot": <the public snapshot of interface.md, as Ledger.snapshot() gives it>,
     "engine": {"nextGroupNumber": 41, "nextLevelNumber": 9,
                "lastNow": "<ISO time>" | null,
                "updated": {"<level id>": ["<ISO time>" | null, ...one per stored name]},
                "keys": [{"key": "k-1", "operation": "...", "command": {...}, "firstAt": "...",
                          "failed": false, "result": <tagged Result>}, ...]}}

  The ``engine`` part is what the public snapshot lacks for a replay of the later records,
  and later calls, to go exactly as on a ledger that never closed [ours]: the group-id
  counter (a number a no-op drew and did not spend goes back to it), the level counter, each
  level's per-quantity ``updatedAt``, and every idempotency key still inside its 24-hour
  window with the call it remembers. Results are encoded as tagged JSON over a fixed list of
  classes (``{"$type": "Result", "fields": {...}}``, ``{"$enum": ...}``, ``{"$time": ...}``);
  nothing is ever executed or unpickled.
* ``lock`` — held with ``flock`` while a ledger has the store open: a second opener fails at
  once rather than interleave writes.

Opening loads the newest snapshot that reads back (older ones, then ``snapshot-0``, if it does
not), checks every line of the journal (frame, CRC, JSON, ``seq`` order; lines are read with
``oplog.MAX_LINE`` as the bound) and replays the records after the snapshot. A bad *last* line
(no trailing newline, or a bad frame, CRC or record) is a torn write from a crash: it is
dropped, the file truncated to the last good record, and reported (``TornRecordWarning`` and
``DurableLedger.report``). A bad line with anything after it is corruption: opening raises
``JournalCorruptError`` naming its byte offset and line, unless ``repair=True``, which truncates
the journal there and reports (``RepairWarning``) how many lines and bytes it dropped.

Durability of a call: its record is written to the file (one ``os.write`` loop, no user-space
buffer) before the call returns, under every policy, so a crash of the *process* loses no
returned call. ``fsync`` decides what survives a crash of the *machine*: ``"always"`` syncs
before each call returns (a returned call is on disk); ``"batch"`` syncs once ``batch_records``
records or ``batch_seconds`` have gone by since the last sync (checked when a call is
recorded, and on ``sync``/``close``); ``"never"`` leaves it to the operating system. The
journal is always synced before a snapshot is written, so no snapshot runs ahead of it.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import re
import time
import warnings
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self

import attrs

from ledger import oplog
from ledger import snapshot as snapshot_format
from ledger.api import Ledger
from ledger.engine import _KEEP, Clock, FaultPolicy, Operation, _Counter
from ledger.errors import (
    BulkToggleCode,
    ErrorCode,
    LedgerError,
    RequestError,
    RequestErrorKind,
    UserError,
)
from ledger.events import EventErrorCode
from ledger.idempotency import WINDOW, Entry, IdempotencyStore
from ledger.journal import AdjustmentGroup, QuantityChange
from ledger.oplog import OpLog, OpRecord
from ledger.results import LevelView, QuantityView, Result
from ledger.versions import DEFAULT

try:  # flock keeps two processes from writing one store; absent on Windows
    import fcntl
except ImportError:  # pragma: no cover - POSIX is what this is tested on
    fcntl = None  # type: ignore[assignment]

JOURNAL: Final = "journal.jsonl"
LOCK: Final = "lock"
SNAPSHOT_FORMAT: Final = "ledger-durable-snapshot"
SNAPSHOT_VERSION: Final = 1
#: Snapshots beyond ``snapshot-0`` kept on disk: the newest, and one to fall back on.
KEEP_SNAPSHOTS: Final = 2
#: A snapshot file larger than this is refused before it is read.
MAX_SNAPSHOT_BYTES: Final = 1 << 30
FsyncPolicy = Literal["always", "batch", "never"]

_SNAPSHOT_NAME: Final = re.compile(r"snapshot-(\d+)\.json")
_SNAPSHOT_PREFIX: Final = re.compile(rb'\{"crc32":"([0-9a-f]{8})","body":')


class JournalCorruptError(ValueError):
    """A journal record other than the last is corrupt; ``offset`` and ``line`` locate it."""

    def __init__(self, message: str, *, offset: int | None = None, line: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.line = line


class DurabilityError(LedgerError):
    """A record could not be written: the call is not acknowledged and the ledger is shut."""


class TornRecordWarning(UserWarning):
    """Opening found a torn last record (a crash mid-write) and dropped it."""


class RepairWarning(UserWarning):
    """``repair=True`` truncated the journal at a corrupt record."""


class SnapshotWarning(UserWarning):
    """A snapshot could not be read (an older one was used) or written (the journal still is)."""


@attrs.frozen(kw_only=True)
class DroppedTail:
    """What opening cut off the end of the journal: from ``offset`` (line ``line``) onward."""

    offset: int
    line: int
    bytes: int
    lines: int
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


# ---------------------------------------------------------------------- the tagged codec

_CLASSES: Final[dict[str, type]] = {
    cls.__name__: cls
    for cls in (Result, AdjustmentGroup, QuantityChange, LevelView, QuantityView, UserError,
                RequestError)
}
_ENUMS: Final[dict[str, type[enum.Enum]]] = {
    cls.__name__: cls for cls in (ErrorCode, BulkToggleCode, EventErrorCode, RequestErrorKind)
}


def encode_value(value: object) -> Any:
    """Return ``value`` (a ``Result`` or a part of one) as tagged JSON; ``TypeError`` if foreign."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        name = type(value).__name__
        if _ENUMS.get(name) is not type(value):
            raise TypeError(f"cannot store enum {type(value)!r}")
        return {"$enum": name, "value": value.value}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, tuple | list):
        # Every sequence in a Result is a tuple, and decodes as one.
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("cannot store a dict with non-string keys")
        return {"$dict": {k: encode_value(v) for k, v in value.items()}}
    cls = type(value)
    if _CLASSES.get(cls.__name__) is cls:
        return {"$type": cls.__name__, "fields": {
            f.name: encode_value(getattr(value, f.name))
            for f in attrs.fields(cls)  # type: ignore[arg-type]  # whitelisted attrs classes
            if f.init
        }}
    raise TypeError(f"cannot store a {cls.__name__}")


def decode_value(data: object, where: str = "value") -> Any:
    """Rebuild what ``encode_value`` encoded; ``ValueError`` naming ``where`` if malformed."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return tuple(decode_value(v, f"{where}[{i}]") for i, v in enumerate(data))
    if not isinstance(data, dict):
        raise ValueError(f"{where}: unexpected {type(data).__name__}")
    if set(data) == {"$enum", "value"}:
        kind = _ENUMS.get(str(data["$enum"]))
        if kind is None:
            raise ValueError(f"{where}: unknown enum {data['$enum']!r}")
        try:
            return kind(data["value"])
        except ValueError:
            raise ValueError(f"{where}: {data['value']!r} is no {kind.__name__}") from None
    if set(data) == {"$time"}:
        return oplog.parse_time(data["$time"], where)
    if set(data) == {"$dict"} and isinstance(data["$dict"], dict):
        return {k: decode_value(v, f"{where}.{k}") for k, v in data["$dict"].items()}
    if set(data) == {"$type", "fields"} and isinstance(data["fields"], dict):
        cls = _CLASSES.get(str(data["$type"]))
        if cls is None:
            raise ValueError(f"{where}: unknown type {data['$type']!r}")
        fields = {k: decode_value(v, f"{where}.{k}") for k, v in data["fields"].items()}
        try:
            return cls(**fields)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
    raise ValueError(f"{where}: not a tagged value")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------------- snapshots


def capture(ledger: Ledger, seq: int) -> dict[str, Any]:
    """Return the body of ``ledger``'s snapshot file after record ``seq`` (module docstring)."""
    # This module reaches into the engine on purpose: exact continuation needs the counters
    # and keys that the public snapshot leaves out, and only the engine holds them.
    ids = ledger._group_ids
    if not isinstance(ids, _Counter):
        raise LedgerError("a durable ledger numbers its groups itself (no custom group_ids)")
    if ledger._keys._in_flight:
        raise LedgerError("cannot snapshot a ledger while one of its calls is running")
    state = ledger._state
    reserved = ledger._reserved_group_number
    updated = {
        level.id: [_iso(t) for t in level.updated]
        for level in state.level_by_id.values()
        if level.updated is not None
    }
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "seq": seq,
        "apiVersion": ledger.api_version,
        "snapshot": ledger.snapshot(),
        "engine": {
            # A number a no-op drew and did not spend is handed back to the counter: draws are
            # sequential, so the next group gets it either way, and ``Engine.replay`` assumes
            # that nothing is reserved when it starts (it would hand the number out twice).
            "nextGroupNumber": reserved if reserved is not None else ids.next_value,
            "nextLevelNumber": state.next_level_number,
            "lastNow": _iso(ledger._last_now),
            "updated": updated,
            "keys": [
                {"key": key, "operation": e.operation,
                 "command": oplog.encode_command(e.command), "firstAt": e.first_at.isoformat(),
                 "failed": e.failed, "result": encode_value(e.result)}
                for key, e in _live_keys(ledger._keys, ledger._last_now)
            ],
        },
    }


def _live_keys(store: IdempotencyStore, now: datetime | None) -> list[tuple[str, Entry]]:
    """Every key the store would still answer for at ``now``, oldest first use first."""
    live: dict[str, Entry] = {}
    # Frozen layers (left by ``fork``) run newest first; a newer entry for a key wins.
    for layer, _newest in reversed(store._frozen):
        live.update(layer)
    live.update(store._entries)
    horizon = (now - WINDOW) if now is not None else None
    kept = [(k, e) for k, e in live.items() if horizon is None or e.first_at > horizon]
    kept.sort(key=lambda pair: pair[1].first_at.timestamp())
    return kept


def _restore(ledger: Ledger, engine: object) -> None:
    """Install the ``engine`` part of a snapshot body into a ledger fresh from its state."""
    where = "engine"
    if not isinstance(engine, dict):
        raise ValueError(f"{where} must be an object")
    expected = {"nextGroupNumber", "nextLevelNumber", "lastNow", "updated", "keys"}
    if set(engine) != expected:
        raise ValueError(f"{where} must hold exactly {', '.join(sorted(expected))}")
    number, level_number = engine["nextGroupNumber"], engine["nextLevelNumber"]
    for name, value in (("nextGroupNumber", number), ("nextLevelNumber", level_number)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{where}.{name} must be a positive integer")
    state = ledger._state
    state.next_level_number = max(state.next_level_number, level_number)
    ledger._group_ids = _Counter(number)
    ledger._reserved_group_number = None
    last = engine["lastNow"]
    ledger._last_now = oplog.parse_time(last, f"{where}.lastNow") if last is not None else None
    updated = engine["updated"]
    if not isinstance(updated, dict):
        raise ValueError(f"{where}.updated must be an object")
    for level_id, times in updated.items():
        level = state.level_by_id.get(level_id)
        if level is None or not isinstance(times, list) or len(times) != len(level.q):
            raise ValueError(f"{where}.updated[{level_id!r}] names no level or has bad times")
        level.updated = [oplog.parse_time(t, f"{where}.updated") if t is not None else None
                         for t in times]
    keys = engine["keys"]
    if not isinstance(keys, list):
        raise ValueError(f"{where}.keys must be a list")
    store = IdempotencyStore()
    for i, raw in enumerate(keys):
        at = f"{where}.keys[{i}]"
        if not isinstance(raw, dict) or set(raw) != {"key", "operation", "command", "firstAt",
                                                       "failed", "result"}:
            raise ValueError(f"{at} must hold key, operation, command, firstAt, failed, result")
        key, operation, failed = raw["key"], raw["operation"], raw["failed"]
        if not isinstance(key, str) or not isinstance(operation, str):
            raise ValueError(f"{at}: key and operation must be strings")
        if not isinstance(failed, bool):
            raise ValueError(f"{at}.failed must be true or false")
        result = decode_value(raw["result"], f"{at}.result")
        if not isinstance(result, Result):
            raise ValueError(f"{at}.result is not a Result")
        if store.get(key, oplog.parse_time(raw["firstAt"], f"{at}.firstAt")) is not None:
            raise ValueError(f"{at}: key {key!r} listed twice")
        store.remember(key, operation, oplog.decode_command(operation, raw["command"]), result,
                       oplog.parse_time(raw["firstAt"], f"{at}.firstAt"), failed=failed)
    ledger._keys = store


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (POSIX needs the directory synced)."""
    if os.name != "posix":  # pragma: no cover - directories cannot be opened elsewhere
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` all at once: a crash leaves the old file or the new."""
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_snapshot(root: Path, body: dict[str, Any]) -> Path:
    """Write a snapshot body (``capture``'s) as ``snapshot-<seq>.json`` in ``root``, atomically."""
    text = json.dumps(body, separators=(",", ":")).encode()
    crc = zlib.crc32(text)
    path = root / f"snapshot-{body['seq']}.json"
    _write_atomically(path, b'{"crc32":"%08x","body":%s}\n' % (crc, text))
    return path


def read_snapshot(path: Path) -> dict[str, Any]:
    """Read and check a snapshot file; ``ValueError`` naming the file for anything wrong."""
    size = path.stat().st_size
    if size > MAX_SNAPSHOT_BYTES:
        raise ValueError(f"{path.name}: {size} bytes, over the {MAX_SNAPSHOT_BYTES}-byte bound")
    data = path.read_bytes()
    m = _SNAPSHOT_PREFIX.match(data)
    if m is None or not data.endswith(b"}\n"):
        raise ValueError(f"{path.name}: not a framed snapshot (torn or foreign)")
    text = data[m.end():-2]
    if zlib.crc32(text) != int(m.group(1), 16):
        raise ValueError(f"{path.name}: checksum mismatch (the file is corrupt)")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(body, dict) or body.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"{path.name}: not a {SNAPSHOT_FORMAT} file")
    if body.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"{path.name}: unsupported snapshot version {body.get('version')!r}")
    seq = body.get("seq")
    name = _SNAPSHOT_NAME.fullmatch(path.name)
    if not isinstance(seq, int) or name is None or int(name.group(1)) != seq:
        raise ValueError(f"{path.name}: its seq {seq!r} does not match its name")
    if not isinstance(body.get("apiVersion"), str):
        raise ValueError(f"{path.name}: apiVersion must be a string")
    return body


def _snapshot_files(root: Path) -> list[tuple[int, Path]]:
    """The snapshot files of ``root``, newest first."""
    found = []
    for path in root.iterdir():
        m = _SNAPSHOT_NAME.fullmatch(path.name)
        if m is not None:
            found.append((int(m.group(1)), path))
    return sorted(found, reverse=True)


# ---------------------------------------------------------------------- the journal


@attrs.define
class _Bad:
    offset: int
    line: int
    reason: str
    lines_after: int = 0
    bytes_after: int = 0


@attrs.define
class _Scan:
    api_version: str
    header_end: int
    good_end: int = 0
    last_seq: int = 0
    records: list[OpRecord] = attrs.Factory(list)
    bad: _Bad | None = None


def _raw_lines(f: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (offset, line, too_long) per line; a line over ``MAX_LINE`` is skipped, not kept."""
    offset = 0
    while True:
        raw = f.readline(oplog.MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > oplog.MAX_LINE and not raw.endswith(b"\n"):
            # Skip to the end of the line in bounded chunks: its length only is needed.
            length = len(raw)
            while True:
                chunk = f.readline(1 << 20)
                length += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield offset, b"", True
            offset += length
            continue
        yield offset, raw, False
        offset += len(raw)


def scan_journal(path: Path, keep_after: int = 0) -> _Scan:
    """Check every line of a journal; keep the decoded records whose ``seq`` is past ``keep_after``.

    Stops checking at the first bad line (recorded in ``bad`` with what follows it).
    Raises ``JournalCorruptError`` for a bad header.
    """
    with open(path, "rb") as f:
        lines = _raw_lines(f)
        first = next(lines, None)
        if first is None or first[2] or not first[1].endswith(b"\n"):
            raise JournalCorruptError(f"{path}: line 1: no complete ledger-oplog header",
                                      offset=0, line=1)
        try:
            head = json.loads(first[1])
        except (ValueError, RecursionError):
            head = None
        if (not isinstance(head, dict) or head.get("format") != oplog.FORMAT
                or head.get("version") != oplog.VERSION
                or not isinstance(head.get("apiVersion"), str)):
            raise JournalCorruptError(f"{path}: line 1: not a version-{oplog.VERSION} "
                                      "ledger-oplog header", offset=0, line=1)
        scan = _Scan(api_version=head["apiVersion"], header_end=len(first[1]))
        scan.good_end = scan.header_end
        number = 1
        for offset, raw, too_long in lines:
            number += 1
            if scan.bad is not None:
                scan.bad.lines_after += 1
                continue
            reason = _check_line(raw, too_long, number, scan, keep_after)
            if reason is not None:
                scan.bad = _Bad(offset=offset, line=number, reason=reason)
            else:
                scan.good_end = offset + len(raw)
        if scan.bad is not None:
            f.seek(0, os.SEEK_END)
            scan.bad.bytes_after = f.tell() - scan.bad.offset
    return scan


def _check_line(raw: bytes, too_long: bool, number: int, scan: _Scan,
                keep_after: int) -> str | None:
    """Return what is wrong with one record line (``None``: good, and taken into ``scan``)."""
    if too_long:
        return f"longer than {oplog.MAX_LINE} bytes"
    if not raw.endswith(b"\n"):
        return "no trailing newline (an incomplete write)"
    try:
        data = oplog.unframe(raw.decode("utf-8"), f"line {number}")
    except (ValueError, UnicodeDecodeError) as error:
        return str(error)
    seq = data.get("seq") if isinstance(data, dict) else None
    if seq != scan.last_seq + 1:
        return f"seq {seq!r} out of order, expected {scan.last_seq + 1}"
    if seq > keep_after:
        try:
            scan.records.append(oplog.record_from_json(data, f"line {number}"))
        except ValueError as error:
            return str(error)
    scan.last_seq = seq
    return None


def read_journal(path: str | os.PathLike[str]) -> Iterator[OpRecord]:
    """Yield every record of a store's journal (or journal file), checked, with bounded memory.

    Raises ``JournalCorruptError`` at the first bad line, torn or not.
    """
    target = Path(path)
    if target.is_dir():
        target = target / JOURNAL
    with open(target, "rb") as f:
        number = 0
        expected = 1
        for offset, raw, too_long in _raw_lines(f):
            number += 1
            where = f"{target}: line {number} (byte offset {offset})"
            if number == 1:
                continue  # the header: scan_journal's business; here only records matter
            problem = None
            record = None
            if too_long or not raw.endswith(b"\n"):
                problem = "incomplete or over-long line"
            else:
                try:
                    record = oplog.record_from_json(
                        oplog.unframe(raw.decode("utf-8"), where), where)
                except (ValueError, UnicodeDecodeError) as error:
                    problem = str(error)
            if record is not None and record.seq != expected:
                problem = f"seq {record.seq} out of order, expected {expected}"
            if problem is not None or record is None:
                raise JournalCorruptError(f"{where}: {problem}", offset=offset, line=number)
            expected += 1
            yield record


# ---------------------------------------------------------------------- the durable log


class DurableOpLog(OpLog):
    """An ``OpLog`` that writes each record to the journal before the call returns.

    In memory it keeps only the records since the newest snapshot (``base``); the journal file
    has them all. Until ``attach`` it only collects records (the replay at open time).
    """

    #: Write each record in pieces of this many bytes (tests use it to make torn writes likely).
    write_chunk: int | None = None

    def __init__(self, base: int) -> None:
        super().__init__(None, base)
        self._ledger: DurableLedger | None = None
        self._fd: int | None = None
        self._root = Path()
        self._end = 0
        self.fsync: FsyncPolicy = "always"
        self.snapshot_every = 0
        self.batch_records = 64
        self.batch_seconds = 0.05
        self._unsynced = 0
        self._last_sync = time.monotonic()
        self.last_snapshot = base
        self.failed: BaseException | None = None
        self.closed = False

    def attach(self, ledger: DurableLedger, root: Path, fd: int, end: int) -> None:
        """Start writing: ``fd`` is the journal opened for appending, ``end`` its length."""
        self._ledger, self._root, self._fd, self._end = ledger, root, fd, end

    @property
    def attached(self) -> bool:
        """Tell whether records are being written (open and not failed)."""
        return self._fd is not None

    def append(self, record: OpRecord) -> None:
        """Write the record of the newest call to the journal, then keep it in memory."""
        if record.seq != len(self) + 1:
            raise LedgerError(f"operation record {record.seq} out of order")
        if self._fd is not None:
            self._write(oplog.frame(record).encode())
        self._records.append(record)
        if (self._fd is not None and self.snapshot_every
                and record.seq - self.last_snapshot >= self.snapshot_every):
            self.snapshot()

    def _write(self, line: bytes) -> None:
        fd = self._fd
        if fd is None or self.failed is not None:
            raise DurabilityError("the journal is closed")
        try:
            view = memoryview(line)
            step = self.write_chunk or len(view)
            while view:
                written = os.write(fd, view[:step])
                view = view[written:]
            self._unsynced += 1
            if self.fsync == "always" or (self.fsync == "batch" and (
                    self._unsynced >= self.batch_records
                    or time.monotonic() - self._last_sync >= self.batch_seconds)):
                self._sync()
        except OSError as error:
            # The record may be half on disk: cut it off, and take no more calls, since memory
            # now holds a call the journal does not (reopening gives the acknowledged state).
            self.failed = error
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._end)
            raise DurabilityError(f"could not write to the journal: {error}") from error
        self._end += len(line)

    def _sync(self) -> None:
        if self._fd is not None:
            # fdatasync suffices: it also flushes the file size, which reading back needs.
            getattr(os, "fdatasync", os.fsync)(self._fd)
            self._unsynced = 0
            self._last_sync = time.monotonic()

    def sync(self) -> None:
        """Flush every record written so far to stable storage, whatever the policy."""
        if self._fd is not None and self.failed is None:
            self._sync()

    def snapshot(self) -> Path | None:
        """Write a snapshot now (journal synced first); ``None`` if it could not be written."""
        ledger = self._ledger
        if ledger is None or self._fd is None:
            return None
        seq = len(self)
        # Retried only after another ``snapshot_every`` records if this one fails.
        self.last_snapshot = seq
        try:
            self._sync()
            body = capture(ledger, seq)
            path = write_snapshot(self._root, body)
            _prune(self._root)
        except (OSError, LedgerError) as error:
            warnings.warn(SnapshotWarning(f"snapshot at seq {seq} not written: {error}"),
                          stacklevel=2)
            return None
        # Records up to here are now in the snapshot and the journal: memory can let them go.
        self._upto = seq
        self._records.clear()
        return path

    def fork(self) -> OpLog:
        """Return an in-memory log (never written) with this one's records."""
        child = OpLog(None, self._upto)
        child._records = list(self._records)
        return child

    def close(self) -> None:
        """Sync and close the journal; later calls are refused."""
        fd, self._fd = self._fd, None
        self.closed = True
        if fd is not None:
            try:
                if self.failed is None:
                    getattr(os, "fdatasync", os.fsync)(fd)
            finally:
                os.close(fd)


def _prune(root: Path) -> None:
    """Delete snapshots beyond the newest ``KEEP_SNAPSHOTS`` (``snapshot-0`` always stays)."""
    later = [(seq, path) for seq, path in _snapshot_files(root) if seq > 0]
    for _seq, path in later[KEEP_SNAPSHOTS:]:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------------- the ledger


class DurableLedger(Ledger):
    """A ``Ledger`` whose every call is journaled on disk (``open_ledger`` makes one)."""

    _durable: DurableOpLog | None = None
    _lock_fd: int | None = None
    #: What opening found and did (torn record, repair, snapshot used).
    report: RecoveryReport | None = None
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
        return child

    def sync(self) -> None:
        """Flush every journaled call to stable storage, whatever the fsync policy."""
        if self._durable is not None:
            self._durable.sync()

    def checkpoint(self) -> Path | None:
        """Write a snapshot now, so the next open replays nothing before this point."""
        return self._durable.snapshot() if self._durable is not None else None

    def close(self) -> None:
        """Sync and close the journal and release the store; calls are refused afterwards.

        Waits for a call running on another thread to finish (and be journalled) first.
        """
        with self._lock:
            if self._durable is not None:
                self._durable.close()
            fd, self._lock_fd = self._lock_fd, None
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _lock(root: Path) -> int:
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise LedgerError(f"{root} is open in another ledger (its lock is held)") from None
    return fd


def _initialise(root: Path, initial: object, api_version: str) -> None:
    """Create a store: ``snapshot-0.json``, then the journal (last: it marks a complete store)."""
    first = Ledger.from_snapshot(initial, api_version)
    write_snapshot(root, capture(first, 0))
    head = json.dumps(oplog.header(api_version)) + "\n"
    _write_atomically(root / JOURNAL, head.encode())


def open_ledger(
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
    **options: Any,
) -> DurableLedger:
    """Open (or, given ``snapshot``, create) the durable store at ``path``; see the module doc.

    ``snapshot`` is the initial state (interface.md's format); for an existing store it must be
    that state again, or ``None``. ``api_version`` defaults to the journal header's.
    ``snapshot_every`` records a snapshot is written (0: never, except at ``checkpoint``).
    ``full_replay`` rebuilds from ``snapshot-0`` through the whole journal (the audit trail
    complete in memory) instead of from the newest snapshot. ``options`` go to ``Ledger``.
    Raises ``JournalCorruptError`` for corruption before the last record (unless
    ``repair``), ``ReplayMismatchError`` if the journal does not replay as recorded,
    ``FileNotFoundError`` for a missing store opened without ``snapshot``.
    """
    if fsync not in ("always", "batch", "never"):
        raise ValueError(f"fsync must be 'always', 'batch' or 'never', not {fsync!r}")
    if "group_ids" in options or "record" in options:
        raise ValueError("a durable ledger numbers its groups and records its calls itself")
    if not isinstance(snapshot_every, int) or snapshot_every < 0:
        raise ValueError("snapshot_every must be a non-negative integer")
    root = Path(path)
    if snapshot is not None:
        root.mkdir(parents=True, exist_ok=True)
    elif not (root / JOURNAL).is_file():
        raise FileNotFoundError(f"{root}: no durable ledger here (give snapshot= to create one)")
    lock = _lock(root)
    try:
        ledger = _open(root, snapshot, api_version, clock, repair, full_replay, options)
        log = ledger._durable
        if log is None:  # pragma: no cover - _open always installs the durable log
            raise LedgerError("the durable log was not installed")
        log.fsync, log.snapshot_every = fsync, snapshot_every
        log.batch_records, log.batch_seconds = batch_records, batch_seconds
        ledger._lock_fd = lock
    except BaseException:
        os.close(lock)
        raise
    report = ledger.report
    if report is not None and snapshot_every and report.replayed >= snapshot_every:
        log.snapshot()  # the next open need not replay all of that again
    return ledger


def _open(root: Path, initial: object, api_version: str | None, clock: Clock | None,
          repair: bool, full_replay: bool, options: dict[str, Any]) -> DurableLedger:
    journal = root / JOURNAL
    created = False
    for leftover in root.glob("*.tmp"):
        leftover.unlink()  # an atomic write that a crash cut short; its target is intact
    if not journal.is_file():
        if initial is None:
            raise FileNotFoundError(f"{root}: no durable ledger here")
        _initialise(root, initial, api_version or DEFAULT)
        created = True
    elif initial is not None:
        base = read_snapshot(root / "snapshot-0.json")
        normal = snapshot_format.dump(snapshot_format.load(initial))
        if base["snapshot"] != normal:
            raise ValueError(f"{root} already holds a ledger that started from another snapshot")
    skipped: list[str] = []
    candidates = _snapshot_files(root)
    if full_replay:
        candidates = [(seq, p) for seq, p in candidates if seq == 0]
    for seq, file in candidates:
        try:
            body = read_snapshot(file)
        except (OSError, ValueError) as error:
            skipped.append(f"{file.name}: {error}")
            warnings.warn(SnapshotWarning(f"{root}: skipping {error}"), stacklevel=3)
            continue
        scan = scan_journal(journal, keep_after=seq)
        if scan.last_seq < seq:
            message = (f"{file.name} is ahead of the journal, whose last good record is "
                       f"{scan.last_seq}: the journal lost records")
            if not repair:
                raise JournalCorruptError(f"{journal}: {message}; open with repair=True to "
                                          "fall back to an older snapshot")
            skipped.append(message)
            file.unlink()
            continue
        return _rebuild(root, body, scan, repair, api_version, clock, options, created,
                        tuple(skipped))
    raise JournalCorruptError(f"{root}: no readable snapshot ({'; '.join(skipped)})")


def _rebuild(root: Path, body: dict[str, Any], scan: _Scan, repair: bool,
             api_version: str | None, clock: Clock | None, options: dict[str, Any],
             created: bool, skipped: tuple[str, ...]) -> DurableLedger:
    journal = root / JOURNAL
    torn = repaired = None
    bad = scan.bad
    if bad is not None:
        tail = DroppedTail(offset=bad.offset, line=bad.line, bytes=bad.bytes_after,
                           lines=1 + bad.lines_after, reason=bad.reason)
        if bad.lines_after == 0:
            torn = tail
        elif repair:
            repaired = tail
        else:
            raise JournalCorruptError(
                f"{journal}: corrupt record at byte offset {bad.offset} (line {bad.line}): "
                f"{bad.reason}; {bad.lines_after} line(s) follow it, so it is no torn last "
                "write. Open with repair=True to truncate the journal there, dropping them.",
                offset=bad.offset, line=bad.line)
    seq = body["seq"]
    ledger = DurableLedger.from_snapshot(body["snapshot"], api_version or scan.api_version,
                                         clock, **options)
    if not isinstance(ledger, DurableLedger):  # pragma: no cover - from_snapshot uses cls
        raise TypeError("Ledger.from_snapshot did not build a DurableLedger")
    try:
        _restore(ledger, body["engine"])
    except ValueError as error:
        raise ValueError(f"snapshot-{seq}.json: {error}") from None
    log = DurableOpLog(seq)
    ledger._oplog = ledger._durable = log
    ledger.replay(scan.records)
    if bad is not None:
        # Only now, with the good records replayed, is the bad tail cut off for good.
        with open(journal, "r+b") as f:
            f.truncate(bad.offset)
            f.flush()
            os.fsync(f.fileno())
        kind, warning = ("torn last record", TornRecordWarning) if torn else (
            "repair", RepairWarning)
        warnings.warn(warning(
            f"{journal}: {kind}: dropped {1 + bad.lines_after} line(s), {bad.bytes_after} "
            f"bytes from byte offset {bad.offset} (line {bad.line}): {bad.reason}"),
            stacklevel=4)
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND)
    log.attach(ledger, root, fd, scan.good_end)
    ledger.path = root
    ledger.report = RecoveryReport(
        created=created, snapshot_seq=seq, replayed=len(scan.records), last_seq=scan.last_seq,
        torn=torn, repaired=repaired, skipped_snapshots=skipped)
    return ledger

