"""``ledger history`` and ``ledger show`` on the shipped examples (ledger/history_cli.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from tests.support import FakeClock

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "examples" / "store.json"
PLAN = ROOT / "examples" / "plan.jsonl"
JOURNAL = ROOT / "examples" / "journal.jsonl"
START = "2026-11-02T08:00:00Z"
ITEM = "gid://shopify/InventoryItem/{}"
LOCATION = "gid://shopify/Location/{}"


def replayed() -> Ledger:
    return Ledger.from_oplog(json.loads(STORE.read_text()), JOURNAL)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def history(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, object]]:
    status, out, _ = run(capsys, "history", "--state", str(STORE), "--journal", str(JOURNAL),
                         "--json", *extra)
    assert status == 0
    return json.loads(out)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_history_tables_every_change_of_the_shipped_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "history", "--state", str(STORE), "--journal", str(JOURNAL))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["time", "group", "reason", "item", "location", "quantity",
                                "delta", "after"]
    assert ("2026-11-02T09:00:00Z  InventoryAdjustmentGroup/1  received    "
            "InventoryItem/101  Location/1  available    +12     32") in out
    assert out.rstrip().endswith(f"{len(replayed().history())} change(s).")


def test_history_json_matches_the_ledgers_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert history(capsys) == [r.to_json() for r in replayed().history()]


@pytest.mark.parametrize(("args", "keys"), [
    (["--item", "101"], {"item_id": ITEM.format(101)}),
    (["--item", ITEM.format(102)], {"item_id": ITEM.format(102)}),
    (["--location", "2"], {"location_id": LOCATION.format(2)}),
    (["--name", "on_hand"], {"name": "on_hand"}),
    (["--item", "101", "--location", "1", "--name", "available"],
     {"item_id": ITEM.format(101), "location_id": LOCATION.format(1), "name": "available"}),
    (["--since", "2026-11-02T09:30:00Z"], {"since": when("2026-11-02T09:30:00Z")}),
    (["--until", "2026-11-02T10:00:00Z"], {"until": when("2026-11-02T10:00:00Z")}),
    (["--since", "2026-11-02T09:30:00+00:00", "--until", "2026-11-02T12:00:00Z"],
     {"since": when("2026-11-02T09:30:00Z"), "until": when("2026-11-02T12:00:00Z")}),
    (["--since", "2026-11-02T11:00:00+02:00"], {"since": when("2026-11-02T09:00:00Z")}),
])
def test_history_filters_agree_with_the_ledger(
    capsys: pytest.CaptureFixture[str], args: list[str], keys: dict[str, object]
) -> None:
    rows = history(capsys, *args)
    assert rows == [r.to_json() for r in replayed().history(**keys)]  # type: ignore[arg-type]
    assert rows, "each filter should match something in the example"


def test_a_filter_that_matches_nothing_prints_no_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert history(capsys, "--since", "2030-01-01T00:00:00Z") == []


def test_show_prints_the_quantities_as_of_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    ledger = replayed()
    for at in ("2026-11-02T08:00:00Z", "2026-11-02T09:00:00Z", "2026-11-02T09:59:59Z",
               "2026-11-02T23:00:00Z"):
        status, out, _ = run(capsys, "show", "--state", str(STORE), "--journal", str(JOURNAL),
                             "--at", at, "--json")
        assert status == 0
        shown = json.loads(out)
        assert shown["at"] == at
        assert shown["levels"], at
        for level in shown["levels"]:
            assert level["quantities"] == ledger.quantities_at(
                level["inventoryItemId"], level["locationId"], when(at))
    status, out, _ = run(capsys, "show", "--state", str(STORE), "--journal", str(JOURNAL),
                         "--at", "2026-11-02T08:00:00Z")
    assert status == 0
    assert out.startswith("Quantities as of 2026-11-02T08:00:00Z:")
    assert "InventoryItem/101  Location/1" in out


def test_show_without_a_time_prints_the_current_quantities(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ledger = replayed()
    status, out, _ = run(capsys, "show", "--state", str(STORE), "--journal", str(JOURNAL),
                         "--item", "101", "--location", "1", "--json")
    assert status == 0
    levels = json.loads(out)["levels"]
    assert levels == [{"inventoryItemId": ITEM.format(101), "locationId": LOCATION.format(1),
                       "quantities": ledger.quantities(ITEM.format(101), LOCATION.format(1))}]
    assert levels[0]["quantities"]["available"] == 32


def test_show_without_a_journal_shows_the_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "show", "--state", str(STORE), "--item", "101", "--json")
    assert status == 0
    levels = json.loads(out)["levels"]
    assert [lv["quantities"]["available"] for lv in levels] == [20, 140]


@pytest.mark.parametrize("args", [
    ["show", "--item", "999"],
    ["show", "--location", "gid://shopify/Location/9"],
    ["history", "--name", "stock"],
    ["history", "--since", "yesterday"],
    ["history", "--until", "2026-11-02T10:00:00"],
])
def test_unusable_arguments_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    status, _, err = run(capsys, args[0], "--state", str(STORE), "--journal", str(JOURNAL),
                         *args[1:])
    assert status == 2
    assert err.startswith("ledger: ")


@pytest.mark.parametrize("args", [["--item", "999"], ["--location", "9"]])
def test_history_of_an_unknown_item_or_location_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    status, _, err = run(capsys, "history", "--state", str(STORE), "--journal", str(JOURNAL),
                         *args)
    assert status == 2
    assert "unknown" in err


def test_a_corrupt_journal_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = JOURNAL.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"quantity":', '"quantity": ', 1).replace("-5", "-6", 1)
    corrupt = tmp_path / "journal.jsonl"
    corrupt.write_text("".join(lines))
    for command in ("history", "show"):
        status, out, err = run(capsys, command, "--state", str(STORE), "--journal", str(corrupt))
        assert status == 2
        assert "line 4" in err
        assert str(corrupt) in err
        assert out == ""


def test_a_torn_journal_and_a_missing_one_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torn = tmp_path / "torn.jsonl"
    torn.write_text(JOURNAL.read_text()[:-30])
    status, _, err = run(capsys, "history", "--state", str(STORE), "--journal", str(torn))
    assert status == 2
    assert f"line {len(JOURNAL.read_text().splitlines())}" in err
    status, _, err = run(capsys, "history", "--state", str(STORE), "--journal",
                         str(tmp_path / "missing.jsonl"))
    assert status == 2
    assert "missing.jsonl" in err


def test_a_journal_that_does_not_fit_the_snapshot_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = json.loads(STORE.read_text())
    other["inventoryLevels"][0]["quantities"]["incoming"] = 0
    state = tmp_path / "store.json"
    state.write_text(json.dumps(other))
    status, _, err = run(capsys, "history", "--state", str(state), "--journal", str(JOURNAL))
    assert status == 2
    assert "does not replay" in err
    assert "record 1" in err


def test_regenerating_the_shipped_journal_gives_identical_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    status, _, _ = run(capsys, "apply", str(PLAN), "--state", str(STORE), "--at", START,
                       "--out", str(tmp_path / "after.json"), "--journal-out", str(journal))
    assert status == 1  # the shipped plan has two requests that fail, on purpose
    assert journal.read_bytes() == JOURNAL.read_bytes()
    after = json.loads((tmp_path / "after.json").read_text())
    assert replayed().snapshot() == after


def test_check_writes_the_same_journal_as_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    run(capsys, "check", str(PLAN), "--state", str(STORE), "--at", START,
        "--journal-out", str(journal))
    assert journal.read_bytes() == JOURNAL.read_bytes()


def _reframe(text: str) -> str:
    """Return a framed log line carrying the record JSON ``text`` with a correct checksum."""
    return f'{{"crc32":"{zlib.crc32(text.encode()):08x}","record":{text}}}\n'


def _record_text(line: str) -> str:
    return line[len('{"crc32":"00000000","record":'):-len("}\n")]


def _edit_line_3(edit: Any) -> Any:
    """Return a log mangler that rewrites record 2 (line 3) with ``edit(record JSON text)``."""
    def mangle(lines: list[str]) -> list[str]:
        return [*lines[:2], _reframe(edit(_record_text(lines[2]))), *lines[3:]]
    return mangle


def _at(at: str) -> Any:
    return _edit_line_3(lambda text: text.replace('"2026-11-02T09:30:00.000000+00:00"',
                                                  json.dumps(at)))


HUGE = "1" * 5000


@pytest.mark.parametrize(("mangle", "message"), [
    (_edit_line_3(lambda t: t.replace('"quantity":2', '"quantity":' + HUGE, 1)),
     "journal.jsonl: line 3: not valid JSON at column "),
    (_edit_line_3(lambda t: t.replace('"seq":2', '"seq":' + HUGE, 1)),
     "journal.jsonl: line 3: not valid JSON at column 37 (an integer of 5000 digits"),
    (_edit_line_3(lambda t: t.replace('"quantity":2', '"quantity":NaN', 1)),
     "journal.jsonl: line 3: not valid JSON at column "),
    (lambda ls: [ls[0].replace('"version": 1', '"version": ' + HUGE), *ls[1:]],
     "journal.jsonl: line 1: not valid JSON at column 39 (an integer of 5000 digits"),
    (_at("0001-01-01T00:00:00+14:00"),
     "journal.jsonl: line 3.at is out of range once converted to UTC"),
    (_at("9999-12-31T23:59:59-14:00"),
     "journal.jsonl: line 3.at is out of range once converted to UTC"),
    (lambda ls: [*ls[:2], "\u2028\n", *ls[2:]], "journal.jsonl: line 3: not a framed record"),
], ids=["integer-over-4300-digits", "seq-over-4300-digits", "nan", "header-integer",
        "at-before-year-1-in-utc", "at-after-year-9999-in-utc", "separator-line"])
@pytest.mark.parametrize("command", ["history", "show", "verify"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_hostile_log_exits_2_naming_its_file_and_line_with_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mangle: Any, message: str,
    command: str, as_json: bool,
) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("".join(mangle(JOURNAL.read_text().splitlines(keepends=True))))
    status, out, err = run(capsys, command, "--state", str(STORE), "--journal", str(journal),
                           *(["--json"] if as_json else []))
    assert (status, out) == (2, "")
    assert err.startswith("ledger: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_log_that_is_not_utf8_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = JOURNAL.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"rma-77", b"rma-\xff7", 1)
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b"".join(lines))
    for command in ("history", "show", "verify"):
        status, _, err = run(capsys, command, "--state", str(STORE), "--journal", str(journal))
        assert status == 2
        assert "journal.jsonl: line 3: not UTF-8 text" in err


def test_a_log_naming_one_group_twice_is_a_log_that_does_not_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Record 2 claims record 1's group: the replay must refuse it, not break the journal.
    lines = JOURNAL.read_text().splitlines(keepends=True)
    lines[2] = _reframe(_record_text(lines[2]).replace("InventoryAdjustmentGroup/2",
                                                       "InventoryAdjustmentGroup/1"))
    journal = tmp_path / "journal.jsonl"
    journal.write_text("".join(lines))
    problem = "record 2 names the group gid://shopify/InventoryAdjustmentGroup/1"
    for command in ("history", "show"):
        status, _, err = run(capsys, command, "--state", str(STORE), "--journal", str(journal))
        assert status == 2, command
        assert f"does not replay onto the snapshot: {problem}" in err
    # verify reports a replay that fails as a difference (exit 1), as it always has.
    status, out, err = run(capsys, "verify", "--state", str(STORE), "--journal", str(journal))
    assert (status, err) == (1, "")
    assert f"- replay: {problem}" in out


@pytest.mark.parametrize("command", ["history", "show", "verify"])
def test_a_starting_snapshot_with_an_integer_over_4300_digits_exits_2_naming_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    state = tmp_path / "store.json"
    state.write_text(STORE.read_text().replace('"available": 20', '"available": ' + HUGE, 1))
    status, _, err = run(capsys, command, "--state", str(state), "--journal", str(JOURNAL))
    assert status == 2
    assert "store.json: invalid JSON at line " in err
    assert "an integer of 5000 digits" in err


def test_verify_names_the_against_snapshot_when_it_is_the_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    against = tmp_path / "expected.json"
    against.write_text(json.dumps({"locations": "nope"}))
    status, _, err = run(capsys, "verify", "--state", str(STORE), "--journal", str(JOURNAL),
                         "--against", str(against))
    assert status == 2
    assert err.startswith(f"ledger: {against}: snapshot locations: must be a list")


def test_a_log_at_the_first_instant_of_year_1_replays_and_tables_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "journal.jsonl"
    lines = JOURNAL.read_text().splitlines(keepends=True)[:2]
    lines[1] = _reframe(_record_text(lines[1]).replace('"2026-11-02T09:00:00.000000+00:00"',
                                                       '"0001-01-01T00:00:00+00:00"'))
    journal.write_text("".join(lines))
    for command in ("history", "show", "verify"):
        status, out, err = run(capsys, command, "--state", str(STORE), "--journal", str(journal))
        assert (status, err) == (0, ""), command
    status, out, _ = run(capsys, "history", "--state", str(STORE), "--journal", str(journal))
    assert "0001-01-01T00:00:00Z  InventoryAdjustmentGroup/1" in out


# ------------------------------------------------- a plan's at, byte-order marks, pipes


def test_history_show_and_verify_accept_a_byte_order_mark_on_their_snapshots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "store.json"
    state.write_bytes(b"\xef\xbb\xbf" + STORE.read_bytes())
    expected = tmp_path / "expected.json"
    expected.write_bytes(b"\xef\xbb\xbf" + json.dumps(replayed().snapshot()).encode())
    for argv in (["history"], ["show"], ["verify", "--against", str(expected)]):
        status, out, err = run(capsys, argv[0], "--state", str(state), "--journal",
                               str(JOURNAL), *argv[1:])
        assert (status, err) == (0, ""), argv
    assert out.strip().endswith("verified.")


def test_a_reader_that_closes_the_pipe_early_is_no_error(tmp_path: Path) -> None:
    head = shutil.which("head")
    if head is None:  # pragma: no cover - every POSIX system has head
        pytest.skip("no head(1) here")
    # A log whose history is far larger than a pipe holds (64 KiB on Linux), so the command
    # is still printing when head exits after the first line.
    ledger = Ledger.from_snapshot(json.loads(STORE.read_text()), clock=FakeClock())
    for n in range(3000):
        ledger.execute("inventoryAdjustQuantities", {"input": {
            "name": "available", "reason": "correction", "changes": [{
                "inventoryItemId": ITEM.format(101), "locationId": LOCATION.format(2),
                "delta": 1, "changeFromQuantity": 140 + n}]}}, idempotency_key=f"k{n}")
    log = tmp_path / "log.jsonl"
    ledger.export_oplog(log)
    command = [sys.executable, "-m", "ledger", "history", "--state", str(STORE),
               "--journal", str(log)]
    writer = subprocess.Popen(command, stdout=subprocess.PIPE,  # noqa: S603 - fixed arguments
                              stderr=subprocess.PIPE, cwd=ROOT)
    assert writer.stdout is not None
    assert writer.stderr is not None
    reader = subprocess.Popen([head, "-1"], stdin=writer.stdout,  # noqa: S603 - fixed arguments
                              stdout=subprocess.PIPE)
    writer.stdout.close()  # head holds the only read end: when it exits, the pipe is closed
    first, _ = reader.communicate(timeout=60)
    err = writer.stderr.read()
    writer.stderr.close()
    assert writer.wait(timeout=60) == 0
    assert err == b""
    assert first.split() == [b"time", b"group", b"reason", b"item", b"location", b"quantity",
                             b"delta", b"after"]


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    full = Path("/dev/full")
    if not full.exists():  # pragma: no cover - Linux has it
        pytest.skip("no /dev/full here")
    with full.open("w") as sink:
        done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "ledger", "history", "--state", str(STORE), "--journal",
             str(JOURNAL)], stdout=sink, stderr=subprocess.PIPE, text=True, check=False,
            cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == "ledger: cannot write the output (No space left on device)\n"
