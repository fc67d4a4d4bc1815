"""inventoryDeactivate (ledger/core/mutations/deactivate.py): its user errors, through
``Ledger.execute``, and what it keeps or clears by era (semantics §9, §13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger import Ledger
from ledger.core.errors import ADJUST
from ledger.core.versions import ERAS
from tests.test_activate import activate, level_id
from tests.test_mutations import (
    I1,
    I2,
    L1,
    L2,
    NOT_STOCKED_MESSAGE,
    C,
    _ch,
    _error,
    adjust,
    call,
    change,
    new_ledger,
)

DEACTIVATE = "inventoryDeactivate"


def deactivate(ledger: Ledger, level_id: str) -> list[dict[str, Any]]:
    payload = ledger.execute(DEACTIVATE, {"inventoryLevelId": level_id})
    assert set(payload["data"][DEACTIVATE]) == {"userErrors"}
    errors: list[dict[str, Any]] = payload["data"][DEACTIVATE]["userErrors"]
    return errors




def test_a_deactivated_then_reactivated_level_comes_back_with_its_id_and_quantities() -> None:
    ledger = new_ledger("2026-04")
    assert activate(ledger, I1, L2, available=4)["userErrors"] == []
    first = level_id(ledger, I1, L2)
    assert deactivate(ledger, first) == []
    assert ledger.quantities(I1, L2)["available"] == 4
    again = activate(ledger, I1, L2)
    assert again["inventoryLevel"]["id"] == first
    assert ledger.quantities(I1, L2)["available"] == 4


def test_deactivating_a_level_when_another_is_active_keeps_its_quantities() -> None:
    ledger = new_ledger("2026-04")
    assert activate(ledger, I1, L2)["userErrors"] == []
    target = level_id(ledger, I1, L1)
    assert deactivate(ledger, target) == []
    level = ledger.level(I1, L1)
    assert level is not None
    assert level.is_active is False
    assert ledger.quantities(I1, L1)["available"] == 5
    assert ledger.quantities(I1, L1)["damaged"] == 3
    # From 2026-04 an inactive level takes quantity changes as an active one (§13) ...
    body = call(ledger, ADJUST, adjust(change()), ERAS["2026-04"])
    assert body["data"][ADJUST]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 6
    level = ledger.level(I1, L1)
    assert level is not None
    assert level.is_active is False  # ... and stays inactive
    # ... but not in a 2026-01 call, whatever version deactivated it.
    body = ledger.execute(ADJUST, adjust(change(changeFromQuantity=None)),
                          api_version="2026-01")
    assert body["data"][ADJUST]["userErrors"] == [
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _ch(0, "locationId"), NOT_STOCKED_MESSAGE)
    ]


def test_deactivating_an_inactive_level_succeeds_and_changes_nothing() -> None:
    ledger = new_ledger("2026-04")
    before = ledger.snapshot()
    assert deactivate(ledger, level_id(ledger, I2, L2)) == []
    assert ledger.snapshot() == before


DEACTIVATE_ERRORS = [
    pytest.param(
        lambda ledger: level_id(ledger, I1, L1),
        "The product couldn't be unstocked from Shop location because products need to be "
        "stocked at a minimum of 1 location.",
        id="the only active level cannot be deactivated"),
    pytest.param(
        lambda ledger: level_id(ledger, I2, L1),
        "The product couldn't be unstocked from Shop location because products need to be "
        "stocked at a minimum of 1 location.",
        id="an inactive level elsewhere does not count as stocked"),
    pytest.param(
        lambda ledger: "gid://shopify/InventoryLevel/77?inventory_item_id=9",
        "The product couldn't be unstocked because the product was deleted.",
        id="an unknown level of an unknown item was deleted with its product"),
    pytest.param(
        lambda ledger: "gid://shopify/InventoryLevel/77?inventory_item_id=1",
        "The product couldn't be unstocked because the location was deleted.",
        id="an unknown level of a known item was deleted with its location"),
    pytest.param(
        lambda ledger: "gid://shopify/Location/1",
        "The product couldn't be unstocked because the product was deleted.",
        id="a malformed level id names no item"),
]


@pytest.mark.parametrize(("target", "message"), DEACTIVATE_ERRORS)
def test_deactivate_user_errors_have_a_null_field_and_no_code(
    target: Callable[[Ledger], str], message: str
) -> None:
    ledger = new_ledger("2026-04")
    before = ledger.snapshot()
    assert deactivate(ledger, target(ledger)) == [{"field": None, "message": message}]
    assert ledger.snapshot() == before
