from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.cli import main
from ledger.cli import simulate as simulate_cli
from ledger.sim.simulation import SimulationConfig, simulate

SMALL = ["simulate", "--items", "3", "--locations", "2", "--days", "10", "--seed", "7"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``import package`` (and its submodules) fail, as if it were not installed."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def test_simulate_exits_zero_and_prints_the_summary_events_and_final_tables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(SMALL) == 0
    out = capsys.readouterr().out
    assert "Simulation: 3 items x 2 locations x 10 days, seed 7, API 2026-04" in out
    for text in ("fill rate", "stock-out lines", "oversold orders", "order_placed",
                 "incoming_received", "cycle_count", "on_hand at start"):
        assert text in out
    report = simulate(SimulationConfig(items=3, locations=2, days=10, seed=7))
    assert f"{report.fill_rate:.2%}" in out


def test_simulate_prints_plain_text_tables_without_rich(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide(monkeypatch, "rich")
    assert main(SMALL) == 0
    out = capsys.readouterr().out
    assert "┃" not in out
    assert "Summary" in out
    assert any(line.startswith("fill rate") and line.endswith("%") for line in out.splitlines())


def test_simulate_json_parses_and_equals_the_library_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SMALL, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == simulate(SimulationConfig(items=3, locations=2, days=10, seed=7)).to_dict()


def test_simulate_pins_the_api_version_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SMALL, "--api-version", "2025-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["config"]["api_version"] == "2025-01"
    assert data["operations"]["failed"] == 0


def test_simulate_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "quantities.png"
    assert main([*SMALL, "--plot", str(target), "--plot-items", "1,gid://shopify/InventoryItem/3"
                 ]) == 0
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert "fill rate" in capsys.readouterr().out


def test_simulate_plot_without_matplotlib_exits_2_and_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide(monkeypatch, "matplotlib")
    target = tmp_path / "quantities.png"
    assert main([*SMALL, "--plot", str(target)]) == 2
    assert "pip install 'shopify-inventory-ledger[plot]'" in capsys.readouterr().err
    assert not target.exists()


def test_simulate_refuses_plot_items_the_store_does_not_have(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*SMALL, "--plot", str(tmp_path / "p.png"), "--plot-items", "2,9"]) == 2
    assert "9 (items are 1..3)" in capsys.readouterr().err


def test_simulate_refuses_a_plot_item_that_is_not_an_item_id() -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*SMALL, "--plot", "p.png", "--plot-items", "gid://shopify/Location/1"])
    assert exit_.value.code == 2


def test_simulate_runs_three_seeds_and_prints_the_aggregate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SMALL, "--runs", "3", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "Sweep: 3 runs (seeds 7..9)" in out
    assert "Aggregate over runs" in out
    for name in ("fill_rate", "stockout_lines", "oversold_units"):
        assert name in out


def test_simulate_runs_json_holds_every_seed_and_the_aggregate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SMALL, "--runs", "3", "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seeds"] == [7, 8, 9]
    assert set(data["aggregate"]) == {"fill_rate", "stockout_lines", "stockout_level_days",
                                      "oversold_orders", "oversold_units"}


def test_simulate_with_a_scheduler_but_no_dask_exits_2_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide(monkeypatch, "dask")
    assert main([*SMALL, "--runs", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "pip install 'shopify-inventory-ledger[dask]'" in capsys.readouterr().err


def test_simulate_writes_a_log_that_history_and_verify_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "journal.jsonl"
    assert main([*SMALL, "--journal-out", str(target), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    start = tmp_path / "journal.jsonl.start.json"
    assert main(["history", "--state", str(start), "--journal", str(target), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len({row["groupId"] for row in rows}) == report["journal_groups"]
    assert rows[0]["groupId"] == "gid://shopify/InventoryAdjustmentGroup/1"
    assert main(["verify", "--state", str(start), "--journal", str(target)]) == 0
    assert capsys.readouterr().out.strip().endswith("verified.")


def test_simulate_shows_no_progress_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(simulate_cli, "PROGRESS_THRESHOLD", 1)
    assert main(SMALL) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
def test_simulate_shows_progress_on_a_terminal_unless_told_not_to(
    rich: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not rich:
        hide(monkeypatch, "rich")
    monkeypatch.setattr(simulate_cli, "PROGRESS_THRESHOLD", 1)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(SMALL) == 0
    captured = capsys.readouterr()
    assert ("simulating" if rich else "10/10 days") in captured.err
    assert "fill rate" in captured.out
    assert main([*SMALL, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_short_runs_show_no_progress_even_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(SMALL) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("argv", [["--items", "0"], ["--days", "x"], ["--runs", "-1"],
                                  ["--api-version", "2024-01"]])
def test_simulate_refuses_bad_sizes_with_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", *argv])
    assert exit_.value.code == 2


def test_the_installed_command_runs_a_simulation() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "ledger.cli", *SMALL, "--json", "--no-progress"],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["config"]["seed"] == 7


def test_simulate_plots_the_first_seed_of_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sweep.png"
    assert main([*SMALL, "--runs", "2", "--workers", "1", "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == PNG_SIGNATURE
    assert "Sweep: 2 runs" in capsys.readouterr().out


def test_simulate_cannot_write_its_journal_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "journal.jsonl"
    assert main([*SMALL, "--journal-out", str(target)]) == 2
    assert f"cannot write the log {target}" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "target", "message"), [
    ("--plot", "missing/quantities.png", "cannot write the plot"),
    ("--journal-out", "missing/journal.jsonl", "cannot write the log"),
    ("--plot", ".", "it is a directory"),
    ("--journal-out", "start-is-a-directory", "cannot write the starting snapshot"),
], ids=["plot-directory-missing", "journal-directory-missing", "plot-is-a-directory",
        "start-snapshot-is-a-directory"])
def test_simulate_refuses_an_unwritable_target_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    option: str, target: str, message: str,
) -> None:
    (tmp_path / "start-is-a-directory.start.json").mkdir()
    runs: list[object] = []
    real = simulate_cli.Simulation.run
    monkeypatch.setattr(simulate_cli.Simulation, "run",
                        lambda self, *a: runs.append(self) or real(self, *a))
    assert main([*SMALL, option, str(tmp_path / target)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert runs == []  # refused before the run, not after it
    assert not (tmp_path / "missing").exists()


def test_simulate_writes_its_plot_and_journal_where_the_checks_allow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    plot, journal = tmp_path / "q.png", tmp_path / "run.jsonl"
    assert main([*SMALL, "--plot", str(plot), "--journal-out", str(journal)]) == 0
    assert plot.read_bytes()[:8] == PNG_SIGNATURE
    assert (tmp_path / "run.jsonl.start.json").exists()


def test_throughput_goes_to_stderr_and_counts_the_reports_operations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SMALL, "--json"]) == 0
    plain = capsys.readouterr()
    assert main([*SMALL, "--json", "--throughput"]) == 0
    timed = capsys.readouterr()
    assert timed.out == plain.out  # the report is the seed's, with or without the figure
    calls = json.loads(plain.out)["operations"]["calls"]
    assert calls > 0
    line = timed.err.strip()
    assert line.startswith(f"ledger simulate: {calls:,} operations in ")
    assert line.endswith(" operations/s")
    assert "(1 run)" in line


def test_throughput_of_a_sweep_adds_up_every_runs_operations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SMALL, "--runs", "2", "--workers", "1", "--json", "--throughput"]) == 0
    captured = capsys.readouterr()
    calls = sum(run["operations"]["calls"] for run in json.loads(captured.out)["runs"])
    assert f"ledger simulate: {calls:,} operations in " in captured.err
    assert "(2 runs)" in captured.err


@pytest.mark.parametrize(("calls", "runs", "seconds", "expected"), [
    (1000, 1, 0.5, "ledger simulate: 1,000 operations in 0.50 s (1 run): 2,000 operations/s"),
    (30, 3, 2.0, "ledger simulate: 30 operations in 2.00 s (3 runs): 15 operations/s"),
])
def test_the_throughput_line_reads_as_a_sentence(
    calls: int, runs: int, seconds: float, expected: str,
) -> None:
    assert simulate_cli.throughput_line(calls, runs, seconds) == expected
