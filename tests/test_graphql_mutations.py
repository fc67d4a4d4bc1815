"""``ledger.shopify.graphql_mutations``: a mutation field runs exactly what ``execute`` runs.

Its arguments read in raw form (literals, variables, a directive's key from a variable or a
fragment), its request-level errors at the field's response key, and a failure that leaves
no ``data``. The whole shared cases, through ``graphql()``, are tests/test_graphql_api.py's.
"""

from __future__ import annotations

import pytest

pytest.importorskip("graphql")

from ledger import Ledger
from ledger.core.errors import ACTIVATE, ADJUST
from tests.support import FakeClock
from tests.test_graphql_api import (
    ITEM,
    PAYLOADS,
    WAREHOUSE,
    adjust_input,
    mutation,
    without_locations,
)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


# ---------------------------------------------------------------------- mutations


def test_a_request_level_error_names_the_alias_in_its_path(ledger: Ledger) -> None:
    body = ledger.graphql(
        "mutation($input: InventoryAdjustQuantitiesInput!) { a: inventoryAdjustQuantities("
        "input: $input) { userErrors { code } } }",
        adjust_input(),
    )
    assert body == {
        "errors": [{
            "message": "The @idempotent directive is required for this mutation but was not "
                       "provided.",
            "locations": [{"line": 1, "column": 53}],
            "path": ["a"],
            "extensions": {"code": "BAD_REQUEST"},
        }],
        "data": {"a": None},
    }


def test_literal_arguments_and_a_directive_key_from_a_variable_run_like_variables() -> None:
    by_literal = Ledger.example(api_version="2026-04", clock=FakeClock())
    by_execute = Ledger.example(api_version="2026-04", clock=FakeClock())
    body = by_literal.graphql(
        """
        mutation($key: String!) {
          inventoryAdjustQuantities(input: {name: "available", reason: "correction", changes: [
            {inventoryItemId: "gid://shopify/InventoryItem/1",
             locationId: "gid://shopify/Location/1", delta: -4, changeFromQuantity: null}
          ]}) @idempotent(key: $key) { PAYLOAD }
        }
        """.replace("PAYLOAD", PAYLOADS[ADJUST]),
        {"key": "k-1"},
    )
    expected = by_execute.execute(ADJUST, adjust_input(change_from=None), idempotency_key="k-1")
    assert body == expected
    replay = by_literal.execute(ADJUST, adjust_input(change_from=None), idempotency_key="k-1")
    assert replay == expected, "the same key and arguments replay across the two fronts"


def test_a_missing_change_from_quantity_in_a_literal_is_the_request_error_execute_gives(
    ledger: Ledger,
) -> None:
    body = ledger.graphql(
        'mutation { inventoryAdjustQuantities(input: {name: "available", reason: "correction",'
        ' changes: [{inventoryItemId: "gid://shopify/InventoryItem/1", locationId: '
        '"gid://shopify/Location/1", delta: 1}]}) @idempotent(key: "k") { userErrors { code } } }'
    )
    assert body["data"] == {"inventoryAdjustQuantities": None}
    assert body["errors"][0]["extensions"] == {"code": "INVALID_FIELD_ARGUMENTS"}
    assert body["errors"][0]["message"] == (
        "InventoryChangeInput must include the following argument: changeFromQuantity.")


def test_an_injected_failure_without_a_failed_code_leaves_no_data_as_execute_does() -> None:
    store = Ledger.example().snapshot()
    by_graphql, by_execute = (
        Ledger.from_snapshot(store, "2026-04", FakeClock(), faults=lambda _op, _command: True)
        for _ in range(2)
    )
    variables = {"inventoryItemId": ITEM, "locationId": WAREHOUSE}
    body = by_graphql.graphql(mutation(ACTIVATE, "k"), variables)
    expected = by_execute.execute(ACTIVATE, variables, idempotency_key="k")
    assert "data" not in expected
    assert without_locations(body) == expected


def test_the_directive_is_read_from_a_field_selected_in_a_fragment(ledger: Ledger) -> None:
    body = ledger.graphql(
        """
        mutation($input: InventoryAdjustQuantitiesInput!) {
          inventoryAdjustQuantities(input: $input) { userErrors { code } }
          ...Keyed
        }
        fragment Keyed on Mutation {
          inventoryAdjustQuantities(input: $input) @idempotent(key: "k") { userErrors { code } }
        }
        """,
        adjust_input(),
    )
    assert body == {"data": {"inventoryAdjustQuantities": {"userErrors": []}}}
