"""The snapshot format of interface.md: loading, dumping, defaults and every rejection."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger import SUPPORTED_VERSIONS, Ledger
from tests.support import ITEM, LOCATION, FakeClock, store

I1, I2, I9 = ITEM.format(1), ITEM.format(2), ITEM.format(9)
L1, L2, L9 = LOCATION.format(1), LOCATION.format(2), LOCATION.format(9)
STORED_ZEROS = {"available": 0, "committed": 0, "reserved": 0, "damaged": 0, "safety_stock": 0,
                "quality_control": 0, "incoming": 0}
API_ZEROS = {"available": 0, "committed": 0, "damaged": 0, "incoming": 0, "on_hand": 0,
             "quality_control": 0, "reserved": 0, "safety_stock": 0}


def level_id(number: int, item: int) -> str:
    return f"gid://shopify/InventoryLevel/{number}?inventory_item_id={item}"


# ---------------------------------------------------------------------- round trip


def test_the_interface_example_loads() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L1, "name": "Shop location"}],
        "inventoryItems": [{"id": I1}],
        "inventoryLevels": [
            {"id": "gid://shopify/InventoryLevel/1", "inventoryItemId": I1, "locationId": L1,
             "isActive": True, "quantities": {"available": 5, "committed": 2}}
        ],
    })
    assert ledger.quantities(I1, L1) == {**API_ZEROS, "available": 5, "committed": 2,
                                         "on_hand": 7}
    level = ledger.level(I1, L1)
    assert level is not None
    assert level.id == "gid://shopify/InventoryLevel/1"


#: FakeClock's start, as a snapshot's createdAt: what entries loaded without one get.
LOADED = "2026-06-25T00:00:00Z"


def _location(location_id: str, name: str = "Shop location", **extra: Any) -> dict[str, Any]:
    return {"id": location_id, "name": name, "isActive": True, "fulfillsOnlineOrders": True,
            "createdAt": LOADED, **extra}


def _item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "sku": None, "tracked": True, "requiresShipping": True,
            "mutable": True, "createdAt": LOADED, **extra}


def test_dump_sorts_items_and_locations_and_lists_every_stored_quantity() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L2, "name": "Warehouse"}, {"id": L1}],
        "inventoryItems": [{"id": I2}, {"id": I1}],
        "inventoryLevels": [
            {"inventoryItemId": I2, "locationId": L2, "isActive": False,
             "quantities": {"incoming": 4}},
            {"inventoryItemId": I1, "locationId": L1,
             "quantities": {"available": 5, "committed": 2, "on_hand": 7}},
        ],
    }, clock=FakeClock())
    assert ledger.snapshot() == {
        "locations": [_location(L1), _location(L2, "Warehouse")],
        "inventoryItems": [_item(I1), _item(I2)],
        "inventoryLevels": [
            {"id": level_id(2, 1), "inventoryItemId": I1, "locationId": L1, "isActive": True,
             "createdAt": LOADED,
             "quantities": {**STORED_ZEROS, "available": 5, "committed": 2}},
            {"id": level_id(1, 2), "inventoryItemId": I2, "locationId": L2, "isActive": False,
             "createdAt": LOADED, "quantities": {**STORED_ZEROS, "incoming": 4}},
        ],
    }


def test_item_and_location_attributes_load_and_dump_with_their_defaults() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L1, "name": "Depot", "isActive": False,
                       "fulfillsOnlineOrders": False, "createdAt": "2025-03-01T09:30:00Z"}],
        "inventoryItems": [
            {"id": I1, "sku": "TEE-RED-M", "tracked": False, "requiresShipping": False,
             "mutable": False, "createdAt": "2026-01-05T10:00:00+01:00"},
            {"id": I2}],
        "inventoryLevels": [{"inventoryItemId": I1, "locationId": L1,
                             "createdAt": "2026-02-01T00:00:00.750Z"}],
    }, clock=FakeClock())
    dumped = ledger.snapshot()
    assert dumped["locations"] == [_location(L1, "Depot", isActive=False,
                                             fulfillsOnlineOrders=False,
                                             createdAt="2025-03-01T09:30:00Z")]
    assert dumped["inventoryItems"] == [
        _item(I1, sku="TEE-RED-M", tracked=False, requiresShipping=False, mutable=False,
              createdAt="2026-01-05T09:00:00Z"),  # in UTC, to the second
        _item(I2)]
    assert dumped["inventoryLevels"][0]["createdAt"] == "2026-02-01T00:00:00Z"
    assert Ledger.from_snapshot(dumped).snapshot() == dumped


def test_entries_without_created_at_take_the_ledgers_clock_read_once() -> None:
    reads = []

    def clock() -> datetime:
        reads.append(1)
        return datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)

    ledger = Ledger.from_snapshot(store(items=3), clock=clock)
    assert len(reads) == 1
    times = {e["createdAt"] for key in ("locations", "inventoryItems", "inventoryLevels")
             for e in ledger.snapshot()[key]}
    assert times == {"2026-03-04T05:06:07Z"}
    named = Ledger.from_snapshot(ledger.snapshot(), clock=clock)
    assert len(reads) == 1  # every entry names its time: the clock is not read
    assert named.snapshot() == ledger.snapshot()


@pytest.mark.parametrize(("where", "entry", "problem"), [
    ("inventoryItems[0]", {"id": I1, "sku": 7}, "sku must be a string or null"),
    ("inventoryItems[0]", {"id": I1, "tracked": "yes"}, "tracked must be true or false"),
    ("inventoryItems[0]", {"id": I1, "mutable": None}, "mutable must be true or false"),
    ("inventoryItems[0]", {"id": I1, "createdAt": "yesterday"},
     "createdAt is not an ISO 8601 time"),
    ("inventoryItems[0]", {"id": I1, "createdAt": "2026-01-05T10:00:00"},
     "createdAt must carry a UTC offset"),
    ("inventoryItems[0]", {"id": I1, "createdAt": "0001-01-01T00:00:00+14:00"},
     "out of range once converted to UTC"),
    ("inventoryItems[0]", {"id": I1, "colour": "red"}, "unknown key"),
])
def test_a_bad_attribute_is_refused_naming_its_entry(where: str, entry: dict[str, Any],
                                                     problem: str) -> None:
    with pytest.raises(ValueError, match=f"snapshot {re.escape(where)}.*{problem}"):
        Ledger.from_snapshot({"locations": [{"id": L1}], "inventoryItems": [entry]})


@pytest.mark.parametrize(("entry", "problem"), [
    ({"id": L1, "isActive": 1}, "isActive must be true or false"),
    ({"id": L1, "fulfillsOnlineOrders": "no"}, "fulfillsOnlineOrders must be true or false"),
    ({"id": L1, "createdAt": 5}, "createdAt must be an ISO 8601 time"),
])
def test_a_bad_location_attribute_is_refused_naming_its_entry(entry: dict[str, Any],
                                                              problem: str) -> None:
    with pytest.raises(ValueError, match=f"snapshot locations\\[0\\].*{problem}"):
        Ledger.from_snapshot({"locations": [entry]})


def test_a_loaded_snapshot_dumps_to_a_snapshot_that_loads_to_the_same_state() -> None:
    first = Ledger.from_snapshot(store(items=3, locations=2, stocked={
        (1, 1): {"available": -5, "reserved": 2, "safety_stock": 1},
        (2, 2): {"damaged": 3, "quality_control": 4, "incoming": 9},
    })).snapshot()
    second = Ledger.from_snapshot(first).snapshot()
    assert second == first


def test_the_state_after_mutations_round_trips() -> None:
    ledger = Ledger.from_snapshot(store(stocked={(1, 1): {"available": 5}, (2, 1): {}}),
                                  api_version="2026-01", clock=FakeClock())
    assert ledger.execute("inventoryAdjustQuantities", {"input": {
        "name": "damaged", "reason": "damaged", "changes": [
            {"inventoryItemId": I1, "locationId": L1, "delta": 2,
             "ledgerDocumentUri": "logistics://rma/1"}]}})["data"]
    assert ledger.execute("inventoryActivate", {"inventoryItemId": I2, "locationId": L2,
                                                "available": 4})["data"]
    second = ledger.level(I2, L1)
    assert second is not None
    assert ledger.execute("inventoryDeactivate", {"inventoryLevelId": second.id}) == {
        "data": {"inventoryDeactivate": {"userErrors": []}}}
    dumped = ledger.snapshot()
    again = Ledger.from_snapshot(dumped)
    assert again.snapshot() == dumped
    for item in (I1, I2):
        for location in (L1, L2):
            assert again.quantities(item, location) == ledger.quantities(item, location)
    reloaded = again.level(I2, L1)
    assert reloaded is not None
    assert (reloaded.id, reloaded.is_active) == (second.id, False)


def test_dumping_returns_a_copy_the_caller_may_change() -> None:
    ledger = Ledger.from_snapshot(store())
    dumped = ledger.snapshot()
    dumped["inventoryLevels"][0]["quantities"]["available"] = 99
    dumped["locations"].clear()
    assert ledger.quantities(I1, L1)["available"] == 5
    assert ledger.snapshot()["locations"] != []


# ---------------------------------------------------------------------- defaults


def test_defaults_name_the_location_activate_the_level_and_zero_omitted_quantities() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L1}],
        "inventoryItems": [{"id": I1}],
        "inventoryLevels": [{"inventoryItemId": I1, "locationId": L1}],
    }, clock=FakeClock())
    dumped = ledger.snapshot()
    assert dumped["locations"] == [_location(L1)]
    assert dumped["inventoryLevels"] == [{"id": level_id(1, 1), "inventoryItemId": I1,
                                          "locationId": L1, "isActive": True,
                                          "createdAt": LOADED, "quantities": STORED_ZEROS}]


def test_an_empty_snapshot_is_an_empty_store() -> None:
    assert Ledger.from_snapshot({}).snapshot() == {
        "locations": [], "inventoryItems": [], "inventoryLevels": []}


def test_generated_level_ids_take_numbers_after_every_given_id() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L1}, {"id": L2}],
        "inventoryItems": [{"id": I1}, {"id": I2}],
        "inventoryLevels": [
            {"inventoryItemId": I1, "locationId": L1},
            {"id": level_id(1, 2), "inventoryItemId": I2, "locationId": L1},
            {"inventoryItemId": I1, "locationId": L2},
        ],
    }, clock=FakeClock())
    ids = {(level["inventoryItemId"], level["locationId"]): level["id"]
           for level in ledger.snapshot()["inventoryLevels"]}
    assert ids == {(I1, L1): level_id(2, 1), (I2, L1): level_id(1, 2), (I1, L2): level_id(3, 1)}
    payload = ledger.execute("inventoryActivate", {"inventoryItemId": I2, "locationId": L2},
                             idempotency_key="stock-2")
    assert payload["data"]["inventoryActivate"]["inventoryLevel"]["id"] == level_id(4, 2)


def test_a_large_given_level_number_pushes_generated_ids_past_it() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": L1}],
        "inventoryItems": [{"id": I1}, {"id": I2}],
        "inventoryLevels": [
            {"inventoryItemId": I2, "locationId": L1},
            {"id": "gid://shopify/InventoryLevel/900", "inventoryItemId": I1, "locationId": L1},
        ],
    })
    level = ledger.level(I2, L1)
    assert level is not None
    assert level.id == level_id(901, 2)


# ---------------------------------------------------------------------- rejections


def _level(snapshot: dict[str, Any], index: int = 0) -> dict[str, Any]:
    level: dict[str, Any] = snapshot["inventoryLevels"][index]
    return level


def _set_level(key: str, value: Any, index: int = 0) -> Callable[[dict[str, Any]], None]:
    def change(snapshot: dict[str, Any]) -> None:
        _level(snapshot, index)[key] = value

    return change


def _set_quantity(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(snapshot: dict[str, Any]) -> None:
        _level(snapshot)["quantities"][name] = value

    return change


def _append(key: str, entry: Any) -> Callable[[dict[str, Any]], None]:
    def change(snapshot: dict[str, Any]) -> None:
        snapshot[key].append(entry)

    return change


def _replace(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(snapshot: dict[str, Any]) -> None:
        snapshot[key] = value

    return change


REJECTIONS = [
    pytest.param(_set_quantity("sold", 1), ["inventoryLevels[0]", "'sold'"],
                 id="an unknown quantity name"),
    pytest.param(_set_quantity("unavailable", 0), ["inventoryLevels[0]", "'unavailable'"],
                 id="a derived name other than on_hand"),
    pytest.param(_set_quantity("on_hand", 6), ["inventoryLevels[0]", "on_hand 6"],
                 id="an on_hand that is not the sum of its parts"),
    pytest.param(_set_level("inventoryItemId", I9), ["inventoryLevels[0]", I9],
                 id="a level whose item is not listed"),
    pytest.param(_set_level("locationId", L9), ["inventoryLevels[0]", L9],
                 id="a level whose location is not listed"),
    pytest.param(_set_level("inventoryItemId", None), ["inventoryLevels[0]", "inventoryItemId"],
                 id="a level without an item"),
    pytest.param(_append("inventoryLevels", {"inventoryItemId": I1, "locationId": L1}),
                 ["inventoryLevels[2]", "duplicate level"], id="two levels for one pair"),
    pytest.param(lambda s: (_set_level("id", level_id(3, 1))(s),
                            _append("inventoryLevels", {"id": level_id(3, 1),
                                                        "inventoryItemId": I1,
                                                        "locationId": L2})(s)),
                 ["inventoryLevels[2]", "duplicate level id"], id="two levels with one id"),
    pytest.param(_set_quantity("available", "5"), ["inventoryLevels[0]", "'available'", "'5'"],
                 id="a quantity given as a string"),
    pytest.param(_set_quantity("available", 5.0), ["inventoryLevels[0]", "'available'"],
                 id="a quantity given as a float"),
    pytest.param(_set_quantity("damaged", None), ["inventoryLevels[0]", "'damaged'"],
                 id="a null quantity"),
    pytest.param(_set_quantity("available", True), ["inventoryLevels[0]", "True"],
                 id="a bool quantity"),
    pytest.param(_set_quantity("available", 2**63), ["inventoryLevels[0]", "'available'",
                                                      "64-bit"],
                 id="a quantity beyond 64 bits"),
    pytest.param(_set_level("quantities", [5]), ["inventoryLevels[0]", "quantities"],
                 id="quantities that are not an object"),
    pytest.param(_set_level("isActive", "yes"), ["inventoryLevels[0]", "isActive"],
                 id="an isActive that is not a bool"),
    pytest.param(_set_level("id", "gid://shopify/InventoryLevel/x"),
                 ["inventoryLevels[0]", "gid://shopify/InventoryLevel/x"],
                 id="a malformed level id"),
    pytest.param(_set_level("id", level_id(5, 2)), ["inventoryLevels[0]", "another inventory item"],
                 id="a level id naming another item"),
    pytest.param(_set_level("available", 5), ["inventoryLevels[0]", "'available'"],
                 id="an unknown key on a level"),
    pytest.param(_append("locations", {"id": "gid://shopify/Location/abc"}),
                 ["locations[2]", "gid://shopify/Location/abc"], id="a malformed location id"),
    pytest.param(_append("locations", {"id": L1, "name": "Again"}),
                 ["locations[2]", L1, "duplicate"], id="a duplicate location"),
    pytest.param(_append("locations", {"id": LOCATION.format(3), "name": 3}),
                 ["locations[2]", "name"], id="a location name that is not a string"),
    pytest.param(_append("inventoryItems", {"id": "gid://shopify/Product/1"}),
                 ["inventoryItems[2]", "gid://shopify/Product/1"], id="a malformed item id"),
    pytest.param(_append("inventoryItems", {"id": "gid://shopify/InventoryItem/0"}),
                 ["inventoryItems[2]"], id="an item number that is not positive"),
    pytest.param(_append("inventoryItems", {"id": I1}),
                 ["inventoryItems[2]", I1, "duplicate"], id="a duplicate item"),
    pytest.param(_append("inventoryItems", I1), ["inventoryItems[2]", "object"],
                 id="an item that is not an object"),
    pytest.param(_replace("locations", {"id": L1}), ["locations", "list"],
                 id="locations that are not a list"),
    pytest.param(_replace("products", []), ["'products'"], id="an unknown top-level key"),
    # A Python caller may hand values JSON cannot carry: the message still names the entry
    # (repr of a 5,000-digit integer raises ValueError) and stays short.
    pytest.param(_set_level("inventoryItemId", 10**5000),
                 ["inventoryLevels[0] (<an integer of 16610 bits> @", "is not a listed"],
                 id="an item id that is an integer over 4300 digits"),
    pytest.param(_set_quantity("available", [10**5000]),
                 ["inventoryLevels[0]", "must be an integer, not <a list holding an integer"],
                 id="a quantity holding an integer over 4300 digits"),
    pytest.param(_set_quantity("available", "x" * 100_000),
                 ["inventoryLevels[0]", "'available'", "... (100000 characters)"],
                 id="a quantity given as a huge string"),
]


@pytest.mark.parametrize(("breaks", "named"), REJECTIONS)
def test_a_broken_snapshot_raises_value_error_naming_the_entry(
    breaks: Callable[[dict[str, Any]], None], named: list[str]
) -> None:
    snapshot = store(stocked={(1, 1): {"available": 5}, (2, 2): {"damaged": 1}})
    breaks(snapshot)
    given = copy.deepcopy(snapshot)
    with pytest.raises(ValueError, match="snapshot") as raised:
        Ledger.from_snapshot(snapshot)
    for part in named:
        assert part in str(raised.value)
    assert len(str(raised.value)) < 500
    assert snapshot == given, "loading must not change the snapshot it was given"


@pytest.mark.parametrize("snapshot", [None, [], "snapshot", 5, ({},)], ids=repr)
def test_a_snapshot_that_is_not_an_object_raises_value_error(snapshot: Any) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        Ledger.from_snapshot(snapshot)


def test_a_rejected_snapshot_leaves_a_loaded_ledger_alone() -> None:
    ledger = Ledger.from_snapshot(store())
    before = ledger.snapshot()
    broken = store()
    broken["inventoryLevels"].append({"inventoryItemId": I2, "locationId": L9})
    with pytest.raises(ValueError, match=L9):
        Ledger.from_snapshot(broken)
    assert ledger.snapshot() == before


# ---------------------------------------------------------------------- versions


@pytest.mark.parametrize("version", ["1999-01", "2026-02", "unstable", "", "2026-04 "])
@pytest.mark.parametrize("from_snapshot", [False, True], ids=["Ledger()", "from_snapshot"])
def test_an_unsupported_version_raises_value_error_listing_the_supported_ones(
    version: str, from_snapshot: bool
) -> None:
    def construct() -> Ledger:
        if from_snapshot:
            return Ledger.from_snapshot(store(), api_version=version)
        return Ledger(api_version=version)

    with pytest.raises(ValueError, match="supported versions") as raised:
        construct()
    for supported in SUPPORTED_VERSIONS:
        assert supported in str(raised.value)


def test_the_supported_versions_are_the_nine_of_the_spec() -> None:
    assert SUPPORTED_VERSIONS == ("2025-01", "2025-04", "2025-07", "2025-10", "2026-01",
                                  "2026-04", "2026-07", "2026-10", "2027-01")


def test_the_default_version_is_2026_04() -> None:
    assert Ledger().api_version == "2026-04"
    assert Ledger.from_snapshot(store()).api_version == "2026-04"


# ---------------------------------------------------------------------- quantities()


def test_quantities_are_zero_for_a_known_pair_without_a_level() -> None:
    ledger = Ledger.from_snapshot(store())
    assert ledger.quantities(I2, L2) == API_ZEROS
    assert list(ledger.quantities(I2, L2)) == list(API_ZEROS)


def test_quantities_list_the_eight_api_names_alphabetically_with_on_hand_derived() -> None:
    ledger = Ledger.from_snapshot(store(stocked={(1, 1): {
        "available": 1, "committed": 2, "reserved": 3, "damaged": 4, "safety_stock": 5,
        "quality_control": 6, "incoming": 7}}))
    quantities = ledger.quantities(I1, L1)
    assert list(quantities) == sorted(API_ZEROS)
    assert quantities == {"available": 1, "committed": 2, "damaged": 4, "incoming": 7,
                          "on_hand": 21, "quality_control": 6, "reserved": 3, "safety_stock": 5}


def test_an_inactive_level_keeps_reporting_its_quantities() -> None:
    snapshot = store(stocked={(1, 1): {"available": 5}, (1, 2): {"available": 3}})
    snapshot["inventoryLevels"][1]["isActive"] = False
    assert Ledger.from_snapshot(snapshot).quantities(I1, L2)["available"] == 3


@pytest.mark.parametrize(("item", "location", "named"), [
    (I9, L1, I9), (I1, L9, L9), ("gid://shopify/InventoryItem/x", L1, "InventoryItem/x"),
])
def test_quantities_of_an_unknown_item_or_location_raise_key_error_naming_it(
    item: str, location: str, named: str
) -> None:
    with pytest.raises(KeyError, match=named):
        Ledger.from_snapshot(store()).quantities(item, location)


def test_levels_loaded_with_the_same_quantities_share_them_until_one_is_written() -> None:
    from ledger import AdjustChange

    ledger = Ledger.from_snapshot(
        store(items=2, locations=1, stocked={(1, 1): {"available": 7}, (2, 1): {"available": 7}}),
        api_version="2026-01")
    first = ledger._state.level(ITEM.format(1), LOCATION.format(1))
    second = ledger._state.level(ITEM.format(2), LOCATION.format(1))
    assert first is not None
    assert second is not None
    assert first.q is second.q  # one object for both, not one each
    result = ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=ITEM.format(1), location_id=LOCATION.format(1), delta=2)])
    assert result.ok
    assert ledger.quantities(ITEM.format(1), LOCATION.format(1))["available"] == 9
    assert ledger.quantities(ITEM.format(2), LOCATION.format(1))["available"] == 7
    ledger._check()
