"""The generic, two-pass variable coercion the compiled one replaced: the reference in tests.

``too_deep`` over the whole variables first, then ``coerce_value`` walking each value against
its ``TypeRef`` with ``isinstance`` at every step, exactly as ``ledger.shopify.coercion`` did
before each input type was compiled into one pass (``coercion.coercer``). The wording helpers
(``literal``, ``variable_error``, ...) are the library's: only the walk is the reference.
"""

from __future__ import annotations

import math
from typing import Any

from ledger.core.versions import Era
from ledger.shopify.coercion import (
    MAX_DEPTH,
    InputObject,
    ListOf,
    NonNull,
    Problem,
    TypeRef,
    _json,
    _key_text,
    _scalar,
    literal,
    too_deep,
    variable_error,
    variable_types,
)


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
