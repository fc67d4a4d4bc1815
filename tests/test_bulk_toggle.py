"""inventoryBulkToggleActivation: stock and unstock one item at several locations at once."""

from __future__ import annotations

import copy
import importlib.util
from typing import Any

import pytest

from ledger import BulkToggleActivation, Fault, Ledger
from ledger.core.errors import OPERATIONS, STOCKING_MUTATIONS, BulkToggleCode
from ledger.core.versions import era_of
from tests.support import FakeClock

BULK = "inventoryBulkToggleActivation"
I1, I2, I9 = (f"gid://shopify/InventoryItem/{n}" for n in (1, 2, 9))
L1, L2, L3, L9 = (f"gid://shopify/Location/{n}" for n in (1, 2, 3, 9))
NAMES = ("available", "committed", "damaged", "incoming", "on_hand", "quality_control",
         "reserved", "safety_stock")


def snapshot() -> dict[str, Any]:
    """Item 1: active at L1 (5 available), inactive at L2 (3 available, 1 damaged), none at L3.

    Item 2: active at L1 with 2 committed and at L2 with 4 incoming.
    """
    return {
        "locations": [{"id": L1, "name": "Shop location"}, {"id": L2, "name": "Warehouse"},
                      {"id": L3, "name": "Depot"}],
        "inventoryItems": [{"id": I1}, {"id": I2}],
        "inventoryLevels": [
            {"inventoryItemId": I1, "locationId": L1, "quantities": {"available": 5}},
            {"inventoryItemId": I1, "locationId": L2, "isActive": False,
             "quantities": {"available": 3, "damaged": 1}},
            {"inventoryItemId": I2, "locationId": L1, "quantities": {"committed": 2}},
            {"inventoryItemId": I2, "locationId": L2, "quantities": {"incoming": 4}},
        ],
    }


def new_ledger(version: str = "2026-04") -> Ledger:
    return Ledger.from_snapshot(snapshot(), api_version=version, clock=FakeClock())


def variables(item: str, *updates: tuple[str, bool]) -> dict[str, Any]:
    return {"inventoryItemId": item,
            "inventoryItemUpdates": [{"locationId": loc, "activate": on} for loc, on in updates]}


def toggle(ledger: Ledger, item: str, *updates: tuple[str, bool],
           key: str | None = None) -> dict[str, Any]:
    return ledger.execute(BULK, variables(item, *updates), idempotency_key=key)


def payload(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][BULK]
    return result


def error(code: str, field: list[str] | None, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def at(index: int) -> list[str]:
    return ["inventoryItemUpdates", str(index), "locationId"]


ITEM_NOT_FOUND = "The inventory item was not found."
LOCATION_NOT_FOUND = "The location was not found."
COMMITTED = ("Cannot unstock this inventory item from this location because it has committed "
             "quantities.")
INCOMING = ("Cannot unstock this inventory item from this location because it has incoming "
            "quantities.")
ONLY_LOCATION = "Cannot unstock an inventory item from the only location at which it is stocked."


def levels_by_location(ledger: Ledger, item: str) -> dict[str, tuple[bool, int]]:
    out = {}
    for location in ledger.locations():
        level = ledger.level(item, location)
        if level is not None:
            out[location] = (level.is_active, level.quantity("available"))
    return out


# ---------------------------------------------------------------------- success


def test_activating_at_a_new_location_creates_a_level_with_zero_quantities() -> None:
    ledger = new_ledger()
    result = payload(toggle(ledger, I1, (L3, True)))
    assert result["userErrors"] == []
    assert result["inventoryItem"] == {"id": I1}
    [level] = result["inventoryLevels"]
    assert level["isActive"] is True
    assert level["item"] == {"id": I1}
    assert level["location"] == {"id": L3, "name": "Depot"}
    assert level["quantities"] == [{"name": n, "quantity": 0, "updatedAt": None} for n in NAMES]
    assert ledger.level(I1, L3) is not None
    assert level["id"] == ledger.level(I1, L3).id  # type: ignore[union-attr]


def test_reactivating_an_inactive_level_brings_back_its_quantities_under_the_same_id() -> None:
    ledger = new_ledger()
    before = ledger.level(I1, L2)
    assert before is not None
    assert not before.is_active
    result = payload(toggle(ledger, I1, (L2, True)))
    [level] = result["inventoryLevels"]
    assert level["id"] == before.id
    assert level["isActive"] is True
    assert {q["name"]: q["quantity"] for q in level["quantities"]}["on_hand"] == 4
    assert ledger.quantities(I1, L2)["available"] == 3


def test_deactivating_keeps_quantities_and_lists_no_level() -> None:
    ledger = new_ledger()
    payload(toggle(ledger, I1, (L3, True)))
    result = payload(toggle(ledger, I1, (L1, False)))
    assert result == {"inventoryItem": {"id": I1}, "inventoryLevels": [], "userErrors": []}
    assert levels_by_location(ledger, I1)[L1] == (False, 5)
    assert ledger.quantities(I1, L1)["available"] == 5


def test_several_updates_apply_together_and_list_the_activated_levels_in_order() -> None:
    ledger = new_ledger()
    result = payload(toggle(ledger, I1, (L3, True), (L1, False), (L2, True)))
    assert [lv["location"]["id"] for lv in result["inventoryLevels"]] == [L3, L2]
    assert levels_by_location(ledger, I1) == {L1: (False, 5), L2: (True, 3), L3: (True, 0)}


def test_activating_an_active_level_is_a_no_op_that_still_lists_it() -> None:
    ledger = new_ledger()
    before = ledger.snapshot()
    result = payload(toggle(ledger, I1, (L1, True)))
    assert [lv["location"]["id"] for lv in result["inventoryLevels"]] == [L1]
    assert ledger.snapshot() == before


def test_deactivating_an_inactive_or_absent_level_is_a_no_op() -> None:
    ledger = new_ledger()
    before = ledger.snapshot()
    result = payload(toggle(ledger, I1, (L2, False), (L3, False)))
    assert result == {"inventoryItem": {"id": I1}, "inventoryLevels": [], "userErrors": []}
    assert ledger.snapshot() == before


def test_moving_the_only_stocking_to_another_location_is_allowed_in_either_order() -> None:
    ledger = new_ledger()
    payload(toggle(ledger, I1, (L1, False), (L3, True)))
    assert levels_by_location(ledger, I1) == {L1: (False, 5), L2: (False, 3), L3: (True, 0)}


def test_for_a_location_given_twice_the_last_update_wins() -> None:
    ledger = new_ledger()
    result = payload(toggle(ledger, I1, (L3, True), (L2, True), (L3, False)))
    assert [lv["location"]["id"] for lv in result["inventoryLevels"]] == [L2]
    assert ledger.level(I1, L3) is None
    result = payload(toggle(ledger, I1, (L2, False), (L1, True), (L2, True)))
    assert [lv["location"]["id"] for lv in result["inventoryLevels"]] == [L2, L1]
    assert levels_by_location(ledger, I1) == {L1: (True, 5), L2: (True, 3)}


def test_a_deactivation_undone_later_in_the_call_is_not_checked() -> None:
    ledger = new_ledger()
    result = payload(toggle(ledger, I2, (L1, False), (L1, True)))
    assert result["userErrors"] == []
    assert levels_by_location(ledger, I2)[L1][0] is True


def test_an_empty_update_list_succeeds_and_changes_nothing() -> None:
    ledger = new_ledger()
    before = ledger.snapshot()
    assert payload(toggle(ledger, I1)) == {
        "inventoryItem": {"id": I1}, "inventoryLevels": [], "userErrors": []}
    assert ledger.snapshot() == before


def test_toggling_records_no_adjustment_group() -> None:
    ledger = new_ledger()
    payload(toggle(ledger, I1, (L3, True), (L2, True), (L1, False)))
    assert list(ledger.journal) == []


# ---------------------------------------------------------------------- user errors


def test_an_unknown_item_is_inventory_item_not_found_at_inventory_item_id() -> None:
    ledger = new_ledger()
    assert payload(toggle(ledger, I9, (L3, True))) == {
        "inventoryItem": None, "inventoryLevels": None,
        "userErrors": [error("INVENTORY_ITEM_NOT_FOUND", ["inventoryItemId"], ITEM_NOT_FOUND)],
    }


def test_an_unknown_location_is_location_not_found_at_its_update() -> None:
    ledger = new_ledger()
    assert payload(toggle(ledger, I1, (L3, True), (L9, True))) == {
        "inventoryItem": None, "inventoryLevels": None,
        "userErrors": [error("LOCATION_NOT_FOUND", at(1), LOCATION_NOT_FOUND)],
    }


@pytest.mark.parametrize("bad", ["gid://shopify/Location/01", I1, "", "Location/1"])
def test_a_malformed_location_id_is_not_found(bad: str) -> None:
    errors = payload(toggle(new_ledger(), I1, (bad, False)))["userErrors"]
    assert errors == [error("LOCATION_NOT_FOUND", at(0), LOCATION_NOT_FOUND)]


def test_an_unknown_item_and_unknown_locations_are_all_reported_in_order() -> None:
    errors = payload(toggle(new_ledger(), I9, (L9, True), (L1, False), (L9, False)))["userErrors"]
    assert errors == [
        error("INVENTORY_ITEM_NOT_FOUND", ["inventoryItemId"], ITEM_NOT_FOUND),
        error("LOCATION_NOT_FOUND", at(0), LOCATION_NOT_FOUND),
        error("LOCATION_NOT_FOUND", at(2), LOCATION_NOT_FOUND),
    ]


def test_unstocking_a_level_with_committed_quantities_is_refused() -> None:
    errors = payload(toggle(new_ledger(), I2, (L1, False)))["userErrors"]
    assert errors == [error("COMMITTED_INVENTORY_AT_LOCATION", at(0), COMMITTED)]


def test_unstocking_a_level_with_incoming_quantities_is_refused() -> None:
    errors = payload(toggle(new_ledger(), I2, (L2, False)))["userErrors"]
    assert errors == [error("INCOMING_INVENTORY_AT_LOCATION", at(0), INCOMING)]


def test_unstocking_the_only_active_location_is_refused() -> None:
    errors = payload(toggle(new_ledger(), I1, (L1, False)))["userErrors"]
    assert errors == [error("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", at(0), ONLY_LOCATION)]


def test_unstocking_every_active_location_reports_each_and_every_rule_per_update() -> None:
    errors = payload(toggle(new_ledger(), I2, (L3, False), (L1, False), (L2, False)))[
        "userErrors"]
    assert errors == [
        error("COMMITTED_INVENTORY_AT_LOCATION", at(1), COMMITTED),
        error("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", at(1), ONLY_LOCATION),
        error("INCOMING_INVENTORY_AT_LOCATION", at(2), INCOMING),
        error("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", at(2), ONLY_LOCATION),
    ]


def test_an_activation_at_an_unknown_location_does_not_count_as_stocking() -> None:
    errors = payload(toggle(new_ledger(), I1, (L1, False), (L9, True)))["userErrors"]
    assert errors == [
        error("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", at(0), ONLY_LOCATION),
        error("LOCATION_NOT_FOUND", at(1), LOCATION_NOT_FOUND),
    ]


def test_every_code_has_shopifys_documented_message() -> None:
    from ledger.core.errors import BULK_TOGGLE_MESSAGES

    assert {c.value: m for c, m in BULK_TOGGLE_MESSAGES.items()} == {
        "INVENTORY_ITEM_NOT_FOUND": ITEM_NOT_FOUND,
        "LOCATION_NOT_FOUND": LOCATION_NOT_FOUND,
        "COMMITTED_INVENTORY_AT_LOCATION": COMMITTED,
        "INCOMING_INVENTORY_AT_LOCATION": INCOMING,
        "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION": ONLY_LOCATION,
    }
    assert list(BulkToggleCode) == [BulkToggleCode(v) for v in (
        "INVENTORY_ITEM_NOT_FOUND", "LOCATION_NOT_FOUND", "COMMITTED_INVENTORY_AT_LOCATION",
        "INCOMING_INVENTORY_AT_LOCATION", "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION")]


@pytest.mark.parametrize("updates", [
    ((L3, True), (L1, False), (L9, True)),
    ((L2, True), (L3, True), (L2, False), (L1, False), (L3, False)),
    ((L1, False), (L3, False)),
])
def test_any_user_error_leaves_the_store_exactly_as_it_was(
    updates: tuple[tuple[str, bool], ...]
) -> None:
    ledger = new_ledger()
    before = ledger.snapshot()
    result = payload(toggle(ledger, I1, *updates))
    assert result["userErrors"] != []
    assert result["inventoryItem"] is None
    assert result["inventoryLevels"] is None
    assert ledger.snapshot() == before
    ledger._check()


# ---------------------------------------------------------------------- idempotency


def test_the_same_key_and_arguments_replay_the_first_response() -> None:
    ledger = new_ledger("2026-01")
    first = toggle(ledger, I1, (L3, True), key="t-1")
    payload(toggle(ledger, I1, (L3, False)))  # unstock it again, unkeyed
    assert toggle(ledger, I1, (L3, True), key="t-1") == first
    assert levels_by_location(ledger, I1)[L3] == (False, 0)  # the replay applied nothing


def test_a_replayed_user_error_is_replayed_even_after_the_state_changed() -> None:
    ledger = new_ledger("2026-04")
    first = toggle(ledger, I1, (L1, False), key="t-2")
    assert payload(first)["userErrors"][0]["code"] == "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION"
    payload(toggle(ledger, I1, (L3, True)))
    assert toggle(ledger, I1, (L1, False), key="t-2") == first
    assert levels_by_location(ledger, I1)[L1] == (True, 5)


def test_the_same_key_with_other_arguments_is_a_parameter_mismatch_with_no_code() -> None:
    ledger = new_ledger("2026-10")
    payload(toggle(ledger, I1, (L3, True), key="t-3"))
    before = ledger.snapshot()
    assert toggle(ledger, I1, (L2, True), key="t-3") == {"data": {BULK: {
        "inventoryItem": None, "inventoryLevels": None, "userErrors": [{
            "field": None, "code": None,
            "message": "The same idempotency key cannot be used with different operation "
                       "parameters."}]}}}
    assert ledger.snapshot() == before


def test_a_key_used_by_another_mutation_is_a_parameter_mismatch() -> None:
    ledger = new_ledger("2026-04")
    ledger.execute("inventoryActivate", {"inventoryItemId": I1, "locationId": L3},
                   idempotency_key="t-4")
    errors = payload(toggle(ledger, I1, (L3, True), key="t-4"))["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(None, None)]


@pytest.mark.parametrize("version", ["2026-01", "2026-04", "2026-07", "2026-10"])
def test_the_directive_is_optional_from_2026_01(version: str) -> None:
    ledger = new_ledger(version)
    assert payload(toggle(ledger, I1, (L3, True)))["userErrors"] == []
    assert payload(toggle(ledger, I1, (L2, True), key="k"))["userErrors"] == []


# ---------------------------------------------------------------------- request-level errors


@pytest.mark.parametrize("version", ["2025-01", "2025-04", "2025-07", "2025-10"])
def test_the_directive_is_not_defined_up_to_2025_10(version: str) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    assert toggle(ledger, I1, (L3, True), key="k") == {"errors": [{
        "message": "Directive @idempotent is not defined",
        "extensions": {"code": "undefinedDirective", "directiveName": "idempotent"},
    }]}
    assert ledger.snapshot() == before
    assert payload(toggle(ledger, I1, (L3, True)))["userErrors"] == []


def test_a_missing_activate_is_a_coercion_error_with_no_data_key() -> None:
    updates = [{"locationId": L3}]
    body = new_ledger().execute(BULK, {"inventoryItemId": I1, "inventoryItemUpdates": updates})
    assert body == {"errors": [{
        "message": "Variable $inventoryItemUpdates of type [InventoryBulkToggleActivationInput!]! "
                   "was provided invalid value for 0.activate (Expected value to not be null)",
        "extensions": {"code": "INVALID_VARIABLE", "value": updates,
                       "problems": [{"path": [0, "activate"],
                                     "explanation": "Expected value to not be null"}]},
    }]}


def test_a_missing_item_id_and_updates_are_two_coercion_errors() -> None:
    body = new_ledger().execute(BULK, {})
    assert body == {"errors": [
        {"message": "Variable $inventoryItemId of type ID! was provided invalid value",
         "extensions": {"code": "INVALID_VARIABLE", "value": None, "problems": [
             {"path": [], "explanation": "Expected value to not be null"}]}},
        {"message": "Variable $inventoryItemUpdates of type [InventoryBulkToggleActivationInput!]! "
                    "was provided invalid value",
         "extensions": {"code": "INVALID_VARIABLE", "value": None, "problems": [
             {"path": [], "explanation": "Expected value to not be null"}]}},
    ]}


def test_a_non_boolean_activate_and_an_unknown_field_are_coercion_errors() -> None:
    updates = [{"locationId": L3, "activate": "yes", "available": 3}]
    body = new_ledger().execute(BULK, {"inventoryItemId": I1, "inventoryItemUpdates": updates})
    assert [p for e in body["errors"] for p in e["extensions"]["problems"]] == [
        {"path": [0, "activate"], "explanation": 'Could not coerce value "yes" to Boolean'},
        {"path": [0, "available"],
         "explanation": "Field is not defined on InventoryBulkToggleActivationInput"},
    ]
    assert "data" not in body


def test_a_coercion_error_is_reported_before_an_undefined_directive() -> None:
    body = new_ledger("2025-10").execute(BULK, {"inventoryItemId": I1}, idempotency_key="k")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_VARIABLE"]


def test_an_injected_failure_is_an_internal_error_and_the_key_is_forgotten() -> None:
    ledger = Ledger.from_snapshot(snapshot(), api_version="2026-10", clock=FakeClock(),
                                  faults=lambda op, cmd: Fault.FAILED if op == BULK else None)
    body = toggle(ledger, I1, (L3, True), key="f")
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert ledger.level(I1, L3) is None
    ledger.faults = None
    assert payload(toggle(ledger, I1, (L3, True), key="f"))["userErrors"] == []


# ---------------------------------------------------------------------- the Pythonic call


def test_the_pythonic_call_returns_the_item_and_the_activated_levels() -> None:
    ledger = new_ledger("2026-04")
    result = ledger.bulk_toggle_activation(item_id=I1, updates=[(L3, True), (L2, True)])
    assert result.ok
    assert result.item_id == I1
    assert result.group is None
    assert result.levels is not None
    assert [(lv.location_name, lv.is_active, lv.quantity("available")) for lv in result.levels] == [
        ("Depot", True, 0), ("Warehouse", True, 3)]


def test_the_pythonic_call_reports_user_errors_as_values() -> None:
    result = new_ledger().bulk_toggle_activation(item_id=I2, updates=[(L1, False)])
    assert not result.ok
    assert result.levels is None
    assert result.item_id is None
    [e] = result.user_errors
    assert (e.field, e.code, e.message) == (
        ("inventoryItemUpdates", "0", "locationId"),
        BulkToggleCode.COMMITTED_INVENTORY_AT_LOCATION, COMMITTED)


def test_the_pythonic_call_replays_by_key() -> None:
    ledger = new_ledger("2026-01")
    first = ledger.bulk_toggle_activation(item_id=I1, updates=[(L3, True)], idempotency_key="p")
    again = ledger.bulk_toggle_activation(item_id=I1, updates=[(L3, True)], idempotency_key="p")
    assert again == first
    assert again.replayed
    assert not first.replayed


@pytest.mark.parametrize("updates", [[(L1, "yes")], [(1, True)], [(L1,)]])
def test_the_command_refuses_updates_that_are_not_location_and_boolean_pairs(
    updates: list[Any]
) -> None:
    with pytest.raises((TypeError, ValueError)):
        BulkToggleActivation(item_id=I1, updates=updates)


def test_the_mutation_is_a_stocking_operation() -> None:
    assert BULK in OPERATIONS
    assert BULK in STOCKING_MUTATIONS


# ---------------------------------------------------------------------- graphql() = execute()

DOCUMENT = """
mutation Toggle($inventoryItemId: ID!,
                $inventoryItemUpdates: [InventoryBulkToggleActivationInput!]!) {
  inventoryBulkToggleActivation(inventoryItemId: $inventoryItemId,
                                inventoryItemUpdates: $inventoryItemUpdates)%s {
    inventoryItem { id }
    inventoryLevels {
      id isActive item { id } location { id name }
      quantities(names: ["available", "committed", "damaged", "incoming", "on_hand",
                         "quality_control", "reserved", "safety_stock"]) {
        name quantity updatedAt
      }
    }
    userErrors { field message code }
  }
}
"""

needs_graphql = pytest.mark.skipif(importlib.util.find_spec("graphql") is None,
                                   reason="graphql-core is not installed")


def without_locations(body: dict[str, Any]) -> dict[str, Any]:
    if "errors" not in body:
        return body
    return {**body, "errors": [{k: v for k, v in e.items() if k != "locations"}
                               for e in body["errors"]]}


CALLS = [
    ("2026-04", None, variables(I1, (L3, True), (L1, False), (L2, True))),
    ("2026-04", "g-1", variables(I1, (L3, True))),
    ("2026-01", "g-2", variables(I2, (L3, False), (L1, False), (L2, False))),
    ("2026-10", None, variables(I9, (L9, True))),
    ("2026-04", None, {"inventoryItemId": I1, "inventoryItemUpdates": [{"locationId": L1}]}),
    ("2025-10", "k", variables(I1, (L3, True))),
    ("2025-10", None, variables(I1, (L3, True))),
    ("2026-04", None, variables(I1)),
]


@needs_graphql
@pytest.mark.parametrize(("version", "key", "values"), CALLS)
def test_graphql_gives_what_execute_gives(version: str, key: str | None,
                                          values: dict[str, Any]) -> None:
    by_execute, by_graphql = new_ledger(version), new_ledger(version)
    directive = f' @idempotent(key: "{key}")' if key is not None else ""
    expected = by_execute.execute(BULK, copy.deepcopy(values), idempotency_key=key)
    document = DOCUMENT if era_of(version).is_active_field else DOCUMENT.replace(
        "id isActive item", "id item")  # InventoryLevel.isActive exists from 2026-04
    actual = by_graphql.graphql(document % directive, copy.deepcopy(values))
    assert without_locations(actual) == expected
    assert by_graphql.snapshot() == by_execute.snapshot()


@needs_graphql
def test_graphql_replays_and_mismatches_as_execute_does() -> None:
    by_execute, by_graphql = new_ledger("2026-10"), new_ledger("2026-10")
    directive = ' @idempotent(key: "same")'
    for values in (variables(I1, (L3, True)), variables(I1, (L3, True)),
                   variables(I1, (L2, True))):
        expected = by_execute.execute(BULK, copy.deepcopy(values), idempotency_key="same")
        assert by_graphql.graphql(DOCUMENT % directive, copy.deepcopy(values)) == expected


@needs_graphql
def test_the_schema_names_the_payload_and_its_error_codes() -> None:
    body = new_ledger().graphql("""{
      __type(name: "InventoryBulkToggleActivationUserErrorCode") { enumValues { name } }
    }""")
    values = [v["name"] for v in body["data"]["__type"]["enumValues"]]
    # Shopify's whole enum (tests/test_introspection.py has it), every code produced among it.
    assert len(values) == 12  # the deprecated 13th is listed only with includeDeprecated
    assert {c.value for c in BulkToggleCode} <= set(values)


# ---------------------------------------------------------------------- the command line


def test_the_command_line_reports_a_successful_toggle_as_applied(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from ledger.cli import main

    state, plan, out = tmp_path / "store.json", tmp_path / "plan.jsonl", tmp_path / "new.json"
    state.write_text(json.dumps(snapshot()))
    plan.write_text("\n".join(json.dumps({"operation": BULK, "variables": v}) for v in (
        variables(I1, (L3, True)), variables(I1, (L9, False)))) + "\n")
    status = main(["apply", str(plan), "--state", str(state), "--out", str(out),
                   "--api-version", "2026-01", "--at", "2026-06-25T00:00:00Z"])
    report = capsys.readouterr().out
    assert status == 1
    assert f"{BULK}  applied" in report
    assert "LOCATION_NOT_FOUND at inventoryItemUpdates.0.locationId" in report
    levels = json.loads(out.read_text())["inventoryLevels"]
    assert any(lv["inventoryItemId"] == I1 and lv["locationId"] == L3 and lv["isActive"]
               for lv in levels)
