from __future__ import annotations

import io
import json
import subprocess
import sys
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
