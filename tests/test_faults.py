"""Injected faults: each kind fails the way Shopify does, and an app's retry loop survives them."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import Fault, FaultPlan, FaultSchedule, Ledger
from tests.support import ITEM, LOCATION, FakeClock, store

I1, L1 = ITEM.format(1), LOCATION.format(1)
ADJUST, MOVE, SET = "inventoryAdjustQuantities", "inventoryMoveQuantities", "inventorySetQuantities"


def adjust_vars(delta: int = 1) -> dict[str, Any]:
    return {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": delta, "changeFromQuantity": None}]}}


def move_vars(quantity: int = 1) -> dict[str, Any]:
    return {"input": {"reason": "damaged", "referenceDocumentUri": "logistics://rma/1",
                      "changes": [{"inventoryItemId": I1, "quantity": quantity,
                                   "from": {"locationId": L1, "name": "available",
                                            "changeFromQuantity": None},
                                   "to": {"locationId": L1, "name": "damaged",
                                          "ledgerDocumentUri": "logistics://rma/1",
                                          "changeFromQuantity": None}}]}}


def new_ledger(version: str, faults: Any) -> Ledger:
    return Ledger.from_snapshot(store(stocked={(1, 1): {"available": 1000}}),
                                api_version=version, clock=FakeClock(), faults=faults)


def test_a_fault_plan_is_repeatable_by_seed_and_differs_across_seeds() -> None:
    def draws(seed: int) -> list[Fault | None]:
        plan = FaultPlan(seed=seed, rate=0.5)
        return [plan(ADJUST, None) for _ in range(50)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)


def test_a_fault_plan_only_strikes_the_operations_it_names() -> None:
    plan = FaultPlan(seed=3, rate=1.0, kinds=[Fault.THROTTLED], operations=[MOVE])
    assert plan(ADJUST, None) is None
    assert plan(MOVE, None) is Fault.THROTTLED
    assert plan.injected == [(2, MOVE, Fault.THROTTLED)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"rate": 1.5}, "rate must be between 0 and 1"), ({"kinds": []}, "at least one Fault")],
    ids=["rate-out-of-range", "no-kinds"],
)
def test_a_fault_plan_rejects_nonsense(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultPlan(seed=1, **arguments)


def test_throttling_returns_shopifys_rate_limit_body_and_applies_nothing() -> None:
    ledger = new_ledger("2026-04", FaultSchedule({1: Fault.THROTTLED}))
    body = ledger.execute(ADJUST, adjust_vars(), idempotency_key="k")
    assert body == {"errors": [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]}
    assert ledger.quantities(I1, L1)["available"] == 1000
    # The throttled request never ran, so the same key runs on retry.
    retry = ledger.execute(ADJUST, adjust_vars(), idempotency_key="k")
    assert retry["data"][ADJUST]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 1001


def test_an_outage_is_a_user_error_where_the_enum_has_the_code_and_a_request_error_elsewhere(
) -> None:
    ledger = new_ledger("2026-04", lambda operation, command: Fault.SERVICE_UNAVAILABLE)
    outage = [{"field": None, "code": "SERVICE_UNAVAILABLE",
               "message": "The service is temporarily unavailable. Try again later."}]
    moved = ledger.execute(MOVE, move_vars(), idempotency_key="m")
    assert moved["data"][MOVE]["userErrors"] == outage
    # Adjust's enum has the code from 2026-01 too (semantics §3) ...
    adjusted = ledger.execute(ADJUST, adjust_vars(), idempotency_key="a")
    assert adjusted["data"][ADJUST]["userErrors"] == outage
    # ... set's never does: there the outage is a request error.
    set_body = ledger.execute("inventorySetQuantities", {"input": {
        "name": "available", "reason": "correction", "quantities": [{
            "inventoryItemId": I1, "locationId": L1, "quantity": 3,
            "changeFromQuantity": None}]}}, idempotency_key="s")
    assert set_body == {"errors": [{
        "message": "The service is temporarily unavailable. Try again later.",
        "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
    assert ledger.quantities(I1, L1)["available"] == 1000
    ledger._check()


def test_before_2026_01_an_outage_of_move_is_a_request_error() -> None:
    ledger = new_ledger("2025-10", lambda operation, command: Fault.SERVICE_UNAVAILABLE)
    body = ledger.execute(MOVE, {"input": {**move_vars()["input"], "changes": [{
        "inventoryItemId": I1, "quantity": 1,
        "from": {"locationId": L1, "name": "available"},
        "to": {"locationId": L1, "name": "damaged",
               "ledgerDocumentUri": "logistics://rma/1"}}]}})
    assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}


def test_an_injected_concurrent_request_needs_a_key_and_is_not_remembered() -> None:
    ledger = new_ledger("2026-01", FaultSchedule({1: Fault.CONCURRENT_REQUEST,
                                                 2: Fault.CONCURRENT_REQUEST}))
    keyed = ledger.execute(ADJUST, adjust_vars(), idempotency_key="k")
    assert keyed["data"][ADJUST]["userErrors"] == [{
        "field": None, "code": "IDEMPOTENCY_CONCURRENT_REQUEST",
        "message": "This request is currently in progress, please try again."}]
    # Without a key there is nothing to be concurrent with: the call runs.
    unkeyed = ledger.execute(ADJUST, adjust_vars())
    assert unkeyed["data"][ADJUST]["userErrors"] == []
    retry = ledger.execute(ADJUST, adjust_vars(), idempotency_key="k")
    assert retry["data"][ADJUST]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 1002


def test_only_a_failed_attempt_is_remembered_by_its_key_in_2026_10() -> None:
    ledger = new_ledger("2026-10", FaultSchedule({1: Fault.THROTTLED, 2: Fault.FAILED}))
    assert "errors" in ledger.execute(MOVE, move_vars(), idempotency_key="k")
    failed = ledger.execute(MOVE, move_vars(), idempotency_key="k")
    assert failed["data"][MOVE]["userErrors"][0]["code"] == "MOVE_QUANTITIES_FAILED"
    again = ledger.execute(MOVE, move_vars(), idempotency_key="k")
    assert again["data"][MOVE]["userErrors"][0]["code"] == "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
    assert ledger.quantities(I1, L1)["damaged"] == 0


# ---------------------------------------------------------------------- an app's retry loop

RETRY_SAME_KEY = {"THROTTLED", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR",
                  "ADJUST_QUANTITIES_FAILED", "MOVE_QUANTITIES_FAILED",
                  "IDEMPOTENCY_CONCURRENT_REQUEST"}


def send_with_retries(ledger: Ledger, operation: str, variables: dict[str, Any],
                      key: str) -> tuple[dict[str, Any], int]:
    """Send one change the way a careful app does: retry on transient errors with the same
    key, and with a fresh key only when Shopify says the previous attempt with it failed."""
    attempt = 0
    for tries in range(1, 100):
        body = ledger.execute(operation, variables, idempotency_key=f"{key}#{attempt}")
        if "errors" in body:
            codes = {e["extensions"]["code"] for e in body["errors"]}
        else:
            codes = {e["code"] for e in body["data"][operation]["userErrors"]}
        if not codes:
            return body, tries
        if codes == {"IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"}:
            attempt += 1
            continue
        assert codes <= RETRY_SAME_KEY, body
    raise AssertionError("gave up after 99 tries")


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("version", ["2026-04", "2026-10"])
def test_a_retry_loop_applies_every_change_exactly_once_under_injected_faults(
    version: str, seed: int
) -> None:
    plan = FaultPlan(seed=seed, rate=0.4)
    ledger = new_ledger(version, plan)
    expected_available, expected_damaged, retries = 1000, 0, 0
    for n in range(30):
        if n % 3 == 0:
            _, tries = send_with_retries(ledger, MOVE, move_vars(2), f"move-{n}")
            expected_available -= 2
            expected_damaged += 2
        else:
            _, tries = send_with_retries(ledger, ADJUST, adjust_vars(n), f"adjust-{n}")
            expected_available += n
        retries += tries - 1
        if n >= 2:
            # A stray duplicate of change 1, sent again with its key, applies nothing.
            ledger.execute(ADJUST, adjust_vars(1), idempotency_key="adjust-1#0")
    quantities = ledger.quantities(I1, L1)
    assert (quantities["available"], quantities["damaged"]) == (
        expected_available, expected_damaged)
    assert len(ledger.journal) == 30
    assert retries > 0, "the plan injected no fault: the test proved nothing"
    assert plan.injected
    ledger._check()
