"""Fuzzing the four ways input gets in: execute, graphql, the snapshot loader, the log reader.

Each must answer every input with a response body or a clear ``ValueError`` — never another
exception. The CI run is sized by the Hypothesis profile; for a long run by hand, set
``LEDGER_FUZZ_EXAMPLES`` (for example ``LEDGER_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Ledger, oplog
from ledger.errors import OPERATIONS
from ledger.versions import SUPPORTED

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


@fuzz
@given(operation=st.sampled_from(OPERATIONS), variables=st.one_of(junk, shaped),
       key=st.one_of(st.none(), st.text(max_size=300)), version=st.sampled_from(SUPPORTED))
def test_execute_answers_any_variables_with_a_body(
    operation: str, variables: Any, key: str | None, version: str
) -> None:
    ledger = Ledger.example(api_version=version)
    before = ledger.snapshot()
    body = ledger.execute(operation, variables, idempotency_key=key)
    assert isinstance(body, dict)
    assert "data" in body or "errors" in body
    json.dumps(body)  # a response is always serialisable
    if "errors" in body:
        assert ledger.snapshot() == before
    ledger._check()


DOCUMENT_PARTS = ["mutation", "query", "{", "}", "(", ")", "$input", ":", "!", "@idempotent",
                  "(key: \"k\")", "inventoryAdjustQuantities", "input", "userErrors", "code",
                  "field", "inventoryItem", "id", "\"gid://shopify/InventoryItem/1\"",
                  "inventoryLevel", "quantities", "names", "[", "]", "...", "on", "fragment",
                  "__typename", "__schema", "types", "name", "first", "10", "nodes", "edges",
                  "node", "InventoryAdjustQuantitiesInput", "\"", "#", ",", "alias:"]


@fuzz
@given(query=st.one_of(st.text(max_size=200),
                       st.lists(st.sampled_from(DOCUMENT_PARTS), max_size=40).map(" ".join)),
       variables=st.one_of(st.none(), st.dictionaries(st.text(max_size=8), junk, max_size=3)),
       operation_name=st.one_of(st.none(), st.text(max_size=10)))
def test_graphql_answers_any_document_with_a_body(
    query: str, variables: Any, operation_name: str | None
) -> None:
    ledger = Ledger.example(api_version="2026-01")
    body = ledger.graphql(query, variables, operation_name=operation_name)
    assert isinstance(body, dict)
    assert "data" in body or "errors" in body
    json.dumps(body)
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
