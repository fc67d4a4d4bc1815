"""Seeded workloads: each times the ledger, SQLite and the bare-dict floor on the same inputs.

A workload returns ``Figure`` values. Throughput figures are "units per second" (higher is
better) and each ratio is ledger / baseline; memory figures are bytes (lower is better) and
their ratio is ledger / baseline too. Every call carries a real ``changeFromQuantity`` (the
value the caller last knew, kept per side in a ``Known``) and a fresh idempotency key.
"""

from __future__ import annotations

import bisect
import dataclasses
import gc
import io
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.baselines import OK, DictBaseline, Row, SqliteBaseline
from ledger import AdjustChange, Ledger, MoveChange, MoveTerminal, SetQuantity

VERSION = "2026-04"
START = datetime(2026, 1, 1, tzinfo=UTC)
#: Shopify's idempotency window (a key is remembered for 24 hours after its first call).
WINDOW = timedelta(hours=24)
#: Shopify caps input arrays at 250 entries; the ledger enforces the cap.
BATCH = 250
LOCATIONS = 10
ITEM = "gid://shopify/InventoryItem/"
LOCATION = "gid://shopify/Location/"
#: Every level starts with this much available, so no workload ever runs a level dry.
STOCK = 1_000_000
#: The level count at which the per-call ratios of issue 14 are read (its measurements').
REFERENCE_LEVELS = 10**4
ADJUST_MUTATION = "inventoryAdjustQuantities"
MOVE_MUTATION = "inventoryMoveQuantities"
SET_MUTATION = "inventorySetQuantities"
GRAPHQL_ADJUST = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id name } } }
    userErrors { field message code }
  }
}
"""
#: The repetition number of the untimed warm-up pass that precedes every workload's reps.
WARM_UP = -1
#: A warm-up pass makes at most this many calls (it warms the code, not the journal).
WARM_UP_CALLS = 1_000

Level = tuple[str, str]


@dataclass(frozen=True)
class Config:
    """How big and how often: ``full`` or ``quick``."""

    name: str
    seed: int
    level_sizes: tuple[int, ...]
    reps: int
    calls: int  # single-change calls per repetition
    batches: int  # 250-change adjusts per repetition
    forks: int  # fork() calls per repetition
    journal_sizes: tuple[int, ...]
    replay_reps: int
    lookups: int  # as-of lookups per repetition
    longrun_calls: int
    longrun_chunks: int
    memory_levels: int
    window_calls: int
    window_step: float  # simulated seconds between calls of the window run
    simulate: tuple[int, int, int]  # --items, --locations, --days


FULL = Config("full", 20260401, (10**3, 10**4, 10**5, 10**6), 5, 5_000, 10, 200,
              (10**3, 10**5), 3, 20_000, 10**5, 10, 10**6, 60_000, 10.0, (1000, 10, 30))
QUICK = Config("quick", 20260401, (10**3, 10**4), 2, 300, 3, 10,
               (300, 1_000), 2, 2_000, 5_000, 5, 5_000, 2_000, 360.0, (100, 10, 5))


@dataclass(frozen=True)
class Stats:
    """Min, median and max of one figure over repetitions."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(min(values), statistics.median(values), max(values))


@dataclass
class Figure:
    """One measured figure: the ledger's, each baseline's, and ratios of medians.

    ``baselines`` holds ``sqlite`` and ``bare`` where the workload has them, and at most one
    other comparison (``execute()``, ``live execute``) named by ``other``.
    """

    workload: str
    size: int
    size_unit: str  # "levels", "ops", "entries", "calls"
    unit: str  # "calls/s", "changes/s", "bytes/level", ...
    ledger: Stats
    baselines: dict[str, Stats] = field(default_factory=dict)
    note: str = ""
    other: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def ratio(self, name: str) -> float | None:
        base = self.baselines.get(name)
        if base is None or not base.median:
            return None
        return self.ledger.median / base.median


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Clock:
    """A clock that stands still until moved (``Ledger`` takes any callable for its clock)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Known:
    """What one side's caller last knew of each level: the ``changeFromQuantity`` it sends.

    An app keeps the value it last read or wrote; a level it never touched is at its
    loaded value. Plain dicts of ints, so the collector untracks them.
    """

    def __init__(self) -> None:
        self.available: dict[Level, int] = {}
        self.damaged: dict[Level, int] = {}


# ---------------------------------------------------------------------- inputs


def seeded(seed: int) -> random.Random:
    """Return the seeded generator every workload draws its inputs from (not for secrets)."""
    return random.Random(seed)  # noqa: S311 - reproducible inputs, not cryptography


def make_snapshot(levels: int, *, distinct: bool = False) -> dict[str, Any]:
    """Return a snapshot of ``levels`` stocked levels: ``levels / 10`` items at 10 locations.

    Every level has ``STOCK`` available, unless ``distinct``: then each has its own
    ``available`` (1 to 10^6) and ``committed`` (0 to 49), drawn from a fixed seed, as in a
    real store, where no two levels share their quantities.
    """
    items = max(1, levels // LOCATIONS)
    if distinct:
        rng = seeded(levels)
        snapshot = make_snapshot(levels)
        for level in snapshot["inventoryLevels"]:
            level["quantities"] = {"available": rng.randrange(1, 10**6 + 1),
                                   "committed": rng.randrange(0, 50)}
        return snapshot
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


def level_rows(levels: int) -> Iterator[tuple[str, str, int]]:
    """Yield the snapshot's levels as (item, location, available) for the baselines."""
    for i in range(1, max(1, levels // LOCATIONS) + 1):
        for j in range(1, LOCATIONS + 1):
            yield f"{ITEM}{i}", f"{LOCATION}{j}", STOCK


def pick(rng: random.Random, levels: int) -> Level:
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


def _adjust_variables(item: str, location: str, delta: int, cas: int) -> dict[str, Any]:
    return {"name": "available", "reason": "correction", "changes": [{
        "inventoryItemId": item, "locationId": location, "delta": delta,
        "changeFromQuantity": cas}]}


def _ok(body: dict[str, Any], operation: str) -> bool:
    """Return whether a response body is a success (no request errors, no user errors)."""
    data = body.get("data")
    payload = data.get(operation) if data else None
    return payload is not None and not payload["userErrors"]


def _all_ok(failed: int, what: str) -> None:
    if failed:
        raise RuntimeError(f"{failed} benchmark calls failed ({what}): the CAS values diverged")


# ---------------------------------------------------------------------- timing

#: ``prepare(rep)`` builds repetition ``rep``'s inputs untimed and returns its timed part,
#: which returns the units it did, or (units, seconds) when it times only part of itself.
Prepare = Callable[[int], Callable[[], "int | tuple[int, float]"]]


def timed(run: Callable[[], int | tuple[int, float]]) -> float:
    """Return the throughput (units per second) of one call of ``run``, after a collection."""
    gc.collect()
    start = time.perf_counter()
    done = run()
    elapsed = time.perf_counter() - start
    if isinstance(done, tuple):
        done, elapsed = done
    return done / elapsed


def interleaved(reps: int, sides: dict[str, Prepare]) -> dict[str, Stats]:
    """Warm every side up untimed, then time ``reps`` rounds of every side in turn.

    The order rotates each round (A B C, B C A, C A B, ...), so drift on the machine and
    whatever a side leaves behind for the next hit every side alike.
    """
    for prepare in sides.values():
        prepare(WARM_UP)()
    names = list(sides)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            rates[name].append(timed(sides[name](rep)))
    return {name: Stats.of(values) for name, values in rates.items()}


class Store:
    """One ledger at one size with its SQLite and bare-dict twins, for the per-size workloads.

    The ledger is as a user gets it: ``Ledger.from_snapshot`` with the defaults (journal and
    operation log kept).
    """

    def __init__(self, levels: int) -> None:
        self.levels = levels
        self.clock = Clock(START)
        self.ledger = Ledger.from_snapshot(make_snapshot(levels), api_version=VERSION,
                                           clock=self.clock)
        self.sqlite = SqliteBaseline(level_rows(levels))
        self.bare = DictBaseline(level_rows(levels))
        self.known = {"ledger": Known(), "sqlite": Known(), "bare": Known()}

    def baseline(self, side: str) -> SqliteBaseline | DictBaseline:
        return self.sqlite if side == "sqlite" else self.bare

    def next_window(self) -> None:
        """Move past the idempotency window so every repetition starts with no live keys."""
        self.clock.advance(WINDOW.total_seconds() + 3600)

    def close(self) -> None:
        self.sqlite.close()
        self.bare.close()


# ---------------------------------------------------------------------- per-size workloads


def _calls(cfg: Config, rep: int) -> int:
    """Return how many calls repetition ``rep`` makes (fewer for the warm-up pass)."""
    return min(cfg.calls, WARM_UP_CALLS) if rep == WARM_UP else cfg.calls


def _single_inputs(cfg: Config, store: Store, tag: str, offset: int,
                   rep: int) -> tuple[list[tuple[str, str, int]], list[str]]:
    ops = deltas(cfg.seed * offset + rep, store.levels, _calls(cfg, rep))
    return ops, [f"{tag}-{rep}-{k}" for k in range(len(ops))]


def _baseline_adjust(cfg: Config, store: Store, side: str, tag: str, offset: int) -> Prepare:
    """The baselines' single-change adjust: CAS on the known value, a change row, one key."""
    base, known = store.baseline(side), store.known[side].available

    def prepare(rep: int) -> Callable[[], int]:
        ops, keys = _single_inputs(cfg, store, f"{tag}-{side}", offset, rep)
        now = store.clock().timestamp()

        def run() -> int:
            adjust, get, failed = base.adjust, known.get, 0
            for (item, location, delta), key in zip(ops, keys, strict=True):
                cas = get((item, location), STOCK)
                if adjust(key, item, location, delta, cas, now) == OK:
                    known[(item, location)] = cas + delta
                else:
                    failed += 1
            _all_ok(failed, f"{side} adjust")
            return len(ops)

        return run

    return prepare


def _execute_adjust(cfg: Config, store: Store, tag: str, offset: int, *,
                    new_window: bool = True) -> Prepare:
    ledger, known = store.ledger, store.known["ledger"].available

    def prepare(rep: int) -> Callable[[], int]:
        ops, keys = _single_inputs(cfg, store, tag, offset, rep)
        if new_window:
            store.next_window()

        def run() -> int:
            execute, get, failed = ledger.execute, known.get, 0
            for (item, location, delta), key in zip(ops, keys, strict=True):
                cas = get((item, location), STOCK)
                body = execute(ADJUST_MUTATION, {"input": {
                    "name": "available", "reason": "correction", "changes": [{
                        "inventoryItemId": item, "locationId": location, "delta": delta,
                        "changeFromQuantity": cas}]}}, idempotency_key=key)
                if _ok(body, ADJUST_MUTATION):
                    known[(item, location)] = cas + delta
                else:
                    failed += 1
            _all_ok(failed, "execute adjust")
            return len(ops)

        return run

    return prepare


def _pythonic_adjust(cfg: Config, store: Store, tag: str, offset: int, *,
                     new_window: bool = True) -> Prepare:
    ledger, known = store.ledger, store.known["ledger"].available

    def prepare(rep: int) -> Callable[[], int]:
        ops, keys = _single_inputs(cfg, store, tag, offset, rep)
        if new_window:
            store.next_window()

        def run() -> int:
            adjust, get, failed = ledger.adjust, known.get, 0
            for (item, location, delta), key in zip(ops, keys, strict=True):
                cas = get((item, location), STOCK)
                if adjust(name="available", reason="correction", idempotency_key=key,
                          changes=[AdjustChange(item_id=item, location_id=location, delta=delta,
                                                change_from_quantity=cas)]).ok:
                    known[(item, location)] = cas + delta
                else:
                    failed += 1
            _all_ok(failed, "Pythonic adjust")
            return len(ops)

        return run

    return prepare


def _with_baselines(cfg: Config, store: Store, ledger_side: Prepare, tag: str,
                    offset: int) -> dict[str, Stats]:
    return interleaved(cfg.reps, {
        "ledger": ledger_side,
        "sqlite": _baseline_adjust(cfg, store, "sqlite", tag, offset),
        "bare": _baseline_adjust(cfg, store, "bare", tag, offset),
    })


def adjust_execute(cfg: Config, store: Store) -> list[Figure]:
    stats = _with_baselines(cfg, store, _execute_adjust(cfg, store, "exec", 1), "exec", 1)
    return [Figure("adjust-execute", store.levels, "levels", "calls/s", stats.pop("ledger"),
                   stats, "Ledger.execute, 1 change/call, real changeFromQuantity, fresh key")]


def adjust_pythonic(cfg: Config, store: Store) -> list[Figure]:
    stats = _with_baselines(cfg, store, _pythonic_adjust(cfg, store, "py", 2), "py", 2)
    return [Figure("adjust-pythonic", store.levels, "levels", "calls/s", stats.pop("ledger"),
                   stats, "Ledger.adjust, 1 change/call, real changeFromQuantity, fresh key")]


def adjust_batch(cfg: Config, store: Store) -> list[Figure]:
    """One adjust of 250 distinct levels per call (Shopify's input cap), per change."""
    width = min(BATCH, store.levels)

    def batches(rep: int) -> list[list[tuple[str, str, int]]]:
        count = min(cfg.batches, 2) if rep == WARM_UP else cfg.batches
        return [distinct_changes(cfg.seed * 7 + rep * 1000 + b, store.levels, width)
                for b in range(count)]

    def ledger_side(rep: int) -> Callable[[], int]:
        calls, known = batches(rep), store.known["ledger"].available
        store.next_window()

        def run() -> int:
            adjust, get, failed = store.ledger.adjust, known.get, 0
            for b, changes in enumerate(calls):
                cas = [get((i, loc), STOCK) for i, loc, _ in changes]
                if adjust(name="available", reason="correction", idempotency_key=f"big-{rep}-{b}",
                          changes=[AdjustChange(item_id=i, location_id=loc, delta=d,
                                                change_from_quantity=c)
                                   for (i, loc, d), c in zip(changes, cas, strict=True)]).ok:
                    for (i, loc, d), c in zip(changes, cas, strict=True):
                        known[(i, loc)] = c + d
                else:
                    failed += 1
            _all_ok(failed, "250-change adjust")
            return len(calls) * width

        return run

    def baseline_side(side: str) -> Prepare:
        base, known = store.baseline(side), store.known[side].available

        def prepare(rep: int) -> Callable[[], int]:
            calls = batches(rep)
            now = store.clock().timestamp()

            def run() -> int:
                adjust_many, get, failed = base.adjust_many, known.get, 0
                for b, changes in enumerate(calls):
                    rows = [(i, loc, d, get((i, loc), STOCK)) for i, loc, d in changes]
                    if adjust_many(f"big-{side}-{rep}-{b}", rows, now) == OK:
                        for i, loc, d, c in rows:
                            known[(i, loc)] = c + d
                    else:
                        failed += 1
                _all_ok(failed, f"{side} batch")
                return len(calls) * width

            return run

        return prepare

    stats = interleaved(cfg.reps, {"ledger": ledger_side, "sqlite": baseline_side("sqlite"),
                                   "bare": baseline_side("bare")})
    return [Figure("adjust-batch", store.levels, "levels", "changes/s", stats.pop("ledger"),
                   stats, f"one Ledger.adjust of {width} changes per call, per change; "
                   "SQLite: executemany in one transaction")]


def move(cfg: Config, store: Store) -> list[Figure]:
    def inputs(rep: int) -> list[tuple[str, str, int]]:
        return [(i, loc, abs(d)) for i, loc, d in deltas(cfg.seed * 3 + rep, store.levels,
                                                         _calls(cfg, rep))]

    def ledger_side(rep: int) -> Callable[[], int]:
        ops, known = inputs(rep), store.known["ledger"]
        docs = [f"logistics://rma/{rep}-{k}" for k in range(len(ops))]
        keys = [f"move-{rep}-{k}" for k in range(len(ops))]
        store.next_window()

        def run() -> int:
            moves, avail, damaged, failed = store.ledger.move, known.available, known.damaged, 0
            for (item, location, qty), doc, key in zip(ops, docs, keys, strict=True):
                cas_from = avail.get((item, location), STOCK)
                cas_to = damaged.get((item, location), 0)
                if moves(reason="damaged", reference_document_uri=doc, idempotency_key=key,
                         changes=[MoveChange(
                             item_id=item, quantity=qty,
                             from_=MoveTerminal(location_id=location, name="available",
                                                change_from_quantity=cas_from),
                             to=MoveTerminal(location_id=location, name="damaged",
                                             ledger_document_uri=doc,
                                             change_from_quantity=cas_to))]).ok:
                    avail[(item, location)] = cas_from - qty
                    damaged[(item, location)] = cas_to + qty
                else:
                    failed += 1
            _all_ok(failed, "move")
            return len(ops)

        return run

    def baseline_side(side: str) -> Prepare:
        base, known = store.baseline(side), store.known[side]

        def prepare(rep: int) -> Callable[[], int]:
            ops = inputs(rep)
            keys = [f"move-{side}-{rep}-{k}" for k in range(len(ops))]
            now = store.clock().timestamp()

            def run() -> int:
                moves, avail, damaged, failed = base.move, known.available, known.damaged, 0
                for (item, location, qty), key in zip(ops, keys, strict=True):
                    cas_from = avail.get((item, location), STOCK)
                    cas_to = damaged.get((item, location), 0)
                    if moves(key, item, location, qty, cas_from, cas_to, now) == OK:
                        avail[(item, location)] = cas_from - qty
                        damaged[(item, location)] = cas_to + qty
                    else:
                        failed += 1
                _all_ok(failed, f"{side} move")
                return len(ops)

            return run

        return prepare

    stats = interleaved(cfg.reps, {"ledger": ledger_side, "sqlite": baseline_side("sqlite"),
                                   "bare": baseline_side("bare")})
    return [Figure("move", store.levels, "levels", "calls/s", stats.pop("ledger"), stats,
                   "Ledger.move available->damaged, 1 change/call, CAS on both ends")]


def set_(cfg: Config, store: Store) -> list[Figure]:
    def inputs(rep: int) -> list[tuple[str, str, int]]:
        return [(i, loc, STOCK + d * 10) for i, loc, d in deltas(cfg.seed * 5 + rep,
                                                                 store.levels, _calls(cfg, rep))]

    def ledger_side(rep: int) -> Callable[[], int]:
        ops, known = inputs(rep), store.known["ledger"].available
        keys = [f"set-{rep}-{k}" for k in range(len(ops))]
        store.next_window()

        def run() -> int:
            sets, get, failed = store.ledger.set, known.get, 0
            for (item, location, value), key in zip(ops, keys, strict=True):
                cas = get((item, location), STOCK)
                if sets(name="available", reason="correction", idempotency_key=key,
                        quantities=[SetQuantity(item_id=item, location_id=location,
                                                quantity=value, change_from_quantity=cas)]).ok:
                    known[(item, location)] = value
                else:
                    failed += 1
            _all_ok(failed, "set")
            return len(ops)

        return run

    def baseline_side(side: str) -> Prepare:
        base, known = store.baseline(side), store.known[side].available

        def prepare(rep: int) -> Callable[[], int]:
            ops = inputs(rep)
            keys = [f"set-{side}-{rep}-{k}" for k in range(len(ops))]
            now = store.clock().timestamp()

            def run() -> int:
                sets, get, failed = base.set, known.get, 0
                for (item, location, value), key in zip(ops, keys, strict=True):
                    cas = get((item, location), STOCK)
                    if sets(key, item, location, value, cas, now) == OK:
                        known[(item, location)] = value
                    else:
                        failed += 1
                _all_ok(failed, f"{side} set")
                return len(ops)

            return run

        return prepare

    stats = interleaved(cfg.reps, {"ledger": ledger_side, "sqlite": baseline_side("sqlite"),
                                   "bare": baseline_side("bare")})
    return [Figure("set", store.levels, "levels", "calls/s", stats.pop("ledger"), stats,
                   "Ledger.set available, 1 quantity/call, real changeFromQuantity")]


def _graphql_adjust(cfg: Config, store: Store, tag: str, offset: int) -> Prepare:
    """The single-change adjust through ``Ledger.graphql`` and its one cached document."""
    ledger, known = store.ledger, store.known["ledger"].available

    def prepare(rep: int) -> Callable[[], int]:
        ops, keys = _single_inputs(cfg, store, tag, offset, rep)
        store.next_window()

        def run() -> int:
            graphql, get, failed = ledger.graphql, known.get, 0
            for (item, location, delta), key in zip(ops, keys, strict=True):
                cas = get((item, location), STOCK)
                body = graphql(GRAPHQL_ADJUST, {"input": {
                    "name": "available", "reason": "correction", "changes": [{
                        "inventoryItemId": item, "locationId": location, "delta": delta,
                        "changeFromQuantity": cas}]}, "key": key})
                if _ok(body, ADJUST_MUTATION):
                    known[(item, location)] = cas + delta
                else:
                    failed += 1
            _all_ok(failed, "graphql adjust")
            return len(ops)

        return run

    return prepare


def graphql_vs_execute(cfg: Config, store: Store) -> list[Figure]:
    """``graphql()`` with one cached document against ``execute()`` for the same calls."""
    stats = interleaved(cfg.reps, {
        "ledger": _graphql_adjust(cfg, store, "gql", 13),
        "execute()": _execute_adjust(cfg, store, "gex", 13),
        "sqlite": _baseline_adjust(cfg, store, "sqlite", "gql", 13),
        "bare": _baseline_adjust(cfg, store, "bare", "gql", 13),
    })
    return [Figure("graphql", store.levels, "levels", "calls/s", stats.pop("ledger"), stats,
                   "Ledger.graphql, one cached document, key as a variable", other="execute()")]


def fork(cfg: Config, store: Store) -> list[Figure]:
    """Time ``fork()`` calls, each after one untimed write to the parent (so each freezes
    something); the baselines' what-if copy is a full copy (SQLite's backup API, dict copies).
    """
    ledger, known = store.ledger, store.known["ledger"].available
    copies = max(1, min(cfg.forks, 2 * 10**4 // store.levels))

    def ledger_side(rep: int) -> Callable[[], tuple[int, float]]:
        ops = deltas(cfg.seed * 11 + rep, store.levels, cfg.forks)
        store.next_window()

        def run() -> tuple[int, float]:
            spent = 0.0
            for k, (item, location, delta) in enumerate(ops):
                cas = known.get((item, location), STOCK)
                if not ledger.adjust(name="available", reason="correction",
                                     idempotency_key=f"f-{rep}-{k}",
                                     changes=[AdjustChange(item_id=item, location_id=location,
                                                           delta=delta,
                                                           change_from_quantity=cas)]).ok:
                    raise RuntimeError("a benchmark adjust before a fork failed")
                known[(item, location)] = cas + delta
                start = time.perf_counter()
                child = ledger.fork()
                spent += time.perf_counter() - start
                del child
            return len(ops), spent

        return run

    def baseline_side(side: str) -> Prepare:
        base = store.baseline(side)

        def prepare(_rep: int) -> Callable[[], int]:
            def run() -> int:
                for _ in range(copies):
                    base.copy().close()
                return copies

            return run

        return prepare

    stats = interleaved(cfg.reps, {"ledger": ledger_side, "sqlite": baseline_side("sqlite"),
                                   "bare": baseline_side("bare")})
    return [Figure("fork", store.levels, "levels", "forks/s", stats.pop("ledger"), stats,
                   "one write before each fork; baselines: a full copy (SQLite backup, dicts)")]


def longrun(cfg: Config, store: Store, path: str) -> list[Figure]:
    """``longrun_calls`` single-change adjusts in chunks, collector on, no collection between.

    Chunks of the ledger, SQLite and the bare dict alternate (rotating); the clock stands
    still, so every key stays in the idempotency window for the whole run. The median column
    is the whole run's rate (calls / total time); min and max are the chunks'.
    """
    chunk = cfg.longrun_calls // cfg.longrun_chunks
    tag = f"long-{path}"
    offset = 29 if path == "execute" else 31
    long_cfg = dataclasses.replace(cfg, calls=chunk)
    ledger_side = (_execute_adjust if path == "execute" else _pythonic_adjust)(
        long_cfg, store, tag, offset, new_window=False)
    sides = {"ledger": ledger_side,
             "sqlite": _baseline_adjust(long_cfg, store, "sqlite", tag, offset),
             "bare": _baseline_adjust(long_cfg, store, "bare", tag, offset)}
    for prepare in sides.values():
        prepare(WARM_UP)()
    store.next_window()  # one window for the whole run: it starts empty and keeps every key
    runs = {name: [prepare(c) for c in range(cfg.longrun_chunks)]
            for name, prepare in sides.items()}
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    gc.collect()
    for c in range(cfg.longrun_chunks):
        shift = c % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            runs[name][c]()
            seconds[name].append(time.perf_counter() - start)
    stats = {name: Stats(chunk / max(spent), cfg.longrun_calls / sum(spent), chunk / min(spent))
             for name, spent in seconds.items()}
    label = "Ledger.execute" if path == "execute" else "Ledger.adjust"
    return [Figure(f"longrun-{path}", store.levels, "levels", "calls/s", stats.pop("ledger"),
                   stats, f"{label}, {cfg.longrun_calls:,} calls in {cfg.longrun_chunks} chunks, "
                   "collector on; median column = whole run")]


# ---------------------------------------------------------------------- journal workloads

#: One call of the journal's mix: (kind, item, location, amount) where amount is the delta
#: of an adjust, the quantity of a move, or the new value of a set.
Call = tuple[str, str, str, int]


def journal_calls(seed: int, ops: int, levels: int) -> list[Call]:
    """Return a seeded mix of calls: 80% adjusts, 10% moves, 10% sets of ``available``."""
    rng = seeded(seed)
    out: list[Call] = []
    for _ in range(ops):
        item, location = pick(rng, levels)
        kind = rng.random()
        if kind < 0.8:
            out.append(("adjust", item, location, rng.choice((-3, -2, -1, 1, 2, 3))))
        elif kind < 0.9:
            out.append(("move", item, location, rng.randint(1, 3)))
        else:
            out.append(("set", item, location, STOCK + rng.randint(-50, 50)))
    return out


def run_live_ledger(snapshot: dict[str, Any], calls: Sequence[Call]) -> Ledger:
    """Load ``snapshot`` and run ``calls`` through ``Ledger.execute``, one second apart."""
    clock = Clock(START)
    ledger = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=clock)
    known = Known()
    avail, damaged, execute, failed = known.available, known.damaged, ledger.execute, 0
    second = timedelta(seconds=1)
    for k, (kind, item, location, amount) in enumerate(calls):
        cas = avail.get((item, location), STOCK)
        key = f"j-{k}"
        if kind == "adjust":
            body = execute(ADJUST_MUTATION, {"input": _adjust_variables(
                item, location, amount, cas)}, idempotency_key=key)
            if _ok(body, ADJUST_MUTATION):
                avail[(item, location)] = cas + amount
            else:
                failed += 1
        elif kind == "move":
            doc = f"logistics://rma/{k}"
            cas_to = damaged.get((item, location), 0)
            body = execute(MOVE_MUTATION, {"input": {
                "reason": "damaged", "referenceDocumentUri": doc, "changes": [{
                    "inventoryItemId": item, "quantity": amount,
                    "from": {"locationId": location, "name": "available",
                             "changeFromQuantity": cas},
                    "to": {"locationId": location, "name": "damaged",
                           "ledgerDocumentUri": doc, "changeFromQuantity": cas_to}}]}},
                idempotency_key=key)
            if _ok(body, MOVE_MUTATION):
                avail[(item, location)] = cas - amount
                damaged[(item, location)] = cas_to + amount
            else:
                failed += 1
        else:
            body = execute(SET_MUTATION, {"input": {
                "name": "available", "reason": "correction", "quantities": [{
                    "inventoryItemId": item, "locationId": location, "quantity": amount,
                    "changeFromQuantity": cas}]}}, idempotency_key=key)
            if _ok(body, SET_MUTATION):
                avail[(item, location)] = amount
            else:
                failed += 1
        clock.now += second
    _all_ok(failed, "journal, live execute")
    return ledger


def run_live_baseline(base: SqliteBaseline | DictBaseline, calls: Sequence[Call]) -> None:
    """Run ``calls`` on a baseline, one second apart (the same CAS and keys as the ledger)."""
    known = Known()
    avail, damaged, failed = known.available, known.damaged, 0
    t0 = START.timestamp()
    adjust, moves, sets = base.adjust, base.move, base.set
    for k, (kind, item, location, amount) in enumerate(calls):
        cas = avail.get((item, location), STOCK)
        key, now = f"j-{k}", t0 + k
        if kind == "adjust":
            if adjust(key, item, location, amount, cas, now) == OK:
                avail[(item, location)] = cas + amount
            else:
                failed += 1
        elif kind == "move":
            cas_to = damaged.get((item, location), 0)
            if moves(key, item, location, amount, cas, cas_to, now) == OK:
                avail[(item, location)] = cas - amount
                damaged[(item, location)] = cas_to + amount
            else:
                failed += 1
        elif sets(key, item, location, amount, cas, now) == OK:
            avail[(item, location)] = amount
        else:
            failed += 1
    _all_ok(failed, "journal, live baseline")


@dataclass
class Journaled:
    """A journal's calls run live once (untimed): the ledger, its exported log, the rows."""

    levels: int
    calls: list[Call]
    snapshot: dict[str, Any]
    ledger: Ledger
    log_text: str
    rows: list[Row]


def build_journal(cfg: Config, ops: int, levels: int = 10**3) -> Journaled:
    """Run a seeded mix of ``ops`` calls live on the ledger and the bare dict, and check them."""
    snapshot = make_snapshot(levels)
    calls = journal_calls(cfg.seed * 17 + ops, ops, levels)
    ledger = run_live_ledger(snapshot, calls)
    bare = DictBaseline(level_rows(levels))
    run_live_baseline(bare, calls)
    for item, location, _ in level_rows(levels):  # the sides agree on every level
        got = ledger.quantities(item, location)
        if (got["available"], got["damaged"]) != (bare.levels[(item, location)]["available"],
                                                  bare.levels[(item, location)]["damaged"]):
            raise RuntimeError(f"the ledger and the bare dict disagree at {item} {location}")
    buffer = io.StringIO()
    ledger.export_oplog(buffer)
    return Journaled(levels, calls, snapshot, ledger, buffer.getvalue(),
                     list(bare.changes.values()))


def replay(cfg: Config, journaled: Journaled) -> list[Figure]:
    """Rebuild the state from the exported log, against running the same calls live.

    Every side starts from the snapshot inside its timed part. ``from_oplog`` reads the
    log's text (parsing included); ``replay(records)`` runs the live ledger's own records;
    SQLite and the bare dict apply the recorded rows, trusting them (one transaction).
    """
    snapshot, calls, rows, levels = (journaled.snapshot, journaled.calls, journaled.rows,
                                     journaled.levels)
    expected = journaled.ledger.snapshot()
    records = journaled.ledger.oplog
    checked: set[str] = set()

    def check(name: str, ledger: Ledger) -> None:
        if name not in checked:
            if ledger.snapshot() != expected:
                raise RuntimeError(f"{name} did not reproduce the state")
            checked.add(name)

    def live_ledger(_rep: int) -> Callable[[], int]:
        def run() -> int:
            run_live_ledger(snapshot, calls)
            return len(calls)

        return run

    def live_baseline(kind: type[SqliteBaseline | DictBaseline]) -> Prepare:
        def prepare(_rep: int) -> Callable[[], int]:
            def run() -> int:
                base = kind(level_rows(levels))
                run_live_baseline(base, calls)
                base.close()
                return len(calls)

            return run

        return prepare

    def from_oplog(_rep: int) -> Callable[[], int]:
        def run() -> int:
            rebuilt = Ledger.from_oplog(snapshot, io.StringIO(journaled.log_text))
            check("from_oplog", rebuilt)
            return len(calls)

        return run

    def from_records(_rep: int) -> Callable[[], int]:
        def run() -> int:
            # Loaded at START, as the live ledger was; the replay runs at the recorded times.
            rebuilt = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=Clock(START))
            count = rebuilt.replay(records)
            check("replay", rebuilt)
            return count

        return run

    def replay_baseline(kind: type[SqliteBaseline | DictBaseline]) -> Prepare:
        def prepare(_rep: int) -> Callable[[], int]:
            def run() -> int:
                base = kind(level_rows(levels))
                base.replay_rows(rows)
                base.close()
                return len(calls)

            return run

        return prepare

    stats = interleaved(cfg.replay_reps, {
        "live": live_ledger, "live-sqlite": live_baseline(SqliteBaseline),
        "live-bare": live_baseline(DictBaseline), "from_oplog": from_oplog,
        "records": from_records, "replay-sqlite": replay_baseline(SqliteBaseline),
        "replay-bare": replay_baseline(DictBaseline),
    })
    n = len(calls)
    replay_base = {"sqlite": stats["replay-sqlite"], "bare": stats["replay-bare"],
                   "live execute": stats["live"]}
    return [
        Figure("journal-live", n, "ops", "ops/s", stats["live"],
               {"sqlite": stats["live-sqlite"], "bare": stats["live-bare"]},
               "the journal's calls run live through Ledger.execute (80% adjust, 10% move, "
               "10% set), from the snapshot"),
        Figure("replay/from_oplog", n, "ops", "ops/s", stats["from_oplog"], dict(replay_base),
               f"Ledger.from_oplog of the exported text ({len(journaled.log_text) / n:.0f} B/op)"
               "; baselines apply the rows, trusting them", other="live execute"),
        Figure("replay/records", n, "ops", "ops/s", stats["records"], dict(replay_base),
               "Ledger.replay of the live ledger's records (no parsing)", other="live execute"),
    ]


def asof(cfg: Config, journaled: Journaled) -> list[Figure]:
    """``quantity_at`` at random levels and instants, against an indexed query and a bisect."""
    ledger, levels, rows = journaled.ledger, journaled.levels, journaled.rows
    span = float(len(journaled.calls))
    times: dict[Level, list[float]] = {}
    values: dict[Level, list[int]] = {}
    for row in rows:
        if row[4] == "available":
            times.setdefault((row[2], row[3]), []).append(row[7])
            values.setdefault((row[2], row[3]), []).append(row[6])
    sqlite = SqliteBaseline(level_rows(levels))
    sqlite.replay_rows(rows)
    sqlite.index_as_of()

    def queries(rep: int) -> list[tuple[str, str, datetime]]:
        rng = seeded(cfg.seed * 19 + rep)
        return [(*pick(rng, levels), START + timedelta(seconds=rng.uniform(0, span)))
                for _ in range(cfg.lookups)]

    def ledger_side(rep: int) -> Callable[[], int]:
        qs = queries(rep)

        def run() -> int:
            quantity_at = ledger.quantity_at
            for item, location, when in qs:
                quantity_at(item, location, "available", when)
            return len(qs)

        return run

    def sqlite_side(rep: int) -> Callable[[], int]:
        qs = queries(rep)

        def run() -> int:
            at = sqlite.available_at
            for item, location, when in qs:
                at(item, location, when.timestamp(), STOCK)
            return len(qs)

        return run

    def bare_at(item: str, location: str, when: float) -> int:
        ts = times.get((item, location))
        if ts is None:
            return STOCK
        i = bisect.bisect_right(ts, when)
        return values[(item, location)][i - 1] if i else STOCK

    def bare_side(rep: int) -> Callable[[], int]:
        qs = queries(rep)

        def run() -> int:
            for item, location, when in qs:
                bare_at(item, location, when.timestamp())
            return len(qs)

        return run

    for item, location, when in queries(WARM_UP)[:200]:  # the three answer alike
        got = {ledger.quantity_at(item, location, "available", when),
               sqlite.available_at(item, location, when.timestamp(), STOCK),
               bare_at(item, location, when.timestamp())}
        if len(got) != 1:
            raise RuntimeError(f"as-of answers differ at {item} {location} {when}: {got}")
    stats = interleaved(cfg.reps, {"ledger": ledger_side, "sqlite": sqlite_side,
                                   "bare": bare_side})
    sqlite.close()
    return [Figure("asof", len(journaled.calls), "entries", "lookups/s", stats.pop("ledger"),
                   stats, f"quantity_at over {levels:,} levels; SQLite: indexed "
                   "ORDER BY created_at DESC LIMIT 1; bare: bisect per level")]


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


def memory_per_level(cfg: Config) -> list[Figure]:
    """Bytes per stocked level of a ledger loaded from a snapshot, ids included.

    The snapshot is built and dropped inside the traced region, so the id strings that
    the ledger keeps count and the snapshot's own dicts do not. SQLite's figure is its
    database size (``page_count * page_size``), outside the Python heap.
    """
    n = cfg.memory_levels
    mine, kept = _traced(lambda: Ledger.from_snapshot(make_snapshot(n), api_version=VERSION,
                                                      record=False))
    del kept
    distinct, kept = _traced(lambda: Ledger.from_snapshot(
        make_snapshot(n, distinct=True), api_version=VERSION, record=False))
    del kept
    theirs, kept = _traced(lambda: DictBaseline(level_rows(n)))
    del kept
    sqlite = SqliteBaseline(level_rows(n))
    sqlite_bytes = sqlite.bytes()
    sqlite.close()
    gc.collect()
    return [Figure("memory/level", n, "levels", "bytes/level", Stats.of([mine / n]),
                   {"sqlite": Stats.of([sqlite_bytes / n]), "bare": Stats.of([theirs / n])},
                   "tracemalloc (Python heap), freshly loaded; SQLite: page_count*page_size; "
                   "1 rep (deterministic); every level 1,000,000 available (levels with equal "
                   "quantities share one tuple)"),
            Figure("memory/level distinct", n, "levels", "bytes/level",
                   Stats.of([distinct / n]), {},
                   "as above, each level with its own available and committed (a real "
                   "store); the baselines are not loaded again for it")]


def memory_window(cfg: Config) -> list[Figure]:
    """Memory over a long run with a fresh key per call, with and without the journal.

    ``record=False`` (no operation log); ``keep_journal=False`` keeps no adjustment groups,
    leaving the idempotency store, which fills for 24 h and is flat from then on. At the
    end the clock jumps past the window and one more call evicts every key: the memory that
    goes, divided by the keys that were live, is what a call retains inside the window.
    """
    # Few enough levels that every one has had its first write (which allocates its per-name
    # timestamps once) well before the settled half: 1,000 in a full run, 100 in a quick one.
    levels = min(10**3, cfg.window_calls // 20)
    window_calls = int(WINDOW.total_seconds() / cfg.window_step)
    ops = deltas(cfg.seed * 23, levels, cfg.window_calls + 1)
    snapshot = make_snapshot(levels)
    every = max(1, cfg.window_calls // 20)
    figures = []
    for journal in (True, False):
        clock = Clock(START)
        known: dict[Level, int] = {}
        gc.collect()
        tracemalloc.start()
        points: list[tuple[int, int]] = []
        try:
            before = tracemalloc.get_traced_memory()[0]
            ledger = Ledger.from_snapshot(snapshot, api_version=VERSION, clock=clock,
                                          record=False, keep_journal=journal)

            def call(k: int, item: str, location: str, delta: int, ledger: Ledger = ledger,
                     known: dict[Level, int] = known) -> None:
                cas = known.get((item, location), STOCK)
                if not ledger.adjust(name="available", reason="correction",
                                     idempotency_key=f"window-{k}",
                                     changes=[AdjustChange(item_id=item, location_id=location,
                                                           delta=delta,
                                                           change_from_quantity=cas)]).ok:
                    raise RuntimeError("a benchmark adjust failed")
                known[(item, location)] = cas + delta

            for k, (item, location, delta) in enumerate(ops[:-1], 1):
                call(k, item, location, delta)
                if k % every == 0:
                    gc.collect()
                    points.append((k, tracemalloc.get_traced_memory()[0] - before))
                clock.advance(cfg.window_step)
            # Keys whose first call is less than WINDOW before now are live (one a step).
            live = min(cfg.window_calls, window_calls)
            gc.collect()
            full = tracemalloc.get_traced_memory()[0] - before
            clock.advance(WINDOW.total_seconds() + 3600)
            call(cfg.window_calls + 1, *ops[-1])  # evicts every earlier key; leaves its own
            gc.collect()
            emptied = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        retained = (full - emptied) / (live - 1)
        # Flat: growth from twice the window (or half the run, if later) to the end.
        settled = [p for p in points if p[0] >= max(2 * window_calls, cfg.window_calls // 2)]
        (k0, m0), (k1, m1) = settled[0], settled[-1]
        growth, per_call = (m1 - m0) / m0, (m1 - m0) / (k1 - k0)
        flat = abs(growth) < 0.05
        label = "with journal" if journal else "keep_journal=False"
        figures.append(Figure(
            f"memory/window {label}", cfg.window_calls, "calls", "bytes/call in window",
            Stats.of([retained]), {},
            f"freed per key when the {live:,} live keys expire; {m1:,} B at the end; "
            f"calls {k0:,}->{k1:,}: {per_call:+,.0f} B/call, {growth:+.1%} "
            f"({'flat' if flat else 'GROWS'})",
            extra={"points": points, "growth_after_window": growth, "flat": flat,
                   "per_call_after_window": per_call,
                   "window_calls": window_calls, "live_keys": live, "bytes_full": full,
                   "bytes_emptied": emptied, "journal": journal},
        ))
        del ledger
        gc.collect()
    return figures


# ---------------------------------------------------------------------- the simulation


def simulate(cfg: Config) -> list[Figure]:
    """Time ``ledger simulate --json`` in a fresh process; ops = the report's ledger calls.

    The wall time includes the interpreter's start and the store's generation; the
    operations are ``operations.calls`` of the JSON report (every ledger call the run made).
    """
    items, locations, days = cfg.simulate
    command = [sys.executable, "-m", "ledger", "simulate", "--items", str(items),
               "--locations", str(locations), "--days", str(days), "--json", "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own CLI
    wall = time.perf_counter() - start
    report = json.loads(done.stdout)
    calls = int(report["operations"]["calls"])
    own = {key: value for key, value in report.items()
           if "per_second" in key or "throughput" in key}
    note = (f"--items {items} --locations {locations} --days {days}: {calls:,} ledger calls "
            f"in {wall:.1f} s wall (process start included)")
    if own:
        note += f"; the report says {own}"
    return [Figure("simulate", calls, "calls", "ops/s", Stats.of([calls / wall]), {}, note,
                   extra={"wall_seconds": wall, "calls": calls, "report_throughput": own})]
