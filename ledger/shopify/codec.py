"""The Shopify-shaped codec: GraphQL variables -> commands, results -> response bodies.

Part of the Shopify adapter (``ledger.shopify``): it imports the core, never the reverse,
and needs no graphql-core. ``execute`` is the whole path of one ``Ledger.execute`` call:
the variables are coerced as graphql-ruby coerces them (``ledger.shopify.coercion``, where
the input types of each era and the bounds of echoed values are), ``decode`` turns them into
a command, the engine runs it, and ``render`` gives the response body Shopify would, with
every payload field selected (``group_json``, ``level_json``, ``timestamp``,
``request_error_body``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from ledger.core.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Command,
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
    OPERATIONS,
    SET,
    THROTTLED_DOCUMENTATION,
    RequestError,
    RequestErrorKind,
    UserError,
)
from ledger.core.journal import AdjustmentGroup, flat_rows
from ledger.core.results import LevelView, Result
from ledger.core.values import maker
from ledger.core.versions import Era
from ledger.shopify.coercion import coerce_variables

# ---------------------------------------------------------------------- decoding


def _change_from(d: dict[str, Any]) -> Any:
    return d.get("changeFromQuantity", ABSENT)


def _legacy(d: dict[str, Any], key: str) -> Any:
    """Read a legacy compare field; an explicit ``null`` reads as left out.

    The two mean the same for ``compareQuantity`` and ``ignoreCompareQuantity``, so they
    must decode to equal commands: idempotency compares commands, and the same key with
    the same arguments written either way is a replay, not a parameter mismatch.
    """
    value = d.get(key)
    return ABSENT if value is None else value


def decode(operation: str, v: dict[str, Any]) -> Command:
    """Turn coerced variables into the command they describe."""
    if operation == ACTIVATE:
        return Activate(item_id=v["inventoryItemId"], location_id=v["locationId"],
                        available=v.get("available"), on_hand=v.get("onHand"),
                        stock_at_legacy_location=(
                            True if v.get("stockAtLegacyLocation") is True else ABSENT))
    if operation == DEACTIVATE:
        return Deactivate(level_id=v["inventoryLevelId"])
    if operation == BULK_TOGGLE:
        return BulkToggleActivation(
            item_id=v["inventoryItemId"],
            updates=tuple((u["locationId"], u["activate"]) for u in v["inventoryItemUpdates"]),
        )
    i = v["input"]
    if operation == ADJUST:
        changes = []
        for c in i["changes"]:  # a plain loop: a generator is a frame of its own
            changes.append(_adjust_change(c["inventoryItemId"], c["locationId"], c["delta"],
                                          c.get("ledgerDocumentUri"), _change_from(c)))
        return _adjust(i["name"], i["reason"], tuple(changes), i.get("referenceDocumentUri"))
    if operation == MOVE:
        moves = []
        for c in i["changes"]:
            moves.append(_move_change(c["inventoryItemId"], c["quantity"], _terminal(c["from"]),
                                      _terminal(c["to"])))
        return _move(i["reason"], i["referenceDocumentUri"], tuple(moves))
    quantities = []
    for q in i["quantities" if operation == SET else "setQuantities"]:
        quantities.append(_set_quantity(q))
    if operation == SET:
        return _set(i["name"], i["reason"], tuple(quantities), i.get("referenceDocumentUri"),
                    _legacy(i, "ignoreCompareQuantity"))
    return _set_on_hand(i["reason"], tuple(quantities), i.get("referenceDocumentUri"))


#: The quantity commands, built from coerced variables without their validators running
#: again: coercion has given every field its GraphQL type, which is all they check
#: (``values.maker``'s ``checked``; ``tests/test_coercion.py`` rebuilds each through its
#: validating constructor and compares). Fields in their classes' order.
_adjust: Final = maker(Adjust, checked=True)
_adjust_change: Final = maker(AdjustChange, checked=True)
_move: Final = maker(Move, checked=True)
_move_change: Final = maker(MoveChange, checked=True)
_move_terminal: Final = maker(MoveTerminal, checked=True)
_set: Final = maker(SetQuantities, checked=True)
_set_on_hand: Final = maker(SetOnHand, checked=True)
_make_set_quantity: Final = maker(SetQuantity, checked=True)


def _terminal(t: dict[str, Any]) -> MoveTerminal:
    return _move_terminal(t["locationId"], t["name"], t.get("ledgerDocumentUri"),
                          _change_from(t))


def _set_quantity(q: dict[str, Any]) -> SetQuantity:
    return _make_set_quantity(q["inventoryItemId"], q["locationId"], q["quantity"],
                              _change_from(q), _legacy(q, "compareQuantity"))


# ---------------------------------------------------------------------- rendering


#: ``timestamp``'s strings by (year, month, day, hour, minute, second): a second's calls
#: share one string instead of formatting it each time (formatting costs ~2.6 µs).
_TIMESTAMPS: dict[tuple[int, int, int, int, int, int], str] = {}
#: The most seconds ``_TIMESTAMPS`` holds before it starts afresh.
_TIMESTAMPS_HELD = 4096
#: The datetime ``timestamp`` formatted last, and its string (kept by identity: a datetime
#: is immutable, and one kept here is never collected and reused for another time).
_last_stamp: tuple[datetime | None, str] = (None, "")


def timestamp(when: datetime | None) -> str | None:
    """Format a time as Shopify's ``DateTime``: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    The year is padded by hand: ``strftime("%Y")`` writes year 1 as ``1``, not ``0001``.
    Each second's string is formatted once and remembered (``_TIMESTAMPS``).
    """
    global _last_stamp
    if when is None:
        return None
    last = _last_stamp  # one read of the pair: another thread may replace it, never tear it
    if last[0] is when:
        return last[1]  # the groups of one second share one datetime (``writes.record``)
    key = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    text = _TIMESTAMPS.get(key)
    if text is None:
        if len(_TIMESTAMPS) >= _TIMESTAMPS_HELD:
            _TIMESTAMPS.clear()
        text = _TIMESTAMPS[key] = f"{when.year:04d}{when:-%m-%dT%H:%M:%SZ}"
    _last_stamp = (when, text)
    return text


def group_json(group: AdjustmentGroup, *, quantity_after_change: bool = False) -> dict[str, Any]:
    """Return an ``InventoryAdjustmentGroup`` with every field selected."""
    changes = []
    # The rows' values, read from the group's flat tuple: no QuantityChange is built. A
    # plain loop: a comprehension is a frame of its own.
    for name, delta, after, document, item_id, location_id, location_name in flat_rows(group):
        changes.append({
            "name": name,
            "delta": delta,
            "quantityAfterChange": after if quantity_after_change else None,
            "ledgerDocumentUri": document,
            "item": {"id": item_id},
            "location": {"id": location_id, "name": location_name},
        })
    return {
        "id": group.id,
        "createdAt": timestamp(group.created_at),
        "reason": group.reason,
        "referenceDocumentUri": group.reference_document_uri,
        "app": None,
        "staffMember": None,
        "changes": changes,
    }


def level_json(level: LevelView, era: Era | None = None) -> dict[str, Any]:
    """Return an ``InventoryLevel`` with every field selected (``isActive`` where ``era`` has it).

    ``era`` ``None``: every field any era has (GraphQL selects from it by its own schema).
    """
    out: dict[str, Any] = {"id": level.id}
    if era is None or era.is_active_field:
        out["isActive"] = level.is_active
    return out | {
        "item": {"id": level.item_id},
        "location": {"id": level.location_id, "name": level.location_name},
        "quantities": [
            {"name": q.name, "quantity": q.quantity, "updatedAt": timestamp(q.updated_at)}
            for q in level.quantities
        ],
    }


def request_error_body(operation: str, error: RequestError) -> dict[str, Any]:
    """Return the response body of a request rejected before it ran (semantics §4)."""
    body: dict[str, Any] = {"message": error.message}
    kind = error.kind
    if kind is RequestErrorKind.UNDEFINED_DIRECTIVE:
        body["extensions"] = {"code": kind.value, "directiveName": "idempotent"}
        return {"errors": [body]}
    if kind is RequestErrorKind.THROTTLED:
        body["extensions"] = {"code": kind.value, "documentation": THROTTLED_DOCUMENTATION}
        return {"errors": [body]}
    if kind in (RequestErrorKind.INVALID_VARIABLE, RequestErrorKind.INTERNAL_SERVER_ERROR,
                RequestErrorKind.SERVICE_UNAVAILABLE):
        body["extensions"] = {"code": kind.value}
        return {"errors": [body]}
    body["path"] = [operation]
    body["extensions"] = {"code": kind.value}
    return {"errors": [body], "data": {operation: None}}


def _errors_json(errors: tuple[UserError, ...], *, with_code: bool = True) -> list[dict[str, Any]]:
    """Return a payload's ``userErrors``; none, the usual case, without a comprehension's frame."""
    if not errors:
        return []
    return [e.to_json(with_code=with_code) for e in errors]


def render(result: Result, era: Era, *, quantity_after_change: bool = False) -> dict[str, Any]:
    """Return the response body Shopify gives for ``result`` with every payload field selected.

    Rendered for ``era``, the calling request's: a key first used in one version and
    replayed in another gives back the same outcome in the replaying version's schema (an
    ``InventoryLevel`` without ``isActive`` before 2026-04). [ours]: semantics §11 says
    "the original response again"; a response cannot carry a field its request's schema
    does not have.
    """
    operation = result.operation
    if result.request_error is not None:
        return request_error_body(operation, result.request_error)
    if operation == ACTIVATE:
        return {"data": {operation: {
            "inventoryLevel": (level_json(result.level, era) if result.level is not None
                               else None),
            "userErrors": _errors_json(result.user_errors, with_code=False),
        }}}
    if operation == DEACTIVATE:
        return {"data": {operation: {
            "userErrors": _errors_json(result.user_errors, with_code=False),
        }}}
    if operation == BULK_TOGGLE:
        levels = result.levels
        return {"data": {operation: {
            "inventoryItem": {"id": result.item_id} if result.item_id is not None else None,
            "inventoryLevels": ([level_json(lv, era) for lv in levels] if levels is not None
                                else None),
            "userErrors": _errors_json(result.user_errors),
        }}}
    group = result.group
    return {"data": {operation: {
        "inventoryAdjustmentGroup": (
            group_json(group, quantity_after_change=quantity_after_change)
            if group is not None else None
        ),
        "userErrors": _errors_json(result.user_errors),
    }}}


def execute(
    run: Callable[[Command, str | None], Result],
    era: Era,
    operation: str,
    variables: object,
    idempotency_key: str | None,
    *,
    quantity_after_change: bool = False,
) -> dict[str, Any]:
    """Coerce ``variables``, run the command through ``run`` and render the response body."""
    if operation not in OPERATIONS:
        raise ValueError(
            f"unknown operation {operation!r}; expected one of: " + ", ".join(OPERATIONS)
        )
    values, errors = coerce_variables(operation, variables, era)
    if errors:
        return {"errors": errors}
    return execute_coerced(run, era, operation, values, idempotency_key,
                           quantity_after_change=quantity_after_change)


def execute_coerced(
    run: Callable[[Command, str | None], Result],
    era: Era,
    operation: str,
    values: dict[str, Any],
    idempotency_key: str | None,
    *,
    quantity_after_change: bool = False,
) -> dict[str, Any]:
    """``execute`` from variables ``coerce_variables`` has already accepted: ``values``."""
    result = run(decode(operation, values), idempotency_key)
    return render(result, era, quantity_after_change=quantity_after_change)
