"""``Ledger.graphql``: GraphQL documents executed as Shopify's Admin API does.

Mutations must give exactly what ``Ledger.execute`` gives for the same variables and
``@idempotent(key:)``. ``execute`` has no document, so its bodies carry no ``locations``;
``graphql`` adds them to every error tied to the document, and the comparisons here check
that they are there and then compare the rest of the body whole.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("graphql")


import ledger.shopify as shopify_package
from ledger import Ledger
from ledger.core.errors import ACTIVATE, ADJUST, DEACTIVATE, MOVE, SET, SET_ON_HAND
from ledger.core.quantities import API_NAMES
from ledger.core.versions import era_of
from tests.support import FakeClock
from tests.test_shared_cases import CASE_FILES, matches

ITEM = "gid://shopify/InventoryItem/1"
SHOP = "gid://shopify/Location/1"
WAREHOUSE = "gid://shopify/Location/2"

GROUP = (
    "id createdAt reason referenceDocumentUri app { id } staffMember { id } "
    "changes { name delta quantityAfterChange ledgerDocumentUri item { id } "
    "location { id name } }"
)
#: Every field of execute's level, as the version's InventoryLevel has them (semantics §13).
LEVEL_BEFORE_2026_04 = (
    "id item { id } location { id name } "
    f"quantities(names: {json.dumps(list(API_NAMES))}) {{ name quantity updatedAt }}"
)
LEVEL = LEVEL_BEFORE_2026_04.replace("id item", "id isActive item", 1)
CODED_ERRORS = "userErrors { field message code }"
ERRORS = "userErrors { field message }"
#: Every payload field of each mutation, in the order ``execute``'s bodies have them (from
#: 2026-04; ``payload`` gives a version's).
PAYLOADS = {
    ADJUST: f"inventoryAdjustmentGroup {{ {GROUP} }} {CODED_ERRORS}",
    MOVE: f"inventoryAdjustmentGroup {{ {GROUP} }} {CODED_ERRORS}",
    SET: f"inventoryAdjustmentGroup {{ {GROUP} }} {CODED_ERRORS}",
    SET_ON_HAND: f"inventoryAdjustmentGroup {{ {GROUP} }} {CODED_ERRORS}",
    ACTIVATE: f"inventoryLevel {{ {LEVEL} }} {ERRORS}",
    DEACTIVATE: ERRORS,
}
INPUT_TYPES = {
    ADJUST: "InventoryAdjustQuantitiesInput!",
    MOVE: "InventoryMoveQuantitiesInput!",
    SET: "InventorySetQuantitiesInput!",
    SET_ON_HAND: "InventorySetOnHandQuantitiesInput!",
}
STOCKING_VARIABLES = {
    ACTIVATE: (("inventoryItemId", "ID!"), ("locationId", "ID!"), ("available", "Int"),
               ("onHand", "Int"), ("stockAtLegacyLocation", "Boolean")),
    DEACTIVATE: (("inventoryLevelId", "ID!"),),
}


def payload(operation: str, version: str | None = None) -> str:
    """Return every payload field of ``operation`` that ``version``'s schema has."""
    if version is not None and not era_of(version).is_active_field:
        return PAYLOADS[operation].replace(LEVEL, LEVEL_BEFORE_2026_04)
    return PAYLOADS[operation]


def mutation(operation: str, key: str | None, version: str | None = None) -> str:
    """Return a document that runs ``operation`` from variables with every field selected.

    ``version`` (default: one from 2026-04) decides the fields its schema has.
    """
    declared = STOCKING_VARIABLES.get(operation, (("input", INPUT_TYPES.get(operation, "")),))
    definitions = ", ".join(f"${name}: {t}" for name, t in declared)
    arguments = ", ".join(f"{name}: ${name}" for name, _ in declared)
    directive = f" @idempotent(key: {json.dumps(key)})" if key is not None else ""
    return (
        f"mutation Run({definitions}) {{\n"
        f"  {operation}({arguments}){directive} {{ {payload(operation, version)} }}\n}}"
    )


def without_locations(body: dict[str, Any]) -> dict[str, Any]:
    """Return ``body`` with each error's ``locations`` checked and removed."""
    if "errors" not in body:
        return body
    errors = []
    for error in body["errors"]:
        error = dict(error)
        locations = error.pop("locations")
        assert locations, error
        assert all(loc["line"] >= 1 and loc["column"] >= 1 for loc in locations)
        errors.append(error)
    return {**body, "errors": errors}


def clock_for(case: dict[str, Any]) -> FakeClock:
    clock = FakeClock()
    if case.get("clock"):
        clock.now = datetime.fromisoformat(case["clock"].replace("Z", "+00:00"))
    return clock


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


def adjust_input(delta: int = -4, change_from: int | None = 10) -> dict[str, Any]:
    return {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": ITEM, "locationId": SHOP, "delta": delta,
         "changeFromQuantity": change_from}]}}


# ---------------------------------------------------------------------- the shared cases


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_every_shared_case_gives_through_graphql_exactly_what_execute_gives(
    case_file: Path,
) -> None:
    case = json.loads(case_file.read_text())
    by_graphql_clock, by_execute_clock = clock_for(case), clock_for(case)
    by_graphql = Ledger.from_snapshot(case["snapshot"], api_version=case["apiVersion"],
                                      clock=by_graphql_clock)
    by_execute = Ledger.from_snapshot(case["snapshot"], api_version=case["apiVersion"],
                                      clock=by_execute_clock)
    for n, step in enumerate(case["steps"]):
        for clock in (by_graphql_clock, by_execute_clock):
            clock.advance(step.get("advanceClockSeconds", 0))
        operation, key = step["operation"], step.get("idempotencyKey")
        body = by_graphql.graphql(mutation(operation, key, case["apiVersion"]),
                                  step["variables"])
        expected = by_execute.execute(operation, step["variables"], idempotency_key=key)
        assert without_locations(body) == expected, f"step {n}"
        problems = matches(step.get("expect", {}).get("response", {}), body)
        assert not problems, f"step {n}: {problems}"
        assert by_graphql.snapshot() == by_execute.snapshot()
        by_graphql._check()


# ---------------------------------------------------------------------- mutations


def test_a_mutation_gives_only_the_selected_fields_in_selection_order(ledger: Ledger) -> None:
    body = ledger.graphql(
        'mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities('
        'input: $input) @idempotent(key: "k") { userErrors { code } '
        "inventoryAdjustmentGroup { changes { delta name } } } }",
        adjust_input(),
    )
    payload = body["data"]["inventoryAdjustQuantities"]
    assert list(payload) == ["userErrors", "inventoryAdjustmentGroup"]
    assert payload["inventoryAdjustmentGroup"]["changes"] == [
        {"delta": -4, "name": "available"}, {"delta": -4, "name": "on_hand"}]
    assert list(payload["inventoryAdjustmentGroup"]["changes"][0]) == ["delta", "name"]


def test_aliases_fragments_and_typename_shape_a_mutation_payload(ledger: Ledger) -> None:
    body = ledger.graphql(
        """
        mutation Shrink($input: InventoryAdjustQuantitiesInput!) {
          shrink: inventoryAdjustQuantities(input: $input) @idempotent(key: "k") {
            __typename
            group: inventoryAdjustmentGroup { ...Group }
            errors: userErrors { ... on InventoryAdjustQuantitiesUserError { code } }
          }
        }
        fragment Group on InventoryAdjustmentGroup { __typename reason changes { n: name } }
        """,
        adjust_input(),
    )
    assert body == {"data": {"shrink": {
        "__typename": "InventoryAdjustQuantitiesPayload",
        "group": {"__typename": "InventoryAdjustmentGroup", "reason": "correction",
                  "changes": [{"n": "available"}, {"n": "on_hand"}]},
        "errors": [],
    }}}


def test_invalid_variables_are_reported_with_their_definition_and_no_data(
    ledger: Ledger,
) -> None:
    body = ledger.graphql(
        "mutation Run(\n  $in: InventoryAdjustQuantitiesInput!\n) {\n"
        '  inventoryAdjustQuantities(input: $in) @idempotent(key: "k") { userErrors { code } }\n}',
        {"in": {"name": 3, "reason": "correction", "changes": []}},
    )
    assert body == {"errors": [{
        "message": "Variable $in of type InventoryAdjustQuantitiesInput! was provided invalid "
                   "value for name (Could not coerce value 3 to String)",
        "locations": [{"line": 2, "column": 3}],
        "extensions": {"code": "INVALID_VARIABLE", "value": {
            "name": 3, "reason": "correction", "changes": []},
            "problems": [{"path": ["name"], "explanation": "Could not coerce value 3 to String"}]},
    }]}


def test_two_mutations_in_one_document_run_in_order() -> None:
    ledger = Ledger.example(api_version="2026-01", clock=FakeClock())
    body = ledger.graphql(
        "mutation($a: InventoryAdjustQuantitiesInput!, $b: InventoryAdjustQuantitiesInput!) {"
        " first: inventoryAdjustQuantities(input: $a) { inventoryAdjustmentGroup { id } }"
        " second: inventoryAdjustQuantities(input: $b) {"
        "   inventoryAdjustmentGroup { id changes(quantityNames: [\"available\"]) {"
        "     item { inventoryLevel(locationId: \"gid://shopify/Location/1\") {"
        "       quantities(names: [\"available\"]) { quantity } } } } } } }",
        {"a": adjust_input(1, 10)["input"], "b": adjust_input(2, 11)["input"]},
    )
    assert body == {"data": {
        "first": {"inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/1"}},
        "second": {"inventoryAdjustmentGroup": {
            "id": "gid://shopify/InventoryAdjustmentGroup/2",
            "changes": [{"item": {"inventoryLevel": {"quantities": [{"quantity": 13}]}}}],
        }},
    }}


# ---------------------------------------------------------------------- errors


def test_an_unknown_operation_name_is_reported(ledger: Ledger) -> None:
    body = ledger.graphql("query A { location { name } }", operation_name="B")
    assert body == {"errors": [{"message": 'No operation named "B"'}]}


# ---------------------------------------------------------------------- requests


def test_a_request_may_speak_another_version_than_the_ledger() -> None:
    ledger = Ledger.example(api_version="2026-04", clock=FakeClock())
    query = (
        "mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities("
        "input: $input) { inventoryAdjustmentGroup { changes { delta } } userErrors { code } } }"
    )
    variables = {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": ITEM, "locationId": SHOP, "delta": 2}]}}
    body = ledger.graphql(query, variables, api_version="2025-10")
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"] == []
    assert ledger.quantities(ITEM, SHOP)["available"] == 12
    refused = ledger.graphql(query, variables)
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    with pytest.raises(ValueError, match="unsupported API version"):
        ledger.graphql(query, variables, api_version="2024-01")


def test_without_graphql_core_the_method_names_the_extra_to_install(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ledger import api

    monkeypatch.setitem(sys.modules, "ledger.shopify.graphql_api", None)
    monkeypatch.delattr(shopify_package, "graphql_api")
    api._graphql_run.cache_clear()  # imported once per process: forget this process's import
    with pytest.raises(ImportError, match="'graphql' extra"):
        ledger.graphql("{ __typename }")


@pytest.mark.parametrize(("version", "operation", "variables", "key"), [
    ("2026-04", ACTIVATE, {"inventoryItemId": 5, "locationId": None, "available": "x"}, None),
    ("2026-04", ACTIVATE, {"inventoryItemId": ITEM, "locationId": WAREHOUSE, "available": 2,
                           "onHand": 3}, "a"),
    ("2026-01", DEACTIVATE, {"inventoryLevelId": "gid://shopify/InventoryLevel/9"}, None),
    ("2026-04", MOVE, {"input": {"reason": "damaged", "changes": [{"quantity": 2 ** 31}]}}, "m"),
    ("2025-01", SET, {"input": {"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": ITEM, "locationId": SHOP, "quantity": 4}]}}, None),
    ("2026-01", SET_ON_HAND, {"input": {"reason": "correction", "setQuantities": [
        {"inventoryItemId": ITEM, "locationId": SHOP, "quantity": 4,
         "changeFromQuantity": 9}]}}, "s"),
])
def test_odd_variables_give_through_graphql_what_execute_gives(
    version: str, operation: str, variables: dict[str, Any], key: str | None,
) -> None:
    by_graphql = Ledger.example(api_version=version, clock=FakeClock())
    by_execute = Ledger.example(api_version=version, clock=FakeClock())
    body = by_graphql.graphql(mutation(operation, key, version), variables)
    assert without_locations(body) == by_execute.execute(
        operation, variables, idempotency_key=key)
    assert by_graphql.snapshot() == by_execute.snapshot()


# ---------------------------------------------------------------------- hostile documents


@pytest.mark.parametrize("query", [None, 5, b"{ __typename }"], ids=["none", "int", "bytes"])
def test_a_query_that_is_not_a_string_is_a_type_error(query: Any) -> None:
    with pytest.raises(TypeError, match="query must be a str"):
        Ledger.example().graphql(query)


# ---------------------------------------------------------------------- the direct path

_ADJUST_HEAD = ("mutation Run($input: InventoryAdjustQuantitiesInput!, $key: String!) {\n"
                "  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) ")
_SELECTIONS = {
    "full": f"{{ {PAYLOADS[ADJUST]} }}",
    "partial-group": "{ inventoryAdjustmentGroup { id changes { delta item { id } } } }",
    "user-errors-only": "{ userErrors { message } }",
    "typename": "{ __typename inventoryAdjustmentGroup { __typename id changes { __typename "
                "name location { __typename name } } } userErrors { __typename code } }",
    "quantity-after-change": "{ inventoryAdjustmentGroup { changes { quantityAfterChange } } }",
    "alias": "{ group: inventoryAdjustmentGroup { id } userErrors { code } }",
    "nested-alias": "{ inventoryAdjustmentGroup { when: createdAt } }",
    "filtered-changes": '{ inventoryAdjustmentGroup { changes(quantityNames: ["on_hand"]) '
                        "{ name delta } } }",
    "inline-fragment": "{ ... on InventoryAdjustQuantitiesPayload { userErrors { code } } }",
    "skip": "{ userErrors @skip(if: false) { code } }",
    "field-twice": "{ userErrors { code } userErrors { message } }",
    "item-resolved": "{ inventoryAdjustmentGroup { changes { item { id sku } } } }",
}
_PLAIN = {"full", "partial-group", "user-errors-only", "typename", "quantity-after-change"}
_VARIABLES = {
    "succeeds": {"key": "k-1", **adjust_input()},
    "user-error": {"key": "k-2", "input": {"name": "available", "reason": "correction",
                                            "changes": [{"inventoryItemId": ITEM,
                                                         "locationId": "gid://shopify/Location/9",
                                                         "delta": 1, "changeFromQuantity": 1}]}},
    "stale": {"key": "k-3", **adjust_input(change_from=3)},
    "coercion": {"key": "k-4", "input": {"name": 5, "changes": [{"delta": "x"}]}},
    "missing-change-from": {"key": "k-5", "input": {"name": "available", "reason": "correction",
                                                     "changes": [{"inventoryItemId": ITEM,
                                                                  "locationId": SHOP,
                                                                  "delta": 1}]}},
    "key-not-a-string": {"key": 7, **adjust_input()},
}


def _both_paths(monkeypatch: pytest.MonkeyPatch, query: str, variables: Any, **options: Any
                ) -> tuple[Any, Any]:
    """Run ``query`` twice (the second a replay) on the direct and the general path."""
    from ledger.shopify import graphql_api

    direct = Ledger.example(api_version="2026-04", clock=FakeClock())
    general = Ledger.example(api_version="2026-04", clock=FakeClock())
    by_direct = [direct.graphql(query, variables, **options) for _ in range(2)]
    with monkeypatch.context() as patched:
        patched.setattr(graphql_api, "_plan", lambda *_args: None)
        by_general = [general.graphql(query, variables, **options) for _ in range(2)]
    return by_direct, by_general


@pytest.mark.parametrize("variables", sorted(_VARIABLES))
@pytest.mark.parametrize("selection", sorted(_SELECTIONS))
def test_a_mutation_document_gives_the_same_body_on_the_direct_path_as_through_graphql_core(
    monkeypatch: pytest.MonkeyPatch, selection: str, variables: str,
) -> None:
    query = _ADJUST_HEAD + _SELECTIONS[selection] + "\n}"
    by_direct, by_general = _both_paths(monkeypatch, query, _VARIABLES[variables])
    assert json.dumps(by_direct) == json.dumps(by_general)  # key order too


@pytest.mark.parametrize("selection", sorted(_SELECTIONS))
def test_plain_selections_and_only_they_take_the_direct_path(selection: str) -> None:
    from graphql import get_operation_ast

    from ledger.shopify import graphql_api
    from ledger.shopify.analysis import validated

    era = era_of("2026-04")
    query = _ADJUST_HEAD + _SELECTIONS[selection] + "\n}"
    doc, errors = validated(era, query)
    assert doc is not None, errors
    operation = get_operation_ast(doc, None)
    assert operation is not None
    plan = graphql_api._plan(era, query, doc, operation)
    assert (plan is not None) is (selection in _PLAIN)


_CHANGES_HEAD = ("mutation Run($changes: [InventoryChangeInput!]!, $key: String!) {\n"
                 '  inventoryAdjustQuantities(input: {name: "available", reason: "correction", '
                 "changes: $changes}) @idempotent(key: $key) ")
_HEADS = {
    # head: (its variables from an input's, whether the codec's own coercion still runs)
    "bare-variable": (_ADJUST_HEAD, lambda v: v, False),
    "renamed-variable": (_ADJUST_HEAD.replace("$input", "$given"),
                         lambda v: {"key": v["key"], "given": v["input"]}, False),
    "variable-inside-a-literal": (_CHANGES_HEAD, lambda v: {
        "key": v["key"], "changes": v["input"].get("changes")}, True),
}


@pytest.mark.parametrize("variables", sorted(_VARIABLES))
@pytest.mark.parametrize("head", sorted(_HEADS))
def test_an_argument_given_as_a_bare_variable_of_the_codecs_type_is_coerced_once(
    monkeypatch: pytest.MonkeyPatch, head: str, variables: str,
) -> None:
    from ledger.shopify import codec

    text, shape, coerced_again = _HEADS[head]
    query = text + _SELECTIONS["full"] + "\n}"
    given = shape(_VARIABLES[variables])
    calls: list[str] = []
    coerce = codec.coerce_variables

    def spy(operation: str, values: object, era: Any) -> Any:
        calls.append(operation)
        return coerce(operation, values, era)

    with monkeypatch.context() as patched:
        patched.setattr(codec, "coerce_variables", spy)
        by_direct, by_general = _both_paths(monkeypatch, query, given)
    assert json.dumps(by_direct) == json.dumps(by_general)
    if "errors" not in by_direct[0]:  # the codec is reached only by a request that runs
        # The general path (graphql-core's resolver) coerces in the codec, twice in all.
        assert len(calls) == (4 if coerced_again else 2)


@pytest.mark.parametrize(("name", "query", "options"), [
    ("cost", _ADJUST_HEAD + _SELECTIONS["full"] + "\n}", {"max_cost": 1}),
    ("no-key-directive", _ADJUST_HEAD.replace(" @idempotent(key: $key)", "")
     + _SELECTIONS["full"] + "\n}", {}),
    ("literal-arguments", 'mutation { inventoryAdjustQuantities(input: {name: "available", '
     'reason: "correction", changes: [{inventoryItemId: "gid://shopify/InventoryItem/1", '
     'locationId: "gid://shopify/Location/1", delta: -4, changeFromQuantity: 10}]}) '
     '@idempotent(key: "lit") ' + _SELECTIONS["full"] + "}", {}),
    ("default-variable", 'mutation Run($input: InventoryAdjustQuantitiesInput!, $key: String '
     '= "d") { inventoryAdjustQuantities(input: $input) @idempotent(key: $key) '
     + _SELECTIONS["full"] + "}", {}),
    ("two-root-fields", _ADJUST_HEAD + _SELECTIONS["user-errors-only"]
     + " again: inventoryAdjustQuantities(input: $input) @idempotent(key: $key) "
       "{ userErrors { code } }\n}", {}),
    ("other-era", _ADJUST_HEAD + _SELECTIONS["full"] + "\n}", {"api_version": "2025-01"}),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_document_bounds_and_odd_documents_answer_alike_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, name: str, query: str, options: dict[str, Any],
) -> None:
    variables = {"key": "k-1", **adjust_input()}
    if name == "default-variable":
        variables = adjust_input()
    by_direct, by_general = _both_paths(monkeypatch, query, variables, **options)
    assert json.dumps(by_direct) == json.dumps(by_general)


@pytest.mark.parametrize(("query", "variables", "has_data"), [
    (_ADJUST_HEAD + _SELECTIONS["full"] + "\n}", {"key": "k", **adjust_input()}, True),
    ('mutation($id: ID!) { inventoryDeactivate(inventoryLevelId: $id) @idempotent(key: "k") '
     "{ userErrors { field message } } }",
     {"id": "gid://shopify/InventoryLevel/1?inventory_item_id=1"}, False),
], ids=["failed-code", "no-data"])
def test_a_failure_injected_under_a_plain_document_answers_alike_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any], has_data: bool,
) -> None:
    from ledger.shopify import graphql_api

    store = Ledger.example().snapshot()
    bodies = []
    for plan in (graphql_api._plan, lambda *_args: None):
        monkeypatch.setattr(graphql_api, "_plan", plan)
        faulty = Ledger.from_snapshot(store, "2026-04", FakeClock(),
                                      faults=lambda _op, _command: True)
        bodies.append(faulty.graphql(query, variables))
    assert ("data" in bodies[0]) is has_data, bodies[0]
    assert json.dumps(bodies[0]) == json.dumps(bodies[1])


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 1.5, "x"])
def test_an_int_graphql_core_would_refuse_leaves_the_direct_path(value: Any) -> None:
    from graphql import (
        GraphQLError,
        GraphQLField,
        GraphQLInt,
        GraphQLNonNull,
        GraphQLObjectType,
    )

    from ledger.shopify import graphql_api

    t = GraphQLObjectType("T", {"n": GraphQLField(GraphQLNonNull(GraphQLInt))})
    complete = graphql_api._completer(t, (("n", GraphQLNonNull(GraphQLInt), None),))
    assert complete({"n": 2**31 - 1}) == {"n": 2**31 - 1}
    with pytest.raises((graphql_api._NotPlainError, GraphQLError)):
        complete({"n": value})
