from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from ledger.cli import main
from ledger.sim.simulation import SimulationConfig, simulate
from ledger.sim.sweep import DaskUnavailableError, default_workers, run_sweep

CONFIG = SimulationConfig(items=3, locations=2, days=12, seed=40)


def in_process(seed: int) -> str:
    return simulate(SimulationConfig(items=3, locations=2, days=12, seed=seed)).to_json()


def test_a_sweep_runs_consecutive_seeds_and_returns_them_in_seed_order() -> None:
    sweep = run_sweep(CONFIG, 3, workers=1)
    assert [r.config.seed for r in sweep.runs] == [40, 41, 42]
    assert [r.to_json() for r in sweep.runs] == [in_process(s) for s in (40, 41, 42)]


def test_the_same_seed_gives_the_same_report_in_worker_processes() -> None:
    sweep = run_sweep(CONFIG, 3, workers=2)
    assert [r.to_json() for r in sweep.runs] == [in_process(s) for s in (40, 41, 42)]


def test_different_seeds_of_a_sweep_give_different_reports() -> None:
    sweep = run_sweep(CONFIG, 3, workers=1)
    assert len({r.to_json() for r in sweep.runs}) == 3


def test_the_aggregate_gives_the_mean_min_and_max_of_every_figure() -> None:
    sweep = run_sweep(CONFIG, 3, workers=1)
    by_name = {m.name: m for m in sweep.aggregate()}
    assert list(by_name) == ["fill_rate", "stockout_lines", "stockout_level_days",
                             "oversold_orders", "oversold_units"]
    rates = [r.fill_rate for r in sweep.runs]
    fill = by_name["fill_rate"]
    assert (fill.min, fill.max) == (min(rates), max(rates))
    assert fill.mean == pytest.approx(sum(rates) / 3)
    for m in by_name.values():
        assert m.min <= m.mean <= m.max


def test_the_sweep_json_holds_the_aggregate_and_every_run() -> None:
    sweep = run_sweep(CONFIG, 2, workers=1)
    data = sweep.to_dict()
    assert data["seeds"] == [40, 41]
    assert data["aggregate"]["fill_rate"]["min"] <= data["aggregate"]["fill_rate"]["max"]
    assert [r["config"]["seed"] for r in data["runs"]] == [40, 41]


def test_progress_counts_finished_runs() -> None:
    seen: list[int] = []
    run_sweep(CONFIG, 3, workers=1, progress=seen.append)
    assert seen == [1, 2, 3]


def test_the_default_pool_is_no_larger_than_the_runs() -> None:
    assert default_workers(1) == 1
    assert 1 <= default_workers(64) <= 64


@pytest.mark.parametrize(("runs", "workers"), [(0, 1), (2, 0)])
def test_runs_and_workers_must_be_positive(runs: int, workers: int) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        run_sweep(CONFIG, runs, workers=workers)


def test_a_missing_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "dask" or n.startswith("dask.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    hint = r"pip install 'shopify-inventory-ledger\[dask\]'"
    with pytest.raises(DaskUnavailableError, match=hint):
        run_sweep(CONFIG, 2, scheduler="tcp://127.0.0.1:1")


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


@pytest.mark.dask
def test_the_same_seed_gives_the_same_report_on_a_dask_cluster(dask_address: str) -> None:
    sweep = run_sweep(CONFIG, 3, scheduler=dask_address)
    assert [r.to_json() for r in sweep.runs] == [in_process(s) for s in (40, 41, 42)]


@pytest.mark.dask
def test_the_cli_sweeps_on_the_dask_cluster_its_scheduler_names(
    dask_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--items", "3", "--locations", "2", "--days", "12", "--seed", "40",
            "--runs", "3", "--json"]
    assert main([*argv, "--scheduler", dask_address]) == 0
    on_dask = capsys.readouterr().out
    assert main([*argv, "--workers", "1"]) == 0
    assert on_dask == capsys.readouterr().out
    assert on_dask == run_sweep(CONFIG, 3, workers=1).to_json(indent=2) + "\n"
