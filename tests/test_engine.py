"""The Pythonic API: frozen commands in, frozen ``Result`` values out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from ledger import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    AdjustmentGroup,
    Deactivate,
    ErrorCode,
    Ledger,
    LevelView,
    Move,
    MoveChange,
    MoveTerminal,
    QuantityChange,
    Result,
    SetOnHand,
    SetQuantities,
    SetQuantity,
    UserError,
)
from tests.support import ITEM, LOCATION, FakeClock, store

I1, I2 = ITEM.format(1), ITEM.format(2)
L1, L2 = LOCATION.format(1), LOCATION.format(2)


def new_ledger(version: str = "2026-01", clock: Any = None) -> Ledger:
    return Ledger.from_snapshot(store(), api_version=version,
                                clock=clock if clock is not None else FakeClock())


def change(delta: int = 1, **extra: Any) -> AdjustChange:
    return AdjustChange(item_id=I1, location_id=L1, delta=delta, **extra)


def terminal(name: str, **extra: Any) -> MoveTerminal:
    return MoveTerminal(location_id=L1, name=name, **extra)


# ---------------------------------------------------------------------- results


def test_a_successful_adjust_returns_an_ok_result_with_its_group() -> None:
    result = new_ledger().adjust(name="available", reason="correction", changes=[change(3)])
    assert isinstance(result, Result)
    assert (result.ok, result.user_errors, result.request_error, result.replayed) == (
        True, (), None, False)
    assert result.operation == "inventoryAdjustQuantities"
    assert isinstance(result.group, AdjustmentGroup)
    assert result.group.changes == (
        QuantityChange(name="available", delta=3, quantity_after_change=8,
                       ledger_document_uri=None, item_id=I1, location_id=L1,
                       location_name="Shop location"),
        QuantityChange(name="on_hand", delta=3, quantity_after_change=8,
                       ledger_document_uri=None, item_id=I1, location_id=L1,
                       location_name="Shop location"),
    )


def test_a_rejected_call_returns_its_user_errors_as_values() -> None:
    ledger = new_ledger()
    result = ledger.adjust(name="committed", reason="correction",
                           changes=[change(ledger_document_uri="logistics://count/1")])
    assert (result.ok, result.group, result.request_error) == (False, None, None)
    assert result.user_errors == (UserError(
        field=("input", "name"),
        message="The specified quantity name is invalid. Valid values are: available, damaged, "
                "incoming, quality_control, reserved, safety_stock.",
        code=ErrorCode.INVALID_QUANTITY_NAME,
    ),)
    assert ledger.quantities(I1, L1)["available"] == 5


def test_results_and_what_they_hold_are_frozen() -> None:
    ledger = new_ledger()
    result = ledger.adjust(name="available", reason="correction", changes=[change()])
    group = result.group
    assert group is not None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.group = None  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        group.reason = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        group.changes[0].delta = 9  # type: ignore[misc]
    failed = ledger.adjust(name="bogus", reason="correction", changes=[change()])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        failed.user_errors[0].message = "fine"  # type: ignore[misc]
    level = ledger.level(I1, L1)
    assert level is not None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        level.is_active = False  # type: ignore[misc]
    assert ledger.quantities(I1, L1)["available"] == 6


def test_a_replayed_result_says_so_and_equals_the_original() -> None:
    ledger = new_ledger()
    first = ledger.adjust(name="available", reason="correction", changes=[change()],
                          idempotency_key="k")
    again = ledger.adjust(name="available", reason="correction", changes=[change()],
                          idempotency_key="k")
    assert (first.replayed, again.replayed) == (False, True)
    assert again == first
    assert again.group == first.group  # the same group (id, time, rows), made afresh
    assert ledger.quantities(I1, L1)["available"] == 6


def test_a_replayed_failure_says_so_too() -> None:
    ledger = new_ledger()
    first = ledger.adjust(name="available", reason="nope", changes=[change()],
                          idempotency_key="k")
    again = ledger.adjust(name="available", reason="nope", changes=[change()],
                          idempotency_key="k")
    assert (first.ok, again.ok, again.replayed) == (False, False, True)
    assert again.user_errors == first.user_errors


# ---------------------------------------------------------------------- every operation


def test_move_set_and_set_on_hand_return_groups() -> None:
    ledger = new_ledger()
    moved = ledger.move(reason="damaged", reference_document_uri="logistics://rma/1", changes=[
        MoveChange(item_id=I1, quantity=2, from_=terminal("available"),
                   to=terminal("damaged", ledger_document_uri="logistics://rma/1"))])
    assert moved.ok
    assert moved.group is not None
    assert [(c.name, c.delta) for c in moved.group.changes] == [("available", -2), ("damaged", 2)]
    set_ = ledger.set(name="available", reason="correction", quantities=[
        SetQuantity(item_id=I1, location_id=L1, quantity=10, change_from_quantity=3)])
    assert set_.ok
    assert set_.group is not None
    assert [(c.name, c.delta) for c in set_.group.changes] == [("available", 7), ("on_hand", 7)]
    on_hand = ledger.set_on_hand(reason="correction", quantities=[
        SetQuantity(item_id=I1, location_id=L1, quantity=10)])
    assert on_hand.ok
    assert on_hand.group is not None
    assert [(c.name, c.delta) for c in on_hand.group.changes] == [
        ("available", -2), ("on_hand", -2)]
    assert ledger.quantities(I1, L1) == {
        "available": 8, "committed": 0, "damaged": 2, "incoming": 0, "on_hand": 10,
        "quality_control": 0, "reserved": 0, "safety_stock": 0}


def test_set_with_the_legacy_compare_fields_before_2026_04() -> None:
    ledger = new_ledger("2025-07")
    ok = ledger.set(name="available", reason="correction", ignore_compare_quantity=True,
                    quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=1,
                                            compare_quantity=99)])
    assert ok.ok
    stale = ledger.set(name="available", reason="correction",
                       quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=2,
                                               compare_quantity=5)])
    assert [e.code for e in stale.user_errors] == [ErrorCode.COMPARE_QUANTITY_STALE]
    missing = ledger.set(name="available", reason="correction",
                         quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=2)])
    assert [e.code for e in missing.user_errors] == [ErrorCode.COMPARE_QUANTITY_REQUIRED]
    assert ledger.quantities(I1, L1)["available"] == 1


def test_activate_returns_the_level_and_deactivate_a_bare_result() -> None:
    ledger = new_ledger()
    activated = ledger.activate(item_id=I1, location_id=L2, on_hand=4)
    assert activated.ok
    assert isinstance(activated.level, LevelView)
    assert (activated.level.is_active, activated.level.location_name) == (True, "Location 2")
    assert activated.level.quantity("on_hand") == 4
    assert activated.group is not None
    deactivated = ledger.deactivate(level_id=activated.level.id)
    # In 2026-01 deactivating clears the level, and the clear is journaled (semantics §9).
    assert (deactivated.ok, deactivated.level) == (True, None)
    assert deactivated.group is not None
    assert [(c.name, c.delta) for c in deactivated.group.changes] == [
        ("available", -4), ("on_hand", -4)]
    assert ledger.quantities(I1, L2)["on_hand"] == 0
    refused = ledger.activate(item_id=I1, location_id=L1, available=1, on_hand=1)
    assert [e.field for e in refused.user_errors] == [("available",), ("onHand",)]
    assert all(e.code is None for e in refused.user_errors)


def test_reads_return_views_and_groups() -> None:
    ledger = new_ledger()
    ledger.adjust(name="available", reason="correction", changes=[change()])
    level = ledger.level(I1, L1)
    assert isinstance(level, LevelView)
    assert ledger.level_by_id(level.id) == level
    assert ledger.level(I2, L2) is None
    assert ledger.level_by_id("gid://shopify/InventoryLevel/99") is None
    assert level.quantity("available") == 6
    with pytest.raises(KeyError):
        level.quantity("unavailable")
    assert [q.name for q in level.quantities] == [
        "available", "committed", "damaged", "incoming", "on_hand", "quality_control",
        "reserved", "safety_stock"]
    assert [g.id for g in ledger.groups(item_id=I1)] == [
        "gid://shopify/InventoryAdjustmentGroup/1"]
    assert ledger.items() == [I1, I2]
    assert ledger.locations() == [L1, L2]


def test_one_quantity_reads_as_the_same_name_in_quantities_everywhere() -> None:
    ledger = new_ledger()
    assert ledger.adjust(name="damaged", reason="damaged", changes=[
        change(3, ledger_document_uri="logistics://damage/1")]).ok
    assert ledger.adjust(name="incoming", reason="correction", changes=[
        change(4, ledger_document_uri="logistics://po/1")]).ok
    for item in (I1, I2):
        for location in (L1, L2):  # stocked or not
            every = ledger.quantities(item, location)
            assert {name: ledger.quantity(item, location, name) for name in every} == every
    assert (ledger.quantity(I1, L1, "damaged"), ledger.quantity(I1, L1, "incoming")) == (3, 4)
    assert ledger.quantity(I1, L1, "on_hand") == ledger.quantities(I1, L1)["on_hand"]


def test_every_level_read_at_once_gives_each_level_what_quantity_gives_it() -> None:
    snapshot = store(stocked={(1, 1): {"available": 5}, (2, 1): {"available": 2, "damaged": 1},
                              (2, 2): {"incoming": 7}})
    snapshot["inventoryLevels"][2]["isActive"] = False  # an inactive level is listed too
    ledger = Ledger.from_snapshot(snapshot, api_version="2026-01", clock=FakeClock())
    assert ledger.adjust(name="damaged", reason="damaged", changes=[
        change(3, ledger_document_uri="logistics://damage/1")]).ok
    stocked = [(I1, L1), (I2, L1), (I2, L2)]  # (I1, L2) has no level: not listed
    for name in ledger.quantities(I1, L1):
        table = ledger.quantity_by_level(name)
        assert list(table) == stocked  # every level, in item then location order
        assert table == {pair: ledger.quantity(*pair, name) for pair in stocked}
    assert ledger.quantity_by_level("damaged")[I1, L1] == 3


def test_every_level_read_at_once_after_a_fork_reads_the_fork_s_own_levels() -> None:
    ledger = new_ledger()
    child = ledger.fork()
    assert child.adjust(name="available", reason="correction", changes=[change(4)]).ok
    assert child.quantity_by_level("available")[I1, L1] == ledger.quantity(I1, L1,
                                                                          "available") + 4
    assert ledger.quantity_by_level("on_hand")[I1, L1] == ledger.quantity(I1, L1, "on_hand")


@pytest.mark.parametrize("name", ["unavailable", "ON_HAND", "", "on hand"])
def test_every_level_read_at_once_by_an_unknown_name_is_a_key_error_naming_it(
        name: str) -> None:
    with pytest.raises(KeyError, match=repr(name)):
        new_ledger().quantity_by_level(name)


@pytest.mark.parametrize(("item", "location", "name", "named"), [
    ("gid://shopify/InventoryItem/99", L1, "available", "InventoryItem/99"),
    (I1, "gid://shopify/Location/99", "available", "Location/99"),
    (I1, L1, "unavailable", "unavailable"),
    (I1, L1, "ON_HAND", "ON_HAND"),
])
def test_one_quantity_of_an_unknown_item_location_or_name_is_a_key_error_naming_it(
        item: str, location: str, name: str, named: str) -> None:
    with pytest.raises(KeyError, match=named):
        new_ledger().quantity(item, location, name)


def test_a_level_view_is_a_picture_that_does_not_follow_later_changes() -> None:
    ledger = new_ledger()
    before = ledger.level(I1, L1)
    ledger.adjust(name="available", reason="correction", changes=[change(4)])
    assert before is not None
    assert before.quantity("available") == 5
    after = ledger.level(I1, L1)
    assert after is not None
    assert after.quantity("available") == 9


# ---------------------------------------------------------------------- commands reject types


def bad(value: object) -> Any:
    """Pass a wrongly typed value past the type checker, as an untyped caller would."""
    return value


WRONG_TYPES = [
    pytest.param(lambda: change(delta=bad("1")), id="a str delta"),
    pytest.param(lambda: change(delta=bad(True)), id="a bool delta"),
    pytest.param(lambda: change(delta=bad(1.0)), id="a float delta"),
    pytest.param(lambda: AdjustChange(item_id=bad(1), location_id=L1, delta=1),
                 id="an int item id"),
    pytest.param(lambda: change(ledger_document_uri=bad(5)), id="an int ledger document"),
    pytest.param(lambda: change(change_from_quantity=bad("5")), id="a str changeFromQuantity"),
    pytest.param(lambda: Adjust(name="available", reason="correction", changes=[bad(1)]),
                 id="adjust changes that are not AdjustChange"),
    pytest.param(lambda: Adjust(name=bad(None), reason="correction", changes=[]),
                 id="a null name"),
    pytest.param(lambda: Adjust(name="available", reason="correction", changes=[],
                                reference_document_uri=bad(1)), id="an int reference"),
    pytest.param(lambda: MoveTerminal(location_id=L1, name=bad(None)),
                 id="a null terminal name"),
    pytest.param(lambda: MoveChange(item_id=I1, quantity=1, from_=bad({"locationId": L1}),
                                    to=terminal("damaged")), id="a dict as a terminal"),
    pytest.param(lambda: MoveChange(item_id=I1, quantity=bad("1"), from_=terminal("available"),
                                    to=terminal("damaged")), id="a str move quantity"),
    pytest.param(lambda: Move(reason="damaged", reference_document_uri=bad(None), changes=[]),
                 id="a null move reference"),
    pytest.param(lambda: Move(reason="damaged", reference_document_uri="x:y",
                              changes=[bad(change())]), id="move changes that are adjust changes"),
    pytest.param(lambda: SetQuantity(item_id=I1, location_id=L1, quantity=bad(1.5)),
                 id="a float set quantity"),
    pytest.param(lambda: SetQuantity(item_id=I1, location_id=L1, quantity=1,
                                     compare_quantity=bad(False)), id="a bool compareQuantity"),
    pytest.param(lambda: SetQuantities(name="available", reason="correction", quantities=[],
                                       ignore_compare_quantity=bad("yes")),
                 id="a str ignoreCompareQuantity"),
    pytest.param(lambda: SetOnHand(reason="correction", quantities=[bad(change())]),
                 id="setOnHand quantities that are adjust changes"),
    pytest.param(lambda: Activate(item_id=I1, location_id=L1, available=bad("1")),
                 id="a str available"),
    pytest.param(lambda: Activate(item_id=I1, location_id=L1, on_hand=bad(True)),
                 id="a bool onHand"),
    pytest.param(lambda: Deactivate(level_id=bad(None)), id="a null level id"),
    pytest.param(lambda: UserError(field=bad(["input"]), message="m"),
                 id="a list as a field path"),
    pytest.param(lambda: UserError(field=bad(("input", 0)), message="m"),
                 id="an int in a field path"),
]


@pytest.mark.parametrize("build", WRONG_TYPES)
def test_commands_reject_wrong_types_at_construction(build: Any) -> None:
    with pytest.raises(TypeError):
        build()


def test_commands_take_any_iterable_and_hold_a_tuple() -> None:
    command = Adjust(name="available", reason="correction", changes=iter([change()]))
    assert command.changes == (change(),)
    assert SetQuantity(item_id=I1, location_id=L1, quantity=1).change_from_quantity is ABSENT


def test_commands_distinguish_a_null_from_an_absent_field() -> None:
    assert change(change_from_quantity=None) != change()
    assert hash(change(change_from_quantity=None)) == hash(change(change_from_quantity=None))


@pytest.mark.parametrize("command", [object(), "inventoryAdjustQuantities", None])
def test_run_rejects_what_is_not_a_command(command: Any) -> None:
    with pytest.raises(TypeError, match="not a ledger command"):
        new_ledger().run(command)


@pytest.mark.parametrize("key", [1, b"k", ["k"]])
def test_an_idempotency_key_must_be_a_string(key: Any) -> None:
    with pytest.raises(TypeError, match="idempotency_key"):
        new_ledger().adjust(name="available", reason="correction", changes=[change()],
                            idempotency_key=key)


# ---------------------------------------------------------------------- the clock


@pytest.mark.parametrize("now", [datetime(2026, 6, 25, 12, 0, 0), "2026-06-25T12:00:00Z", 0],
                         ids=["a naive datetime", "a string", "a number"])
def test_the_clock_must_return_a_timezone_aware_datetime(now: Any) -> None:
    ledger = new_ledger()
    ledger._clock = lambda: now  # after loading, which reads the clock for createdAt
    before = ledger.snapshot()
    with pytest.raises(TypeError, match="timezone-aware"):
        ledger.adjust(name="available", reason="correction", changes=[change()])
    assert ledger.snapshot() == before


def test_an_aware_clock_in_another_zone_is_read_in_utc() -> None:
    minus_five = timezone(timedelta(hours=-5))
    ledger = new_ledger(clock=lambda: datetime(2026, 6, 24, 21, 30, 15, 500, tzinfo=minus_five))
    result = ledger.adjust(name="available", reason="correction", changes=[change()])
    assert result.group is not None
    assert result.group.created_at == datetime(2026, 6, 25, 2, 30, 15, tzinfo=UTC)
    assert result.group.created_at.tzinfo is UTC
    level = ledger.level(I1, L1)
    assert level is not None
    assert level.quantities[0].updated_at == datetime(2026, 6, 25, 2, 30, 15, 500, tzinfo=UTC)


def test_without_a_clock_the_system_clock_stamps_groups_in_utc() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-01")
    result = ledger.adjust(name="available", reason="correction", changes=[change()])
    assert result.group is not None
    assert result.group.created_at.tzinfo is UTC
    assert result.group.created_at.microsecond == 0


def test_groups_are_stamped_to_their_second_and_one_second_shares_one_time() -> None:
    clock = FakeClock(datetime(2026, 6, 25, 0, 0, 0, 700_000, tzinfo=UTC))
    ledger = new_ledger(clock=clock)
    stamps = []
    for _ in range(12):  # 0.7 s to 4.0 s in steps of 0.3 s: five whole seconds
        result = ledger.adjust(name="available", reason="correction", changes=[change()])
        assert result.group is not None
        stamps.append((clock.now, result.group.created_at))
        clock.advance(0.3)
    for now, created in stamps:
        assert created == now.replace(microsecond=0)
    for (_, a), (_, b) in itertools.pairwise(stamps):
        assert (a is b) == (a == b)  # a second's groups share one datetime; the next gets its own
    assert len({created for _, created in stamps}) == 5


def test_a_clock_set_back_stamps_the_newest_groups_time_not_an_earlier_one() -> None:
    clock = FakeClock(datetime(2026, 6, 25, 0, 0, 5, 900_000, tzinfo=UTC))
    ledger = new_ledger(clock=clock)
    first = ledger.adjust(name="available", reason="correction", changes=[change()]).group
    clock.now = datetime(2026, 6, 25, 0, 0, 1, 200_000, tzinfo=UTC)
    second = ledger.adjust(name="available", reason="correction", changes=[change()]).group
    clock.now = datetime(2026, 6, 25, 0, 0, 6, 100_000, tzinfo=UTC)
    third = ledger.adjust(name="available", reason="correction", changes=[change()]).group
    assert first is not None
    assert second is not None
    assert third is not None
    assert second.created_at == first.created_at == datetime(2026, 6, 25, 0, 0, 5, tzinfo=UTC)
    assert third.created_at == datetime(2026, 6, 25, 0, 0, 6, tzinfo=UTC)


# ---------------------------------------------------------------------- injected faults


def _adjust_body(delta: int = 1) -> dict[str, Any]:
    return {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "delta": delta, "changeFromQuantity": None}]}}


class FailFirst:
    """A fault policy that fails the first ``n`` calls it is asked about."""

    def __init__(self, n: int = 1) -> None:
        self.left = n

    def __call__(self, operation: str, command: object) -> bool:
        self.left -= 1
        return self.left >= 0


def test_a_retry_after_a_transient_failure_applies_the_change_exactly_once() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-04", clock=FakeClock(),
                                  faults=FailFirst(1))
    first = ledger.execute("inventoryAdjustQuantities", _adjust_body(), idempotency_key="k")
    assert first["data"]["inventoryAdjustQuantities"]["userErrors"] == [{
        "field": None, "code": "ADJUST_QUANTITIES_FAILED",
        "message": "The quantities couldn't be adjusted. Try again."}]
    assert ledger.quantities(I1, L1)["available"] == 5
    # 2026-04 has no IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED: the failed attempt is not
    # remembered, so the retry with the same key runs, and a further retry replays it.
    second = ledger.execute("inventoryAdjustQuantities", _adjust_body(), idempotency_key="k")
    third = ledger.execute("inventoryAdjustQuantities", _adjust_body(), idempotency_key="k")
    assert second == third
    assert second["data"]["inventoryAdjustQuantities"]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 6
    assert len(ledger.journal) == 1
    ledger._check()


def test_a_transient_failure_of_set_is_shopifys_internal_error_with_no_data() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-04", clock=FakeClock(),
                                  faults=FailFirst(1))
    body = ledger.execute("inventorySetQuantities", {"input": {
        "name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": I1, "locationId": L1, "quantity": 9,
             "changeFromQuantity": None}]}}, idempotency_key="k")
    assert body == {"errors": [{
        "message": "Internal error. Looks like something went wrong on our end.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
    assert ledger.quantities(I1, L1)["available"] == 5


def test_in_2026_10_a_key_whose_move_failed_must_be_replaced_by_a_new_key() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-10", clock=FakeClock(),
                                  faults=FailFirst(1))
    variables = {"input": {"reason": "damaged", "referenceDocumentUri": "logistics://rma/1",
                           "changes": [{"inventoryItemId": I1, "quantity": 2,
                                        "from": {"locationId": L1, "name": "available",
                                                 "changeFromQuantity": None},
                                        "to": {"locationId": L1, "name": "damaged",
                                               "ledgerDocumentUri": "logistics://rma/1",
                                               "changeFromQuantity": None}}]}}
    failed = ledger.execute("inventoryMoveQuantities", variables, idempotency_key="k")
    assert failed["data"]["inventoryMoveQuantities"]["userErrors"][0]["code"] == (
        "MOVE_QUANTITIES_FAILED")
    retry = ledger.execute("inventoryMoveQuantities", variables, idempotency_key="k")
    assert retry["data"]["inventoryMoveQuantities"]["userErrors"][0]["code"] == (
        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED")
    other = dict(variables, input=dict(variables["input"], reason="correction"))
    mismatch = ledger.execute("inventoryMoveQuantities", other, idempotency_key="k")
    assert mismatch["data"]["inventoryMoveQuantities"]["userErrors"][0]["code"] == (
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
    fresh = ledger.execute("inventoryMoveQuantities", variables, idempotency_key="k2")
    assert fresh["data"]["inventoryMoveQuantities"]["userErrors"] == []
    assert ledger.quantities(I1, L1)["damaged"] == 2
    ledger._check()


def test_faults_strike_calls_without_a_key_too_and_see_the_command() -> None:
    seen: list[tuple[str, object]] = []

    def policy(operation: str, command: object) -> bool:
        seen.append((operation, command))
        return True

    ledger = new_ledger("2026-01")
    ledger.faults = policy
    result = ledger.adjust(name="available", reason="correction", changes=[
        AdjustChange(item_id=I1, location_id=L1, delta=1)])
    assert [e.code for e in result.user_errors] == [ErrorCode.ADJUST_QUANTITIES_FAILED]
    assert seen[0][0] == "inventoryAdjustQuantities"
    assert isinstance(seen[0][1], Adjust)
    assert ledger.quantities(I1, L1)["available"] == 5


# ---------------------------------------------------------------------- group numbers


def test_an_exhausted_group_id_generator_raises_before_anything_changes() -> None:
    from ledger import LedgerError

    ledger = Ledger.from_snapshot(store(), api_version="2026-01", clock=FakeClock(),
                                  group_ids=[41])
    change = AdjustChange(item_id=I1, location_id=L1, delta=1)
    assert ledger.adjust(name="available", reason="correction", changes=[change]).group.id == (
        "gid://shopify/InventoryAdjustmentGroup/41")
    before = ledger.snapshot()
    with pytest.raises(LedgerError, match="exhausted"):
        ledger.adjust(name="available", reason="correction", changes=[change])
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 1
    ledger._check()


def test_a_no_op_does_not_spend_a_group_number() -> None:
    ledger = new_ledger("2026-01")
    zero = AdjustChange(item_id=I1, location_id=L1, delta=0)
    one = AdjustChange(item_id=I1, location_id=L1, delta=1)
    assert ledger.adjust(name="available", reason="correction", changes=[zero]).group is None
    group = ledger.adjust(name="available", reason="correction", changes=[one]).group
    assert group is not None
    assert group.id == "gid://shopify/InventoryAdjustmentGroup/1"


# ---------------------------------------------------------------------- per-call versions


def test_a_call_may_pin_another_api_version_than_the_ledgers() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-04", clock=FakeClock())
    legacy = {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": I1, "locationId": L1, "quantity": 9}]}}
    body = ledger.execute("inventorySetQuantities", legacy, api_version="2025-01")
    assert body["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == (
        "COMPARE_QUANTITY_REQUIRED")
    # The same call at the ledger's own version needs changeFromQuantity and a key.
    assert ledger.execute("inventorySetQuantities", legacy)["errors"][0]["extensions"] == {
        "code": "INVALID_FIELD_ARGUMENTS"}
    legacy["input"]["ignoreCompareQuantity"] = True
    ok = ledger.execute("inventorySetQuantities", legacy, api_version="2025-01")
    assert ok["data"]["inventorySetQuantities"]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 9
    assert ledger.api_version == "2026-04"


def test_an_unknown_per_call_version_raises_value_error_naming_the_supported_ones() -> None:
    ledger = new_ledger()
    with pytest.raises(ValueError, match="2026-10"):
        ledger.execute("inventoryActivate", {}, api_version="2024-01")


def test_a_ledger_that_keeps_no_journal_still_applies_and_refuses_history() -> None:
    from ledger import Ledger, LedgerError

    ledger = Ledger.example(api_version="2026-01")
    bare = Ledger.from_snapshot(ledger.snapshot(), "2026-01", keep_journal=False, record=False)
    change = [AdjustChange(item_id="gid://shopify/InventoryItem/1",
                           location_id="gid://shopify/Location/1", delta=2)]
    result = bare.adjust(name="available", reason="correction", changes=change)
    assert result.ok
    assert result.group is not None
    assert len(bare.journal) == 0
    assert bare.oplog == []
    assert bare.quantities("gid://shopify/InventoryItem/1",
                           "gid://shopify/Location/1")["available"] == 12
    with pytest.raises(LedgerError, match="keep_journal=False"):
        bare.history()
    with pytest.raises(LedgerError, match="keep_journal=False"):
        bare.groups()
    bare._check()
