"""Sweeps: one simulation per seed (seed, seed+1, ...), in this process, a pool or on Dask.

Each run is ``simulation.simulate`` of its own configuration and nothing else, so a seed
gives the same report wherever it runs: serially, in a ``ProcessPoolExecutor`` or on a Dask
cluster (``scheduler=ADDRESS``, needs the ``dask`` extra). Reports come back in seed order
whatever order the runs finish in, and ``SweepReport.aggregate`` summarises them.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Final

import attrs

from ledger.core.errors import LedgerError
from ledger.sim.report import SimulationConfig, SimulationReport
from ledger.sim.simulation import simulate

#: The per-run figures the aggregate summarises, in the order they are printed.
METRICS: Final = ("fill_rate", "stockout_lines", "stockout_level_days", "oversold_orders",
                  "oversold_units")


class DaskUnavailableError(LedgerError):
    """``scheduler=`` was given but ``dask.distributed`` cannot be imported."""


@attrs.frozen(kw_only=True)
class MetricSummary:
    """Mean, minimum and maximum of one figure over the runs of a sweep."""

    name: str
    mean: float
    min: float
    max: float


@attrs.frozen(kw_only=True)
class SweepReport:
    """The reports of a sweep's runs, in seed order."""

    runs: tuple[SimulationReport, ...]

    def aggregate(self) -> tuple[MetricSummary, ...]:
        """Return the mean/min/max of every figure in ``METRICS`` over the runs."""
        out = []
        for name in METRICS:
            values = [float(getattr(run, name)) for run in self.runs]
            out.append(MetricSummary(name=name, mean=statistics.fmean(values),
                                     min=min(values), max=max(values)))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """Return the sweep as JSON-ready values: the aggregate, then every run."""
        return {
            "seeds": [run.config.seed for run in self.runs],
            "aggregate": {m.name: {"mean": m.mean, "min": m.min, "max": m.max}
                          for m in self.aggregate()},
            "runs": [run.to_dict() for run in self.runs],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """Return the sweep as JSON with sorted keys."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=indent)


def seed_configs(config: SimulationConfig, runs: int) -> list[SimulationConfig]:
    """Return ``runs`` copies of ``config`` with seeds ``config.seed``, ``config.seed + 1``, ..."""
    if runs < 1:
        raise ValueError(f"runs must be >= 1, not {runs}")
    return [attrs.evolve(config, seed=config.seed + i) for i in range(runs)]


def default_workers(runs: int) -> int:
    """Return the default pool size: ``min(runs, os.cpu_count())``."""
    return max(1, min(runs, os.cpu_count() or 1))


def run_one(config: SimulationConfig) -> SimulationReport:
    """Run one seed's simulation: the unit of work sent to processes and Dask workers."""
    return simulate(config)


def run_sweep(
    config: SimulationConfig,
    runs: int,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepReport:
    """Run ``runs`` seeds from ``config.seed`` and return their reports in seed order.

    With ``scheduler`` the runs go to the Dask cluster at that address; otherwise to
    ``workers`` processes (default ``min(runs, cpu_count)``), or this process when that is 1.
    ``progress`` is called with the number of runs finished.

    >>> sweep = run_sweep(SimulationConfig(items=2, locations=1, days=3), 2, workers=1)
    >>> [run.config.seed for run in sweep.runs]
    [0, 1]
    """
    configs = seed_configs(config, runs)
    if scheduler is not None:
        reports = _on_dask(configs, scheduler, progress)
    else:
        size = default_workers(runs) if workers is None else workers
        if size < 1:
            raise ValueError(f"workers must be >= 1, not {size}")
        reports = _serial(configs, progress) if size == 1 else _pool(configs, size, progress)
    return SweepReport(runs=tuple(reports))


def _serial(
    configs: Sequence[SimulationConfig], progress: Callable[[int], None] | None
) -> list[SimulationReport]:
    reports = []
    for done, config in enumerate(configs, 1):
        reports.append(run_one(config))
        if progress is not None:
            progress(done)
    return reports


def _pool(
    configs: Sequence[SimulationConfig], workers: int, progress: Callable[[int], None] | None
) -> list[SimulationReport]:
    # "spawn" rather than Linux's default fork: forking a process that runs threads (a Dask
    # client, a progress bar) can deadlock, and spawn behaves the same on every platform.
    context = multiprocessing.get_context("spawn")
    reports: list[SimulationReport | None] = [None] * len(configs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_one, config): i for i, config in enumerate(configs)}
        for done, future in enumerate(as_completed(futures), 1):
            reports[futures[future]] = future.result()
            if progress is not None:
                progress(done)
    return [r for r in reports if r is not None]


def _on_dask(
    configs: Sequence[SimulationConfig], address: str, progress: Callable[[int], None] | None
) -> list[SimulationReport]:
    try:
        # Typed as Any: dask.distributed has no type hints mypy --strict accepts.
        dask_distributed: Any = importlib.import_module("dask.distributed")
    except ImportError as error:
        raise DaskUnavailableError(
            "--scheduler needs dask.distributed; install the 'dask' extra: "
            "pip install 'shopify-inventory-ledger[dask]'"
        ) from error
    reports: list[SimulationReport | None] = [None] * len(configs)
    with dask_distributed.Client(address) as client:
        # pure=False: each run is submitted as its own task even if two configs were equal.
        futures = client.map(run_one, list(configs), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for done, future in enumerate(dask_distributed.as_completed(futures), 1):
            reports[index[future.key]] = future.result()
            if progress is not None:
                progress(done)
    return [r for r in reports if r is not None]
