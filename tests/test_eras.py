"""Semantics §3's era table, row by row, in every supported version.

Each row of the table is written here again, from the contract, as the value each version
must show (not read from ``ledger.versions``), and checked by what ``execute`` does: a row
whose value is wrong for any version, 2027-01 included, fails that version's test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger import Fault, Ledger
from ledger.core.versions import SUPPORTED
from tests.support import FakeClock

ITEM, OTHER = "gid://shopify/InventoryItem/1", "gid://shopify/InventoryItem/2"
SHOP, WAREHOUSE = "gid://shopify/Location/1", "gid://shopify/Location/2"
VERSIONS = ("2025-01", "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07",
            "2026-10", "2027-01")


def _era(version: str) -> str:
    """The column of §3's table a version falls in."""
    if version <= "2025-10":
        return "2025"
    if version == "2026-01":
        return "2026-01"
    if version in ("2026-04", "2026-07"):
        return "2026-04"
    return "2026-10"


#: §3's rows: column -> value, as the contract writes them.
TABLE: dict[str, dict[str, str]] = {
    "idempotent on quantity mutations": {"2025": "undefined", "2026-01": "optional",
                                         "2026-04": "required", "2026-10": "required"},
    "idempotent on inventoryActivate": {"2025": "undefined", "2026-01": "optional",
                                        "2026-04": "required", "2026-10": "required"},
    "idempotent on deactivate and bulk toggle": {"2025": "undefined", "2026-01": "optional",
                                                 "2026-04": "optional", "2026-10": "optional"},
    "changeFromQuantity": {"2025": "undefined", "2026-01": "optional", "2026-04": "required",
                           "2026-10": "required"},
    "set compareQuantity": {"2025": "required unless ignored",
                            "2026-01": "ignored when changeFromQuantity is present",
                            "2026-04": "removed", "2026-10": "removed"},
    "CAS and idempotency codes": {"2025": "absent", "2026-01": "present",
                                  "2026-04": "present", "2026-10": "present"},
    "previous attempt failed on move and set": {"2025": "no", "2026-01": "no",
                                                "2026-04": "no", "2026-10": "yes"},
    "deactivating a level": {"2025": "clears", "2026-01": "clears", "2026-04": "keeps",
                             "2026-10": "keeps"},
    "activating an inactive level": {"2025": "resets", "2026-01": "resets",
                                     "2026-04": "keeps", "2026-10": "keeps"},
    "an inactive level in reads": {"2025": "invisible", "2026-01": "invisible",
                                   "2026-04": "hidden unless includeInactive",
                                   "2026-10": "hidden unless includeInactive"},
    "InventoryLevel.isActive and includeInactive": {"2025": "not defined",
                                                    "2026-01": "not defined",
                                                    "2026-04": "defined", "2026-10": "defined"},
    "quantity mutations on an inactive level": {
        "2025": "ITEM_NOT_STOCKED_AT_LOCATION", "2026-01": "ITEM_NOT_STOCKED_AT_LOCATION",
        "2026-04": "allowed", "2026-10": "allowed"},
    "quantity mutations where there is no level": {
        "2025": "ITEM_NOT_STOCKED_AT_LOCATION", "2026-01": "ITEM_NOT_STOCKED_AT_LOCATION",
        "2026-04": "ITEM_NOT_STOCKED_AT_LOCATION", "2026-10": "creates an inactive level"},
}


def test_the_versions_are_the_contracts() -> None:
    assert SUPPORTED == VERSIONS


def _ledger(version: str, **options: Any) -> Ledger:
    return Ledger.from_snapshot({
        "locations": [{"id": SHOP, "name": "Shop"}, {"id": WAREHOUSE, "name": "Warehouse"}],
        "inventoryItems": [{"id": ITEM}, {"id": OTHER}],
        "inventoryLevels": [
            {"inventoryItemId": ITEM, "locationId": SHOP, "quantities": {"available": 10}},
            {"inventoryItemId": ITEM, "locationId": WAREHOUSE,
             "quantities": {"available": 7, "damaged": 2}},
        ],
    }, api_version=version, clock=FakeClock(), **options)


def _key(version: str) -> str | None:
    """A key where the version defines the directive, else none."""
    return None if _era(version) == "2025" else "k-1"


def _adjust(location: str = SHOP, item: str = ITEM, delta: int = 1,
            change_from: Any = "absent") -> dict[str, Any]:
    change: dict[str, Any] = {"inventoryItemId": item, "locationId": location, "delta": delta}
    if change_from != "absent":
        change["changeFromQuantity"] = change_from
    return {"input": {"name": "available", "reason": "correction", "changes": [change]}}


def _adjust_for(version: str, **kwargs: Any) -> dict[str, Any]:
    if TABLE["changeFromQuantity"][_era(version)] != "undefined":
        kwargs.setdefault("change_from", None)
    return _adjust(**kwargs)


def _codes(body: dict[str, Any], operation: str) -> list[str | None]:
    return [e.get("code") for e in body["data"][operation]["userErrors"]]


def _directive(body: dict[str, Any]) -> str:
    """How a request with or without the directive fared: its request error code, or ok."""
    if "errors" in body:
        return str(body["errors"][0]["extensions"]["code"])
    return "ok"


#: How a call fares (with the directive, without it) for each value of a directive's row.
DIRECTIVE_OUTCOMES = {"undefined": ("undefinedDirective", "ok"), "optional": ("ok", "ok"),
                      "required": ("ok", "BAD_REQUEST")}


def _with_and_without_a_key(version: str, operation: str,
                            variables: dict[str, Any]) -> tuple[str, str]:
    with_key = _ledger(version).execute(operation, variables, idempotency_key="k-1")
    without = _ledger(version).execute(operation, variables)
    return _directive(with_key), _directive(without)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_idempotent_directive_on_the_quantity_mutations(version: str) -> None:
    expected = TABLE["idempotent on quantity mutations"][_era(version)]
    assert _with_and_without_a_key(version, "inventoryAdjustQuantities",
                                   _adjust_for(version)) == DIRECTIVE_OUTCOMES[expected]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_idempotent_directive_on_inventory_activate(version: str) -> None:
    expected = TABLE["idempotent on inventoryActivate"][_era(version)]
    variables = {"inventoryItemId": OTHER, "locationId": SHOP}
    assert _with_and_without_a_key(version, "inventoryActivate",
                                   variables) == DIRECTIVE_OUTCOMES[expected]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_idempotent_directive_on_deactivate_and_bulk_toggle(version: str) -> None:
    expected = TABLE["idempotent on deactivate and bulk toggle"][_era(version)]
    level = _ledger(version).level(ITEM, WAREHOUSE)
    assert level is not None
    runs = [
        ("inventoryDeactivate", {"inventoryLevelId": level.id}),
        ("inventoryBulkToggleActivation", {"inventoryItemId": OTHER, "inventoryItemUpdates": [
            {"locationId": SHOP, "activate": True}]}),
    ]
    for operation, variables in runs:
        assert _with_and_without_a_key(version, operation,
                                       variables) == DIRECTIVE_OUTCOMES[expected]


@pytest.mark.parametrize("version", VERSIONS)
def test_change_from_quantity(version: str) -> None:
    expected = TABLE["changeFromQuantity"][_era(version)]
    key = _key(version)
    given = _ledger(version).execute("inventoryAdjustQuantities", _adjust(change_from=None),
                                     idempotency_key=key)
    left_out = _ledger(version).execute("inventoryAdjustQuantities", _adjust(),
                                        idempotency_key=key)
    assert (_directive(given), _directive(left_out)) == {
        "undefined": ("INVALID_VARIABLE", "ok"), "optional": ("ok", "ok"),
        "required": ("ok", "INVALID_FIELD_ARGUMENTS")}[expected]


@pytest.mark.parametrize("version", VERSIONS)
def test_set_compare_quantity(version: str) -> None:
    expected = TABLE["set compareQuantity"][_era(version)]
    key = _key(version)
    quantity: dict[str, Any] = {"inventoryItemId": ITEM, "locationId": SHOP, "quantity": 3,
                                "compareQuantity": 99}
    if expected != "required unless ignored":
        quantity["changeFromQuantity"] = 10
    body = _ledger(version).execute("inventorySetQuantities", {"input": {
        "name": "available", "reason": "correction", "quantities": [quantity]}},
        idempotency_key=key)
    if expected == "removed":
        assert _directive(body) == "INVALID_VARIABLE"
        return
    codes = _codes(body, "inventorySetQuantities")
    if expected == "required unless ignored":
        assert codes == ["COMPARE_QUANTITY_STALE"]  # the compare value is checked
    else:
        assert codes == []  # changeFromQuantity is present: compareQuantity is ignored


@pytest.mark.parametrize("version", VERSIONS)
def test_the_cas_and_idempotency_codes(version: str) -> None:
    expected = TABLE["CAS and idempotency codes"][_era(version)]
    if expected == "absent":
        body = _ledger(version).execute("inventoryAdjustQuantities",
                                        _adjust(change_from=3))
        assert _directive(body) == "INVALID_VARIABLE"  # no field to be stale with
        return
    ledger = _ledger(version)
    stale = ledger.execute("inventoryAdjustQuantities", _adjust(change_from=3),
                           idempotency_key="k-1")
    assert _codes(stale, "inventoryAdjustQuantities") == ["CHANGE_FROM_QUANTITY_STALE"]
    mismatch = ledger.execute("inventoryAdjustQuantities", _adjust(change_from=3, delta=2),
                              idempotency_key="k-1")
    assert _codes(mismatch, "inventoryAdjustQuantities") == [
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_previous_failed_attempt_on_move_and_set(version: str) -> None:
    expected = TABLE["previous attempt failed on move and set"][_era(version)]
    if _era(version) == "2025":
        return  # no keys at all in this era
    faults = iter([Fault.FAILED])
    ledger = _ledger(version, faults=lambda _op, _cmd: next(faults, None))
    variables = {"input": {"reason": "damaged", "referenceDocumentUri": "logistics://m/1",
                           "changes": [{"inventoryItemId": ITEM, "quantity": 1,
                                        "from": {"locationId": SHOP, "name": "available",
                                                 "changeFromQuantity": None},
                                        "to": {"locationId": SHOP, "name": "damaged",
                                               "ledgerDocumentUri": "logistics://d/1",
                                               "changeFromQuantity": None}}]}}
    first = ledger.execute("inventoryMoveQuantities", variables, idempotency_key="k-9")
    assert _codes(first, "inventoryMoveQuantities") == ["MOVE_QUANTITIES_FAILED"]
    retry = ledger.execute("inventoryMoveQuantities", variables, idempotency_key="k-9")
    assert _codes(retry, "inventoryMoveQuantities") == (
        ["IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"] if expected == "yes" else [])


@pytest.mark.parametrize("version", VERSIONS)
def test_deactivating_a_level(version: str) -> None:
    expected = TABLE["deactivating a level"][_era(version)]
    ledger = _ledger(version)
    level = ledger.level(ITEM, WAREHOUSE)
    assert level is not None
    body = ledger.execute("inventoryDeactivate", {"inventoryLevelId": level.id})
    assert body == {"data": {"inventoryDeactivate": {"userErrors": []}}}
    after = ledger.quantities(ITEM, WAREHOUSE)
    assert (after["available"], after["damaged"]) == {"clears": (0, 0), "keeps": (7, 2)}[
        expected]
    if expected == "clears":
        # The clear is journaled (semantics §9): one correction group explains it.
        group = ledger.groups()[-1]
        assert group.reason == "correction"
        assert [(c.name, c.delta) for c in group.changes] == [
            ("available", -7), ("damaged", -2), ("on_hand", -7), ("on_hand", -2)]


@pytest.mark.parametrize("version", VERSIONS)
def test_activating_an_inactive_level(version: str) -> None:
    expected = TABLE["activating an inactive level"][_era(version)]
    ledger = _ledger(version)
    # The level is inactive with quantities (kept by a 2026-04 app deactivating it).
    level = ledger.level(ITEM, WAREHOUSE)
    assert level is not None
    ledger.execute("inventoryDeactivate", {"inventoryLevelId": level.id},
                   api_version="2026-04")
    key = "k-2" if TABLE["idempotent on inventoryActivate"][_era(version)] != "undefined" else None
    body = ledger.execute("inventoryActivate", {"inventoryItemId": ITEM,
                                                "locationId": WAREHOUSE}, idempotency_key=key)
    assert body["data"]["inventoryActivate"]["userErrors"] == []
    assert body["data"]["inventoryActivate"]["inventoryLevel"]["id"] == level.id
    after = ledger.quantities(ITEM, WAREHOUSE)
    assert (after["available"], after["damaged"]) == {"resets": (0, 0), "keeps": (7, 2)}[
        expected]


@pytest.mark.parametrize("version", VERSIONS)
def test_quantity_mutations_on_an_inactive_level(version: str) -> None:
    expected = TABLE["quantity mutations on an inactive level"][_era(version)]
    ledger = _ledger(version)
    level = ledger.level(ITEM, WAREHOUSE)
    assert level is not None
    ledger.execute("inventoryDeactivate", {"inventoryLevelId": level.id},
                   api_version="2026-04")  # keeps 7 available
    body = ledger.execute("inventoryAdjustQuantities", _adjust_for(version, location=WAREHOUSE),
                          idempotency_key=_key(version))
    if expected == "allowed":
        assert _codes(body, "inventoryAdjustQuantities") == []
        assert ledger.quantities(ITEM, WAREHOUSE)["available"] == 8
        view = ledger.level(ITEM, WAREHOUSE)
        assert view is not None
        assert not view.is_active  # the level stays inactive (semantics §13)
    else:
        assert _codes(body, "inventoryAdjustQuantities") == [expected]
        assert ledger.quantities(ITEM, WAREHOUSE)["available"] == 7


@pytest.mark.parametrize("version", VERSIONS)
def test_quantity_mutations_where_there_is_no_level(version: str) -> None:
    expected = TABLE["quantity mutations where there is no level"][_era(version)]
    ledger = _ledger(version)
    body = ledger.execute("inventoryAdjustQuantities",
                          _adjust_for(version, item=OTHER, location=WAREHOUSE, delta=4),
                          idempotency_key=_key(version))
    if expected == "creates an inactive level":
        assert _codes(body, "inventoryAdjustQuantities") == []
        view = ledger.level(OTHER, WAREHOUSE)
        assert view is not None
        assert not view.is_active
        assert ledger.quantities(OTHER, WAREHOUSE)["available"] == 4
        assert view.id in {lv["id"] for lv in ledger.snapshot()["inventoryLevels"]}
    else:
        assert _codes(body, "inventoryAdjustQuantities") == [expected]
        assert ledger.level(OTHER, WAREHOUSE) is None


def _inactive_warehouse(version: str) -> tuple[Ledger, str]:
    ledger = _ledger(version)
    level = ledger.level(ITEM, WAREHOUSE)
    assert level is not None
    ledger.execute("inventoryDeactivate", {"inventoryLevelId": level.id})
    return ledger, level.id


@pytest.mark.parametrize("version", VERSIONS)
def test_an_inactive_level_in_reads(version: str) -> None:
    pytest.importorskip("graphql")
    expected = TABLE["an inactive level in reads"][_era(version)]
    ledger, level_id = _inactive_warehouse(version)
    by_location = ledger.graphql(f'{{ inventoryItem(id: "{ITEM}") {{ '
                                 f'inventoryLevel(locationId: "{WAREHOUSE}") {{ id }} '
                                 'inventoryLevels(first: 5) { nodes { id } } } '
                                 f'inventoryLevel(id: "{level_id}") {{ id }} }}')
    item = by_location["data"]["inventoryItem"]
    assert item["inventoryLevel"] is None  # hidden by default, or invisible
    assert level_id not in [n["id"] for n in item["inventoryLevels"]["nodes"]]
    asked = ledger.graphql(f'{{ inventoryItem(id: "{ITEM}") {{ '
                           f'inventoryLevel(locationId: "{WAREHOUSE}", includeInactive: true) '
                           '{ id } } }')
    if expected == "invisible":
        assert by_location["data"]["inventoryLevel"] is None
        assert "errors" in asked  # includeInactive is not an argument there
    else:
        assert by_location["data"]["inventoryLevel"] == {"id": level_id}
        assert asked["data"]["inventoryItem"]["inventoryLevel"] == {"id": level_id}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_is_active_field_and_the_include_inactive_argument(version: str) -> None:
    pytest.importorskip("graphql")
    expected = TABLE["InventoryLevel.isActive and includeInactive"][_era(version)]
    body = _ledger(version).graphql(
        '{ __type(name: "InventoryLevel") { fields { name } } '
        'item: __type(name: "InventoryItem") { fields { name args { name } } } }')
    level_fields = {f["name"] for f in body["data"]["__type"]["fields"]}
    item_fields = {f["name"]: {a["name"] for a in f["args"]}
                   for f in body["data"]["item"]["fields"]}
    defined = expected == "defined"
    assert ("isActive" in level_fields) is defined
    assert ("includeInactive" in item_fields["inventoryLevels"]) is defined
    assert ("includeInactive" in item_fields["inventoryLevel"]) is defined


def test_every_row_of_the_table_has_a_test() -> None:
    tested = {
        "an inactive level in reads", "InventoryLevel.isActive and includeInactive",
        "idempotent on quantity mutations", "idempotent on inventoryActivate",
        "idempotent on deactivate and bulk toggle", "changeFromQuantity",
        "set compareQuantity", "CAS and idempotency codes",
        "previous attempt failed on move and set", "deactivating a level",
        "activating an inactive level", "quantity mutations on an inactive level",
        "quantity mutations where there is no level",
    }
    assert set(TABLE) == tested
    assert all(set(row) == {"2025", "2026-01", "2026-04", "2026-10"} for row in TABLE.values())
