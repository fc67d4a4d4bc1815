"""``ledger.shopify.search``: the search syntax of ``inventoryItems(query:)``."""

from __future__ import annotations

import pytest

pytest.importorskip("graphql")

from ledger.shopify import search
from tests.test_graphql_reads import ITEMS, data, store

# ---------------------------------------------------------------------- the search syntax


@pytest.mark.parametrize(("query", "numbers"), [
    (None, [1, 2, 3, 4]),
    ("sku:TEE-RED-M", [1]),
    ("sku:tee-red-m", [1]),
    ("sku:TEE", []),
    ("sku:TEE*", [1, 2]),
    ('sku:"BOX 12"', [4]),
    ("sku:BOX 12", []),  # ``sku:BOX`` matches no item; the bare word ``12`` is ignored
    ("sku:TEE-RED-M OR sku:tee-blue-l", [1, 2]),
    ("sku:TEE* AND id:>1", [2]),
    ("sku:TEE* id:>1", [2]),
    ("-sku:TEE-RED-M", [2, 3, 4]),
    ("NOT sku:TEE-RED-M", [2, 3, 4]),
    ("id:2", [2]),
    ("id:>=3", [3, 4]),
    ("id:<2", [1]),
    ("id:<=2", [1, 2]),
    ("id:x", []),
    ("created_at:>2020-01-01", [1, 2, 3, 4]),
    ("TEE", [1, 2, 3, 4]),
    ("", [1, 2, 3, 4]),
    ('sku:"unterminated', []),
])
def test_inventory_items_filter_by_sku_and_id_and_ignore_other_terms(
    query: str | None, numbers: list[int],
) -> None:
    found = data(store("2026-04"), "query($q: String) { inventoryItems(first: 10, query: $q) "
                                   "{ nodes { legacyResourceId } } }", {"q": query})
    assert [int(n["legacyResourceId"]) for n in found["inventoryItems"]["nodes"]] == numbers


def test_the_search_syntax_never_raises_on_odd_text() -> None:
    for text in ['"', "\\", '""', "-", "OR", "NOT", "AND OR NOT", ":", "sku:", "id:", "id:>",
                 'sku:"a\\"b"', "a:b:c", "\x00", "sku:*", "(sku:a)"]:
        search.search(text)  # builds its predicate without raising
    matches = search.search("sku:*")
    ledger = store("2026-04")
    items = ledger._state.items
    assert [i for i in ITEMS if matches(i, items[i])] == ITEMS  # an empty prefix
