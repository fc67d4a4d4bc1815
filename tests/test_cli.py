from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.cli import main
from tests.support import ITEM, LOCATION, store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_STORE = ROOT / "examples" / "store.json"
EXAMPLE_PLAN = ROOT / "examples" / "plan.jsonl"
START = "2026-11-02T08:00:00Z"


def write_plan(path: Path, *requests: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    return path


def adjust(delta: int, key: str, change_from: int | None = None) -> dict[str, object]:
    return {
        "operation": "inventoryAdjustQuantities",
        "idempotencyKey": key,
        "variables": {"input": {"name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": ITEM.format(1), "locationId": LOCATION.format(1),
            "delta": delta, "changeFromQuantity": change_from}]}},
    }


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "store.json"
    path.write_text(json.dumps(store()))
    return path


def test_checking_the_shipped_example_reports_its_two_failures_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = EXAMPLE_STORE.read_text()
    status = main(["check", str(EXAMPLE_PLAN), "--state", str(EXAMPLE_STORE), "--at", START])
    out = capsys.readouterr().out
    assert status == 1
    assert "CHANGE_FROM_QUANTITY_STALE at input.quantities.0.changeFromQuantity" in out
    assert "ITEM_NOT_STOCKED_AT_LOCATION at input.changes.0.locationId" in out
    assert "replayed" in out
    assert "7 request(s): 5 would succeed, 2 would fail." in out
    assert "InventoryItem/101  Location/1  available      20     32     +12" in out
    assert EXAMPLE_STORE.read_text() == before


def test_a_plan_that_would_all_succeed_exits_0_and_tables_the_changes(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(3, "a", 5), adjust(-1, "b", 8))
    assert main(["check", str(plan), "--state", str(state), "--at", START]) == 0
    out = capsys.readouterr().out
    assert "2 request(s): 2 would succeed, 0 would fail." in out
    assert "InventoryItem/1  Location/1  available       5      7      +2" in out


def test_a_zero_delta_is_reported_as_a_no_op(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(0, "a"))
    assert main(["check", str(plan), "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert "no-op" in out
    assert "No quantity would change." in out


def test_a_request_level_error_counts_as_a_failure(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = adjust(1, "a")
    request["idempotencyKey"] = None
    plan = write_plan(tmp_path / "plan.jsonl", request)
    assert main(["check", str(plan), "--state", str(state)]) == 1
    assert "REJECTED" in capsys.readouterr().out


def test_the_json_report_carries_outcomes_responses_and_changes(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(2, "a", 5), adjust(2, "b", 99))
    assert main(["check", str(plan), "--state", str(state), "--json", "--at", START]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [r["outcome"] for r in report["requests"]] == ["applied", "failed"]
    assert report["requests"][1]["problems"] == [
        "CHANGE_FROM_QUANTITY_STALE at input.changes.0.changeFromQuantity: "
        "The changeFromQuantity argument no longer matches the persisted quantity."
    ]
    group = report["requests"][0]["response"]["data"]["inventoryAdjustQuantities"][
        "inventoryAdjustmentGroup"]
    assert group["createdAt"] == START
    assert report["changes"] == [
        {"inventoryItemId": ITEM.format(1), "locationId": LOCATION.format(1),
         "name": "available", "before": 5, "after": 7},
        {"inventoryItemId": ITEM.format(1), "locationId": LOCATION.format(1),
         "name": "on_hand", "before": 5, "after": 7},
    ]


def test_apply_writes_the_resulting_snapshot(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    out = tmp_path / "out" / "new.json"
    assert main(["apply", str(plan), "--state", str(state), "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    level = written["inventoryLevels"][0]
    assert level["quantities"]["available"] == 9
    assert json.loads(state.read_text())["inventoryLevels"][0]["quantities"]["available"] == 5
    assert "Wrote the resulting snapshot" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "plan.jsonl:2: invalid JSON"),
        ("[1, 2]", "plan.jsonl:2: a request must be a JSON object"),
        ('{"operation": "inventoryTeleport", "variables": {}}', "plan.jsonl:2: operation must"),
        ('{"operation": "inventoryActivate", "variables": []}', "plan.jsonl:2: variables must"),
        ('{"operation": "inventoryActivate", "variables": {}, "idempotencyKey": 7}',
         "plan.jsonl:2: idempotencyKey must"),
        ('{"operation": "inventoryActivate", "variables": {}, "at": "yesterday"}',
         "plan.jsonl:2: 'yesterday' is not an ISO 8601 time"),
        ('{"operation": "inventoryActivate", "variables": {}, "colour": "red"}',
         "plan.jsonl:2: unknown key(s) 'colour'"),
    ],
    ids=["bad-json", "not-object", "unknown-operation", "variables-not-object", "key-not-string",
         "bad-time", "unknown-key"],
)
def test_an_unusable_plan_line_is_named_and_exits_2(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(adjust(1, "a")) + "\n" + line + "\n")
    assert main(["check", str(plan), "--state", str(state)]) == 2
    assert message in capsys.readouterr().err


def test_a_broken_snapshot_is_named_by_its_entry_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = store()
    broken["inventoryLevels"][0]["quantities"] = {"available": 5, "on_hand": 6}
    state = tmp_path / "store.json"
    state.write_text(json.dumps(broken))
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    assert main(["check", str(plan), "--state", str(state)]) == 2
    err = capsys.readouterr().err
    assert "inventoryLevels[0]" in err
    assert "on_hand 6 does not equal the sum of its parts (5)" in err


def test_a_snapshot_that_is_not_json_names_the_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "store.json"
    state.write_text('{"locations": [\n  oops]}')
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    assert main(["check", str(plan), "--state", str(state)]) == 2
    assert "invalid JSON at line 2, column 3" in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "none.jsonl"), "--state", str(EXAMPLE_STORE)]) == 2
    assert "cannot read the plan" in capsys.readouterr().err


def test_the_clock_follows_at_and_never_goes_back(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = adjust(1, "a"), adjust(1, "b")
    first["at"] = "2026-11-03T10:00:00Z"
    second["at"] = "2026-11-03T09:00:00Z"
    plan = write_plan(tmp_path / "plan.jsonl", first, second)
    assert main(["check", str(plan), "--state", str(state), "--json", "--at", START]) == 0
    report = json.loads(capsys.readouterr().out)
    times = [r["response"]["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"][
        "createdAt"] for r in report["requests"]]
    assert times == ["2026-11-03T10:00:00Z", "2026-11-03T10:00:00Z"]


def test_the_console_script_module_runs_as_a_program(tmp_path: Path, state: Path) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    done = subprocess.run(  # noqa: S603 -- our own module, fixed arguments
        [sys.executable, "-m", "ledger.cli", "check", str(plan), "--state", str(state)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "1 request(s): 1 would succeed, 0 would fail." in done.stdout


def test_json_nested_too_deeply_is_unusable_input_naming_the_line(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    plan.write_text(json.dumps(adjust(1, "a")) + "\n"
                    + '{"operation": "inventoryActivate", "variables": ' + deep + "}\n")
    assert main(["check", str(plan), "--state", str(state)]) == 2
    assert "plan.jsonl:2: JSON nested too deeply to read" in capsys.readouterr().err
    snapshot = tmp_path / "deep.json"
    snapshot.write_text('{"locations": ' + deep + "}")
    clean = write_plan(tmp_path / "clean.jsonl", adjust(1, "a"))
    assert main(["check", str(clean), "--state", str(snapshot)]) == 2
    assert "deep.json: JSON nested too deeply to read" in capsys.readouterr().err
