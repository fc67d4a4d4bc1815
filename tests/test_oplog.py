"""The operation log (ledger/oplog.py): export, read and replay give back the same ledger.

Random operation sequences run over the small universe of tests/test_properties.py: calls
through ``execute`` in every machine API version (their strategies come from
tests/test_state_machine.py), commands through the Pythonic API and ``run`` with a pinned
version, platform events (with fresh keys and replays of them), clock advances across the
24 h idempotency window, and a seeded ``FaultPlan``. The step runner defined here is shared
with tests/test_fork.py and tests/test_history.py.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import re
import zlib
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Deactivate,
    EventKind,
    EventLine,
    FaultPlan,
    Ledger,
    Move,
    MoveChange,
    MoveTerminal,
    PlatformEvent,
    Result,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.engine import Engine
from ledger.store import oplog
from ledger.store.oplog import Outcome, ReplayMismatchError, decode_command, encode_command
from tests.support import FakeClock
from tests.test_properties import STOCKED, STORE, level_id_in
from tests.test_state_machine import (
    ITEMS,
    LOCATIONS,
    MACHINE_VERSIONS,
    calls,
    current_in,
    events,
    resolve,
    resolve_event,
    send_event,
)

# ---------------------------------------------------------------------- random steps

PY_ITEMS = st.sampled_from([*ITEMS, ITEMS[0], "gid://shopify/InventoryItem/99"])
PY_LOCATIONS = st.sampled_from([*LOCATIONS, LOCATIONS[0], "gid://shopify/Location/99"])
CHANGE_FROM = st.sampled_from([ABSENT, None, None])
REASONS = st.sampled_from(["correction", "correction", "restock", "received", "bogus"])
DOCUMENTS = st.sampled_from([None, None, "logistics://doc/1"])

ADJUST_COMMANDS = st.builds(
    Adjust,
    name=st.sampled_from(["available", "available", "damaged", "incoming", "on_hand"]),
    reason=REASONS,
    changes=st.lists(st.builds(
        AdjustChange, item_id=PY_ITEMS, location_id=PY_LOCATIONS, delta=st.integers(-3, 6),
        ledger_document_uri=st.sampled_from([None, "logistics://line/1"]),
        change_from_quantity=CHANGE_FROM,
    ), min_size=1, max_size=2),
    reference_document_uri=DOCUMENTS,
)
SET_QUANTITY = st.builds(
    SetQuantity, item_id=PY_ITEMS, location_id=PY_LOCATIONS, quantity=st.integers(-1, 9),
    change_from_quantity=CHANGE_FROM, compare_quantity=st.sampled_from([ABSENT, ABSENT, None]),
)
SET_COMMANDS = st.builds(
    SetQuantities, name=st.sampled_from(["available", "on_hand"]), reason=REASONS,
    quantities=st.lists(SET_QUANTITY, min_size=1, max_size=2), reference_document_uri=DOCUMENTS,
    ignore_compare_quantity=st.sampled_from([ABSENT, ABSENT, True, None]),
)
SET_ON_HAND_COMMANDS = st.builds(
    SetOnHand, reason=REASONS, reference_document_uri=DOCUMENTS,
    quantities=st.lists(st.builds(
        SetQuantity, item_id=PY_ITEMS, location_id=PY_LOCATIONS, quantity=st.integers(-1, 9),
        change_from_quantity=CHANGE_FROM,
    ), min_size=1, max_size=2),
)
TERMINALS = st.builds(
    MoveTerminal, location_id=PY_LOCATIONS,
    name=st.sampled_from(["available", "incoming", "damaged", "reserved", "committed"]),
    ledger_document_uri=st.sampled_from([None, "logistics://m/1"]),
    change_from_quantity=CHANGE_FROM,
)
MOVE_COMMANDS = st.builds(
    Move, reason=REASONS, reference_document_uri=st.just("logistics://transfer/1"),
    changes=st.lists(st.builds(MoveChange, item_id=PY_ITEMS, quantity=st.integers(0, 4),
                               from_=TERMINALS, to=TERMINALS), min_size=1, max_size=2),
)
ACTIVATE_COMMANDS = st.builds(
    Activate, item_id=PY_ITEMS, location_id=PY_LOCATIONS,
    available=st.sampled_from([None, None, 3]), on_hand=st.sampled_from([None, None, 4]),
)
BULK_COMMANDS = st.builds(
    BulkToggleActivation, item_id=PY_ITEMS,
    updates=st.lists(st.tuples(PY_LOCATIONS, st.booleans()), min_size=1, max_size=3),
)
PY_COMMANDS = st.one_of(ADJUST_COMMANDS, SET_COMMANDS, SET_ON_HAND_COMMANDS, MOVE_COMMANDS,
                        ACTIVATE_COMMANDS, BULK_COMMANDS)
PY_KEYS = st.sampled_from([None, None, *[f"k{n}" for n in range(8)]])

#: A step: ("execute", version, call) | ("python", command, key, version or None, via)
#: | ("deactivate", item, location, key) | ("event", marked event, key mode, via)
#: | ("repeat event",) | ("advance", seconds)
Step = tuple[Any, ...]

ADVANCES = [0, 0.3, 0.6, 1, 59, 3600, 86_399, 86_400, 86_401, 90_000]


@functools.cache
def steps(
    max_size: int = 14, backwards: bool = False, min_size: int = 0
) -> st.SearchStrategy[list[Step]]:
    """Random steps over the universe of tests/test_properties.py's ``STORE``."""
    executes = st.one_of(*[
        calls(v, STOCKED).map(functools.partial(lambda v, c: ("execute", v, c), v))
        for v in MACHINE_VERSIONS
    ])
    pythons = st.tuples(st.just("python"), PY_COMMANDS, PY_KEYS,
                        st.sampled_from([None, None, *MACHINE_VERSIONS]),
                        st.sampled_from(["method", "run"]))
    deactivates = st.tuples(st.just("deactivate"), PY_ITEMS, PY_LOCATIONS, PY_KEYS)
    platform = st.tuples(st.just("event"), events(STOCKED),
                         st.sampled_from(["none", "fresh", "fresh"]),
                         st.sampled_from(["method", "run"]))
    seconds = [*ADVANCES, -1, -0.5, -3600] if backwards else ADVANCES
    advances = st.tuples(st.just("advance"), st.sampled_from(seconds))
    step = st.one_of(executes, executes, pythons, deactivates, platform,
                     st.just(("repeat event",)), advances)
    return st.lists(step, min_size=min_size, max_size=max_size)


_METHODS = {
    Adjust: lambda lg, c, k: lg.adjust(name=c.name, reason=c.reason, changes=c.changes,
                                       reference_document_uri=c.reference_document_uri,
                                       idempotency_key=k),
    SetQuantities: lambda lg, c, k: lg.set(
        name=c.name, reason=c.reason, quantities=c.quantities,
        reference_document_uri=c.reference_document_uri,
        ignore_compare_quantity=c.ignore_compare_quantity, idempotency_key=k),
    Move: lambda lg, c, k: lg.move(reason=c.reason, changes=c.changes,
                                   reference_document_uri=c.reference_document_uri,
                                   idempotency_key=k),
    Activate: lambda lg, c, k: lg.activate(item_id=c.item_id, location_id=c.location_id,
                                           available=c.available, on_hand=c.on_hand,
                                           idempotency_key=k),
    BulkToggleActivation: lambda lg, c, k: lg.bulk_toggle_activation(
        item_id=c.item_id, updates=c.updates, idempotency_key=k),
}


class Runner:
    """Runs steps on a ledger; its own state (event keys, the last event) copies with it."""

    def __init__(self, avoid_new_levels_by_bulk_toggle: bool = False) -> None:
        #: Skip a bulk toggle that would create a level (the skip depends only on the state;
        #: tests/test_fork.py checks that case on its own).
        self.avoid = avoid_new_levels_by_bulk_toggle
        self.fresh = 0
        self.last_event: tuple[Any, str | None] | None = None

    def copy(self) -> Runner:
        return copy.copy(self)

    def run(self, ledger: Ledger, clock: FakeClock, step: Step) -> Any:
        """Run one step; return what the call answered (comparable across ledgers)."""
        kind = step[0]
        if kind == "advance":
            clock.advance(step[1])
            return None
        if kind == "execute":
            _, version, (operation, marked, key) = step
            variables = resolve(operation, marked, current_in(ledger.quantities),
                                level_id_in(ledger))
            return ledger.execute(operation, variables, idempotency_key=key,
                                  api_version=version)
        if kind == "python":
            _, command, key, version, via = step
            if self.avoid and isinstance(command, BulkToggleActivation) and ledger.has_item(
                    command.item_id) and any(
                    on and ledger.location(loc) is not None and ledger.level(command.item_id, loc)
                    is None for loc, on in command.updates):
                return "skipped"
            method = _METHODS.get(type(command))
            if via == "method" and method is not None and version is None:
                return method(ledger, command, key)
            return ledger.run(command, key, api_version=version)
        if kind == "deactivate":
            _, item, location, key = step
            level = ledger.level(item, location) if ledger.has_item(item) else None
            level_id = level.id if level is not None else "gid://shopify/InventoryLevel/77"
            return ledger.deactivate(level_id=level_id, idempotency_key=key)
        if kind == "event":
            _, marked, mode, via = step
            event = resolve_event(marked, current_in(ledger.quantities))
            key = None
            if mode == "fresh":
                # Event keys are never shared with another call (see EVENT_KEY_MISMATCH_ANSWERED
                # in tests/test_state_machine.py): a repeat reuses the same event with its key.
                self.fresh += 1
                key = f"ev-{self.fresh}"
            self.last_event = (event, key)
            return send_event(ledger, event, key, via)
        assert kind == "repeat event"
        if self.last_event is None:
            return None
        event, key = self.last_event
        return send_event(ledger, event, key, "run")


def fresh_ledger(version: str, **options: Any) -> tuple[Ledger, FakeClock]:
    clock = FakeClock()
    ledger = Ledger.from_snapshot(copy.deepcopy(STORE), version, clock, **options)
    return ledger, clock


def run_all(ledger: Ledger, clock: FakeClock, runner: Runner, todo: list[Step]) -> list[Any]:
    out = []
    for step in todo:
        out.append(runner.run(ledger, clock, step))
        ledger._check()
    return out


def exported(ledger: Ledger) -> str:
    buffer = io.StringIO()
    ledger.export_oplog(buffer)
    return buffer.getvalue()


def outcome(answer: Any) -> Any:
    """A step's answer in a form that compares across ledgers."""
    return answer


# ---------------------------------------------------------------------- replay equals live


@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(
    version=st.sampled_from(MACHINE_VERSIONS),
    seed=st.integers(0, 2**16),
    rate=st.sampled_from([0.0, 0.1, 0.3]),
    before=steps(16, min_size=4),
    after=steps(6),
)
def test_replaying_the_exported_log_onto_the_starting_snapshot_gives_an_identical_ledger(
    version: str, seed: int, rate: float, before: list[Step], after: list[Step]
) -> None:
    live, clock = fresh_ledger(version, faults=FaultPlan(seed=seed, rate=rate))
    runner = Runner()
    run_all(live, clock, runner, before)
    text = exported(live)

    later = FakeClock(clock.now)
    replayed = Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO(text), clock=later)
    replayed._check()
    assert replayed.api_version == version
    assert replayed.snapshot() == live.snapshot()
    assert list(replayed.journal) == list(live.journal)
    assert exported(replayed) == text
    assert replayed.oplog == live.oplog

    # Further calls behave the same: next group ids, and every key used so far replays (or
    # has expired, or mismatches) the same way on both.
    live.faults = None
    twin = runner.copy()
    assert run_all(live, clock, runner, after) == run_all(replayed, later, twin, after)
    for record in [r for r in live.oplog if r.idempotency_key is not None][-4:]:
        a = live.run(record.command, record.idempotency_key, api_version=record.api_version)
        b = replayed.run(record.command, record.idempotency_key,
                         api_version=record.api_version)
        assert a == b
    probe = Adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=ITEMS[1], location_id=LOCATIONS[0], delta=1,
        change_from_quantity=ABSENT if version < "2026-01" else None)])
    key = None if version < "2026-01" else "probe"
    assert live.run(probe, key) == replayed.run(probe, key)
    assert replayed.snapshot() == live.snapshot()
    assert list(replayed.journal) == list(live.journal)
    assert exported(replayed) == exported(live)


@settings(max_examples=max(10, settings.default.max_examples // 3))
@given(
    version=st.sampled_from(MACHINE_VERSIONS),
    prefix=steps(8),
    mine=steps(8),
    theirs=steps(4),
)
def test_a_forks_exported_log_replays_to_the_forks_state(
    version: str, prefix: list[Step], mine: list[Step], theirs: list[Step]
) -> None:
    base, clock = fresh_ledger(version)
    runner = Runner()
    run_all(base, clock, runner, prefix)
    child_clock = FakeClock(clock.now)
    child = base.fork(clock=child_clock)
    child_runner = runner.copy()
    run_all(base, clock, runner, theirs)
    run_all(child, child_clock, child_runner, mine)
    for ledger in (child, base):
        text = exported(ledger)
        again = Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO(text))
        assert again.snapshot() == ledger.snapshot()
        assert list(again.journal) == list(ledger.journal)
        assert exported(again) == text


def test_the_log_names_the_fault_and_the_outcome_of_every_call() -> None:
    ledger, clock = fresh_ledger("2026-04", faults=FaultPlan(seed=3, rate=1.0))
    change = AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0], delta=1,
                          change_from_quantity=None)
    ledger.adjust(name="available", reason="correction", changes=[change], idempotency_key="a")
    ledger.faults = None
    ledger.adjust(name="available", reason="correction", changes=[change], idempotency_key="b")
    ledger.adjust(name="available", reason="correction", changes=[change], idempotency_key="b")
    ledger.adjust(name="available", reason="correction", changes=[change])
    records = ledger.oplog
    assert [r.seq for r in records] == [1, 2, 3, 4]
    assert records[0].fault is not None
    assert records[0].outcome.status == "fault"
    assert records[1].outcome == Outcome(status="applied",
                                         group_id="gid://shopify/InventoryAdjustmentGroup/1")
    assert records[2].outcome.status == "replayed"
    assert records[3].outcome.status == "request-error"
    assert records[3].at is None
    assert records[1].at == clock.now


# ---------------------------------------------------------------------- commands round-trip

EVENT_COMMANDS = st.builds(
    PlatformEvent, kind=st.sampled_from(list(EventKind)),
    reference_document_uri=st.sampled_from(["gid://shopify/Order/1", "", "x\udc80y"]),
    lines=st.lists(st.builds(EventLine, item_id=PY_ITEMS, location_id=PY_LOCATIONS,
                             quantity=st.integers(-2, 2**40)), max_size=3),
    restock=st.booleans(),
)
ALL_COMMANDS = st.one_of(PY_COMMANDS, EVENT_COMMANDS,
                         st.builds(Deactivate, level_id=st.text(max_size=8)))


def operation_of(command: Any) -> str:
    return Ledger().run(command).operation


@given(command=ALL_COMMANDS)
def test_every_command_round_trips_through_its_json(command: Any) -> None:
    operation = operation_of(command)
    data = json.loads(json.dumps(encode_command(command)))
    assert decode_command(operation, data) == command


@pytest.mark.parametrize("command", [
    Adjust(name="available", reason="correction", changes=[
        AdjustChange(item_id="i", location_id="l", delta=1),
        AdjustChange(item_id="i", location_id="l", delta=1, change_from_quantity=None),
        AdjustChange(item_id="i", location_id="l", delta=1, change_from_quantity=0)]),
    Move(reason="correction", reference_document_uri="u", changes=[MoveChange(
        item_id="i", quantity=1, from_=MoveTerminal(location_id="l", name="available"),
        to=MoveTerminal(location_id="l", name="damaged", change_from_quantity=None))]),
    SetQuantities(name="on_hand", reason="correction", quantities=[
        SetQuantity(item_id="i", location_id="l", quantity=1, compare_quantity=None),
        SetQuantity(item_id="i", location_id="l", quantity=1, change_from_quantity=3)],
        ignore_compare_quantity=None),
    SetQuantities(name="available", reason="correction", quantities=[]),
    SetOnHand(reason="correction", quantities=[
        SetQuantity(item_id="i", location_id="l", quantity=2)]),
    Activate(item_id="i", location_id="l", available=None, on_hand=4),
    Deactivate(level_id="gid://shopify/InventoryLevel/1?inventory_item_id=1"),
    BulkToggleActivation(item_id="i", updates=[("l", True), ("m", False)]),
    *[PlatformEvent(kind=kind, reference_document_uri="gid://shopify/Order/1",
                    lines=[("i", "l", 2)], restock=False) for kind in EventKind],
], ids=lambda c: type(c).__name__)
def test_absent_and_null_stay_distinct_through_the_json(command: Any) -> None:
    data = encode_command(command)
    text = json.dumps(data)
    back = decode_command(operation_of(command), json.loads(text))
    assert back == command
    for field in ("change_from_quantity", "compare_quantity", "ignore_compare_quantity"):
        for original, decoded in _pairs(command, back):
            if hasattr(original, field):
                assert getattr(decoded, field) is getattr(original, field) or (
                    getattr(decoded, field) == getattr(original, field)
                    and getattr(original, field) not in (ABSENT, None))


def _pairs(a: Any, b: Any) -> list[tuple[Any, Any]]:
    out = [(a, b)]
    for name in ("changes", "quantities"):
        if hasattr(a, name):
            for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
                out += _pairs(x, y)
    for name in ("from_", "to"):
        if hasattr(a, name):
            out += _pairs(getattr(a, name), getattr(b, name))
    return out


def test_decoding_refuses_unknown_operations_and_fields() -> None:
    with pytest.raises(ValueError, match="unknown operation 'inventoryFrobnicate'"):
        decode_command("inventoryFrobnicate", {})
    with pytest.raises(ValueError, match="unknown field"):
        decode_command("inventoryDeactivate", {"level_id": "x", "extra": 1})
    with pytest.raises(ValueError, match="unknown event kind"):
        decode_command("orderPlaced", {"kind": "orderLost", "reference_document_uri": "u",
                                       "lines": []})


# ---------------------------------------------------------------------- reading a log


def sample_log() -> str:
    ledger, clock = fresh_ledger("2026-04")
    change = AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0], delta=2,
                          change_from_quantity=None)
    for key in ("a", "b", "a"):
        ledger.adjust(name="available", reason="correction", changes=[change],
                      idempotency_key=key)
        clock.advance(1)
    return exported(ledger)


def reframe(line: str, edit: Any) -> str:
    """Return ``line`` with its record edited by ``edit(record)`` and a correct checksum."""
    record = json.loads(line)["record"]
    edit(record)
    text = json.dumps(record, separators=(",", ":"))
    return f'{{"crc32":"{zlib.crc32(text.encode()):08x}","record":{text}}}\n'


def read_text(text: str) -> tuple[dict[str, Any], list[oplog.OpRecord]]:
    return oplog.read(io.StringIO(text))


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_a_written_log_reads_back_record_for_record() -> None:
    text = sample_log()
    head, records = read_text(text)
    # loadedAt: the time the starting snapshot's entries without a createdAt were given.
    assert head == {"format": "ledger-oplog", "version": 1, "apiVersion": "2026-04",
                    "loadedAt": "2026-06-25T00:00:00+00:00"}
    assert [r.seq for r in records] == [1, 2, 3]
    assert [r.outcome.status for r in records] == ["applied", "applied", "replayed"]
    assert "".join(oplog.frame(r) for r in records) == "".join(lines_of(text)[1:])
    assert oplog.unframe(lines_of(text)[1], "line 2") == records[0].to_json()


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    record[last] = value


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda ls: ['{"format": "other", "version": 1}\n', *ls[1:]],
     r"^line 1: not a ledger operation log"),
    (lambda ls: ["[1, 2]\n", *ls[1:]], r"^line 1: not a ledger operation log"),
    (lambda ls: ['{"format": "ledger-oplog", "version": 2, "apiVersion": "2026-04"}\n',
                 *ls[1:]], r"^line 1: unsupported log version 2"),
    (lambda ls: ['{"format": "ledger-oplog", "version": 1\n', *ls[1:]],
     r"^line 1: not valid JSON"),
    (lambda ls: [], r"^line 1: empty file"),
    (lambda ls: [ls[0], "{not json\n", *ls[2:]], r"^line 2: not a framed record"),
    (lambda ls: [ls[0], ls[1], f'{{"crc32":"{zlib.crc32(b"nope"):08x}","record":nope}}\n',
                 *ls[3:]], r"^line 3: not valid JSON"),
    (lambda ls: [ls[0], ls[1].replace('"delta":2', '"delta":3'), *ls[2:]],
     r"^line 2: checksum mismatch"),
    (lambda ls: [*ls[:-1], ls[-1].rstrip("\n")], r"^line 4: the last line is incomplete"),
    (lambda ls: [*ls[:-1], ls[-1][:40]], r"^line 4: the last line is incomplete"),
    (lambda ls: [ls[0], ls[1], *ls[3:]], r"^line 3: seq 3 out of order, expected 2"),
    (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], r"^line 2: seq 2 out of order, expected 1"),
    (lambda ls: [ls[0], reframe(ls[1], lambda r: _set(r, "outcome.status", "won")), *ls[2:]],
     r"^line 2\.outcome\.status must be one of"),
    (lambda ls: [ls[0], reframe(ls[1], lambda r: r.update(fault="GREMLINS")), *ls[2:]],
     r"^line 2\.fault: unknown fault"),
    (lambda ls: [ls[0], reframe(ls[1], lambda r: r.update(at="2026-06-25T00:00:00")),
                 *ls[2:]], r"^line 2\.at must carry a UTC offset"),
    (lambda ls: [ls[0], reframe(ls[1], lambda r: r.pop("seq")), *ls[2:]],
     r"^line 2: missing \['seq'\]"),
    (lambda ls: [ls[0], reframe(ls[1], lambda r: r.update(apiVersion="2099-01")), *ls[2:]],
     r"^line 2\.apiVersion: unsupported API version '2099-01'"),
    (lambda ls: [ls[0].replace("2026-04", "2099-01"), *ls[1:]],
     r"^line 1: unsupported API version '2099-01' in the header"),
], ids=["foreign header", "header not an object", "unknown version", "header bad JSON",
        "empty file", "unframed line", "record bad JSON", "bad CRC", "torn newline",
        "torn midway", "seq gap", "seq swapped", "bad status",
        "unknown fault", "naive time", "missing field", "unsupported record API version",
        "unsupported header API version"])
def test_reading_refuses_a_malformed_log_naming_the_line(mangle: Any, message: str) -> None:
    text = "".join(mangle(lines_of(sample_log())))
    with pytest.raises(ValueError, match=message):
        read_text(text)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r.update(operation="inventoryFrobnicate"),
     r"^line 2: unknown operation 'inventoryFrobnicate'"),
    (lambda r: _set(r, "input.changes", 5), r"^line 2\b.*input\.changes must be a list"),
], ids=["unknown operation", "malformed input"])
def test_reading_names_the_line_of_an_unknown_operation_or_malformed_input(
    edit: Any, message: str
) -> None:
    ls = lines_of(sample_log())
    ls[1] = reframe(ls[1], edit)
    with pytest.raises(ValueError, match=message):
        read_text("".join(ls))


def test_reading_refuses_an_unknown_operation_or_malformed_input() -> None:
    for edit in (lambda r: r.update(operation="inventoryFrobnicate"),
                 lambda r: _set(r, "input.changes", 5)):
        ls = lines_of(sample_log())
        ls[1] = reframe(ls[1], edit)
        with pytest.raises(ValueError, match=r"unknown operation|must be a list"):
            read_text("".join(ls))


def test_reading_refuses_an_over_long_line_before_parsing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = sample_log()
    assert len(lines_of(text)[0]) < 150 < len(lines_of(text)[1])
    monkeypatch.setattr(oplog, "MAX_LINE", 150)
    with pytest.raises(ValueError, match=r"^line 2: longer than 150 characters"):
        read_text(text)


def test_blank_lines_are_skipped_but_still_counted() -> None:
    ls = lines_of(sample_log())
    text = "".join([ls[0], "\n", ls[1], ls[2], "garbage\n", ls[3]])
    with pytest.raises(ValueError, match=r"^line 5: not a framed record"):
        read_text(text)
    _, records = read_text("".join([ls[0], "\n", *ls[1:], "\n"]))
    assert len(records) == 3


def test_from_oplog_reads_a_path_and_names_the_line_of_a_bad_one(tmp_path: Any) -> None:
    good = tmp_path / "log.jsonl"
    good.write_text(sample_log(), encoding="utf-8")
    ledger = Ledger.from_oplog(copy.deepcopy(STORE), good)
    assert len(ledger.journal) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(sample_log().replace('"delta":2', '"delta":5', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: checksum mismatch"):
        Ledger.from_oplog(copy.deepcopy(STORE), bad)


@pytest.mark.parametrize(("seq", "edit", "message"), [
    (3, lambda r: _set(r, "outcome.groupId", "gid://shopify/InventoryAdjustmentGroup/9"),
     r"record 3 \(inventoryAdjustQuantities\) gave replayed .*/1 "),
    (2, lambda r: _set(r, "outcome", {"status": "no-op", "groupId": None, "errors": []}),
     r"record 2 .*gave applied"),
    (3, lambda r: _set(r, "outcome.status", "applied"), r"record 3 "),
    (1, lambda r: _set(r, "outcome", {"status": "user-errors", "groupId": None,
                                      "errors": ["CHANGE_FROM_QUANTITY_STALE"]}),
     r"record 1 .*gave applied"),
    (2, lambda r: _set(r, "input.changes",
                       [{**r["input"]["changes"][0], "delta": 2_000_000_001}]),
     r"record 2 "),
    (1, lambda r: _set(r, "at", None), r"record 1 read the clock"),
])
def test_a_log_that_does_not_replay_raises_naming_the_record(
    seq: int, edit: Any, message: str
) -> None:
    ls = lines_of(sample_log())
    ls[seq] = reframe(ls[seq], edit)
    with pytest.raises(ReplayMismatchError, match=message):
        Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO("".join(ls)))


def test_reading_ahead_keeps_each_error_in_its_place() -> None:
    ls = lines_of(sample_log())
    torn = "".join(ls[:3]) + ls[3][:-1]  # line 4 (record 3) is incomplete
    for size in (1, 2, 3, 256):
        got: list[int] = []
        ahead = oplog.read_ahead(oplog.stream(io.StringIO(torn))[1], size)
        got.extend(next(ahead).seq for _ in range(2))
        with pytest.raises(ValueError, match=r"^line 4: the last line is incomplete"):
            next(ahead)
        assert got == [1, 2]
        whole = oplog.read_ahead(oplog.stream(io.StringIO("".join(ls)))[1], size)
        assert [r.seq for r in whole] == [1, 2, 3]
    # A record that does not replay is named before a malformed line read ahead after it.
    ls[2] = reframe(ls[2], lambda r: _set(r, "input.changes",
                                          [{**r["input"]["changes"][0], "delta": 2_000_000_001}]))
    with pytest.raises(ReplayMismatchError, match=r"^record 2 "):
        Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO("".join(ls[:3]) + ls[3][:-1]))


def test_a_replay_onto_the_wrong_snapshot_is_a_mismatch() -> None:
    other = copy.deepcopy(STORE)
    other["inventoryLevels"][0]["quantities"]["available"] = 0
    log = sample_log()
    # A change-from of null passes whatever the value; make the first call's guard exact.
    ledger, _ = fresh_ledger("2026-04")
    ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=ITEMS[0], location_id=LOCATIONS[0], delta=1, change_from_quantity=5)],
        idempotency_key="x")
    assert Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO(log)).snapshot()
    with pytest.raises(ReplayMismatchError, match="record 1"):
        Ledger.from_oplog(other, io.StringIO(exported(ledger)))


def test_a_result_outcome_summary_matches_the_documented_statuses() -> None:
    assert set(oplog.STATUSES) == {"applied", "no-op", "user-errors", "request-error",
                                   "replayed", "fault"}
    assert Outcome.of(Result(operation="inventoryDeactivate"), None).status == "no-op"


def test_replaying_onto_a_ledger_holding_an_unspent_group_number_reuses_no_id() -> None:
    from ledger import AdjustChange

    item, location = "gid://shopify/InventoryItem/1", "gid://shopify/Location/1"
    source = Ledger.example(api_version="2026-01")
    start = source.snapshot()
    source.adjust(name="available", reason="correction",
                  changes=[AdjustChange(item_id=item, location_id=location, delta=2)])
    target = Ledger.from_snapshot(start, "2026-01")
    # A no-op draws group number 1 and leaves it unspent.
    assert target.adjust(name="available", reason="correction", changes=[
        AdjustChange(item_id=item, location_id=location, delta=0)]).group is None
    target.replay(source.oplog[-1:])
    after = target.adjust(name="available", reason="correction",
                          changes=[AdjustChange(item_id=item, location_id=location, delta=1)])
    assert [g.id for g in target.journal] == [
        "gid://shopify/InventoryAdjustmentGroup/1", "gid://shopify/InventoryAdjustmentGroup/2"]
    assert after.group is not None
    target._check()


# ---------------------------------------------------------------------- hostile input

HUGE = "1" * 5000


@pytest.mark.parametrize(("text", "message", "column"), [
    ("[1, NaN]", "NaN is not JSON: RFC 8259 has no NaN or Infinity", 5),
    ('{"a": "NaN", "b": Infinity}', "Infinity is not JSON", 19),
    ('{"a": "Infinity"}\n', None, None),
    ("[-Infinity]", "-Infinity is not JSON", 2),
    (f"[1,\n {HUGE}]", "an integer of 5000 digits, over the 4300 this reader takes", 2),
    (f'["{HUGE}", -{HUGE}]', "an integer of 5000 digits", 5006),
    (f"[1.{HUGE}, 1e{HUGE}]", None, None),  # long fractions and exponents read as floats
    ("[1e400]", None, None),  # a valid JSON number (infinity once read): not refused here
], ids=["nan", "infinity", "string-nan", "minus-infinity", "huge-int", "huge-negative-int",
        "huge-float", "overflowing-float"])
def test_loads_refuses_what_rfc_8259_does_not_allow_or_python_cannot_read_naming_where(
    text: str, message: str | None, column: int | None
) -> None:
    if message is None:
        assert oplog.loads(text) == json.loads(text)
        return
    with pytest.raises(json.JSONDecodeError) as raised:
        oplog.loads(text)
    assert raised.value.msg == message or raised.value.msg.startswith(message)
    assert raised.value.colno == column


@pytest.mark.parametrize(("text", "ok"), [
    ("0001-01-01T00:00:00+14:00", False),
    ("9999-12-31T23:59:59-14:00", False),
    ("9999-12-31T23:59:59.999999-00:01", False),
    ("0001-01-01T00:00:00+00:00", True),
    ("0001-01-01T13:59:59-10:00", True),
    ("9999-12-31T23:59:59.999999+00:00", True),
])
def test_parse_time_refuses_a_time_that_falls_outside_years_1_to_9999_in_utc(
    text: str, ok: bool
) -> None:
    if ok:
        assert oplog.parse_time(text, "at").isoformat() == text
        return
    with pytest.raises(ValueError, match=r"^line 9\.at is out of range once converted to UTC"):
        oplog.parse_time(text, "line 9.at")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('"delta":2', '"delta":' + HUGE),
     r"^line 3: not valid JSON at column \d+ \(an integer of 5000 digits"),
    (lambda t: t.replace('"seq":2', '"seq":' + HUGE), r"^line 3: not valid JSON at column 37 "),
    (lambda t: t.replace('"delta":2', '"delta":NaN'), r"^line 3: not valid JSON .*NaN is not"),
    (lambda t: re.sub(r'"at":"[^"]*"', '"at":"0001-01-01T00:00:00+14:00"', t),
     r"^line 3\.at is out of range once converted to UTC"),
    (lambda t: re.sub(r'"at":"[^"]*"', '"at":"9999-12-31T23:59:59-14:00"', t),
     r"^line 3\.at is out of range once converted to UTC"),
], ids=["huge-delta", "huge-seq", "nan", "at-before-year-1", "at-after-year-9999"])
def test_reading_names_the_line_of_a_record_python_cannot_read_or_place_in_time(
    edit: Any, message: str
) -> None:
    ls = lines_of(sample_log())
    text = edit(ls[2][len('{"crc32":"00000000","record":'):-2])
    ls[2] = f'{{"crc32":"{zlib.crc32(text.encode()):08x}","record":{text}}}\n'
    with pytest.raises(ValueError, match=message):
        read_text("".join(ls))


def test_a_line_of_only_a_unicode_separator_is_not_blank() -> None:
    ls = lines_of(sample_log())
    for junk in ("\u2028\n", "\x1c\n", "\x85\n"):
        with pytest.raises(ValueError, match=r"^line 3: not a framed record"):
            read_text("".join([ls[0], ls[1], junk, *ls[2:]]))


def test_from_oplog_names_the_file_and_the_line_of_a_bad_one(tmp_path: Any) -> None:
    bad = tmp_path / "bad.jsonl"
    ls = lines_of(sample_log())
    ls[2] = reframe(ls[2], lambda r: r.update(at="0001-01-01T00:00:00+14:00"))
    bad.write_text("".join(ls), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(bad))}: line 3\.at is out of"):
        Ledger.from_oplog(copy.deepcopy(STORE), bad)
    ls = lines_of(sample_log())
    ls[3] = reframe(ls[3], lambda r: _set(r, "outcome.status", "applied"))
    bad.write_text("".join(ls), encoding="utf-8")
    with pytest.raises(ReplayMismatchError, match=rf"^{re.escape(str(bad))}: record 3 "):
        Ledger.from_oplog(copy.deepcopy(STORE), bad)


def test_from_oplog_names_the_line_of_bytes_that_are_not_utf8(tmp_path: Any) -> None:
    raw = sample_log().encode().splitlines(keepends=True)
    raw[2] = raw[2].replace(b'"correction"', b'"correc\xfftion"', 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(raw))
    with pytest.raises(ValueError, match=r"bad\.jsonl: line 3: not UTF-8 text"):
        Ledger.from_oplog(copy.deepcopy(STORE), bad)
    # A caller's own strict stream decodes ahead: the line named is where it noticed.
    with open(bad, encoding="utf-8") as f, pytest.raises(
            ValueError, match=r"^line 1: not UTF-8 text, at or after this line"):
        oplog.read(f)


def test_a_log_naming_one_group_twice_does_not_replay_rather_than_breaking_the_journal() -> None:
    ls = lines_of(sample_log())
    group = "gid://shopify/InventoryAdjustmentGroup/1"
    ls[2] = reframe(ls[2], lambda r: _set(r, "outcome.groupId", group))
    with pytest.raises(ReplayMismatchError,
                       match=f"^record 2 names the group {group}, which the journal already"):
        Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO("".join(ls)))


def test_a_log_at_the_first_instant_of_year_1_replays() -> None:
    clock = FakeClock(datetime(1, 1, 1, tzinfo=UTC))
    ledger = Ledger.from_snapshot(copy.deepcopy(STORE), "2026-04", clock)
    change = AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0], delta=2,
                          change_from_quantity=None)
    for key in ("a", "a"):
        ledger.adjust(name="available", reason="correction", changes=[change],
                      idempotency_key=key)
    again = Ledger.from_oplog(copy.deepcopy(STORE), io.StringIO(exported(ledger)))
    assert again.snapshot() == ledger.snapshot()


# ---------------------------------------------------------------------- trusting replay


def _journal_json(ledger: Ledger) -> str:
    from ledger.shopify.codec import group_json

    return json.dumps([group_json(g, quantity_after_change=True) for g in ledger.journal])


def _replayed(text: str, clock: FakeClock, *, verify: bool) -> tuple[Ledger, list[Any]]:
    """The starting snapshot with ``text``'s records (read afresh) replayed onto it."""
    head, records = oplog.read(io.StringIO(text))
    options = {}
    if "loadedAt" in head:
        options["loaded_at"] = oplog.parse_time(head["loadedAt"], "loadedAt")
    ledger = Ledger.from_snapshot(copy.deepcopy(STORE), head["apiVersion"], clock, **options)
    assert ledger.replay(records, verify=verify) == len(records)
    return ledger, records


@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(
    version=st.sampled_from(MACHINE_VERSIONS),
    seed=st.integers(0, 2**16),
    rate=st.sampled_from([0.0, 0.1, 0.3]),
    before=steps(16, min_size=4, backwards=True),
    after=steps(6),
)
def test_a_trusting_replay_and_a_verifying_replay_give_byte_identical_ledgers(
    version: str, seed: int, rate: float, before: list[Step], after: list[Step]
) -> None:
    live, clock = fresh_ledger(version, faults=FaultPlan(seed=seed, rate=rate))
    runner = Runner()
    run_all(live, clock, runner, before)
    text = exported(live)

    trusting = Engine._apply_trusted
    trusted_seqs: list[int] = []

    def spy(engine: Engine, record: Any) -> None:
        trusted_seqs.append(record.seq)
        trusting(engine, record)

    with mock.patch.object(Engine, "_apply_trusted", spy):
        trusted, records = _replayed(text, FakeClock(clock.now), verify=False)
        applied = [r.seq for r in records if r.outcome.status == "applied"]
        # An applied record is applied as its log says; the others are run again.
        assert trusted_seqs == applied
        verified, _ = _replayed(text, FakeClock(clock.now), verify=True)
        assert trusted_seqs == applied  # a verifying replay trusts no record
    for ledger in (trusted, verified):
        ledger._check()
    assert trusted.snapshot() == verified.snapshot() == live.snapshot()
    assert _journal_json(trusted) == _journal_json(verified) == _journal_json(live)
    assert exported(trusted) == exported(verified) == text
    assert trusted.oplog == verified.oplog == live.oplog == records

    # Every key replays (or has expired, or mismatches) the same way on both afterwards.
    trusted.faults = verified.faults = None
    twin = runner.copy()
    assert (run_all(trusted, trusted._clock, runner, after)  # type: ignore[arg-type]
            == run_all(verified, verified._clock, twin, after))  # type: ignore[arg-type]
    for record in [r for r in records if r.idempotency_key is not None][-6:]:
        a = trusted.run(record.command, record.idempotency_key, api_version=record.api_version)
        b = verified.run(record.command, record.idempotency_key,
                         api_version=record.api_version)
        assert a == b
    for ledger in (trusted, verified):
        ledger._check()
    assert trusted.snapshot() == verified.snapshot()
    assert _journal_json(trusted) == _journal_json(verified)
    assert exported(trusted) == exported(verified)


def test_a_trusting_replay_refuses_an_applied_record_whose_key_is_still_remembered() -> None:
    ledger, _ = fresh_ledger("2026-04")
    change = AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0], delta=2,
                          change_from_quantity=None)
    for _ in range(2):  # the second call replays the first
        ledger.adjust(name="available", reason="correction", changes=[change],
                      idempotency_key="same")
    ls = lines_of(exported(ledger))
    ls[2] = reframe(ls[2], lambda r: _set(r, "outcome", {
        "status": "applied", "groupId": "gid://shopify/InventoryAdjustmentGroup/2",
        "errors": []}))
    for verify in (False, True):
        _, records = oplog.read(io.StringIO("".join(ls)))
        target, _ = fresh_ledger("2026-04")
        with pytest.raises(ReplayMismatchError, match=r"^record 2 "):
            target.replay(records, verify=verify)
        # The record before it stands; the refused one changed nothing (a verifying replay
        # has logged the call it ran, as it always has).
        assert [g.id for g in target.journal] == ["gid://shopify/InventoryAdjustmentGroup/1"]
        assert len(target.oplog) == (2 if verify else 1)
        target._check()


def test_a_closed_durable_ledger_refuses_a_replay_rather_than_dropping_it_from_its_journal(
    tmp_path: Any,
) -> None:
    from ledger.api import open_ledger
    from ledger.durable import DurabilityError

    source, _ = fresh_ledger("2026-04")
    source.adjust(name="available", reason="correction", idempotency_key="a", changes=[
        AdjustChange(item_id=ITEMS[0], location_id=LOCATIONS[0], delta=2,
                     change_from_quantity=None)])
    ledger = open_ledger(tmp_path / "store", snapshot=copy.deepcopy(STORE),
                         api_version="2026-04", clock=FakeClock())
    before = ledger.snapshot()
    ledger.close()
    with pytest.raises(DurabilityError, match="closed"):
        ledger.replay(source.oplog)
    assert ledger.snapshot() == before
    assert list(ledger.journal) == []
