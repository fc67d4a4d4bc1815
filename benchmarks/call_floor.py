"""The floor under one Pythonic adjust: ``python -m benchmarks.call_floor [LEVELS] [REPS]``.

Issue 14 asks for a Pythonic single-change adjust at least 1.5x as fast as SQLite in memory
doing the same work. A ``Ledger.adjust`` call must take its input as the public frozen
values (``AdjustChange``, ``Adjust``) and return a ``Result`` whose ``AdjustmentGroup``
holds a row per change (two for an ``available`` change: it and its ``on_hand`` companion).
Since round four the engine builds the group from one flat tuple of plain rows
(``journal.group_of``) and makes the rows' ``QuantityChange`` values only when a caller
reads ``changes``; the commands' ``__init__`` is ``values.fast_init``'s.

This times, interleaved with the benchmark's own SQLite baseline and ``Ledger.adjust`` on
the same inputs (``workloads``: a real ``changeFromQuantity``, a fresh key, the collector
on), a side that does nothing but build those values, with the cheapest constructors there
are: the caller's ``AdjustChange`` and ``Adjust`` through their own ``__init__``, which
validates; the rows as plain tuples joined into the flat tuple, as ``writes.record`` joins
them, and the group made from it by ``group_of``; the result slot by slot
(``ledger.core.values.maker``). Plus the two dict operations of its caller's loop that
every side pays. No check, no state, no journal, no key, no log.

The benchmark's bare-dict baseline (the same checks, compare-and-set, key and change row in
plain dicts, no values) runs in the same rounds. A call must build the values *and* do the
work, so the sum of the two times, less the caller's loop that both include (timed alone
in the same rounds), is the least a ``Ledger.adjust`` can cost; if that is
slower than SQLite / 1.5, the target cannot be met while the Pythonic API takes and returns
those values: the figure is the proof, or the refutation.
Also printed: what one call retains inside the 24 h window with ``keep_journal=False``, per
part, against the 400 B target (tracemalloc, each part built as the key store keeps it: the
command packed, the group flat), and the least any outcome that returns the same group
could take.
Nothing here is part of the test run.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from benchmarks import workloads as w
from ledger import AdjustChange
from ledger.core.commands import Adjust
from ledger.core.journal import AdjustmentGroup, QuantityChange, flatten, group_of
from ledger.core.packing import pack
from ledger.core.results import Result
from ledger.core.values import maker

_row = maker(QuantityChange)
_group = maker(AdjustmentGroup)
_result = maker(Result)
_AT = datetime(2026, 4, 1, tzinfo=UTC)


def _objects_only(cfg: w.Config, store: w.Store) -> w.Prepare:
    """The values a Pythonic call must take and return, built as cheaply as they can be."""
    known: dict[tuple[str, str], int] = {}  # its own: it changes no state, so nothing to agree with

    def prepare(rep: int) -> Callable[[], int]:
        ops, _keys = w._single_inputs(cfg, store, "floor", 3, rep)

        def run() -> int:
            get = known.get
            for number, (item, location, delta) in enumerate(ops):
                cas = get((item, location), w.STOCK)
                command = Adjust(name="available", reason="correction", changes=[
                    AdjustChange(item_id=item, location_id=location, delta=delta,
                                 change_from_quantity=cas)])
                after = cas + delta
                rows = [("available", delta, after, None, item, location, "Shop"),
                        ("on_hand", delta, after, None, item, location, "Shop")]
                values: list[object] = [f"gid://shopify/InventoryAdjustmentGroup/{number}",
                                        _AT, command.reason, None]
                for one in rows:  # as ``writes.record`` joins them
                    values += one
                group = group_of(tuple(values))
                if _result("inventoryAdjustQuantities", group, (), None, None, None, None,
                           False).ok:
                    known[(item, location)] = after
            return len(ops)

        return run

    return prepare


def _loop_only(cfg: w.Config, store: w.Store) -> w.Prepare:
    """The caller's loop alone (its two dict operations): in both other sides, counted once."""
    known: dict[tuple[str, str], int] = {}

    def prepare(rep: int) -> Callable[[], int]:
        ops, keys = w._single_inputs(cfg, store, "loop", 4, rep)

        def run() -> int:
            get = known.get
            for (item, location, delta), _key in zip(ops, keys, strict=True):
                cas = get((item, location), w.STOCK)
                known[(item, location)] = cas + delta
            return len(ops)

        return run

    return prepare


def _retained(calls: int) -> dict[str, float]:
    """Bytes per call of what a key keeps inside the window with ``keep_journal=False``."""
    items = [f"gid://shopify/InventoryItem/{n}" for n in range(calls)]  # the caller's
    parts: dict[str, float] = {}

    def traced(label: str, build: Callable[[int], object]) -> list[object]:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        kept = [build(n) for n in range(calls)]
        parts[label] = (tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(kept)) / calls
        tracemalloc.stop()
        return kept

    keys = traced("key string (window-<n>)", lambda n: f"window-{n}")
    commands = traced("command, packed (ledger.core.packing): 1 tuple + its int",
                      lambda n: pack(Adjust(name="available", reason="correction", changes=[
                          AdjustChange(item_id=items[n], location_id="L", delta=1,
                                       change_from_quantity=1_000_000 + n)])))
    groups = traced("group, flat (journal.flatten): 1 tuple + id + 2 ints",
                    lambda n: flatten(_group(
                        f"gid://shopify/InventoryAdjustmentGroup/{n}", _AT, "correction", None, (
                            _row("available", 1, 1_000_001 + n, None, items[n], "L", "Shop"),
                            _row("on_hand", 1, 2_000_001 + n, None, items[n], "L", "Shop")),
                        None, None)))
    traced("(least an outcome could be: group number + 2 quantities after)",
           lambda n: (n + 1_000_000, 1_000_001 + n, 2_000_001 + n))
    entries = traced("the key's entry: one 5-tuple",
                     lambda n: ("inventoryAdjustQuantities", commands[n], groups[n], _AT, False))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    table: dict[str, object] = {}
    order: deque[str] = deque()
    for n in range(calls):
        table[keys[n]] = entries[n]  # type: ignore[index]
        order.append(keys[n])  # type: ignore[arg-type]
    parts["key table: dict slot + time-order deque slot"] = (
        tracemalloc.get_traced_memory()[0] - before) / calls
    tracemalloc.stop()
    return parts


def main(argv: list[str]) -> int:
    """Print the floor's rate beside SQLite's and the ledger's, then the bytes per call."""
    levels = int(argv[0]) if argv else 10**4
    reps = int(argv[1]) if len(argv) > 1 else 5
    cfg = w.FULL
    store = w.Store(levels)
    stats = w.interleaved(reps, {
        "ledger": w._pythonic_adjust(cfg, store, "ledger", 1),
        "sqlite": w._baseline_adjust(cfg, store, "sqlite", "sqlite", 1),
        "floor": _objects_only(cfg, store),
        "bare": w._baseline_adjust(cfg, store, "bare", "bare", 1),
        "loop": _loop_only(cfg, store),
    })
    sqlite = stats["sqlite"].median
    print(f"single-change adjust at {levels:,} levels, {reps} interleaved rounds, medians:")
    for name, label in (("sqlite", "SQLite :memory: (the baseline)"),
                        ("ledger", "Ledger.adjust"),
                        ("floor", "the public values alone (no work)"),
                        ("bare", "the work alone (bare dicts, no values)"),
                        ("loop", "the caller's loop alone (in both above)")):
        rate = stats[name].median
        print(f"  {label:40} {rate:>10,.0f} calls/s  {1e6 / rate:6.2f} us  "
              f"{rate / sqlite:5.2f}x SQLite")
    # A call must build the values and do the work: their times add, the caller's loop
    # (timed in both) once.
    floor_us = (1e6 / stats["floor"].median + 1e6 / stats["bare"].median
                - 1e6 / stats["loop"].median)
    ceiling = (1e6 / floor_us) / sqlite
    print(f"  values + work, the least a Ledger.adjust can cost: {floor_us:.2f} us, "
          f"{ceiling:.2f}x SQLite (target 1.5x: "
          f"{'reachable' if ceiling >= 1.5 else 'out of reach'})")
    parts = _retained(20_000)
    print("retained per call inside the window, keep_journal=False (tracemalloc):")
    for label, size in parts.items():
        print(f"  {label:58} {size:6.0f} B")
    least = parts.pop("(least an outcome could be: group number + 2 quantities after)")
    total = sum(parts.values())
    without_group = total - parts["group, flat (journal.flatten): 1 tuple + id + 2 ints"]
    print(f"  {'without the group (it is needed to replay the call)':58} {without_group:6.0f} B")
    print(f"  {'least outcome instead: 3 ints in a tuple':58} {least:6.0f} B  "
          f"-> {without_group + least:.0f} B at best")
    print(f"  {'total':58} {total:6.0f} B  (target 400 B: "
          f"{'reachable' if total <= 400 else 'out of reach'} while a key keeps these)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
