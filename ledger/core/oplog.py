"""The operation record: every call a ledger ran, with its inputs, outcome and clock time.

The journal of adjustment groups says what changed; the operation log says what was asked,
which is what a replay needs. The engine appends one ``OpRecord`` per call that got past the
Python type checks (user errors, request errors, replays and injected faults included):
everything needed to run it again and get the same result, ids and timestamps included.

This module holds the record, its JSON object form (``OpRecord.to_json`` and
``record_from_json``, the ``<RECORD>`` of the file format) and the in-memory ``OpLog``; the
JSON Lines file that frames records with checksums is ``ledger.store.oplog``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ledger.core.commands import (
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
from ledger.core.errors import (
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
from ledger.core.events import EventKind, EventLine, PlatformEvent
from ledger.core.faults import Fault
from ledger.core.packing import pack, unpack
from ledger.core.results import Result
from ledger.core.versions import SUPPORTED

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
        status, group_id, errors = outcome_parts(result, fault)
        return cls(status=status, group_id=group_id, errors=errors)


#: The empty error list of every successful outcome (one tuple, shared).
_NO_ERRORS: Final[tuple[str, ...]] = ()


def outcome_parts(result: Result, fault: Fault | None) -> tuple[str, str | None, tuple[str, ...]]:
    """Return the ``Outcome`` fields of ``result``: status, group id and error codes."""
    group = result.group
    if (fault is None and group is not None and result.request_error is None
            and not result.user_errors and not result.replayed):
        return "applied", group.id, _NO_ERRORS  # the usual call, summarised at once
    group_id = group.id if group is not None else None
    if result.request_error is not None:
        status = "fault" if fault is not None else "request-error"
        return status, None, (result.request_error.kind.value,)
    errors = tuple(
        e.code.value if e.code is not None else e.message for e in result.user_errors
    )
    if result.replayed:
        return "replayed", group_id, errors
    if fault is not None:
        return "fault", None, errors
    if errors:
        return "user-errors", None, errors
    return ("applied", group_id, _NO_ERRORS) if group_id is not None else (
        "no-op", None, _NO_ERRORS)


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
    decode = _DECODERS.get(operation)
    if decode is None:
        raise ValueError(f"{where}: unknown operation {operation!r}")
    return _command(operation, decode, data, where)


def _command(operation: str, decode: _Decoder, data: object, where: str) -> Any:
    try:
        command = decode(data)
    except _Malformed as error:
        raise ValueError(error.message(where)) from None
    if isinstance(command, PlatformEvent) and command.kind.value != operation:
        raise ValueError(f"{where}: the event kind {command.kind.value!r} is not the record's "
                         f"operation {operation!r}")
    return command


class _Malformed(Exception):  # noqa: N818 -- internal signal, never escapes this module
    """A part of a command's JSON is malformed; the path to it is collected on the way out.

    The decoders build no path while they work (most records are sound): each level that
    the signal passes through adds its segment, and ``message`` puts them in order.
    """

    def __init__(self, rest: str) -> None:
        super().__init__(rest)
        self.rest = rest
        self.segments: list[str] = []  # innermost first

    def message(self, where: str) -> str:
        return where + "".join(reversed(self.segments)) + self.rest


_Decoder = Callable[[object], Any]


def _list_of(element: _Decoder) -> _Decoder:
    """Decode a JSON list of ``element`` values."""

    def decode(value: object) -> list[Any]:
        if not isinstance(value, list):
            raise _Malformed(" must be a list")
        try:
            return [element(v) for v in value]
        except _Malformed:
            pass
        # Run again one by one to name the first bad element (decoding has no side effects).
        for i, v in enumerate(value):
            try:
                element(v)
            except _Malformed as error:
                error.segments.append(f"[{i}]")
                raise
        # An element that failed once fails again: this line is never reached.
        raise AssertionError("an element failed, then passed")  # pragma: no cover

    return decode


def _updates(value: object) -> list[tuple[Any, ...]]:
    if not isinstance(value, list) or not all(isinstance(u, list) and len(u) == 2 for u in value):
        raise _Malformed(" must be a list of [locationId, activate] pairs")
    return [tuple(u) for u in value]


def _event_kind(value: object) -> EventKind:
    try:
        return EventKind(value)
    except ValueError:
        raise _Malformed(f": unknown event kind {value!r}") from None


def _decoder(kind: type) -> _Decoder:
    """Return the decoder of ``kind``'s JSON object, built once from its attrs fields.

    The fields' own validators (run by ``kind(...)``) check the values; the decoder only
    refuses what is not an object, unknown fields, and the nested values it builds.
    """
    names = frozenset(f.name for f in attrs.fields(kind))
    nested: dict[str, _Decoder] = {}
    for name in names:
        element = _NESTED.get((kind, name))
        if element is not None and name in ("from_", "to"):
            nested[name] = _decoder(element)
        elif element is not None:
            nested[name] = _list_of(_decoder(element))
        elif kind is BulkToggleActivation and name == "updates":
            nested[name] = _updates
        elif kind is PlatformEvent and name == "kind":
            nested[name] = _event_kind

    def decode(data: object) -> Any:
        if not isinstance(data, dict):
            raise _Malformed(f" must be an object, not {type(data).__name__}")
        if not names.issuperset(data):
            unknown = sorted(str(k) for k in data if k not in names)
            raise _Malformed(f" has unknown field(s) {', '.join(map(repr, unknown))}")
        kwargs = data
        if nested:
            kwargs = {}
            for name, value in data.items():  # in the object's order: its first fault is named
                convert = nested.get(name)
                if convert is None:
                    kwargs[name] = value
                    continue
                try:
                    kwargs[name] = convert(value)
                except _Malformed as error:
                    error.segments.append(f".{name}")
                    raise
        try:
            return kind(**kwargs)
        except (TypeError, ValueError) as error:
            raise _Malformed(f": {error}") from None

    return decode


#: Each operation's decoder, built once: no per-record reflection over the attrs fields.
_DECODERS: Final[dict[str, _Decoder]] = {
    operation: _decoder(kind) for operation, kind in _COMMANDS.items()}


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


_RECORD_FIELDS: Final = frozenset(
    ("seq", "at", "operation", "apiVersion", "idempotencyKey", "fault", "input", "outcome"))
_OUTCOME_FIELDS: Final = frozenset(("status", "groupId", "errors"))


def record_from_json(data: object, where: str = "record") -> OpRecord:
    """Build an ``OpRecord`` from its JSON object; ``ValueError`` naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object")
    if data.keys() != _RECORD_FIELDS:
        missing = sorted(_RECORD_FIELDS - set(data))
        extra = sorted(str(k) for k in set(data) - _RECORD_FIELDS)
        raise ValueError(f"{where}: missing {missing or 'nothing'}, unknown {extra or 'nothing'}")
    seq, operation, version, key = (data["seq"], data["operation"], data["apiVersion"],
                                    data["idempotencyKey"])
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"{where}.seq must be a positive integer")
    if not isinstance(operation, str) or not isinstance(version, str):
        raise ValueError(f"{where}.operation and .apiVersion must be strings")
    decode = _DECODERS.get(operation)
    if decode is None:
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
    if not isinstance(outcome, dict) or outcome.keys() != _OUTCOME_FIELDS:
        raise ValueError(f"{where}.outcome must hold status, groupId and errors")
    status, group_id, errors = outcome["status"], outcome["groupId"], outcome["errors"]
    if status not in STATUSES:
        raise ValueError(f"{where}.outcome.status must be one of {', '.join(STATUSES)}")
    if group_id is not None and not isinstance(group_id, str):
        raise ValueError(f"{where}.outcome.groupId must be a string or null")
    if not isinstance(errors, list) or (errors and not all(isinstance(e, str) for e in errors)):
        raise ValueError(f"{where}.outcome.errors must be a list of strings")
    at = data["at"]
    if at is not None:
        at = parse_time(at, f"{where}.at")
    return OpRecord(
        seq=seq, at=at, operation=operation, api_version=version, idempotency_key=key,
        command=_command(operation, decode, data["input"], f"{where}.input"), fault=fault,
        outcome=Outcome(status=status, group_id=group_id, errors=tuple(errors) if errors else ()),
    )


#: One record as the in-memory log keeps it: ``at``, operation, API version, key, command
#: (packed: ``ledger.core.packing``), fault, then the outcome's status, group id and errors
#: (the seq is its place in the log).
Row = tuple[datetime | None, str, str, str | None, Any, Fault | None, str, str | None,
            tuple[str, ...]]


class OpLog:
    """The in-memory operation log of one ledger; ``fork`` shares the records made so far.

    Records are kept as plain tuples (``Row``) and handed out as ``OpRecord`` values when
    read: a call then costs its log one tuple, not two frozen objects (issue 14's profile:
    ``Outcome.of`` alone was 6% of a call, and the two objects more for the collector to
    walk for as long as the log lives).
    """

    def __init__(self, parent: OpLog | None = None, upto: int = 0,
                 base: dict[str, Any] | None = None) -> None:
        self._parent = parent
        self._upto = upto
        self._rows: list[Row] = []
        #: Where the log starts (``header``'s ``base``): ``None`` for a log from record 1.
        self.base: dict[str, Any] | None = (
            base if base is not None or parent is None else parent.base)

    def __len__(self) -> int:
        return self._upto + len(self._rows)

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
            for seq, row in enumerate(log._rows[: limit - log._upto], log._upto + 1):
                yield _record(seq, row)

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
        outcome = record.outcome
        self._rows.append((record.at, record.operation, record.api_version,
                           record.idempotency_key, pack(record.command), record.fault,
                           outcome.status, outcome.group_id, outcome.errors))

    def add(self, at: datetime | None, operation: str, api_version: str, key: str | None,
            command: Any, fault: Fault | None, result: Result) -> None:
        """Add the newest call from its parts, as the engine has them (``append``'s record)."""
        self._rows.append((at, operation, api_version, key, pack(command), fault,
                           *outcome_parts(result, fault)))

    def fork(self) -> OpLog:
        """Return a log that starts with every record made so far and goes its own way."""
        return OpLog(self, len(self))


def _record(seq: int, row: Row) -> OpRecord:
    at, operation, version, key, command, fault, status, group_id, errors = row
    return OpRecord(seq=seq, at=at, operation=operation, api_version=version,
                    idempotency_key=key, command=unpack(command), fault=fault,
                    outcome=Outcome(status=status, group_id=group_id, errors=errors))


class ReplayMismatchError(ValueError):
    """A replayed call did not give the outcome its record says it gave."""
