"""The input side of the codec: each API era's input types and graphql-ruby's coercion.

Part of the Shopify adapter (``ledger.shopify``): it imports the core, never the reverse,
and needs no graphql-core. ``variable_types(era)`` gives every operation's variables and
their input types in an era (the schema's SDL and the test strategies are built from it);
``coerce_variables`` (for ``ledger.shopify.codec.execute``) and ``coerce_value`` (for each
variable a GraphQL document declares) reproduce graphql-ruby's variable coercion (the
engine behind Shopify's Admin API): every input object is checked against the input types
of the API version, problems are collected in the order graphql-ruby finds them (the given
keys in their order, then missing non-null fields in definition order), and reported as
one ``INVALID_VARIABLE`` error per variable with no ``data`` key.

Choices where Shopify is silent ([ours]):

* Field definition order (which decides the order of "missing field" problems) follows the
  input shapes written in semantics §6-§8.
* A value nested deeper than ``MAX_DEPTH`` is refused as a whole with one
  ``INVALID_VARIABLE`` error, before coercion, so hostile input cannot exhaust the stack.
* ``variables`` that is not an object (or ``None`` where variables are required) is read as
  an empty object, so the missing variables are reported.
* Every body is RFC 8259 JSON and bounded, whatever ``variables`` holds: graphql-ruby echoes
  the variable's value whole in ``extensions.value`` and prints values whole in messages;
  here both are cut (``echo`` and ``literal``), at sizes no valid input reaches:

  - a string (or object key) over ``MAX_ECHO_CHARS`` (2,048, the longest valid URI)
    characters keeps its first 2,048, then ``"… (N characters in all)"``;
  - a list or object over ``MAX_ECHO_ENTRIES`` (250, Shopify's input array cap) entries keeps
    its first 250, then a last entry ``"… (N entries in all)"`` (in an object, under the key
    ``"…"``);
  - an integer over ``MAX_ECHO_CHARS`` digits becomes the string
    ``"<an integer of more than 2048 digits>"`` (Python cannot even print one past 4,300;
    smaller ones stay exact JSON numbers, as graphql-ruby's are); given for an ``ID`` it is
    a coercion error (graphql-ruby would take its digits as the id, which names nothing);
  - ``NaN``, ``Infinity`` and ``-Infinity`` (floats a Python caller may pass; JSON has none)
    are echoed as those strings, and printed bare in messages (``Could not coerce value NaN
    to Int``; positive infinity keeps the codec's ``Could not coerce value to Int``);
  - any other Python object becomes a short ``repr`` string;
  - past ``MAX_ECHO_NODES`` (5,000) values in one echo, the rest is ``"…"``;
  - at most ``MAX_PROBLEMS`` (250) problems are reported per variable; the message then ends
    with ``"… and N more problems"``.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from typing import Any, Final

import attrs

from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    SET,
    SET_ON_HAND,
)
from ledger.core.quantities import GRAPHQL_INT_MAX, GRAPHQL_INT_MIN
from ledger.core.versions import Era, Presence

#: Deepest nesting of lists and objects accepted in ``variables``.
MAX_DEPTH: Final = 32
#: Longest string (and most digits of an integer) echoed whole in an error body [ours].
MAX_ECHO_CHARS: Final = 2048
#: Most entries of a list or object echoed in an error body [ours].
MAX_ECHO_ENTRIES: Final = 250
#: Most values (scalars, lists, objects) in one echoed value or printed literal [ours].
MAX_ECHO_NODES: Final = 5000
#: Most coercion problems reported for one variable [ours].
MAX_PROBLEMS: Final = 250
_ECHO_INT_BOUND: Final = 10**MAX_ECHO_CHARS
_ELIDED: Final = "…"
_NON_FINITE: Final = {math.inf: "Infinity", -math.inf: "-Infinity"}

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
                   ("onHand", INT), ("stockAtLegacyLocation", Scalar("Boolean"))),
        DEACTIVATE: (("inventoryLevelId", ID),),
        BULK_TOGGLE: (("inventoryItemId", ID),
                      ("inventoryItemUpdates", NonNull(ListOf(NonNull(toggle))))),
    }


# ---------------------------------------------------------------------- coercion


class _Budget:
    """How many more values one echo or literal may show (``MAX_ECHO_NODES`` at first)."""

    def __init__(self) -> None:
        self.left = MAX_ECHO_NODES

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _cut(text: str) -> str:
    """Return ``text``, or its first ``MAX_ECHO_CHARS`` characters and a marker [ours]."""
    if len(text) <= MAX_ECHO_CHARS:
        return text
    return f"{text[:MAX_ECHO_CHARS]}{_ELIDED} ({len(text)} characters in all)"


def _long_int(value: int) -> str | None:
    """Return the stand-in of an integer too long to echo, or ``None`` if it is short enough."""
    if -_ECHO_INT_BOUND < value < _ECHO_INT_BOUND:
        return None
    sign = "a negative" if value < 0 else "an"
    return f"<{sign} integer of more than {MAX_ECHO_CHARS} digits>"


def _non_finite(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    return _NON_FINITE.get(value)


def _repr(value: object) -> str:
    """Return ``repr(value)`` for a Python value JSON has no form for (bytes, sets, objects)."""
    try:
        return repr(value)
    except Exception:  # any repr may fail; the body must still be made
        return f"<{type(value).__name__}>"


def _other(value: object) -> str:
    return _cut(_repr(value))


def _key_text(key: object) -> str:
    """Return an object key as ``json.dumps`` would write it (uncut)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    if isinstance(key, int):
        return _long_int(key) or str(key)
    if isinstance(key, float):
        return _non_finite(key) or repr(key)
    return _repr(key)


def _key(key: object) -> str:
    """Return an object key as ``json.dumps`` would write it, cut like any string."""
    return _cut(_key_text(key))


def echo(value: object) -> Any:
    """Return ``value`` as JSON-ready data, cut to the echo bounds (module docstring) [ours].

    The result always passes ``json.dumps(..., allow_nan=False)``.
    """
    return _echo(value, _Budget(), 0)


def _echo(value: object, budget: _Budget, depth: int) -> Any:
    if not budget.take():
        return _ELIDED
    if value is None or isinstance(value, bool | str):
        return _cut(value) if isinstance(value, str) else value
    if isinstance(value, int):
        return _long_int(value) or value
    if isinstance(value, float):
        return _non_finite(value) or value
    if isinstance(value, list | tuple | dict):
        if depth >= MAX_DEPTH:
            return _ELIDED
        more = f"{_ELIDED} ({len(value)} entries in all)" if len(value) > MAX_ECHO_ENTRIES else None
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in itertools.islice(value.items(), MAX_ECHO_ENTRIES):
                out.setdefault(_key(k), _echo(v, budget, depth + 1))
            if more is not None:
                out[_ELIDED] = more
            return out
        items = [_echo(v, budget, depth + 1) for v in value[:MAX_ECHO_ENTRIES]]
        return [*items, more] if more is not None else items
    return _other(value)


def literal(value: object) -> str:
    """Print ``value`` as a GraphQL literal, the way graphql-ruby quotes it in messages.

    Cut to the echo bounds of the module docstring [ours].
    """
    return _literal(value, _Budget(), 0)


def _literal(value: object, budget: _Budget, depth: int) -> str:
    if not budget.take():
        return _ELIDED
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(_cut(value), ensure_ascii=False)
    if isinstance(value, int):
        return _long_int(value) or str(value)
    if isinstance(value, float):
        return _non_finite(value) or repr(value)
    if isinstance(value, list | tuple | dict):
        if depth >= MAX_DEPTH:
            return _ELIDED
        more = ([f"{_ELIDED} ({len(value)} entries in all)"]
                if len(value) > MAX_ECHO_ENTRIES else [])
        if isinstance(value, dict):
            parts = [f"{_key(k)}: {_literal(v, budget, depth + 1)}"
                     for k, v in itertools.islice(value.items(), MAX_ECHO_ENTRIES)]
            return "{" + ", ".join(parts + more) + "}"
        parts = [_literal(v, budget, depth + 1) for v in value[:MAX_ECHO_ENTRIES]]
        return "[" + ", ".join(parts + more) + "]"
    return _other(value)


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
            # [ours] An integer over MAX_ECHO_CHARS digits is no id: refused here, before
            # anything (graphql-core among them) tries to print it past Python's limit.
            if _long_int(value) is not None:
                return False, value
            return True, str(value)
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
                # Cut when reported (variable_error), not here: once only.
                problems.append(((*path, _key_text(key)), f"Field is not defined on {t.name}"))
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
    """Print ``value`` as graphql-ruby's ``JSON.generate`` does in messages (cut, as ``echo``)."""
    return json.dumps(echo(value), ensure_ascii=False)


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
    """Return graphql-ruby's INVALID_VARIABLE error for variable ``name`` and its problems.

    ``raw`` is echoed through ``echo`` and at most ``MAX_PROBLEMS`` problems are listed
    (module docstring) [ours].
    """
    shown = [(tuple(_path_part(k) for k in p), e) for p, e in problems[:MAX_PROBLEMS]]
    fields = [f"{'.'.join(map(str, p))} ({e})" for p, e in shown if p]
    message = f"Variable ${name} of type {signature(t)} was provided invalid value"
    if fields:
        message += " for " + ", ".join(fields)
    if len(problems) > MAX_PROBLEMS:
        message += f" {_ELIDED} and {len(problems) - MAX_PROBLEMS} more problems"
    return {
        "message": message,
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": echo(raw),
            "problems": [{"path": list(p), "explanation": e} for p, e in shown],
        },
    }


def _path_part(part: str | int) -> str | int:
    """Return one step of a problem's path: an index, or a key cut like any echoed string."""
    return part if isinstance(part, int) else _cut(part)


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
