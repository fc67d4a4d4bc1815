"""Platform events (ledger/core/events.py): orders, returns and receipts, run by the engine itself.

The rows, reasons and checks asserted here are the [ours] choices of the docstring of
ledger/core/mutations/platform_events.py, which checks and applies them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ledger import (
    SUPPORTED_VERSIONS,
    AdjustChange,
    ErrorCode,
    EventErrorCode,
    EventKind,
    EventLine,
    Fault,
    FaultPlan,
    Ledger,
    PlatformEvent,
    Result,
)
from tests.support import ITEM, LOCATION, FakeClock, ReentrantClock, store
from tests.test_properties import PARTS, STOCKED, all_quantities, fresh, run, steps
from tests.test_state_machine import (
    MACHINE_VERSIONS,
    Event,
    current_in,
    events,
    resolve_event,
    send_event,
)

I1, I2, I3 = ITEM.format(1), ITEM.format(2), ITEM.format(3)
L1, L2, L3 = LOCATION.format(1), LOCATION.format(2), LOCATION.format(3)
ORDER = "gid://shopify/Order/1"
MISMATCH = "The same idempotency key cannot be used with different operation parameters."


def new_ledger(version: str = "2026-01", **options: Any) -> Ledger:
    """Item 1 stocked at both locations; item 2 at location 1, inactive at 2; item 3 nowhere.

    (1, 1): available 5, committed 3, damaged 1, incoming 4 (on_hand 9);
    (1, 2): available 1, committed 2, incoming 1 (on_hand 3).
    """
    snapshot = store(items=3, locations=2, stocked={
        (1, 1): {"available": 5, "committed": 3, "damaged": 1, "incoming": 4},
        (1, 2): {"available": 1, "committed": 2, "incoming": 1},
        (2, 1): {},
        (2, 2): {"available": 7, "committed": 2, "incoming": 2},
    })
    for level in snapshot["inventoryLevels"]:
        if (level["inventoryItemId"], level["locationId"]) == (I2, L2):
            level["isActive"] = False
    options.setdefault("clock", FakeClock())
    return Ledger.from_snapshot(snapshot, api_version=version, **options)


def call(ledger: Ledger, kind: str, lines: list[Any], key: str | None = None,
         document: str | None = None) -> Result:
    """Run the event ``kind`` ("placed", "fulfilled", "cancelled", "cancelled without
    restock", "returned", "received") through its Pythonic method."""
    if kind == "placed":
        return ledger.order_placed(order=document or ORDER, lines=lines, idempotency_key=key)
    if kind == "fulfilled":
        return ledger.order_fulfilled(order=document or ORDER, lines=lines, idempotency_key=key)
    if kind in ("cancelled", "cancelled without restock"):
        return ledger.order_cancelled(order=document or ORDER, lines=lines,
                                      restock=kind == "cancelled", idempotency_key=key)
    if kind == "returned":
        return ledger.return_restocked(document=document or "gid://shopify/Return/1",
                                       lines=lines, idempotency_key=key)
    assert kind == "received"
    return ledger.incoming_received(document=document or "logistics://po/1", lines=lines,
                                    idempotency_key=key)


def rows(result: Result) -> list[tuple[str, str, str, int, int]]:
    """The group's rows as (item, location, name, delta, quantity_after_change)."""
    assert result.group is not None
    return [(c.item_id, c.location_id, c.name, c.delta, c.quantity_after_change)
            for c in result.group.changes]


def quantity(ledger: Ledger, item: str, location: str, *names: str) -> tuple[int, ...]:
    q = ledger.quantities(item, location)
    return tuple(q[name] for name in names)


# ---------------------------------------------------------------------- rows and reasons

NAMES = ("available", "committed", "incoming", "on_hand")
SUCCESSES = [
    pytest.param(
        "placed", [(I1, L1, 2)], "order_created", ORDER,
        [(I1, L1, "available", -2, 3), (I1, L1, "committed", 2, 5)],
        {(I1, L1): (3, 5, 4, 9)}, id="an order placed moves available to committed"),
    pytest.param(
        "fulfilled", [(I1, L1, 2)], "order_fulfilled", ORDER,
        [(I1, L1, "committed", -2, 1), (I1, L1, "on_hand", -2, 7)],
        {(I1, L1): (5, 1, 4, 7)}, id="an order fulfilled takes committed out of the location"),
    pytest.param(
        "cancelled", [(I1, L1, 2)], "order_canceled", ORDER,
        [(I1, L1, "committed", -2, 1), (I1, L1, "available", 2, 7)],
        {(I1, L1): (7, 1, 4, 9)}, id="an order cancelled with restock moves committed back"),
    pytest.param(
        "cancelled without restock", [(I1, L1, 2)], "order_canceled", ORDER,
        [(I1, L1, "committed", -2, 1), (I1, L1, "on_hand", -2, 7)],
        {(I1, L1): (5, 1, 4, 7)}, id="an order cancelled without restock drops on_hand"),
    pytest.param(
        "returned", [(I1, L1, 2)], "restock", "gid://shopify/Return/1",
        [(I1, L1, "available", 2, 7), (I1, L1, "on_hand", 2, 11)],
        {(I1, L1): (7, 3, 4, 11)}, id="a return restocked raises available and on_hand"),
    pytest.param(
        "received", [(I1, L1, 2)], "received", "logistics://po/1",
        [(I1, L1, "incoming", -2, 2), (I1, L1, "available", 2, 7), (I1, L1, "on_hand", 2, 11)],
        {(I1, L1): (7, 3, 2, 11)}, id="incoming received moves incoming into available on hand"),
    pytest.param(
        "fulfilled", [(I1, L1, 1), (I1, L2, 2)], "order_fulfilled", ORDER,
        [(I1, L1, "committed", -1, 2), (I1, L2, "committed", -2, 0),
         (I1, L1, "on_hand", -1, 8), (I1, L2, "on_hand", -2, 1)],
        {(I1, L1): (5, 2, 4, 8), (I1, L2): (1, 0, 1, 1)},
        id="lines at two levels list every named row then every on_hand row"),
    pytest.param(
        "received", [(I1, L1, 1), (I1, L1, 3)], "received", "logistics://po/1",
        [(I1, L1, "incoming", -1, 3), (I1, L1, "available", 1, 6),
         (I1, L1, "incoming", -3, 0), (I1, L1, "available", 3, 9),
         (I1, L1, "on_hand", 1, 10), (I1, L1, "on_hand", 3, 13)],
        {(I1, L1): (9, 3, 0, 13)},
        id="two lines at one level apply in order, each row with the quantity after it"),
    pytest.param(
        "placed", [(I2, L1, 1)], "order_created", ORDER,
        [(I2, L1, "available", -1, -1), (I2, L1, "committed", 1, 1)],
        {(I2, L1): (-1, 1, 0, 0)}, id="an order placed with nothing available is an oversell"),
]


@pytest.mark.parametrize(("kind", "lines", "reason", "document", "expected_rows", "after"),
                         SUCCESSES)
def test_each_event_journals_its_documented_rows_reason_and_reference_document(
    kind: str, lines: list[Any], reason: str, document: str,
    expected_rows: list[tuple[str, str, str, int, int]],
    after: dict[tuple[str, str], tuple[int, ...]],
) -> None:
    ledger = new_ledger()
    result = call(ledger, kind, lines, document=document)
    assert (result.ok, result.user_errors, result.request_error) == (True, (), None)
    assert result.group is not None
    assert rows(result) == expected_rows
    assert (result.group.reason, result.group.reference_document_uri) == (reason, document)
    assert all(c.ledger_document_uri is None for c in result.group.changes)
    assert {c.location_name for c in result.group.changes} <= {"Shop location", "Location 2"}
    assert list(ledger.journal) == [result.group]
    for (item, location), values in after.items():
        assert quantity(ledger, item, location, *NAMES) == values
    ledger._check()


@pytest.mark.parametrize("kind", list(EventKind))
def test_each_event_kind_is_the_operation_its_result_names(kind: EventKind) -> None:
    ledger = new_ledger()
    result = ledger.run(PlatformEvent(kind=kind, reference_document_uri=ORDER,
                                      lines=[(I1, L1, 1)]))
    assert result.ok
    assert result.operation == kind.value


def test_an_event_line_may_be_an_event_line_or_a_tuple_with_the_same_outcome() -> None:
    one, two = new_ledger(), new_ledger()
    by_tuple = one.order_placed(order=ORDER, lines=[(I1, L1, 2)])
    by_line = two.order_placed(order=ORDER, lines=[EventLine(item_id=I1, location_id=L1,
                                                             quantity=2)])
    assert by_tuple == by_line
    assert one.snapshot() == two.snapshot()


def test_an_order_placed_with_more_than_is_available_oversells_into_negative_available() -> None:
    ledger = new_ledger()
    result = ledger.order_placed(order=ORDER, lines=[(I1, L1, 7)])
    assert result.ok
    assert quantity(ledger, I1, L1, "available", "committed", "on_hand") == (-2, 10, 9)


def test_a_placed_order_can_be_fulfilled_and_the_units_leave_the_location() -> None:
    ledger = new_ledger()
    assert ledger.order_placed(order=ORDER, lines=[(I1, L1, 4)]).ok
    assert ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 7)]).ok
    assert quantity(ledger, I1, L1, "available", "committed", "on_hand") == (1, 0, 2)
    assert [g.reason for g in ledger.journal] == ["order_created", "order_fulfilled"]
    assert [g.id for g in ledger.journal] == [
        "gid://shopify/InventoryAdjustmentGroup/1", "gid://shopify/InventoryAdjustmentGroup/2"]


def test_events_and_mutations_share_one_sequence_of_group_ids() -> None:
    ledger = new_ledger()
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)])
    ledger.adjust(name="available", reason="correction",
                  changes=[AdjustChange(item_id=I1, location_id=L1, delta=1)])
    ledger.incoming_received(document="logistics://po/1", lines=[(I1, L1, 1)])
    assert [g.id.rsplit("/", 1)[1] for g in ledger.journal] == ["1", "2", "3"]


# ---------------------------------------------------------------------- refusals

C = EventErrorCode
ERRORS = [
    pytest.param(C.INVALID_REFERENCE_DOCUMENT, "placed", [(I1, L1, 1)], "not a uri",
                 ("referenceDocumentUri",), "The specified reference document is invalid.",
                 id="a reference document that is not a URI"),
    pytest.param(C.NO_LINES, "fulfilled", [], None, ("lines",),
                 "The event must have at least one line.", id="no lines"),
    pytest.param(C.INVALID_INVENTORY_ITEM, "returned", [(ITEM.format(99), L1, 1)], None,
                 ("lines", "0", "inventoryItemId"),
                 "The specified inventory item could not be found.", id="an unknown item"),
    pytest.param(C.INVALID_LOCATION, "received", [(I1, L3, 1)], None,
                 ("lines", "0", "locationId"), "The specified location could not be found.",
                 id="an unknown location"),
    pytest.param(C.ITEM_NOT_STOCKED_AT_LOCATION, "placed", [(I3, L1, 1)], None,
                 ("lines", "0", "locationId"),
                 "The specified inventory item is not stocked at the location.",
                 id="an item never stocked at the location"),
    pytest.param(C.ITEM_NOT_STOCKED_AT_LOCATION, "cancelled", [(I2, L2, 1)], None,
                 ("lines", "0", "locationId"),
                 "The specified inventory item is not stocked at the location.",
                 id="an inactive level"),
    pytest.param(C.INVALID_QUANTITY, "placed", [(I1, L1, 0)], None,
                 ("lines", "0", "quantity"), "The quantity must be between 1 and 1,000,000,000.",
                 id="a zero quantity"),
    pytest.param(C.INVALID_QUANTITY, "returned", [(I1, L1, -1)], None,
                 ("lines", "0", "quantity"), "The quantity must be between 1 and 1,000,000,000.",
                 id="a negative quantity"),
    pytest.param(C.INVALID_QUANTITY, "returned", [(I1, L1, 1_000_000_001)], None,
                 ("lines", "0", "quantity"), "The quantity must be between 1 and 1,000,000,000.",
                 id="a quantity over a billion"),
    pytest.param(C.INSUFFICIENT_COMMITTED, "fulfilled", [(I1, L1, 4)], None,
                 ("lines", "0", "quantity"),
                 "The quantity is more than is committed at the location.",
                 id="fulfilling more than is committed"),
    pytest.param(C.INSUFFICIENT_COMMITTED, "cancelled without restock", [(I1, L2, 3)], None,
                 ("lines", "0", "quantity"),
                 "The quantity is more than is committed at the location.",
                 id="cancelling more than is committed"),
    pytest.param(C.INSUFFICIENT_INCOMING, "received", [(I1, L1, 5)], None,
                 ("lines", "0", "quantity"),
                 "The quantity is more than is incoming at the location.",
                 id="receiving more than is incoming"),
]


@pytest.mark.parametrize(("code", "kind", "lines", "document", "field", "message"), ERRORS)
def test_a_refused_event_reports_its_code_field_and_message_and_changes_nothing(
    code: EventErrorCode, kind: str, lines: list[Any], document: str | None,
    field: tuple[str, ...], message: str,
) -> None:
    ledger = new_ledger()
    snapshot, journal = ledger.snapshot(), len(ledger.journal)
    result = call(ledger, kind, lines, document=document)
    assert (result.ok, result.group, result.request_error) == (False, None, None)
    assert [(e.code, e.field, e.message) for e in result.user_errors] == [(code, field, message)]
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == journal
    ledger._check()


def test_every_event_error_code_has_a_row_in_the_error_table() -> None:
    assert {p.values[0] for p in ERRORS} == set(EventErrorCode)


def test_every_error_is_collected_in_the_documented_order() -> None:
    ledger = new_ledger()
    result = ledger.order_fulfilled(order="", lines=[
        (ITEM.format(99), L3, 0),        # unknown item, unknown location, bad quantity
        (ITEM.format(99), L1, 1),        # unknown item only: no stocked check
        (I3, L2, 2_000_000_000),         # not stocked, bad quantity
        (I1, L1, 99),                    # fine so far: enough committed is not checked
    ])
    assert [(e.code, e.field) for e in result.user_errors] == [
        (C.INVALID_REFERENCE_DOCUMENT, ("referenceDocumentUri",)),
        (C.INVALID_INVENTORY_ITEM, ("lines", "0", "inventoryItemId")),
        (C.INVALID_LOCATION, ("lines", "0", "locationId")),
        (C.INVALID_QUANTITY, ("lines", "0", "quantity")),
        (C.INVALID_INVENTORY_ITEM, ("lines", "1", "inventoryItemId")),
        (C.ITEM_NOT_STOCKED_AT_LOCATION, ("lines", "2", "locationId")),
        (C.INVALID_QUANTITY, ("lines", "2", "quantity")),
    ]


def test_an_invalid_document_and_no_lines_are_both_reported() -> None:
    result = new_ledger().order_placed(order="urn:", lines=[])
    assert [e.code for e in result.user_errors] == [C.INVALID_REFERENCE_DOCUMENT, C.NO_LINES]


def test_insufficient_committed_is_checked_only_when_nothing_else_failed() -> None:
    result = new_ledger().order_fulfilled(order="not a uri", lines=[(I1, L1, 99)])
    assert [e.code for e in result.user_errors] == [C.INVALID_REFERENCE_DOCUMENT]


@pytest.mark.parametrize(("kind", "lines", "code"), [
    pytest.param("fulfilled", [(I1, L1, 2), (I1, L1, 2)], C.INSUFFICIENT_COMMITTED,
                 id="fulfilled"),
    pytest.param("cancelled", [(I1, L1, 2), (I1, L1, 2)], C.INSUFFICIENT_COMMITTED,
                 id="cancelled"),
    pytest.param("received", [(I1, L1, 3), (I1, L1, 2)], C.INSUFFICIENT_INCOMING,
                 id="received"),
])
def test_two_lines_at_one_level_are_counted_together_against_what_is_there(
    kind: str, lines: list[Any], code: EventErrorCode
) -> None:
    ledger = new_ledger()
    snapshot = ledger.snapshot()
    result = call(ledger, kind, lines)
    assert [(e.code, e.field) for e in result.user_errors] == [(code, ("lines", "1", "quantity"))]
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == 0


def test_lines_at_different_levels_do_not_count_against_each_other() -> None:
    ledger = new_ledger()
    assert ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 3), (I1, L2, 2)]).ok
    assert quantity(ledger, I1, L1, "committed") == (0,)
    assert quantity(ledger, I1, L2, "committed") == (0,)


def test_a_later_line_at_the_same_level_fails_even_after_an_earlier_line_failed() -> None:
    result = new_ledger().order_fulfilled(order=ORDER, lines=[(I1, L1, 4), (I1, L1, 1)])
    assert [e.field for e in result.user_errors] == [
        ("lines", "0", "quantity"), ("lines", "1", "quantity")]


def test_a_quantity_of_exactly_one_billion_is_accepted() -> None:
    ledger = new_ledger()
    assert ledger.return_restocked(document="gid://shopify/Return/1",
                                   lines=[(I1, L1, 1_000_000_000)]).ok
    assert quantity(ledger, I1, L1, "available") == (1_000_000_005,)


# ---------------------------------------------------------------------- idempotency


def test_the_same_key_replays_the_same_group_and_applies_once() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    first = ledger.order_placed(order=ORDER, lines=[(I1, L1, 2)], idempotency_key="order-1")
    snapshot = ledger.snapshot()
    clock.advance(3600)
    again = ledger.order_placed(order=ORDER, lines=[EventLine(item_id=I1, location_id=L1,
                                                              quantity=2)],
                                idempotency_key="order-1")
    assert (first.replayed, again.replayed) == (False, True)
    assert again == first
    assert again.group == first.group
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == 1
    assert quantity(ledger, I1, L1, "available", "committed") == (3, 5)
    ledger._check()


def test_a_refused_event_is_remembered_by_its_key_too() -> None:
    ledger = new_ledger()
    first = ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 4)], idempotency_key="f")
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)])  # now 4 are committed
    again = ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 4)], idempotency_key="f")
    assert again.replayed
    assert again.user_errors == first.user_errors
    assert [e.code for e in again.user_errors] == [C.INSUFFICIENT_COMMITTED]


def test_a_key_runs_the_event_again_once_its_24_hour_window_has_passed() -> None:
    clock = FakeClock()
    ledger = new_ledger(clock=clock)
    ledger.return_restocked(document="gid://shopify/Return/1", lines=[(I1, L1, 1)],
                            idempotency_key="r")
    clock.advance(86_400)
    again = ledger.return_restocked(document="gid://shopify/Return/1", lines=[(I1, L1, 1)],
                                    idempotency_key="r")
    assert (again.ok, again.replayed) == (True, False)
    assert len(ledger.journal) == 2
    ledger._check()


def test_a_mutation_reusing_an_events_key_gets_a_parameter_mismatch() -> None:
    ledger = new_ledger()
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="shared")
    snapshot = ledger.snapshot()
    result = ledger.adjust(name="available", reason="correction", idempotency_key="shared",
                           changes=[AdjustChange(item_id=I1, location_id=L1, delta=1)])
    assert [(e.code, e.field, e.message) for e in result.user_errors] == [
        (ErrorCode.IDEMPOTENCY_KEY_PARAMETER_MISMATCH, None, MISMATCH)]
    assert ledger.snapshot() == snapshot


def assert_mismatch(result: Result) -> None:
    assert (result.ok, result.group, result.request_error) == (False, None, None)
    assert [(e.code.value if e.code else None, e.field, e.message)
            for e in result.user_errors] == [
        ("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", None, MISMATCH)]


@pytest.mark.parametrize("version", ["2025-01", "2026-01", "2026-10"])
def test_the_same_key_with_other_lines_gets_a_parameter_mismatch_and_applies_nothing(
    version: str,
) -> None:
    ledger = new_ledger(version)
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="order-1")
    snapshot, journal = ledger.snapshot(), len(ledger.journal)
    result = ledger.order_placed(order=ORDER, lines=[(I1, L1, 2)], idempotency_key="order-1")
    assert_mismatch(result)
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == journal


def test_an_event_of_another_kind_reusing_a_key_gets_a_parameter_mismatch() -> None:
    ledger = new_ledger()
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="order-1")
    assert_mismatch(ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 1)],
                                           idempotency_key="order-1"))


def test_an_event_reusing_a_mutations_key_gets_a_parameter_mismatch() -> None:
    ledger = new_ledger()
    ledger.adjust(name="available", reason="correction", idempotency_key="shared",
                  changes=[AdjustChange(item_id=I1, location_id=L1, delta=1)])
    assert_mismatch(ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)],
                                        idempotency_key="shared"))


def test_an_event_reentering_with_a_key_in_flight_gets_a_concurrent_request_error() -> None:
    clock = ReentrantClock()
    ledger = new_ledger(clock=clock)
    inner: list[Result] = []
    clock.on_next_read = lambda: inner.append(
        ledger.order_fulfilled(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="k"))
    outer = ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="k")
    assert outer.ok
    assert [e.code.value if e.code else None for e in inner[0].user_errors] == [
        "IDEMPOTENCY_CONCURRENT_REQUEST"]


def test_a_mismatched_event_key_leaves_the_ledger_unchanged_whatever_it_returns() -> None:
    ledger = new_ledger()
    ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="order-1")
    snapshot, journal = ledger.snapshot(), len(ledger.journal)
    assert_mismatch(
        ledger.order_placed(order=ORDER, lines=[(I1, L1, 2)], idempotency_key="order-1"))
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == journal
    ledger._check()
    # The key was released: replaying the first event still works.
    assert ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)],
                               idempotency_key="order-1").replayed


# ---------------------------------------------------------------------- versions and faults

SCRIPT: list[tuple[str, list[Any], str | None]] = [
    ("placed", [(I1, L1, 2), (I1, L2, 1)], "a"),
    ("placed", [(I1, L1, 2), (I1, L2, 1)], "a"),     # a replay
    ("fulfilled", [(I1, L1, 1)], None),
    ("cancelled", [(I1, L2, 1)], "b"),
    ("cancelled without restock", [(I1, L1, 1)], None),
    ("fulfilled", [(I1, L1, 99)], "c"),               # refused
    ("returned", [(I1, L1, 2)], "d"),
    ("received", [(I1, L1, 4), (I1, L2, 1)], None),
    ("placed", [(I3, L1, 1)], None),                  # refused
]


def outcomes(version: str, **options: Any) -> tuple[list[Any], dict[str, Any], list[Any]]:
    ledger = new_ledger(version, **options)
    results = []
    for kind, lines, key in SCRIPT:
        result = call(ledger, kind, lines, key)
        assert result.request_error is None
        results.append((result, result.replayed))
        ledger._check()
    return results, ledger.snapshot(), list(ledger.journal)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_events_behave_the_same_in_every_api_version_with_or_without_a_key(version: str) -> None:
    assert outcomes(version) == outcomes("2026-01")


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_an_event_needs_no_key_and_accepts_one_whatever_the_version(version: str) -> None:
    ledger = new_ledger(version)
    assert ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)]).ok
    assert ledger.order_placed(order=ORDER, lines=[(I1, L1, 1)], idempotency_key="k").ok


def test_an_event_ignores_the_api_version_a_call_pins() -> None:
    ledger = new_ledger("2026-04")
    event_ = PlatformEvent(kind=EventKind.ORDER_PLACED, reference_document_uri=ORDER,
                           lines=[(I1, L1, 1)])
    assert ledger.run(event_, "k", api_version="2025-01").ok
    assert ledger.run(event_, None, api_version="2026-10").ok


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("version", ["2025-01", "2026-01", "2026-10"])
def test_an_injected_fault_plan_never_strikes_an_event(version: str, seed: int) -> None:
    plan = FaultPlan(seed=seed, rate=1.0, kinds=tuple(Fault))
    assert outcomes(version, faults=plan) == outcomes(version)
    assert not any(op in {k.value for k in EventKind} for _, op, _ in plan.injected)
    # The plan is live: a mutation on the same ledger is struck.
    ledger = new_ledger(version, faults=plan)
    assert not ledger.adjust(name="available", reason="correction",
                             changes=[AdjustChange(item_id=I1, location_id=L1, delta=1)]).ok


# ---------------------------------------------------------------------- Python types


@pytest.mark.parametrize("build", [
    pytest.param(lambda: EventLine(item_id=I1, location_id=L1, quantity="2"), id="a str quantity"),
    pytest.param(lambda: EventLine(item_id=I1, location_id=L1, quantity=2.0),
                 id="a float quantity"),
    pytest.param(lambda: EventLine(item_id=I1, location_id=L1, quantity=True),
                 id="a bool quantity"),
    pytest.param(lambda: EventLine(item_id=None, location_id=L1, quantity=1), id="a None item"),
    pytest.param(lambda: EventLine(item_id=I1, location_id=1, quantity=1), id="an int location"),
    pytest.param(lambda: PlatformEvent(kind="orderPlaced", reference_document_uri=ORDER,
                                       lines=[(I1, L1, 1)]), id="a str kind"),
    pytest.param(lambda: PlatformEvent(kind=None, reference_document_uri=ORDER,
                                       lines=[(I1, L1, 1)]), id="a None kind"),
    pytest.param(lambda: PlatformEvent(kind=EventKind.ORDER_PLACED, reference_document_uri=None,
                                       lines=[(I1, L1, 1)]), id="a None document"),
    pytest.param(lambda: PlatformEvent(kind=EventKind.ORDER_PLACED, reference_document_uri=ORDER,
                                       lines=[(I1, L1, "1")]), id="a str quantity in a tuple"),
    pytest.param(lambda: PlatformEvent(kind=EventKind.ORDER_PLACED, reference_document_uri=ORDER,
                                       lines=[[I1, L1, 1]]), id="a list for a line"),
    pytest.param(lambda: PlatformEvent(kind=EventKind.ORDER_PLACED, reference_document_uri=ORDER,
                                       lines=[(I1, L1)]), id="a short tuple"),
    pytest.param(lambda: PlatformEvent(kind=EventKind.ORDER_CANCELLED,
                                       reference_document_uri=ORDER, lines=[(I1, L1, 1)],
                                       restock=1), id="an int restock"),
])
def test_a_badly_typed_event_raises_type_error_at_construction(build: Any) -> None:
    with pytest.raises(TypeError):
        build()


def test_a_badly_typed_call_raises_type_error_and_changes_nothing() -> None:
    ledger = new_ledger()
    snapshot = ledger.snapshot()
    with pytest.raises(TypeError):
        ledger.order_placed(order=ORDER, lines=[(I1, L1, "2")])
    with pytest.raises(TypeError):
        ledger.order_placed(order=ORDER, lines=[(I1, L1, 2)], idempotency_key=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ledger.return_restocked(document=None, lines=[(I1, L1, 2)])  # type: ignore[arg-type]
    assert ledger.snapshot() == snapshot
    assert len(ledger.journal) == 0


# ---------------------------------------------------------------------- properties

#: A step: a mutation call, a clock advance, or ("event", event, key).
EVENT_KEYS = st.sampled_from(["none", "none", "fresh", "replay"])


def on_hand_adds_up(ledger: Ledger) -> None:
    for (item, location), q in all_quantities(ledger).items():
        assert q["on_hand"] == sum(q[name] for name in PARTS), (item, location, q)


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_any_sequence_of_events_and_mutations_keeps_on_hand_whole_and_the_journal_exact(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    before = all_quantities(ledger)
    mutations = data.draw(steps(version, max_size=6), label="mutations")
    plan = data.draw(st.lists(st.one_of(st.just(None), st.tuples(events(STOCKED), EVENT_KEYS)),
                              max_size=14), label="events")
    last: tuple[Event, str | None] | None = None
    fresh_keys = 0
    for step in plan:
        if step is None:
            if mutations:
                run(ledger, clock, mutations.pop(0))
        else:
            marked, how = step
            evt = resolve_event(marked, current_in(ledger.quantities))
            key = None
            if how == "fresh":
                fresh_keys += 1
                key = f"event-{fresh_keys}"
            elif how == "replay" and last is not None and last[1] is not None:
                evt, key = last
            snapshot, journal = ledger.snapshot(), len(ledger.journal)
            result = send_event(ledger, evt, key)
            assert result.request_error is None
            event("replayed" if result.replayed else "ok" if result.ok else "refused")
            if not result.ok or result.replayed:
                assert ledger.snapshot() == snapshot
                assert len(ledger.journal) == journal
            else:
                assert result.group is not None
                assert ledger.journal[len(ledger.journal) - 1] == result.group
            last = (evt, key)
        on_hand_adds_up(ledger)
        ledger._check()
    moved = {pair: dict.fromkeys(q, 0) for pair, q in before.items()}
    for group in ledger.journal:
        for row in group.changes:
            moved[(row.item_id, row.location_id)][row.name] += row.delta
    for pair, q in all_quantities(ledger).items():
        assert {name: q[name] - before[pair][name] for name in q} == moved[pair], pair


@given(data=st.data())
def test_each_rows_quantity_after_change_is_the_running_value_of_its_quantity(
    data: st.DataObject,
) -> None:
    ledger, _ = fresh("2026-01")
    running = {pair: dict(q) for pair, q in all_quantities(ledger).items()}
    for marked in data.draw(st.lists(events(STOCKED), max_size=10), label="events"):
        result = send_event(ledger, resolve_event(marked, current_in(ledger.quantities)), None)
        if result.group is None:
            continue
        for row in result.group.changes:
            q = running[(row.item_id, row.location_id)]
            q[row.name] += row.delta
            assert row.quantity_after_change == q[row.name], row
    assert all_quantities(ledger) == running
