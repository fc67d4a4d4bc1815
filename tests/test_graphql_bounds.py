"""Hostile GraphQL documents get Shopify's (graphql-ruby's) error after bounded work.

Each bomb is sent to ``Ledger.graphql`` and, where it fits a body, over HTTP. The work is
bounded by counting Python calls (``sys.setprofile``) and failing as soon as a budget is
spent: a fixed document answered in ~10^5 calls, where the unbounded code took 10^7 and
more, or minutes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.core.clock import ManualClock
from ledger.shopify import analysis
from ledger.shopify.http import MAX_BODY_BYTES, ShopifyBackend

VERSION = "2026-04"
URL = f"https://demo.myshopify.com/admin/api/{VERSION}/graphql.json"
ITEM = "gid://shopify/InventoryItem/1"
SHOP = "gid://shopify/Location/1"
LEVEL = "gid://shopify/InventoryLevel/1?inventory_item_id=1"
#: Python calls one request may make. The documents here take 5,000 to 110,000.
BUDGET = 1_000_000


class _OverBudget(BaseException):
    """Raised inside the code under test once it has spent its budget (not an Exception,
    so that no ``except Exception`` in graphql-core turns it into a field error)."""


@contextmanager
def work_budget(calls: int = BUDGET) -> Iterator[None]:
    """Fail the test as soon as the block has made more than ``calls`` Python calls."""
    count = 0
    done = False

    def hook(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if done or event not in ("call", "c_call"):
            return
        count += 1
        if count > calls:
            raise _OverBudget

    sys.setprofile(hook)
    try:
        yield
    except _OverBudget:
        pytest.fail(f"more than {calls} calls: the work is not bounded")
    finally:
        done = True
        sys.setprofile(None)


def doubling(levels: int) -> str:
    """Each fragment selects the next twice, two fields deeper: 2^levels paths, ~4 KB."""
    fragments = [
        f'fragment F{i} on InventoryItem {{ a: inventoryLevel(locationId: "{SHOP}") '
        f'{{ item {{ ...F{i + 1} }} }} b: inventoryLevel(locationId: "{SHOP}") '
        f"{{ item {{ ...F{i + 1} }} }} }}"
        for i in range(levels)
    ]
    return (f'{{ inventoryItem(id: "{ITEM}") {{ ...F0 }} }} ' + " ".join(fragments)
            + f" fragment F{levels} on InventoryItem {{ id }}")


def flat_doubling(levels: int) -> str:
    """Each fragment spreads the next twice at the same level: one field, 2^levels spreads."""
    fragments = [f"fragment F{i} on InventoryItem {{ ...F{i + 1} ...F{i + 1} }}"
                 for i in range(levels)]
    return (f'{{ inventoryItem(id: "{ITEM}") {{ ...F0 }} }} ' + " ".join(fragments)
            + f" fragment F{levels} on InventoryItem {{ id }}")


def chain(levels: int) -> str:
    """Fragments nesting two fields each: shallow text, ``2 * levels + 2`` fields deep."""
    fragments = [
        f'fragment D{i} on InventoryItem {{ inventoryLevel(locationId: "{SHOP}") '
        f"{{ item {{ ...D{i + 1} }} }} }}"
        for i in range(levels)
    ]
    return (f'{{ inventoryItem(id: "{ITEM}") {{ ...D0 }} }} ' + " ".join(fragments)
            + f" fragment D{levels} on InventoryItem {{ id }}")


def nested(levels: int, start: str = "{ ") -> str:
    """``levels`` pairs of fields written out: ``2 * levels + 2`` deep."""
    step = f'inventoryLevel(locationId: "{SHOP}") {{ item {{ '
    return (f'{start}inventoryItem(id: "{ITEM}") {{ ' + step * levels + "id"
            + " } }" * levels + " } }")


def depth(n: int) -> dict[str, Any]:
    return {"errors": [{"message": f"Query has depth of {n}, which exceeds max depth of 50"}]}


TOO_LARGE = {"errors": [{"message": "This query is too large to execute."}]}


def too_many_tokens() -> tuple[str, dict[str, Any]]:
    """A document of 15,001 tokens (well under the byte limit), and its answer."""
    query = "{ " + "__typename " * 14_998 + "}"  # 15,000 tokens; the comment is the next
    query += " # one more"
    column = query.index("#") + 1
    return query, {"errors": [{"message": "This query is too large to execute.",
                               "locations": [{"line": 1, "column": column}]}]}


def over_limit(size: int, path: list[str], column: int, code: str = "MAX_INPUT_SIZE_EXCEEDED",
               message: str | None = None) -> dict[str, Any]:
    return {"errors": [{
        "message": message or f"The input array size of {size} is greater than the maximum "
                              "allowed of 250.",
        "locations": [{"line": 1, "column": column}], "path": path,
        "extensions": {"code": code},
    }]}


def page_over(size: int, argument: str, path: list[str], column: int) -> dict[str, Any]:
    return over_limit(size, [*path, argument], column, "MAX_PAGE_SIZE_EXCEEDED",
                      f"The page size of {size} requested by '{argument}' is greater than "
                      "the maximum allowed of 250.")


def cost_exceeded(body: dict[str, Any], cost: int) -> bool:
    [error] = body["errors"]
    return "data" not in body and error["extensions"]["code"] == "MAX_COST_EXCEEDED" and (
        error["extensions"]["cost"] == cost)


LEVELS = "{ location { inventoryLevels(first: %s) { nodes { id } } } }"
IDS = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }'

#: name -> (query, variables, the whole expected body or a check of it)
BOMBS: dict[str, tuple[str, dict[str, Any], Any]] = {
    "fragment-doubling-20-levels": (
        doubling(20), {}, lambda body: cost_exceeded(body, 4 * (2**20 - 1) + 1)),
    "deep-through-fragments": (chain(60), {}, depth(122)),
    "comment-ending-in-carriage-return": (nested(60, start="{ # a comment\r"), {}, depth(122)),
    "fields-nested-past-50": (nested(30), {}, depth(62)),
    "brackets-nested-1000-deep": ("{ a(b: " + "[" * 1000 + "]" * 1000 + ") }", {},
                                  depth(1002)),
    "6-MB-document": ("{ " + "__typename " * 600_000 + "}", {}, TOO_LARGE),
    "20-MB-comment": ("{ __typename } #" + "x" * 20_000_000, {}, TOO_LARGE),
    "15001-tokens": (too_many_tokens()[0], {}, too_many_tokens()[1]),
    "million-ids": (IDS, {"ids": ["x"] * 10**6},
                    over_limit(10**6, ["nodes", "ids"], 23)),
    "251-literal-ids": ("{ nodes(ids: [" + ", ".join(['"x"'] * 251) + "]) { id } }", {},
                        over_limit(251, ["nodes", "ids"], 3)),
    "first-10000": (LEVELS % 10000, {},
                    page_over(10000, "first", ["location", "inventoryLevels"], 14)),
    "last-251-from-a-variable": (
        "query($n: Int) { location { inventoryLevels(last: $n) { nodes { id } } } }",
        {"n": 251}, page_over(251, "last", ["location", "inventoryLevels"], 29)),
}


def _check(body: dict[str, Any], expected: Any) -> None:
    if callable(expected):
        assert expected(body), body
    else:
        assert body == expected


@pytest.mark.parametrize("name", BOMBS)
def test_a_bomb_is_refused_by_ledger_graphql_after_bounded_work(name: str) -> None:
    query, variables, expected = BOMBS[name]
    ledger = Ledger.example(api_version=VERSION, clock=ManualClock())
    before = ledger.snapshot()
    with work_budget():
        body = ledger.graphql(query, variables)
    _check(body, expected)
    assert ledger.snapshot() == before


def post(backend: ShopifyBackend, content: bytes) -> tuple[int, dict[str, Any]]:
    response = backend.handle("POST", URL, {"X-Shopify-Access-Token": "t"}, content)
    return response.status, response.json()


@pytest.mark.parametrize("name", [n for n, (q, v, _) in BOMBS.items()
                                  if len(json.dumps({"query": q, "variables": v}))
                                  <= MAX_BODY_BYTES])
def test_a_bomb_that_fits_a_body_is_refused_over_http_after_bounded_work(name: str) -> None:
    query, variables, expected = BOMBS[name]
    backend = ShopifyBackend({"demo": Ledger.example(api_version=VERSION, clock=ManualClock())})
    content = json.dumps({"query": query, "variables": variables}).encode()
    with work_budget():
        status, body = post(backend, content)
    assert status == 200
    cost = body.pop("extensions")["cost"]
    _check(body, expected)
    # Only the doubling is costed: it is within every other bound, and over the maximum.
    if name.startswith("fragment-doubling"):
        assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (4 * (2**20 - 1) + 1,
                                                                         None)
    else:
        assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (0, 0)


@pytest.mark.parametrize("content", [
    b'{"query": "{ __typename }", "padding": "' + b"x" * (50 << 20) + b'"}',
    json.dumps({"query": IDS, "variables": {"ids": [ITEM] * 10**6}}).encode(),
], ids=["50-MiB-body", "million-ids-body"])
def test_a_body_over_the_limit_is_a_413_and_is_never_read(
    content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger.shopify.http

    read: list[int] = []

    class Json:
        """The backend's ``json``, recording what it is asked to read."""

        dumps = staticmethod(json.dumps)

        @staticmethod
        def loads(text: bytes, **options: Any) -> Any:
            read.append(len(text))
            return json.loads(text, **options)

    monkeypatch.setattr(ledger.shopify.http, "json", Json)
    backend = ShopifyBackend({"demo": Ledger.example(api_version=VERSION)})
    response = backend.handle("POST", URL, {"X-Shopify-Access-Token": "t"}, content)
    assert (response.status, json.loads(response.body)) == (
        413, {"errors": "Request Entity Too Large"})
    assert read == []
    assert len(content) > MAX_BODY_BYTES


def test_a_flat_fragment_doubling_runs_and_is_costed_after_bounded_work() -> None:
    backend = ShopifyBackend({"demo": Ledger.example(api_version=VERSION)})
    content = json.dumps({"query": flat_doubling(20)}).encode()
    with work_budget():
        status, body = post(backend, content)
    assert status == 200
    assert body["data"] == {"inventoryItem": {"id": ITEM}}
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1


# ---------------------------------------------------------------------- at the bounds


def test_depth_counts_fields_not_brackets() -> None:
    # 50 fields deep inside 74 braces (an inline fragment at every other level):
    # graphql-ruby counts fields, so this runs.
    inner = "id"
    for _ in range(24):
        inner = (f'inventoryLevel(locationId: "{SHOP}") {{ ... on InventoryLevel {{ '
                 f"item {{ {inner} }} }} }}")
    query = f'{{ inventoryItem(id: "{ITEM}") {{ {inner} }} }}'
    assert analysis.nesting(query) == 74  # over 50: not what graphql-ruby counts
    body = Ledger.example(api_version=VERSION).graphql(query)
    assert "errors" not in body, body


def test_a_skipped_selection_does_not_count_towards_the_depth() -> None:
    ledger = Ledger.example(api_version=VERSION)
    deep = nested(30)[2:-2]  # the inventoryItem field, 62 deep
    query = f"query($deep: Boolean!) {{ location {{ id }} ... @include(if: $deep) {{ {deep} }} }}"
    assert ledger.graphql(query, {"deep": False}) == {"data": {"location": {"id": SHOP}}}
    assert ledger.graphql(query, {"deep": True}) == depth(62)


@pytest.mark.parametrize(("query", "variables"), [
    ("{ nodes(ids: [" + ", ".join([json.dumps(LEVEL)] * 250) + "]) { id } }", {}),
    (IDS, {"ids": [LEVEL] * 250}),
    (LEVELS % 250, {}),
    ("query($n: Int) { location { inventoryLevels(last: $n) { nodes { id } } } }", {"n": 250}),
], ids=["250-literal-ids", "250-ids", "first-250", "last-250"])
def test_exactly_250_runs(query: str, variables: dict[str, Any]) -> None:
    body = Ledger.example(api_version=VERSION).graphql(query, variables)
    assert "errors" not in body, body


def test_a_mutations_own_input_lists_keep_executes_error() -> None:
    # The root field's arguments are execute()'s to check: graphql() equals execute() there.
    ledger = Ledger.example(api_version=VERSION)
    variables = {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": ITEM, "locationId": SHOP, "delta": 1, "changeFromQuantity": None}
    ] * 251}}
    document = ("mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities("
                'input: $input) @idempotent(key: "k") { userErrors { message } } }')
    body = ledger.graphql(document, variables)
    expected = Ledger.example(api_version=VERSION).execute(
        "inventoryAdjustQuantities", variables, idempotency_key="k")
    assert body["errors"][0].pop("locations")
    assert body == expected


def test_ledger_graphql_refuses_a_query_over_the_single_query_maximum() -> None:
    query = ("{ a: location { inventoryLevels(first: 250) { nodes { id item { id } } } } "
             "b: location { inventoryLevels(first: 250) { nodes { id item { id } } } } }")
    body = Ledger.example(api_version=VERSION).graphql(query)
    assert cost_exceeded(body, 1006)
    lifted = Ledger.example(api_version=VERSION).graphql(query, max_cost=None)
    assert "errors" not in lifted
    assert len(lifted["data"]["a"]["inventoryLevels"]["nodes"]) == 1
    assert cost_exceeded(Ledger.example(api_version=VERSION).graphql(query, max_cost=500), 1006)


def test_the_scan_reads_strings_and_comments_as_graphql_core_does() -> None:
    assert analysis.nesting("{ # {{{\r{ a } }") == 2  # a comment ends at \r too
    assert analysis.nesting('{ a(s: """ \\""" {{{ """) }') == 2  # \""" does not end it
    assert analysis.nesting('{ a(s: "\\" {{") }') == 2


def test_a_page_size_past_a_32_bit_int_is_the_variables_coercion_error_not_a_crash() -> None:
    # Found by the fuzz test: a 4301-digit page size raised printing the page-size message
    # (Python refuses to print an int of over 4300 digits). Past GraphQL's 32-bit Int it is
    # no page size but a value the variables' coercion refuses. (Not a bomb of BOMBS: JSON
    # cannot carry it to the HTTP backend.)
    query = "query($n: Int) { location { inventoryLevels(first: $n) { nodes { id } } } }"
    digits = "<an integer of more than 2048 digits>"
    assert Ledger.example().graphql(query, {"n": 10**4301}) == {"errors": [{
        "message": "Variable $n of type Int was provided invalid value",
        "locations": [{"line": 1, "column": 7}],
        "extensions": {"code": "INVALID_VARIABLE", "value": digits, "problems": [
            {"path": [], "explanation": f"Could not coerce value {digits} to Int"}]},
    }]}
    assert Ledger.example().graphql(query, {"n": 2**31})["errors"][0]["extensions"][
        "problems"] == [{"path": [], "explanation": "Could not coerce value 2147483648 to Int"}]
