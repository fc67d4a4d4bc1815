"""The operation log: every call a ledger ran, with its inputs, outcome and clock time.

The journal of adjustment groups says what changed; the operation log says what was asked,
which is what a replay needs. A ``Ledger`` appends one ``OpRecord`` per call that got past
the Python type checks (user errors, request errors, replays and injected faults included):
everything needed to run it again and get the same result, ids and timestamps included.

The JSON Lines format (version 1) — one JSON object per line, UTF-8:

* line 1, the header: ``{"format": "ledger-oplog", "version": 1, "apiVersion": V}``
  (``V``: the ledger's own version; each record names the version its call pinned);
* then one line per call, in the order the calls ran, each framed with a checksum so that
  a torn or corrupted line is detected: ``{"crc32":"<8 hex digits>","record":<RECORD>}``,
  where the checksum is zlib's CRC-32 of the exact UTF-8 bytes of ``<RECORD>`` as written,
  and ``<RECORD>`` is::

    {"seq": 1, "at": "2026-11-02T08:00:00.000000+00:00", "operation": "inventoryAdjustQuantities",
     "apiVersion": "2026-04", "idempotencyKey": "k-1", "fault": null,
     "input": {...the command...},
     "outcome": {"status": "applied", "groupId": "gid://shopify/InventoryAdjustmentGroup/1",
                 "errors": []}}

  ``at`` is the ledger clock's reading for the call, to the microsecond (``null`` when the
  call was refused before the clock was read); ``fault`` the injected fault (``ledger.faults``)
  or ``null``; ``status`` one of ``applied``, ``no-op``, ``user-errors``,
  ``request-error``, ``replayed``, ``fault``; ``errors`` the user-error codes (or messages,
  for errors without a code) or the request error's kind. ``input`` holds the command's
  fields by their Python names (``from_`` included); a field left out is one that was not
  given at all (``ABSENT``), which is distinct from ``null``.

Readers refuse unknown versions and name the line of anything malformed (``NaN``,
``Infinity``, an integer past Python's 4,300-digit limit, a time outside the years 1 to 9999
in UTC, bytes that are not UTF-8 included); nothing in a file is executed (plain RFC 8259
JSON, no pickle, no eval).
"""

from __future__ import annotations

import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any, Final

import attrs

from ledger.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Deactivate,
    Move,
    MoveChange,
    MoveTerminal,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    SET,
    SET_ON_HAND,
    LedgerError,
    brief,
)
from ledger.events import EventKind, EventLine, PlatformEvent
from ledger.faults import Fault
from ledger.results import Result
from ledger.versions import SUPPORTED

FORMAT: Final = "ledger-oplog"
VERSION: Final = 1
#: A line longer than this is refused before it is parsed (no unbounded reads).
MAX_LINE: Final = 16 * 1024 * 1024
STATUSES: Final = ("applied", "no-op", "user-errors", "request-error", "replayed", "fault")

_COMMANDS: Final[dict[str, type]] = {
    ADJUST: Adjust,
    MOVE: Move,
    SET: SetQuantities,
    SET_ON_HAND: SetOnHand,
    ACTIVATE: Activate,
    DEACTIVATE: Deactivate,
    BULK_TOGGLE: BulkToggleActivation,
    **{kind.value: PlatformEvent for kind in EventKind},
}
#: Fields holding other attrs values: (class, field) -> the class of each element.
_NESTED: Final[dict[tuple[type, str], type]] = {
    (Adjust, "changes"): AdjustChange,
    (Move, "changes"): MoveChange,
    (MoveChange, "from_"): MoveTerminal,
    (MoveChange, "to"): MoveTerminal,
    (SetQuantities, "quantities"): SetQuantity,
    (SetOnHand, "quantities"): SetQuantity,
    (PlatformEvent, "lines"): EventLine,
}


@attrs.frozen(kw_only=True)
class Outcome:
    """What a recorded call returned, in brief: enough to check that a replay agrees."""

    status: str
    group_id: str | None = None
    errors: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: Result, fault: Fault | None) -> Outcome:
        """Summarise ``result`` (``fault``: the fault injected into the call, if any)."""
        group_id = result.group.id if result.group is not None else None
        if result.request_error is not None:
            status = "fault" if fault is not None else "request-error"
            return cls(status=status, errors=(result.request_error.kind.value,))
        errors = tuple(
            e.code.value if e.code is not None else e.message for e in result.user_errors
        )
        if result.replayed:
            return cls(status="replayed", group_id=group_id, errors=errors)
        if fault is not None:
            return cls(status="fault", errors=errors)
        if errors:
            return cls(status="user-errors", errors=errors)
        return cls(status="applied" if group_id is not None else "no-op", group_id=group_id)


@attrs.frozen(kw_only=True)
class OpRecord:
    """One call as the ledger ran it: enough to run it again with the same result."""

    seq: int
    at: datetime | None
    operation: str
    api_version: str
    idempotency_key: str | None
    command: Any
    fault: Fault | None
    outcome: Outcome

    def to_json(self) -> dict[str, Any]:
        """Return the record as the JSON object of the format (see the module docstring)."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds") if self.at is not None else None,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "idempotencyKey": self.idempotency_key,
            "fault": self.fault.value if self.fault is not None else None,
            "input": encode_command(self.command),
            "outcome": {
                "status": self.outcome.status,
                "groupId": self.outcome.group_id,
                "errors": list(self.outcome.errors),
            },
        }


def encode_command(command: Any) -> dict[str, Any]:
    """Return the JSON object of a command (fields by Python name; ``ABSENT`` left out)."""
    out: dict[str, Any] = {}
    for field in attrs.fields(type(command)):
        value = getattr(command, field.name)
        if value is ABSENT:
            continue
        out[field.name] = _encode(value)
    return out


def _encode(value: Any) -> Any:
    if attrs.has(type(value)):
        return encode_command(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, EventKind):
        return value.value
    return value


def decode_command(operation: str, data: object, where: str = "input") -> Any:
    """Build the command of ``operation`` from its JSON object; ``ValueError`` if malformed."""
    kind = _COMMANDS.get(operation)
    if kind is None:
        raise ValueError(f"{where}: unknown operation {operation!r}")
    command = _decode(kind, data, where)
    if isinstance(command, PlatformEvent) and command.kind.value != operation:
        raise ValueError(f"{where}: the event kind {command.kind.value!r} is not the record's "
                         f"operation {operation!r}")
    return command


def _decode(kind: type, data: object, where: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object, not {type(data).__name__}")
    fields = {f.name: f for f in attrs.fields(kind)}
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {', '.join(map(repr, unknown))}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        element = _NESTED.get((kind, name))
        path = f"{where}.{name}"
        if element is not None and name in ("from_", "to"):
            kwargs[name] = _decode(element, value, path)
        elif element is not None:
            if not isinstance(value, list):
                raise ValueError(f"{path} must be a list")
            kwargs[name] = [_decode(element, v, f"{path}[{i}]") for i, v in enumerate(value)]
        elif kind is BulkToggleActivation and name == "updates":
            if not isinstance(value, list) or not all(
                isinstance(u, list) and len(u) == 2 for u in value
            ):
                raise ValueError(f"{path} must be a list of [locationId, activate] pairs")
            kwargs[name] = [tuple(u) for u in value]
        elif kind is PlatformEvent and name == "kind":
            try:
                kwargs[name] = EventKind(value)
            except ValueError:
                raise ValueError(f"{path}: unknown event kind {value!r}") from None
        else:
            kwargs[name] = value
    try:
        return kind(**kwargs)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def parse_time(value: object, where: str) -> datetime:
    """Read an ISO 8601 time with a UTC offset; ``ValueError`` naming ``where`` if it is not.

    A time whose UTC reading falls outside the years 1 to 9999 (``0001-01-01T00:00:00+14:00``)
    is refused too: every later comparison and conversion would raise ``OverflowError``.
    """
    if not isinstance(value, str):
        raise ValueError(f"{where} must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where} is not an ISO 8601 time: {brief(value)}") from None
    if when.tzinfo is None:
        raise ValueError(f"{where} must carry a UTC offset: {brief(value)}")
    try:
        when.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{where} is out of range once converted to UTC (years 1 to 9999): "
                         f"{brief(value)}") from None
    return when


class _NotJsonConstant(Exception):  # noqa: N818 -- internal signal, never escapes loads()
    """``parse_constant`` met ``NaN``, ``Infinity`` or ``-Infinity``."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstant(name)


#: A JSON string, or a number (group 1), or one of Python's non-standard constants (group 2).
_TOKEN: Final = re.compile(
    r'"(?:[^"\\]|\\.)*"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)'
    r"|(NaN|-?Infinity)", re.DOTALL)


def _offending(text: str) -> tuple[int, str] | None:
    """Return where ``text`` holds its first non-RFC-8259 constant or over-long integer."""
    limit = sys.get_int_max_str_digits()
    for m in _TOKEN.finditer(text):
        number, constant = m.group(1), m.group(2)
        if constant is not None:
            return m.start(), f"{constant} is not JSON: RFC 8259 has no NaN or Infinity"
        if number is not None and limit and not any(c in number for c in ".eE"):
            digits = len(number.lstrip("-"))
            if digits > limit:
                return m.start(), (f"an integer of {digits} digits, over the {limit} this reader "
                                   "takes")
    return None


def loads(text: str) -> Any:
    """Read one RFC 8259 JSON value; ``json.JSONDecodeError`` (with its line) if it is not one.

    Stricter than ``json.loads``: ``NaN``, ``Infinity`` and ``-Infinity`` are refused (they are
    not JSON), and an integer longer than Python's int-to-str limit (4,300 digits by default),
    where ``json.loads`` raises a bare ``ValueError`` with no position, is refused as a
    ``JSONDecodeError`` at that number. ``RecursionError`` (nesting too deep) passes through.
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        raise
    except (ValueError, _NotJsonConstant):
        found = _offending(text)
        if found is None:  # pragma: no cover - json.loads raises nothing else
            raise json.JSONDecodeError("unreadable number", text, 0) from None
        position, message = found
        raise json.JSONDecodeError(message, text, position) from None


def record_from_json(data: object, where: str = "record") -> OpRecord:
    """Build an ``OpRecord`` from its JSON object; ``ValueError`` naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object")
    expected = {"seq", "at", "operation", "apiVersion", "idempotencyKey", "fault", "input",
                "outcome"}
    if set(data) != expected:
        missing = sorted(expected - set(data))
        extra = sorted(str(k) for k in set(data) - expected)
        raise ValueError(f"{where}: missing {missing or 'nothing'}, unknown {extra or 'nothing'}")
    seq, operation, version, key = (data["seq"], data["operation"], data["apiVersion"],
                                    data["idempotencyKey"])
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"{where}.seq must be a positive integer")
    if not isinstance(operation, str) or not isinstance(version, str):
        raise ValueError(f"{where}.operation and .apiVersion must be strings")
    if operation not in _COMMANDS:
        raise ValueError(f"{where}: unknown operation {brief(operation)}")
    if version not in SUPPORTED:  # else the replay would refuse it, naming no line
        raise ValueError(f"{where}.apiVersion: unsupported API version {brief(version)}")
    if key is not None and not isinstance(key, str):
        raise ValueError(f"{where}.idempotencyKey must be a string or null")
    fault = data["fault"]
    try:
        fault = Fault(fault) if fault is not None else None
    except ValueError:
        raise ValueError(f"{where}.fault: unknown fault {fault!r}") from None
    outcome = data["outcome"]
    if not isinstance(outcome, dict) or set(outcome) != {"status", "groupId", "errors"}:
        raise ValueError(f"{where}.outcome must hold status, groupId and errors")
    status, group_id, errors = outcome["status"], outcome["groupId"], outcome["errors"]
    if status not in STATUSES:
        raise ValueError(f"{where}.outcome.status must be one of {', '.join(STATUSES)}")
    if group_id is not None and not isinstance(group_id, str):
        raise ValueError(f"{where}.outcome.groupId must be a string or null")
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise ValueError(f"{where}.outcome.errors must be a list of strings")
    at = parse_time(data["at"], f"{where}.at") if data["at"] is not None else None
    return OpRecord(
        seq=seq, at=at, operation=operation, api_version=version,
        idempotency_key=key, command=decode_command(operation, data["input"], f"{where}.input"),
        fault=fault,
        outcome=Outcome(status=status, group_id=group_id, errors=tuple(errors)),
    )


def header(api_version: str, base: Mapping[str, Any] | None = None,
           loaded_at: datetime | None = None) -> dict[str, Any]:
    """Return the header object of a version-1 log for a ledger of ``api_version``.

    ``base`` (``{"seq": N, "crc32": "<8 hex>"}``) says the log starts after record ``N``, from
    the durable snapshot whose body has that CRC-32 (see ``ledger.durable``); a log without it
    starts at record 1, from the state its reader is given. ``loaded_at`` is the time that
    state's entries without a ``createdAt`` were given, so that a replay gives them it too.
    """
    head: dict[str, Any] = {"format": FORMAT, "version": VERSION, "apiVersion": api_version}
    if base is not None:
        head["base"] = {"seq": base["seq"], "crc32": base["crc32"]}
    if loaded_at is not None:
        # The createdAt that the starting snapshot's entries without one got (interface.md).
        head["loadedAt"] = loaded_at.isoformat()
    return head


def base_seq(head: Mapping[str, Any]) -> int:
    """Return the seq a log's records start after (0 unless its header names a ``base``)."""
    base = head.get("base")
    return int(base["seq"]) if isinstance(base, dict) else 0


def check_header(head: object, where: str) -> dict[str, Any]:
    """Return a log's header object if it is a version-1 header; ``ValueError`` naming ``where``."""
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise ValueError(f"{where}: not a ledger operation log (no {FORMAT} header)")
    if head.get("version") != VERSION:
        raise ValueError(f"{where}: unsupported log version {head.get('version')!r}; "
                         f"this ledger reads version {VERSION}")
    if not isinstance(head.get("apiVersion"), str):
        raise ValueError(f"{where}: the header's apiVersion must be a string")
    if head["apiVersion"] not in SUPPORTED:
        raise ValueError(f"{where}: unsupported API version {brief(head['apiVersion'])} "
                         "in the header")
    if "loadedAt" in head:
        parse_time(head["loadedAt"], f"{where}: the header's loadedAt")
    if "base" in head:
        base = head["base"]
        if (not isinstance(base, dict) or set(base) != {"seq", "crc32"}
                or not isinstance(base["seq"], int) or isinstance(base["seq"], bool)
                or base["seq"] < 0 or not isinstance(base["crc32"], str)
                or not _HEX8.fullmatch(base["crc32"])):
            raise ValueError(f"{where}: the header's base must be "
                             '{"seq": <integer >= 0>, "crc32": "<8 hex digits>"}')
    return head


_HEX8: Final = re.compile(r"[0-9a-f]{8}")
_FRAME: Final = re.compile(r'\{"crc32":"([0-9a-f]{8})","record":(.*)\}\n?', re.DOTALL)


def frame(record: OpRecord) -> str:
    """Return the line of ``record``: its JSON framed with its CRC-32, newline included."""
    # ASCII only: a key holding a lone surrogate still round-trips, and encodes to bytes.
    text = json.dumps(record.to_json(), separators=(",", ":"))
    crc = zlib.crc32(text.encode())
    return f'{{"crc32":"{crc:08x}","record":{text}}}\n'


def unframe(line: str, where: str) -> object:
    """Return the record JSON of one framed line; ``ValueError`` if the frame or CRC is bad."""
    m = _FRAME.fullmatch(line)
    if m is None:
        raise ValueError(f"{where}: not a framed record")
    text = m.group(2)
    try:
        data = text.encode()
    except UnicodeEncodeError:  # bytes that are not UTF-8, read with errors="surrogateescape"
        raise ValueError(f"{where}: not UTF-8 text (the line is corrupt)") from None
    if zlib.crc32(data) != int(m.group(1), 16):
        raise ValueError(f"{where}: checksum mismatch (the line is corrupt)")
    return _json(text, where, column=m.start(2))


def write(records: Iterable[OpRecord], out: IO[str], api_version: str,
          base: Mapping[str, Any] | None = None, loaded_at: datetime | None = None) -> int:
    """Write the header and ``records`` as JSON Lines to ``out``; return the record count."""
    out.write(json.dumps(header(api_version, base, loaded_at)) + "\n")
    count = 0
    for record in records:
        out.write(frame(record))
        count += 1
    return count


def read(source: IO[str]) -> tuple[dict[str, Any], list[OpRecord]]:
    """Read a log written by ``write``: its header and records, checked line by line.

    Raises ``ValueError`` naming the line for anything malformed: a bad header, an unknown
    version, a line over ``MAX_LINE`` characters, bad JSON, a bad record, or sequence
    numbers that do not run 1, 2, 3, ...
    """
    head, records = stream(source)
    return head, list(records)


def stream(source: IO[str]) -> tuple[dict[str, Any], Iterator[OpRecord]]:
    """Like ``read``, but the records come one at a time as they are read (flat memory).

    The header is checked at once; each record as it is reached. Open a file with
    ``open_text`` so that bytes that are not UTF-8 are refused naming their line.
    """
    lines = _lines(source)
    try:
        number, text = next(lines)
    except StopIteration:
        raise ValueError("line 1: empty file, expected the ledger-oplog header") from None
    try:
        text.encode()
    except UnicodeEncodeError:  # see open_text
        raise ValueError(f"line {number}: not UTF-8 text") from None
    head = check_header(_json(text, f"line {number}"), f"line {number}")
    return head, _records(lines, base_seq(head) + 1)


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a log file for ``read``/``stream``: bytes that are not UTF-8 then fail their line.

    (A strict decoder raises ``UnicodeDecodeError`` a chunk ahead, naming no line; with
    ``surrogateescape`` the bad bytes reach ``unframe``, which refuses them at their line.)
    """
    return open(path, encoding="utf-8", errors="surrogateescape")


def _records(lines: Iterator[tuple[int, str]], expected: int) -> Iterator[OpRecord]:
    for number, text in lines:
        if not text.strip(" \t\r\n"):  # JSON's whitespace: U+2028 or \x1c is no blank line
            continue
        where = f"line {number}"
        if not text.endswith("\n"):
            raise ValueError(f"{where}: the last line is incomplete (a torn write)")
        record = record_from_json(unframe(text, where), where)
        if record.seq != expected:
            raise ValueError(f"line {number}: seq {record.seq} out of order, expected "
                             f"{expected}")
        expected += 1
        yield record


def _lines(source: IO[str]) -> Iterator[tuple[int, str]]:
    number = 0
    while True:
        try:
            text = source.readline(MAX_LINE + 1)
        except UnicodeDecodeError as error:
            # A strict text stream decodes ahead in chunks: the bad byte is here or later.
            raise ValueError(f"line {number + 1}: not UTF-8 text, at or after this line "
                             f"({error.reason})") from None
        if not text:
            return
        number += 1
        if len(text) > MAX_LINE:
            raise ValueError(f"line {number}: longer than {MAX_LINE} characters")
        yield number, text


def _json(text: str, where: str, column: int = 0) -> Any:
    """Read one line's JSON (``column``: where ``text`` starts in the line, for the message)."""
    try:
        return loads(text)
    except json.JSONDecodeError as error:
        at = f"column {error.colno + column}" if error.lineno == 1 else f"char {error.pos}"
        raise ValueError(f"{where}: not valid JSON at {at} ({error.msg})") from None
    except RecursionError:
        raise ValueError(f"{where}: not valid JSON (nested too deeply to read)") from None


class OpLog:
    """The in-memory operation log of one ledger; ``fork`` shares the records made so far."""

    def __init__(self, parent: OpLog | None = None, upto: int = 0,
                 base: dict[str, Any] | None = None) -> None:
        self._parent = parent
        self._upto = upto
        self._records: list[OpRecord] = []
        #: Where the log starts (``header``'s ``base``): ``None`` for a log from record 1.
        self.base: dict[str, Any] | None = (
            base if base is not None or parent is None else parent.base)

    def __len__(self) -> int:
        return self._upto + len(self._records)

    def __iter__(self) -> Iterator[OpRecord]:
        chain: list[tuple[OpLog, int]] = []
        log: OpLog | None = self
        limit = len(self)
        while log is not None:
            chain.append((log, limit))
            limit, log = log._upto, log._parent
        root, root_limit = chain[-1]
        yield from root._head(min(root._upto, root_limit))
        for log, limit in reversed(chain):
            yield from log._records[: limit - log._upto]

    def _head(self, upto: int) -> Iterator[OpRecord]:
        """Yield the records up to ``upto`` that this root log does not hold in memory.

        A plain log holds all of its records (``upto`` is 0); a durable store's log reads
        them back from its journal file.
        """
        return iter(())

    def append(self, record: OpRecord) -> None:
        """Add the record of the newest call."""
        if record.seq != len(self) + 1:
            raise LedgerError(f"operation record {record.seq} out of order")
        self._records.append(record)

    def fork(self) -> OpLog:
        """Return a log that starts with every record made so far and goes its own way."""
        return OpLog(self, len(self))


class ReplayMismatchError(ValueError):
    """A replayed call did not give the outcome its record says it gave."""
