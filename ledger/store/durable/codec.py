"""The durable snapshot body: the engine state a continuation needs, as tagged JSON.

A snapshot file's body (see ``ledger.durable``) holds the public snapshot of interface.md and
an ``engine`` part with what the public snapshot lacks for a replay of the later records,
and later calls, to go exactly as on a ledger that never closed [ours]: the group-id counter
(a number a no-op drew and did not spend goes back to it), the level counter, each level's
per-quantity ``updatedAt``, and every idempotency key still inside its 24-hour window with
the call it remembers. Results are encoded as tagged JSON over a fixed list of classes
(``{"$type": "Result", "fields": {...}}``, ``{"$enum": ...}``, ``{"$time": ...}``); nothing
is ever executed or unpickled.

``body_pieces`` writes the body as a stream of JSON text pieces, one entry at a time, so that
a snapshot of any size is written without building it whole in memory: the peak stays one
entry, and a long run's heap does not grow with each snapshot (RELIABILITY.md).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger.core.engine import Engine, _Counter
from ledger.core.errors import (
    BulkToggleCode,
    ErrorCode,
    LedgerError,
    RequestError,
    RequestErrorKind,
    UserError,
)
from ledger.core.events import EventErrorCode
from ledger.core.idempotency import FIRST_AT, Entry, IdempotencyStore, Row, as_entry
from ledger.core.idempotency import _horizon as horizon_of
from ledger.core.journal import AdjustmentGroup, QuantityChange
from ledger.core.results import LevelView, QuantityView, Result
from ledger.store import oplog
from ledger.store import snapshot as snapshot_format

if TYPE_CHECKING:
    from collections.abc import Mapping

SNAPSHOT_FORMAT: Final = "ledger-durable-snapshot"
#: Version 2 adds ``follows`` (what journal record the snapshot follows); 1 is still read.
SNAPSHOT_VERSION: Final = 2
READABLE_VERSIONS: Final = (1, 2)

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


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def body_pieces(ledger: Engine, seq: int, follows: str | None) -> Iterator[str]:
    """Yield the JSON text of ``ledger``'s snapshot body after record ``seq``, piece by piece.

    ``follows`` is the CRC-32 (8 hex digits) of the journal record ``seq`` as framed there,
    binding the snapshot to its journal; ``None`` for the journal's base snapshot, which the
    journal's header binds instead. Joined, the pieces are one JSON object (see the module
    docstring); each piece is one entry, so memory stays flat whatever the ledger's size.
    """
    # This module reaches into the engine on purpose: exact continuation needs the counters
    # and keys that the public snapshot leaves out, and only the engine holds them.
    ids = ledger._group_ids
    if not isinstance(ids, _Counter):
        raise LedgerError("a durable ledger numbers its groups itself (no custom group_ids)")
    if ledger._keys.held:
        raise LedgerError("cannot snapshot a ledger while one of its calls is running")
    state = ledger._state
    reserved = ledger._reserved_group_number
    yield (f'{{"format":{_dumps(SNAPSHOT_FORMAT)},"version":{SNAPSHOT_VERSION},"seq":{seq},'
           f'"apiVersion":{_dumps(ledger.api_version)},"follows":{_dumps(follows)},'
           '"snapshot":{')
    section = None
    for key, entry in snapshot_format.entries(state):
        if key != section:
            yield ("" if section is None else "],") + f"{_dumps(key)}:["
            section = key
        else:
            yield ","
        yield _dumps(entry)
    yield ("" if section is None else "]") + "},"
    # A number a no-op drew and did not spend is handed back to the counter: draws are
    # sequential, so the next group gets it either way, and ``Engine.replay`` assumes
    # that nothing is reserved when it starts (it would hand the number out twice).
    number = reserved if reserved is not None else ids.next_value
    yield (f'"engine":{{"nextGroupNumber":{number},'
           f'"nextLevelNumber":{state.next_level_number},'
           f'"lastNow":{_dumps(_iso(ledger._last_now))},'
           f'"lastGroupAt":{_dumps(_iso(ledger._last_group_at))},"updated":{{')
    first = True
    for level in state.levels():
        if level.updated is not None:
            yield ("" if first else ",") + (
                f"{_dumps(level.id)}:{_dumps([_iso(t) for t in level.updated])}")
            first = False
    yield '},"keys":['
    first = True
    for key, e in _live_keys(ledger._keys, ledger._last_now):
        yield ("" if first else ",") + _dumps({
            "key": key, "operation": e.operation, "command": oplog.encode_command(e.command),
            "firstAt": e.first_at.isoformat(), "failed": e.failed,
            "result": encode_value(e.result)})
        first = False
    yield "]}}"


def capture(ledger: Engine, seq: int, follows: str | None = None) -> dict[str, Any]:
    """Return the body of ``ledger``'s snapshot after record ``seq`` as one object."""
    body: dict[str, Any] = json.loads("".join(body_pieces(ledger, seq, follows)))
    return body


def _live_keys(store: IdempotencyStore, now: datetime | None) -> Iterator[tuple[str, Entry]]:
    """Every key the store would still answer for at ``now``, oldest first use first.

    Without forks the keys stream straight from the store's time index, with no copy: a
    snapshot of a full 24-hour window allocates nothing per key but the key's own JSON.
    """
    horizon = horizon_of(now) if now is not None else None
    if not store._frozen:
        entries = store._entries
        for ts, key in store._by_time:
            if horizon is None or ts > horizon:
                yield key, as_entry(entries[key], store.journal)
        return
    live: dict[str, Row] = {}
    # Frozen layers (left by ``fork``) run newest first; a newer entry for a key wins.
    for layer, _newest in reversed(store._frozen):
        live.update(layer)
    live.update(store._entries)
    kept = [(k, row) for k, row in live.items()
            if horizon is None or row[FIRST_AT].timestamp() > horizon]
    kept.sort(key=lambda pair: (pair[1][FIRST_AT].timestamp(), pair[0]))
    for key, row in kept:
        yield key, as_entry(row, store.journal)


def restore(ledger: Engine, engine: object) -> None:
    """Install the ``engine`` part of a snapshot body into a ledger fresh from its state."""
    where = "engine"
    if not isinstance(engine, dict):
        raise ValueError(f"{where} must be an object")
    expected = {"nextGroupNumber", "nextLevelNumber", "lastNow", "lastGroupAt", "updated",
                "keys"}
    # lastGroupAt came with the clock's floor (semantics §14); older bodies lack it.
    if set(engine) - {"lastGroupAt"} != expected - {"lastGroupAt"} or not set(engine) <= expected:
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
    floor = engine.get("lastGroupAt")
    ledger._last_group_at = (oplog.parse_time(floor, f"{where}.lastGroupAt")
                             if floor is not None else None)
    updated = engine["updated"]
    if not isinstance(updated, dict):
        raise ValueError(f"{where}.updated must be an object")
    for level_id, times in updated.items():
        level = state.level_with_id(level_id)
        if level is None or not isinstance(times, list) or len(times) != len(level.q):
            raise ValueError(f"{where}.updated[{level_id!r}] names no level or has bad times")
        level.updated = tuple(oplog.parse_time(t, f"{where}.updated") if t is not None
                              else None for t in times)
    keys = engine["keys"]
    if not isinstance(keys, list):
        raise ValueError(f"{where}.keys must be a list")
    store = IdempotencyStore(journal=ledger._journal if ledger._keep_journal else None)
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




def check_body(body: object, where: str) -> dict[str, Any]:
    """Return a snapshot body if its frame fields are sound; ``ValueError`` naming ``where``."""
    if not isinstance(body, dict) or body.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"{where}: not a {SNAPSHOT_FORMAT} file")
    if body.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"{where}: unsupported snapshot version {body.get('version')!r}")
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError(f"{where}: seq must be a non-negative integer, not {seq!r}")
    if not isinstance(body.get("apiVersion"), str):
        raise ValueError(f"{where}: apiVersion must be a string")
    follows = body.get("follows")
    if body["version"] >= 2 and not (follows is None or isinstance(follows, str)):
        raise ValueError(f"{where}: follows must be a CRC-32 string or null")
    return body


def ledger_from_body(cls: type[Any], body: Mapping[str, Any], api_version: str | None,
                     clock: Any, options: Mapping[str, Any], where: str) -> Any:
    """Return a ``cls`` ledger holding a snapshot body's state, engine part included."""
    ledger = snapshot_format.engine_from(cls, body["snapshot"],
                                         api_version or body["apiVersion"], clock, **options)
    try:
        restore(ledger, body["engine"])
    except (KeyError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None
    return ledger
