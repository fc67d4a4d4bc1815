"""Seeded workloads: each times the ledger and a bare-dict loop on the same inputs.

A workload returns ``Figure`` values. Throughput figures are "units per second" (higher is
better) and their ratio is ledger / baseline; memory figures are bytes (lower is better)
and their ratio is ledger / baseline too (how many times the bare dicts' footprint).
"""

from __future__ import annotations

import bisect
import gc
import io
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger import AdjustChange, Ledger, MoveChange, MoveTerminal, SetQuantity
from ledger.core.clock import ManualClock
from ledger.core.idempotency import WINDOW
from ledger.core.quantities import STORED
from ledger.store import oplog as oplog_format

try:  # Shopify caps input arrays (250); the ledger enforces the cap as a request error.
    from ledger.core.errors import MAX_INPUT_SIZE
except ImportError:  # pragma: no cover - an older ledger without the cap
    MAX_INPUT_SIZE = 1000  # type: ignore[misc]
#: Changes per call of the batch adjust: issue 5 asks for 1,000, the input cap allows fewer.
BATCH = min(1000, MAX_INPUT_SIZE)

VERSION = "2026-04"
START = datetime(2026, 1, 1, tzinfo=UTC)
LOCATIONS = 10
ITEM = "gid://shopify/InventoryItem/"
LOCATION = "gid://shopify/Location/"
#: Every level starts with this much available, so no workload ever runs a level dry.
STOCK = 1_000_000
ADJUST_MUTATION = "inventoryAdjustQuantities"
GRAPHQL_ADJUST = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id name } } }
    userErrors { field message code }
  }
}
"""

#: A bare level: stored quantity name -> value.
Bare = dict[tuple[str, str], dict[str, int]]


@dataclass(frozen=True)
class Config:
    """How big and how often: ``full`` or ``quick``."""

    name: str
    seed: int
    level_sizes: tuple[int, ...]
    reps: int
    calls: int  # single-change calls per repetition
    big_calls: int  # 1,000-change adjusts per repetition
    forks: int  # fork() calls per repetition
    journal_sizes: tuple[int, ...]
    replay_reps: int
    lookups: int  # as-of lookups per repetition
    memory_levels: int
    longrun_calls: int
    longrun_step: float  # simulated seconds between calls


FULL = Config("full", 20260401, (10**3, 10**4, 10**5, 10**6), 5, 5_000, 10, 200,
              (10**3, 10**6), 3, 20_000, 10**6, 60_000, 10.0)
QUICK = Config("quick", 20260401, (10**3, 10**4), 3, 1_000, 3, 50,
               (10**3, 10**4), 2, 5_000, 10**4, 12_000, 60.0)


@dataclass(frozen=True)
class Stats:
    """Min, median and max of one figure over repetitions."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        return cls(min(values), statistics.median(values), max(values))


@dataclass
class Figure:
    """One measured figure: the ledger's, the baseline's and their ratio (of medians)."""

    workload: str
    size: int
    size_unit: str  # "levels", "entries", "ops"
    unit: str  # "calls/s", "changes/s", "bytes/level", ...
    ledger: Stats
    baseline: Stats | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.median:
            return None
        return self.ledger.median / self.baseline.median


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- inputs


def seeded(seed: int) -> random.Random:
    """Return the seeded generator every workload draws its inputs from (not for secrets)."""
    return random.Random(seed)  # noqa: S311 - reproducible inputs, not cryptography


def make_snapshot(levels: int) -> dict[str, Any]:
    """Return a snapshot of ``levels`` stocked levels: ``levels / 10`` items at 10 locations."""
    items = max(1, levels // LOCATIONS)
    return {
        "locations": [{"id": f"{LOCATION}{j}", "name": f"Location {j}"}
                      for j in range(1, LOCATIONS + 1)],
        "inventoryItems": [{"id": f"{ITEM}{i}"} for i in range(1, items + 1)],
        "inventoryLevels": [
            {"inventoryItemId": f"{ITEM}{i}", "locationId": f"{LOCATION}{j}",
             "quantities": {"available": STOCK}}
            for i in range(1, items + 1) for j in range(1, LOCATIONS + 1)
        ],
    }


def make_bare(snapshot: dict[str, Any]) -> Bare:
    """Return the baseline's state: plain dicts of stored quantities, keyed by level."""
    bare: Bare = {}
    for level in snapshot["inventoryLevels"]:
        q = dict.fromkeys(STORED, 0)
        q.update(level.get("quantities", {}))
        bare[(level["inventoryItemId"], level["locationId"])] = q
    return bare


def pick(rng: random.Random, levels: int) -> tuple[str, str]:
    """Return a random level's (item, location) as fresh strings, as a caller has them."""
    n = rng.randrange(max(1, levels // LOCATIONS) * LOCATIONS)
    return f"{ITEM}{n // LOCATIONS + 1}", f"{LOCATION}{n % LOCATIONS + 1}"


def deltas(seed: int, levels: int, count: int) -> list[tuple[str, str, int]]:
    """Return ``count`` seeded single-level changes: (item, location, non-zero delta)."""
    rng = seeded(seed)
    out = []
    for _ in range(count):
        item, location = pick(rng, levels)
        out.append((item, location, rng.choice((-3, -2, -1, 1, 2, 3))))
    return out


def distinct_changes(seed: int, levels: int, count: int) -> list[tuple[str, str, int]]:
    """Return ``count`` changes to distinct levels (one adjust may name a level once)."""
    rng = seeded(seed)
    total = max(1, levels // LOCATIONS) * LOCATIONS
    return [(f"{ITEM}{n // LOCATIONS + 1}", f"{LOCATION}{n % LOCATIONS + 1}",
             rng.choice((-3, -2, -1, 1, 2, 3)))
            for n in rng.sample(range(total), count)]


# ---------------------------------------------------------------------- timing


def timed(run: Callable[[], int]) -> float:
    """Return the throughput (units per second) of one call of ``run``, which counts units."""
    gc.collect()
    start = time.perf_counter()
    units = run()
    return units / (time.perf_counter() - start)


def paired(reps: int, ledger_rep: Callable[[int], Callable[[], int]],
           baseline_rep: Callable[[int], Callable[[], int]] | None) -> tuple[Stats, Stats | None]:
    """Time ``reps`` repetitions, ledger then baseline in turn (so drift hits both alike).

    ``ledger_rep(rep)`` prepares repetition ``rep`` untimed and returns the timed part.
    """
    mine: list[float] = []
    theirs: list[float] = []
    for rep in range(reps):
        mine.append(timed(ledger_rep(rep)))
        if baseline_rep is not None:
            theirs.append(timed(baseline_rep(rep)))
    return Stats.of(mine), Stats.of(theirs) if theirs else None


class Store:
    """One ledger at one size with its bare twin, shared by the per-size workloads."""

    def __init__(self, levels: int, *, record: bool = False) -> None:
        snapshot = make_snapshot(levels)
        self.levels = levels
        self.clock = ManualClock(START)
        self.ledger = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=self.clock,
                                           record=record)
        self.bare = make_bare(snapshot)

    def next_window(self) -> None:
        """Move past the idempotency window so every repetition starts with no live keys."""
        self.clock.advance(WINDOW.total_seconds() + 3600)


def _check_ok(body: dict[str, Any], operation: str) -> None:
    payload = (body.get("data") or {}).get(operation)
    if payload is None or payload["userErrors"]:
        raise RuntimeError(f"benchmark call failed: {body}")


# ---------------------------------------------------------------------- per-size workloads


def adjust_execute(cfg: Config, store: Store) -> Figure:
    ledger, bare = store.ledger, store.bare

    def ledger_rep(rep: int) -> Callable[[], int]:
        ops = deltas(cfg.seed + rep, store.levels, cfg.calls)
        store.next_window()
        keys = [f"exec-{rep}-{k}" for k in range(len(ops))]

        def run() -> int:
            execute = ledger.execute
            body: dict[str, Any] = {}
            for (item, location, delta), key in zip(ops, keys, strict=True):
                body = execute(ADJUST_MUTATION, {"input": {
                    "name": "available", "reason": "correction", "changes": [{
                        "inventoryItemId": item, "locationId": location, "delta": delta,
                        "changeFromQuantity": None}]}}, idempotency_key=key)
            _check_ok(body, ADJUST_MUTATION)
            return len(ops)

        return run

    stats, base = paired(cfg.reps, ledger_rep, _bare_adjust(cfg, store, bare))
    return Figure("adjust-execute", store.levels, "levels", "calls/s", stats, base,
                  "1 change/call, fresh key, changeFromQuantity null")


def _bare_adjust(cfg: Config, store: Store, bare: Bare) -> Callable[[int], Callable[[], int]]:
    def baseline_rep(rep: int) -> Callable[[], int]:
        ops = deltas(cfg.seed + rep, store.levels, cfg.calls)

        def run() -> int:
            for item, location, delta in ops:
                bare[(item, location)]["available"] += delta
            return len(ops)

        return run

    return baseline_rep


def adjust_pythonic(cfg: Config, store: Store) -> Figure:
    ledger = store.ledger

    def ledger_rep(rep: int) -> Callable[[], int]:
        ops = deltas(cfg.seed + rep, store.levels, cfg.calls)
        store.next_window()
        keys = [f"py-{rep}-{k}" for k in range(len(ops))]

        def run() -> int:
            adjust = ledger.adjust
            ok = True
            for (item, location, delta), key in zip(ops, keys, strict=True):
                ok &= adjust(name="available", reason="correction", idempotency_key=key,
                             changes=[AdjustChange(item_id=item, location_id=location,
                                                   delta=delta, change_from_quantity=None)]).ok
            if not ok:
                raise RuntimeError("a benchmark adjust failed")
            return len(ops)

        return run

    stats, base = paired(cfg.reps, ledger_rep, _bare_adjust(cfg, store, store.bare))
    return Figure("adjust-pythonic", store.levels, "levels", "calls/s", stats, base,
                  "Ledger.adjust, 1 change/call, fresh key")


def adjust_1000(cfg: Config, store: Store) -> Figure:
    ledger, bare = store.ledger, store.bare
    # Issue 5 asks for 1,000 changes; one call may carry at most MAX_INPUT_SIZE of them.
    width = min(BATCH, store.levels)

    def batches(rep: int) -> list[list[tuple[str, str, int]]]:
        return [distinct_changes(cfg.seed * 7 + rep * 1000 + b, store.levels, width)
                for b in range(cfg.big_calls)]

    def ledger_rep(rep: int) -> Callable[[], int]:
        calls = batches(rep)
        store.next_window()

        def run() -> int:
            for b, changes in enumerate(calls):
                result = ledger.adjust(
                    name="available", reason="correction", idempotency_key=f"big-{rep}-{b}",
                    changes=[AdjustChange(item_id=i, location_id=loc, delta=d,
                                          change_from_quantity=None) for i, loc, d in changes])
                if not result.ok:
                    raise RuntimeError(f"a benchmark adjust failed: {result.user_errors}")
            return len(calls) * width

        return run

    def baseline_rep(rep: int) -> Callable[[], int]:
        calls = batches(rep)

        def run() -> int:
            for changes in calls:
                for item, location, delta in changes:
                    bare[(item, location)]["available"] += delta
            return len(calls) * width

        return run

    stats, base = paired(cfg.reps, ledger_rep, baseline_rep)
    return Figure("adjust-batch", store.levels, "levels", "changes/s", stats, base,
                  f"one Ledger.adjust of {width} changes (the input cap), per change")


def move(cfg: Config, store: Store) -> Figure:
    ledger, bare = store.ledger, store.bare

    def inputs(rep: int) -> list[tuple[str, str, int]]:
        return [(i, loc, abs(d)) for i, loc, d in deltas(cfg.seed * 3 + rep, store.levels,
                                                         cfg.calls)]

    def ledger_rep(rep: int) -> Callable[[], int]:
        ops = inputs(rep)
        store.next_window()

        def run() -> int:
            ok = True
            for k, (item, location, qty) in enumerate(ops):
                doc = f"logistics://rma/{rep}-{k}"
                ok &= ledger.move(
                    reason="damaged", reference_document_uri=doc,
                    idempotency_key=f"move-{rep}-{k}",
                    changes=[MoveChange(
                        item_id=item, quantity=qty,
                        from_=MoveTerminal(location_id=location, name="available",
                                           change_from_quantity=None),
                        to=MoveTerminal(location_id=location, name="damaged",
                                        ledger_document_uri=doc, change_from_quantity=None))],
                ).ok
            if not ok:
                raise RuntimeError("a benchmark move failed")
            return len(ops)

        return run

    def baseline_rep(rep: int) -> Callable[[], int]:
        ops = inputs(rep)

        def run() -> int:
            for item, location, qty in ops:
                q = bare[(item, location)]
                q["available"] -= qty
                q["damaged"] += qty
            return len(ops)

        return run

    stats, base = paired(cfg.reps, ledger_rep, baseline_rep)
    return Figure("move", store.levels, "levels", "calls/s", stats, base,
                  "Ledger.move available->damaged, 1 change/call")


def set_(cfg: Config, store: Store) -> Figure:
    ledger, bare = store.ledger, store.bare

    def inputs(rep: int) -> list[tuple[str, str, int]]:
        return [(i, loc, STOCK + d * 10) for i, loc, d in deltas(cfg.seed * 5 + rep,
                                                                 store.levels, cfg.calls)]

    def ledger_rep(rep: int) -> Callable[[], int]:
        ops = inputs(rep)
        store.next_window()

        def run() -> int:
            ok = True
            for k, (item, location, value) in enumerate(ops):
                ok &= ledger.set(
                    name="available", reason="correction", idempotency_key=f"set-{rep}-{k}",
                    quantities=[SetQuantity(item_id=item, location_id=location, quantity=value,
                                            change_from_quantity=None)],
                ).ok
            if not ok:
                raise RuntimeError("a benchmark set failed")
            return len(ops)

        return run

    def baseline_rep(rep: int) -> Callable[[], int]:
        ops = inputs(rep)

        def run() -> int:
            for item, location, value in ops:
                bare[(item, location)]["available"] = value
            return len(ops)

        return run

    stats, base = paired(cfg.reps, ledger_rep, baseline_rep)
    return Figure("set", store.levels, "levels", "calls/s", stats, base,
                  "Ledger.set available, 1 quantity/call")


def fork(cfg: Config, store: Store) -> Figure:
    """Time ``fork()`` calls, each after one write to the parent (so each freezes something).

    The baseline is an independent copy of the bare dicts (a dict of copied level dicts),
    the cheapest what-if copy without copy on write: O(levels).
    """
    ledger, bare = store.ledger, store.bare
    ops = deltas(cfg.seed * 11, store.levels, cfg.forks * cfg.reps)
    forks: list[float] = []
    for rep in range(cfg.reps):
        store.next_window()
        spent = 0.0
        gc.collect()
        for k in range(cfg.forks):
            item, location, delta = ops[rep * cfg.forks + k]
            ledger.adjust(name="available", reason="correction", idempotency_key=f"f-{rep}-{k}",
                          changes=[AdjustChange(item_id=item, location_id=location, delta=delta,
                                                change_from_quantity=None)])
            start = time.perf_counter()
            child = ledger.fork()
            spent += time.perf_counter() - start
            del child
        forks.append(cfg.forks / spent)
    copies = max(1, min(cfg.forks, 10**5 // store.levels))

    def baseline_rep(_rep: int) -> Callable[[], int]:
        def run() -> int:
            for _ in range(copies):
                copy = {key: q.copy() for key, q in bare.items()}
                del copy
            return copies

        return run

    base = Stats.of([timed(baseline_rep(rep)) for rep in range(cfg.reps)])
    return Figure("fork", store.levels, "levels", "forks/s", Stats.of(forks), base,
                  "one write to the parent before each fork; baseline: copy of the dicts")


def graphql_vs_execute(cfg: Config, store: Store) -> list[Figure]:
    """``graphql()`` with one cached document against ``execute()`` for the same calls."""
    ledger = store.ledger
    ops = deltas(cfg.seed * 13, store.levels, cfg.calls)

    def variables(item: str, location: str, delta: int) -> dict[str, Any]:
        return {"name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": item, "locationId": location, "delta": delta,
            "changeFromQuantity": None}]}

    def graphql_rep(rep: int) -> Callable[[], int]:
        store.next_window()
        ledger.graphql(GRAPHQL_ADJUST, {"input": variables(*ops[0]), "key": f"warm-{rep}"})

        def run() -> int:
            body: dict[str, Any] = {}
            for k, (item, location, delta) in enumerate(ops):
                body = ledger.graphql(GRAPHQL_ADJUST, {"input": variables(item, location, delta),
                                                       "key": f"gql-{rep}-{k}"})
            _check_ok(body, ADJUST_MUTATION)
            return len(ops)

        return run

    def execute_rep(rep: int) -> Callable[[], int]:
        store.next_window()

        def run() -> int:
            body: dict[str, Any] = {}
            for k, (item, location, delta) in enumerate(ops):
                body = ledger.execute(ADJUST_MUTATION, {"input": variables(item, location, delta)},
                                      idempotency_key=f"gex-{rep}-{k}")
            _check_ok(body, ADJUST_MUTATION)
            return len(ops)

        return run

    def bare_rep(_rep: int) -> Callable[[], int]:
        def run() -> int:
            for item, location, delta in ops:
                store.bare[(item, location)]["available"] += delta
            return len(ops)

        return run

    gql, base = paired(cfg.reps, graphql_rep, bare_rep)
    exe, _ = paired(cfg.reps, execute_rep, None)
    return [
        Figure("graphql", store.levels, "levels", "calls/s", gql, base,
               "cached document, key as a variable; ratio vs bare dict"),
        Figure("graphql/execute", store.levels, "levels", "calls/s", gql, exe,
               "same calls; baseline column is execute()"),
    ]


# ---------------------------------------------------------------------- journal workloads


@dataclass
class Journaled:
    """A ledger that ran ``ops`` calls (a seeded mix), with its log and starting snapshot."""

    levels: int
    ops: int
    snapshot: dict[str, Any]
    ledger: Ledger
    start: datetime
    end: datetime


def build_journal(cfg: Config, ops: int, levels: int = 10**3) -> Journaled:
    """Run ``ops`` calls, one simulated second apart: 80% adjusts, 10% moves, 10% sets."""
    snapshot = make_snapshot(levels)
    clock = ManualClock(START)
    ledger = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=clock)
    rng = seeded(cfg.seed * 17 + ops)
    for k in range(ops):
        item, location = pick(rng, levels)
        kind = rng.random()
        key = f"j-{k}"
        if kind < 0.8:
            result = ledger.adjust(
                name="available", reason="correction", idempotency_key=key,
                changes=[AdjustChange(item_id=item, location_id=location,
                                      delta=rng.choice((-3, -2, -1, 1, 2, 3)),
                                      change_from_quantity=None)])
        elif kind < 0.9:
            qty = rng.randint(1, 3)
            doc = f"logistics://rma/{k}"
            result = ledger.move(
                reason="damaged", reference_document_uri=doc, idempotency_key=key,
                changes=[MoveChange(item_id=item, quantity=qty,
                                    from_=MoveTerminal(location_id=location, name="available",
                                                       change_from_quantity=None),
                                    to=MoveTerminal(location_id=location, name="damaged",
                                                    ledger_document_uri=doc,
                                                    change_from_quantity=None))])
        else:
            result = ledger.set(
                name="available", reason="correction", idempotency_key=key,
                quantities=[SetQuantity(item_id=item, location_id=location,
                                        quantity=STOCK + rng.randint(-50, 50),
                                        change_from_quantity=None)])
        if not result.ok:
            raise RuntimeError(f"journal call {k} failed: {result.user_errors}")
        clock.advance(1)
    return Journaled(levels, ops, snapshot, ledger, START, clock())


def replay(cfg: Config, journaled: Journaled) -> list[Figure]:
    """Replay the journal's log (written and read back) onto its starting snapshot."""
    buffer = io.StringIO()
    start = time.perf_counter()
    journaled.ledger.export_oplog(buffer)
    written = time.perf_counter() - start
    buffer.seek(0)
    start = time.perf_counter()
    _, records = oplog_format.read(buffer)
    parsed = time.perf_counter() - start
    size = len(buffer.getvalue())
    del buffer
    rows = [(c.item_id, c.location_id, c.name, c.delta)
            for group in journaled.ledger.journal for c in group.changes if c.name != "on_hand"]
    expected = journaled.ledger.snapshot()
    checked = False

    def ledger_rep(_rep: int) -> Callable[[], int]:
        target = Ledger.from_snapshot(journaled.snapshot, api_version=VERSION,
                                      clock=ManualClock(journaled.end))

        def run() -> int:
            nonlocal checked
            count = target.replay(records)
            if not checked:
                if target.snapshot() != expected:
                    raise RuntimeError("replay did not reproduce the state")
                checked = True
            return count

        return run

    def baseline_rep(_rep: int) -> Callable[[], int]:
        bare = make_bare(journaled.snapshot)

        def run() -> int:
            for item, location, name, delta in rows:
                bare[(item, location)][name] += delta
            return len(records)

        return run

    stats, base = paired(cfg.replay_reps, ledger_rep, baseline_rep)
    ops = journaled.ops
    return [
        Figure("replay", ops, "ops", "ops/s", stats, base,
               "Ledger.replay of read-back records (80% adjust, 10% move, 10% set)"),
        Figure("oplog-write+read", ops, "ops", "ops/s",
               Stats.of([ops / (written + parsed)]), None,
               f"export {ops / written:,.0f}/s, read {ops / parsed:,.0f}/s, "
               f"{size / ops:.0f} B/op of JSON; 1 rep"),
    ]


def asof(cfg: Config, journaled: Journaled) -> Figure:
    """``quantity_at`` at random levels and instants; baseline: bisect over per-level lists."""
    ledger = journaled.ledger
    span = (journaled.end - journaled.start).total_seconds()
    times: dict[tuple[str, str], list[float]] = {}
    values: dict[tuple[str, str], list[int]] = {}
    for group in ledger.journal:
        ts = group.created_at.timestamp()
        for c in group.changes:
            if c.name == "available":
                key = (c.item_id, c.location_id)
                times.setdefault(key, []).append(ts)
                values.setdefault(key, []).append(c.quantity_after_change)
    first = dict.fromkeys(times, STOCK)  # every level starts with STOCK available

    def queries(rep: int) -> list[tuple[str, str, datetime]]:
        rng = seeded(cfg.seed * 19 + rep)
        return [(*pick(rng, journaled.levels),
                 journaled.start + timedelta(seconds=rng.uniform(0, span)))
                for _ in range(cfg.lookups)]

    def ledger_rep(rep: int) -> Callable[[], int]:
        qs = queries(rep)

        def run() -> int:
            quantity_at = ledger.quantity_at
            for item, location, when in qs:
                quantity_at(item, location, "available", when)
            return len(qs)

        return run

    def baseline_rep(rep: int) -> Callable[[], int]:
        qs = queries(rep)

        def run() -> int:
            for item, location, when in qs:
                key = (item, location)
                ts = times.get(key)
                if ts is None:
                    continue
                i = bisect.bisect_right(ts, when.timestamp())
                _ = values[key][i - 1] if i else first[key]
            return len(qs)

        return run

    stats, base = paired(cfg.reps, ledger_rep, baseline_rep)
    return Figure("asof", len(ledger.journal), "entries", "lookups/s", stats, base,
                  f"quantity_at over {journaled.levels} levels; baseline: bisect per level")


# ---------------------------------------------------------------------- memory


def _traced(build: Callable[[], object]) -> tuple[int, object]:
    """Return the bytes still allocated by ``build``'s result (tracemalloc) and the result."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before, kept
    finally:
        tracemalloc.stop()


def memory_per_level(cfg: Config) -> Figure:
    """Bytes per stocked level of a ledger loaded from a snapshot, ids included.

    The snapshot is built and dropped inside the traced region, so the id strings that
    the ledger keeps count and the snapshot's own dicts do not.
    """
    n = cfg.memory_levels

    def build_ledger() -> object:
        return Ledger.from_snapshot(make_snapshot(n), api_version=VERSION, record=False)

    def build_bare() -> object:
        return make_bare(make_snapshot(n))

    mine, kept = _traced(build_ledger)
    del kept
    theirs, kept = _traced(build_bare)
    del kept
    gc.collect()
    return Figure("memory/level", n, "levels", "bytes/level", Stats.of([mine / n]),
                  Stats.of([theirs / n]), "tracemalloc, freshly loaded; 1 rep (deterministic)")


def _checkpoints(ledger: Ledger, clock: ManualClock, cfg: Config,
                 ops: list[tuple[str, str, int]]) -> Iterator[tuple[int, int, int]]:
    """Run ``ops`` with fresh keys, ``longrun_step`` apart; yield (calls, bytes, live keys)."""
    every = max(1, len(ops) // 20)
    for k, (item, location, delta) in enumerate(ops, 1):
        ledger.adjust(name="available", reason="correction", idempotency_key=f"long-{k}",
                      changes=[AdjustChange(item_id=item, location_id=location, delta=delta,
                                            change_from_quantity=None)])
        clock.advance(cfg.longrun_step)
        if k % every == 0:
            gc.collect()
            yield k, tracemalloc.get_traced_memory()[0], len(ledger._keys)


def memory_longrun(cfg: Config) -> list[Figure]:
    """Memory over a long run with a fresh key per call, with and without the journal.

    ``record=False`` turns the operation log off; ``keep_journal=False`` the in-memory
    adjustment-group journal (the audit trail then lives in a durable store's file, or
    nowhere), leaving the idempotency store, which must be flat once its window is full.
    """
    levels = 10**3
    window_calls = int(WINDOW.total_seconds() / cfg.longrun_step)
    ops = deltas(cfg.seed * 23, levels, cfg.longrun_calls)
    figures = []
    snapshot = make_snapshot(levels)
    bare_bytes, kept = _traced(lambda: make_bare(make_snapshot(levels)))
    del kept
    for journal in (True, False):
        clock = ManualClock(START)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            ledger = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=clock,
                                          record=False, keep_journal=journal)
            points = [(k, used - before, keys)
                      for k, used, keys in _checkpoints(ledger, clock, cfg, ops)]
        finally:
            tracemalloc.stop()
        # Measure from twice the window (or half the run, if later): by then the window
        # has turned over once and every level has had its first write (which allocates
        # its per-name timestamps once).
        settled = max(2 * window_calls, cfg.longrun_calls // 2)
        full = [p for p in points if p[0] >= settled]
        if len(full) < 2:
            raise RuntimeError("the long run is too short to fill the idempotency window")
        (k0, m0, _), (k1, m1, keys1) = full[0], full[-1]
        per_call = (m1 - m0) / (k1 - k0)
        growth = (m1 - m0) / m0
        flat = abs(growth) < 0.05
        label = "with journal" if journal else "keep_journal=False"
        figures.append(Figure(
            f"memory/long-run {label}", cfg.longrun_calls, "ops", "bytes at end",
            Stats.of([float(m1)]), Stats.of([float(bare_bytes)]),
            f"window {window_calls:,} calls; calls {k0:,}->{k1:,}: {per_call:+.1f} B/call, "
            f"{growth:+.1%} ({'flat' if flat else 'GROWS'}); live keys at end {keys1:,}",
            extra={"points": points, "per_call_after_window": per_call,
                   "growth_after_window": growth, "flat": flat,
                   "window_calls": window_calls, "live_keys_end": keys1},
        ))
        del ledger
        gc.collect()
    return figures
