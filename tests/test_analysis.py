"""``ledger.shopify.analysis``: the document cache and the bounds on a query's text and nesting.

Hostile documents sent whole (bombs, over GraphQL and HTTP) are tests/test_graphql_bounds.py's.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.shopify import analysis
from tests.support import FakeClock
from tests.test_graphql_api import ITEM, SHOP


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


# ---------------------------------------------------------------------- the document cache


def test_a_repeated_query_is_parsed_and_validated_once(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses: list[str] = []
    validations: list[object] = []
    real_parse, real_validate = analysis.parse_document, analysis.validate_document

    def counting_parse(source: Any) -> Any:
        parses.append(source.body)
        return real_parse(source)

    def counting_validate(schema: Any, document: Any) -> Any:
        validations.append(document)
        return real_validate(schema, document)

    monkeypatch.setattr(analysis, "parse_document", counting_parse)
    monkeypatch.setattr(analysis, "validate_document", counting_validate)
    query = '{ location(id: "gid://shopify/Location/1") { name } } # cache test'
    for _ in range(3):
        assert ledger.graphql(query) == {"data": {"location": {"name": "Shop location"}}}
    assert parses == [query]
    assert len(validations) == 1


# ---------------------------------------------------------------------- hostile documents


@pytest.mark.parametrize("depth", [120, 1000])
def test_a_document_nested_past_the_bound_is_refused_before_it_is_parsed(depth: int) -> None:
    # Brackets nested past MAX_NESTING (100) are refused before parsing (the document is
    # invalid too: a parsed one would get a validation error), reporting their nesting.
    ledger = Ledger.example(api_version="2026-04", clock=FakeClock())
    before = ledger.snapshot()
    selection = "userErrors { message } " + "inventoryAdjustmentGroup { " * depth + "id" + (
        " }" * depth)
    document = (
        'mutation { inventoryAdjustQuantities(input: {name: "available", reason: "correction", '
        f'changes: [{{inventoryItemId: "{ITEM}", locationId: "{SHOP}", delta: 1, '
        f'changeFromQuantity: null}}]}}) @idempotent(key: "deep") {{ {selection} }} }}'
    )
    assert ledger.graphql(document) == {"errors": [{
        "message": f"Query has depth of {depth + 2}, which exceeds max depth of 50"}]}
    assert ledger.snapshot() == before


def test_nesting_counts_braces_brackets_and_parentheses_outside_strings_and_comments() -> None:
    assert analysis.nesting('{ a(b: "{{[[((", c: """ {{{ """) { d } } # {{{{') == 2
    assert analysis.nesting('{ a(s: "quote \\" and {") }') == 2
    assert analysis.nesting("query Q($x: [[Int]]) { a }") == 3


def test_a_document_at_the_bound_runs() -> None:
    ledger = Ledger.example(api_version="2026-04", clock=FakeClock())
    level = ledger.level(ITEM, SHOP)
    assert level is not None
    inner = "id"
    for _ in range(16):
        inner = f"item {{ inventoryLevels(first: 1) {{ nodes {{ {inner} }} }} }}"
    document = f'{{ inventoryLevel(id: "{level.id}") {{ {inner} }} }}'
    assert analysis.nesting(document) == analysis.MAX_DEPTH  # 50 fields, 50 braces
    body = ledger.graphql(document)
    assert "errors" not in body
    assert body["data"]["inventoryLevel"]["item"]["inventoryLevels"]["nodes"][0]["item"]
