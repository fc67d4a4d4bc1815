"""Time travel: ``quantity_at`` and ``history`` agree with a naive scan of the journal.

The naive answer for (item, location, name) at instant ``t`` starts from the starting
snapshot's value and adds the delta of every journal row for it whose group was created at
or before ``t`` (groups are stamped to the second). ``history`` is compared with a naive
filter of every row of every group. Operation sequences come from tests/test_oplog.py.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import AdjustChange, Ledger, Result
from ledger.core.clock import ManualClock
from ledger.core.journal import AdjustmentGroup, HistoryRow
from ledger.core.quantities import API_NAMES
from tests.test_oplog import Runner, Step, run_all, steps
from tests.test_properties import STORE
from tests.test_state_machine import ITEMS, LOCATIONS, MACHINE_VERSIONS

START = datetime.fromisoformat("2026-06-25T00:00:00+00:00")
PAIRS = [(item, location) for item in ITEMS for location in LOCATIONS]
NAMES = list(API_NAMES)
TIME_TRAVEL_SETTINGS = settings(max_examples=max(10, settings.default.max_examples // 3))


def new_ledger(version: str) -> tuple[Ledger, ManualClock]:
    clock = ManualClock(START)
    return Ledger.from_snapshot(copy.deepcopy(STORE), version, clock), clock


def starting_values() -> dict[tuple[str, str, str], int]:
    ledger, _ = new_ledger("2026-04")
    return {(i, loc, n): ledger.quantities(i, loc)[n] for i, loc in PAIRS for n in NAMES}


STARTING = starting_values()


def naive_values(groups: list[AdjustmentGroup], when: datetime) -> dict[tuple[str, str, str], int]:
    """Every quantity at ``when``: the starting value plus the deltas of rows made by then."""
    deltas: Counter[tuple[str, str, str]] = Counter()
    for group in groups:
        if group.created_at <= when:
            for c in group.changes:
                deltas[(c.item_id, c.location_id, c.name)] += c.delta
    return {key: value + deltas[key] for key, value in STARTING.items()}


def instants(groups: list[AdjustmentGroup]) -> list[datetime]:
    """Before, between, exactly at and after the changes (a few of each)."""
    stamps = sorted({g.created_at for g in groups})
    out = [START - timedelta(days=1), START]
    for t in stamps[:8]:
        out += [t - timedelta(microseconds=1), t, t + timedelta(milliseconds=500)]
    if stamps:
        out.append(stamps[-1] + timedelta(days=3))
    return out


def assert_as_of_agrees(ledger: Ledger) -> None:
    groups = list(ledger.journal)
    for when in instants(groups):
        expected = naive_values(groups, when)
        for item, location in PAIRS:
            got = ledger.quantities_at(item, location, when)
            assert got == {n: expected[(item, location, n)] for n in NAMES}, (item, location, when)
    # After every change, the as-of answer is the current one.
    later = max((g.created_at for g in groups), default=START) + timedelta(days=3)
    for item, location in PAIRS:
        assert ledger.quantities_at(item, location, later) == ledger.quantities(item, location)


def naive_history(
    groups: list[AdjustmentGroup], item: str | None, location: str | None, name: str | None,
    since: datetime | None, until: datetime | None,
) -> list[HistoryRow]:
    rows = []
    ordered = sorted(enumerate(groups), key=lambda e: (e[1].created_at, e[0]))
    for _, g in ordered:
        if (since is not None and g.created_at < since) or (
                until is not None and g.created_at >= until):
            continue
        for c in g.changes:
            if ((item is None or c.item_id == item)
                    and (location is None or c.location_id == location)
                    and (name is None or c.name == name)):
                rows.append(HistoryRow(
                    at=g.created_at, group_id=g.id, reason=g.reason,
                    reference_document_uri=g.reference_document_uri, item_id=c.item_id,
                    location_id=c.location_id, name=c.name, delta=c.delta,
                    quantity_after_change=c.quantity_after_change,
                    ledger_document_uri=c.ledger_document_uri))
    return rows


FILTERS = st.tuples(
    st.sampled_from([None, None, *ITEMS, "gid://shopify/InventoryItem/99"]),
    st.sampled_from([None, None, *LOCATIONS, "gid://shopify/Location/99"]),
    st.sampled_from([None, None, "available", "on_hand", "committed", "incoming", "damaged"]),
    st.sampled_from([None, None, -1, 0, 1, 2, 5]),
    st.sampled_from([None, None, -1, 0, 1, 3, 6]),
)


def assert_history_agrees(ledger: Ledger, filters: list[tuple[Any, ...]]) -> None:
    groups = list(ledger.journal)
    stamps = sorted({g.created_at for g in groups}) or [START]

    def at(index: int | None) -> datetime | None:
        if index is None:
            return None
        if index < 0:
            return stamps[0] - timedelta(seconds=1)
        return stamps[min(index, len(stamps) - 1)]

    assert ledger.history() == naive_history(groups, None, None, None, None, None)
    for item, location, name, since, until in filters:
        s, u = at(since), at(until)
        assert ledger.history(item_id=item, location_id=location, name=name, since=s,
                              until=u) == naive_history(groups, item, location, name, s, u)


@TIME_TRAVEL_SETTINGS
@given(version=st.sampled_from(MACHINE_VERSIONS), todo=steps(16, min_size=4),
       filters=st.lists(FILTERS, max_size=6))
def test_as_of_answers_agree_with_a_naive_scan_of_the_journal(
    version: str, todo: list[Step], filters: list[tuple[Any, ...]]
) -> None:
    ledger, clock = new_ledger(version)
    run_all(ledger, clock, Runner(), todo)  # type: ignore[arg-type]
    assert_as_of_agrees(ledger)
    assert_history_agrees(ledger, filters)


@TIME_TRAVEL_SETTINGS
@given(version=st.sampled_from(MACHINE_VERSIONS), todo=steps(16, backwards=True, min_size=4),
       filters=st.lists(FILTERS, max_size=6))
def test_history_agrees_with_a_naive_filter_even_when_the_clock_goes_back(
    version: str, todo: list[Step], filters: list[tuple[Any, ...]]
) -> None:
    ledger, clock = new_ledger(version)
    run_all(ledger, clock, Runner(), todo)  # type: ignore[arg-type]
    assert_history_agrees(ledger, filters)


@TIME_TRAVEL_SETTINGS
@given(version=st.sampled_from(MACHINE_VERSIONS), prefix=steps(8), mine=steps(8),
       theirs=steps(8))
def test_after_a_fork_each_side_answers_for_its_own_history(
    version: str, prefix: list[Step], mine: list[Step], theirs: list[Step]
) -> None:
    base, clock = new_ledger(version)
    runner = Runner()
    run_all(base, clock, runner, prefix)  # type: ignore[arg-type]
    child_clock = ManualClock(clock.now)
    child = base.fork(clock=child_clock)
    child_runner = runner.copy()
    run_all(child, child_clock, child_runner, mine)  # type: ignore[arg-type]
    run_all(base, clock, runner, theirs)  # type: ignore[arg-type]
    assert_as_of_agrees(base)
    assert_as_of_agrees(child)
    assert_history_agrees(child, [(None, None, "available", 0, None)])


def adjust(ledger: Ledger, delta: int, name: str = "available") -> None:
    result = ledger.adjust(name=name, reason="correction", changes=[AdjustChange(
        item_id=ITEMS[0], location_id=LOCATIONS[0], delta=delta)])
    assert result.ok, result


def test_several_groups_in_one_second_count_as_made_at_that_second() -> None:
    ledger, clock = new_ledger("2025-01")
    clock.advance(10.2)
    adjust(ledger, 1)
    clock.advance(0.5)
    adjust(ledger, 2)
    clock.advance(0.5)
    adjust(ledger, 4)
    second = START + timedelta(seconds=10)
    at = ledger.quantity_at
    assert at(ITEMS[0], LOCATIONS[0], "available", second - timedelta(microseconds=1)) == 5
    assert at(ITEMS[0], LOCATIONS[0], "available", second) == 8
    assert at(ITEMS[0], LOCATIONS[0], "available", second + timedelta(seconds=1)) == 12
    assert at(ITEMS[0], LOCATIONS[0], "on_hand", second) == 5 + 2 + 0 + 3
    assert [r.delta for r in ledger.history(name="available", since=second,
                                            until=second + timedelta(seconds=1))] == [1, 2]


def test_a_quantity_never_changed_reads_its_current_value_at_any_time() -> None:
    ledger, _ = new_ledger("2025-01")
    adjust(ledger, 1)
    for when in (START - timedelta(days=400), START, START + timedelta(days=400)):
        assert ledger.quantity_at(ITEMS[0], LOCATIONS[1], "damaged", when) == 1
        assert ledger.quantity_at(ITEMS[2], LOCATIONS[0], "available", when) == 0


def _adjusted(ledger: Ledger, delta: int) -> Result:
    return ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=ITEMS[0], location_id=LOCATIONS[0], delta=delta)])


def test_a_clock_that_goes_back_stamps_the_call_at_the_newest_groups_time() -> None:
    ledger, clock = new_ledger("2025-01")
    clock.advance(100)
    first = _adjusted(ledger, 5)  # stamped 100 s: available 5 -> 10
    clock.advance(-50)
    second = _adjusted(ledger, 1)  # the clock says 50 s: stamped 100 s (semantics §14)
    assert first.group is not None
    assert second.group is not None
    assert second.group.created_at == first.group.created_at == START + timedelta(seconds=100)
    at = ledger.quantity_at
    item, location = ITEMS[0], LOCATIONS[0]
    assert ledger.quantities(item, location)["available"] == 11
    # As of any time the journal answers a value the level really had: 5 before, 11 after.
    assert [at(item, location, "available", START + timedelta(seconds=s))
            for s in (10, 75, 100, 1000)] == [5, 5, 11, 11]
    clock.advance(30)  # 80 s: still before the newest group
    third = _adjusted(ledger, 1)
    assert third.group is not None
    assert third.group.created_at == START + timedelta(seconds=100)
    clock.advance(100)  # 180 s: forward again
    fourth = _adjusted(ledger, 1)
    assert fourth.group is not None
    assert fourth.group.created_at == START + timedelta(seconds=180)
    assert [g.created_at for g in ledger.groups()] == sorted(g.created_at for g in ledger.groups())


def test_unknown_ids_raise_key_error_and_bad_arguments_value_error() -> None:
    ledger, _ = new_ledger("2025-01")
    adjust(ledger, 1)
    with pytest.raises(KeyError, match="InventoryItem/99"):
        ledger.quantity_at("gid://shopify/InventoryItem/99", LOCATIONS[0], "available", START)
    with pytest.raises(KeyError, match="Location/99"):
        ledger.quantity_at(ITEMS[0], "gid://shopify/Location/99", "available", START)
    with pytest.raises(KeyError):
        ledger.quantities_at("gid://shopify/InventoryItem/99", LOCATIONS[0], START)
    with pytest.raises(ValueError, match="unknown quantity name"):
        ledger.quantity_at(ITEMS[0], LOCATIONS[0], "Available", START)
    with pytest.raises(ValueError, match="unknown quantity name"):
        ledger.quantity_at(ITEMS[0], LOCATIONS[0], "stock", START)
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.quantity_at(ITEMS[0], LOCATIONS[0], "available", datetime(2026, 6, 25))
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.quantity_at(ITEMS[0], LOCATIONS[0], "available", "2026-06-25T00:00:00Z")  # type: ignore[arg-type]


def test_history_of_unknown_keys_is_empty_and_times_are_half_open() -> None:
    ledger, clock = new_ledger("2025-01")
    adjust(ledger, 1)
    clock.advance(60)
    adjust(ledger, 2)
    assert ledger.history(item_id="gid://shopify/InventoryItem/99") == []
    assert ledger.history(name="bogus") == []
    assert [r.delta for r in ledger.history(name="available", since=START)] == [1, 2]
    assert [r.delta for r in ledger.history(name="available",
                                            until=START + timedelta(seconds=60))] == [1]
    assert ledger.history(since=START + timedelta(seconds=60),
                          until=START + timedelta(seconds=60)) == []
