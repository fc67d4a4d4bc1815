"""The ``ledger simulate`` command: run the seeded simulation (or a sweep of seeds) and report.

``rich`` (the ``simulate`` extra) draws the tables and the progress bar; without it the same
figures print as plain text. ``--plot`` needs matplotlib (the ``plot`` extra) and
``--scheduler`` needs ``dask.distributed`` (the ``dask`` extra); either missing is a clear
error with exit status 2.

The cli layer: ``ledger.cli.app`` registers this command; what it shares with the others
is in ``ledger.cli.common``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TextIO

from ledger.cli.common import EXIT_OK, EXIT_UNUSABLE, UnusableInputError, check_target
from ledger.core.versions import DEFAULT, SUPPORTED
from ledger.sim.report import DailySample, SimulationConfig, SimulationReport
from ledger.sim.simulation import ITEM_PREFIX, Simulation, item_id
from ledger.sim.sweep import DaskUnavailableError, SweepReport, run_sweep

#: Below this much work (item-location-days times runs) no progress bar is shown: it would
#: only flicker.
PROGRESS_THRESHOLD: Final = 20_000


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _item_numbers(text: str) -> list[int]:
    """Parse ``--plot-items``: comma-separated item numbers (``1,3``) or full item ids."""
    out = []
    for part in text.split(","):
        number = part.strip().removeprefix(ITEM_PREFIX)
        if not number.isdigit():
            raise argparse.ArgumentTypeError(f"not an item number or id: {part.strip()!r}")
        out.append(int(number))
    return out


def register(subparsers: Any) -> None:
    """Add ``simulate`` to the ``ledger`` command's subparsers."""
    text = "run a seeded demand-and-replenishment simulation and report stock-outs and fill rate"
    p = subparsers.add_parser("simulate", help=text, description=text)
    p.add_argument("--items", type=_count, default=5, help="inventory items (default 5)")
    p.add_argument("--locations", type=_count, default=2, help="locations (default 2)")
    p.add_argument("--days", type=_count, default=30, help="simulated days (default 30)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the first run (default 0)")
    p.add_argument("--api-version", default=DEFAULT, choices=SUPPORTED,
                   help=f"API version the simulated app pins (default {DEFAULT})")
    p.add_argument("--runs", type=_count, default=1,
                   help="run this many seeds (seed, seed+1, ...) and aggregate them")
    p.add_argument("--workers", type=_count, default=None,
                   help="worker processes for --runs (default min(runs, cpu count))")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on the Dask cluster at ADDRESS (needs the 'dask' extra)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead")
    p.add_argument("--plot", metavar="FILE", type=Path, default=None,
                   help="write a PNG of available/committed/on_hand over time (first seed)")
    p.add_argument("--plot-items", metavar="ITEM_IDS", type=_item_numbers, default=None,
                   help="comma-separated item numbers or ids to plot (default 1)")
    p.add_argument("--journal-out", metavar="FILE", type=Path, default=None,
                   help="write the first seed's operation log (and FILE.start.json, its "
                   "starting snapshot) for 'ledger history', 'show' and 'verify'")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument("--throughput", action="store_true",
                   help="print the run's ledger operations per second to stderr (the report "
                   "itself stays the same for the same seed)")
    p.set_defaults(handler=command)


def _error(message: str) -> int:
    print(f"ledger simulate: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``ledger simulate``; return its exit status."""
    config = SimulationConfig(items=args.items, locations=args.locations, days=args.days,
                              seed=args.seed, api_version=args.api_version)
    plot_items: list[str] = []
    if args.plot is not None:
        numbers: list[int] = args.plot_items or [1]
        unknown = [str(n) for n in numbers if not 1 <= n <= args.items]
        if unknown:
            return _error(f"--plot-items names items the store does not have: "
                          f"{', '.join(unknown)} (items are 1..{args.items})")
        plot_items = [item_id(n) for n in dict.fromkeys(numbers)]
        # Fail before the run, not after minutes of it.
        if _pyplot() is None:
            return _error("--plot needs matplotlib; install the 'plot' extra: "
                          "pip install 'shopify-inventory-ledger[plot]'")
    try:
        _check_targets(args.plot, args.journal_out)
    except UnusableInputError as error:
        return _error(str(error))
    work = args.items * args.locations * args.days * args.runs
    show = not args.no_progress and sys.stderr.isatty() and work >= PROGRESS_THRESHOLD
    # A single run happens here, with its samples and its ledger at hand. A sweep sends
    # every seed out; when a plot or the journal is wanted, the first seed is replayed here,
    # which gives exactly the run the sweep reported.
    first: SimulationReport | None = None
    sweep: SweepReport | None = None
    simulation: Simulation | None = None
    started = time.perf_counter()
    if args.runs == 1 and args.scheduler is None:
        # The operation log is kept only to be written: --journal-out.
        simulation = Simulation(config, sample_items=plot_items,
                                record=args.journal_out is not None)
        with _progress(show, "days", args.days) as tick:
            first = simulation.run(tick)
    else:
        try:
            with _progress(show, "runs", args.runs) as tick:
                sweep = run_sweep(config, args.runs, workers=args.workers,
                                  scheduler=args.scheduler, progress=tick)
        except DaskUnavailableError as error:
            return _error(str(error))
        except OSError as error:
            if args.scheduler is None:
                raise
            return _error(f"cannot reach the Dask scheduler at {args.scheduler}: {error}")
    elapsed = time.perf_counter() - started
    if args.throughput:
        runs = sweep.runs if sweep is not None else (first,) if first is not None else ()
        print(throughput_line(sum(run.operations.calls for run in runs), len(runs), elapsed),
              file=sys.stderr)
    if sweep is not None and (plot_items or args.journal_out is not None):
        simulation = Simulation(config, sample_items=plot_items,
                                record=args.journal_out is not None)
        first = simulation.run()
    try:
        if args.journal_out is not None and simulation is not None:
            _write_journal(args.journal_out, simulation)
        if args.plot is not None and first is not None:
            _plot(first.samples, args.plot)
    except OSError as error:
        return _error(f"cannot write {error.filename}: {error.strerror}")
    if args.json:
        out.write((sweep.to_json(indent=2) if sweep is not None
                   else first.to_json(indent=2) if first is not None else "{}") + "\n")
    elif sweep is not None:
        _print_sweep(sweep, out)
    elif first is not None:
        _print_report(first, out)
    return EXIT_OK


def throughput_line(calls: int, runs: int, seconds: float) -> str:
    """Return the ``--throughput`` line: the ledger calls the run(s) made, per wall second.

    The time is the run's wall time in this process (a sweep's: from sending the first seed
    out to the last report back), so it includes the simulation's own work around each call.
    """
    rate = calls / seconds if seconds > 0 else float("inf")
    what = "1 run" if runs == 1 else f"{runs} runs"
    return (f"ledger simulate: {calls:,} operations in {seconds:.2f} s ({what}): "
            f"{rate:,.0f} operations/s")


def _start_path(journal: Path) -> Path:
    """Return where the starting snapshot of ``--journal-out FILE`` goes: ``FILE.start.json``."""
    return journal.with_name(journal.name + ".start.json")


def _check_targets(plot: Path | None, journal: Path | None) -> None:
    """Refuse, before the run, a ``--plot`` or ``--journal-out`` that could not be written."""
    if plot is not None:
        check_target(plot, "the plot")
    if journal is not None:
        check_target(journal, "the log")
        check_target(_start_path(journal), "the starting snapshot")


def _write_journal(path: Path, simulation: Simulation) -> None:
    """Write the run's operation log, and its starting snapshot beside it.

    The snapshot goes to ``<path>.start.json`` so that ``ledger history --state
    <path>.start.json --journal <path>`` (and ``show``, ``verify``) read the run.
    """
    simulation.ledger.export_oplog(path)
    start = _start_path(path)
    start.write_text(json.dumps(simulation.start_snapshot, indent=1) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------- progress


@contextmanager
def _progress(show: bool, unit: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback that shows ``done`` of ``total`` on stderr, or ``None`` when hidden."""
    if not show:
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import Progress
    except ImportError:
        def plain(done: int) -> None:
            print(f"\r{done}/{total} {unit}", end="", file=sys.stderr, flush=True)

        yield plain
        print(file=sys.stderr)
        return
    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(f"simulating ({unit})", total=total)
        yield lambda done: bar.update(task, completed=done)


# ---------------------------------------------------------------------- tables


def _rows(report: SimulationReport) -> list[tuple[str, str]]:
    ops = report.operations
    return [
        ("seed", str(report.config.seed)),
        ("orders placed (lines)", f"{report.orders_placed} ({report.order_lines})"),
        ("units ordered", str(report.units_ordered)),
        ("units fulfilled", str(report.units_fulfilled)),
        ("fill rate", f"{report.fill_rate:.2%}"),
        ("stock-out lines", str(report.stockout_lines)),
        ("stock-out level-days", str(report.stockout_level_days)),
        ("oversold orders (units)", f"{report.oversold_orders} ({report.oversold_units})"),
        ("operations (no-ops, failed)", f"{ops.calls} ({ops.no_ops}, {ops.failed})"),
        ("adjustment groups", str(report.journal_groups)),
    ]


def _event_rows(report: SimulationReport) -> list[tuple[str, str, str]]:
    return [(e.kind, str(e.calls), str(e.units)) for e in report.events]


def _final_rows(report: SimulationReport) -> list[tuple[str, str]]:
    rows = [("on_hand at start", str(report.initial_on_hand))]
    rows += [(name, str(value)) for name, value in report.final_quantities]
    rows.append(("levels with available <= 0", str(report.levels_out_of_stock_at_end)))
    return rows


def _sweep_rows(sweep: SweepReport) -> list[tuple[str, str, str, str]]:
    def show(name: str, value: float, digits: int) -> str:
        return f"{value:.2%}" if name == "fill_rate" else f"{value:.{digits}f}"

    # Counts are whole numbers; only their mean needs decimals.
    return [(m.name, show(m.name, m.mean, 2), show(m.name, m.min, 0), show(m.name, m.max, 0))
            for m in sweep.aggregate()]


def _print_report(report: SimulationReport, out: TextIO) -> None:
    c = report.config
    title = (f"Simulation: {c.items} items x {c.locations} locations x {c.days} days, "
             f"seed {c.seed}, API {c.api_version}")
    _tables(out, title, [
        ("Summary", ("figure", "value"), _rows(report)),
        ("Events", ("event", "calls", "units"), _event_rows(report)),
        ("Final quantities (all levels)", ("quantity", "total"), _final_rows(report)),
    ])


def _print_sweep(sweep: SweepReport, out: TextIO) -> None:
    c = sweep.runs[0].config
    seeds = f"{c.seed}..{c.seed + len(sweep.runs) - 1}"
    title = (f"Sweep: {len(sweep.runs)} runs (seeds {seeds}), {c.items} items x "
             f"{c.locations} locations x {c.days} days, API {c.api_version}")
    per_run = [(str(r.config.seed), f"{r.fill_rate:.2%}", str(r.stockout_lines),
                str(r.stockout_level_days), str(r.oversold_orders), str(r.oversold_units))
               for r in sweep.runs]
    _tables(out, title, [
        ("Aggregate over runs", ("figure", "mean", "min", "max"), _sweep_rows(sweep)),
        ("Runs", ("seed", "fill rate", "stock-out lines", "stock-out level-days",
                  "oversold orders", "oversold units"), per_run),
    ])


Table = tuple[str, Sequence[str], Sequence[Sequence[str]]]


def _tables(out: TextIO, title: str, tables: Sequence[Table]) -> None:
    """Print ``tables`` with rich when it is installed, as aligned plain text otherwise."""
    try:
        from rich.console import Console
        from rich.table import Table as RichTable
    except ImportError:
        print(title, file=out)
        for caption, headers, rows in tables:
            print(f"\n{caption}", file=out)
            widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
            for row in [headers, *rows]:
                cells = [str(v).ljust(w) if i == 0 else str(v).rjust(w)
                         for i, (v, w) in enumerate(zip(row, widths, strict=True))]
                print("  ".join(cells).rstrip(), file=out)
        return
    # A fixed width keeps the output the same on every terminal and in files.
    console = Console(file=out, width=100)
    console.print(title)
    for caption, headers, rows in tables:
        # The caption is printed on its own: a table title would be padded with spaces.
        console.print(f"\n{caption}")
        table = RichTable()
        for i, header in enumerate(headers):
            table.add_column(header, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)


# ---------------------------------------------------------------------- plot


def _pyplot() -> Any:
    """Return matplotlib's pyplot on the Agg backend, or ``None`` when it is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    return plt


def _plot(samples: Sequence[DailySample], path: Path) -> None:
    """Write a PNG with one panel per item: available, committed and on_hand by day."""
    plt = _pyplot()
    items = list(dict.fromkeys(s.item_id for s in samples))
    fig, axes = plt.subplots(len(items), 1, figsize=(8, 2.6 * len(items)), squeeze=False,
                             sharex=True)
    for ax, item in zip(axes[:, 0], items, strict=True):
        mine = [s for s in samples if s.item_id == item]
        days = [s.day + 1 for s in mine]
        for name in ("available", "committed", "on_hand"):
            ax.step(days, [getattr(s, name) for s in mine], where="post", label=name)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_title(f"{item} (all locations)")
        ax.set_ylabel("units")
        ax.legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel("day")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
