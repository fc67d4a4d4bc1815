"""Introspection per API version, compared with tables written from Shopify's reference.

The tables here are written from the research on Shopify's docs, not from the code:

* error-code enums: shopify.dev's enum pages per version (e.g.
  https://shopify.dev/docs/api/admin-graphql/2026-01/enums/InventoryAdjustQuantitiesUserErrorCode),
  which list values alphabetically, and the changelog "Removal of ITEM_NOT_STOCKED_AT_LOCATION
  error" (2026-10); their definition order, which introspection returns, from
  nozzlegear/ShopifySharp's generated enums
  (``ShopifySharp/Entities/GraphQL/Generated/Types/<Enum>.generated.cs``, a 2026-01..2026-07
  schema) and, for the bulk toggle enum, a copy of its reference ``.md`` in that order;
* ``isActive`` and ``includeInactive``: the changelogs "Add isActive field to InventoryLevel"
  and "Add `includeInactive` argument to `inventoryLevels` and `inventoryLevel` fields"
  (both 2026-04) and the 2026-07 Location page (``includeInactive: Boolean = false``);
* deprecations: semantics §3; inventorySetOnHandQuantities' reason as shopify.dev shows it on
  every version's page ("Deprecated. Use `inventorySetQuantities` to set on_hand or available
  quantites instead.");
* read fields: the InventoryItem (2026-01, 2026-07), InventoryLevel (2025-10, 2026-01,
  2027-01), InventoryQuantity (2025-10), Location (2025-04, 2026-07), Count, CountPrecision,
  InventoryProperties, InventoryQuantityName pages, and the queries inventoryItems (2026-01),
  locations (2025-10, 2026-07), inventoryProperties, inventoryActivate (2025-01, 2026-01).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.core.versions import SUPPORTED

OLD = ("2025-01", "2025-04", "2025-07", "2025-10")
CAS = ("2026-01", "2026-04", "2026-07")
NEW = ("2026-10", "2027-01")
assert (*OLD, *CAS, *NEW) == SUPPORTED

_ADJUST_2025 = (
    "ADJUST_QUANTITIES_FAILED", "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT",
    "INVALID_INVENTORY_ITEM", "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION",
    "INVALID_QUANTITY_DOCUMENT", "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_TOO_HIGH",
    "INVALID_QUANTITY_TOO_LOW", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "ITEM_NOT_STOCKED_AT_LOCATION", "MAX_ONE_LEDGER_DOCUMENT", "NON_MUTABLE_INVENTORY_ITEM",
)
_MOVE_2025 = (
    "DIFFERENT_LOCATIONS", "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT",
    "INVALID_INVENTORY_ITEM", "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION",
    "INVALID_QUANTITY_DOCUMENT", "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_NEGATIVE",
    "INVALID_QUANTITY_TOO_HIGH", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "ITEM_NOT_STOCKED_AT_LOCATION", "MAXIMUM_LEDGER_DOCUMENT_URIS", "MOVE_QUANTITIES_FAILED",
    "NON_MUTABLE_INVENTORY_ITEM", "SAME_QUANTITY_NAME",
)
_SET_2025 = (
    "COMPARE_QUANTITY_REQUIRED", "COMPARE_QUANTITY_STALE", "INVALID_INVENTORY_ITEM",
    "INVALID_LOCATION", "INVALID_NAME", "INVALID_QUANTITY_NEGATIVE", "INVALID_QUANTITY_TOO_HIGH",
    "INVALID_QUANTITY_TOO_LOW", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "ITEM_NOT_STOCKED_AT_LOCATION", "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
    "NON_MUTABLE_INVENTORY_ITEM",
)
_SET_ON_HAND_2025 = (
    "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
    "INVALID_QUANTITY_TOO_HIGH", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM", "SET_ON_HAND_QUANTITIES_FAILED",
)
_IDEMPOTENCY = ("IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
_GONE = "ITEM_NOT_STOCKED_AT_LOCATION"
_PREVIOUS = "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"


def _table(old: tuple[str, ...], cas_adds: tuple[str, ...],
           new_adds: tuple[str, ...] = ()) -> dict[str, frozenset[str]]:
    cas = frozenset(old) | frozenset(cas_adds)
    new = (cas - {_GONE}) | frozenset(new_adds)
    return {**dict.fromkeys(OLD, frozenset(old)), **dict.fromkeys(CAS, cas),
            **dict.fromkeys(NEW, new)}


#: Each enum's values per version, from shopify.dev's enum pages (see the module docstring).
ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "InventoryAdjustQuantitiesUserErrorCode": _table(
        _ADJUST_2025, ("CHANGE_FROM_QUANTITY_STALE", *_IDEMPOTENCY, "SERVICE_UNAVAILABLE")),
    "InventoryMoveQuantitiesUserErrorCode": _table(
        _MOVE_2025, ("CHANGE_FROM_QUANTITY_STALE", *_IDEMPOTENCY, "SERVICE_UNAVAILABLE"),
        (_PREVIOUS,)),
    "InventorySetQuantitiesUserErrorCode": _table(
        _SET_2025, ("CHANGE_FROM_QUANTITY_STALE", *_IDEMPOTENCY), (_PREVIOUS,)),
    "InventorySetOnHandQuantitiesUserErrorCode": _table(
        _SET_ON_HAND_2025, ("CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE",
                            *_IDEMPOTENCY, "SERVICE_UNAVAILABLE")),
}

#: Definition order, as ShopifySharp's generator introspected it (2026-01..2026-07 schema);
#: IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED (2026-10 on, not in that schema) after the others.
DEFINITION_ORDER: dict[str, tuple[str, ...]] = {
    "InventoryAdjustQuantitiesUserErrorCode": (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_TOO_LOW", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "ADJUST_QUANTITIES_FAILED", "MAX_ONE_LEDGER_DOCUMENT",
        "ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
    ),
    "InventoryMoveQuantitiesUserErrorCode": (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_NEGATIVE", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "MOVE_QUANTITIES_FAILED", "DIFFERENT_LOCATIONS",
        "SAME_QUANTITY_NAME", "MAXIMUM_LEDGER_DOCUMENT_URIS", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", _PREVIOUS,
    ),
    "InventorySetQuantitiesUserErrorCode": (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "ITEM_NOT_STOCKED_AT_LOCATION",
        "INVALID_QUANTITY_TOO_HIGH", "INVALID_QUANTITY_TOO_LOW", "COMPARE_QUANTITY_REQUIRED",
        "COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE", "INVALID_NAME",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", _PREVIOUS,
    ),
    "InventorySetOnHandQuantitiesUserErrorCode": (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "CHANGE_FROM_QUANTITY_STALE",
        "SET_ON_HAND_QUANTITIES_FAILED", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "INVALID_QUANTITY_TOO_HIGH", "COMPARE_QUANTITY_STALE",
        "SERVICE_UNAVAILABLE", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
    ),
}

BULK_TOGGLE_DEPRECATED = (
    "This error code is deprecated. Both INCOMING_INVENTORY_AT_LOCATION and "
    "COMMITTED_INVENTORY_AT_LOCATION codes will be returned as individual errors instead.")
#: InventoryBulkToggleActivationUserErrorCode, the same in every version: (value, reason).
BULK_TOGGLE = (
    ("GENERIC_ERROR", None), ("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", None),
    ("COMMITTED_AND_INCOMING_INVENTORY_AT_LOCATION", BULK_TOGGLE_DEPRECATED),
    ("INCOMING_INVENTORY_AT_LOCATION", None), ("COMMITTED_INVENTORY_AT_LOCATION", None),
    ("RESERVED_INVENTORY_AT_LOCATION", None), ("FAILED_TO_UNSTOCK_FROM_LOCATION", None),
    ("INVENTORY_MANAGED_BY_3RD_PARTY", None), ("INVENTORY_MANAGED_BY_SHOPIFY", None),
    ("FAILED_TO_STOCK_AT_LOCATION", None), ("MISSING_SKU", None),
    ("LOCATION_NOT_FOUND", None), ("INVENTORY_ITEM_NOT_FOUND", None),
)

SET_ON_HAND_REASON = (
    "Use `inventorySetQuantities` to set on_hand or available quantites instead.")

#: The read fields an inventory app selects: (type, field) -> Shopify's type, every version.
READ_FIELDS: dict[tuple[str, str], str] = {
    ("InventoryItem", "id"): "ID!",
    ("InventoryItem", "sku"): "String",
    ("InventoryItem", "tracked"): "Boolean!",
    ("InventoryItem", "requiresShipping"): "Boolean!",
    ("InventoryItem", "legacyResourceId"): "UnsignedInt64!",
    ("InventoryItem", "createdAt"): "DateTime!",
    ("InventoryItem", "updatedAt"): "DateTime!",
    ("InventoryItem", "locationsCount"): "Count",
    ("InventoryItem", "inventoryLevel"): "InventoryLevel",
    ("InventoryItem", "inventoryLevels"): "InventoryLevelConnection!",
    ("InventoryLevel", "id"): "ID!",
    ("InventoryLevel", "canDeactivate"): "Boolean!",
    ("InventoryLevel", "createdAt"): "DateTime!",
    ("InventoryLevel", "deactivationAlert"): "String",
    ("InventoryLevel", "item"): "InventoryItem!",
    ("InventoryLevel", "location"): "Location!",
    ("InventoryLevel", "quantities"): "[InventoryQuantity!]!",
    ("InventoryLevel", "updatedAt"): "DateTime!",
    ("InventoryQuantity", "id"): "ID!",
    ("InventoryQuantity", "name"): "String!",
    ("InventoryQuantity", "quantity"): "Int!",
    ("InventoryQuantity", "updatedAt"): "DateTime",
    ("Location", "id"): "ID!",
    ("Location", "name"): "String!",
    ("Location", "isActive"): "Boolean!",
    ("Location", "legacyResourceId"): "UnsignedInt64!",
    ("Location", "fulfillsOnlineOrders"): "Boolean!",
    ("Location", "createdAt"): "DateTime!",
    ("Location", "inventoryLevel"): "InventoryLevel",
    ("Location", "inventoryLevels"): "InventoryLevelConnection!",
    ("Count", "count"): "Int!",
    ("Count", "precision"): "CountPrecision!",
    ("InventoryProperties", "quantityNames"): "[InventoryQuantityName!]!",
    ("InventoryQuantityName", "belongsTo"): "[String!]!",
    ("InventoryQuantityName", "comprises"): "[String!]!",
    ("InventoryQuantityName", "displayName"): "String",
    ("InventoryQuantityName", "isInUse"): "Boolean!",
    ("InventoryQuantityName", "name"): "String!",
    ("QueryRoot", "inventoryItem"): "InventoryItem",
    ("QueryRoot", "inventoryItems"): "InventoryItemConnection!",
    ("QueryRoot", "inventoryLevel"): "InventoryLevel",
    ("QueryRoot", "inventoryProperties"): "InventoryProperties!",
    ("QueryRoot", "location"): "Location",
    ("QueryRoot", "locations"): "LocationConnection!",
}

#: Arguments: (type, field) -> {argument: (type, default)}, every version.
ARGUMENTS: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {
    ("QueryRoot", "inventoryItems"): {
        "first": ("Int", None), "after": ("String", None), "last": ("Int", None),
        "before": ("String", None), "reverse": ("Boolean", "false"), "query": ("String", None)},
    ("QueryRoot", "locations"): {
        "first": ("Int", None), "after": ("String", None), "last": ("Int", None),
        "before": ("String", None), "reverse": ("Boolean", "false"),
        "sortKey": ("LocationSortKeys", "NAME"), "includeLegacy": ("Boolean", "false"),
        "includeInactive": ("Boolean", "false")},
    ("Mutation", "inventoryActivate"): {
        "inventoryItemId": ("ID!", None), "locationId": ("ID!", None),
        "available": ("Int", None), "onHand": ("Int", None),
        "stockAtLegacyLocation": ("Boolean", "false")},
}

#: The four fields ``includeInactive`` comes to in 2026-04, with their other arguments.
LEVEL_FIELDS = {
    ("InventoryItem", "inventoryLevel"): {"locationId"},
    ("InventoryItem", "inventoryLevels"): {"first", "after", "last", "before", "reverse"},
    ("Location", "inventoryLevel"): {"inventoryItemId"},
    ("Location", "inventoryLevels"): {"first", "after", "last", "before", "reverse"},
}

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"


def introspect(version: str, query: str) -> dict[str, Any]:
    body = Ledger.example(api_version=version).graphql(query)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def printed(t: dict[str, Any]) -> str:
    if t["kind"] == "NON_NULL":
        return printed(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return f"[{printed(t['ofType'])}]"
    name: str = t["name"]
    return name


def type_of(version: str, name: str) -> dict[str, Any]:
    data = introspect(version, f"""{{ __type(name: {json.dumps(name)}) {{
        name kind interfaces {{ name }}
        enumValues(includeDeprecated: true) {{ name isDeprecated deprecationReason }}
        inputFields(includeDeprecated: true) {{ name isDeprecated deprecationReason
                                               type {{ {TYPE_REF} }} }}
        fields(includeDeprecated: true) {{
          name isDeprecated deprecationReason type {{ {TYPE_REF} }}
          args {{ name defaultValue type {{ {TYPE_REF} }} }} }} }} }}""")
    t: dict[str, Any] = data["__type"]
    assert t is not None, name
    return t


def field(version: str, type_name: str, name: str) -> dict[str, Any] | None:
    return next((f for f in type_of(version, type_name)["fields"] if f["name"] == name), None)


# ---------------------------------------------------------------------- enums


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("enum", list(ENUMS))
def test_each_quantity_mutation_enum_has_exactly_the_values_of_its_versions_reference(
    enum: str, version: str,
) -> None:
    values = [v["name"] for v in type_of(version, enum)["enumValues"]]
    assert sorted(values) == sorted(ENUMS[enum][version])
    assert not any(v["isDeprecated"] for v in type_of(version, enum)["enumValues"])


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("enum", list(ENUMS))
def test_enum_values_come_in_shopifys_definition_order_not_the_docs_alphabetical_one(
    enum: str, version: str,
) -> None:
    values = [v["name"] for v in type_of(version, enum)["enumValues"]]
    assert values == [v for v in DEFINITION_ORDER[enum] if v in ENUMS[enum][version]]


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_bulk_toggle_enum_lists_every_value_with_its_one_deprecation(version: str) -> None:
    values = type_of(version, "InventoryBulkToggleActivationUserErrorCode")["enumValues"]
    assert [(v["name"], v["deprecationReason"]) for v in values] == list(BULK_TOGGLE)
    assert [v["name"] for v in values if v["isDeprecated"]] == [
        "COMMITTED_AND_INCOMING_INVENTORY_AT_LOCATION"]


# ---------------------------------------------------------------------- isActive, includeInactive


@pytest.mark.parametrize("version", SUPPORTED)
def test_is_active_is_a_field_of_inventory_level_from_2026_04_only(version: str) -> None:
    is_active = field(version, "InventoryLevel", "isActive")
    if version in (*OLD, "2026-01"):
        assert is_active is None
    else:
        assert is_active is not None
        assert printed(is_active["type"]) == "Boolean!"


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize(("type_name", "name"), list(LEVEL_FIELDS))
def test_include_inactive_is_an_argument_of_the_four_level_fields_from_2026_04_only(
    type_name: str, name: str, version: str,
) -> None:
    found = field(version, type_name, name)
    assert found is not None
    arguments = {a["name"]: a for a in found["args"]}
    others = LEVEL_FIELDS[(type_name, name)]
    if version in (*OLD, "2026-01"):
        assert set(arguments) == others
    else:
        assert set(arguments) == {*others, "includeInactive"}
        argument = arguments["includeInactive"]
        assert (printed(argument["type"]), argument["defaultValue"]) == ("Boolean", "false")


# ---------------------------------------------------------------------- deprecations


@pytest.mark.parametrize("version", SUPPORTED)
def test_set_on_hand_is_deprecated_in_every_version_with_shopifys_reason(version: str) -> None:
    mutation = field(version, "Mutation", "inventorySetOnHandQuantities")
    assert mutation is not None
    assert (mutation["isDeprecated"], mutation["deprecationReason"]) == (
        True, SET_ON_HAND_REASON)
    others = [f for f in type_of(version, "Mutation")["fields"]
              if f["name"] != "inventorySetOnHandQuantities"]
    assert not any(f["isDeprecated"] for f in others)


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize(("type_name", "name"), [
    ("InventoryQuantityInput", "compareQuantity"),
    ("InventorySetQuantitiesInput", "ignoreCompareQuantity"),
])
def test_the_legacy_compare_fields_are_deprecated_in_2026_01_and_gone_after(
    type_name: str, name: str, version: str,
) -> None:
    fields = {f["name"]: f for f in type_of(version, type_name)["inputFields"]}
    if version in NEW or version in ("2026-04", "2026-07"):
        assert name not in fields
        return
    assert name in fields
    deprecated = version == "2026-01"
    assert fields[name]["isDeprecated"] is deprecated
    assert (fields[name]["deprecationReason"] is not None) is deprecated
    assert not any(f["isDeprecated"] for n, f in fields.items() if n != name)
    shown = introspect(version, f'{{ __type(name: "{type_name}") {{ inputFields {{ name }} }} }}')
    names = [f["name"] for f in shown["__type"]["inputFields"]]
    assert (name in names) is not deprecated, "a deprecated input field is hidden by default"


@pytest.mark.parametrize("version", SUPPORTED)
def test_ignore_compare_quantity_defaults_to_false_as_shopify_documents(version: str) -> None:
    fields = {f["name"]: f for f in introspect(version, """{ __type(name:
        "InventorySetQuantitiesInput") { inputFields(includeDeprecated: true) {
        name defaultValue } } }""")["__type"]["inputFields"]}
    if "ignoreCompareQuantity" in fields:
        assert fields["ignoreCompareQuantity"]["defaultValue"] == "false"
    assert version in (*OLD, "2026-01") or "ignoreCompareQuantity" not in fields


# ---------------------------------------------------------------------- read fields


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_read_fields_have_shopifys_names_types_and_nullability(version: str) -> None:
    types = {type_name for type_name, _ in READ_FIELDS}
    found = {}
    for type_name in types:
        for f in type_of(version, type_name)["fields"]:
            found[(type_name, f["name"])] = printed(f["type"])
    assert {key: found.get(key) for key in READ_FIELDS} == READ_FIELDS


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("owner", list(ARGUMENTS))
def test_the_roots_and_activate_take_shopifys_arguments_and_defaults(
    owner: tuple[str, str], version: str,
) -> None:
    found = field(version, *owner)
    assert found is not None
    arguments = {a["name"]: (printed(a["type"]), a["defaultValue"]) for a in found["args"]}
    assert arguments == ARGUMENTS[owner]


@pytest.mark.parametrize("version", SUPPORTED)
def test_items_locations_and_quantities_are_nodes_and_items_and_locations_have_legacy_ids(
    version: str,
) -> None:
    interfaces = {name: {i["name"] for i in type_of(version, name)["interfaces"]}
                  for name in ("InventoryItem", "Location", "InventoryLevel", "InventoryQuantity")}
    assert interfaces == {
        "InventoryItem": {"LegacyInteroperability", "Node"},
        "Location": {"LegacyInteroperability", "Node"},
        "InventoryLevel": {"Node"},
        "InventoryQuantity": {"Node"},
    }


@pytest.mark.parametrize("version", ["2025-01", "2026-04"])
def test_count_precision_and_location_sort_keys_have_shopifys_values(version: str) -> None:
    assert {v["name"] for v in type_of(version, "CountPrecision")["enumValues"]} == {
        "AT_LEAST", "EXACT"}
    assert {v["name"] for v in type_of(version, "LocationSortKeys")["enumValues"]} == {
        "ID", "NAME", "RELEVANCE"}
    assert [s["name"] for s in introspect(version, '{ __type(name: "UnsignedInt64") '
                                                   "{ name kind } }").values()] == [
        "UnsignedInt64"]
