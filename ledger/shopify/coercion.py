"""The input side of the codec: each API era's input types and graphql-ruby's coercion.

Part of the Shopify adapter (``ledger.shopify``): it imports the core, never the reverse,
and needs no graphql-core. ``variable_types(era)`` gives every operation's variables and
their input types in an era (the schema's SDL and the test strategies are built from it);
``coerce_variables`` (for ``ledger.shopify.codec.execute``) and ``coercer`` (for each
variable a GraphQL document declares) reproduce graphql-ruby's variable coercion (the
engine behind Shopify's Admin API), each input type compiled once into a single pass that
also guards the depth: every input object is checked against the input types
of the API version, problems are collected in the order graphql-ruby finds them (the given
keys in their order, then missing non-null fields in definition order), and reported as
one ``INVALID_VARIABLE`` error per variable with no ``data`` key.

The pass copies nothing it does not change: where every value of a plain list or dict
coerces to itself, the coerced value *is* the given object (issue 14: fewer allocations
per call; no gain in time could be measured). Callers read coerced values and never write
them.

Choices where Shopify is silent ([ours]):

* Field definition order (which decides the order of "missing field" problems) follows the
  input shapes written in semantics §6-§8.
* A value nested deeper than ``MAX_DEPTH`` is refused as a whole with one
  ``INVALID_VARIABLE`` error (instead of any coercion problem), so hostile input cannot
  exhaust the stack: the pass recurses only as deep as the input type, and what it does not
  walk (an undefined field, a list given for a scalar) is measured without recursion.
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

import functools
import itertools
import json
import math
from collections.abc import Callable
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


def _scalar_message(name: str, value: object) -> str:
    shown = "" if value == math.inf else " " + literal(value)
    return f"Could not coerce value{shown} to {name}"


def _object_message(value: object) -> str:
    return f"Expected {_json(value)} to be a key-value object."


class _TooDeepError(Exception):
    """Raised inside one coercion pass when a value nests more than ``MAX_DEPTH`` deep."""


#: One compiled coercion step: (value, path, problems, depth of value) -> coerced value.
#: A problem's explanation may be a thunk, worded once the pass has finished (``_worded``).
_Step = Callable[[object, tuple[str | int, ...], list[Any], int], object]
_NULL: Final = "Expected value to not be null"
# How a field's value may be taken as it is, without a call (the common, valid case).
_AS_IS_NONE, _AS_IS_STR, _AS_IS_INT, _AS_IS_BOOL = 0, 1, 2, 3
_AS_IS: Final = {"String": _AS_IS_STR, "ID": _AS_IS_STR, "Int": _AS_IS_INT,
                 "Boolean": _AS_IS_BOOL}


def _compile(t: TypeRef) -> _Step:
    """Return one pass that coerces a value to ``t`` and guards its depth, built once.

    It gives exactly what graphql-ruby's coercion gives (the problems in the same order,
    the same coerced value) and raises ``_TooDeepError`` for a list or object at depth
    ``MAX_DEPTH`` or more anywhere in the value, walked or not (``too_deep``'s rule).
    """
    non_null = isinstance(t, NonNull)
    inner = t.of if isinstance(t, NonNull) else t
    if isinstance(inner, NonNull):  # ``T!!`` is no GraphQL type; wrap as written
        of = _compile(inner)

        def twice(value: object, path: tuple[str | int, ...], problems: list[Any],
                  depth: int) -> object:
            if value is None:
                problems.append((path, _NULL))
                return None
            return of(value, path, problems, depth)

        return twice
    if isinstance(inner, ListOf):
        return _compile_list(inner, non_null)
    if isinstance(inner, InputObject):
        return _compile_object(inner, non_null)
    return _compile_scalar(inner, non_null)


def _compile_list(t: ListOf, non_null: bool) -> _Step:
    of = _compile(t.of)

    def step(value: object, path: tuple[str | int, ...], problems: list[Any],
             depth: int) -> object:
        if value is None:
            if non_null:
                problems.append((path, _NULL))
            return None
        if isinstance(value, list | tuple):
            if depth >= MAX_DEPTH:
                raise _TooDeepError
            below = depth + 1
            copied: list[object] | None = None if type(value) is list else []
            for i, v in enumerate(value):
                coerced = of(v, (*path, i), problems, below)
                if copied is not None:
                    copied.append(coerced)
                elif coerced is not v:  # the first change: copy what came before it
                    copied = list(value[:i])
                    copied.append(coerced)
            return value if copied is None else copied
        return [of(value, (*path, 0), problems, depth)]

    return step


def _compile_object(t: InputObject, non_null: bool) -> _Step:
    name = t.name
    undefined = f"Field is not defined on {name}"
    fields: dict[str, tuple[int, _Step]] = {}
    for field_name, field_type in t.fields:
        bare = field_type.of if isinstance(field_type, NonNull) else field_type
        as_is = _AS_IS.get(bare.name, _AS_IS_NONE) if isinstance(bare, Scalar) else _AS_IS_NONE
        fields[field_name] = (as_is, _compile(field_type))
    required = tuple(n for n, ft in t.fields if isinstance(ft, NonNull))
    int_min, int_max = GRAPHQL_INT_MIN, GRAPHQL_INT_MAX

    def step(value: object, path: tuple[str | int, ...], problems: list[Any],
             depth: int) -> object:
        if value is None:
            if non_null:
                problems.append((path, _NULL))
            return None
        if not isinstance(value, dict):
            if _too_deep(value, depth):
                raise _TooDeepError
            problems.append((path, functools.partial(_object_message, value)))
            return None
        if depth >= MAX_DEPTH:
            raise _TooDeepError
        below = depth + 1
        out: dict[str, object] | None = None if type(value) is dict else {}
        for index, (key, item) in enumerate(value.items()):
            entry = fields.get(key) if type(key) is str or isinstance(key, str) else None
            if entry is None:
                if _too_deep(item, below):
                    raise _TooDeepError
                # Cut when reported (variable_error), not here: once only.
                problems.append(((*path, _key_text(key)), undefined))
                if out is None:  # left out of the value: copy what came before it
                    out = dict(itertools.islice(value.items(), index))
                continue
            as_is, child = entry
            kind = type(item)
            if ((as_is == _AS_IS_STR and kind is str)
                    or (as_is == _AS_IS_INT and kind is int
                        and int_min <= item <= int_max)
                    or (as_is == _AS_IS_BOOL and kind is bool)):
                coerced = item
            else:
                coerced = child(item, (*path, key), problems, below)
            if out is not None:
                out[key] = coerced
            elif coerced is not item:  # the first change: copy what came before it
                out = dict(itertools.islice(value.items(), index))
                out[key] = coerced
        for field_name in required:
            if field_name not in value:
                problems.append(((*path, field_name), _NULL))
        return value if out is None else out

    return step


def _compile_scalar(t: Scalar, non_null: bool) -> _Step:
    name = t.name

    def step(value: object, path: tuple[str | int, ...], problems: list[Any],
             depth: int) -> object:
        if value is None:
            if non_null:
                problems.append((path, _NULL))
            return None
        ok, coerced = _scalar(t, value)
        if not ok:
            if _too_deep(value, depth):
                raise _TooDeepError
            problems.append((path, functools.partial(_scalar_message, name, value)))
        return coerced

    return step


#: ``_accepts``' test of a value ``{v}`` taken as it is, per kind of ``_AS_IS``: exactly the
#: values ``_compile_object``'s as-is test keeps unchanged with no problem.
_KEPT: Final = {_AS_IS_STR: "type({v}) is str",
                _AS_IS_INT: "type({v}) is int and _INT_MIN <= {v} <= _INT_MAX",
                _AS_IS_BOOL: "type({v}) is bool"}


def _accepts(t: TypeRef) -> Callable[[object, int], bool] | None:
    """Build the test that a value of type ``t`` coerces to itself with no problem, or ``None``.

    The usual input is valid: plain dicts and lists of the right scalars, nothing left out
    that is required, nothing undefined, nowhere near ``MAX_DEPTH``. For such a value the
    pass (``_compile``) returns the value itself and no problem; this test says so in
    straight-line code generated once per type (a field per line, no loop over the fields,
    no path built), and says ``False`` for anything else, which then takes the pass. It
    decides nothing the pass does not: it only recognises the case where the pass changes
    nothing (``tests/test_coercion.py`` holds it to that on hostile input). ``None`` when the
    type has a scalar the test cannot keep as it is.
    """
    lines: list[str] = []
    objects: dict[str, str | None] = {}
    counter = itertools.count()

    def value_test(t: TypeRef, var: str, depth: str, indent: str, optional: bool) -> bool:
        # Lines that return False unless ``var`` (at ``depth``) is kept as it is.
        non_null = isinstance(t, NonNull)
        inner = t.of if isinstance(t, NonNull) else t
        if isinstance(inner, NonNull):
            return False
        allow = "" if non_null else (f"{var} is _MISSING or {var} is None or "
                                     if optional else f"{var} is None or ")
        if isinstance(inner, Scalar):
            kept = _KEPT.get(_AS_IS.get(inner.name, _AS_IS_NONE))
            if kept is None:
                return False
            lines.append(f"{indent}if not ({allow}{kept.format(v=var)}):")
            lines.append(f"{indent}    return False")
            return True
        if isinstance(inner, InputObject):
            name = object_test(inner)
            if name is None:
                return False
            lines.append(f"{indent}if not ({allow}{name}({var}, {depth})):")
            lines.append(f"{indent}    return False")
            return True
        element = f"e{next(counter)}"
        if non_null:
            lines.append(f"{indent}if type({var}) is not list or {depth} >= _MAX_DEPTH:")
            lines.append(f"{indent}    return False")
            body = indent
        else:
            lines.append(f"{indent}if not ({allow}type({var}) is list and {depth} < _MAX_DEPTH):")
            lines.append(f"{indent}    return False")
            lines.append(f"{indent}if {var} is not None and {var} is not _MISSING:")
            body = indent + "    "
        lines.append(f"{body}for {element} in {var}:")
        return value_test(inner.of, element, f"{depth} + 1", body + "    ", False)

    def object_test(t: InputObject) -> str | None:
        if t.name in objects:
            return objects[t.name]
        name = f"_accepts_{len(objects)}"
        objects[t.name] = name
        saved = lines[:]
        lines.clear()
        lines.append(f"def {name}(value, depth):")
        namespace[f"{name}_fields"] = frozenset(t.by_name)
        lines.append("    if type(value) is not dict or depth >= _MAX_DEPTH"
                     f" or not value.keys() <= {name}_fields:")
        lines.append("        return False")
        lines.append("    get = value.get")
        lines.append("    try:")  # a required field left out: the subscript's KeyError
        for index, (field_name, field_type) in enumerate(t.fields):
            var = f"f{index}"
            read = (f"value[{field_name!r}]" if isinstance(field_type, NonNull)
                    else f"get({field_name!r}, _MISSING)")
            lines.append(f"        {var} = {read}")
            if not value_test(field_type, var, "depth + 1", "        ", True):
                lines[:] = saved
                objects[t.name] = None
                return None
        lines.append("    except KeyError:")
        lines.append("        return False")
        lines.append("    return True")
        functions.append("\n".join(lines))
        lines[:] = saved
        return name

    functions: list[str] = []
    namespace: dict[str, Any] = {"_MISSING": _MISSING, "_MAX_DEPTH": MAX_DEPTH,
                                 "_INT_MIN": GRAPHQL_INT_MIN, "_INT_MAX": GRAPHQL_INT_MAX}
    lines.append("def accepts(value, depth):")
    if not value_test(t, "value", "depth", "    ", False):
        return None
    lines.append("    return True")
    functions.append("\n".join(lines))
    exec("\n\n".join(functions), namespace)  # noqa: S102 - source built from the type alone
    top = t.of if isinstance(t, NonNull) else None
    # A required input object (every mutation's ``input``): its own test, one call less.
    name = objects[top.name] if isinstance(top, InputObject) else None
    accepts: Callable[[object, int], bool] = namespace[name or "accepts"]
    return accepts


def _worded(problems: list[Any]) -> list[Problem]:
    """Return the problems of a pass with every explanation worded (in the order found)."""
    return [(p, e if isinstance(e, str) else e()) for p, e in problems]


class Coercer:
    """One variable's input type, compiled once into a single pass (``coercer``)."""

    __slots__ = ("_accepts", "_step", "type")

    def __init__(self, t: TypeRef) -> None:
        self.type = t
        self._step = _compile(t)
        self._accepts = _accepts(t)

    def __call__(self, value: object, depth: int = 1) -> tuple[object, list[Problem]] | None:
        """Coerce ``value`` (at ``depth`` in the variables); ``None`` if it nests too deep.

        Otherwise the coerced value and graphql-ruby's problems, as ``coerce_value`` finds
        them; ``depth`` is 1 for a variable's value (the variables object is depth 0).
        """
        accepts = self._accepts
        if accepts is not None and accepts(value, depth):
            return value, []  # what the pass gives for it (``_accepts``), without the walk
        problems: list[Any] = []
        try:
            coerced = self._step(value, (), problems, depth)
        except _TooDeepError:
            return None
        return coerced, (_worded(problems) if problems else problems)


@functools.lru_cache(maxsize=1024)
def coercer(t: TypeRef) -> Coercer:
    """Return the compiled coercion of input type ``t`` (built on first use, then cached)."""
    return Coercer(t)


def _json(value: object) -> str:
    """Print ``value`` as graphql-ruby's ``JSON.generate`` does in messages (cut, as ``echo``)."""
    return json.dumps(echo(value), ensure_ascii=False)


def too_deep(value: object) -> bool:
    """Tell whether ``value`` nests lists and objects more than ``MAX_DEPTH`` deep."""
    return _too_deep(value, 0)


def _too_deep(value: object, depth: int) -> bool:
    """Tell whether ``value``, found at ``depth``, holds a list or object at ``MAX_DEPTH``."""
    if not isinstance(value, dict | list | tuple):
        return False  # the common case: a scalar, no stack built
    stack: list[tuple[object, int]] = [(value, depth)]
    while stack:
        current, at = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list | tuple):
            children = current
        else:
            continue
        if at >= MAX_DEPTH:
            return True
        stack.extend((child, at + 1) for child in children)
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


#: Each (operation, era)'s variables with their compiled coercion, by ``id(era)``: hashing
#: an ``Era`` (enums and mappings inside) costs more than the whole pass of a small input.
_OPERATION_COERCERS: dict[tuple[str, int], tuple[Era, tuple[tuple[str, Coercer], ...]]] = {}
_MISSING: Final = object()


def _operation_coercers(operation: str, era: Era) -> tuple[tuple[str, Coercer], ...]:
    """Return ``operation``'s variables in ``era``, each with its compiled coercion."""
    cached = _OPERATION_COERCERS.get((operation, id(era)))
    if cached is not None and cached[0] is era:
        return cached[1]
    built = tuple((name, coercer(t)) for name, t in variable_types(era)[operation])
    _OPERATION_COERCERS[(operation, id(era))] = (era, built)
    return built


def coerce_variables(
    operation: str, variables: object, era: Era
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Coerce ``variables`` for ``operation``; return the values and any error bodies.

    One pass per variable (``coercer``), which also guards the depth: a value nested more
    than ``MAX_DEPTH`` deep anywhere in ``variables`` (declared or not) is the only error.
    """
    given: dict[Any, Any] = variables if isinstance(variables, dict) else {}
    declared = _operation_coercers(operation, era)
    values: dict[str, Any] = {}
    found: list[tuple[str, Coercer, object, list[Problem]]] = []
    present = 0
    for name, coerce in declared:
        raw = given.get(name, _MISSING)
        if raw is _MISSING:
            raw = None
        else:
            present += 1
        outcome = coerce(raw)
        if outcome is None:
            return _nested_too_deep()
        values[name], problems = outcome
        if problems:
            found.append((name, coerce, raw, problems))
    if len(given) > present:  # variables the operation does not declare: guard them too
        names = {name for name, _ in declared}
        if any(_too_deep(v, 1) for k, v in given.items() if k not in names):
            return _nested_too_deep()
    if not found:
        return values, []  # the usual case, without a comprehension's frame
    return values, [variable_error(name, coerce.type, raw, problems)
                    for name, coerce, raw, problems in found]


def _nested_too_deep() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {}, [{
        "message": f"Variables are nested more than {MAX_DEPTH} levels deep.",
        "extensions": {"code": "INVALID_VARIABLE"},
    }]
