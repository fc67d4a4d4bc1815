"""Fast constructors for the engine's own frozen values (core layer).

A frozen attrs class sets each field through ``object.__setattr__`` (about 120 ns a field;
issue 14's profile found the rows, groups and results the engine builds on every call a
tenth of the call). Values the engine builds from data it has already checked need no
validation, so ``maker`` gives such a class a constructor that sets its slots directly:
the object is the same attrs instance, equal, hashed and printed as if built by its
``__init__``, at about half the cost. Only classes whose ``__init__`` does nothing but
store its arguments qualify (no validators, converters, factories or post-init), which
``maker`` checks when it is called, at import time.

``maker(cls, checked=True)`` also takes a class with validators and converters, for a
caller that hands it values those would let through unchanged: the Shopify codec decoding
variables its coercion has typed (``ledger.shopify.codec.decode``: every validator of a
command checks a type, and coercion gives exactly the GraphQL input types; a property test
rebuilds what it decodes through the validating constructors and compares).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def maker(cls: type[T], *, checked: bool = False) -> Callable[..., T]:
    """Return ``make(*values)``: a ``cls`` with every field set, in field order, unchecked.

    ``checked``: the caller's values already pass the class's validators and need no
    converter (see the module docstring); without it such a class is refused.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # T is bound to no protocol; any attrs class
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__} must be a slotted attrs class without post-init")
    for field in fields:
        if not field.init or (not checked and (field.validator is not None
                                               or field.converter is not None)):
            raise TypeError(f"{cls.__name__}.{field.name} validates or converts: no maker")
    names = [field.name for field in fields]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{name}": getattr(cls, name).__set__ for name in names})
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    source = (f"def make({', '.join(names)}):\n    self = _new(_cls)\n{body}    return self\n")
    exec(source, namespace)  # noqa: S102 - the source is built above from field names only
    make: Callable[..., T] = namespace["make"]
    make.__doc__ = f"Build a {cls.__name__} from its fields in order, unchecked."
    return make
