"""The cyclic collector paused around the runs the ledger drives itself (ledger.core.collector)."""

from __future__ import annotations

import gc
import io
import json
import weakref
from collections.abc import Iterator

import pytest

from ledger import Ledger
from ledger.core import collector
from ledger.sim.simulation import Simulation, SimulationConfig


@pytest.fixture
def collecting() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after(collecting: None) -> None:
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collecting: None) -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_collector_is_on_again_after_an_exception(collecting: None) -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def _ledger_garbage() -> list[str]:
    """Collect with every unreachable object kept; return the names of the ledger's among them."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sorted({type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage
                        if type(o).__module__.startswith("ledger")})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


def test_a_simulation_makes_no_reference_cycles_so_pausing_the_collector_keeps_nothing(
        collecting: None) -> None:
    # The premise of pausing: every object a run makes is freed by reference counting.
    gc.collect()
    gc.disable()
    report = Simulation(SimulationConfig(items=6, locations=3, days=20, seed=4)).run()
    assert json.loads(report.to_json())["operations"]["calls"] > 100
    assert _ledger_garbage() == []


def test_a_simulation_turns_the_collector_back_on(collecting: None) -> None:
    seen: list[bool] = []
    Simulation(SimulationConfig(items=2, locations=2, days=3, seed=1)).run(
        progress=lambda _day: seen.append(gc.isenabled()))
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_replay_makes_no_reference_cycles_and_turns_the_collector_back_on(
        collecting: None) -> None:
    simulation = Simulation(SimulationConfig(items=4, locations=2, days=10, seed=2))
    simulation.run()
    text = io.StringIO()
    simulation.ledger.export_oplog(text)
    gc.collect()
    replayed = Ledger.from_oplog(simulation.start_snapshot, io.StringIO(text.getvalue()))
    assert gc.isenabled()
    assert replayed.snapshot() == simulation.ledger.snapshot()
    gc.disable()
    again = Ledger.from_oplog(simulation.start_snapshot, io.StringIO(text.getvalue()))
    assert again.snapshot() == replayed.snapshot()
    assert _ledger_garbage() == []


def test_what_a_paused_block_keeps_goes_to_the_oldest_generation_unwalked(
        collecting: None) -> None:
    gc.collect()  # every count at zero: left young, the objects would meet a young collection
    with collector.paused():
        kept = [[n] for n in range(5_000)]  # tracked containers, made while paused
    oldest = {id(one) for one in gc.get_objects(generation=2)}
    assert all(id(one) in oldest for one in kept)
    young = {id(one) for one in gc.get_objects(generation=0)}
    young |= {id(one) for one in gc.get_objects(generation=1)}
    assert not any(id(one) in young for one in kept)


def test_a_cycle_made_while_paused_is_still_collected_by_a_full_collection(
        collecting: None) -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with collector.paused():
        node = Node()
        alive = weakref.ref(node)
        del node
    assert alive() is not None  # a cycle: reference counting alone cannot free it
    gc.collect()
    assert alive() is None


def test_a_callers_frozen_objects_stay_frozen(collecting: None) -> None:
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector.paused():
            made = [[n] for n in range(100)]
        assert gc.get_freeze_count() == frozen
        assert len(made) == 100
    finally:
        gc.unfreeze()
