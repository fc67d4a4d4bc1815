"""Access scopes and shops over HTTP: no fragment, directive or alias lets a token do more.

Every mutation is sent through every way GraphQL has of selecting a root field (inline
fragments typed and untyped, ``@include``/``@skip``, nested inline fragments, named
fragments, with and without an alias), with a token of each scope set. A token without
``write_inventory`` must get exactly the ``ACCESS_DENIED`` body the plain document gets
(at the field's own location, under its response key) and change nothing; one with it must
get what ``Ledger.graphql`` gives for the same document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.core.clock import ManualClock
from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    OPERATIONS,
    SET,
    SET_ON_HAND,
    directive_presence,
)
from ledger.core.versions import Presence, era_of
from ledger.shopify import analysis, graphql_api
from ledger.shopify import schema as graphql_schema
from ledger.shopify.http import INVALID_TOKEN, ShopifyBackend

VERSION = "2026-04"
URL = f"https://demo.myshopify.com/admin/api/{VERSION}/graphql.json"
ITEM = "gid://shopify/InventoryItem/1"
SHOP = "gid://shopify/Location/1"
WAREHOUSE = "gid://shopify/Location/2"
LEVEL = "gid://shopify/InventoryLevel/1?inventory_item_id=1"

#: Per mutation: its variable definitions, its arguments, and variables that run it.
MUTATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    ADJUST: ("$input: InventoryAdjustQuantitiesInput!", "input: $input", {"input": {
        "name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": ITEM, "locationId": SHOP, "delta": 2,
            "changeFromQuantity": None}]}}),
    MOVE: ("$input: InventoryMoveQuantitiesInput!", "input: $input", {"input": {
        "reason": "damaged", "referenceDocumentUri": "logistics://move/1", "changes": [{
            "inventoryItemId": ITEM, "quantity": 1,
            "from": {"locationId": SHOP, "name": "available", "changeFromQuantity": None},
            "to": {"locationId": SHOP, "name": "damaged", "changeFromQuantity": None}}]}}),
    SET: ("$input: InventorySetQuantitiesInput!", "input: $input", {"input": {
        "name": "available", "reason": "correction", "quantities": [{
            "inventoryItemId": ITEM, "locationId": SHOP, "quantity": 7,
            "changeFromQuantity": None}]}}),
    SET_ON_HAND: ("$input: InventorySetOnHandQuantitiesInput!", "input: $input", {"input": {
        "reason": "correction", "setQuantities": [{
            "inventoryItemId": ITEM, "locationId": SHOP, "quantity": 12,
            "changeFromQuantity": None}]}}),
    ACTIVATE: ("$item: ID!, $location: ID!", "inventoryItemId: $item, locationId: $location",
               {"item": ITEM, "location": WAREHOUSE}),
    DEACTIVATE: ("$level: ID!", "inventoryLevelId: $level", {"level": LEVEL}),
    BULK_TOGGLE: ("$item: ID!, $updates: [InventoryBulkToggleActivationInput!]!",
                  "inventoryItemId: $item, inventoryItemUpdates: $updates",
                  {"item": ITEM, "updates": [{"locationId": WAREHOUSE, "activate": True}]}),
}

#: Ways of selecting a root field that run it: ``{f}`` is the field, ``{d}`` a directive
#: on the field itself; a form using ``$yes`` declares it, one spreading ``Writes`` defines it.
RUN_FORMS = {
    "plain": "{f}",
    "inline-typed": "... on Mutation {{ {f} }}",
    "inline-untyped": "... {{ {f} }}",
    "include-true": "... @include(if: true) {{ {f} }}",
    "skip-false": "... @skip(if: false) {{ {f} }}",
    "include-variable": "... @include(if: $yes) {{ {f} }}",
    "skip-variable": "... on Mutation @skip(if: $no) {{ {f} }}",
    "field-include-true": "{f@include(if: true)}",
    "nested-inline": "... on Mutation {{ ... {{ ... @include(if: true) {{ {f} }} }} }}",
    "named-fragment": "...Writes",
    "named-fragment-in-inline": "... {{ ... on Mutation {{ ...Writes }} }}",
    "named-fragment-skip-false": "...Writes @skip(if: false)",
    "twice-plain-and-fragment": "{f} ...Writes",
}
#: Ways of selecting a root field that leave it out: it runs nothing and needs no scope.
SKIP_FORMS = {
    "include-false": "... @include(if: false) {{ {f} }}",
    "skip-true": "... @skip(if: true) {{ {f} }}",
    "skip-variable-true": "... @skip(if: $yes) {{ {f} }}",
    "field-skip-true": "{f@skip(if: true)}",
    "fragment-include-false": "...Writes @include(if: false)",
}
ALIASES = {"no-alias": "", "alias": "renamed: "}
SCOPES: dict[str, list[str]] = {
    "no-inventory-scope": ["read_products"],
    "read_inventory": ["read_inventory"],
    "write_inventory": ["write_inventory"],
    "read-and-write": ["read_inventory", "write_inventory"],
}
WRITES = {"write_inventory", "read-and-write"}


def field(operation: str, alias: str, directive: str = "") -> str:
    """The root field of ``operation``, under ``alias``, with ``directive`` on it."""
    _, arguments, _ = MUTATIONS[operation]
    if directive_presence(operation, era_of(VERSION)) is Presence.REQUIRED:
        directive = ' @idempotent(key: "scope-test")' + directive
    return f"{alias}{operation}({arguments}){directive} {{ userErrors {{ message }} }}"


def document(operation: str, form: str, alias: str) -> tuple[str, dict[str, Any]]:
    """The mutation document selecting ``operation`` in ``form``, and its variables."""
    definitions, _, variables = MUTATIONS[operation]
    plain = field(operation, alias)
    body = form.replace("{f@include(if: true)}", field(operation, alias, " @include(if: true)"))
    body = body.replace("{f@skip(if: true)}", field(operation, alias, " @skip(if: true)"))
    body = body.replace("{{", "{").replace("}}", "}").replace("{f}", plain)
    given = dict(variables)
    if "$yes" in body:
        definitions += ", $yes: Boolean!"
        given["yes"] = True
    if "$no" in body:
        definitions += ", $no: Boolean!"
        given["no"] = False
    fragment = f" fragment Writes on Mutation {{ {plain} }}" if "...Writes" in body else ""
    return f"mutation Run({definitions}) {{ {body} }}{fragment}", given


def backend(scopes: list[str]) -> tuple[ShopifyBackend, Ledger]:
    ledger = Ledger.example(api_version=VERSION, clock=ManualClock())
    served = ShopifyBackend()
    served.add_shop("demo", ledger, tokens={"token": scopes})
    return served, ledger


def post(served: ShopifyBackend, query: str, variables: dict[str, Any],
         sender: str = "token", url: str = URL) -> tuple[int, dict[str, Any]]:
    """POST ``query`` to ``url`` with the access token ``sender``; the body less its cost."""
    response = served.handle("POST", url, {"X-Shopify-Access-Token": sender},
                             json.dumps({"query": query, "variables": variables}).encode())
    body = response.json()
    body.pop("extensions", None)
    return response.status, body


def denied(query: str, name: str, key: str, access: str) -> dict[str, Any]:
    """The body Shopify gives a token without ``access`` for the root field ``key``."""
    column = query.index(f"{key}: {name}(" if key != name else f"{name}(") + 1
    required = f"`{access}` access scope."
    return {
        "errors": [{
            "message": f"Access denied for {name} field. Required access: {required}",
            "locations": [{"line": 1, "column": column}],
            "extensions": {"code": "ACCESS_DENIED",
                           "documentation": "https://shopify.dev/api/usage/access-scopes",
                           "requiredAccess": required},
            "path": [key],
        }],
        "data": {key: None},
    }


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("alias", ALIASES)
@pytest.mark.parametrize("form", RUN_FORMS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_mutation_in_any_fragment_form_needs_write_inventory_and_runs_only_with_it(
    operation: str, form: str, alias: str, scope: str
) -> None:
    query, variables = document(operation, RUN_FORMS[form], ALIASES[alias])
    served, ledger = backend(SCOPES[scope])
    before = ledger.snapshot()
    status, body = post(served, query, variables)
    assert status == 200
    key = "renamed" if alias == "alias" else operation
    if scope in WRITES:
        fresh = Ledger.example(api_version=VERSION, clock=ManualClock())
        assert body == fresh.graphql(query, variables)
        assert body["data"][key] is not None
        assert ledger.snapshot() == fresh.snapshot()
    else:
        assert body == denied(query, operation, key, "write_inventory")
        assert ledger.snapshot() == before
        assert len(ledger.journal) == 0


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("form", SKIP_FORMS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_mutation_left_out_by_skip_or_include_runs_nothing_and_needs_no_scope(
    operation: str, form: str, scope: str
) -> None:
    query, variables = document(operation, SKIP_FORMS[form], "")
    served, ledger = backend(SCOPES[scope])
    before = ledger.snapshot()
    assert post(served, query, variables) == (200, {"data": {}})
    assert ledger.snapshot() == before


QUERY_FORMS = {
    "plain": "{f}",
    "inline-typed": "... on QueryRoot {{ {f} }}",
    "inline-untyped": "... @include(if: true) {{ {f} }}",
    "named-fragment": "...Reads",
}


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("form", QUERY_FORMS)
def test_a_read_in_any_fragment_form_needs_an_inventory_scope(form: str, scope: str) -> None:
    read = f'stock: inventoryLevel(id: "{LEVEL}") {{ id }}'
    body_text = QUERY_FORMS[form].replace("{{", "{").replace("}}", "}").replace("{f}", read)
    fragment = f" fragment Reads on QueryRoot {{ {read} }}" if "...Reads" in body_text else ""
    query = f"query {{ {body_text} }}{fragment}"
    served, _ = backend(SCOPES[scope])
    status, body = post(served, query, {})
    assert status == 200
    if scope == "no-inventory-scope":
        assert body == denied(query, "inventoryLevel", "stock", "read_inventory")
    else:
        assert body == {"data": {"stock": {"id": LEVEL}}}


def test_each_root_field_of_a_mixed_document_is_denied_under_its_own_key() -> None:
    plain = field(ADJUST, "first: ")
    query = (f"mutation Run($input: InventoryAdjustQuantitiesInput!) {{ {plain} "
             f"... on Mutation {{ {field(ADJUST, 'second: ')} }} __typename }}")
    served, ledger = backend(["read_inventory"])
    _, body = post(served, query, MUTATIONS[ADJUST][2])
    assert [e["path"] for e in body["errors"]] == [["first"], ["second"]]
    assert body["data"] == {"first": None, "second": None}
    assert len(ledger.journal) == 0


@pytest.mark.parametrize("form", [*RUN_FORMS, *SKIP_FORMS])
def test_the_root_fields_checked_are_those_graphql_core_executes(form: str) -> None:
    from graphql import get_operation_ast

    from ledger.shopify._graphql_compat import executed_root_fields

    forms = {**RUN_FORMS, **SKIP_FORMS}
    query, variables = document(ADJUST, forms[form], "renamed: ")
    era = era_of(VERSION)
    doc, errors = analysis.validated(era, query)
    assert doc is not None
    assert not errors
    operation = get_operation_ast(doc)
    assert operation is not None
    expected = executed_root_fields(graphql_schema.schema(era), doc, operation, variables)
    assert expected is not None
    found = graphql_api.root_fields(era, query, variables, None)
    assert found is not None
    assert found[0] == "mutation"
    assert [(key, node) for key, node in found[1]] == [
        (key, nodes[0]) for key, nodes in expected.items()]


# ---------------------------------------------------------------------- tokens and shops


def two_shops(**options: Any) -> ShopifyBackend:
    served = ShopifyBackend(**options)
    served.add_shop("shop-a", Ledger.example(api_version=VERSION, clock=ManualClock()),
                    tokens={"token-a": ["read_inventory", "write_inventory"]})
    served.add_shop("shop-b", Ledger.example(api_version=VERSION, clock=ManualClock()),
                    tokens={"token-b": ["read_inventory", "write_inventory"]})
    return served


def shop_url(shop: str) -> str:
    return f"https://{shop}.myshopify.com/admin/api/{VERSION}/graphql.json"


def test_a_shops_token_is_refused_by_another_shop_and_changes_nothing_there() -> None:
    served = two_shops()
    query, variables = document(ADJUST, "{f}", "")
    assert post(served, query, variables, sender="token-b", url=shop_url("shop-a")) == (
        401, {"errors": INVALID_TOKEN})
    assert len(served.shops["shop-a"].journal) == 0
    status, body = post(served, query, variables, sender="token-b", url=shop_url("shop-b"))
    assert status == 200
    assert body["data"][ADJUST]["userErrors"] == []
    assert len(served.shops["shop-b"].journal) == 1


def test_tokens_given_to_the_backend_still_open_every_shop() -> None:
    served = two_shops(tokens={"partner": ["read_inventory"]})
    for shop in ("shop-a", "shop-b"):
        status, body = post(served, "{ location { id } }", {}, sender="partner",
                            url=shop_url(shop))
        assert (status, body) == (200, {"data": {"location": {"id": SHOP}}})
    assert post(served, "{ location { id } }", {}, sender="token-a",
                url=shop_url("shop-b"))[0] == 401


def test_without_a_token_list_any_token_opens_a_shop_except_another_shops_token() -> None:
    served = ShopifyBackend({"open": Ledger.example(api_version=VERSION)})
    served.add_shop("closed", Ledger.example(api_version=VERSION),
                    tokens={"closed-token": ["read_inventory"]})
    query = "{ location { id } }"
    assert post(served, query, {}, sender="anything", url=shop_url("open"))[0] == 200
    assert post(served, query, {}, sender="closed-token", url=shop_url("open"))[0] == 401
    assert post(served, query, {}, sender="anything", url=shop_url("closed"))[0] == 401
    assert post(served, query, {}, sender="closed-token", url=shop_url("closed"))[0] == 200


def test_a_token_cannot_be_both_every_shops_and_one_shops() -> None:
    served = ShopifyBackend(tokens={"shared": ["read_inventory"]})
    with pytest.raises(ValueError, match="cannot belong to 'demo'"):
        served.add_shop("demo", Ledger.example(), tokens={"shared": ["read_inventory"]})
