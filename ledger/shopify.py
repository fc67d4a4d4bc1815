"""The Shopify-shaped codec: GraphQL variables -> commands, results -> response bodies.

This adapter depends on the core and never the reverse. It reproduces graphql-ruby's
variable coercion (the engine behind Shopify's Admin API): every input object is checked
against the input types of the API version, problems are collected in the order
graphql-ruby finds them (the given keys in their order, then missing non-null fields in
definition order), and reported as one ``INVALID_VARIABLE`` error per variable with no
``data`` key.

Choices where Shopify is silent ([ours]):

* Field definition order (which decides the order of "missing field" problems) follows the
  input shapes written in semantics §6-§8.
* A value nested deeper than ``MAX_DEPTH`` is refused as a whole with one
  ``INVALID_VARIABLE`` error, before coercion, so hostile input cannot exhaust the stack.
* ``variables`` that is not an object (or ``None`` where variables are required) is read as
  an empty object, so the missing variables are reported.
"""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, Final

import attrs

from ledger.commands import (
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
from ledger.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    OPERATIONS,
    SET,
    SET_ON_HAND,
    THROTTLED_DOCUMENTATION,
    RequestError,
    RequestErrorKind,
)
from ledger.journal import AdjustmentGroup
from ledger.quantities import GRAPHQL_INT_MAX, GRAPHQL_INT_MIN
from ledger.results import LevelView, Result
from ledger.versions import Era, Presence

#: Deepest nesting of lists and objects accepted in ``variables``.
MAX_DEPTH: Final = 32

Problem = tuple[tuple[str | int, ...], str]


@attrs.frozen
class Scalar:
    """A GraphQL scalar input type."""

    name: str


@attrs.frozen
class NonNull:
    """A non-null wrapper (``T!``)."""

    of: TypeRef


@attrs.frozen
class ListOf:
    """A list wrapper (``[T]``)."""

    of: TypeRef


@attrs.frozen
class InputObject:
    """A GraphQL input object type with its fields in definition order."""

    name: str
    fields: tuple[tuple[str, TypeRef], ...]
    #: ``fields`` by name, built once: coercion looks fields up on every call.
    by_name: dict[str, TypeRef] = attrs.field(init=False, eq=False, hash=False, repr=False)

    @by_name.default
    def _by_name(self) -> dict[str, TypeRef]:
        return dict(self.fields)


TypeRef = Scalar | NonNull | ListOf | InputObject

ID: Final = NonNull(Scalar("ID"))
STRING: Final = Scalar("String")
INT: Final = Scalar("Int")


def signature(t: TypeRef) -> str:
    """Return a type's GraphQL signature, e.g. ``[InventoryChangeInput!]!``."""
    if isinstance(t, NonNull):
        return signature(t.of) + "!"
    if isinstance(t, ListOf):
        return f"[{signature(t.of)}]"
    return t.name


@cache
def variable_types(era: Era) -> dict[str, tuple[tuple[str, TypeRef], ...]]:
    """Return, per operation, its variables and their input types in ``era``."""
    change_from: tuple[tuple[str, TypeRef], ...] = (
        (("changeFromQuantity", INT),) if era.change_from is not Presence.UNDEFINED else ()
    )
    legacy = era.legacy_compare is not Presence.UNDEFINED
    change = InputObject("InventoryChangeInput", (
        ("inventoryItemId", ID), ("locationId", ID), ("delta", NonNull(INT)),
        ("ledgerDocumentUri", STRING), *change_from,
    ))
    adjust = InputObject("InventoryAdjustQuantitiesInput", (
        ("name", NonNull(STRING)), ("reason", NonNull(STRING)),
        ("referenceDocumentUri", STRING), ("changes", NonNull(ListOf(NonNull(change)))),
    ))
    terminal = InputObject("InventoryMoveQuantityTerminalInput", (
        ("locationId", ID), ("name", NonNull(STRING)), ("ledgerDocumentUri", STRING),
        *change_from,
    ))
    move_change = InputObject("InventoryMoveQuantityChange", (
        ("inventoryItemId", ID), ("quantity", NonNull(INT)), ("from", NonNull(terminal)),
        ("to", NonNull(terminal)),
    ))
    move = InputObject("InventoryMoveQuantitiesInput", (
        ("reason", NonNull(STRING)), ("referenceDocumentUri", NonNull(STRING)),
        ("changes", NonNull(ListOf(NonNull(move_change)))),
    ))
    quantity = InputObject("InventoryQuantityInput", (
        ("inventoryItemId", ID), ("locationId", ID), ("quantity", NonNull(INT)),
        *((("compareQuantity", INT),) if legacy else ()), *change_from,
    ))
    set_input = InputObject("InventorySetQuantitiesInput", (
        ("name", NonNull(STRING)), ("reason", NonNull(STRING)),
        ("referenceDocumentUri", STRING), ("quantities", NonNull(ListOf(NonNull(quantity)))),
        *((("ignoreCompareQuantity", Scalar("Boolean")),) if legacy else ()),
    ))
    on_hand_quantity = InputObject("InventorySetQuantityInput", (
        ("inventoryItemId", ID), ("locationId", ID), ("quantity", NonNull(INT)), *change_from,
    ))
    on_hand = InputObject("InventorySetOnHandQuantitiesInput", (
        ("reason", NonNull(STRING)), ("referenceDocumentUri", STRING),
        ("setQuantities", NonNull(ListOf(NonNull(on_hand_quantity)))),
    ))
    # [ours] field order: locationId, then activate (Shopify's reference sorts them by name).
    toggle = InputObject("InventoryBulkToggleActivationInput", (
        ("locationId", ID), ("activate", NonNull(Scalar("Boolean"))),
    ))
    return {
        ADJUST: (("input", NonNull(adjust)),),
        MOVE: (("input", NonNull(move)),),
        SET: (("input", NonNull(set_input)),),
        SET_ON_HAND: (("input", NonNull(on_hand)),),
        ACTIVATE: (("inventoryItemId", ID), ("locationId", ID), ("available", INT),
                   ("onHand", INT)),
        DEACTIVATE: (("inventoryLevelId", ID),),
        BULK_TOGGLE: (("inventoryItemId", ID),
                      ("inventoryItemUpdates", NonNull(ListOf(NonNull(toggle))))),
    }


# ---------------------------------------------------------------------- coercion


def literal(value: object) -> str:
    """Print ``value`` as a GraphQL literal, the way graphql-ruby quotes it in messages."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return _digits(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _digits(value: int) -> str:
    """Return ``str(value)``, also past Python's 4300-digit limit on int-to-str conversion.

    ``str`` raises ``ValueError`` there, and ``execute`` must never raise for what the
    variables hold; ``Decimal`` prints every digit without that limit.
    """
    try:
        return str(value)
    except ValueError:
        return str(decimal.Decimal(value))


def _scalar(t: Scalar, value: object) -> tuple[bool, object]:
    name = t.name
    if name == "Int":
        ok = (isinstance(value, int) and not isinstance(value, bool)
              and GRAPHQL_INT_MIN <= value <= GRAPHQL_INT_MAX)
        return ok, value
    if name == "String":
        return isinstance(value, str), value
    if name == "ID":
        if isinstance(value, str):
            return True, value
        if isinstance(value, int) and not isinstance(value, bool):
            return True, _digits(value)
        return False, value
    return isinstance(value, bool), value


def coerce_value(t: TypeRef, value: object, path: tuple[str | int, ...],
                 problems: list[Problem]) -> object:
    """Coerce ``value`` to ``t`` as graphql-ruby does, appending any problems found."""
    if isinstance(t, NonNull):
        if value is None:
            problems.append((path, "Expected value to not be null"))
            return None
        return coerce_value(t.of, value, path, problems)
    if value is None:
        return None
    if isinstance(t, ListOf):
        items = value if isinstance(value, list | tuple) else [value]
        return [coerce_value(t.of, v, (*path, i), problems) for i, v in enumerate(items)]
    if isinstance(t, InputObject):
        if not isinstance(value, dict):
            problems.append((path, f"Expected {_json(value)} to be a key-value object."))
            return None
        fields = t.by_name
        out: dict[str, object] = {}
        for key, item in value.items():
            field_type = fields.get(key) if isinstance(key, str) else None
            if field_type is None:
                problems.append(((*path, str(key)), f"Field is not defined on {t.name}"))
                continue
            out[key] = coerce_value(field_type, item, (*path, key), problems)
        for name, field_type in t.fields:
            if name not in value and isinstance(field_type, NonNull):
                problems.append(((*path, name), "Expected value to not be null"))
        return out
    ok, coerced = _scalar(t, value)
    if not ok:
        shown = "" if value == math.inf else " " + literal(value)
        problems.append((path, f"Could not coerce value{shown} to {t.name}"))
    return coerced


def _json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return literal(value)


def too_deep(value: object) -> bool:
    """Tell whether ``value`` nests lists and objects more than ``MAX_DEPTH`` deep."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list | tuple):
            children = current
        else:
            continue
        if depth >= MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def variable_error(
    name: str, t: TypeRef, raw: object, problems: list[Problem]
) -> dict[str, Any]:
    """Return graphql-ruby's INVALID_VARIABLE error for variable ``name`` and its problems."""
    fields = [f"{'.'.join(map(str, p))} ({e})" for p, e in problems if p]
    message = f"Variable ${name} of type {signature(t)} was provided invalid value"
    if fields:
        message += " for " + ", ".join(fields)
    return {
        "message": message,
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": raw,
            "problems": [{"path": list(p), "explanation": e} for p, e in problems],
        },
    }


def coerce_variables(
    operation: str, variables: object, era: Era
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Coerce ``variables`` for ``operation``; return the values and any error bodies."""
    given: dict[Any, Any] = variables if isinstance(variables, dict) else {}
    if too_deep(given):
        return {}, [{
            "message": f"Variables are nested more than {MAX_DEPTH} levels deep.",
            "extensions": {"code": "INVALID_VARIABLE"},
        }]
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for name, t in variable_types(era)[operation]:
        problems: list[Problem] = []
        raw = given.get(name)
        values[name] = coerce_value(t, raw, (), problems)
        if problems:
            errors.append(variable_error(name, t, raw, problems))
    return values, errors


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
                        available=v.get("available"), on_hand=v.get("onHand"))
    if operation == DEACTIVATE:
        return Deactivate(level_id=v["inventoryLevelId"])
    if operation == BULK_TOGGLE:
        return BulkToggleActivation(
            item_id=v["inventoryItemId"],
            updates=tuple((u["locationId"], u["activate"]) for u in v["inventoryItemUpdates"]),
        )
    i = v["input"]
    if operation == ADJUST:
        return Adjust(
            name=i["name"], reason=i["reason"],
            reference_document_uri=i.get("referenceDocumentUri"),
            changes=tuple(
                AdjustChange(item_id=c["inventoryItemId"], location_id=c["locationId"],
                             delta=c["delta"], ledger_document_uri=c.get("ledgerDocumentUri"),
                             change_from_quantity=_change_from(c))
                for c in i["changes"]
            ),
        )
    if operation == MOVE:
        return Move(
            reason=i["reason"], reference_document_uri=i["referenceDocumentUri"],
            changes=tuple(
                MoveChange(item_id=c["inventoryItemId"], quantity=c["quantity"],
                           from_=_terminal(c["from"]), to=_terminal(c["to"]))
                for c in i["changes"]
            ),
        )
    if operation == SET:
        return SetQuantities(
            name=i["name"], reason=i["reason"],
            reference_document_uri=i.get("referenceDocumentUri"),
            ignore_compare_quantity=_legacy(i, "ignoreCompareQuantity"),
            quantities=tuple(_set_quantity(q) for q in i["quantities"]),
        )
    return SetOnHand(
        reason=i["reason"], reference_document_uri=i.get("referenceDocumentUri"),
        quantities=tuple(_set_quantity(q) for q in i["setQuantities"]),
    )


def _terminal(t: dict[str, Any]) -> MoveTerminal:
    return MoveTerminal(location_id=t["locationId"], name=t["name"],
                        ledger_document_uri=t.get("ledgerDocumentUri"),
                        change_from_quantity=_change_from(t))


def _set_quantity(q: dict[str, Any]) -> SetQuantity:
    return SetQuantity(item_id=q["inventoryItemId"], location_id=q["locationId"],
                       quantity=q["quantity"], change_from_quantity=_change_from(q),
                       compare_quantity=_legacy(q, "compareQuantity"))


# ---------------------------------------------------------------------- rendering


def timestamp(when: datetime | None) -> str | None:
    """Format a time as Shopify's ``DateTime``: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def group_json(group: AdjustmentGroup, *, quantity_after_change: bool = False) -> dict[str, Any]:
    """Return an ``InventoryAdjustmentGroup`` with every field selected."""
    return {
        "id": group.id,
        "createdAt": timestamp(group.created_at),
        "reason": group.reason,
        "referenceDocumentUri": group.reference_document_uri,
        "app": None,
        "staffMember": None,
        "changes": [
            {
                "name": c.name,
                "delta": c.delta,
                "quantityAfterChange": c.quantity_after_change if quantity_after_change else None,
                "ledgerDocumentUri": c.ledger_document_uri,
                "item": {"id": c.item_id},
                "location": {"id": c.location_id, "name": c.location_name},
            }
            for c in group.changes
        ],
    }


def level_json(level: LevelView) -> dict[str, Any]:
    """Return an ``InventoryLevel`` with every field selected."""
    return {
        "id": level.id,
        "isActive": level.is_active,
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


def render(result: Result, *, quantity_after_change: bool = False) -> dict[str, Any]:
    """Return the response body Shopify gives for ``result`` with every payload field selected."""
    operation = result.operation
    if result.request_error is not None:
        return request_error_body(operation, result.request_error)
    if operation == ACTIVATE:
        return {"data": {operation: {
            "inventoryLevel": level_json(result.level) if result.level is not None else None,
            "userErrors": [e.to_json(with_code=False) for e in result.user_errors],
        }}}
    if operation == DEACTIVATE:
        return {"data": {operation: {
            "userErrors": [e.to_json(with_code=False) for e in result.user_errors],
        }}}
    if operation == BULK_TOGGLE:
        levels = result.levels
        return {"data": {operation: {
            "inventoryItem": {"id": result.item_id} if result.item_id is not None else None,
            "inventoryLevels": [level_json(lv) for lv in levels] if levels is not None else None,
            "userErrors": [e.to_json() for e in result.user_errors],
        }}}
    group = result.group
    return {"data": {operation: {
        "inventoryAdjustmentGroup": (
            group_json(group, quantity_after_change=quantity_after_change)
            if group is not None else None
        ),
        "userErrors": [e.to_json() for e in result.user_errors],
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
    result = run(decode(operation, values), idempotency_key)
    return render(result, quantity_after_change=quantity_after_change)
