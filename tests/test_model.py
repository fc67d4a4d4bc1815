"""``ledger.core.model``: levels keep what they need of their ids; a state finds them by id."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.core.invariants import check
from ledger.core.model import Level, level_ref, made_ref, make_level_id
from tests.support import ITEM, LOCATION, store

I1, I2 = ITEM.format(1), ITEM.format(2)
L1, L2 = LOCATION.format(1), LOCATION.format(2)


def test_an_id_in_shopifys_form_for_its_item_is_kept_as_its_number() -> None:
    assert level_ref(make_level_id(7, I1), I1) == 7
    assert made_ref(7, I1) == 7
    level = Level(7, I1, L1, True)
    assert level.id == make_level_id(7, I1) == "gid://shopify/InventoryLevel/7?inventory_item_id=1"
    assert level.number == 7


@pytest.mark.parametrize("level_id", [
    "gid://shopify/InventoryLevel/7",  # no item
    "gid://shopify/InventoryLevel/7?inventory_item_id=1&extra=x",  # more than the item
    "gid://shopify/InventoryLevel/7?inventory_item_id=2",  # another item
])
def test_an_id_in_any_other_form_is_kept_whole(level_id: str) -> None:
    assert level_ref(level_id, I1) == level_id
    level = Level(level_ref(level_id, I1), I1, L1, True)
    assert level.id == level_id
    assert level.number == 7


def test_an_item_id_that_is_no_gid_keeps_the_made_level_id_whole() -> None:
    ref = made_ref(3, "not-a-gid")
    assert isinstance(ref, str)
    assert Level(ref, "not-a-gid", L1, True).id == ref


def _snapshot_with_ids() -> dict[str, object]:
    snapshot = store(items=2, locations=2, stocked={(1, 1): {"available": 1},
                                                    (1, 2): {"available": 2},
                                                    (2, 1): {"available": 3}})
    levels = snapshot["inventoryLevels"]
    assert isinstance(levels, list)
    levels[0]["id"] = "gid://shopify/InventoryLevel/50"  # Shopify's number, no item
    levels[1]["id"] = "gid://shopify/InventoryLevel/51?inventory_item_id=1"
    return snapshot  # the third gets the ledger's own id


def test_every_level_is_found_by_its_id_whatever_its_form_and_only_by_it() -> None:
    ledger = Ledger.from_snapshot(_snapshot_with_ids(), api_version="2026-04")
    state = ledger._state
    ids = {(lv.item_id, lv.location_id): lv.id for lv in state.levels()}
    assert ids == {(I1, L1): "gid://shopify/InventoryLevel/50",
                   (I1, L2): "gid://shopify/InventoryLevel/51?inventory_item_id=1",
                   (I2, L1): "gid://shopify/InventoryLevel/52?inventory_item_id=2"}
    for (item, location), level_id in ids.items():
        found = state.level_with_id(level_id)
        assert found is state.level(item, location)
        view = ledger.level_by_id(level_id)
        assert view is not None
        assert view.id == level_id
    for wrong in ("gid://shopify/InventoryLevel/50?inventory_item_id=1",  # not as given
                  "gid://shopify/InventoryLevel/51",
                  "gid://shopify/InventoryLevel/52?inventory_item_id=1",  # another item's
                  "gid://shopify/InventoryLevel/99?inventory_item_id=2",
                  "gid://shopify/InventoryLevel/52?inventory_item_id=2&x=1",
                  "gid://shopify/InventoryItem/2", "", "junk"):
        assert state.level_with_id(wrong) is None, wrong
    check(ledger)


def test_a_level_made_after_loading_gets_the_next_number_and_is_found_by_its_id() -> None:
    ledger = Ledger.from_snapshot(_snapshot_with_ids(), api_version="2026-04")
    result = ledger.activate(item_id=I2, location_id=L2, idempotency_key="a")
    assert result.ok
    level = ledger._state.level(I2, L2)
    assert level is not None
    assert level.id == "gid://shopify/InventoryLevel/53?inventory_item_id=2"
    assert ledger._state.level_with_id(level.id) is level
    check(ledger)


def test_a_fork_finds_its_own_copy_of_a_level_by_id_and_the_parent_its_own() -> None:
    parent = Ledger.from_snapshot(_snapshot_with_ids(), api_version="2026-04")
    child = parent.fork()
    level_id = "gid://shopify/InventoryLevel/50"
    assert child.deactivate(level_id=level_id).ok
    child_level = child._state.level_with_id(level_id)
    parent_level = parent._state.level_with_id(level_id)
    assert child_level is not None
    assert parent_level is not None
    assert child_level is not parent_level
    assert (child_level.active, parent_level.active) == (False, True)
    check(parent)
    check(child)


def test_levels_with_ids_in_any_form_come_back_from_a_durable_store_with_their_times(
        tmp_path: Path) -> None:
    from ledger.core.clock import ManualClock
    from ledger.core.commands import AdjustChange
    from ledger.durable import open_ledger

    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    path = tmp_path / "store"
    with open_ledger(path, snapshot=_snapshot_with_ids(), api_version="2026-04",
                     clock=clock, snapshot_every=2) as ledger:
        for k, (item, location) in enumerate([(I1, L1), (I1, L2), (I2, L1)]):
            clock.advance(60)
            assert ledger.adjust(name="available", reason="correction",
                                 idempotency_key=f"k{k}", changes=[AdjustChange(
                                     item_id=item, location_id=location, delta=1,
                                     change_from_quantity=k + 1)]).ok
        before = ledger.snapshot()
        views = {lv.id: ledger.level_by_id(lv.id) for lv in ledger._state.levels()}
    with open_ledger(path, clock=clock) as again:
        assert again.snapshot() == before
        assert {level_id: again.level_by_id(level_id) for level_id in views} == views
        check(again)


def test_a_write_after_a_fork_copies_the_item_and_its_levels_and_leaves_the_other_side_alone(
) -> None:
    from ledger.core.commands import AdjustChange

    parent = Ledger.from_snapshot(_snapshot_with_ids(), api_version="2026-04")
    before = {(lv.item_id, lv.location_id): lv for lv in parent._state.levels()}
    child = parent.fork()
    assert child.adjust(name="available", reason="correction", idempotency_key="c",
                        changes=[AdjustChange(item_id=I1, location_id=L1, delta=5,
                                              change_from_quantity=1)]).ok
    # The child's item 1 and both its levels are its own copies; item 2 is still shared.
    for location in (L1, L2):
        assert child._state.level(I1, location) is not before[(I1, location)]
        assert parent._state.level(I1, location) is before[(I1, location)]
    assert child._state.level(I2, L1) is before[(I2, L1)]
    assert (parent.quantity(I1, L1, "available"), child.quantity(I1, L1, "available")) == (1, 6)
    assert parent.adjust(name="available", reason="correction", idempotency_key="p",
                         changes=[AdjustChange(item_id=I1, location_id=L2, delta=1,
                                               change_from_quantity=2)]).ok
    assert (parent.quantity(I1, L2, "available"), child.quantity(I1, L2, "available")) == (3, 2)
    assert child.quantity(I1, L1, "available") == 6
    check(parent)
    check(child)


def test_a_level_is_eighty_bytes_six_slots_in_pymallocs_sixteen_byte_steps() -> None:
    # Memory per level (issue 14): two of the eight slots went (the owner token, and the
    # creation time now shares a slot with the change times), which pymalloc's 16-byte
    # steps turn into 16 bytes; one slot fewer alone would have saved nothing.
    import sys

    level = Level(1, I1, L1, True)
    assert len(Level.__slots__) == 6
    assert sys.getsizeof(level) == 80  # 16 of header, 6 slots, 16 of collector header
