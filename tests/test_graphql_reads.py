"""``ledger.graphql_reads``: what the GraphQL front's reads show, by API version.

The reads an inventory app makes beside the mutations: items, levels, quantities and
locations with the attributes a snapshot carries, the ``inventoryItems`` and ``locations``
roots, ``inventoryProperties``, and inactive levels as each era shows them (semantics §13).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.core.errors import ACTIVATE, ADJUST
from ledger.core.versions import SUPPORTED, era_of
from ledger.shopify import cost
from tests.support import FakeClock
from tests.test_graphql_api import GROUP, adjust_input, mutation, without_locations

ITEM = "gid://shopify/InventoryItem/1"
SHOP = "gid://shopify/Location/1"
WAREHOUSE = "gid://shopify/Location/2"
ANNEX = "gid://shopify/Location/3"
ITEMS = [f"gid://shopify/InventoryItem/{n}" for n in (1, 2, 3, 4)]
#: The level of item 1 at the warehouse: inactive, holding 2 available.
INACTIVE = "gid://shopify/InventoryLevel/7?inventory_item_id=1"
BEFORE_2026_04 = [v for v in SUPPORTED if not era_of(v).is_active_field]
FROM_2026_04 = [v for v in SUPPORTED if era_of(v).is_active_field]

STORE: dict[str, Any] = {
    "locations": [
        {"id": SHOP, "name": "Shop location", "createdAt": "2026-01-05T10:00:00Z"},
        {"id": WAREHOUSE, "name": "Warehouse", "fulfillsOnlineOrders": False},
        {"id": ANNEX, "name": "Annex", "isActive": False},
    ],
    "inventoryItems": [
        {"id": ITEMS[0], "sku": "TEE-RED-M", "createdAt": "2026-01-05T10:00:00Z"},
        {"id": ITEMS[1], "sku": "tee-blue-l", "tracked": False, "requiresShipping": False},
        {"id": ITEMS[2]},
        {"id": ITEMS[3], "sku": "BOX 12", "mutable": False},
    ],
    "inventoryLevels": [
        {"inventoryItemId": ITEMS[0], "locationId": SHOP, "createdAt": "2026-02-01T08:00:00Z",
         "quantities": {"available": 5, "committed": 1}},
        {"id": INACTIVE, "inventoryItemId": ITEMS[0], "locationId": WAREHOUSE,
         "isActive": False, "quantities": {"available": 2}},
        {"inventoryItemId": ITEMS[1], "locationId": SHOP},
        {"inventoryItemId": ITEMS[1], "locationId": WAREHOUSE},
    ],
}


def store(version: str, clock: FakeClock | None = None) -> Ledger:
    return Ledger.from_snapshot(STORE, api_version=version, clock=clock or FakeClock())


def data(ledger: Ledger, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = ledger.graphql(query, variables)
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


# ---------------------------------------------------------------------- inactive levels


VISIBILITY = """
query($level: ID!, $quantity: ID!) {
  inventoryItem(id: "gid://shopify/InventoryItem/1") {
    inventoryLevel(locationId: "gid://shopify/Location/2") { id }
    inventoryLevels(first: 5) { nodes { id } }
  }
  location(id: "gid://shopify/Location/2") {
    inventoryLevel(inventoryItemId: "gid://shopify/InventoryItem/1") { id }
    inventoryLevels(first: 5) { nodes { id } }
  }
  inventoryLevel(id: $level) { id }
  node(id: $level) { id }
  nodes(ids: [$level]) { id }
  quantity: node(id: $quantity) { id }
}"""
QUANTITY = "gid://shopify/InventoryQuantity/7?inventory_item_id=1&name=available"
ACTIVE_AT_SHOP = "gid://shopify/InventoryLevel/8?inventory_item_id=1"
ITEM_2_AT_WAREHOUSE = "gid://shopify/InventoryLevel/10?inventory_item_id=2"


@pytest.mark.parametrize("version", SUPPORTED)
def test_an_inactive_level_is_invisible_before_2026_04_and_readable_by_id_from_then(
    version: str,
) -> None:
    found = data(store(version), VISIBILITY, {"level": INACTIVE, "quantity": QUANTITY})
    by_id = {"id": INACTIVE} if version in FROM_2026_04 else None
    assert found == {
        "inventoryItem": {"inventoryLevel": None,
                          "inventoryLevels": {"nodes": [{"id": ACTIVE_AT_SHOP}]}},
        "location": {"inventoryLevel": None,
                     "inventoryLevels": {"nodes": [{"id": ITEM_2_AT_WAREHOUSE}]}},
        "inventoryLevel": by_id,
        "node": by_id,
        "nodes": [by_id],
        "quantity": {"id": QUANTITY} if by_id else None,
    }


@pytest.mark.parametrize("version", FROM_2026_04)
def test_include_inactive_shows_an_inactive_level_on_items_and_locations(version: str) -> None:
    found = data(store(version), """{
      inventoryItem(id: "gid://shopify/InventoryItem/1") {
        inventoryLevel(locationId: "gid://shopify/Location/2", includeInactive: true) {
          id isActive quantities(names: ["available"]) { quantity } }
        inventoryLevels(first: 5, includeInactive: true) { nodes { id isActive } }
        hidden: inventoryLevels(first: 5, includeInactive: false) { nodes { id } }
      }
      location(id: "gid://shopify/Location/2") {
        inventoryLevel(inventoryItemId: "gid://shopify/InventoryItem/1", includeInactive: true) {
          id }
        inventoryLevels(first: 5, includeInactive: true) { nodes { id } }
      }
    }""")
    assert found == {
        "inventoryItem": {
            "inventoryLevel": {"id": INACTIVE, "isActive": False,
                               "quantities": [{"quantity": 2}]},
            "inventoryLevels": {"nodes": [{"id": ACTIVE_AT_SHOP, "isActive": True},
                                          {"id": INACTIVE, "isActive": False}]},
            "hidden": {"nodes": [{"id": ACTIVE_AT_SHOP}]},
        },
        "location": {"inventoryLevel": {"id": INACTIVE},
                     "inventoryLevels": {"nodes": [{"id": INACTIVE},
                                                   {"id": ITEM_2_AT_WAREHOUSE}]}},
    }


@pytest.mark.parametrize("version", BEFORE_2026_04)
def test_is_active_before_2026_04_is_graphql_rubys_undefined_field(version: str) -> None:
    body = store(version).graphql(
        "query Read {\n  inventoryLevel(id: \"x\") {\n    isActive\n  }\n}")
    assert body == {"errors": [{
        "message": "Field 'isActive' doesn't exist on type 'InventoryLevel'",
        "locations": [{"line": 3, "column": 5}],
        "path": ["query Read", "inventoryLevel", "isActive"],
        "extensions": {"code": "undefinedField", "typeName": "InventoryLevel",
                       "fieldName": "isActive"},
    }]}


@pytest.mark.parametrize("version", BEFORE_2026_04)
def test_include_inactive_before_2026_04_is_an_argument_not_accepted(version: str) -> None:
    body = store(version).graphql(
        '{ inventoryItem(id: "gid://shopify/InventoryItem/1") { '
        "inventoryLevels(first: 1, includeInactive: true) { nodes { id } } } }")
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("Field 'inventoryLevels' doesn't accept argument 'includeInactive'",
         "argumentNotAccepted")]


@pytest.mark.parametrize("version", BEFORE_2026_04)
def test_the_activate_payload_before_2026_04_has_no_is_active(version: str) -> None:
    by_graphql, by_execute = store(version), store(version)
    variables = {"inventoryItemId": ITEMS[2], "locationId": SHOP}
    body = by_graphql.graphql(mutation(ACTIVATE, None, version), variables)
    expected = by_execute.execute(ACTIVATE, variables)
    assert "isActive" not in expected["data"][ACTIVATE]["inventoryLevel"]
    assert without_locations(body) == expected
    refused = by_graphql.graphql(
        'mutation { inventoryActivate(inventoryItemId: "x", locationId: "y") { '
        "inventoryLevel { isActive } } }")
    assert refused["errors"][0]["extensions"]["code"] == "undefinedField"


@pytest.mark.parametrize("version", ["2026-01", "2026-04"])
def test_stock_at_legacy_location_is_accepted_and_gives_what_execute_gives(version: str) -> None:
    by_graphql, by_execute = store(version), store(version)
    variables = {"inventoryItemId": ITEMS[2], "locationId": SHOP, "stockAtLegacyLocation": True}
    body = by_graphql.graphql(mutation(ACTIVATE, "k", version), variables)
    expected = by_execute.execute(ACTIVATE, variables, idempotency_key="k")
    assert expected["data"][ACTIVATE]["userErrors"] == []
    assert without_locations(body) == expected
    literal = by_graphql.graphql(
        'mutation { inventoryActivate(inventoryItemId: "gid://shopify/InventoryItem/3", '
        'locationId: "gid://shopify/Location/2", stockAtLegacyLocation: false) '
        '@idempotent(key: "k2") { userErrors { message } } }')
    assert literal == {"data": {ACTIVATE: {"userErrors": []}}}


# ---------------------------------------------------------------------- the read fields


ITEM_FIELDS = ("id sku tracked requiresShipping legacyResourceId createdAt updatedAt "
               "locationsCount { count precision }")


@pytest.mark.parametrize("version", ["2025-10", "2026-04"])
def test_an_item_reads_the_attributes_of_its_snapshot(version: str) -> None:
    found = data(store(version), f"{{ nodes(ids: {json.dumps(ITEMS)}) {{ "
                                 f"... on InventoryItem {{ {ITEM_FIELDS} }} }} }}")
    loaded = "2026-06-25T00:00:00Z"  # the clock when the snapshot was loaded
    assert found["nodes"] == [
        {"id": ITEMS[0], "sku": "TEE-RED-M", "tracked": True, "requiresShipping": True,
         "legacyResourceId": "1", "createdAt": "2026-01-05T10:00:00Z",
         "updatedAt": "2026-01-05T10:00:00Z", "locationsCount": {"count": 1,
                                                               "precision": "EXACT"}},
        {"id": ITEMS[1], "sku": "tee-blue-l", "tracked": False, "requiresShipping": False,
         "legacyResourceId": "2", "createdAt": loaded, "updatedAt": loaded,
         "locationsCount": {"count": 2, "precision": "EXACT"}},
        {"id": ITEMS[2], "sku": None, "tracked": True, "requiresShipping": True,
         "legacyResourceId": "3", "createdAt": loaded, "updatedAt": loaded,
         "locationsCount": {"count": 0, "precision": "EXACT"}},
        {"id": ITEMS[3], "sku": "BOX 12", "tracked": True, "requiresShipping": True,
         "legacyResourceId": "4", "createdAt": loaded, "updatedAt": loaded,
         "locationsCount": {"count": 0, "precision": "EXACT"}},
    ]


def test_a_location_reads_the_attributes_of_its_snapshot() -> None:
    found = data(store("2026-04"), "{ nodes(ids: [\"gid://shopify/Location/1\", "
                 "\"gid://shopify/Location/2\", \"gid://shopify/Location/3\"]) { ... on Location"
                 " { id name isActive fulfillsOnlineOrders legacyResourceId createdAt } } }")
    loaded = "2026-06-25T00:00:00Z"
    assert found["nodes"] == [
        {"id": SHOP, "name": "Shop location", "isActive": True, "fulfillsOnlineOrders": True,
         "legacyResourceId": "1", "createdAt": "2026-01-05T10:00:00Z"},
        {"id": WAREHOUSE, "name": "Warehouse", "isActive": True, "fulfillsOnlineOrders": False,
         "legacyResourceId": "2", "createdAt": loaded},
        {"id": ANNEX, "name": "Annex", "isActive": False, "fulfillsOnlineOrders": True,
         "legacyResourceId": "3", "createdAt": loaded},
    ]


def test_a_level_is_updated_when_a_stored_quantity_changes_and_its_quantities_have_ids() -> None:
    clock = FakeClock()
    ledger = store("2026-04", clock)
    query = """{ inventoryItem(id: "gid://shopify/InventoryItem/1") {
      updatedAt inventoryLevel(locationId: "gid://shopify/Location/1") {
        createdAt updatedAt quantities(names: ["available", "on_hand", "bogus"]) {
          id name quantity updatedAt } } } }"""
    before = data(ledger, query)["inventoryItem"]
    assert before["inventoryLevel"]["updatedAt"] == "2026-02-01T08:00:00Z"  # its createdAt
    clock.advance(3600)
    assert ledger.execute(ADJUST, adjust_input(delta=-1, change_from=5),
                          idempotency_key="k")["data"][ADJUST]["userErrors"] == []
    after = data(ledger, query)["inventoryItem"]
    assert after == {"updatedAt": "2026-01-05T10:00:00Z", "inventoryLevel": {
        "createdAt": "2026-02-01T08:00:00Z", "updatedAt": "2026-06-25T01:00:00Z",
        "quantities": [
            {"id": "gid://shopify/InventoryQuantity/8?inventory_item_id=1&name=available",
             "name": "available", "quantity": 4, "updatedAt": "2026-06-25T01:00:00Z"},
            {"id": "gid://shopify/InventoryQuantity/8?inventory_item_id=1&name=on_hand",
             "name": "on_hand", "quantity": 5, "updatedAt": None},
        ]}}


def test_a_quantity_id_reads_back_through_node_and_a_wrong_one_is_null() -> None:
    ledger = store("2026-04")
    good = "gid://shopify/InventoryQuantity/8?inventory_item_id=1&name=committed"
    ids = [good,
           "gid://shopify/InventoryQuantity/8?inventory_item_id=1&name=bogus",
           "gid://shopify/InventoryQuantity/8?inventory_item_id=2&name=available",
           "gid://shopify/InventoryQuantity/99?inventory_item_id=1&name=available",
           "gid://shopify/InventoryQuantity/08?inventory_item_id=1&name=available",
           "gid://shopify/InventoryQuantity/8"]
    found = data(ledger, f"{{ nodes(ids: {json.dumps(ids)}) {{ __typename id "
                         "... on InventoryQuantity { name quantity updatedAt } } }")
    assert found["nodes"] == [
        {"__typename": "InventoryQuantity", "id": good, "name": "committed", "quantity": 1,
         "updatedAt": None},
        None, None, None, None, None]


_ONLY = ("The product couldn't be unstocked from Shop location because products need to be "
         "stocked at a minimum of 1 location.")
_CLEARS = "Deactivating will remove the inventory quantities of this item at Shop location."
#: (version, the state of the item's levels) -> (canDeactivate, deactivationAlert) of its
#: level at the shop.
DEACTIVATION: list[tuple[str, str, bool, str | None]] = [
    ("2026-01", "only active level", False, _ONLY),
    ("2026-04", "only active level", False, _ONLY),
    ("2025-04", "another active level, zero quantities", True, None),
    ("2026-04", "another active level, zero quantities", True, None),
    ("2025-04", "another active level, quantities", True, _CLEARS),
    ("2026-01", "another active level, quantities", True, _CLEARS),
    ("2026-04", "another active level, quantities", True, None),
    ("2026-10", "another active level, quantities", True, None),
    ("2026-04", "inactive level", False, None),
]
#: The state -> the shop level's quantities, the warehouse level's (``None``: no level).
_STATES: dict[str, tuple[dict[str, int], dict[str, int] | None]] = {
    "only active level": ({"available": 3}, None),
    "another active level, zero quantities": ({}, {}),
    "another active level, quantities": ({"damaged": 2}, {}),
    "inactive level": ({"available": 3}, {}),
}


@pytest.mark.parametrize(("version", "state", "can", "alert"), DEACTIVATION)
def test_can_deactivate_and_the_deactivation_alert_follow_what_deactivate_would_do(
    version: str, state: str, can: bool, alert: str | None,
) -> None:
    at_shop, at_warehouse = _STATES[state]
    levels: list[dict[str, Any]] = [{"inventoryItemId": ITEM, "locationId": SHOP,
                                     "quantities": at_shop,
                                     "isActive": state != "inactive level"}]
    if at_warehouse is not None:
        levels.append({"inventoryItemId": ITEM, "locationId": WAREHOUSE,
                       "quantities": at_warehouse})
    ledger = Ledger.from_snapshot({
        "locations": [{"id": SHOP}, {"id": WAREHOUSE, "name": "Warehouse"}],
        "inventoryItems": [{"id": ITEM}], "inventoryLevels": levels,
    }, api_version=version, clock=FakeClock())
    level = ledger.level(ITEM, SHOP)
    assert level is not None
    found = data(ledger, 'query($id: ID!) { inventoryLevel(id: $id) { canDeactivate '
                         "deactivationAlert } }", {"id": level.id})["inventoryLevel"]
    assert found == {"canDeactivate": can, "deactivationAlert": alert}
    if state != "inactive level":  # canDeactivate says what inventoryDeactivate does
        key = "d" if era_of(version).stocking_idempotency.value != "undefined" else None
        assert ledger.deactivate(level_id=level.id, idempotency_key=key).ok is can


def test_fields_a_mutation_payload_gains_are_read_from_the_ledger(ledger: Ledger) -> None:
    body = ledger.graphql(
        'mutation { inventoryActivate(inventoryItemId: "gid://shopify/InventoryItem/1", '
        'locationId: "gid://shopify/Location/2", available: 3) @idempotent(key: "a") { '
        "inventoryLevel { isActive createdAt updatedAt canDeactivate deactivationAlert "
        'quantities(names: ["available"]) { id quantity } location { isActive legacyResourceId }'
        " item { sku locationsCount { count } } } userErrors { message } } }")
    assert body == {"data": {ACTIVATE: {"inventoryLevel": {
        "isActive": True, "createdAt": "2026-06-25T00:00:00Z",
        "updatedAt": "2026-06-25T00:00:00Z", "canDeactivate": True, "deactivationAlert": None,
        "quantities": [{"id": "gid://shopify/InventoryQuantity/2?inventory_item_id=1&"
                              "name=available", "quantity": 3}],
        "location": {"isActive": True, "legacyResourceId": "2"},
        "item": {"sku": None, "locationsCount": {"count": 2}},
    }, "userErrors": []}}}


# ---------------------------------------------------------------------- inventoryItems


def test_inventory_items_page_by_id_number_both_ways() -> None:
    ledger = Ledger.from_snapshot({
        "locations": [{"id": SHOP}],
        "inventoryItems": [{"id": f"gid://shopify/InventoryItem/{n}"} for n in (10, 2, 33)],
    }, api_version="2026-04", clock=FakeClock())
    query = ("query($after: String, $last: Int, $first: Int, $reverse: Boolean) { inventoryItems("
             "first: $first, after: $after, last: $last, reverse: $reverse) { edges { cursor node {"
             " legacyResourceId } } pageInfo { hasNextPage hasPreviousPage endCursor } } }")
    first = data(ledger, query, {"first": 2})["inventoryItems"]
    assert [e["node"]["legacyResourceId"] for e in first["edges"]] == ["2", "10"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = data(ledger, query, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    assert [e["node"]["legacyResourceId"] for e in rest["inventoryItems"]["edges"]] == ["33"]
    backwards = data(ledger, query, {"last": 1, "reverse": True})["inventoryItems"]
    assert [e["node"]["legacyResourceId"] for e in backwards["edges"]] == ["2"]


@pytest.mark.parametrize("root", ["inventoryItems", "locations"])
def test_the_new_connections_refuse_more_than_250_as_shopify_does(root: str) -> None:
    body = store("2026-04").graphql(f"{{ {root}(first: 251) {{ nodes {{ id }} }} }}")
    assert body == {"errors": [{
        "message": "The page size of 251 requested by 'first' is greater than the maximum "
                   "allowed of 250.",
        "locations": [{"line": 1, "column": 3}], "path": [root, "first"],
        "extensions": {"code": "MAX_PAGE_SIZE_EXCEEDED"},
    }]}
    at_the_cap = store("2026-04").graphql(f"{{ {root}(first: 250) {{ nodes {{ id }} }} }}")
    assert "errors" not in at_the_cap
    without = store("2026-04").graphql(f"{{ {root} {{ nodes {{ id }} }} }}")
    assert without["errors"][0]["message"] == "you must provide one of first or last"


def test_the_new_connections_cost_as_connections() -> None:
    assert cost.requested_cost("{ inventoryItems(first: 10) { nodes { id sku } } }") == 12
    assert cost.requested_cost(
        "{ locations(first: 5) { nodes { inventoryLevels(first: 3) { nodes { id } } } } }") == 32
    assert cost.requested_cost("{ inventoryProperties { quantityNames { name } } }") == 2


# ---------------------------------------------------------------------- locations


@pytest.mark.parametrize(("arguments", "names"), [
    ("first: 10", ["Shop location", "Warehouse"]),
    ("first: 10, includeInactive: true", ["Annex", "Shop location", "Warehouse"]),
    ("first: 10, includeInactive: true, sortKey: ID", ["Shop location", "Warehouse", "Annex"]),
    ("first: 10, includeInactive: true, sortKey: RELEVANCE",
     ["Shop location", "Warehouse", "Annex"]),
    ("first: 10, reverse: true", ["Warehouse", "Shop location"]),
    ("last: 1", ["Warehouse"]),
    ("first: 10, includeLegacy: true", ["Shop location", "Warehouse"]),
])
def test_locations_list_active_ones_by_name_unless_told(arguments: str, names: list[str]) -> None:
    found = data(store("2026-04"), f"{{ locations({arguments}) {{ nodes {{ name }} }} }}")
    assert [n["name"] for n in found["locations"]["nodes"]] == names


def test_an_inactive_location_is_read_by_id() -> None:
    found = data(store("2025-01"), '{ location(id: "gid://shopify/Location/3") { isActive } }')
    assert found == {"location": {"isActive": False}}


# ---------------------------------------------------------------------- inventoryProperties


NAMES_QUERY = "{ inventoryProperties { quantityNames { name displayName belongsTo comprises " \
              "isInUse } } }"


def test_inventory_properties_list_shopifys_quantity_names() -> None:
    names = data(store("2026-04"), NAMES_QUERY)["inventoryProperties"]["quantityNames"]
    assert names == [
        {"name": "available", "displayName": "Available", "belongsTo": ["on_hand"],
         "comprises": [], "isInUse": True},
        {"name": "committed", "displayName": "Committed", "belongsTo": ["on_hand"],
         "comprises": [], "isInUse": True},
        {"name": "damaged", "displayName": "Damaged", "belongsTo": ["on_hand"],
         "comprises": [], "isInUse": False},
        {"name": "incoming", "displayName": "Incoming", "belongsTo": [], "comprises": [],
         "isInUse": False},
        {"name": "on_hand", "displayName": "On hand", "belongsTo": [],
         "comprises": ["available", "committed", "damaged", "quality_control", "reserved",
                       "safety_stock"], "isInUse": True},
        {"name": "quality_control", "displayName": "Quality control",
         "belongsTo": ["on_hand"], "comprises": [], "isInUse": False},
        {"name": "reserved", "displayName": "Reserved", "belongsTo": ["on_hand"],
         "comprises": [], "isInUse": False},
        {"name": "safety_stock", "displayName": "Safety stock", "belongsTo": ["on_hand"],
         "comprises": [], "isInUse": False},
    ]


def test_a_quantity_name_is_in_use_once_a_level_has_changed_it_even_back_to_zero() -> None:
    ledger = Ledger.from_snapshot({"locations": [{"id": SHOP}], "inventoryItems": [{"id": ITEM}],
                                   "inventoryLevels": [{"inventoryItemId": ITEM,
                                                        "locationId": SHOP}]},
                                  api_version="2026-04", clock=FakeClock())

    def in_use() -> list[str]:
        names = data(ledger, NAMES_QUERY)["inventoryProperties"]["quantityNames"]
        return [n["name"] for n in names if n["isInUse"]]

    assert in_use() == ["available", "on_hand"]
    for delta, key in ((2, "a"), (-2, "b")):
        body = ledger.execute(ADJUST, {"input": {
            "name": "damaged", "reason": "damaged", "changes": [{
                "inventoryItemId": ITEM, "locationId": SHOP, "delta": delta,
                "ledgerDocumentUri": "logistics://damage/1", "changeFromQuantity": None}]}},
            idempotency_key=key)
        assert body["data"][ADJUST]["userErrors"] == []
    assert ledger.quantities(ITEM, SHOP)["damaged"] == 0
    assert in_use() == ["available", "damaged", "on_hand"]


# ---------------------------------------------------------------------- reads


def test_an_item_reads_its_level_at_a_location_and_pages_its_levels() -> None:
    ledger = Ledger.example(api_version="2026-04", clock=FakeClock())
    assert ledger.activate(item_id=ITEM, location_id=WAREHOUSE, available=3,
                           idempotency_key="a").ok
    query = """
      query Levels($after: String) {
        inventoryItem(id: "gid://shopify/InventoryItem/1") {
          id
          inventoryLevel(locationId: "gid://shopify/Location/2") {
            location { name } quantities(names: ["on_hand", "available"]) { name quantity }
          }
          inventoryLevels(first: 1, after: $after) {
            edges { cursor node { location { id } } }
            nodes { isActive }
            pageInfo { hasNextPage endCursor }
          }
        }
      }"""
    first = ledger.graphql(query)["data"]["inventoryItem"]
    assert first["id"] == ITEM
    assert first["inventoryLevel"] == {"location": {"name": "Warehouse"}, "quantities": [
        {"name": "on_hand", "quantity": 3}, {"name": "available", "quantity": 3}]}
    page = first["inventoryLevels"]
    assert [e["node"]["location"]["id"] for e in page["edges"]] == [SHOP]
    assert page["nodes"] == [{"isActive": True}]
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": page["edges"][0]["cursor"]}
    second = ledger.graphql(query, {"after": page["pageInfo"]["endCursor"]})
    page = second["data"]["inventoryItem"]["inventoryLevels"]
    assert [e["node"]["location"]["id"] for e in page["edges"]] == [WAREHOUSE]
    assert page["pageInfo"]["hasNextPage"] is False


def test_a_level_a_location_and_nodes_read_by_id(ledger: Ledger) -> None:
    ledger.execute(ADJUST, adjust_input(), idempotency_key="k")
    level = ledger.level(ITEM, SHOP)
    assert level is not None
    body = ledger.graphql(
        """
        query($level: ID!) {
          inventoryLevel(id: $level) { id item { id } quantities(names: ["available"]) {
            quantity updatedAt } }
          location(id: "gid://shopify/Location/1") {
            name inventoryLevels(first: 5) { nodes { id } } }
          nodes(ids: ["gid://shopify/InventoryAdjustmentGroup/1", "gid://shopify/Location/2",
                      "gid://shopify/InventoryItem/1", "gid://shopify/InventoryItem/99"]) {
            __typename id
            ... on InventoryAdjustmentGroup { changes(locationIds: ["gid://shopify/Location/1"],
                                                      quantityNames: ["on_hand"]) { delta } }
            ... on Location { name }
          }
          node(id: $level) { ... on InventoryLevel { isActive } }
        }
        """,
        {"level": level.id},
    )
    assert body == {"data": {
        "inventoryLevel": {"id": level.id, "item": {"id": ITEM}, "quantities": [
            {"quantity": 6, "updatedAt": "2026-06-25T00:00:00Z"}]},
        "location": {"name": "Shop location", "inventoryLevels": {"nodes": [{"id": level.id}]}},
        "nodes": [
            {"__typename": "InventoryAdjustmentGroup",
             "id": "gid://shopify/InventoryAdjustmentGroup/1", "changes": [{"delta": -4}]},
            {"__typename": "Location", "id": WAREHOUSE, "name": "Warehouse"},
            {"__typename": "InventoryItem", "id": ITEM},
            None,
        ],
        "node": {"isActive": True},
    }}


def test_a_read_of_an_adjustment_group_equals_the_mutation_payload(ledger: Ledger) -> None:
    payload = ledger.execute(ADJUST, adjust_input(), idempotency_key="k")
    group = payload["data"][ADJUST]["inventoryAdjustmentGroup"]
    body = ledger.graphql(
        f'{{ node(id: "{group["id"]}") {{ ... on InventoryAdjustmentGroup {{ {GROUP} }} }} }}')
    assert body == {"data": {"node": group}}


def test_a_connection_without_first_is_refused_at_its_field(ledger: Ledger) -> None:
    body = ledger.graphql('{ location(id: "gid://shopify/Location/1") { name '
                          "inventoryLevels { nodes { id } } } }")
    assert body["data"] == {"location": None}
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["location", "inventoryLevels"]


def test_a_deactivated_level_leaves_the_connections_but_reads_by_id(ledger: Ledger) -> None:
    assert ledger.activate(item_id=ITEM, location_id=WAREHOUSE, idempotency_key="a").ok
    level = ledger.level(ITEM, SHOP)
    assert level is not None
    assert ledger.deactivate(level_id=level.id, idempotency_key="d").ok
    body = ledger.graphql(
        'query($id: ID!) { inventoryItem(id: "gid://shopify/InventoryItem/1") {'
        " inventoryLevels(first: 10) { nodes { location { name } } } }"
        " inventoryLevel(id: $id) { isActive } }",
        {"id": level.id},
    )
    assert body == {"data": {
        "inventoryItem": {"inventoryLevels": {"nodes": [{"location": {"name": "Warehouse"}}]}},
        "inventoryLevel": {"isActive": False},
    }}


# ---------------------------------------------------------------------- connections


def _three_locations() -> Ledger:
    return Ledger.from_snapshot({
        "locations": [{"id": f"gid://shopify/Location/{n}", "name": f"L{n}"} for n in (1, 2, 3)],
        "inventoryItems": [{"id": ITEM}],
        "inventoryLevels": [{"inventoryItemId": ITEM, "locationId": f"gid://shopify/Location/{n}",
                             "quantities": {"available": n}} for n in (1, 2, 3)],
    }, api_version="2026-04", clock=FakeClock())


def _page(ledger: Ledger, arguments: str) -> tuple[list[str], dict[str, Any]]:
    body = ledger.graphql(
        f'{{ inventoryItem(id: "{ITEM}") {{ inventoryLevels({arguments}) {{ '
        "nodes { location { id } } pageInfo { hasNextPage hasPreviousPage startCursor "
        "endCursor } } } }")
    connection = body["data"]["inventoryItem"]["inventoryLevels"]
    return [n["location"]["id"][-1] for n in connection["nodes"]], connection["pageInfo"]


@pytest.mark.parametrize(
    ("arguments", "locations", "next_page", "previous_page"),
    [
        ("first: 2", ["1", "2"], True, False),
        ("last: 2", ["2", "3"], False, True),
        ("first: 5", ["1", "2", "3"], False, False),
        ("last: 1, reverse: true", ["1"], False, True),
        ("first: 2, reverse: true", ["3", "2"], True, False),
    ],
)
def test_a_connection_pages_forward_backward_and_reversed(
    arguments: str, locations: list[str], next_page: bool, previous_page: bool
) -> None:
    names, info = _page(_three_locations(), arguments)
    assert names == locations
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (next_page, previous_page)


def test_cursors_walk_a_connection_both_ways() -> None:
    ledger = _three_locations()
    _, first_page = _page(ledger, "first: 1")
    names, second = _page(ledger, f'first: 1, after: "{first_page["endCursor"]}"')
    assert names == ["2"]
    names, _ = _page(ledger, f'last: 5, before: "{second["startCursor"]}"')
    assert names == ["1"]
    names, _ = _page(ledger, f'first: 5, after: "{first_page["endCursor"]}", '
                             f'before: "{_page(ledger, "last: 1")[1]["startCursor"]}"')
    assert names == ["2"]
