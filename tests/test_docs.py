"""Every example in the README and docs/ runs, exactly as shown, so none can go stale.

* A ```python block runs (the blocks of one page in order, sharing their names, from the
  root of the checkout); when a ```text block follows it, what it prints must be that
  text. A block that defines pytest tests runs as a test file of an app, with the plugin.
* A ```sh block's ``ledger ...`` lines run in-process, in a scratch copy of ``examples/``;
  a ```text block after it is their exact output. Other lines (the Quick start, the
  development tools) are what ``.ci/run`` runs.
* A ```json block that is a plan (one request a line) runs through ``ledger check`` on the
  example store; a snapshot loads.
* An untagged block is a synopsis, or (said in the text before it) needs what a test cannot
  have, such as a Dask cluster: it is not run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```$", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    """The fenced blocks of a page, in order: (language, text)."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(page.read_text())]


def _paired(page: Path, language: str) -> list[tuple[int, str, str | None]]:
    """Blocks of ``language`` with the ```text block right after each one, if any."""
    found = blocks(page)
    out = []
    for i, (lang, text) in enumerate(found):
        if lang == language:
            after = found[i + 1] if i + 1 < len(found) else None
            out.append((i, text, after[1] if after and after[0] == "text" else None))
    return out


def _ids(items: list[tuple[Path, Any]]) -> list[str]:
    return [f"{page.relative_to(ROOT)}#{n}" for n, (page, _) in enumerate(items)]


def _is_test_file(text: str) -> bool:
    return bool(re.search(r"^(?:async )?def test_|^Test\w+ = ", text, re.M))


PYTHON_PAGES = [page for page in PAGES if any(lang == "python" for lang, _ in blocks(page))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=[str(p.relative_to(ROOT)) for p in
                                                   PYTHON_PAGES])
def test_a_pages_python_examples_run_and_print_what_they_show(
        page: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    ran = 0
    for _, text, shown in _paired(page, "python"):
        if _is_test_file(text):
            pytest.importorskip("graphql")
            pytest.importorskip("httpx")
            # Only a page with a test file takes pytester: it restores sys.modules when it
            # ends, dropping every module an example imported first (a second copy of
            # graphql-core then fails its own isinstance checks in later tests).
            pytester = request.getfixturevalue("pytester")
            app = pytester.makepyfile(test_app=text)
            pytester.chdir()  # run the app's tests alone, in pytester's directory
            # In a subprocess: an in-process run would reload modules this process holds.
            result = pytester.runpytest_subprocess(str(app), "-p", "no:ledger", "-p",
                                                   "ledger.pytest_plugin", "-q")
            tests = re.findall(r"^(?:async )?def test_", text, re.M)
            result.assert_outcomes(passed=max(1, len(tests)))
            monkeypatch.chdir(ROOT)
            ran += 1
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(text, str(page), "exec"), namespace)  # noqa: S102 - our own docs
        if shown is not None:
            assert out.getvalue() == shown, f"{page.name}: the block prints\n{out.getvalue()}"
        ran += 1
    assert ran


def _commands(text: str) -> list[list[str]]:
    return [shlex.split(line)[1:] for line in text.splitlines()
            if line.startswith("ledger ")]


SH = [(page, (text, shown)) for page in PAGES for _, text, shown in _paired(page, "sh")
      if _commands(text)]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch directory holding a copy of examples/ (commands may write there)."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("page", "block"), SH, ids=_ids(SH))
def test_the_command_examples_print_exactly_what_they_show(
        page: Path, block: tuple[str, str | None], scratch: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from ledger.cli import main

    text, shown = block
    printed = []
    for argv in _commands(text):
        status = main(argv)
        assert status in (0, 1), (argv, capsys.readouterr().err)
        printed.append(capsys.readouterr().out)
    if shown is not None:
        got = "".join(printed)
        strip = "\n".join(line.rstrip() for line in got.splitlines())
        assert strip == shown.rstrip("\n"), f"{page.name}: the commands print\n{got}"


JSON = [(page, text) for page in PAGES for lang, text in blocks(page) if lang == "json"]


@pytest.mark.parametrize(("page", "text"), JSON, ids=_ids(JSON))
def test_the_json_examples_are_a_plan_that_runs_or_a_snapshot_that_loads(
        page: Path, text: str, scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ledger import Ledger
    from ledger.cli import main

    try:
        snapshot = json.loads(text)
    except json.JSONDecodeError:
        snapshot = None
    if isinstance(snapshot, dict) and "operation" not in snapshot:
        Ledger.from_snapshot(snapshot)
        return
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(isinstance(json.loads(line), dict) for line in lines)  # one request a line
    plan = scratch / "plan.jsonl"
    plan.write_text(text)
    status = main(["check", str(plan), "--state", "examples/store.json",
                   "--at", "2026-11-02T08:00:00Z"])
    assert status == 0, capsys.readouterr()


def test_every_page_has_a_run_example_or_says_why_not() -> None:
    for page in PAGES:
        kinds = {lang for lang, _ in blocks(page)}
        if page.name in ("choices.md",):
            continue  # prose only
        assert kinds & {"python", "sh", "json"}, page.name


def test_the_quick_start_holds_exactly_two_commands() -> None:
    section = (ROOT / "README.md").read_text().split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "ledger check examples/plan.jsonl --state examples/store.json" in commands[0]
    assert "pytest" in commands[1]


def test_the_pages_link_to_pages_that_exist() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), (page.name, target)


def test_no_page_points_at_files_a_users_clone_does_not_have() -> None:
    for page in PAGES:
        text = page.read_text()
        for stale in ("../shared", "spec §", "issue 5", "not thread-safe"):
            assert stale not in text, (page.name, stale)


def test_every_source_file_and_module_a_page_names_exists() -> None:
    # The layout moves (docs/architecture.md): a page naming ``ledger/rules.py`` or
    # ``ledger.simulation.simulate`` after the file moved would send a reader nowhere.
    for page in [*PAGES, ROOT / "RELIABILITY.md", ROOT / "benchmarks" / "README.md"]:
        text = page.read_text()
        for path in re.findall(r"\bledger/[\w/]+\.py\b", text):
            assert (ROOT / path).is_file(), (page.name, path)
        for dotted in re.findall(r"`(ledger(?:\.[a-z_]+)+)(?:\.[A-Za-z_]\w*)*[`(]", text):
            parts = dotted.split(".")
            # The longest prefix that is a module file or package must exist.
            found = [".".join(parts[:n]) for n in range(len(parts), 1, -1)
                     if (ROOT / Path(*parts[:n])).with_suffix(".py").is_file()
                     or (ROOT / Path(*parts[:n]) / "__init__.py").is_file()]
            assert found or parts[1] in _LEDGER_ATTRIBUTES, (page.name, dotted)


#: ``ledger.X`` in prose that names a method of a variable called ``ledger``, not a module.
_LEDGER_ATTRIBUTES = frozenset({
    "adjust", "move", "set", "execute", "graphql", "snapshot", "groups", "fork", "quantity_at",
    "quantities_at", "export_oplog", "order_placed", "history", "checkpoint", "close", "sync",
    "report", "journal", "oplog", "quantities", "level", "replay", "activate", "deactivate",
})


def test_every_install_hint_names_the_distribution() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^name = "shopify-inventory-ledger"$', pyproject, re.M)
    hints = []
    for path in [*(ROOT / "ledger").rglob("*.py"), *PAGES]:
        hints += re.findall(r"pip install '([^'\[.]+)\[", path.read_text())
    assert hints
    assert set(hints) == {"shopify-inventory-ledger"}


def test_python_m_ledger_runs_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ledger", "check", "examples/plan.jsonl", "--state",
         "examples/store.json", "--at", "2026-11-02T08:00:00Z"], cwd=ROOT,
        capture_output=True, text=True, check=False, env={**os.environ})
    assert done.returncode == 1
    assert "7 request(s)" in done.stdout


def test_what_a_user_pastes_from_memory_works_too() -> None:
    from datetime import timedelta

    from ledger import FaultPlan, Ledger
    from ledger.core.clock import ManualClock

    ledger = Ledger.example(faults=FaultPlan(seed=1, rate=1.0))  # options reach Ledger
    assert ledger.faults is not None
    clock = ManualClock()
    before = clock()
    clock.advance(timedelta(minutes=5))
    clock.advance(30)
    assert clock() - before == timedelta(minutes=5, seconds=30)
