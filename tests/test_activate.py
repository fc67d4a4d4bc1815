"""inventoryActivate (ledger/core/mutations/activate.py): its user errors, through
``Ledger.execute``, and its successful paths by era (semantics §9)."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import Ledger
from ledger.core.versions import ERAS, Presence
from tests.support import FakeClock
from tests.test_mutations import (
    I1,
    I2,
    I9,
    ITEM_MESSAGE,
    L1,
    L2,
    L9,
    LOCATION_MESSAGE,
    _fresh_keys,
    new_ledger,
)

ACTIVATE = "inventoryActivate"
BOTH = "not allowed to set available and on_hand quantities at the same time."
RANGE = "the quantity needs to be between -1 billion and 1 billion."


def activate(ledger: Ledger, item: str, location: str, **extra: Any) -> dict[str, Any]:
    """Run inventoryActivate, with a fresh key where the era requires one (from 2026-04)."""
    era = ERAS[ledger.api_version]
    key = f"activate-{next(_fresh_keys)}" if era.activate_idempotency is Presence.REQUIRED else None
    payload = ledger.execute(ACTIVATE, {"inventoryItemId": item, "locationId": location, **extra},
                             idempotency_key=key)
    result: dict[str, Any] = payload["data"][ACTIVATE]
    return result


def level_id(ledger: Ledger, item: str, location: str) -> str:
    level = ledger.level(item, location)
    assert level is not None
    return level.id


ACTIVATE_ERRORS = [
    pytest.param(I9, L1, {}, None,
                 [{"field": ["inventoryItemId"], "message": ITEM_MESSAGE}],
                 id="an unknown item is not found"),
    pytest.param(I1, L9, {}, None,
                 [{"field": ["locationId"], "message": LOCATION_MESSAGE}],
                 id="an unknown location is not found"),
    pytest.param(I9, L9, {"available": 1, "onHand": 1}, None,
                 [{"field": ["inventoryItemId"], "message": ITEM_MESSAGE},
                  {"field": ["locationId"], "message": LOCATION_MESSAGE}],
                 id="unknown item and location are both reported and nothing else"),
    pytest.param(I1, L2, {"available": 1, "onHand": 2}, None,
                 [{"field": ["available"],
                   "message": f"The product couldn't be stocked at Location 2 because {BOTH}"},
                  {"field": ["onHand"],
                   "message": f"The product couldn't be stocked at Location 2 because {BOTH}"}],
                 id="available and onHand together are refused on both fields"),
    pytest.param(I1, L2, {"available": 1_000_000_001}, None,
                 [{"field": ["available"],
                   "message": f"The product couldn't be stocked at Location 2 because {RANGE}"}],
                 id="available above a billion is refused"),
    pytest.param(I2, L2, {"onHand": -1_000_000_001}, None,
                 [{"field": ["onHand"],
                   "message": f"The product couldn't be stocked at Location 2 because {RANGE}"}],
                 id="onHand below minus a billion is refused on reactivation too"),
    pytest.param(I1, L1, {"onHand": 4}, (I1, L1),
                 [{"field": ["onHand"],
                   "message": "Not allowed to set an on_hand quantity when the item is already "
                              "active at the location."}],
                 id="onHand on an active level is refused and the level is returned"),
    pytest.param(I1, L1, {"available": 4}, (I1, L1),
                 [{"field": ["available"],
                   "message": "Not allowed to set available quantity when the item is already "
                              "active at the location."}],
                 id="available on an active level is refused and the level is returned"),
    pytest.param(I1, L1, {"available": 1, "onHand": 1}, (I1, L1),
                 [{"field": ["available"],
                   "message": f"The product couldn't be stocked at Shop location because {BOTH}"},
                  {"field": ["onHand"],
                   "message": f"The product couldn't be stocked at Shop location because {BOTH}"}],
                 id="on an active level, giving both is reported as both, with the level"),
]


@pytest.mark.parametrize(("item", "location", "extra", "returned", "errors"), ACTIVATE_ERRORS)
@pytest.mark.parametrize("version", ["2025-01", "2026-04"])
def test_activate_user_errors_have_a_field_and_message_but_no_code(
    version: str, item: str, location: str, extra: dict[str, Any],
    returned: tuple[str, str] | None, errors: list[dict[str, Any]],
) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    expected_level = None
    if returned is not None:
        view = ledger.level(*returned)
        assert view is not None
        expected_level = view.id
    payload = activate(ledger, item, location, **extra)
    assert payload["userErrors"] == errors
    if expected_level is None:
        assert payload["inventoryLevel"] is None
    else:
        assert payload["inventoryLevel"]["id"] == expected_level
        # isActive exists from 2026-04 (semantics §13).
        assert payload["inventoryLevel"].get("isActive") is (
            True if ERAS[version].is_active_field else None)
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 0


def test_an_activation_refused_on_an_active_level_returns_it_unchanged() -> None:
    ledger = new_ledger("2026-04")
    payload = activate(ledger, I1, L1, onHand=4)
    level = payload["inventoryLevel"]
    assert level["location"] == {"id": L1, "name": "Shop location"}
    assert {q["name"]: q["quantity"] for q in level["quantities"]} == ledger.quantities(I1, L1)
    assert ledger.quantities(I1, L1)["on_hand"] == 8


def test_a_fresh_activation_creates_an_active_level_with_zeros() -> None:
    clock = FakeClock()
    ledger = new_ledger("2026-04", clock)
    payload = activate(ledger, I1, L2)
    assert payload["userErrors"] == []
    level = payload["inventoryLevel"]
    assert level["id"] == "gid://shopify/InventoryLevel/5?inventory_item_id=1"
    assert level["isActive"] is True
    assert level["item"] == {"id": I1}
    assert level["location"] == {"id": L2, "name": "Location 2"}
    assert level["quantities"] == [
        {"name": name, "quantity": 0, "updatedAt": None}
        for name in ("available", "committed", "damaged", "incoming", "on_hand",
                     "quality_control", "reserved", "safety_stock")
    ]
    assert len(ledger.journal) == 0


@pytest.mark.parametrize(("given", "value"), [("available", 4), ("onHand", 6), ("available", -3)])
def test_a_fresh_activation_seeds_available_or_on_hand(given: str, value: int) -> None:
    clock = FakeClock()
    ledger = new_ledger("2026-04", clock)
    payload = activate(ledger, I1, L2, **{given: value})
    assert payload["userErrors"] == []
    quantities = {q["name"]: q for q in payload["inventoryLevel"]["quantities"]}
    assert quantities["available"] == {"name": "available", "quantity": value,
                                       "updatedAt": "2026-06-25T00:00:00Z"}
    assert quantities["on_hand"] == {"name": "on_hand", "quantity": value, "updatedAt": None}
    assert ledger.quantities(I1, L2)["available"] == value


def test_activation_accepts_quantities_at_exactly_a_billion() -> None:
    ledger = new_ledger("2026-04")
    assert activate(ledger, I1, L2, available=1_000_000_000)["userErrors"] == []
    ledger = new_ledger("2026-04")
    assert activate(ledger, I1, L2, onHand=-1_000_000_000)["userErrors"] == []


def test_reactivation_keeps_the_quantities_and_the_level_id() -> None:
    ledger = new_ledger("2026-04")
    kept = level_id(ledger, I2, L2)
    payload = activate(ledger, I2, L2)
    assert payload["userErrors"] == []
    assert payload["inventoryLevel"]["id"] == kept
    assert payload["inventoryLevel"]["isActive"] is True
    assert ledger.quantities(I2, L2)["available"] == 7


def test_reactivation_with_available_sets_that_quantity() -> None:
    ledger = new_ledger("2026-04")
    kept = level_id(ledger, I2, L2)
    payload = activate(ledger, I2, L2, available=3)
    assert payload["userErrors"] == []
    assert payload["inventoryLevel"]["id"] == kept
    assert ledger.quantities(I2, L2)["available"] == 3
    assert ledger.quantities(I2, L2)["on_hand"] == 3
