"""Properties of ``Ledger.execute`` over random call sequences, random clocks and junk input.

Call sequences come from the strategies of tests/test_state_machine.py, over the same small
universe (three items, two locations, one level inactive, item 3 stocked nowhere), with
clock advances mixed in.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from ledger import SUPPORTED_VERSIONS, Ledger
from ledger.shopify.codec import group_json
from tests.naive_model import OPERATIONS
from tests.support import FakeClock
from tests.test_state_machine import (
    ITEMS,
    LOCATIONS,
    MACHINE_VERSIONS,
    Call,
    calls,
    current_in,
    resolve,
)

STORE: dict[str, Any] = {
    "locations": [{"id": LOCATIONS[0]}, {"id": LOCATIONS[1], "name": "Warehouse"}],
    "inventoryItems": [{"id": item} for item in ITEMS],
    "inventoryLevels": [
        {"inventoryItemId": ITEMS[0], "locationId": LOCATIONS[0],
         "quantities": {"available": 5, "committed": 2, "incoming": 3}},
        {"inventoryItemId": ITEMS[0], "locationId": LOCATIONS[1],
         "quantities": {"available": -2, "damaged": 1, "reserved": 1}},
        {"inventoryItemId": ITEMS[1], "locationId": LOCATIONS[0], "quantities": {}},
        {"inventoryItemId": ITEMS[1], "locationId": LOCATIONS[1], "isActive": False,
         "quantities": {"available": 4, "safety_stock": 2, "quality_control": 1}},
    ],
}
STOCKED = ((ITEMS[0], LOCATIONS[0]), (ITEMS[0], LOCATIONS[1]), (ITEMS[1], LOCATIONS[0]))
PARTS = ("available", "committed", "reserved", "damaged", "safety_stock", "quality_control")
#: Versions from which ``@idempotent`` exists.
IDEMPOTENT_VERSIONS = [v for v in MACHINE_VERSIONS if v >= "2026-01"]

#: A step is a call, or ("advance", seconds) to move the clock on.
Step = Call | tuple[str, int]


ADVANCES = st.tuples(st.just("advance"), st.sampled_from([1, 3600, 86_399, 86_400, 90_000]))


@functools.cache
def steps(version: str, max_size: int = 12) -> st.SearchStrategy[list[Step]]:
    step = st.one_of(calls(version, STOCKED), calls(version, STOCKED), ADVANCES)
    return st.lists(step, max_size=max_size)


def fresh(version: str) -> tuple[Ledger, FakeClock]:
    clock = FakeClock()
    return Ledger.from_snapshot(json.loads(json.dumps(STORE)), version, clock), clock


def level_id_in(ledger: Ledger) -> Callable[[str, str], str | None]:
    def level_id(item: str, location: str) -> str | None:
        level = ledger.level(item, location)
        return level.id if level is not None else None

    return level_id


def plain(ledger: Ledger, call: Call) -> tuple[str, dict[str, Any], str | None]:
    """Resolve a call's ``Near``/``LevelOf`` marks against ``ledger``'s current state."""
    operation, marked, key = call
    variables = resolve(operation, marked, current_in(ledger.quantities), level_id_in(ledger))
    return operation, variables, key


def run(ledger: Ledger, clock: FakeClock, step: Step) -> dict[str, Any] | None:
    """Take one step; return the response body of a call, ``None`` for a clock advance."""
    if step[0] == "advance":
        clock.advance(step[1])  # type: ignore[misc]
        return None
    operation, variables, key = plain(ledger, step)  # type: ignore[arg-type]
    return ledger.execute(operation, variables, idempotency_key=key)


def rejected(body: dict[str, Any], operation: str) -> bool:
    """Tell whether a response is a request-level error or carries user errors."""
    if "errors" in body:
        return True
    return bool(body["data"][operation]["userErrors"])


def journal_json(ledger: Ledger) -> list[dict[str, Any]]:
    return [group_json(group) for group in ledger.journal]


def all_quantities(ledger: Ledger) -> dict[tuple[str, str], dict[str, int]]:
    return {(i, loc): ledger.quantities(i, loc) for i in ITEMS for loc in LOCATIONS}


# ---------------------------------------------------------------------- on_hand


def returned_level(body: dict[str, Any] | None, operation: str) -> dict[str, int] | None:
    """The quantities of the level an inventoryActivate response carries, if any."""
    payload = (body.get("data") or {}).get(operation) if body is not None else None
    level = payload.get("inventoryLevel") if isinstance(payload, dict) else None
    return {q["name"]: q["quantity"] for q in level["quantities"]} if level else None


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_on_hand_always_equals_the_sum_of_its_parts_after_any_sequence_of_calls(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    for step in data.draw(steps(version)):
        body = run(ledger, clock, step)
        seen = list(all_quantities(ledger).values())
        level = returned_level(body, step[0])
        if level is not None:
            seen.append(level)
        for q in seen:
            assert q["on_hand"] == sum(q[name] for name in PARTS), q
        # The stored parts the snapshot holds add up to what quantities() reports.
        for entry in ledger.snapshot()["inventoryLevels"]:
            stored = entry["quantities"]
            reported = ledger.quantities(entry["inventoryItemId"], entry["locationId"])
            assert sum(stored[name] for name in PARTS) == reported["on_hand"], entry
        ledger._check()


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_the_journal_rows_account_for_every_change_of_every_quantity(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    before = all_quantities(ledger)
    for step in data.draw(steps(version)):
        run(ledger, clock, step)
    moved: dict[tuple[str, str], dict[str, int]] = {
        pair: dict.fromkeys(q, 0) for pair, q in before.items()
    }
    for group in ledger.journal:
        for row in group.changes:
            moved[(row.item_id, row.location_id)][row.name] += row.delta
    after = all_quantities(ledger)
    for pair, q in after.items():
        assert {name: q[name] - before[pair][name] for name in q} == moved[pair], pair


# ---------------------------------------------------------------------- atomicity


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_a_rejected_call_leaves_the_snapshot_and_the_journal_unchanged(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    for step in data.draw(steps(version, max_size=16)):
        snapshot, journal = ledger.snapshot(), len(ledger.journal)
        body = run(ledger, clock, step)
        if body is not None and rejected(body, step[0]):
            event("rejected")
            assert ledger.snapshot() == snapshot
            assert len(ledger.journal) == journal
        ledger._check()


# ---------------------------------------------------------------------- idempotency


@given(version=st.sampled_from(IDEMPOTENT_VERSIONS), data=st.data())
def test_the_same_key_and_input_replay_the_same_response_byte_for_byte_and_change_nothing(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    for step in data.draw(steps(version, max_size=8), label="before"):
        run(ledger, clock, step)
    call = data.draw(calls(version, STOCKED), label="call")
    operation, variables, _ = plain(ledger, call)
    first = ledger.execute(operation, variables, idempotency_key="the-key")
    snapshot, journal = ledger.snapshot(), journal_json(ledger)
    clock.advance(data.draw(st.integers(0, 86_399), label="seconds later"))
    again = ledger.execute(operation, json.loads(json.dumps(variables)),
                           idempotency_key="the-key")
    event("request error" if "errors" in first else "ran")
    assert json.dumps(again) == json.dumps(first)
    assert ledger.snapshot() == snapshot
    assert journal_json(ledger) == journal
    ledger._check()


# ---------------------------------------------------------------------- determinism


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_the_same_inputs_and_clock_give_byte_identical_outputs(
    version: str, data: st.DataObject
) -> None:
    one, one_clock = fresh(version)
    two, two_clock = fresh(version)
    for step in data.draw(steps(version, max_size=16)):
        if step[0] == "advance":
            one_clock.advance(step[1])  # type: ignore[misc]
            two_clock.advance(step[1])  # type: ignore[misc]
            continue
        operation, variables, key = plain(one, step)  # type: ignore[arg-type]
        body_one = one.execute(operation, variables, idempotency_key=key)
        body_two = two.execute(operation, json.loads(json.dumps(variables)), idempotency_key=key)
        assert json.dumps(body_one) == json.dumps(body_two)
    assert json.dumps(one.snapshot()) == json.dumps(two.snapshot())
    assert json.dumps(journal_json(one)) == json.dumps(journal_json(two))


# ---------------------------------------------------------------------- junk input

HUGE_INTS = [2**31, -(2**31) - 1, 2**63, -(2**63), 10**30, -(10**30)]
#: Integers too long for ``str()`` (Python refuses more than 4300 digits by default). Built
#: by ``map`` because Hypothesis cannot print them inside ``sampled_from``.
TOO_LONG_TO_PRINT = st.sampled_from([1, -1]).map(lambda sign: sign * 10**5000)
FIELD_NAMES = [
    "input", "name", "reason", "referenceDocumentUri", "changes", "quantities",
    "setQuantities", "inventoryItemId", "locationId", "delta", "quantity", "from", "to",
    "ledgerDocumentUri", "changeFromQuantity", "compareQuantity", "ignoreCompareQuantity",
    "available", "onHand", "inventoryLevelId",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_INTS),
    TOO_LONG_TO_PRINT,
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "gid://shopify/InventoryItem/1", "gid://shopify/Location/1", "available"]),
)
junk = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6)), children,
                        max_size=4),
    ),
    max_leaves=16,
)
keys = st.one_of(st.none(), st.text(max_size=8))


def assert_is_a_response(body: object, operation: str) -> None:
    assert isinstance(body, dict)
    assert "errors" in body or "data" in body
    if "errors" in body:
        assert isinstance(body["errors"], list)
        assert body["errors"]
        assert all(isinstance(e, dict) and isinstance(e["message"], str) for e in body["errors"])
    if "data" in body:
        assert set(body["data"]) == {operation}
        payload = body["data"][operation]
        assert payload is None or isinstance(payload["userErrors"], list)


@given(
    version=st.sampled_from(SUPPORTED_VERSIONS),
    operation=st.sampled_from(OPERATIONS),
    variables=st.one_of(junk, st.dictionaries(st.sampled_from(FIELD_NAMES), junk, max_size=4)),
    key=keys,
)
def test_execute_returns_a_response_and_never_raises_whatever_the_variables_hold(
    version: str, operation: str, variables: Any, key: str | None
) -> None:
    ledger, _ = fresh(version)
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key=key)
    assert_is_a_response(body, operation)
    if rejected(body, operation):
        assert ledger.snapshot() == before
    ledger._check()


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every node under ``value`` (leaves and containers, not the root)."""
    children: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    out = []
    for key, child in children:
        out.append((*path, key))
        out.extend(leaves(child, (*path, key)))
    return out


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


@given(version=st.sampled_from(SUPPORTED_VERSIONS), data=st.data())
def test_execute_never_raises_when_one_part_of_valid_variables_is_junk(
    version: str, data: st.DataObject
) -> None:
    ledger, _ = fresh(version)
    operation, variables, key = plain(ledger, data.draw(calls(version, STOCKED), label="call"))
    paths = leaves(variables)
    path = data.draw(st.sampled_from(paths), label="path")
    mutated = replaced(variables, path, data.draw(junk, label="junk"))
    before = ledger.snapshot()
    body = ledger.execute(operation, mutated, idempotency_key=key)
    assert_is_a_response(body, operation)
    if rejected(body, operation):
        assert ledger.snapshot() == before
    ledger._check()


# ---------------------------------------------------------------------- snapshots


@given(version=st.sampled_from(MACHINE_VERSIONS), data=st.data())
def test_a_snapshot_round_trips_after_any_sequence_of_calls(
    version: str, data: st.DataObject
) -> None:
    ledger, clock = fresh(version)
    for step in data.draw(steps(version)):
        run(ledger, clock, step)
    snapshot = ledger.snapshot()
    again = Ledger.from_snapshot(json.loads(json.dumps(snapshot)), version)
    assert again.snapshot() == snapshot
    assert all_quantities(again) == all_quantities(ledger)
