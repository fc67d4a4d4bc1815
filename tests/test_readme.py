"""The README's examples are run, so they cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_the_quick_start_holds_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "ledger check examples/plan.jsonl --state examples/store.json" in commands[0]
    assert "pytest" in commands[1]


def test_the_embedding_example_runs_and_gives_what_its_comments_say() -> None:
    block = next(b for b in python_blocks() if "Ledger.example" in b)
    namespace: dict[str, object] = {}
    lines = block.splitlines()
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 -- our own README
    result = namespace["result"]
    assert result.ok  # type: ignore[attr-defined]
    expected = next(line for line in lines if line.startswith("# [("))
    rows = [(c.name, c.delta, c.quantity_after_change)
            for c in result.group.changes]  # type: ignore[attr-defined]
    assert repr(rows) == expected.removeprefix("# ")


def test_the_shopify_shaped_example_runs_on_a_snapshot() -> None:
    block = next(b for b in python_blocks() if "ledger.execute" in b)
    from ledger import Ledger

    snapshot = Ledger.example().snapshot()
    namespace: dict[str, object] = {"snapshot": snapshot}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 -- our own README
    body = namespace["body"]
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"] == []  # type: ignore[index]


def test_the_oracle_example_passes_as_an_apps_test_suite(pytester: Any) -> None:
    import pytest

    pytest.importorskip("graphql")
    pytest.importorskip("httpx")
    section = README.split("## Testing your app against the oracle", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert block is not None
    pytester.makepyfile(test_app=block.group(1))
    result = pytester.runpytest("-p", "no:ledger", "-p", "ledger.pytest_plugin")
    result.assert_outcomes(passed=1)


def test_the_hypothesis_example_runs_and_catches_an_app_that_forgets_replays() -> None:
    import pytest
    from hypothesis import Phase, settings
    from hypothesis.stateful import run_state_machine_as_test

    section = README.split("## Testing your app with Hypothesis", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert block is not None
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 -- our own README
    machine: Any = namespace["AvailableCache"]
    assert namespace["TestAvailableCache"] is machine.TestCase
    run_state_machine_as_test(machine, settings=settings(
        max_examples=15, stateful_step_count=12, deadline=None))

    class ForgetsReplays(machine):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.seen = ReplayBlind()

    with pytest.raises(AssertionError, match="the app says available"):
        run_state_machine_as_test(ForgetsReplays, settings=settings(
            max_examples=200, stateful_step_count=12, deadline=None,
            phases=[Phase.generate], print_blob=False))


class ReplayBlind(set[str]):
    """A set that never remembers: the README app then counts every replay again."""

    def __contains__(self, item: object) -> bool:
        return False
