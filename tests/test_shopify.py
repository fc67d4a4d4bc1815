"""The Shopify-shaped codec: request-level errors (semantics §4) and payloads (§6-§8, §12)."""

from __future__ import annotations

import copy
import itertools
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from ledger import Ledger
from ledger.core.errors import ADJUST, MOVE, OPERATIONS, QUANTITY_MUTATIONS, SET, SET_ON_HAND
from ledger.core.versions import ERAS, SUPPORTED, Presence
from ledger.shopify import codec
from tests.support import ITEM, LOCATION, FakeClock, store

I1, I2 = ITEM.format(1), ITEM.format(2)
L1, L2 = LOCATION.format(1), LOCATION.format(2)
ACTIVATE = "inventoryActivate"
DEACTIVATE = "inventoryDeactivate"
RMA = "logistics://rma/7"
PO = "logistics://po/1"

V2025 = [v for v, era in ERAS.items() if era.idempotency is Presence.UNDEFINED]
V2026_01 = [v for v, era in ERAS.items() if era.idempotency is Presence.OPTIONAL]
REQUIRED_ERA = [v for v, era in ERAS.items() if era.idempotency is Presence.REQUIRED]



def put(target: Any, path: list[Any], value: Any) -> None:
    """Replace the value at ``path`` inside nested dicts and lists."""
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value

def snapshot() -> dict[str, Any]:
    """Item 1 at location 1: available 5, damaged 3, incoming 4 (on_hand 8); item 2: available 2."""
    return store(stocked={(1, 1): {"available": 5, "damaged": 3, "incoming": 4},
                          (2, 1): {"available": 2}})


def new_ledger(version: str = "2026-04", **options: Any) -> Ledger:
    clock = options.pop("clock", None) or FakeClock()
    return Ledger.from_snapshot(snapshot(), api_version=version, clock=clock, **options)


_keys = itertools.count(1)


def key_for(version: str) -> str | None:
    """A fresh key where the version requires the directive; no directive otherwise."""
    return f"k-{next(_keys)}" if ERAS[version].idempotency is Presence.REQUIRED else None


def valid(operation: str, version: str) -> dict[str, Any]:
    """Variables that succeed for ``operation`` in ``version`` (nothing the era forbids)."""
    era = ERAS[version]
    required = era.change_from is Presence.REQUIRED
    cf: dict[str, Any] = {"changeFromQuantity": None} if required else {}
    if operation == ADJUST:
        return {"input": {"name": "available", "reason": "correction", "changes": [
            {"inventoryItemId": I1, "locationId": L1, "delta": 1, **cf}]}}
    if operation == MOVE:
        return {"input": {"reason": "movement_created", "referenceDocumentUri": "logistics://t/1",
                          "changes": [{"inventoryItemId": I1, "quantity": 1,
                                       "from": {"locationId": L1, "name": "available", **cf},
                                       "to": {"locationId": L1, "name": "damaged",
                                              "ledgerDocumentUri": RMA, **cf}}]}}
    if operation == SET:
        legacy = {"ignoreCompareQuantity": True} if (
            era.legacy_compare is not Presence.UNDEFINED) else {}
        return {"input": {"name": "available", "reason": "correction", **legacy, "quantities": [
            {"inventoryItemId": I1, "locationId": L1, "quantity": 6, **cf}]}}
    if operation == SET_ON_HAND:
        return {"input": {"reason": "correction", "setQuantities": [
            {"inventoryItemId": I1, "locationId": L1, "quantity": 9, **cf}]}}
    if operation == ACTIVATE:
        return {"inventoryItemId": I1, "locationId": L2}
    if operation == "inventoryBulkToggleActivation":
        return {"inventoryItemId": I1,
                "inventoryItemUpdates": [{"locationId": L2, "activate": True}]}
    return {"inventoryLevelId": "gid://shopify/InventoryLevel/1?inventory_item_id=1"}


def succeeded(body: dict[str, Any], operation: str) -> bool:
    return "errors" not in body and body["data"][operation]["userErrors"] == []


def coercion_error(
    variable: str, type_: str, value: Any, *problems: tuple[list[Any], str]
) -> dict[str, Any]:
    """The body of one ``INVALID_VARIABLE`` error, graphql-ruby style, with no ``data`` key."""
    fields = [f"{'.'.join(map(str, path))} ({why})" for path, why in problems if path]
    message = f"Variable ${variable} of type {type_} was provided invalid value"
    if fields:
        message += " for " + ", ".join(fields)
    return {"errors": [{
        "message": message,
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": value,
            "problems": [{"path": path, "explanation": why} for path, why in problems],
        },
    }]}


# ---------------------------------------------------------------------- variable coercion


def test_an_unknown_input_field_is_reported_as_in_the_spec_with_no_data_key() -> None:
    variables = valid(SET, "2026-04")
    variables["input"]["ignoreCompareQuantity"] = True
    body = new_ledger("2026-04").execute(SET, variables, idempotency_key="k")
    assert body == {"errors": [{
        "message": "Variable $input of type InventorySetQuantitiesInput! was provided invalid "
                   "value for ignoreCompareQuantity (Field is not defined on "
                   "InventorySetQuantitiesInput)",
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": variables["input"],
            "problems": [{"path": ["ignoreCompareQuantity"],
                          "explanation": "Field is not defined on InventorySetQuantitiesInput"}],
        },
    }]}


def test_a_missing_nested_non_null_field_uses_dots_in_the_message_and_ints_in_the_path() -> None:
    variables = {"input": {"name": "incoming", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "ledgerDocumentUri": PO}]}}
    body = new_ledger("2025-01").execute(ADJUST, variables)
    assert body == coercion_error(
        "input", "InventoryAdjustQuantitiesInput!", variables["input"],
        (["changes", 0, "delta"], "Expected value to not be null"),
    )
    assert body["errors"][0]["message"] == (
        "Variable $input of type InventoryAdjustQuantitiesInput! was provided invalid value for "
        "changes.0.delta (Expected value to not be null)"
    )


def test_problems_list_the_given_keys_in_order_then_missing_fields_in_definition_order() -> None:
    variables = {"input": {"changes": [{"quantity": 1, "inventoryItemId": I1, "locationId": L1}],
                           "bogus": 1}}
    body = new_ledger("2025-10").execute(ADJUST, variables)
    assert body == coercion_error(
        "input", "InventoryAdjustQuantitiesInput!", variables["input"],
        (["changes", 0, "quantity"], "Field is not defined on InventoryChangeInput"),
        (["changes", 0, "delta"], "Expected value to not be null"),
        (["bogus"], "Field is not defined on InventoryAdjustQuantitiesInput"),
        (["name"], "Expected value to not be null"),
        (["reason"], "Expected value to not be null"),
    )


WRONG_TYPES = [
    pytest.param(["changes", 0, "delta"], "x", 'Could not coerce value "x" to Int',
                 id="a string is not an Int"),
    pytest.param(["changes", 0, "delta"], True, "Could not coerce value true to Int",
                 id="a bool is not an Int"),
    pytest.param(["changes", 0, "delta"], 2**31, "Could not coerce value 2147483648 to Int",
                 id="Int is 32-bit: 2**31 overflows"),
    pytest.param(["changes", 0, "delta"], -(2**31) - 1,
                 "Could not coerce value -2147483649 to Int",
                 id="Int is 32-bit: -2**31-1 overflows"),
    pytest.param(["changes", 0, "delta"], 1.5, "Could not coerce value 1.5 to Int",
                 id="a float is not an Int"),
    pytest.param(["changes", 0, "delta"], None, "Expected value to not be null",
                 id="an explicit null for Int! is missing"),
    pytest.param(["name"], 5, "Could not coerce value 5 to String",
                 id="an int is not a String"),
    pytest.param(["changes", 0, "ledgerDocumentUri"], False,
                 "Could not coerce value false to String", id="a bool is not a String"),
    pytest.param(["changes", 0, "inventoryItemId"], True, "Could not coerce value true to ID",
                 id="a bool is not an ID"),
    pytest.param(["changes", 0, "locationId"], None, "Expected value to not be null",
                 id="an ID! cannot be null"),
    pytest.param(["changes", 0], "x", 'Expected "x" to be a key-value object.',
                 id="a string is not an input object"),
]


@pytest.mark.parametrize(("path", "value", "explanation"), WRONG_TYPES)
@pytest.mark.parametrize("version", ["2025-04", "2026-04"])
def test_a_value_of_the_wrong_type_is_a_coercion_error(
    version: str, path: list[Any], value: Any, explanation: str
) -> None:
    variables = valid(ADJUST, version)
    put(variables["input"], path, value)
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(ADJUST, variables, idempotency_key=key_for(version))
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (path, explanation))
    assert ledger.snapshot() == before


# A value JSON cannot carry, or too big to echo whole: the echo, and the message's literal.
_LONG = "<an integer of more than 2048 digits>"
HOSTILE = [
    pytest.param(math.nan, "NaN", "Could not coerce value NaN to Int", id="NaN"),
    pytest.param(math.inf, "Infinity", "Could not coerce value to Int", id="infinity"),
    pytest.param(-math.inf, "-Infinity", "Could not coerce value -Infinity to Int",
                 id="minus infinity"),
    pytest.param(10**2048 - 1, 10**2048 - 1, f"Could not coerce value {'9' * 2048} to Int",
                 id="an integer of 2048 digits is echoed exactly"),
    pytest.param(10**2048, _LONG, f"Could not coerce value {_LONG} to Int",
                 id="an integer of 2049 digits"),
    pytest.param(-(10**5000), "<a negative integer of more than 2048 digits>",
                 "Could not coerce value <a negative integer of more than 2048 digits> to Int",
                 id="an integer past Python's 4300-digit limit"),
    pytest.param("x" * 2048, "x" * 2048, f'Could not coerce value "{"x" * 2048}" to Int',
                 id="a string of 2048 characters is echoed whole"),
    pytest.param("x" * 3000, "x" * 2048 + "… (3000 characters in all)",
                 f'Could not coerce value "{"x" * 2048}… (3000 characters in all)" to Int',
                 id="a string of 3000 characters"),
    pytest.param([1] * 300, [1] * 250 + ["… (300 entries in all)"],
                 "Could not coerce value [" + "1, " * 250 + "… (300 entries in all)] to Int",
                 id="a list of 300 entries"),
    pytest.param(b"raw", "b'raw'", "Could not coerce value b'raw' to Int", id="bytes"),
    pytest.param((1, "a"), [1, "a"], 'Could not coerce value [1, "a"] to Int', id="a tuple"),
]


@pytest.mark.parametrize(("value", "echoed", "explanation"), HOSTILE)
def test_a_value_json_cannot_carry_or_too_big_to_echo_is_echoed_cut_as_strict_json(
    value: Any, echoed: Any, explanation: str
) -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["delta"] = value
    ledger = new_ledger()
    before = ledger.snapshot()
    body = ledger.execute(ADJUST, variables, idempotency_key="k")
    expected_input = copy.deepcopy(valid(ADJUST, "2026-04")["input"])
    expected_input["changes"][0]["delta"] = echoed
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", expected_input,
                                  (["changes", 0, "delta"], explanation))
    json.dumps(body, allow_nan=False)
    assert ledger.snapshot() == before


def test_at_most_250_problems_are_reported_and_the_message_counts_the_rest() -> None:
    changes = [{"inventoryItemId": I1, "locationId": L1}] * 300
    body = new_ledger("2025-01").execute(ADJUST, {"input": {
        "name": "available", "reason": "correction", "changes": changes}})
    error = body["errors"][0]
    assert len(error["extensions"]["problems"]) == 250
    assert error["extensions"]["problems"][-1] == {
        "path": ["changes", 249, "delta"], "explanation": "Expected value to not be null"}
    assert error["message"].endswith(
        "changes.249.delta (Expected value to not be null) … and 50 more problems")
    echoed = error["extensions"]["value"]["changes"]
    assert (len(echoed), echoed[-1]) == (251, "… (300 entries in all)")


def test_an_object_echo_keeps_250_keys_and_counts_the_rest_under_an_ellipsis_key() -> None:
    many = {f"k{n}": n for n in range(300)}
    echoed = codec.echo(many)
    assert list(echoed)[:250] == [f"k{n}" for n in range(250)]
    assert (len(echoed), echoed["…"]) == (251, "… (300 entries in all)")


def test_an_echo_shows_at_most_5000_values_then_ellipses() -> None:
    echoed = codec.echo([[1] * 100] * 100)  # 10,101 values
    flat = [v for row in echoed for v in row]
    assert flat.count(1) == 5000 - 1 - 50  # the outer list and 50 inner lists count too
    assert set(flat) == {1, "…"}
    assert len(codec.literal([[1] * 100] * 100)) < 30_000


def test_keys_the_echo_cannot_keep_are_written_as_json_would_and_cut() -> None:
    echoed = codec.echo({2: "a", None: "b", True: "c", 1.5: "d", (1, 2): "e", "k" * 3000: "f"})
    assert echoed == {"2": "a", "null": "b", "true": "c", "1.5": "d", "(1, 2)": "e",
                      "k" * 2048 + "… (3000 characters in all)": "f"}
    variables = valid(ADJUST, "2026-04")
    variables["input"]["k" * 3000] = 1
    problems = new_ledger().execute(ADJUST, variables, idempotency_key="k")["errors"][0][
        "extensions"]["problems"]
    assert problems[0]["path"] == ["k" * 2048 + "… (3000 characters in all)"]


def test_an_id_over_2048_digits_is_a_coercion_error_and_one_under_names_nothing() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["inventoryItemId"] = 10**5000
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body["errors"][0]["extensions"]["problems"] == [{
        "path": ["changes", 0, "inventoryItemId"],
        "explanation": f"Could not coerce value {_LONG} to ID"}]
    variables["input"]["changes"][0]["inventoryItemId"] = 10**2047
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body["data"][ADJUST]["userErrors"][0]["code"] == "INVALID_INVENTORY_ITEM"


def test_a_time_in_year_1_is_formatted_with_four_digits() -> None:
    assert codec.timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert codec.timestamp(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)) == (
        "0999-12-31T23:59:59Z")


@pytest.mark.parametrize(("delta", "code"), [
    (2**31 - 1, "INVALID_QUANTITY_TOO_HIGH"), (-(2**31), "INVALID_QUANTITY_TOO_LOW"),
])
def test_the_32_bit_bounds_themselves_are_ints_and_reach_the_rules(delta: int, code: str) -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["delta"] = delta
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert [e["code"] for e in body["data"][ADJUST]["userErrors"]] == [code]


def test_an_id_accepts_an_integer_which_then_names_nothing() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["inventoryItemId"] = 1
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body == {"data": {ADJUST: {"inventoryAdjustmentGroup": None, "userErrors": [{
        "field": ["input", "changes", "0", "inventoryItemId"],
        "message": "The specified inventory item could not be found.",
        "code": "INVALID_INVENTORY_ITEM",
    }]}}}


def test_a_single_object_where_a_list_is_expected_is_wrapped_in_a_list() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"] = variables["input"]["changes"][0]
    ledger = new_ledger()
    body = ledger.execute(ADJUST, variables, idempotency_key="k")
    assert succeeded(body, ADJUST)
    assert ledger.quantities(I1, L1)["available"] == 6


def test_a_problem_inside_a_wrapped_object_is_reported_at_index_zero() -> None:
    variables = valid(ADJUST, "2025-01")
    del variables["input"]["changes"][0]["delta"]
    variables["input"]["changes"] = variables["input"]["changes"][0]
    body = new_ledger("2025-01").execute(ADJUST, variables)
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (["changes", 0, "delta"], "Expected value to not be null"))


@pytest.mark.parametrize("variables", [None, {}, [], "input"], ids=repr)
def test_missing_variables_are_reported_as_a_null_input(variables: Any) -> None:
    body = new_ledger("2025-07").execute(ADJUST, variables)
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", None,
                                  ([], "Expected value to not be null"))


def test_each_invalid_top_level_variable_is_its_own_error() -> None:
    variables = {"inventoryItemId": I1, "locationId": L2, "available": "x", "onHand": True}
    body = new_ledger().execute(ACTIVATE, variables)
    assert body == {"errors": [
        coercion_error("available", "Int", "x", ([], 'Could not coerce value "x" to Int'))[
            "errors"][0],
        coercion_error("onHand", "Int", True, ([], "Could not coerce value true to Int"))[
            "errors"][0],
    ]}


def test_deactivate_requires_its_level_id() -> None:
    body = new_ledger().execute(DEACTIVATE, {})
    assert body == coercion_error("inventoryLevelId", "ID!", None,
                                  ([], "Expected value to not be null"))


# Where each version-dependent field lives and the input type named when it is not defined.
VERSIONED_FIELDS = [
    pytest.param(ADJUST, ["changes", 0], "changeFromQuantity", 5, "InventoryChangeInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="adjust changeFromQuantity"),
    pytest.param(MOVE, ["changes", 0, "from"], "changeFromQuantity", 5,
                 "InventoryMoveQuantityTerminalInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="move from.changeFromQuantity"),
    pytest.param(MOVE, ["changes", 0, "to"], "changeFromQuantity", 3,
                 "InventoryMoveQuantityTerminalInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="move to.changeFromQuantity"),
    pytest.param(SET, ["quantities", 0], "changeFromQuantity", 5, "InventoryQuantityInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="set changeFromQuantity"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0], "changeFromQuantity", 8,
                 "InventorySetQuantityInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="setOnHand changeFromQuantity"),
    pytest.param(SET, ["quantities", 0], "compareQuantity", 5, "InventoryQuantityInput",
                 lambda era: era.legacy_compare is Presence.UNDEFINED,
                 id="set compareQuantity"),
    pytest.param(SET, [], "ignoreCompareQuantity", True, "InventorySetQuantitiesInput",
                 lambda era: era.legacy_compare is Presence.UNDEFINED,
                 id="set ignoreCompareQuantity"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0], "compareQuantity", 8,
                 "InventorySetQuantityInput", lambda era: True,
                 id="setOnHand never had compareQuantity"),
    pytest.param(SET_ON_HAND, [], "ignoreCompareQuantity", True,
                 "InventorySetOnHandQuantitiesInput", lambda era: True,
                 id="setOnHand never had ignoreCompareQuantity"),
]
INPUT_TYPES = {
    ADJUST: "InventoryAdjustQuantitiesInput!",
    MOVE: "InventoryMoveQuantitiesInput!",
    SET: "InventorySetQuantitiesInput!",
    SET_ON_HAND: "InventorySetOnHandQuantitiesInput!",
}


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize(("operation", "where", "name", "value", "type_", "undefined_in"),
                         VERSIONED_FIELDS)
def test_a_field_is_accepted_exactly_in_the_versions_that_define_it(
    operation: str, where: list[Any], name: str, value: Any, type_: str,
    undefined_in: Any, version: str,
) -> None:
    variables = valid(operation, version)
    target: Any = variables["input"]
    for part in where:
        target = target[part]
    target[name] = value
    ledger = new_ledger(version)
    body = ledger.execute(operation, variables, idempotency_key=key_for(version))
    if undefined_in(ERAS[version]):
        assert body == coercion_error(
            "input", INPUT_TYPES[operation], variables["input"],
            ([*where, name], f"Field is not defined on {type_}"),
        )
    else:
        assert succeeded(body, operation), body


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("given", ["absent", "null"])
def test_move_requires_its_reference_document_uri(version: str, given: str) -> None:
    variables = valid(MOVE, version)
    if given == "absent":
        del variables["input"]["referenceDocumentUri"]
    else:
        variables["input"]["referenceDocumentUri"] = None
    body = new_ledger(version).execute(MOVE, variables, idempotency_key=key_for(version))
    assert body == coercion_error("input", "InventoryMoveQuantitiesInput!", variables["input"],
                                  (["referenceDocumentUri"], "Expected value to not be null"))


@pytest.mark.parametrize("operation", [ADJUST, SET, SET_ON_HAND])
def test_the_reference_document_uri_is_optional_on_adjust_and_set(operation: str) -> None:
    variables = valid(operation, "2026-04")
    variables["input"].pop("referenceDocumentUri", None)
    body = new_ledger().execute(operation, variables, idempotency_key="k")
    assert succeeded(body, operation)


# ---------------------------------------------------------------------- changeFromQuantity presence


MISSING_CHANGE_FROM = [
    pytest.param(ADJUST, ["changes", 0], "InventoryChangeInput", id="adjust"),
    pytest.param(MOVE, ["changes", 0, "from"], "InventoryMoveQuantityTerminalInput",
                 id="move from"),
    pytest.param(MOVE, ["changes", 0, "to"], "InventoryMoveQuantityTerminalInput", id="move to"),
    pytest.param(SET, ["quantities", 0], "InventoryQuantityInput", id="set"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0], "InventorySetQuantityInput", id="setOnHand"),
]


@pytest.mark.parametrize("version", REQUIRED_ERA)
@pytest.mark.parametrize(("operation", "where", "type_"), MISSING_CHANGE_FROM)
def test_a_missing_change_from_quantity_names_the_input_type_of_the_mutation(
    operation: str, where: list[Any], type_: str, version: str
) -> None:
    variables = valid(operation, version)
    target: Any = variables["input"]
    for part in where:
        target = target[part]
    del target["changeFromQuantity"]
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key="k")
    assert body == {
        "errors": [{
            "message": f"{type_} must include the following argument: changeFromQuantity.",
            "path": [operation],
            "extensions": {"code": "INVALID_FIELD_ARGUMENTS"},
        }],
        "data": {operation: None},
    }
    assert ledger.snapshot() == before


@pytest.mark.parametrize("operation", QUANTITY_MUTATIONS)
def test_an_explicit_null_change_from_quantity_is_present(operation: str) -> None:
    body = new_ledger().execute(operation, valid(operation, "2026-04"), idempotency_key="k")
    assert succeeded(body, operation)


@pytest.mark.parametrize("operation", QUANTITY_MUTATIONS)
@pytest.mark.parametrize("version", V2026_01)
def test_change_from_quantity_is_optional_in_2026_01(operation: str, version: str) -> None:
    body = new_ledger(version).execute(operation, valid(operation, version))
    assert succeeded(body, operation)


# ---------------------------------------------------------------------- the @idempotent directive


@pytest.mark.parametrize("version", REQUIRED_ERA)
@pytest.mark.parametrize("operation", QUANTITY_MUTATIONS)
def test_the_directive_is_required_on_quantity_mutations_from_2026_04(
    operation: str, version: str
) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(operation, valid(operation, version))
    assert body == {
        "errors": [{
            "message": "The @idempotent directive is required for this mutation but was not "
                       "provided.",
            "path": [operation],
            "extensions": {"code": "BAD_REQUEST"},
        }],
        "data": {operation: None},
    }
    assert ledger.snapshot() == before


@pytest.mark.parametrize("version", REQUIRED_ERA)
def test_the_directive_stays_optional_on_deactivate(version: str) -> None:
    ledger = new_ledger(version)
    assert succeeded(ledger.execute(ACTIVATE, valid(ACTIVATE, version), idempotency_key="a"),
                     ACTIVATE)
    assert succeeded(ledger.execute(DEACTIVATE, valid(DEACTIVATE, version)), DEACTIVATE)


@pytest.mark.parametrize("version", REQUIRED_ERA)
def test_the_directive_is_required_on_activate_from_2026_04(version: str) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    assert ledger.execute(ACTIVATE, valid(ACTIVATE, version)) == {
        "errors": [{"message": "The @idempotent directive is required for this mutation but "
                               "was not provided.",
                    "path": [ACTIVATE], "extensions": {"code": "BAD_REQUEST"}}],
        "data": {ACTIVATE: None}}
    assert ledger.snapshot() == before
    assert succeeded(ledger.execute(ACTIVATE, valid(ACTIVATE, version), idempotency_key="a"),
                     ACTIVATE)


@pytest.mark.parametrize("version", V2025)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_directive_is_not_defined_up_to_2025_10(operation: str, version: str) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(operation, valid(operation, version), idempotency_key="k")
    assert body == {"errors": [{
        "message": "Directive @idempotent is not defined",
        "extensions": {"code": "undefinedDirective", "directiveName": "idempotent"},
    }]}
    assert ledger.snapshot() == before


@pytest.mark.parametrize("version", V2026_01)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_directive_is_optional_in_2026_01(operation: str, version: str) -> None:
    ledger = new_ledger(version)
    if operation == DEACTIVATE:
        assert succeeded(ledger.execute(ACTIVATE, valid(ACTIVATE, version)), ACTIVATE)
    assert succeeded(ledger.execute(operation, valid(operation, version), idempotency_key="k"),
                     operation)


# ---------------------------------------------------------------------- order of request errors


def test_coercion_is_reported_before_a_missing_change_from_and_a_missing_directive() -> None:
    variables = valid(ADJUST, "2026-04")
    del variables["input"]["changes"][0]["changeFromQuantity"]
    variables["input"]["bogus"] = 1
    body = new_ledger().execute(ADJUST, variables)
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (["bogus"], "Field is not defined on "
                                              "InventoryAdjustQuantitiesInput"))


def test_a_missing_change_from_is_reported_before_a_missing_directive() -> None:
    variables = valid(SET, "2026-10")
    del variables["input"]["quantities"][0]["changeFromQuantity"]
    body = new_ledger("2026-10").execute(SET, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_FIELD_ARGUMENTS"]


def test_an_undefined_field_is_reported_before_an_undefined_directive() -> None:
    variables = valid(ADJUST, "2025-10")
    variables["input"]["changes"][0]["changeFromQuantity"] = 5
    body = new_ledger("2025-10").execute(ADJUST, variables, idempotency_key="k")
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (["changes", 0, "changeFromQuantity"],
                                   "Field is not defined on InventoryChangeInput"))


def test_request_errors_come_before_user_errors() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["reason"] = "nope"
    body = new_ledger().execute(ADJUST, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_REQUEST"]


@pytest.mark.parametrize("operation", ["inventoryTransfer", "", "inventoryadjustquantities"])
def test_an_unknown_operation_raises_value_error(operation: str) -> None:
    with pytest.raises(ValueError, match="inventoryAdjustQuantities"):
        new_ledger().execute(operation, {})


# ---------------------------------------------------------------------- the group payload


def test_the_group_payload_has_every_field_with_app_and_staff_member_null() -> None:
    clock = FakeClock(datetime(2026, 6, 25, 1, 33, 56, 789_000, tzinfo=UTC))
    ledger = new_ledger(clock=clock)
    variables = valid(ADJUST, "2026-04")
    variables["input"]["referenceDocumentUri"] = "logistics://order/1001"
    variables["input"]["changes"][0]["delta"] = -2
    body = ledger.execute(ADJUST, variables, idempotency_key="k")
    row = {"quantityAfterChange": None, "ledgerDocumentUri": None, "item": {"id": I1},
           "location": {"id": L1, "name": "Shop location"}}
    assert body == {"data": {ADJUST: {
        "inventoryAdjustmentGroup": {
            "id": "gid://shopify/InventoryAdjustmentGroup/1",
            "createdAt": "2026-06-25T01:33:56Z",
            "reason": "correction",
            "referenceDocumentUri": "logistics://order/1001",
            "app": None,
            "staffMember": None,
            "changes": [{"name": "available", "delta": -2, **row},
                        {"name": "on_hand", "delta": -2, **row}],
        },
        "userErrors": [],
    }}}


def test_created_at_is_the_clock_in_utc_to_the_second() -> None:
    plus_two = timezone(timedelta(hours=2))
    ledger = new_ledger(clock=FakeClock(datetime(2026, 1, 1, 1, 0, 5, 999_999, tzinfo=plus_two)))
    body = ledger.execute(ADJUST, valid(ADJUST, "2026-04"), idempotency_key="k")
    assert body["data"][ADJUST]["inventoryAdjustmentGroup"]["createdAt"] == "2025-12-31T23:00:05Z"


def test_the_group_reason_and_reference_echo_the_input() -> None:
    variables = valid(MOVE, "2026-04")
    variables["input"]["reason"] = "quality_control"
    body = new_ledger().execute(MOVE, variables, idempotency_key="k")
    group = body["data"][MOVE]["inventoryAdjustmentGroup"]
    assert (group["reason"], group["referenceDocumentUri"]) == ("quality_control",
                                                               "logistics://t/1")


def _rows(body: dict[str, Any], operation: str) -> list[tuple[Any, ...]]:
    group = body["data"][operation]["inventoryAdjustmentGroup"]
    assert group is not None, body
    return [(c["name"], c["item"]["id"], c["delta"], c["ledgerDocumentUri"],
             c["quantityAfterChange"]) for c in group["changes"]]


@pytest.mark.parametrize("report", [False, True], ids=["after null", "after reported"])
def test_adjust_rows_are_the_named_rows_then_the_on_hand_rows_in_input_order(
    report: bool,
) -> None:
    ledger = new_ledger(report_quantity_after_change=report)
    body = ledger.execute(ADJUST, {"input": {"name": "damaged", "reason": "damaged", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": 2, "ledgerDocumentUri": RMA,
         "changeFromQuantity": None},
        {"inventoryItemId": I2, "locationId": L1, "delta": 0, "ledgerDocumentUri": RMA,
         "changeFromQuantity": None},
        {"inventoryItemId": I2, "locationId": L1, "delta": -1, "ledgerDocumentUri": RMA,
         "changeFromQuantity": None},
    ]}}, idempotency_key="k")

    def after(n: int) -> int | None:
        return n if report else None

    assert _rows(body, ADJUST) == [
        ("damaged", I1, 2, RMA, after(5)),
        ("damaged", I2, -1, RMA, after(-1)),
        ("on_hand", I1, 2, None, after(10)),
        ("on_hand", I2, -1, None, after(1)),
    ]


def test_adjusting_incoming_has_no_on_hand_rows() -> None:
    ledger = new_ledger()
    body = ledger.execute(ADJUST, {"input": {"name": "incoming", "reason": "received", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": 3, "ledgerDocumentUri": PO,
         "changeFromQuantity": 4}]}}, idempotency_key="k")
    assert _rows(body, ADJUST) == [("incoming", I1, 3, PO, None)]
    assert ledger.quantities(I1, L1)["on_hand"] == 8


def test_several_changes_to_one_level_apply_in_order() -> None:
    ledger = new_ledger(report_quantity_after_change=True)
    body = ledger.execute(ADJUST, {"input": {"name": "available", "reason": "correction",
                                             "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": 2, "changeFromQuantity": None},
        {"inventoryItemId": I1, "locationId": L1, "delta": -7, "changeFromQuantity": None},
    ]}}, idempotency_key="k")
    assert _rows(body, ADJUST) == [
        ("available", I1, 2, None, 7), ("available", I1, -7, None, 0),
        ("on_hand", I1, 2, None, 10), ("on_hand", I1, -7, None, 3),
    ]


@pytest.mark.parametrize("report", [False, True], ids=["after null", "after reported"])
def test_move_rows_are_from_then_to_per_change_then_on_hand_only_across_incoming(
    report: bool,
) -> None:
    ledger = new_ledger(report_quantity_after_change=report)

    def terminal(name: str, doc: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"locationId": L1, "name": name, "changeFromQuantity": None}
        if doc is not None:
            out["ledgerDocumentUri"] = doc
        return out

    body = ledger.execute(MOVE, {"input": {
        "reason": "movement_received", "referenceDocumentUri": "logistics://t/9", "changes": [
            {"inventoryItemId": I1, "quantity": 1, "from": terminal("available"),
             "to": terminal("damaged", RMA)},
            {"inventoryItemId": I1, "quantity": 2, "from": terminal("incoming", PO),
             "to": terminal("available")},
            {"inventoryItemId": I2, "quantity": 1, "from": terminal("available"),
             "to": terminal("incoming", PO)},
        ]}}, idempotency_key="k")

    def after(n: int) -> int | None:
        return n if report else None

    assert _rows(body, MOVE) == [
        ("available", I1, -1, None, after(4)),
        ("damaged", I1, 1, RMA, after(4)),
        ("incoming", I1, -2, PO, after(2)),
        ("available", I1, 2, None, after(6)),
        ("available", I2, -1, None, after(1)),
        ("incoming", I2, 1, PO, after(1)),
        ("on_hand", I1, 2, None, after(10)),
        ("on_hand", I2, -1, None, after(1)),
    ]
    assert ledger.quantities(I1, L1)["on_hand"] == 10
    assert ledger.quantities(I2, L1)["on_hand"] == 1


@pytest.mark.parametrize("name", ["available", "on_hand"])
def test_set_rows_are_the_available_rows_then_the_on_hand_rows(name: str) -> None:
    ledger = new_ledger(report_quantity_after_change=True)
    # Item 1: available 5, on_hand 8; item 2: available 2, on_hand 2.
    targets = {"available": (9, 0), "on_hand": (12, 0)}[name]
    body = ledger.execute(SET, {"input": {"name": name, "reason": "cycle_count_available",
                                          "quantities": [
        {"inventoryItemId": I1, "locationId": L1, "quantity": targets[0],
         "changeFromQuantity": None},
        {"inventoryItemId": I2, "locationId": L1, "quantity": targets[1],
         "changeFromQuantity": None},
    ]}}, idempotency_key="k")
    assert _rows(body, SET) == [
        ("available", I1, 4, None, 9), ("available", I2, -2, None, 0),
        ("on_hand", I1, 4, None, 12), ("on_hand", I2, -2, None, 0),
    ]


def test_set_on_hand_rows_are_the_available_rows_then_the_on_hand_rows() -> None:
    ledger = new_ledger("2025-01")
    body = ledger.execute(SET_ON_HAND, {"input": {"reason": "correction", "setQuantities": [
        {"inventoryItemId": I1, "locationId": L1, "quantity": 10},
        {"inventoryItemId": I2, "locationId": L1, "quantity": 1},
    ]}})
    assert _rows(body, SET_ON_HAND) == [
        ("available", I1, 2, None, None), ("available", I2, -1, None, None),
        ("on_hand", I1, 2, None, None), ("on_hand", I2, -1, None, None),
    ]
    assert ledger.quantities(I1, L1)["available"] == 7


# ---------------------------------------------------------------------- no-ops


NO_OPS = [
    pytest.param(ADJUST, ["changes", 0, "delta"], 0, id="adjust with a zero delta"),
    pytest.param(MOVE, ["changes", 0, "quantity"], 0, id="move of zero"),
    pytest.param(SET, ["quantities", 0, "quantity"], 5, id="set available to its value"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0, "quantity"], 8, id="set on_hand to its value"),
]


@pytest.mark.parametrize("version", ["2025-01", "2026-01", "2026-04"])
@pytest.mark.parametrize(("operation", "path", "value"), NO_OPS)
def test_a_call_that_changes_nothing_returns_a_null_group_and_records_nothing(
    operation: str, path: list[Any], value: int, version: str
) -> None:
    variables = valid(operation, version)
    put(variables["input"], path, value)
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key=key_for(version))
    assert body == {"data": {operation: {"inventoryAdjustmentGroup": None, "userErrors": []}}}
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 0


def test_zero_deltas_are_left_out_of_a_group_that_has_other_rows() -> None:
    ledger = new_ledger()
    body = ledger.execute(ADJUST, {"input": {"name": "available", "reason": "correction",
                                             "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": 0, "changeFromQuantity": None},
        {"inventoryItemId": I2, "locationId": L1, "delta": 3, "changeFromQuantity": None},
    ]}}, idempotency_key="k")
    assert _rows(body, ADJUST) == [("available", I2, 3, None, None), ("on_hand", I2, 3, None, None)]


@pytest.mark.parametrize(("operation", "path", "value"), NO_OPS)
def test_a_no_op_is_still_validated_first(operation: str, path: list[Any], value: int) -> None:
    variables = valid(operation, "2026-04")
    put(variables["input"], path, value)
    variables["input"]["reason"] = "nope"
    body = new_ledger().execute(operation, variables, idempotency_key="k")
    assert [e["code"] for e in body["data"][operation]["userErrors"]] == ["INVALID_REASON"]


# ---------------------------------------------------------------------- 2026-01 compare fields


COMPARE_IN_2026_01 = [
    pytest.param({"changeFromQuantity": None, "compareQuantity": 99}, None,
                 id="a null changeFromQuantity key ignores a stale compareQuantity"),
    pytest.param({"changeFromQuantity": 5, "compareQuantity": 99}, None,
                 id="a matching changeFromQuantity ignores a stale compareQuantity"),
    pytest.param({"changeFromQuantity": 4, "compareQuantity": 5},
                 ("CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity"),
                 id="a stale changeFromQuantity wins over a matching compareQuantity"),
    pytest.param({"compareQuantity": 99}, ("COMPARE_QUANTITY_STALE", "compareQuantity"),
                 id="without the changeFromQuantity key, compareQuantity is checked"),
    pytest.param({"compareQuantity": 5}, None,
                 id="without the changeFromQuantity key, a matching compareQuantity passes"),
]


@pytest.mark.parametrize(("extra", "error"), COMPARE_IN_2026_01)
def test_in_2026_01_the_change_from_quantity_key_decides_which_compare_applies(
    extra: dict[str, Any], error: tuple[str, str] | None
) -> None:
    ledger = new_ledger("2026-01")
    quantity = {"inventoryItemId": I1, "locationId": L1, "quantity": 6, **extra}
    body = ledger.execute(SET, {"input": {"name": "available", "reason": "correction",
                                          "quantities": [copy.deepcopy(quantity)]}})
    errors = body["data"][SET]["userErrors"]
    if error is None:
        assert errors == []
        assert ledger.quantities(I1, L1)["available"] == 6
    else:
        assert [(e["code"], e["field"][-1]) for e in errors] == [error]
        assert ledger.quantities(I1, L1)["available"] == 5


def test_ignore_compare_quantity_does_not_silence_a_stale_change_from_quantity() -> None:
    body = new_ledger("2026-01").execute(SET, {"input": {
        "name": "available", "reason": "correction", "ignoreCompareQuantity": True,
        "quantities": [{"inventoryItemId": I1, "locationId": L1, "quantity": 6,
                        "changeFromQuantity": 4}]}})
    assert [e["code"] for e in body["data"][SET]["userErrors"]] == ["CHANGE_FROM_QUANTITY_STALE"]


def test_ignore_compare_quantity_silences_a_stale_compare_quantity_before_2026_04() -> None:
    ledger = new_ledger("2025-04")
    body = ledger.execute(SET, {"input": {
        "name": "available", "reason": "correction", "ignoreCompareQuantity": True,
        "quantities": [{"inventoryItemId": I1, "locationId": L1, "quantity": 6,
                        "compareQuantity": 99}]}})
    assert succeeded(body, SET)
    assert ledger.quantities(I1, L1)["available"] == 6
