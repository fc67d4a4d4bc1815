from __future__ import annotations

import json
import random
from typing import Any

import pytest

from ledger import SUPPORTED_VERSIONS, Ledger
from ledger.sim.simulation import (
    EVENT_KINDS,
    Simulation,
    SimulationConfig,
    SimulationReport,
    item_id,
    location_id,
    simulate,
)

SMALL = SimulationConfig(items=4, locations=2, days=30, seed=11)
#: Demand well above what the policy restocks: stock-outs and oversells certainly happen.
STARVED = SimulationConfig(items=3, locations=2, days=30, seed=5, demand_rate=3.0,
                           reorder_point=1, order_up_to=4, lead_time_days=6)


def run(config: SimulationConfig, **options: Any) -> tuple[SimulationReport, Simulation]:
    simulation = Simulation(config, **options)
    return simulation.run(), simulation


def on_hand_by_level(ledger: Ledger) -> dict[tuple[str, str], int]:
    return {(i, loc): ledger.quantities(i, loc)["on_hand"]
            for i in ledger.items() for loc in ledger.locations()}


def test_the_same_seed_gives_the_same_report_twice_in_one_process() -> None:
    assert simulate(SMALL).to_json() == simulate(SMALL).to_json()
    assert simulate(SMALL) == simulate(SMALL)


def test_a_run_without_its_operation_log_gives_the_same_report_and_keeps_no_log() -> None:
    recorded, with_log = run(SMALL)
    unrecorded, without = run(SMALL, record=False)
    assert unrecorded.to_json() == recorded.to_json()
    assert len(with_log.ledger.oplog) == recorded.operations.calls
    assert without.ledger.oplog == []


def test_the_recorded_log_replays_the_run_onto_its_starting_snapshot() -> None:
    report, simulation = run(SMALL)
    replayed = Ledger.from_snapshot(simulation.start_snapshot, api_version=SMALL.api_version,
                                    clock=lambda: SMALL.start)
    assert replayed.replay(simulation.ledger.oplog) == report.operations.calls
    assert on_hand_by_level(replayed) == on_hand_by_level(simulation.ledger)


def test_different_seeds_give_different_reports() -> None:
    reports = {simulate(SimulationConfig(items=4, locations=2, days=30, seed=s)).to_json()
               for s in range(4)}
    assert len(reports) == 4


@pytest.mark.parametrize("seed", range(6))
def test_the_fill_rate_lies_between_zero_and_one(seed: int) -> None:
    report = simulate(SimulationConfig(items=3, locations=2, days=20, seed=seed))
    assert 0.0 <= report.fill_rate <= 1.0
    assert report.fill_rate == report.units_fulfilled / report.units_ordered


def test_the_fill_rate_is_one_when_nothing_is_ordered() -> None:
    report = simulate(SimulationConfig(items=2, locations=1, days=5, demand_rate=0.0))
    assert (report.units_ordered, report.fill_rate) == (0, 1.0)


def test_on_hand_deltas_in_the_journal_sum_to_the_change_of_every_level() -> None:
    simulation = Simulation(SMALL)
    before = on_hand_by_level(simulation.ledger)
    simulation.run()
    after = on_hand_by_level(simulation.ledger)
    journalled = dict.fromkeys(before, 0)
    for group in simulation.ledger.journal:
        for change in group.changes:
            if change.name == "on_hand":
                journalled[change.item_id, change.location_id] += change.delta
    assert journalled == {level: after[level] - before[level] for level in before}
    assert any(journalled.values())


@pytest.mark.parametrize("config", [SMALL, STARVED], ids=["small", "starved"])
def test_units_are_conserved_event_by_event(config: SimulationConfig) -> None:
    report = simulate(config)
    units = {e.kind: e.units for e in report.events}
    # Damage moves units inside on_hand (available -> damaged): it changes nothing here.
    assert report.final("on_hand") == (
        report.initial_on_hand
        + units["incoming_received"]
        + units["return_restocked"]
        - units["order_fulfilled"]
        - units["order_cancelled_no_restock"]
        + report.cycle_count_on_hand_delta
    )
    assert report.final("incoming") == units["incoming_ordered"] - units["incoming_received"]
    assert report.final("damaged") == units["damaged"]
    assert report.final("committed") == report.units_open_at_end == (
        units["order_placed"] - units["order_fulfilled"] - units["order_cancelled_restock"]
        - units["order_cancelled_no_restock"])


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_no_call_fails_and_the_invariants_hold_in_every_api_version(version: str) -> None:
    report, simulation = run(SimulationConfig(items=3, locations=2, days=15, seed=2,
                                              api_version=version))
    simulation.ledger._check()
    assert report.operations.failed == 0
    assert report.operations.calls == report.operations.succeeded
    assert report.journal_groups == len(simulation.ledger.journal)


def test_the_api_version_changes_the_calls_but_not_the_outcome() -> None:
    reports = [simulate(SimulationConfig(items=3, locations=2, days=15, seed=2, api_version=v))
               for v in SUPPORTED_VERSIONS]
    without_config = {json.dumps({k: v for k, v in r.to_dict().items() if k != "config"})
                      for r in reports}
    assert len(without_config) == 1


def test_every_event_kind_happens_in_a_long_enough_run() -> None:
    report, simulation = run(SimulationConfig(items=4, locations=2, days=60, seed=3))
    simulation.ledger._check()
    assert [e.kind for e in report.events] == list(EVENT_KINDS)
    assert all(e.calls > 0 for e in report.events), report.events


def test_a_starved_store_records_stock_outs_and_oversells() -> None:
    report = simulate(STARVED)
    config = STARVED
    assert 0 < report.stockout_lines <= report.order_lines
    assert 0 < report.oversold_orders <= report.orders_placed
    assert report.oversold_units >= report.oversold_orders
    assert 0 < report.stockout_level_days <= config.items * config.locations * config.days
    assert report.fill_rate < simulate(SMALL).fill_rate


def test_cycle_counts_are_compare_and_swap_sets_of_available_and_on_hand() -> None:
    simulation = Simulation(SimulationConfig(items=2, locations=2, days=14, seed=4))
    calls: list[dict[str, Any]] = []
    real_set = simulation.ledger.set

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_set(**kwargs)

    simulation.ledger.set = spy  # type: ignore[method-assign]
    simulation.run()
    assert len(calls) == 2 * 2 * 2  # two count days, four levels each
    assert [c["name"] for c in calls] == ["available"] * 4 + ["on_hand"] * 4
    for call in calls:
        assert call["reason"] == "cycle_count_available"
        assert call["idempotency_key"]
        (quantity,) = call["quantities"]
        assert isinstance(quantity.change_from_quantity, int)


def test_purchase_orders_adjust_incoming_with_a_ledger_document() -> None:
    _, simulation = run(SMALL)
    groups = [g for g in simulation.ledger.journal if g.reason == "movement_created"]
    assert groups
    for group in groups:
        (change,) = group.changes
        assert change.name == "incoming"
        assert change.delta > 0
        assert change.ledger_document_uri == group.reference_document_uri
        assert (change.ledger_document_uri or "").startswith("sim://purchase-orders/")


def test_damage_moves_available_units_to_damaged() -> None:
    _, simulation = run(SimulationConfig(items=4, locations=2, days=30, seed=1, damage_rate=0.3))
    groups = [g for g in simulation.ledger.journal if g.reason == "damaged"]
    assert groups
    for group in groups:
        assert [c.name for c in group.changes] == ["available", "damaged"]
        assert group.changes[0].delta == -group.changes[1].delta < 0


def test_samples_are_recorded_every_day_for_the_chosen_items() -> None:
    items = [item_id(2), item_id(1)]
    report, simulation = run(SimulationConfig(items=3, locations=2, days=6, seed=8),
                             sample_items=items)
    assert [(s.day, s.item_id) for s in report.samples] == [
        (d, i) for d in range(6) for i in items]
    last = report.samples[-1]
    assert last.on_hand == sum(simulation.ledger.quantities(item_id(1), location_id(n))["on_hand"]
                               for n in (1, 2))
    assert "samples" in report.to_dict()
    assert "samples" not in simulate(SimulationConfig(items=3, locations=2, days=6)).to_dict()


def test_sampling_an_unknown_item_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown item"):
        Simulation(SimulationConfig(items=2), sample_items=[item_id(3)])


def test_progress_is_called_once_a_day() -> None:
    seen: list[int] = []
    Simulation(SimulationConfig(items=1, locations=1, days=4)).run(seen.append)
    assert seen == [1, 2, 3, 4]


@pytest.mark.parametrize("width", [1, 2, 3, 7, 10, 1000])
def test_the_simulations_draws_below_a_width_are_randints_from_one(width: int) -> None:
    simulation = Simulation(SimulationConfig(items=1, locations=1, days=1))
    simulation.rng.seed(3)  # ``_below`` draws from the simulation's own generator
    draws = [1 + simulation._below(width) for _ in range(200)]
    theirs = random.Random(3)  # noqa: S311 - a reproducible stream, not a secret
    assert draws == [theirs.randint(1, width) for _ in range(200)]


def test_the_end_of_day_stock_out_count_reads_available_as_the_ledger_has_it() -> None:
    seen: list[bool] = []

    class Checked(Simulation):
        def _end_of_day(self, day: int, available: dict[tuple[str, str], int]) -> None:
            # Replenishment changes only ``incoming``: its reading of ``available`` stands.
            seen.append(available == self.ledger.quantity_by_level("available"))
            super()._end_of_day(day, available)

    report = Checked(STARVED).run()
    assert seen == [True] * STARVED.days
    assert report == simulate(STARVED)
