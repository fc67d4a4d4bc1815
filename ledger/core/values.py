"""Fast constructors for the engine's own frozen values (core layer).

A frozen attrs class sets each field through ``object.__setattr__`` (about 120 ns a field;
issue 14's profile found the rows, groups and results the engine builds on every call a
tenth of the call). Values the engine builds from data it has already checked need no
validation, so ``maker`` gives such a class a constructor that sets its slots directly:
the object is the same attrs instance, equal, hashed and printed as if built by its
``__init__``, at about half the cost. Only classes whose ``__init__`` does nothing but
store its arguments qualify (no validators, converters, factories or post-init; a field
the constructor does not take is set to its plain default, as attrs' ``__init__`` does),
which ``maker`` checks when it is called, at import time.

``maker(cls, checked=True)`` also takes a class with validators and converters, for a
caller that hands it values those would let through unchanged: the Shopify codec decoding
variables its coercion has typed (``ledger.shopify.codec.decode``: every validator of a
command checks a type, and coercion gives exactly the GraphQL input types; a property test
rebuilds what it decodes through the validating constructors and compares).

``fast_init(cls)`` is for the other side, values built from a caller's arguments (the
commands and events of the Pythonic interface): it replaces attrs' generated ``__init__``
with one that converts and stores every field as attrs' does, then runs each validator
unless a *shortcut* registered for it (``shortcut``) already shows the value passes, such as
``type(v) is str`` for a validator that asks for a ``str``. The validators stay the only
rules; a shortcut only ever skips a call that would have returned. Issue 14: an
``AdjustChange`` took 1.3 µs through attrs' ``__init__`` (a bound ``__setattr__`` per field,
then a call per validator), about a tenth of a change in a 250-change adjust; ~0.6 µs now.
``attrs.validators.set_disabled`` does not reach these constructors: they always validate.

``builder(cls)`` gives the same converting and validating body as a plain function of every
field, ``build(*values)``, for the engine's own entry points that build such values from a
caller's arguments (the Pythonic mutation methods, a platform event and its lines): calling
the class costs ``type.__call__``, ``object.__new__`` and the keyword binding of
``__init__`` on top, about 150 ns a value (issue 14: 4.4% of a placed-and-fulfilled order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

T = TypeVar("T")
C = TypeVar("C", bound=type)

#: Per validator, an expression over ``v`` whose truth proves the validator would pass.
_SHORTCUTS: dict[object, str] = {}
#: Names the shortcut expressions may use besides builtins (``shortcut(..., names=)``).
_SHORTCUT_NAMES: dict[str, object] = {}
#: attrs' own ``__init__`` of every class ``fast_init`` rebuilt (the tests compare the two).
ORIGINAL_INIT: dict[type, Callable[..., None]] = {}
_INSTANCE_OF: Final = type(attrs.validators.instance_of(int))


def shortcut(validator: object, expression: str, **names: object) -> None:
    """Register ``expression`` (over ``v``) as proof that ``validator`` passes for ``v``.

    It must imply the validator returns: ``type(v) is str`` for a validator that refuses
    anything but a ``str``. ``names`` are globals the expression uses (``ABSENT``).
    """
    _SHORTCUTS[validator] = expression
    _SHORTCUT_NAMES.update(names)


def _proof(validator: object) -> str | None:
    expression = _SHORTCUTS.get(validator)
    if expression is not None:
        return expression
    # attrs.validators.instance_of(one class): a value of exactly that class passes.
    kind = getattr(validator, "type", None)
    if isinstance(validator, _INSTANCE_OF) and isinstance(kind, type):
        _SHORTCUT_NAMES[f"_kind_{kind.__name__}_{id(kind)}"] = kind
        return f"type(v) is _kind_{kind.__name__}_{id(kind)}"
    return None


def _require_slotted(cls: type) -> None:
    """Refuse a class whose slots cannot be set one by one, or that has a post-init step."""
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__} must be a slotted attrs class without post-init")


def _validating_body(cls: type) -> tuple[dict[str, Any], list[str], str]:
    """The parts of a constructor that converts, stores and validates as attrs' does.

    Returns the namespace the source needs, the parameters (with their defaults) and the
    body over ``self``: every field converted and stored in field order, then every
    validator in field order (so a validator may read the other fields), skipped only when
    its shortcut holds. ``cls`` must be slotted and keyword-only, with plain defaults or
    factories that take no ``self``, and no post-init.
    """
    fields = attrs.fields(cls)
    _require_slotted(cls)
    namespace: dict[str, Any] = {}
    params, sets, checks = [], [], []
    for n, field in enumerate(fields):
        if not field.init or not field.kw_only:
            raise TypeError(f"{cls.__name__}.{field.name}: only keyword-only init fields")
        alias = field.alias
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # Factory is a class
            if default.takes_self:
                raise TypeError(f"{cls.__name__}.{field.name}: a factory that takes self")
            namespace[f"_factory{n}"] = default.factory
            namespace[f"_unset{n}"] = _UNSET
            params.append(f"{alias}=_unset{n}")
            sets.append(f"    if {alias} is _unset{n}:\n        {alias} = _factory{n}()\n")
        elif default is attrs.NOTHING:
            params.append(alias)
        else:
            namespace[f"_default{n}"] = default
            params.append(f"{alias}=_default{n}")
        if field.converter is not None:
            namespace[f"_convert{n}"] = field.converter
            sets.append(f"    {alias} = _convert{n}({alias})\n")
        namespace[f"_set{n}"] = getattr(cls, field.name).__set__
        sets.append(f"    _set{n}(self, {alias})\n")
        if field.validator is not None:
            namespace[f"_check{n}"] = field.validator
            namespace[f"_field{n}"] = field
            call = f"_check{n}(self, _field{n}, {alias})"
            proof = _proof(field.validator)
            if proof is None:
                checks.append(f"    {call}\n")
            else:
                checks.append(f"    v = {alias}\n    if not ({proof}):\n        {call}\n")
    namespace.update(_SHORTCUT_NAMES)
    return namespace, params, "".join(sets) + "".join(checks)


def fast_init(cls: C) -> C:
    """Give the attrs class ``cls`` an ``__init__`` that validates through shortcuts.

    The same keyword-only signature, defaults, converters and validators as attrs'
    ``__init__``, in attrs' order (``_validating_body``).
    """
    namespace, params, body = _validating_body(cls)
    source = f"def __init__(self, *, {', '.join(params)}):\n{body}"
    exec(source, namespace)  # noqa: S102 - built from field names and registered proofs
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    original: Callable[..., None] = cls.__dict__["__init__"]
    init.__doc__ = original.__doc__
    init.__annotations__ = dict(original.__annotations__)
    ORIGINAL_INIT[cls] = original
    type.__setattr__(cls, "__init__", init)  # attrs' generated method, replaced on purpose
    return cls


def builder(cls: type[T]) -> Callable[..., T]:
    """Return ``build(*values)``: ``cls(**fields)`` from every field's value in field order.

    It converts, stores and validates exactly as ``fast_init``'s ``__init__`` (the same
    generated body), but is a plain function: calling the class goes through
    ``type.__call__``, ``object.__new__`` and the keyword arguments of ``__init__``, about
    150 ns a value (a platform event builds one per line). For the engine's own callers,
    which pass every field: in field order, or by name.
    """
    namespace, params, body = _validating_body(cls)
    namespace.update({"_new": object.__new__, "_cls": cls})
    names = [param.partition("=")[0] for param in params]
    source = (f"def build({', '.join(names)}):\n    self = _new(_cls)\n{body}"
              "    return self\n")
    exec(source, namespace)  # noqa: S102 - built from field names and registered proofs
    build: Callable[..., T] = namespace["build"]
    build.__qualname__ = f"build_{cls.__qualname__}"
    build.__doc__ = f"Build a {cls.__name__} from every field in order, validated."
    return build


#: A keyword argument not given (for fields whose default is a factory).
_UNSET: Final = object()


def maker(cls: type[T], *, checked: bool = False) -> Callable[..., T]:
    """Return ``make(*values)``: a ``cls`` with every field set, in field order, unchecked.

    ``checked``: the caller's values already pass the class's validators and need no
    converter (see the module docstring); without it such a class is refused.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # T is bound to no protocol; any attrs class
    _require_slotted(cls)
    names, fixed = [], []
    for field in fields:
        if not field.init:
            # A field the constructor does not take is set to its plain default, as attrs' is.
            if field.default is attrs.NOTHING or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]  # Factory is a class
                raise TypeError(f"{cls.__name__}.{field.name} has no plain default: no maker")
            fixed.append(field)
            continue
        if not checked and (field.validator is not None or field.converter is not None):
            raise TypeError(f"{cls.__name__}.{field.name} validates or converts: no maker")
        names.append(field.name)
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{f.name}": getattr(cls, f.name).__set__ for f in fields})
    namespace.update({f"_default_{f.name}": f.default for f in fixed})
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    body += "".join(f"    _set_{f.name}(self, _default_{f.name})\n" for f in fixed)
    source = (f"def make({', '.join(names)}):\n    self = _new(_cls)\n{body}    return self\n")
    exec(source, namespace)  # noqa: S102 - the source is built above from field names only
    make: Callable[..., T] = namespace["make"]
    make.__doc__ = f"Build a {cls.__name__} from its fields in order, unchecked."
    return make
