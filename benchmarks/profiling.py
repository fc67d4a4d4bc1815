"""Profile one workload with cProfile: ``python -m benchmarks.profiling NAME [CALLS]``.

NAME is ``execute``, ``pythonic``, ``replay`` (``Ledger.from_oplog`` of an exported log of
CALLS calls) or ``graphql``; the inputs are the benchmark's own (1,000 levels, seeded, a real
``changeFromQuantity`` and a fresh key per call). Prints the top functions by cumulative and by
self time.
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import pstats
import sys
from collections.abc import Callable

from benchmarks import workloads as w
from ledger import Ledger

CFG = w.QUICK


def _execute(calls: int) -> Callable[[], object]:
    store = w.Store(10**3)
    return w._execute_adjust(dataclasses.replace(CFG, calls=calls), store, "prof", 1)(0)


def _pythonic(calls: int) -> Callable[[], object]:
    store = w.Store(10**3)
    return w._pythonic_adjust(dataclasses.replace(CFG, calls=calls), store, "prof", 1)(0)


def _graphql(calls: int) -> Callable[[], object]:
    store = w.Store(10**3)
    ops = w.deltas(1, store.levels, calls)
    known = store.known["ledger"].available

    def run() -> None:
        for k, (item, location, delta) in enumerate(ops):
            cas = known.get((item, location), w.STOCK)
            store.ledger.graphql(w.GRAPHQL_ADJUST, {"key": f"k-{k}", "input": (
                w._adjust_variables(item, location, delta, cas))})
            known[(item, location)] = cas + delta

    return run


def _replay(calls: int) -> Callable[[], object]:
    journaled = w.build_journal(CFG, calls)

    def run() -> None:
        Ledger.from_oplog(journaled.snapshot, io.StringIO(journaled.log_text))

    return run


WORKLOADS: dict[str, Callable[[int], Callable[[], object]]] = {
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
