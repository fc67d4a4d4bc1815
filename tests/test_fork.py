"""Forks: a what-if copy and its parent diverge only where each was changed.

Every ledger in a family of forks is compared with a reference ledger built from scratch by
running the same steps (the shared prefix, then its own) on the starting snapshot: the same
answers to every call, snapshot, journal (ids and times) and operation log. Operation
sequences come from tests/test_oplog.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import AdjustChange, Ledger, LedgerError
from tests.support import FakeClock, ReentrantClock
from tests.test_oplog import Runner, Step, exported, fresh_ledger, run_all, steps
from tests.test_properties import STORE
from tests.test_state_machine import ITEMS, LOCATIONS, MACHINE_VERSIONS


@dataclass
class Branch:
    ledger: Ledger
    clock: FakeClock
    runner: Runner
    history: list[Step] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)


def reference(version: str, history: list[Step]) -> tuple[Ledger, list[Any]]:
    ledger, clock = fresh_ledger(version)
    answers = run_all(ledger, clock, Runner(), history)
    return ledger, answers


def assert_same(branch: Branch, version: str) -> None:
    ref, answers = reference(version, branch.history)
    assert branch.answers == answers
    assert branch.ledger.snapshot() == ref.snapshot()
    assert list(branch.ledger.journal) == list(ref.journal)
    assert exported(branch.ledger) == exported(ref)


#: ("step", branch index, step) or ("fork", branch index)
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("step"), st.integers(0, 4), steps(3, min_size=1)),
    st.tuples(st.just("step"), st.integers(0, 4), steps(3, min_size=1)),
    st.tuples(st.just("fork"), st.integers(0, 4)),
), min_size=1, max_size=10)


@settings(max_examples=max(10, settings.default.max_examples // 3))
@given(version=st.sampled_from(MACHINE_VERSIONS), prefix=steps(8), actions=ACTIONS)
def test_forks_and_their_parents_each_match_a_ledger_that_ran_only_their_own_steps(
    version: str, prefix: list[Step], actions: list[tuple[Any, ...]]
) -> None:
    ledger, clock = fresh_ledger(version)
    root = Branch(ledger, clock, Runner())
    root.answers = run_all(ledger, clock, root.runner, prefix)
    root.history = list(prefix)
    branches = [root]
    for action in actions:
        source = branches[action[1] % len(branches)]
        if action[0] == "fork":
            child_clock = FakeClock(source.clock.now)
            branches.append(Branch(source.ledger.fork(clock=child_clock), child_clock,
                                   source.runner.copy(), list(source.history),
                                   list(source.answers)))
        else:
            todo = action[2]
            source.answers += run_all(source.ledger, source.clock, source.runner, todo)
            source.history += todo
        for branch in branches:
            branch.ledger._check()
    for branch in branches:
        assert_same(branch, version)


def adjust(ledger: Ledger, delta: int, key: str | None = None,
           item: str = ITEMS[0], location: str = LOCATIONS[0]) -> Any:
    return ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=item, location_id=location, delta=delta, change_from_quantity=None)],
        idempotency_key=key)


def test_many_sibling_forks_leave_their_base_unchanged() -> None:
    base, clock = fresh_ledger("2026-04")
    first = adjust(base, 1, "base-key")
    base.order_placed(order="gid://shopify/Order/1", lines=[(ITEMS[0], LOCATIONS[0], 2)])
    snapshot, journal, log = base.snapshot(), list(base.journal), exported(base)
    forks = []
    for n in range(20):
        fork = base.fork(clock=FakeClock(clock.now))
        forks.append(fork)
        assert adjust(fork, n + 1, f"fork-{n}").ok
        replay = adjust(fork, 1, "base-key")
        assert replay.replayed
        assert replay.group == first.group
        fork.activate(item_id=ITEMS[2], location_id=LOCATIONS[1], available=n,
                      idempotency_key=f"stock-{n}")
        fork.bulk_toggle_activation(item_id=ITEMS[1], updates=[(LOCATIONS[1], True)])
        fork.order_fulfilled(order="gid://shopify/Order/1",
                             lines=[(ITEMS[0], LOCATIONS[0], 1)])
        fork._check()
    assert base.snapshot() == snapshot
    assert list(base.journal) == journal
    assert exported(base) == log
    base._check()
    # The base's own next call is the one it would have made without any fork.
    ref, _ = fresh_ledger("2026-04")
    adjust(ref, 1, "base-key")
    ref.order_placed(order="gid://shopify/Order/1", lines=[(ITEMS[0], LOCATIONS[0], 2)])
    assert adjust(base, 7, "fork-3") == adjust(ref, 7, "fork-3")
    assert base.snapshot() == ref.snapshot()
    # Each fork holds its own changes only.
    values = [f.quantities(ITEMS[0], LOCATIONS[0])["available"] for f in forks]
    assert values == [5 + 1 - 2 + n + 1 for n in range(20)]
    assert [f.quantities(ITEMS[2], LOCATIONS[1])["available"] for f in forks] == list(range(20))


def test_a_fork_keeps_the_clock_unless_given_one() -> None:
    base, clock = fresh_ledger("2026-01")
    kept = base.fork()
    other_clock = FakeClock(clock.now)
    other_clock.advance(3600)
    given_ = base.fork(clock=other_clock)
    clock.advance(60)
    assert adjust(kept, 1).group.created_at == clock.now
    assert adjust(given_, 1).group.created_at == other_clock.now
    assert adjust(base, 1).group.created_at == clock.now


def test_a_fork_keeps_the_fault_policy_unless_given_one() -> None:
    def policy(_operation: str, _command: Any) -> bool:
        return True

    base = Ledger.from_snapshot(copy.deepcopy(STORE), "2026-01", FakeClock(), faults=policy)
    assert not adjust(base.fork(), 1).ok
    assert adjust(base.fork(faults=None), 1).ok


def test_forks_of_forks_see_their_ancestors_history_up_to_the_fork_only() -> None:
    base, _ = fresh_ledger("2026-04")
    chain = [base]
    for depth in range(12):
        child = chain[-1].fork()
        adjust(child, 1, f"key-{depth}")
        chain.append(child)
    for depth, ledger in enumerate(chain):
        assert len(ledger.journal) == depth
        assert ledger.quantities(ITEMS[0], LOCATIONS[0])["available"] == 5 + depth
        assert len(ledger.oplog) == depth
        ledger._check()
    deepest = chain[-1]
    assert adjust(deepest, 1, "key-0").replayed
    assert adjust(deepest, 1, "next").group.id == "gid://shopify/InventoryAdjustmentGroup/13"
    assert adjust(chain[3], 1, "next").group.id == "gid://shopify/InventoryAdjustmentGroup/4"


def test_forking_while_a_call_is_running_raises() -> None:
    clock = ReentrantClock()
    ledger = Ledger.from_snapshot(copy.deepcopy(STORE), "2026-04", clock)
    errors: list[BaseException] = []

    def fork_now() -> None:
        try:
            ledger.fork()
        except LedgerError as error:
            errors.append(error)

    clock.on_next_read = fork_now
    assert adjust(ledger, 1, "k").ok
    assert len(errors) == 1
    assert "running" in str(errors[0])
    ledger._check()


def test_forking_while_an_unkeyed_call_is_running_raises() -> None:
    clock = ReentrantClock()
    ledger = Ledger.from_snapshot(copy.deepcopy(STORE), "2026-01", clock)
    errors: list[BaseException] = []

    def fork_now() -> None:
        try:
            ledger.fork()
        except LedgerError as error:
            errors.append(error)

    clock.on_next_read = fork_now
    assert adjust(ledger, 1).ok
    assert len(errors) == 1


def test_bulk_toggle_activation_creating_a_level_works_after_a_fork() -> None:
    base, _ = fresh_ledger("2025-01")
    base.fork()
    result = base.bulk_toggle_activation(item_id=ITEMS[2], updates=[(LOCATIONS[0], True)])
    assert result.ok
    assert [lv.location_id for lv in result.levels] == [LOCATIONS[0]]
