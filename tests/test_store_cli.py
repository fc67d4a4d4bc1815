"""The command line with a durable store: apply journals to it, check leaves it untouched,
and history, show and verify read it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLAN, STORE = str(EXAMPLES / "plan.jsonl"), str(EXAMPLES / "store.json")
AT = "2026-11-02T08:00:00Z"


def _run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_apply_with_a_store_journals_every_call_and_matches_a_plain_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    status, out, _ = _run("apply", PLAN, "--state", STORE, "--journal", store, "--at", AT,
                          capsys=capsys)
    assert status == 1  # the two refusals the example plan holds
    assert "Journalled every call" in out
    plain = tmp_path / "plain.json"
    _run("apply", PLAN, "--state", STORE, "--out", str(plain), "--at", AT,
         "--journal-out", str(tmp_path / "plain.jsonl"), capsys=capsys)
    with Ledger.open(store) as durable:
        assert durable.snapshot() == json.loads(plain.read_text())
    # The store's journal is the same log a plain run exports; its header also names the
    # snapshot it starts from (its base).
    head, *records = (tmp_path / "store" / "journal.jsonl").read_text().splitlines()
    plain_head, *plain_records = (tmp_path / "plain.jsonl").read_text().splitlines()
    assert records == plain_records
    assert json.loads(head).pop("base")["seq"] == 0
    assert {k: v for k, v in json.loads(head).items() if k != "base"} == json.loads(plain_head)


def test_check_on_a_store_writes_nothing_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _run("apply", PLAN, "--state", STORE, "--journal", str(store), "--at", AT, capsys=capsys)
    journal = (store / "journal.jsonl").read_bytes()
    status, out, _ = _run("check", PLAN, "--journal", str(store),
                          "--at", "2026-11-05T08:00:00Z", capsys=capsys)
    assert status == 1
    assert "7 request(s)" in out
    assert (store / "journal.jsonl").read_bytes() == journal


def test_history_show_and_verify_read_a_store_without_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    _run("apply", PLAN, "--state", STORE, "--journal", store, "--at", AT, capsys=capsys)
    status, out, _ = _run("history", "--journal", store, "--item", "102", "--json",
                          capsys=capsys)
    assert status == 0
    assert [(r["name"], r["delta"]) for r in json.loads(out)] == [
        ("available", -2), ("damaged", 2)]
    status, out, _ = _run("show", "--journal", store, "--item", "102", "--location", "1",
                          "--at", "2026-11-02T09:00:00Z", "--json", capsys=capsys)
    assert status == 0
    assert json.loads(out)["levels"][0]["quantities"]["available"] == 8
    status, out, _ = _run("verify", "--journal", store, capsys=capsys)
    assert status == 0
    assert out.strip().endswith("verified.")


def test_a_missing_store_without_state_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run("apply", PLAN, "--journal", str(tmp_path / "nowhere"), capsys=capsys)
    assert status == 2
    assert "no durable store there" in err
    status, _, err = _run("apply", PLAN, "--state", STORE, capsys=capsys)
    assert status == 2
    assert "--out" in err


def test_verify_reports_a_difference_against_another_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run("verify", "--state", STORE, "--journal",
                          str(EXAMPLES / "journal.jsonl"), "--against", STORE, capsys=capsys)
    assert status == 1
    assert "expected: gid://shopify/InventoryItem/102 @ gid://shopify/Location/1 damaged" in out


def test_a_store_run_twice_exports_a_log_that_history_and_verify_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, log = str(tmp_path / "store"), str(tmp_path / "log.jsonl")
    _run("apply", PLAN, "--state", STORE, "--journal", store, "--at", AT, capsys=capsys)
    with Ledger.open(store) as durable:
        assert durable.checkpoint() == tmp_path / "store" / "snapshot-7.json"
    # The second run opens from that snapshot; the log it exports is still the whole history.
    _run("apply", PLAN, "--journal", store, "--at", "2026-11-03T08:00:00Z",
         "--journal-out", log, capsys=capsys)
    records = Path(log).read_text().splitlines()[1:]
    assert [json.loads(r)["record"]["seq"] for r in records] == list(range(1, 15))
    status, out, err = _run("history", "--state", STORE, "--journal", log, "--json",
                            capsys=capsys)
    assert status == 0, err
    assert json.loads(out)
    status, out, err = _run("verify", "--state", STORE, "--journal", log, capsys=capsys)
    assert status == 0, err
    assert out.strip().endswith("verified.")
    with Ledger.open(store) as durable:
        assert Ledger.from_oplog(json.loads(Path(STORE).read_text()), log).snapshot() == (
            durable.snapshot())


def test_history_show_and_verify_read_a_store_without_writing_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _run("apply", PLAN, "--state", STORE, "--journal", str(store), "--at", AT, capsys=capsys)
    journal = store / "journal.jsonl"
    whole = journal.read_bytes()
    journal.write_bytes(whole + whole.splitlines(keepends=True)[-1][:40])  # a write under way
    files = {p.name: p.read_bytes() for p in store.iterdir()}
    for command in (("history", "--journal", str(store)), ("show", "--journal", str(store)),
                    ("verify", "--journal", str(store))):
        status, _out, err = _run(*command, capsys=capsys)
        assert status == 0, (command, err)
        assert "note: " in err
        assert "torn last record: ignored" in err
    assert {p.name: p.read_bytes() for p in store.iterdir()} == files


def test_a_damaged_store_is_unusable_input_naming_the_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _run("apply", PLAN, "--state", STORE, "--journal", str(store), "--at", AT, capsys=capsys)
    journal = store / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    offset = sum(len(x) for x in lines[:3])
    data = bytearray(journal.read_bytes())
    data[offset + 40] ^= 0x02
    journal.write_bytes(bytes(data))
    for command in ("history", "show", "verify"):
        status, out, err = _run(command, "--journal", str(store), capsys=capsys)
        assert status == 2
        assert out == ""
        assert f"byte offset {offset} (line 4)" in err
        assert "Traceback" not in err


def test_verify_reads_a_rebased_store_from_its_base_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    _run("apply", PLAN, "--state", STORE, "--journal", str(store), "--at", AT, capsys=capsys)
    with Ledger.open(store) as durable:
        durable.checkpoint()
    _run("apply", PLAN, "--journal", str(store), "--at", "2026-11-03T08:00:00Z", capsys=capsys)
    journal = store / "journal.jsonl"
    data = bytearray(journal.read_bytes())
    data[len(data) // 4] ^= 0x02  # damage before snapshot-7: a repair rebases the store there
    journal.write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Ledger.open(store, repair=True).close()
    status, out, err = _run("verify", "--journal", str(store), capsys=capsys)
    assert status == 0, err
    assert out.startswith("7 record(s) replayed")
    status, out, _ = _run("history", "--journal", str(store), "--json", capsys=capsys)
    assert status == 0
    # The journal now starts after record 7; its records replay the first run's keys.
    assert json.loads(out) == []
