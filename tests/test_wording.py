"""``ledger.shopify.wording``: syntax and validation errors as graphql-ruby words them.

Sent through ``Ledger.graphql``; more validation rules, table-driven, are in
tests/test_graphql_validation.py.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from tests.support import FakeClock


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


# ---------------------------------------------------------------------- errors


def test_an_undefined_field_is_reported_in_graphql_ruby_wording(ledger: Ledger) -> None:
    body = ledger.graphql(
        "mutation Stock {\n  inventoryActivate(inventoryItemId: \"1\", locationId: \"2\") {\n"
        "    userErrors { code }\n  }\n}"
    )
    assert body == {"errors": [{
        "message": "Field 'code' doesn't exist on type 'UserError'",
        "locations": [{"line": 3, "column": 18}],
        "path": ["mutation Stock", "inventoryActivate", "userErrors", "code"],
        "extensions": {"code": "undefinedField", "typeName": "UserError", "fieldName": "code"},
    }]}


def test_the_directive_where_the_era_does_not_define_it_is_an_undefined_directive() -> None:
    body = Ledger.example(api_version="2025-10").graphql(
        'mutation { inventoryDeactivate(inventoryLevelId: "x") @idempotent(key: "k") '
        "{ userErrors { message } } }")
    assert body == {"errors": [{
        "message": "Directive @idempotent is not defined",
        "locations": [{"line": 1, "column": 55}],
        "extensions": {"code": "undefinedDirective", "directiveName": "idempotent"},
    }]}


def test_unknown_and_missing_arguments_are_reported_in_graphql_ruby_wording(
    ledger: Ledger,
) -> None:
    body = ledger.graphql("{ inventoryItem(sku: \"x\") { id } }")
    assert [(e["message"], e["extensions"]["code"], e["path"]) for e in body["errors"]] == [
        ("Field 'inventoryItem' doesn't accept argument 'sku'", "argumentNotAccepted",
         ["query", "inventoryItem", "sku"]),
        ("Field 'inventoryItem' is missing required arguments: id", "missingRequiredArguments",
         ["query", "inventoryItem"]),
    ]
    assert "data" not in body


def test_a_syntax_error_names_the_unexpected_token_as_graphql_ruby_does(ledger: Ledger) -> None:
    assert ledger.graphql("{ location { name } } }") == {"errors": [{
        "message": 'Parse error on "}" (RCURLY) at [1, 23]',
        "locations": [{"line": 1, "column": 23}],
    }]}
    assert ledger.graphql("{ location { name ")["errors"][0]["message"] == (
        "Unexpected end of document")
    assert ledger.graphql("{ location(id: ) { name } }")["errors"][0]["message"] == (
        'Parse error on ")" (RPAREN) at [1, 16]')


@pytest.mark.parametrize(("query", "message", "extensions"), [
    ("query Op($x: ID!) { location { name } }", "Variable $x is declared by Op but not used",
     {"code": "variableNotUsed", "variableName": "x"}),
    ("{ location(id: $y) { name } }", "Variable $y is used by anonymous query but not declared",
     {"code": "variableNotDefined", "variableName": "y"}),
    ("query($i: ID) { inventoryItem(id: $i) { id } }",
     "Nullability mismatch on variable $i and argument id (ID / ID!)",
     {"code": "variableMismatch", "variableName": "i", "typeName": "ID", "argumentName": "id",
      "errorMessage": "Nullability mismatch"}),
    ("{ location }",
     "Field must have selections (field 'location' returns Location but has no selections. "
     "Did you mean 'location { ... }'?)",
     {"code": "selectionMismatch", "nodeName": "field 'location'", "typeName": "Location"}),
    ("{ location { id { x } } }",
     "Selections can't be made on scalars (field 'id' returns ID but has selections [x])",
     {"code": "selectionMismatch", "nodeName": "field 'id'", "typeName": "ID"}),
])
def test_common_validation_errors_use_graphql_ruby_messages_and_codes(
    ledger: Ledger, query: str, message: str, extensions: dict[str, Any],
) -> None:
    body = ledger.graphql(query)
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [(message, extensions)]
    assert "data" not in body
    assert body["errors"][0]["locations"]
