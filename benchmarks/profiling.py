"""Profile one workload with cProfile: ``python -m benchmarks.profiling NAME [CALLS]``.

NAME is ``execute``, ``pythonic``, ``replay`` or ``graphql``; the inputs are the
benchmark's own (1,000 levels, seeded). Prints the top functions by cumulative and by
self time.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from collections.abc import Callable

from benchmarks import workloads as w
from ledger import AdjustChange, Ledger
from ledger.core.clock import ManualClock
from ledger.store import oplog as oplog_format


def _execute(calls: int) -> Callable[[], None]:
    store = w.Store(10**3)
    ops = w.deltas(1, store.levels, calls)

    def run() -> None:
        for k, (item, location, delta) in enumerate(ops):
            store.ledger.execute(w.ADJUST_MUTATION, {"input": {
                "name": "available", "reason": "correction", "changes": [{
                    "inventoryItemId": item, "locationId": location, "delta": delta,
                    "changeFromQuantity": None}]}}, idempotency_key=f"k-{k}")

    return run


def _pythonic(calls: int) -> Callable[[], None]:
    store = w.Store(10**3)
    ops = w.deltas(1, store.levels, calls)

    def run() -> None:
        for k, (item, location, delta) in enumerate(ops):
            store.ledger.adjust(name="available", reason="correction", idempotency_key=f"k-{k}",
                                changes=[AdjustChange(item_id=item, location_id=location,
                                                      delta=delta, change_from_quantity=None)])

    return run


def _graphql(calls: int) -> Callable[[], None]:
    store = w.Store(10**3)
    ops = w.deltas(1, store.levels, calls)

    def run() -> None:
        for k, (item, location, delta) in enumerate(ops):
            store.ledger.graphql(w.GRAPHQL_ADJUST, {"key": f"k-{k}", "input": {
                "name": "available", "reason": "correction", "changes": [{
                    "inventoryItemId": item, "locationId": location, "delta": delta,
                    "changeFromQuantity": None}]}})

    return run


def _replay(calls: int) -> Callable[[], None]:
    journaled = w.build_journal(w.QUICK, calls)
    buffer = io.StringIO()
    journaled.ledger.export_oplog(buffer)
    buffer.seek(0)
    _, records = oplog_format.read(buffer)
    target = Ledger.from_snapshot(journaled.snapshot, api_version=w.VERSION,
                                    clock=ManualClock(journaled.end))

    def run() -> None:
        target.replay(records)

    return run


WORKLOADS: dict[str, Callable[[int], Callable[[], None]]] = {
    "execute": _execute, "pythonic": _pythonic, "graphql": _graphql, "replay": _replay,
}


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "execute"
    calls = int(argv[1]) if len(argv) > 1 else 5_000
    run = WORKLOADS[name](calls)
    profile = cProfile.Profile()
    profile.runcall(run)
    for order in ("cumulative", "tottime"):
        print(f"--- {name}, {calls:,} calls, top 25 by {order}")
        stats = pstats.Stats(profile)
        stats.sort_stats(order).print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
