from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

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
    out = tmp_path / "new.json"
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


def _with(request: dict[str, object], **fields: object) -> str:
    return json.dumps({**request, **fields})


HUGE = "1" * 5000
#: A plan line whose delta is the JSON text ``token``, and the column the token starts at.
_DELTA = json.dumps(adjust(1, "a")).replace('"delta": 1', '"delta": @')


def _delta(token: str) -> tuple[str, int]:
    return _DELTA.replace("@", token), _DELTA.index("@") + 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_delta(HUGE)[0], f"plan.jsonl:2: invalid JSON at column {_delta(HUGE)[1]} (an integer "
                          "of 5000 digits, over the 4300 this reader takes)"),
        (_delta("NaN")[0], f"plan.jsonl:2: invalid JSON at column {_delta('NaN')[1]} (NaN is "
                           "not JSON: RFC 8259 has no NaN or Infinity)"),
        (_delta("-Infinity")[0], f"plan.jsonl:2: invalid JSON at column {_delta('NaN')[1]} "
                                 "(-Infinity is not JSON"),
        (_with(adjust(1, "a"), at="0001-01-01T00:00:00+14:00"),
         "plan.jsonl:2: '0001-01-01T00:00:00+14:00' is out of range once converted to UTC"),
        (_with(adjust(1, "a"), at="9999-12-31T23:59:59-14:00"),
         "plan.jsonl:2: '9999-12-31T23:59:59-14:00' is out of range once converted to UTC"),
        ("\x1c", "plan.jsonl:2: invalid JSON at column 1"),
        (_with(adjust(1, "a"), at="x" * 100_000),
         "plan.jsonl:2: 'xxxxxxxx"),
        (_with(adjust(1, "a"), at=10**4000), "a time must be an ISO 8601 string, not 1000"),
        (_with(adjust(1, "a"), operation="y" * 100_000), "plan.jsonl:2: operation must be"),
        (_with(adjust(1, "a"), **{"z" * 100_000: 1}), "plan.jsonl:2: unknown key(s) 'zzz"),
    ],
    ids=["integer-over-4300-digits", "nan", "minus-infinity", "at-before-year-1-in-utc",
         "at-after-year-9999-in-utc", "lone-separator-char", "huge-at-string",
         "at-integer-of-4000-digits", "huge-operation", "huge-unknown-key"],
)
@pytest.mark.parametrize("command", ["check", "apply"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_hostile_plan_line_exits_2_naming_it_with_no_traceback(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], line: str, message: str,
    command: str, as_json: bool,
) -> None:
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(adjust(1, "a")) + "\n" + line + "\n", encoding="utf-8")
    argv = [command, str(plan), "--state", str(state), "--out", str(tmp_path / "new.json"),
            *(["--json"] if as_json else [])]
    assert main(argv if command == "apply" else argv[:4] + argv[6:]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ledger: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert len(captured.err) < 600  # what it quotes is cut
    assert not (tmp_path / "new.json").exists()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_at_option_out_of_range_in_utc_exits_2(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], at: str
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    assert main(["check", str(plan), "--state", str(state), "--at", at]) == 2
    assert f"--at: {at!r} is out of range once converted to UTC" in capsys.readouterr().err


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_separator_inside_a_json_string_does_not_split_the_plan_line(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], separator: str
) -> None:
    request = adjust(1, "a", 5)
    request["idempotencyKey"] = f"key{separator}one"
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(request, ensure_ascii=False) + "\n", encoding="utf-8")
    assert separator in plan.read_text(encoding="utf-8")
    assert main(["check", str(plan), "--state", str(state), "--json", "--at", START]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["line"], r["outcome"]) for r in report["requests"]] == [(1, "applied")]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda text: text.replace('"available": 5', '"available": ' + HUGE),
     "store.json: invalid JSON at line 1, column "),
    (lambda text: text.replace('"available": 5', '"available": NaN'),
     "(NaN is not JSON"),
    (lambda text: text.replace('"available": 5', '"available": Infinity'),
     "(Infinity is not JSON"),
], ids=["integer-over-4300-digits", "nan", "infinity"])
def test_a_hostile_snapshot_exits_2_naming_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, message: str
) -> None:
    state = tmp_path / "store.json"
    state.write_text(edit(json.dumps(store())))
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    assert main(["check", str(plan), "--state", str(state)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def _strict(text: str) -> Any:
    """Parse RFC 8259 JSON only: NaN and Infinity are refused, as strict parsers do."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_the_json_report_is_strict_json_when_the_plan_echoes_an_overflowing_float(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1e400 is a valid JSON number that reads as infinity: the codec refuses it for Int and
    # echoes it; the report must still be RFC 8259 JSON.
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(adjust(1, "a")).replace('"delta": 1', '"delta": 1e400') + "\n")
    assert main(["check", str(plan), "--state", str(state), "--json"]) == 1
    report = _strict(capsys.readouterr().out)
    error = report["requests"][0]["response"]["errors"][0]
    assert error["extensions"]["value"]["changes"][0]["delta"] == "Infinity"


def test_the_text_report_prints_a_lone_surrogate_the_plan_holds(
    tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(adjust(1, "a")).replace('"delta": 1', '"delta": "\\ud800"') + "\n")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")  # strict, as a real terminal's stdout
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["check", str(plan), "--state", str(state)]) == 1
    out.flush()
    assert 'Could not coerce value "\\ud800" to Int' in raw.getvalue().decode()


def test_a_plan_at_the_first_instant_of_year_1_runs_and_dates_its_group(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The idempotency window once computed "now - 24 h", which overflows there.
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a", 5), adjust(1, "a", 5))
    assert main(["check", str(plan), "--state", str(state), "--json",
                 "--at", "0001-01-01T00:00:00Z"]) == 0
    report = _strict(capsys.readouterr().out)
    assert [r["outcome"] for r in report["requests"]] == ["applied", "replayed"]
    group = report["requests"][0]["response"]["data"]["inventoryAdjustQuantities"][
        "inventoryAdjustmentGroup"]
    assert group["createdAt"] == "0001-01-01T00:00:00Z"


# ---------------------------------------------------------------------- replays


def _apply_to_store(store: Path, *extra: str) -> int:
    return main(["apply", str(EXAMPLE_PLAN), "--journal", str(store), "--at", START, *extra])


def test_a_second_run_into_the_same_store_reports_each_request_replayed_from_its_first_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert _apply_to_store(store, "--state", str(EXAMPLE_STORE)) == 1
    capsys.readouterr()
    assert _apply_to_store(store) == 1  # the two failures replay: their errors come back
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("#")]
    assert [line.split("  ")[-2].strip() for line in lines] == [
        "replayed (from 2026-11-02T09:00:00Z)", "replayed (from 2026-11-02T09:30:00Z)",
        "replayed (from 2026-11-02T10:00:00Z)", "replayed (from 2026-11-02T11:00:00Z)",
        "replayed (from 2026-11-02T11:30:00Z)", "replayed (from 2026-11-02T12:00:00Z)",
        "replayed (from 2026-11-02T09:00:00Z)"]
    assert "FAILED  " not in out  # no fresh failure: the first call's, returned again
    assert "the first call FAILED: its errors are returned again" in lines[3]
    assert "CHANGE_FROM_QUANTITY_STALE at input.quantities.0.changeFromQuantity" in out
    assert "No quantity would change." in out


def test_the_json_report_of_a_replay_names_the_first_outcome_and_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _apply_to_store(store, "--state", str(EXAMPLE_STORE))
    capsys.readouterr()
    assert main(["check", str(EXAMPLE_PLAN), "--journal", str(store), "--at", START,
                 "--json"]) == 1
    requests = json.loads(capsys.readouterr().out)["requests"]
    assert [(r["outcome"], r["replayedOutcome"], r["replayedFrom"]) for r in requests] == [
        ("replayed", "applied", "2026-11-02T09:00:00Z"),
        ("replayed", "applied", "2026-11-02T09:30:00Z"),
        ("replayed", "applied", "2026-11-02T10:00:00Z"),
        ("replayed", "failed", "2026-11-02T11:00:00Z"),
        ("replayed", "failed", "2026-11-02T11:30:00Z"),
        ("replayed", "applied", "2026-11-02T12:00:00Z"),  # inventoryActivate: no group
        ("replayed", "applied", "2026-11-02T09:00:00Z"),
    ]


def test_a_replay_within_the_plan_names_the_time_of_its_first_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", str(EXAMPLE_PLAN), "--state", str(EXAMPLE_STORE), "--at", START]) == 1
    out = capsys.readouterr().out
    assert ("#7   line 7    inventoryMoveQuantities    replayed (from 2026-11-02T09:00:00Z)"
            "  (nothing applied again)") in out
    assert "6 would succeed" not in out
    assert "7 request(s): 5 would succeed, 2 would fail. 1 replayed an earlier call" in out


def test_a_replayed_no_op_is_dated_from_its_first_call(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, again = adjust(0, "zero", 5), adjust(0, "zero", 5)
    first["at"], again["at"] = "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z"
    plan = write_plan(tmp_path / "plan.jsonl", first, again)
    assert main(["check", str(plan), "--state", str(state), "--json", "--at", START]) == 0
    requests = json.loads(capsys.readouterr().out)["requests"]
    assert [(r["outcome"], r.get("replayedOutcome"), r.get("replayedFrom"))
            for r in requests] == [("no-op", None, None),
                                   ("replayed", "no-op", "2026-11-03T10:00:00Z")]


def test_the_plan_runner_gives_the_bodies_ledger_execute_gives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The runner calls the codec itself to see the engine's replayed flag: it must answer
    # exactly what Ledger.execute answers.
    assert main(["check", str(EXAMPLE_PLAN), "--state", str(EXAMPLE_STORE), "--at", START,
                 "--json"]) == 1
    bodies = [r["response"] for r in json.loads(capsys.readouterr().out)["requests"]]
    from ledger import Ledger
    from ledger.cli.common import PlanClock
    from ledger.cli.plan import read_plan

    clock = PlanClock(datetime.fromisoformat("2026-11-02T08:00:00+00:00"))
    ledger = Ledger.from_snapshot(json.loads(EXAMPLE_STORE.read_text()), clock=clock)
    expected = []
    for request in read_plan(EXAMPLE_PLAN):
        clock.now = max(clock.now, request.at or clock.now)
        expected.append(ledger.execute(request.operation, request.variables,
                                       idempotency_key=request.idempotency_key))
    assert bodies == expected


# ---------------------------------------------------------------------- warnings, BOM (12.4)


def test_a_line_whose_at_is_before_the_clock_is_warned_about_by_line(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = adjust(1, "a"), adjust(1, "b")
    first["at"], second["at"] = "2026-11-03T10:00:00Z", "2026-11-03T09:00:00Z"
    plan = write_plan(tmp_path / "plan.jsonl", first, second)
    warning = ("line 2: at 2026-11-03T09:00:00Z is earlier than the clock "
               "(2026-11-03T10:00:00Z); the clock never goes back, so the request ran at "
               "2026-11-03T10:00:00Z")
    assert main(["check", str(plan), "--state", str(state), "--at", START]) == 0
    assert f"Warnings:\n  - {warning}\n" in capsys.readouterr().out
    assert main(["check", str(plan), "--state", str(state), "--at", START, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == [warning]


def test_an_at_option_later_than_every_line_warns_about_each_line(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    early = adjust(1, "a")
    early["at"] = "2026-11-01T00:00:00Z"
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "x"), early)
    assert main(["check", str(plan), "--state", str(state), "--at", START, "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert [w.split(":")[0] for w in warnings] == ["line 2"]


def test_a_plan_without_times_before_the_clock_has_no_warnings(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(EXAMPLE_PLAN), "--state", str(EXAMPLE_STORE), "--at", START,
                 "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    assert main(["check", str(EXAMPLE_PLAN), "--state", str(EXAMPLE_STORE), "--at", START]) == 1
    assert "Warnings" not in capsys.readouterr().out


def test_a_byte_order_mark_at_the_start_of_a_plan_and_a_snapshot_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, state = tmp_path / "plan.jsonl", tmp_path / "store.json"
    plan.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_PLAN.read_bytes())
    state.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_STORE.read_bytes())
    assert main(["check", str(plan), "--state", str(state), "--at", START]) == 1
    assert "7 request(s): 5 would succeed, 2 would fail." in capsys.readouterr().out


def test_a_byte_order_mark_inside_a_plan_is_still_no_json(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps(adjust(1, "a")) + "\n\ufeff" + json.dumps(adjust(1, "b")) + "\n")
    assert main(["check", str(plan), "--state", str(state)]) == 2
    assert "plan.jsonl:2: invalid JSON" in capsys.readouterr().err


# ---------------------------------------------------------------------- --out (12.5)


def test_apply_out_keeps_the_permissions_of_the_file_it_replaces(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    out = tmp_path / "new.json"
    for mode in (0o644, 0o640, 0o664):
        out.write_text("{}")
        out.chmod(mode)
        assert main(["apply", str(plan), "--state", str(state), "--out", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == mode
        assert json.loads(out.read_text())["inventoryLevels"][0]["quantities"]["available"] == 9


def test_apply_out_gives_a_new_file_the_mode_open_would(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    old = os.umask(0o027)
    try:
        assert main(["apply", str(plan), "--state", str(state),
                     "--out", str(tmp_path / "new.json")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_apply_out_through_a_symlink_replaces_its_target_and_keeps_the_link(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("{}")
    link.symlink_to(target)
    assert main(["apply", str(plan), "--state", str(state), "--out", str(link)]) == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["inventoryLevels"][0]["quantities"]["available"] == 9


def test_apply_out_into_a_missing_directory_is_refused_and_creates_nothing(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    out = tmp_path / "typo" / "new.json"
    assert main(["apply", str(plan), "--state", str(state), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"no directory {tmp_path / 'typo'}" in captured.err
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("option", ["--out", "--journal-out"])
def test_an_unwritable_target_is_refused_before_a_store_takes_any_call(
    tmp_path: Path, state: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    store = tmp_path / "store"
    assert main(["apply", str(plan), "--state", str(state), "--journal", str(store),
                 option, str(tmp_path / "missing" / "file")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert not store.exists()


def test_apply_out_naming_a_directory_is_refused(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(4, "a", 5))
    assert main(["apply", str(plan), "--state", str(state), "--out", str(tmp_path)]) == 2
    assert "it is a directory" in capsys.readouterr().err


# ---------------------------------------------------------------------- python -m ledger (12.7)


def test_python_dash_m_ledger_runs_the_same_command(tmp_path: Path, state: Path) -> None:
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "a"))
    done = subprocess.run(  # noqa: S603 -- our own module, fixed arguments
        [sys.executable, "-m", "ledger", "check", str(plan), "--state", str(state)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "1 request(s): 1 would succeed, 0 would fail." in done.stdout
    version = subprocess.run(
        [sys.executable, "-m", "ledger", "--version"], capture_output=True, text=True,
        check=False, cwd=ROOT)
    assert version.stdout.startswith("ledger ")


def test_a_replay_whose_first_call_is_in_no_log_is_from_an_earlier_call(
    tmp_path: Path,
) -> None:
    from ledger import Ledger
    from ledger.cli.common import PlanClock
    from ledger.cli.plan import _label, read_plan, run_plan

    # A ledger that keeps no log (a durable store's log also starts at its latest snapshot):
    # the replay is told, its time is not known.
    clock = PlanClock(datetime.fromisoformat("2026-11-02T08:00:00+00:00"))
    ledger = Ledger.from_snapshot(store(), clock=clock, record=False)
    plan = write_plan(tmp_path / "plan.jsonl", adjust(1, "k", 99), adjust(1, "k", 99))
    first, again = run_plan(ledger, clock, read_plan(plan))
    assert (first.status, again.status, again.replayed_outcome) == ("failed", "replayed",
                                                                    "failed")
    assert again.replayed_from is None
    assert _label(again) == ("replayed (from an earlier call)  (the first call FAILED: its "
                             "errors are returned again)")
    assert not again.ok
