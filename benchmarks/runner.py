"""The runner: ``python -m benchmarks [--quick] [--only NAME[,NAME...]] [--json FILE]``."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks import workloads as w
from benchmarks.workloads import Config, Figure, Store

#: Workloads run on one ledger per level size, in this order (fork last: it layers the state).
PER_SIZE: dict[str, Callable[[Config, Store], Figure]] = {
    "adjust-execute": w.adjust_execute,
    "adjust-pythonic": w.adjust_pythonic,
    "adjust-batch": w.adjust_1000,
    "move": w.move,
    "set": w.set_,
}
NAMES = (*PER_SIZE, "graphql", "fork", "replay", "asof", "memory-level", "memory-longrun")


@dataclass(frozen=True)
class Target:
    """One target of issue 5: the figure, the goal, what was measured and whether it is met."""

    figure: str
    goal: str
    measured: float | None
    met: bool | None


def run(cfg: Config, only: set[str]) -> list[Figure]:
    figures: list[Figure] = []

    def add(found: Figure | list[Figure]) -> None:
        for figure in found if isinstance(found, list) else [found]:
            figures.append(figure)
            ratio = f"{figure.ratio:.3g}" if figure.ratio is not None else "-"
            w.log(f"  {figure.workload} @ {figure.size:,} {figure.size_unit}: "
                  f"{figure.ledger.median:,.1f} {figure.unit} (ratio {ratio})")

    sized = [name for name in (*PER_SIZE, "graphql", "fork") if name in only]
    for size in cfg.level_sizes if sized else ():
        start = time.perf_counter()
        store = Store(size)
        w.log(f"{size:,} levels: loaded in {time.perf_counter() - start:.1f} s")
        for name, workload in PER_SIZE.items():
            if name in only:
                add(workload(cfg, store))
        if "graphql" in only and size == cfg.level_sizes[0]:
            add(w.graphql_vs_execute(cfg, store))
        if "fork" in only:
            add(w.fork(cfg, store))
        del store
        gc.collect()
    for ops in cfg.journal_sizes if {"replay", "asof"} & only else ():
        start = time.perf_counter()
        journaled = w.build_journal(cfg, ops)
        w.log(f"journal of {ops:,} calls built in {time.perf_counter() - start:.1f} s")
        if "asof" in only:
            add(w.asof(cfg, journaled))
        if "replay" in only:
            add(w.replay(cfg, journaled))
        del journaled
        gc.collect()
    if "memory-level" in only:
        add(w.memory_per_level(cfg))
    if "memory-longrun" in only:
        add(w.memory_longrun(cfg))
    return figures


def _find(figures: Sequence[Figure], workload: str, size: int | None = None) -> Figure | None:
    found = [f for f in figures if f.workload == workload and (size is None or f.size == size)]
    return found[0] if found else None


def targets(figures: Sequence[Figure], cfg: Config) -> list[Target]:
    """Issue 5's targets, from the figures this run measured (ratios of medians)."""
    small, large = cfg.level_sizes[0], cfg.level_sizes[-1]
    out: list[Target] = []

    def ratio_target(label: str, workload: str, size: int, at_least: float) -> None:
        figure = _find(figures, workload, size)
        value = figure.ratio if figure is not None else None
        out.append(Target(label, f">= {at_least}", value,
                          None if value is None else value >= at_least))

    def scaling(label: str, workload: str, bound: float, *, cost: bool) -> None:
        sizes = sorted({f.size for f in figures if f.workload == workload})
        value = None
        if len(sizes) >= 2:
            lo, hi = _find(figures, workload, sizes[0]), _find(figures, workload, sizes[-1])
            if lo is not None and hi is not None:
                value = lo.ledger.median / hi.ledger.median if cost else (
                    hi.ledger.median / lo.ledger.median)
                label = label.format(hi=f"{sizes[-1]:,}", lo=f"{sizes[0]:,}")
        if value is None:
            label = label.format(hi="largest", lo="smallest")
        met = None if value is None else (value <= bound if cost else value >= bound)
        out.append(Target(label, f"{'<=' if cost else '>='} {bound}", value, met))

    ratio_target(f"execute single-change adjust / bare-dict ({small:,} levels)",
                 "adjust-execute", small, 0.10)
    ratio_target(f"Pythonic single-change adjust / bare-dict ({small:,} levels)",
                 "adjust-pythonic", small, 0.20)
    ratio_target(f"per-change throughput of a {w.BATCH:,}-change adjust "
                 f"(1,000 asked; capped by the input limit) / bare-dict ({small:,} levels)",
                 "adjust-batch", small, 0.50)
    replay = [f for f in figures if f.workload == "replay"]
    if replay:
        biggest = max(replay, key=lambda f: f.size)
        ratio_target(f"journal replay per operation / bare-dict ({biggest.size:,} ops)",
                     "replay", biggest.size, 0.30)
    else:
        out.append(Target("journal replay per operation / bare-dict", ">= 0.3", None, None))
    for workload in PER_SIZE:
        scaling(f"{workload} throughput at {{hi}} levels / at {{lo}} levels", workload, 0.80,
                cost=False)
    scaling("fork() cost at {hi} levels / at {lo} levels", "fork", 2, cost=True)
    scaling("as-of lookup cost at {hi} entries / at {lo} entries", "asof", 2, cost=True)
    gql = _find(figures, "graphql/execute")
    value = gql.ratio if gql is not None else None
    out.append(Target("graphql() (cached document) / execute()", ">= 0.25", value,
                      None if value is None else value >= 0.25))
    mem = _find(figures, "memory/level")
    value = mem.ledger.median if mem is not None else None
    label = f"memory per stocked level at {large if mem is None else mem.size:,} levels (bytes)"
    out.append(Target(label, "<= 400", value, None if value is None else value <= 400))
    for figure in figures:
        if figure.workload == "memory/long-run keep_journal=False":
            growth = figure.extra["growth_after_window"]
            out.append(Target("long-run memory flat once the 24 h window is full "
                              "(keep_journal=False; growth over the settled half)",
                              "flat (|growth| < 5%)", growth, bool(figure.extra["flat"])))
        elif figure.workload == "memory/long-run with journal":
            growth = figure.extra["growth_after_window"]
            out.append(Target("long-run memory with the journal (grows by design; "
                              "growth over the settled half)", "informational", growth, None))
    return out


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def figures_table(figures: Sequence[Figure]) -> str:
    rows = []
    for f in figures:
        rows.append([
            f.workload, f"{f.size:,} {f.size_unit}", f.unit, _num(f.ledger.min),
            _num(f.ledger.median), _num(f.ledger.max),
            _num(f.baseline.median) if f.baseline is not None else "-",
            f"{f.ratio:.3g}" if f.ratio is not None else "-", f.note,
        ])
    return _table(["workload", "size", "unit", "min", "median", "max", "baseline median",
                   "ratio", "note"], rows)


def targets_table(rows: Sequence[Target]) -> str:
    def verdict(t: Target) -> str:
        return "-" if t.met is None else ("met" if t.met else "NOT met")

    def shown(t: Target) -> str:
        if t.measured is None:
            return "not measured"
        if "growth" in t.figure:
            return f"{t.measured:+.1%}"
        return f"{t.measured:.3g}"

    return _table(["figure", "target", "measured", "verdict"],
                  [[t.figure, t.goal, shown(t), verdict(t)] for t in rows])


def machine() -> str:
    return (f"{platform.python_implementation()} {platform.python_version()} on "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repetitions: a smoke run under a minute")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only these workloads (repeat or comma-separate): "
                             f"{', '.join(NAMES)}")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    cfg = w.QUICK if args.quick else w.FULL
    only = set(NAMES)
    if args.only:
        only = {name.strip() for names in args.only for name in names.split(",") if name.strip()}
        unknown = only - set(NAMES)
        if unknown:
            parser.error(f"unknown workload(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(NAMES)}")
    started = time.perf_counter()
    figures = run(cfg, only)
    wall = time.perf_counter() - started
    goals = targets(figures, cfg)
    print(f"ledger benchmarks ({cfg.name}, seed {cfg.seed}, {cfg.reps} reps; "
          f"{machine()}; wall {wall:.0f} s)")
    print("Throughput in units/s (min/median/max over repetitions); ratio = ledger median / "
          "baseline median (for memory: ledger bytes / bare-dict bytes, lower is better).")
    print()
    print(figures_table(figures))
    print()
    print(targets_table(goals))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({
                "config": dataclasses.asdict(cfg), "machine": machine(), "wall_seconds": wall,
                "figures": [{**dataclasses.asdict(f), "ratio": f.ratio} for f in figures],
                "targets": [dataclasses.asdict(t) for t in goals],
            }, out, indent=2)
    return 0
