"""Fast constructors for the engine's own frozen values (core layer).

A frozen attrs class sets each field through ``object.__setattr__`` (about 120 ns a field;
issue 14's profile found the rows, groups and results the engine builds on every call a
tenth of the call). Values the engine builds from data it has already checked need no
validation, so ``maker`` gives such a class a constructor that sets its slots directly:
the object is the same attrs instance, equal, hashed and printed as if built by its
``__init__``, at about half the cost. Only classes whose ``__init__`` does nothing but
store its arguments qualify (no validators, converters, factories or post-init), which
``maker`` checks when it is called, at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """Return ``make(*values)``: a ``cls`` with every field set, in field order, unchecked."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # T is bound to no protocol; any attrs class
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__} must be a slotted attrs class without post-init")
    for field in fields:
        if field.validator is not None or field.converter is not None or not field.init:
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
