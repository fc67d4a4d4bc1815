"""Static validation errors of ``Ledger.graphql`` in graphql-ruby's wording, one row per rule.

Each row gives a document that breaks one graphql-core validation rule and the one body
graphql-ruby (the engine of Shopify's Admin API) reports for it: ``message``, ``locations``,
``path`` and ``extensions``. Templates and extension keys are those of graphql-ruby's
``lib/graphql/static_validation/rules``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from tests.support import FakeClock


def error(
    message: str, locations: list[tuple[int, int]], path: list[str] | None,
    extensions: dict[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": message,
        "locations": [{"line": line, "column": column} for line, column in locations],
    }
    if path is not None:
        body["path"] = path
    body["extensions"] = extensions
    return body


ROWS: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("ValuesOfCorrectType", '{ location { inventoryLevels(first: "x") { nodes { id } } } }', [
        error("Argument 'first' on Field 'inventoryLevels' has an invalid value (\"x\"). "
              "Expected type 'Int'.", [(1, 14)],
              ["query", "location", "inventoryLevels", "first"],
              {"code": "argumentLiteralsIncompatible", "typeName": "Field",
               "argumentName": "first"}),
    ]),
    ("ValuesOfCorrectType in an input object",
     'mutation M { inventoryAdjustQuantities(input: {name: "available", reason: 5, '
     "changes: []}) { userErrors { code } } }", [
        error("Argument 'input' on Field 'inventoryAdjustQuantities' has an invalid value "
              '({name: "available", reason: 5, changes: []}). '
              "Expected type 'InventoryAdjustQuantitiesInput!'.", [(1, 14)],
              ["mutation M", "inventoryAdjustQuantities", "input"],
              {"code": "argumentLiteralsIncompatible", "typeName": "Field",
               "argumentName": "input"}),
    ]),
    ("ValuesOfCorrectType, one error per argument",
     '{ nodes(ids: ["a", true, 1.5]) { id } }', [
        error("Argument 'ids' on Field 'nodes' has an invalid value "
              "([\"a\", true, 1.5]). Expected type '[ID!]!'.", [(1, 3)],
              ["query", "nodes", "ids"],
              {"code": "argumentLiteralsIncompatible", "typeName": "Field",
               "argumentName": "ids"}),
    ]),
    ("ValuesOfCorrectType on a directive", '{ location { name @include(if: "yes") } }', [
        error("Argument 'if' on Directive 'include' has an invalid value (\"yes\"). "
              "Expected type 'Boolean!'.", [(1, 19)], ["query", "location", "name", "if"],
              {"code": "argumentLiteralsIncompatible", "typeName": "Directive",
               "argumentName": "if"}),
    ]),
    ("KnownTypeNames on a fragment", "{ location { ... on Foo { name } } }", [
        error("No such type Foo, so it can't be a fragment condition", [(1, 14)],
              ["query", "location", "... on Foo"],
              {"code": "undefinedType", "typeName": "Foo"}),
    ]),
    ("KnownTypeNames on a variable", "query Q($x: [Foo!]) { location { name } }", [
        error("Foo isn't a defined input type (on $x)", [(1, 9)], ["query Q"],
              {"code": "variableRequiresValidType", "typeName": "Foo", "variableName": "x"}),
        error("Variable $x is declared by Q but not used", [(1, 9)], ["query Q"],
              {"code": "variableNotUsed", "variableName": "x"}),
    ]),
    ("UniqueArgumentNames", '{ location(id: "1", id: "2") { name } }', [
        error('There can be only one argument named "id"', [(1, 12), (1, 21)],
              ["query", "location"], {"code": "argumentNotUnique", "name": "id"}),
    ]),
    ("UniqueOperationNames",
     "query A { location { name } }\nquery A { location { id } }\nquery A { location { id } }", [
        error('Operation name "A" must be unique', [(1, 1), (2, 1), (3, 1)], [],
              {"code": "uniquelyNamedOperations", "operationName": "A"}),
    ]),
    ("LoneAnonymousOperation", "{ location { name } }\nquery B { location { id } }", [
        error("Operation name is required when multiple operations are present", [(1, 1)], [],
              {"code": "uniquelyNamedOperations"}),
    ]),
    ("KnownFragmentNames", "{ location { ...Nope } }", [
        error("Fragment Nope was used, but not defined", [(1, 14)],
              ["query", "location", "... Nope"],
              {"code": "useAndDefineFragment", "fragmentName": "Nope"}),
    ]),
    ("NoUnusedFragments", "{ location { name } }\nfragment F on Location { name }", [
        error("Fragment F was defined, but not used", [(2, 1)], ["fragment F"],
              {"code": "useAndDefineFragment", "fragmentName": "F"}),
    ]),
    ("NoFragmentCycles",
     "{ location { ...A } }\nfragment A on Location { ...B }\nfragment B on Location { ...A }", [
        error("Fragment A contains an infinite loop", [(2, 1)], ["fragment A"],
              {"code": "infiniteLoop", "fragmentName": "A"}),
        error("Fragment B contains an infinite loop", [(3, 1)], ["fragment B"],
              {"code": "infiniteLoop", "fragmentName": "B"}),
    ]),
    ("PossibleFragmentSpreads, named",
     "{ location { ...I } }\nfragment I on InventoryItem { id }", [
        error("Fragment I on InventoryItem can't be spread inside Location", [(1, 14)],
              ["query", "location", "... I"],
              {"code": "cannotSpreadFragment", "typeName": "InventoryItem",
               "fragmentName": " I", "parentName": "Location"}),
    ]),
    ("PossibleFragmentSpreads, inline", "{ location { ... on InventoryItem { id } } }", [
        error("Fragment on InventoryItem can't be spread inside Location", [(1, 14)],
              ["query", "location", "... on InventoryItem"],
              {"code": "cannotSpreadFragment", "typeName": "InventoryItem",
               "fragmentName": "unknown", "parentName": "Location"}),
    ]),
    ("FragmentsOnCompositeTypes", "{ location { ... on String { id } } }", [
        error("Invalid fragment on type String (must be Union, Interface or Object)", [(1, 14)],
              ["query", "location", "... on String"],
              {"code": "fragmentOnNonCompositeType", "typeName": "String"}),
    ]),
    ("UniqueVariableNames", "query Q($x: ID, $x: ID) { location(id: $x) { name } }", [
        error('There can only be one variable named "x"', [(1, 9), (1, 17)], ["query Q"],
              {"code": "variableNotUnique", "variableName": "x"}),
    ]),
    ("VariablesAreInputTypes", "query Q($x: Location!) { location { name } }", [
        error("Location isn't a valid input type (on $x)", [(1, 9)], ["query Q"],
              {"code": "variableRequiresValidType", "typeName": "Location",
               "variableName": "x"}),
        error("Variable $x is declared by Q but not used", [(1, 9)], ["query Q"],
              {"code": "variableNotUsed", "variableName": "x"}),
    ]),
    ("OverlappingFieldsCanBeMerged", "{ location { a: name a: id } }", [
        error("Field 'a' has a field conflict: name or id?", [(1, 14), (1, 22)], [],
              {"code": "fieldConflict", "fieldName": "a", "conflicts": "name or id"}),
    ]),
    ("UniqueDirectivesPerLocation",
     "{ location { name @include(if: true) @include(if: false) @include(if: true) } }", [
        error('The directive "include" can only be used once at this location.',
              [(1, 19), (1, 38), (1, 58)], ["query", "location", "name"],
              {"code": "directiveNotUniqueForLocation", "directiveName": "include"}),
    ]),
    ("SubscriptionRootExists", "subscription { location { name } }", [
        error("Schema is not configured for subscriptions", [(1, 1)], ["subscription"],
              {"code": "missingSubscriptionConfiguration"}),
    ]),
    ("SubscriptionRootExists, named", "query Q { location { name } }\n"
     "subscription S { location { name } }", [
        error("Schema is not configured for subscriptions", [(2, 1)], ["subscription S"],
              {"code": "missingSubscriptionConfiguration"}),
    ]),
    ("ProvidedRequiredArguments on a directive", "{ location { name @include } }", [
        error("Directive 'include' is missing required arguments: if", [(1, 19)],
              ["query", "location", "name"],
              {"code": "missingRequiredArguments", "className": "Directive", "name": "include",
               "arguments": "if"}),
    ]),
    ("KnownArgumentNames on a directive", "{ location { name @skip(if: true, when: 1) } }", [
        error("Directive 'skip' doesn't accept argument 'when'", [(1, 35)],
              ["query", "location", "name", "when"],
              {"code": "argumentNotAccepted", "name": "skip", "typeName": "Directive",
               "argumentName": "when"}),
    ]),
]


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


@pytest.mark.parametrize(("query", "errors"), [row[1:] for row in ROWS],
                         ids=[row[0] for row in ROWS])
def test_each_rule_is_reported_as_graphql_ruby_reports_it(
    ledger: Ledger, query: str, errors: list[dict[str, Any]],
) -> None:
    assert ledger.graphql(query) == {"errors": errors}


def test_a_repeated_document_gives_the_same_merged_errors(ledger: Ledger) -> None:
    query = "{ location { name @include(if: true) @include(if: false) @include(if: true) } }"
    first = ledger.graphql(query)
    assert ledger.graphql(query) == first
    assert len(first["errors"][0]["locations"]) == 3


def test_an_invalid_variable_default_keeps_graphql_cores_wording(ledger: Ledger) -> None:
    body = ledger.graphql(
        'query Q($n: Int = "s") { location { inventoryLevels(first: $n) { nodes { id } } } }')
    assert body == {"errors": [{
        "message": 'Int cannot represent non-integer value: "s"',
        "locations": [{"line": 1, "column": 19}],
    }]}
