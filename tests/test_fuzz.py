"""Fuzzing the ways input gets in: execute, graphql, the snapshot loader, the log readers.

Each must answer every input with a response body or a clear ``ValueError`` — never another
exception. Bodies are always RFC 8259 JSON (``allow_nan=False``) with bounded echoes, and
every record loader's ``ValueError`` names the line (and the file, where it reads one). The CI
run is sized by the Hypothesis profile; for a long run by hand, set ``LEDGER_FUZZ_EXAMPLES``
(for example ``LEDGER_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.core.errors import OPERATIONS
from ledger.core.versions import SUPPORTED
from ledger.shopify import coercion
from ledger.store import durable, oplog

_LONG = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "0"))
fuzz = settings(max_examples=_LONG, suppress_health_check=list(HealthCheck)) if _LONG else (
    lambda f: f)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["gid://shopify/InventoryItem/1", "gid://shopify/Location/1", "available",
                     "correction", "logistics://x", "", "\ud800", "1e400", "-0"]),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)
FIELDS = ["input", "name", "reason", "changes", "quantities", "inventoryItemId", "locationId",
          "delta", "quantity", "changeFromQuantity", "compareQuantity", "from", "to",
          "referenceDocumentUri", "ledgerDocumentUri", "ignoreCompareQuantity", "id",
          "inventoryItemUpdates", "available", "onHand", "inventoryLevelId"]
shaped = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5)),
    max_leaves=25,
)
#: What a Python caller may pass that JSON cannot carry, or that is too big to echo whole.
hostile_scalars = st.one_of(
    scalars,
    st.sampled_from([math.nan, math.inf, -math.inf, -(10**2048), 10**2048 - 1, b"bytes",
                     frozenset({1})]),
    # Past Python's int-to-str limit: built as drawn (Hypothesis cannot repr it in a strategy).
    st.integers(4301, 6000).map(lambda digits: 10**digits),
    st.integers(0, 5000).map(lambda n: "x" * n),
    st.integers(0, 600).map(lambda n: [1] * n),
    st.integers(0, 600).map(lambda n: {f"k{i}": i for i in range(n)}),
)
hostile = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5),
                            st.tuples(inner, inner)),
    max_leaves=25,
)


def strict_json(body: Any) -> None:
    """Check that ``body`` is RFC 8259 JSON and every echoed value within the echo bounds."""
    json.dumps(body, allow_nan=False)
    for error in body.get("errors", []):
        _within_bounds(error.get("extensions", {}).get("value"))
        assert len(error.get("extensions", {}).get("problems", [])) <= coercion.MAX_PROBLEMS


def _within_bounds(value: Any, depth: int = 0) -> None:
    marker = len("… (99999999 characters in all)")
    if isinstance(value, str):
        assert len(value) <= coercion.MAX_ECHO_CHARS + marker
    elif isinstance(value, int):
        assert len(str(abs(value))) <= coercion.MAX_ECHO_CHARS
    elif isinstance(value, list | dict):
        assert len(value) <= coercion.MAX_ECHO_ENTRIES + 1
        assert depth <= coercion.MAX_DEPTH
        for item in value.values() if isinstance(value, dict) else value:
            _within_bounds(item, depth + 1)


@fuzz
@given(operation=st.sampled_from(OPERATIONS), variables=st.one_of(junk, shaped, hostile),
       key=st.one_of(st.none(), st.text(max_size=300)), version=st.sampled_from(SUPPORTED))
def test_execute_answers_any_variables_with_a_strict_json_body(
    operation: str, variables: Any, key: str | None, version: str
) -> None:
    ledger = Ledger.example(api_version=version)
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key=key)
    assert isinstance(body, dict)
    assert "data" in body or "errors" in body
    strict_json(body)  # a response is always RFC 8259 JSON, its echoes bounded
    if "errors" in body:
        assert ledger.snapshot() == before
    ledger._check()


DOCUMENT_PARTS = ["mutation", "query", "{", "}", "(", ")", "$input", ":", "!", "@idempotent",
                  "(key: \"k\")", "inventoryAdjustQuantities", "input", "userErrors", "code",
                  "field", "inventoryItem", "id", "\"gid://shopify/InventoryItem/1\"",
                  "inventoryLevel", "quantities", "names", "[", "]", "...", "on", "fragment",
                  "__typename", "__schema", "types", "name", "first", "10", "nodes", "edges",
                  "node", "InventoryAdjustQuantitiesInput", "\"", "#", ",", "alias:"]


#: Documents that declare variables, so hostile values reach their coercion.
DECLARING = [
    "mutation A($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities("
    "input: $input) { userErrors { code } } }",
    "query Q($id: ID!, $first: Int) { inventoryItem(id: $id) { id inventoryLevels("
    "first: $first) { nodes { id } } } }",
]


@fuzz
@given(query=st.one_of(st.text(max_size=200),
                       st.lists(st.sampled_from(DOCUMENT_PARTS), max_size=40).map(" ".join),
                       st.sampled_from(DECLARING)),
       variables=st.one_of(st.none(), st.dictionaries(st.text(max_size=8), junk, max_size=3),
                           st.dictionaries(st.sampled_from(["input", "id", "first"]), hostile,
                                           max_size=3)),
       operation_name=st.one_of(st.none(), st.text(max_size=10)))
def test_graphql_answers_any_document_with_a_strict_json_body(
    query: str, variables: Any, operation_name: str | None
) -> None:
    ledger = Ledger.example(api_version="2026-01")
    body = ledger.graphql(query, variables, operation_name=operation_name)
    assert isinstance(body, dict)
    assert "data" in body or "errors" in body
    strict_json(body)
    ledger._check()


@fuzz
@given(snapshot=st.one_of(junk, st.fixed_dictionaries({
    "locations": st.lists(st.one_of(junk, st.fixed_dictionaries(
        {"id": st.sampled_from(["gid://shopify/Location/1", "gid://shopify/Location/x"]),
         "name": scalars})), max_size=3),
    "inventoryItems": st.lists(st.one_of(junk, st.fixed_dictionaries(
        {"id": st.sampled_from(["gid://shopify/InventoryItem/1", "1"])})), max_size=3),
    "inventoryLevels": st.lists(st.one_of(junk, st.fixed_dictionaries({
        "inventoryItemId": st.just("gid://shopify/InventoryItem/1"),
        "locationId": st.just("gid://shopify/Location/1"),
        "quantities": st.one_of(junk, st.dictionaries(
            st.sampled_from(["available", "on_hand", "committed", "bogus"]), scalars)),
    })), max_size=3),
})))
def test_the_snapshot_loader_builds_a_ledger_or_names_the_problem(snapshot: Any) -> None:
    try:
        ledger = Ledger.from_snapshot(snapshot)
    except ValueError as error:
        message = str(error)
        assert message
        return
    ledger._check()
    assert Ledger.from_snapshot(ledger.snapshot()).snapshot() == ledger.snapshot()


def _sample_log() -> list[str]:
    ledger = Ledger.example(api_version="2026-01")
    ledger.order_placed(order="gid://shopify/Order/1",
                        lines=[("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 2)])
    ledger.execute("inventoryAdjustQuantities", {"input": {
        "name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": "gid://shopify/InventoryItem/1",
            "locationId": "gid://shopify/Location/1", "delta": 1}]}}, idempotency_key="k")
    out = io.StringIO()
    ledger.export_oplog(out)
    return out.getvalue().splitlines(keepends=True)


SAMPLE = _sample_log()


@fuzz
@given(data=st.data())
def test_the_log_reader_reads_or_names_the_line_whatever_the_bytes(data: st.DataObject) -> None:
    lines = list(SAMPLE)
    for _ in range(data.draw(st.integers(0, 3), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(["flip", "cut", "insert", "drop", "junk"]), label="how")
        text = lines[i]
        if how == "flip" and text:
            j = data.draw(st.integers(0, len(text) - 1), label="at")
            lines[i] = text[:j] + data.draw(st.characters(), label="char") + text[j + 1:]
        elif how == "cut":
            lines[i] = text[: data.draw(st.integers(0, len(text)), label="cut")]
        elif how == "insert":
            lines.insert(i, data.draw(st.text(max_size=50), label="new") + "\n")
        elif how == "drop" and len(lines) > 1:
            del lines[i]
        else:
            lines[i] = json.dumps(data.draw(junk, label="junk")) + "\n"
    try:
        head, records = oplog.read(io.StringIO("".join(lines)))
    except ValueError as error:
        message = str(error)
        assert message.startswith("line ")
        return
    # A well-formed log may still not replay (ReplayMismatchError) or name a bad version.
    with contextlib.suppress(ValueError):
        Ledger.from_snapshot(Ledger.example().snapshot(), head["apiVersion"]).replay(records)


# ---------------------------------------------------------------------- record loaders


def _sample_records() -> list[dict[str, Any]]:
    """One record of every shape a log holds: an event, a keyed adjust, a move, a toggle."""
    ledger = Ledger.example(api_version="2026-01")
    ledger.order_placed(order="gid://shopify/Order/1",
                        lines=[("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 2)])
    ledger.execute("inventoryAdjustQuantities", {"input": {
        "name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": "gid://shopify/InventoryItem/1",
            "locationId": "gid://shopify/Location/1", "delta": 1}]}}, idempotency_key="k")
    ledger.execute("inventoryMoveQuantities", {"input": {
        "reason": "correction", "referenceDocumentUri": "logistics://m/1", "changes": [{
            "inventoryItemId": "gid://shopify/InventoryItem/1", "quantity": 1,
            "from": {"locationId": "gid://shopify/Location/1", "name": "available"},
            "to": {"locationId": "gid://shopify/Location/1", "name": "damaged"}}]}})
    ledger.execute("inventoryBulkToggleActivation", {
        "inventoryItemId": "gid://shopify/InventoryItem/1",
        "inventoryItemUpdates": [{"locationId": "gid://shopify/Location/1", "activate": True}]})
    return [record.to_json() for record in ledger.oplog]


RECORDS = _sample_records()
#: Written in place of the JSON text ``"<huge>"``: an integer Python's json cannot read.
HUGE = "9" * 5000
TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+00:00",
         "9999-12-31T23:59:59.999999+00:00", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z"]
record_scalars = st.one_of(
    scalars, st.sampled_from([*TIMES, "<huge>", math.nan, math.inf, "applied", "FAILED",
                              "order_placed", "inventoryAdjustQuantities",
                              "gid://shopify/InventoryAdjustmentGroup/1"]),
    st.integers(min_value=-(10**4000), max_value=10**4000),
)
record_junk = st.recursive(
    record_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    """A sample record with one to three of its values replaced, dropped or added to."""
    record: Any = json.loads(json.dumps(draw(st.sampled_from(RECORDS))))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(record)))
        if not path:
            record = draw(record_junk)
            continue
        parent = record
        for part in path[:-1]:
            parent = parent[part]
        how = draw(st.sampled_from(["replace", "drop", "add"]))
        if how == "drop":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(max_size=6))] = draw(record_junk)
        elif how == "add" and isinstance(parent[path[-1]], list):
            parent[path[-1]].append(draw(record_junk))
        else:
            parent[path[-1]] = draw(record_junk)
    return record


def _framed(record: Any) -> str:
    """The record's log line, checksum correct, so the loaders read past the frame."""
    text = json.dumps(record, separators=(",", ":")).replace('"<huge>"', HUGE)
    return f'{{"crc32":"{zlib.crc32(text.encode()):08x}","record":{text}}}\n'


@fuzz
@given(records=st.lists(st.one_of(mutated_records(), st.sampled_from(RECORDS)), min_size=1,
                        max_size=3),
       renumber=st.booleans())
def test_every_record_loader_error_names_the_line_and_the_file(
    records: list[Any], renumber: bool
) -> None:
    if renumber:  # keep seq in order, so the checks past it are reached
        records = [{**r, "seq": n} if isinstance(r, dict) and isinstance(r.get("seq"), int)
                   else r for n, r in enumerate(records, start=1)]
    lines = [json.dumps(oplog.header("2026-01")) + "\n", *map(_framed, records)]
    text = "".join(lines)
    # record_from_json, on what the frame holds (when Python can read it at all).
    for number, line in enumerate(lines[1:], start=2):
        data = _value_or_error(functools.partial(oplog.unframe, line, f"line {number}"))
        if not isinstance(data, ValueError):
            error = _value_or_error(
                functools.partial(oplog.record_from_json, data, f"line {number}"))
            assert not isinstance(error, ValueError) or f"{error}".startswith(f"line {number}")
    # stream: every error names its line.
    error = _value_or_error(lambda: list(oplog.stream(io.StringIO(text))[1]))
    assert not isinstance(error, ValueError) or f"{error}".startswith("line "), error
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "journal.jsonl"
        path.write_text(text, encoding="utf-8")
        # read_journal (the durable store's reader): the file and the line.
        error = _value_or_error(lambda: list(durable.read_journal(path)))
        assert not isinstance(error, ValueError) or f"{error}".startswith(f"{path}: line "), error
        # from_oplog of a file (load and replay): the file, and the line or the record.
        error = _value_or_error(lambda: Ledger.from_oplog(
            Ledger.example(api_version="2026-01").snapshot(), path))
        if isinstance(error, oplog.ReplayMismatchError):
            assert f"{error}".startswith(f"{path}: record "), error
        else:
            assert not isinstance(error, ValueError) or f"{error}".startswith(f"{path}: line "), (
                error)


def _value_or_error(call: Callable[[], Any]) -> Any:
    """Return what ``call`` returns, or the ``ValueError`` it raises (any other propagates)."""
    try:
        return call()
    except ValueError as error:
        return error


# ---------------------------------------------------------------------- the command line

PLAN_TIMES = [*TIMES, "2026-01-01T00:00:00Z", "2026-11-02T09:00:00+23:59"]
plan_lines = st.one_of(
    st.fixed_dictionaries({"operation": st.sampled_from(OPERATIONS)}, optional={
        "variables": st.one_of(shaped, st.dictionaries(st.sampled_from(FIELDS), record_junk,
                                                       max_size=3)),
        "idempotencyKey": st.one_of(st.none(), st.text(max_size=5)),
        "at": st.one_of(st.sampled_from(PLAN_TIMES), record_scalars)}),
    record_junk,
)


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run ``ledger`` in-process; return its status, stdout and stderr."""
    from ledger.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _answered(status: int, out: str, err: str, as_json: bool) -> None:
    """Check one CLI answer: 0 or 1 (strict JSON with --json), or 2 with one line naming why."""
    assert status in (0, 1, 2)
    if status == 2:
        assert out == ""
        assert err.startswith("ledger: ")
        assert err.count("\n") == 1
    elif as_json:
        json.loads(out, parse_constant=lambda c: {}[c])  # NaN/Infinity: KeyError, not JSON


@fuzz
@given(records=st.lists(st.one_of(mutated_records(), st.sampled_from(RECORDS)), min_size=1,
                        max_size=3),
       lines=st.lists(plan_lines, min_size=1, max_size=3), as_json=st.booleans())
def test_the_cli_answers_any_log_or_plan_with_a_status_and_no_traceback(
    records: list[Any], lines: list[Any], as_json: bool
) -> None:
    records = [{**r, "seq": n} if isinstance(r, dict) and isinstance(r.get("seq"), int) else r
               for n, r in enumerate(records, start=1)]
    flag = ["--json"] if as_json else []
    with tempfile.TemporaryDirectory() as scratch:
        state = Path(scratch) / "state.json"
        state.write_text(json.dumps(Ledger.example(api_version="2026-01").snapshot()))
        log = Path(scratch) / "log.jsonl"
        log.write_text(json.dumps(oplog.header("2026-01")) + "\n"
                       + "".join(map(_framed, records)), encoding="utf-8")
        for command in ("history", "show", "verify"):
            _answered(*_run_cli([command, "--state", str(state), "--journal", str(log), *flag]),
                      as_json)
        plan = Path(scratch) / "plan.jsonl"
        plan.write_text("".join(
            json.dumps(line, ensure_ascii=False).replace('"<huge>"', HUGE) + "\n"
            for line in lines), encoding="utf-8", errors="surrogatepass")
        for command in ("check", "apply"):
            out = ["--out", str(Path(scratch) / "new.json")] if command == "apply" else []
            _answered(*_run_cli([command, str(plan), "--state", str(state), *out, *flag]),
                      as_json)
