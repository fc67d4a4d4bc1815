"""``ledger.verify``: a clean log verifies; a log or a snapshot that drifted is reported."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import AdjustChange, Ledger
from ledger.sim.simulation import Simulation, SimulationConfig
from ledger.store.oplog import Outcome
from ledger.store.verify import verify

ITEM, LOCATION = "gid://shopify/InventoryItem/1", "gid://shopify/Location/1"


@given(seed=st.integers(0, 10_000), days=st.integers(1, 6))
def test_every_simulated_run_verifies(seed: int, days: int) -> None:
    sim = Simulation(SimulationConfig(items=3, locations=2, days=days, seed=seed))
    sim.run()
    report = verify(sim.start_snapshot, sim.ledger.oplog, api_version="2026-04",
                    expected=sim.ledger.snapshot())
    assert report.problems == ()
    assert report.ok
    assert report.records == len(sim.ledger.oplog)
    assert report.rows == sum(len(g.changes) for g in sim.ledger.journal)


def _ledger_with_history() -> tuple[dict[str, object], Ledger]:
    ledger = Ledger.example(api_version="2026-01")
    start = ledger.snapshot()
    for delta in (3, -2, 5):
        ledger.adjust(name="available", reason="correction", changes=[
            AdjustChange(item_id=ITEM, location_id=LOCATION, delta=delta)])
    ledger.order_placed(order="gid://shopify/Order/1", lines=[(ITEM, LOCATION, 4)])
    return start, ledger


def test_a_record_whose_outcome_was_altered_is_reported_as_a_replay_difference() -> None:
    start, ledger = _ledger_with_history()
    records = ledger.oplog
    records[1] = copy.copy(records[1])
    object.__setattr__(records[1], "outcome", Outcome(status="no-op"))
    report = verify(start, records, api_version="2026-01")
    assert not report.ok
    assert report.problems[0].startswith("replay: record 2")


def test_a_snapshot_that_drifted_from_the_log_is_reported_per_quantity() -> None:
    start, ledger = _ledger_with_history()
    drifted = ledger.snapshot()
    drifted["inventoryLevels"][0]["quantities"]["available"] += 1  # type: ignore[index]
    report = verify(start, ledger.oplog, api_version="2026-01", expected=drifted)
    assert report.problems == (
        f"expected: {ITEM} @ {LOCATION} available is 13 there but 12 replayed",)


def test_the_wrong_starting_snapshot_is_reported_against_the_live_state() -> None:
    _, ledger = _ledger_with_history()
    other = Ledger.example(api_version="2026-01").snapshot()
    other["inventoryLevels"][0]["quantities"]["available"] = 0  # type: ignore[index]
    # Unchecked adjusts replay onto any start: only the live state shows the drift.
    assert verify(other, ledger.oplog, api_version="2026-01").ok
    report = verify(other, ledger.oplog, api_version="2026-01", expected=ledger.snapshot())
    assert report.problems == (
        f"expected: {ITEM} @ {LOCATION} available is 12 there but 2 replayed",)


def test_a_malformed_expected_snapshot_raises_value_error_naming_it() -> None:
    start, ledger = _ledger_with_history()
    with pytest.raises(ValueError, match="inventoryLevels"):
        verify(start, ledger.oplog, api_version="2026-01",
               expected={"inventoryLevels": [{"bogus": 1}]})


@pytest.mark.parametrize("version", ["2025-10", "2026-01", "2026-04", "2026-10", "2027-01"])
def test_stocking_by_era_and_created_levels_verify(version: str) -> None:
    from ledger.core.clock import ManualClock
    from tests.support import store

    clock = ManualClock()
    ledger = Ledger.from_snapshot(store(stocked={(1, 1): {"available": 5, "damaged": 1},
                                                 (1, 2): {"available": 3}}),
                                  api_version=version, clock=clock)
    start = ledger.snapshot()
    key = iter(f"k-{n}" for n in range(100))
    keyed = version >= "2026-04"
    level = ledger.level("gid://shopify/InventoryItem/1", "gid://shopify/Location/2")
    assert level is not None
    ledger.deactivate(level_id=level.id)  # clears ≤ 2026-01, journaled
    clock.advance(60)
    ledger.activate(item_id="gid://shopify/InventoryItem/1",
                    location_id="gid://shopify/Location/2", available=9,
                    idempotency_key=next(key) if keyed else None)
    clock.advance(-30)  # the clock goes back: the journal does not
    ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id="gid://shopify/InventoryItem/2", location_id="gid://shopify/Location/1",
        delta=4, **({"change_from_quantity": None} if keyed else {}))],
        idempotency_key=next(key) if version >= "2026-01" else None)
    report = verify(start, ledger.oplog, api_version=version, expected=ledger.snapshot())
    assert report.problems == ()
    assert report.rows == sum(len(g.changes) for g in ledger.journal)


def test_a_log_whose_clock_went_back_verifies_with_its_journal_in_order() -> None:
    from datetime import timedelta

    import attrs

    start, ledger = _ledger_with_history()
    records = list(ledger.oplog)
    # A log whose third call read a clock earlier than its second: the replay stamps it at
    # the second's time (semantics §14), so the journal verify recomputes runs forward.
    late = attrs.evolve(records[2], at=records[1].at - timedelta(hours=1))  # type: ignore[operator]
    report = verify(start, [records[0], records[1], late, *records[3:]],
                    api_version="2026-01")
    assert report.ok  # the clamp keeps the replayed journal in order
    fresh = Ledger.from_snapshot(start, api_version="2026-01")
    fresh.replay([records[0], records[1], late, *records[3:]])
    groups = list(fresh.journal)
    assert groups[2].created_at == groups[1].created_at
