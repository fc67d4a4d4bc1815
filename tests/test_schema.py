"""``ledger.shopify.schema``: one GraphQL schema per API era, written from the era table.

Introspection's own details (enum order, deprecations, defaults) are tested through
``Ledger.graphql`` in tests/test_introspection.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("graphql")

import graphql

from ledger import Ledger
from ledger.core.versions import SUPPORTED, era_of
from ledger.shopify import coercion
from ledger.shopify import schema as graphql_schema

# ---------------------------------------------------------------------- the schema of each era


@pytest.mark.parametrize("version", SUPPORTED)
def test_each_era_schema_has_the_codec_input_fields_and_its_codes(version: str) -> None:
    era = era_of(version)
    schema = graphql_schema.schema(era)
    for t in graphql_schema.input_types(era).values():
        if isinstance(t, coercion.InputObject):
            built = schema.get_type(t.name)
            assert isinstance(built, graphql.GraphQLInputObjectType)
            assert list(built.fields) == [name for name, _ in t.fields]
    enum = schema.get_type("InventoryAdjustQuantitiesUserErrorCode")
    assert isinstance(enum, graphql.GraphQLEnumType)
    has_cas = "CHANGE_FROM_QUANTITY_STALE" in enum.values
    assert has_cas == (version >= "2026-01")
    assert (schema.get_directive("idempotent") is not None) == (version >= "2026-01")


def test_the_schema_is_built_once_per_era() -> None:
    assert graphql_schema.schema(era_of("2026-04")) is graphql_schema.schema(era_of("2026-07"))
    assert graphql_schema.schema(era_of("2026-04")) is not graphql_schema.schema(era_of("2026-01"))


@pytest.mark.parametrize("version", ["2025-01", "2026-01", "2026-10"])
def test_the_introspection_query_runs_without_errors(version: str) -> None:
    body = Ledger.example(api_version=version).graphql(graphql.get_introspection_query())
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"InventoryAdjustmentGroup", "InventoryLevel", "Node", "UserError"} <= names
