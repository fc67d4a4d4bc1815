"""``@idempotent(key:)``: replay, parameter mismatch, concurrency, the 24-hour window, eviction."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger import AdjustChange, Ledger
from tests.support import ITEM, LOCATION, FakeClock, ReentrantClock, store

I1, I2 = ITEM.format(1), ITEM.format(2)
L1, L2 = LOCATION.format(1), LOCATION.format(2)
ADJUST = "inventoryAdjustQuantities"
MOVE = "inventoryMoveQuantities"
SET = "inventorySetQuantities"
SET_ON_HAND = "inventorySetOnHandQuantities"
ACTIVATE = "inventoryActivate"
DEACTIVATE = "inventoryDeactivate"
DAY = 24 * 60 * 60
MISMATCH = {
    "field": None,
    "message": "The same idempotency key cannot be used with different operation parameters.",
    "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
}


def new_ledger(version: str = "2026-04", clock: FakeClock | None = None) -> Ledger:
    return Ledger.from_snapshot(store(), api_version=version, clock=clock or FakeClock())


def adjust(delta: int = 1, change_from: int | None = None, item: str = I1) -> dict[str, Any]:
    return {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": item, "locationId": L1, "delta": delta,
         "changeFromQuantity": change_from}]}}


CALLS = {
    ADJUST: adjust(),
    MOVE: {"input": {"reason": "movement_created", "referenceDocumentUri": "logistics://t/1",
                     "changes": [{"inventoryItemId": I1, "quantity": 2,
                                  "from": {"locationId": L1, "name": "available",
                                           "changeFromQuantity": None},
                                  "to": {"locationId": L1, "name": "reserved",
                                         "ledgerDocumentUri": "logistics://hold/1",
                                         "changeFromQuantity": None}}]}},
    SET: {"input": {"name": "on_hand", "reason": "correction", "quantities": [
        {"inventoryItemId": I1, "locationId": L1, "quantity": 9, "changeFromQuantity": 5}]}},
    SET_ON_HAND: {"input": {"reason": "correction", "setQuantities": [
        {"inventoryItemId": I1, "locationId": L1, "quantity": 7, "changeFromQuantity": None}]}},
}


def payload(body: dict[str, Any], operation: str = ADJUST) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][operation]
    return result


def group(body: dict[str, Any], operation: str = ADJUST) -> dict[str, Any]:
    found: dict[str, Any] | None = payload(body, operation)["inventoryAdjustmentGroup"]
    assert found is not None, body
    return found


# ---------------------------------------------------------------------- replay


@pytest.mark.parametrize("operation", list(CALLS))
def test_a_replay_returns_the_original_response_and_changes_nothing(operation: str) -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    first = ledger.execute(operation, CALLS[operation], idempotency_key="k")
    assert payload(first, operation)["userErrors"] == []
    after_first = ledger.snapshot()
    clock.advance(3600)
    again = ledger.execute(operation, CALLS[operation], idempotency_key="k")
    assert again == first
    assert group(again, operation)["createdAt"] == "2026-06-25T00:00:00Z"
    assert ledger.snapshot() == after_first
    assert len(ledger.journal) == 1
    ledger._check()


def test_a_replay_is_not_re_evaluated_against_the_current_state() -> None:
    ledger = new_ledger()
    first = ledger.execute(ADJUST, adjust(change_from=5), idempotency_key="k")
    assert payload(first)["userErrors"] == []
    # The remembered call would now be stale; its key still returns the original success.
    again = ledger.execute(ADJUST, adjust(change_from=5), idempotency_key="k")
    assert again == first
    assert ledger.quantities(I1, L1)["available"] == 6


def test_a_call_that_returned_user_errors_replays_its_errors() -> None:
    ledger = new_ledger()
    first = ledger.execute(ADJUST, adjust(change_from=4), idempotency_key="k")
    assert [e["code"] for e in payload(first)["userErrors"]] == ["CHANGE_FROM_QUANTITY_STALE"]
    # Bring available to 4 so that the same call would now pass if it ran again.
    ledger.execute(ADJUST, adjust(delta=-1), idempotency_key="other")
    assert ledger.quantities(I1, L1)["available"] == 4
    before = ledger.snapshot()
    assert ledger.execute(ADJUST, adjust(change_from=4), idempotency_key="k") == first
    assert ledger.snapshot() == before


def test_a_key_taken_by_a_failed_call_refuses_other_parameters() -> None:
    ledger = new_ledger()
    ledger.execute(ADJUST, adjust(change_from=4), idempotency_key="k")
    body = ledger.execute(ADJUST, adjust(change_from=5), idempotency_key="k")
    assert payload(body) == {"inventoryAdjustmentGroup": None, "userErrors": [MISMATCH]}
    assert ledger.quantities(I1, L1)["available"] == 5


# ---------------------------------------------------------------------- mismatch


MISMATCHES = [
    pytest.param(ADJUST, adjust(delta=2), id="the same operation with another delta"),
    pytest.param(ADJUST, adjust(change_from=5), id="the same delta with a changeFromQuantity"),
    pytest.param(MOVE, CALLS[MOVE], id="another operation"),
    pytest.param(SET_ON_HAND, CALLS[SET_ON_HAND], id="a deprecated operation"),
]


@pytest.mark.parametrize(("operation", "variables"), MISMATCHES)
def test_a_mismatch_changes_nothing_and_the_key_keeps_its_first_call(
    operation: str, variables: dict[str, Any]
) -> None:
    ledger = new_ledger()
    first = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key="k")
    assert body == {"data": {operation: {"inventoryAdjustmentGroup": None,
                                         "userErrors": [MISMATCH]}}}
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 1
    assert ledger.execute(ADJUST, adjust(), idempotency_key="k") == first


def test_a_mismatch_is_not_remembered_as_the_keys_outcome() -> None:
    ledger = new_ledger()
    first = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    ledger.execute(ADJUST, adjust(delta=2), idempotency_key="k")
    # The second parameters still mismatch, and the first still replay.
    assert payload(ledger.execute(ADJUST, adjust(delta=2), idempotency_key="k"))[
        "userErrors"] == [MISMATCH]
    assert ledger.execute(ADJUST, adjust(), idempotency_key="k") == first


def test_keys_belong_to_one_ledger() -> None:
    one, two = new_ledger(), new_ledger()
    assert payload(one.execute(ADJUST, adjust(), idempotency_key="k"))["userErrors"] == []
    assert payload(two.execute(ADJUST, adjust(delta=3), idempotency_key="k"))["userErrors"] == []
    assert one.quantities(I1, L1)["available"] == 6
    assert two.quantities(I1, L1)["available"] == 8


# ---------------------------------------------------------------------- request-level rejections


REQUEST_REJECTIONS = [
    pytest.param({"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": 1}]}},
        "INVALID_FIELD_ARGUMENTS", id="a missing changeFromQuantity"),
    pytest.param({"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": "1", "changeFromQuantity": None}]}},
        "INVALID_VARIABLE", id="a coercion error"),
]


@pytest.mark.parametrize(("variables", "code"), REQUEST_REJECTIONS)
def test_a_request_level_rejection_is_not_remembered(
    variables: dict[str, Any], code: str
) -> None:
    ledger = new_ledger()
    rejected = ledger.execute(ADJUST, variables, idempotency_key="k")
    assert [e["extensions"]["code"] for e in rejected["errors"]] == [code]
    body = ledger.execute(ADJUST, adjust(delta=4), idempotency_key="k")
    assert payload(body)["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 9


# ---------------------------------------------------------------------- the 24-hour window


def test_a_key_is_live_for_just_under_24_hours_and_new_again_at_24_hours() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    first = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    clock.advance(DAY - 1)
    assert ledger.execute(ADJUST, adjust(), idempotency_key="k") == first
    assert ledger.quantities(I1, L1)["available"] == 6
    clock.advance(1)
    fresh = group(ledger.execute(ADJUST, adjust(), idempotency_key="k"))
    assert fresh["id"] == "gid://shopify/InventoryAdjustmentGroup/2"
    assert fresh["createdAt"] == "2026-06-26T00:00:00Z"
    assert ledger.quantities(I1, L1)["available"] == 7
    ledger._check()


def test_a_mismatch_lasts_as_long_as_the_key_and_no_longer() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    ledger.execute(ADJUST, adjust(), idempotency_key="k")
    clock.advance(DAY - 1)
    assert payload(ledger.execute(ADJUST, adjust(delta=5), idempotency_key="k"))[
        "userErrors"] == [MISMATCH]
    clock.advance(1)
    assert payload(ledger.execute(ADJUST, adjust(delta=5), idempotency_key="k"))[
        "userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 11


def test_the_window_counts_from_the_first_use_not_from_the_replays() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    ledger.execute(ADJUST, adjust(), idempotency_key="k")
    for _ in range(3):
        clock.advance(DAY // 3 - 1)
        ledger.execute(ADJUST, adjust(), idempotency_key="k")
    assert ledger.quantities(I1, L1)["available"] == 6
    clock.advance(3)
    ledger.execute(ADJUST, adjust(), idempotency_key="k")
    assert ledger.quantities(I1, L1)["available"] == 7


def test_eviction_keeps_only_the_keys_of_the_last_24_hours() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    for hour in range(100):
        body = ledger.execute(ADJUST, adjust(), idempotency_key=f"hour-{hour}")
        assert payload(body)["userErrors"] == []
        assert len(ledger._keys) <= 24
        ledger._check()
        clock.advance(3600)
    # The last key was used at hour 99; those of hours 76 to 99 are live.
    assert len(ledger._keys) == 24
    assert ledger.quantities(I1, L1)["available"] == 105


def test_a_call_without_a_key_also_moves_the_window() -> None:
    clock = FakeClock()
    ledger = new_ledger("2026-01", clock)
    for n in range(10):
        ledger.execute(ADJUST, adjust(), idempotency_key=f"k-{n}")
    assert len(ledger._keys) == 10
    clock.advance(2 * DAY)
    assert payload(ledger.execute(ADJUST, adjust()))["userErrors"] == []
    assert len(ledger._keys) == 0
    ledger._check()


def test_a_clock_within_a_day_of_year_one_keeps_every_key_and_never_overflows() -> None:
    # "now - 24 h" does not exist there (OverflowError); no key can be that old anyway.
    clock = FakeClock(datetime(1, 1, 1, tzinfo=UTC))
    ledger = new_ledger(clock=clock)
    first = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    assert group(first)["createdAt"] == "0001-01-01T00:00:00Z"
    clock.advance(DAY - 1)
    assert ledger.execute(ADJUST, adjust(), idempotency_key="k") == first
    ledger._check()
    clock.advance(1)
    assert group(ledger.execute(ADJUST, adjust(), idempotency_key="k"))["createdAt"] == (
        "0001-01-02T00:00:00Z")
    ledger._check()


# ---------------------------------------------------------------------- concurrency


def test_a_call_re_entering_with_a_key_in_flight_gets_concurrent_request() -> None:
    clock = ReentrantClock()
    ledger = new_ledger(clock=clock)
    inner: dict[str, Any] = {}

    def again() -> None:
        inner["before"] = ledger.snapshot()
        inner["body"] = ledger.execute(ADJUST, adjust(), idempotency_key="k")
        inner["after"] = ledger.snapshot()

    clock.on_next_read = again
    outer = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    assert inner["body"] == {"data": {ADJUST: {"inventoryAdjustmentGroup": None, "userErrors": [{
        "field": None,
        "message": "This request is currently in progress, please try again.",
        "code": "IDEMPOTENCY_CONCURRENT_REQUEST",
    }]}}}
    assert inner["after"] == inner["before"]
    # The first call went through once, and its key is remembered, not the refusal.
    assert group(outer)["id"] == "gid://shopify/InventoryAdjustmentGroup/1"
    assert ledger.quantities(I1, L1)["available"] == 6
    assert ledger.execute(ADJUST, adjust(), idempotency_key="k") == outer
    ledger._check()


def test_a_call_re_entering_with_another_key_runs_normally() -> None:
    clock = ReentrantClock()
    ledger = new_ledger(clock=clock)
    inner: dict[str, Any] = {}
    clock.on_next_read = lambda: inner.update(
        body=ledger.execute(ADJUST, adjust(delta=10), idempotency_key="other"))
    outer = ledger.execute(ADJUST, adjust(), idempotency_key="k")
    assert group(inner["body"])["id"] == "gid://shopify/InventoryAdjustmentGroup/1"
    assert group(outer)["id"] == "gid://shopify/InventoryAdjustmentGroup/2"
    assert ledger.quantities(I1, L1)["available"] == 16


def test_a_clock_that_fails_does_not_leave_the_key_in_flight() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    good = clock.now
    clock.now = good.replace(tzinfo=None)
    with pytest.raises(TypeError, match="timezone-aware"):
        ledger.execute(ADJUST, adjust(), idempotency_key="k")
    clock.now = good
    assert payload(ledger.execute(ADJUST, adjust(), idempotency_key="k"))["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 6


# ---------------------------------------------------------------------- activate / deactivate


def test_activate_replays_its_level_and_mismatches_without_a_code() -> None:
    ledger = new_ledger("2026-01")
    variables = {"inventoryItemId": I2, "locationId": L2, "available": 3}
    first = ledger.execute(ACTIVATE, variables, idempotency_key="a")
    assert first["data"][ACTIVATE]["userErrors"] == []
    assert ledger.execute(ACTIVATE, variables, idempotency_key="a") == first
    assert len(ledger.journal) == 1
    other = ledger.execute(ACTIVATE, {**variables, "available": 4}, idempotency_key="a")
    assert other == {"data": {ACTIVATE: {"inventoryLevel": None, "userErrors": [{
        "field": None,
        "message": "The same idempotency key cannot be used with different operation parameters.",
    }]}}}
    assert ledger.quantities(I2, L2)["available"] == 3


def test_deactivate_replays_and_mismatches_without_a_code() -> None:
    ledger = new_ledger("2026-04")
    ledger.execute(ACTIVATE, {"inventoryItemId": I1, "locationId": L2}, idempotency_key="a")
    level = ledger.level(I1, L1)
    assert level is not None
    first = ledger.execute(DEACTIVATE, {"inventoryLevelId": level.id}, idempotency_key="d")
    assert first == {"data": {DEACTIVATE: {"userErrors": []}}}
    assert ledger.execute(DEACTIVATE, {"inventoryLevelId": level.id}, idempotency_key="d") == first
    other = ledger.execute(DEACTIVATE, {"inventoryLevelId": "gid://shopify/InventoryLevel/9"},
                           idempotency_key="d")
    assert other == {"data": {DEACTIVATE: {"userErrors": [{
        "field": None,
        "message": "The same idempotency key cannot be used with different operation parameters.",
    }]}}}


def _remember(keys: Any, key: str, hour: float) -> None:
    from datetime import timedelta

    from ledger.core.results import Result

    keys.remember(key, ADJUST, None, Result(operation=ADJUST),
                  datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour))


def _at(hour: float) -> datetime:
    from datetime import timedelta

    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour)


def test_keys_first_used_in_clock_order_wait_in_order_with_no_sorted_index() -> None:
    from ledger.core.idempotency import IdempotencyStore

    keys = IdempotencyStore()
    for n, hour in enumerate((1, 2, 2, 3)):
        _remember(keys, f"k{n}", hour)
    assert len(keys._late) == 0  # the common case: no (timestamp, key) tuple per key
    keys.evict(_at(26))
    assert sorted(keys._entries) == ["k3"]
    keys._check(_at(26))


def test_a_key_first_used_after_the_clock_went_back_expires_at_its_own_time() -> None:
    from ledger.core.idempotency import IdempotencyStore

    keys = IdempotencyStore()
    _remember(keys, "later", 10)
    _remember(keys, "earlier", 5)  # the clock went back (no group was made in between)
    assert keys.get("earlier", _at(28.9)) is not None
    assert keys.get("earlier", _at(29)) is None
    assert keys.get("later", _at(29)) is not None
    keys._check(_at(29))
    assert keys.get("later", _at(34)) is None
    assert len(keys) == 0


def test_the_time_index_lists_keys_by_first_use_then_by_key() -> None:
    from ledger.core.idempotency import IdempotencyStore

    keys = IdempotencyStore()
    for key, hour in (("z", 2), ("a", 2), ("m", 1), ("b", 3), ("c", 1.5)):
        _remember(keys, key, hour)
    assert [key for _, key in keys._by_time] == ["m", "c", "a", "z", "b"]


def test_a_key_replayed_in_another_version_answers_in_that_versions_schema() -> None:
    # One store serves apps pinned to different versions ([ours]: the spec is silent): the
    # same outcome comes back, rendered as the replaying version shows an InventoryLevel.
    ledger = Ledger.from_snapshot(store(stocked={}), "2026-04", FakeClock())
    variables = {"inventoryItemId": "gid://shopify/InventoryItem/1",
                 "locationId": "gid://shopify/Location/1"}
    first = ledger.execute("inventoryActivate", variables, idempotency_key="k",
                           api_version="2026-04")
    older = ledger.execute("inventoryActivate", variables, idempotency_key="k",
                           api_version="2026-01")
    again = ledger.execute("inventoryActivate", variables, idempotency_key="k",
                           api_version="2026-07")
    level = first["data"]["inventoryActivate"]["inventoryLevel"]
    assert level["isActive"] is True
    assert older["data"]["inventoryActivate"]["inventoryLevel"] == {
        k: v for k, v in level.items() if k != "isActive"}
    assert again == first
    assert [r.outcome.status for r in ledger.oplog] == ["no-op", "replayed", "replayed"]


@pytest.mark.parametrize("keep_journal", [True, False])
def test_a_replay_returns_an_equal_result_whether_or_not_a_journal_holds_the_group(
        keep_journal: bool) -> None:
    ledger = Ledger.from_snapshot(store(), "2026-04", FakeClock(), keep_journal=keep_journal)
    changes = [AdjustChange(item_id=ITEM.format(1), location_id=LOCATION.format(1), delta=2,
                            change_from_quantity=5)]
    first = ledger.adjust(name="available", reason="correction", changes=changes,
                          idempotency_key="k")
    again = ledger.adjust(name="available", reason="correction", changes=changes,
                          idempotency_key="k")
    assert first.ok
    assert again.replayed
    assert again == first
    assert again.group is not None
    assert len(again.group.changes) == 2
    kept = ledger._keys._entries["k"][2]
    # With a journal the key keeps the group's id (the journal's string); without one, the
    # group flat: plain values the collector untracks.
    if keep_journal:
        assert kept is ledger.journal[0].id
    else:
        assert isinstance(kept, tuple)
    if not keep_journal:
        gc.collect()
        assert not gc.is_tracked(kept)
    assert ledger.quantities(ITEM.format(1), LOCATION.format(1))["available"] == 7
