"""``ledger.shopify.codec``: request-level errors (semantics §4) and payloads (§6-§8, §12).

Variable coercion, the codec's first step, is tests/test_coercion.py's.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from ledger import Ledger
from ledger.core.errors import ADJUST, MOVE, OPERATIONS, QUANTITY_MUTATIONS, SET, SET_ON_HAND
from ledger.core.versions import ERAS, Presence
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


def test_a_time_in_year_1_is_formatted_with_four_digits() -> None:
    assert codec.timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert codec.timestamp(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)) == (
        "0999-12-31T23:59:59Z")


def test_times_within_one_second_share_one_formatted_string() -> None:
    first = codec.timestamp(datetime(2026, 4, 1, 12, 0, 7, 1, tzinfo=UTC))
    again = codec.timestamp(datetime(2026, 4, 1, 12, 0, 7, 999_999, tzinfo=UTC))
    assert first == "2026-04-01T12:00:07Z"
    assert again is first  # formatted once, not per call


def test_remembered_timestamps_stay_exact_past_the_bound_of_what_is_remembered() -> None:
    start = datetime(2026, 4, 1, tzinfo=UTC)
    for n in range(0, codec._TIMESTAMPS_HELD * 2 + 10, 7):
        when = start + timedelta(seconds=n, microseconds=n % 1000)
        assert codec.timestamp(when) == when.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(codec._TIMESTAMPS) <= codec._TIMESTAMPS_HELD


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
