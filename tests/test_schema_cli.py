"""``ledger schema``: the SDL and the introspection JSON of each version, for code generators
(ledger/schema_cli.py).

The documents validated here are Shopify's published examples (shopify.dev): the adjust and
move documents of tests/test_documented_examples.py (inventoryAdjustQuantities 2024-07,
inventoryMoveQuantities 2025-04 and 2026-07); the inventorySetQuantities example as
published on the 2024-07, 2025-01 and unstable pages (``mutation InventorySet``, with
``compareQuantity``); and the inventoryActivate example of the 2024-01 to 2024-07 pages
(``mutation ActivateInventoryItem``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

graphql = pytest.importorskip("graphql")

from ledger import Ledger  # noqa: E402
from ledger.cli import main  # noqa: E402
from ledger.cli.schema import introspection_query  # noqa: E402
from ledger.core.versions import SUPPORTED, era_of  # noqa: E402
from ledger.shopify import schema as graphql_schema  # noqa: E402 -- after the skip
from tests.test_documented_examples import (  # noqa: E402
    ADJUST_2026_04,
    ADJUST_DOCUMENT,
    ADJUST_VARIABLES,
    ITEM,
    LOCATION,
    MOVE_CAS_QUERY,
    MOVE_CAS_VARIABLES,
    MOVE_QUERY,
    MOVE_VARIABLES,
    SET_DOCUMENT,
    SET_VARIABLES,
    with_change_from,
)

SET_PUBLISHED = """mutation InventorySet($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup {
      createdAt
      reason
      referenceDocumentUri
      changes {
        name
        delta
      }
    }
    userErrors {
      field
      message
    }
  }
}"""
SET_PUBLISHED_VARIABLES = {
    "input": {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "logistics://some.warehouse/take/2023-01-23T13:14:15Z",
        "quantities": [{
            "inventoryItemId": "gid://shopify/InventoryItem/30322695",
            "locationId": "gid://shopify/Location/124656943",
            "quantity": 11,
            "compareQuantity": 1,
        }],
    }
}
ACTIVATE_PUBLISHED = """mutation ActivateInventoryItem($inventoryItemId: ID!, $locationId: ID!, $available: Int) {
  inventoryActivate(inventoryItemId: $inventoryItemId, locationId: $locationId, available: $available) {
    inventoryLevel {
      id
      quantities(names: ["available"]) {
        name
        quantity
      }
      item {
        id
      }
      location {
        id
      }
    }
  }
}"""  # noqa: E501 -- as published
ACTIVATE_PUBLISHED_VARIABLES = {
    "inventoryItemId": "gid://shopify/InventoryItem/43729076",
    "locationId": "gid://shopify/Location/346779380",
    "available": 42,
}
ACTIVATE_2026_04 = ACTIVATE_PUBLISHED.replace(
    "available: $available) {", 'available: $available) @idempotent(key: "activate-1") {')

DOCUMENTS = [
    pytest.param("2025-01", ADJUST_DOCUMENT, ADJUST_VARIABLES, id="adjust-2025-01"),
    pytest.param("2026-04", ADJUST_2026_04, with_change_from(ADJUST_VARIABLES),
                 id="adjust-2026-04"),
    pytest.param("2025-04", MOVE_QUERY, MOVE_VARIABLES, id="move-2025-04"),
    pytest.param("2026-07", MOVE_CAS_QUERY, MOVE_CAS_VARIABLES, id="move-cas-2026-07"),
    pytest.param("2025-01", SET_PUBLISHED, SET_PUBLISHED_VARIABLES, id="set-published-2025-01"),
    pytest.param("2026-04", SET_DOCUMENT, SET_VARIABLES, id="set-2026-04"),
    pytest.param("2025-01", ACTIVATE_PUBLISHED, ACTIVATE_PUBLISHED_VARIABLES,
                 id="activate-published-2025-01"),
    pytest.param("2026-04", ACTIVATE_2026_04, ACTIVATE_PUBLISHED_VARIABLES,
                 id="activate-2026-04"),
]


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["schema", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def introspection(schema: Any) -> dict[str, Any]:
    result: dict[str, Any] = graphql.introspection_from_schema(schema)
    return result


def client_schemas(capsys: pytest.CaptureFixture[str], version: str) -> list[Any]:
    """The schema a code generator builds from the SDL, and from the introspection JSON."""
    sdl = printed(capsys, "--api-version", version)
    data = json.loads(printed(capsys, "--api-version", version, "--introspection"))
    return [graphql.build_schema(sdl), graphql.build_client_schema(data)]


def problems(schema: Any, document: str, variables: dict[str, Any]) -> list[str]:
    """What a client validating offline finds wrong with a document and its variables."""
    from graphql.execution.values import get_variable_values

    parsed = graphql.parse(document)
    errors = [e.message for e in graphql.validate(schema, parsed)]
    if errors:
        return errors
    operation = parsed.definitions[0]
    coerced = get_variable_values(schema, operation.variable_definitions, variables)
    if isinstance(coerced, list):  # graphql-core 3.2: the errors, or the values (a dict)
        return [e.message for e in coerced]
    return [e.message for e in getattr(coerced, "errors", None) or []]


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_sdl_builds_the_schema_the_ledger_serves(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    built = graphql.build_schema(printed(capsys, "--api-version", version))
    # The SDL leaves out the standard directives: a client's graphql-core supplies its own
    # (3.3 declares @deprecated(reason: String!), 3.2 and graphql-ruby String). Everything
    # the ledger defines must come back the same.
    def own(data: dict[str, Any]) -> dict[str, Any]:
        standard = {d.name for d in graphql.specified_directives}
        schema = dict(data["__schema"])
        schema["directives"] = [d for d in schema["directives"] if d["name"] not in standard]
        return schema
    assert own(introspection(built)) == own(introspection(graphql_schema.schema(era_of(version))))


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_introspection_json_is_what_the_ledger_answers_to_an_introspection_query(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(printed(capsys, "--api-version", version, "--introspection"))
    assert list(data) == ["__schema"]
    answer = Ledger(api_version=version).graphql(introspection_query(), max_cost=None)
    assert answer == {"data": data}
    sdl = graphql.print_schema(graphql.build_client_schema(data))
    assert sdl == graphql.print_schema(graphql.build_schema(printed(capsys, "--api-version",
                                                                    version)))


@pytest.mark.parametrize(("version", "document", "variables"), DOCUMENTS)
def test_shopifys_published_documents_validate_against_the_printed_schema(
    version: str, document: str, variables: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    for schema in client_schemas(capsys, version):
        assert problems(schema, document, variables) == []


def test_a_client_schema_refuses_what_its_version_does_not_have(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sdl_2026, from_json_2026 = client_schemas(capsys, "2026-04")
    for schema in (sdl_2026, from_json_2026):
        # compareQuantity is gone from 2026-04 (changeFromQuantity replaced it).
        assert any("compareQuantity" in p for p in problems(
            schema, SET_PUBLISHED, SET_PUBLISHED_VARIABLES))
    for schema in client_schemas(capsys, "2025-04"):
        # @idempotent arrived in 2026-01.
        assert problems(schema, MOVE_CAS_QUERY, MOVE_CAS_VARIABLES) == [
            "Unknown directive '@idempotent'."]


def test_the_schema_of_each_version_has_its_own_fields(capsys: pytest.CaptureFixture[str]) -> None:
    old = printed(capsys, "--api-version", "2025-10")
    new = printed(capsys, "--api-version", "2026-04")
    assert "directive @idempotent" not in old
    assert "directive @idempotent(key: String!) on FIELD" in new
    assert "isActive: Boolean!" in new.split("type InventoryLevel", 1)[1].split("}", 1)[0]
    assert "isActive" not in old.split("type InventoryLevel", 1)[1].split("}", 1)[0]


def test_the_default_version_is_the_ledgers_default(capsys: pytest.CaptureFixture[str]) -> None:
    from ledger.core.versions import DEFAULT

    assert printed(capsys) == printed(capsys, "--api-version", DEFAULT)


def test_without_graphql_core_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in sys.modules if n == "graphql" or n.startswith("graphql.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "ledger.shopify.schema", None)
    assert main(["schema"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("ledger: ledger schema needs graphql-core; install the 'graphql' "
                            "extra: pip install 'shopify-inventory-ledger[graphql]'\n")


def test_the_documents_use_the_published_ids() -> None:
    # The set example as published names the same item and location as the others.
    assert SET_PUBLISHED_VARIABLES["input"]["quantities"][0]["inventoryItemId"] == ITEM
    assert SET_PUBLISHED_VARIABLES["input"]["quantities"][0]["locationId"] == LOCATION
