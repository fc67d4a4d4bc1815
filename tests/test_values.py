"""``ledger.core.values``: ``maker``'s slot-by-slot constructors and ``fast_init``'s shortcuts."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from ledger.core.events import EventKind, EventLine, PlatformEvent
from ledger.core.journal import QuantityChange
from ledger.core.values import ORIGINAL_INIT, builder, fast_init, maker


class _Str(str):
    """A str subclass: a str to the validators, not ``type(v) is str``."""


class _Int(int):
    """An int subclass: an int to the validators, not ``type(v) is int``."""


def test_a_made_value_equals_hashes_and_prints_as_the_one_its_constructor_builds() -> None:
    fields = {"name": "available", "delta": 2, "quantity_after_change": 7,
              "ledger_document_uri": None, "item_id": "i", "location_id": "l",
              "location_name": "n"}
    made = maker(QuantityChange)(*fields.values())
    built = QuantityChange(**fields)
    assert type(made) is QuantityChange
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.delta = 3  # type: ignore[misc]


def test_a_class_that_validates_gets_a_maker_only_from_a_caller_that_has_checked() -> None:
    with pytest.raises(TypeError, match="validates or converts"):
        maker(AdjustChange)
    make = maker(AdjustChange, checked=True)
    assert make("i", "l", 1, None, 5) == AdjustChange(item_id="i", location_id="l", delta=1,
                                                      change_from_quantity=5)


def test_a_class_without_slots_or_with_a_post_init_gets_no_maker() -> None:
    @attrs.frozen(slots=False)
    class Loose:
        a: int

    @attrs.frozen
    class Hooked:
        a: int

        def __attrs_post_init__(self) -> None:
            pass

    for cls in (Loose, Hooked):
        with pytest.raises(TypeError, match="slotted attrs class without post-init"):
            maker(cls)


# ---------------------------------------------------------------- fast_init

_COMMAND_CLASSES = (AdjustChange, Adjust, MoveTerminal, MoveChange, Move, SetQuantity,
                    SetQuantities, SetOnHand, Activate, Deactivate, BulkToggleActivation,
                    EventLine, PlatformEvent)

#: Values of every kind a caller might pass, the awkward ones included: bool is an int,
#: a str subclass is a str, ABSENT and None are markers, lists convert to tuples.
_SCALARS = st.one_of(
    st.sampled_from([None, ABSENT, True, False, 0, -1, 2**40, 1.5, "", "x", b"x",
                     "gid://shopify/InventoryItem/1", EventKind.ORDER_PLACED]),
    st.integers(), st.text(max_size=5), st.builds(_Str, st.text(max_size=3)),
    st.builds(_Int, st.integers()),
)


_TERMINAL = st.builds(MoveTerminal, location_id=st.just("l"), name=st.just("available"))


def _value(cls: type) -> st.SearchStrategy[object]:
    """A value for any field: a scalar, or a list or tuple of nested values."""
    nested = st.deferred(lambda: st.one_of(*(st.builds(c, **_kwargs(c)) for c in
                                            (AdjustChange, MoveTerminal, SetQuantity,
                                             EventLine))))
    pair = st.tuples(_SCALARS, _SCALARS)
    return st.one_of(_SCALARS, nested, st.lists(st.one_of(_SCALARS, nested, pair), max_size=3),
                     st.tuples(_SCALARS, _SCALARS, _SCALARS))


def _kwargs(cls: type) -> dict[str, st.SearchStrategy[object]]:
    """Well-typed keyword arguments for ``cls`` (the ``good`` half of the test's draws)."""
    good: dict[str, st.SearchStrategy[object]] = {}
    for field in attrs.fields(cls):
        if field.default is not attrs.NOTHING:
            continue
        good[field.alias] = {
            "item_id": st.just("gid://shopify/InventoryItem/1"),
            "location_id": st.just("gid://shopify/Location/1"), "name": st.just("available"),
            "reason": st.just("correction"), "delta": st.integers(-5, 5),
            "quantity": st.integers(0, 5), "level_id": st.just("x"),
            "reference_document_uri": st.just("sim://1"), "kind": st.just(EventKind.ORDER_PLACED),
            "from_": _TERMINAL, "to": _TERMINAL,
        }.get(field.alias, st.just(()))
    return good


def _outcome(build: Callable[[], object]) -> tuple[str, object]:
    try:
        value = build()
    except Exception as error:  # both sides' failures are compared, whatever they are
        return (type(error).__name__, str(error))
    return ("ok", (type(value), attrs.astuple(value, recurse=False)))


@given(data=st.data())
def test_every_command_built_by_its_fast_init_is_what_attrs_own_init_builds(
        data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(_COMMAND_CLASSES))
    names = [f.alias for f in attrs.fields(cls)]
    given_names = data.draw(st.lists(st.sampled_from(names), unique=True))
    kwargs = {name: data.draw(_value(cls)) for name in given_names}
    if data.draw(st.booleans()):  # half the time, start from a well-typed call
        kwargs = {**data.draw(st.fixed_dictionaries(_kwargs(cls))), **kwargs}

    def original() -> object:
        made = object.__new__(cls)
        ORIGINAL_INIT[cls](made, **kwargs)
        return made

    assert _outcome(lambda: cls(**kwargs)) == _outcome(original)


@attrs.frozen(kw_only=True)
class _SubChange(AdjustChange):
    """A subclass passes an ``isinstance`` check, but no ``type(v) is`` shortcut."""


_AWKWARD = (None, ABSENT, True, False, 0, -1, 2**70, 1.5, "", "x", b"x", _Str("x"), _Int(3),
            EventKind.ORDER_PLACED, [], (), ["x"], [("l", True)], [("l", 1)],
            [AdjustChange(item_id="i", location_id="l", delta=1)],
            [AdjustChange(item_id="i", location_id="l", delta=1), "x"],
            [_SubChange(item_id="i", location_id="l", delta=1)], object())
_BASE = {
    AdjustChange: {"item_id": "i", "location_id": "l", "delta": 1},
    Adjust: {"name": "available", "reason": "correction", "changes": ()},
    MoveTerminal: {"location_id": "l", "name": "available"},
    MoveChange: {"item_id": "i", "quantity": 1,
                 "from_": MoveTerminal(location_id="l", name="available"),
                 "to": MoveTerminal(location_id="l", name="damaged")},
    Move: {"reason": "correction", "reference_document_uri": "sim://1", "changes": ()},
    SetQuantity: {"item_id": "i", "location_id": "l", "quantity": 1},
    SetQuantities: {"name": "available", "reason": "correction", "quantities": ()},
    SetOnHand: {"reason": "correction", "quantities": ()},
    Activate: {"item_id": "i", "location_id": "l"},
    Deactivate: {"level_id": "x"},
    BulkToggleActivation: {"item_id": "i", "updates": ()},
    EventLine: {"item_id": "i", "location_id": "l", "quantity": 1},
    PlatformEvent: {"kind": EventKind.ORDER_PLACED, "reference_document_uri": "sim://1",
                    "lines": ()},
}


@pytest.mark.parametrize("cls", _COMMAND_CLASSES, ids=lambda c: c.__name__)
def test_each_field_given_each_awkward_value_fails_or_passes_as_under_attrs_own_init(
        cls: type) -> None:
    base = _BASE[cls]
    cases = [dict(base)] + [{**base, field.alias: value} for field in attrs.fields(cls)
                            for value in _AWKWARD]
    for kwargs in cases:
        def original(kwargs: dict[str, object] = kwargs) -> object:
            made = object.__new__(cls)
            ORIGINAL_INIT[cls](made, **kwargs)
            return made

        assert _outcome(lambda kwargs=kwargs: cls(**kwargs)) == _outcome(original), kwargs


def _default(field: attrs.Attribute[object]) -> object:
    default: Any = field.default
    return default.factory() if isinstance(default, attrs.Factory) else default  # type: ignore[arg-type]  # Factory is a class


@pytest.mark.parametrize("cls", _COMMAND_CLASSES, ids=lambda c: c.__name__)
def test_a_builder_given_each_awkward_value_fails_or_passes_as_under_attrs_own_init(
        cls: type) -> None:
    build = builder(cls)
    fields = attrs.fields(cls)
    base = _BASE[cls]
    cases = [dict(base)] + [{**base, field.alias: value} for field in fields
                            for value in _AWKWARD]
    for kwargs in cases:
        # Every field, in field order: the builder's positional call.
        every = {f.alias: kwargs[f.alias] if f.alias in kwargs else _default(f) for f in fields}

        def original(every: dict[str, object] = every) -> object:
            made = object.__new__(cls)
            ORIGINAL_INIT[cls](made, **every)
            return made

        assert _outcome(lambda every=every: build(*every.values())) == _outcome(original), every
        assert _outcome(lambda every=every: build(**every)) == _outcome(original), every


def test_every_command_and_event_class_has_a_fast_init() -> None:
    for cls in _COMMAND_CLASSES:
        assert cls in ORIGINAL_INIT
        assert cls.__init__ is not ORIGINAL_INIT[cls]  # type: ignore[misc]  # comparing methods
        assert inspect.signature(cls.__init__) == inspect.signature(ORIGINAL_INIT[cls])  # type: ignore[misc]


def test_fast_init_refuses_classes_it_cannot_rebuild_faithfully() -> None:
    @attrs.frozen
    class Positional:
        a: int

    @attrs.frozen(kw_only=True)
    class SelfFactory:
        a: int = attrs.field(default=attrs.Factory(lambda self: 1, takes_self=True))

    with pytest.raises(TypeError, match="keyword-only"):
        fast_init(Positional)
    with pytest.raises(TypeError, match="factory that takes self"):
        fast_init(SelfFactory)


def test_a_validator_with_no_shortcut_still_runs_and_reads_the_other_fields() -> None:
    seen: list[object] = []

    def _after_a(instance: object, _attribute: object, value: object) -> None:
        seen.append((instance.a, value))  # type: ignore[attr-defined]  # the class below
        if value == 0:
            raise ValueError("b must not be 0")

    @attrs.frozen(kw_only=True)
    class Pair:
        a: str = attrs.field(validator=attrs.validators.instance_of(str))
        b: int = attrs.field(default=1, validator=_after_a, converter=int)
        c: list[int] = attrs.field(factory=list)

    fast_init(Pair)
    assert Pair(a="x", b="7") == Pair(a="x", b=7)  # type: ignore[arg-type]  # converted
    assert seen == [("x", 7), ("x", 7)]
    assert Pair(a="x").c == []
    assert Pair(a="x").c is not Pair(a="x").c
    with pytest.raises(ValueError, match="must not be 0"):
        Pair(a="x", b=0)
    with pytest.raises(TypeError, match="'a' must be <class 'str'>"):
        Pair(a=3)  # type: ignore[arg-type]  # the point of the test
