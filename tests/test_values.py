"""``ledger.core.values.maker``: slot-by-slot constructors for the engine's frozen values."""

from __future__ import annotations

import attrs
import pytest

from ledger.core.commands import AdjustChange
from ledger.core.journal import QuantityChange
from ledger.core.values import maker


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
