"""Shopify's published example requests, through ``graphql()`` and real HTTP clients.

The adjust example and the two move examples are Shopify's reference examples as published
(query text and variables, shopify.dev: inventoryAdjustQuantities 2024-07,
inventoryMoveQuantities 2025-04 and 2026-07). The adjust example runs in 2025-01, where it is
valid as written, and in 2026-04 with what that version requires added (the ``@idempotent``
directive and ``changeFromQuantity``). The set request follows the published shape of its
reference with the same ids; its example text was not at hand. Each response body is compared
whole: with a literal body, and across ``graphql()``, httpx and requests (over HTTP with
Shopify's ``extensions.cost`` added, which ``graphql()`` leaves out).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

pytest.importorskip("graphql")
httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")

from ledger import Ledger  # noqa: E402 -- after the skips
from ledger.shopify.http import ShopifyBackend  # noqa: E402
from ledger.shopify.httpx_transport import LedgerTransport  # noqa: E402
from ledger.shopify.requests_adapter import LedgerAdapter  # noqa: E402
from tests.support import FakeClock  # noqa: E402

ITEM = "gid://shopify/InventoryItem/30322695"
LOCATION = "gid://shopify/Location/124656943"

ADJUST_DOCUMENT = """mutation inventoryAdjustQuantities($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) {
    userErrors {
      field
      message
    }
    inventoryAdjustmentGroup {
      createdAt
      reason
      referenceDocumentUri
      changes {
        name
        delta
      }
    }
  }
}"""
ADJUST_VARIABLES = {
    "input": {
        "reason": "correction",
        "name": "available",
        "referenceDocumentUri": "logistics://some.warehouse/take/2023-01/13",
        "changes": [
            {
                "delta": -4,
                "inventoryItemId": ITEM,
                "locationId": LOCATION,
            }
        ],
    }
}
ADJUST_RESPONSE = {
    "data": {
        "inventoryAdjustQuantities": {
            "userErrors": [],
            "inventoryAdjustmentGroup": {
                "createdAt": "2026-06-25T00:00:00Z",
                "reason": "correction",
                "referenceDocumentUri": "logistics://some.warehouse/take/2023-01/13",
                "changes": [
                    {"name": "available", "delta": -4},
                    {"name": "on_hand", "delta": -4},
                ],
            },
        }
    }
}

# Shopify's published move examples (shopify.dev, inventoryMoveQuantities, 2025-04 and the
# 2026-07 "idempotency enabled and compare-and-swap enabled" example), as published.
MOVE_QUERY = """mutation inventoryMoveQuantities($input: InventoryMoveQuantitiesInput!, $quantityNames: [String!]) {
  inventoryMoveQuantities(input: $input) {
    userErrors {
      field
      message
      code
    }
    inventoryAdjustmentGroup {
      createdAt
      reason
      referenceDocumentUri
      changes(quantityNames: $quantityNames) {
        name
        delta
      }
    }
  }
}"""  # noqa: E501 -- the published text
QUANTITY_NAMES = ["committed", "reserved", "safety_stock", "quality_control", "damaged",
                  "available", "on_hand", "incoming"]
MOVE_VARIABLES = {
    "input": {
        "reason": "damaged",
        "referenceDocumentUri": "logistics://some.warehouse/take/2023-01-23T13:14:15Z",
        "changes": [{
            "quantity": 10,
            "inventoryItemId": ITEM,
            "from": {"locationId": LOCATION, "name": "available", "ledgerDocumentUri": None},
            "to": {"locationId": LOCATION, "name": "reserved",
                   "ledgerDocumentUri": "logistics://toronto.warehouse/work-orders/2023-01-04/2"},
        }],
    },
    "quantityNames": QUANTITY_NAMES,
}
MOVE_RESPONSE = {
    "data": {
        "inventoryMoveQuantities": {
            "userErrors": [],
            "inventoryAdjustmentGroup": {
                "createdAt": "2026-06-25T00:00:00Z",
                "reason": "damaged",
                "referenceDocumentUri": "logistics://some.warehouse/take/2023-01-23T13:14:15Z",
                "changes": [{"name": "available", "delta": -10},
                            {"name": "reserved", "delta": 10}],
            },
        }
    }
}
MOVE_CAS_QUERY = """mutation inventoryMoveQuantities($input: InventoryMoveQuantitiesInput!, $quantityNames: [String!], $idempotencyKey: String!) {
  inventoryMoveQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    userErrors {
      field
      message
      code
    }
    inventoryAdjustmentGroup {
      createdAt
      reason
      referenceDocumentUri
      changes(quantityNames: $quantityNames) {
        name
        delta
        ledgerDocumentUri
      }
    }
  }
}"""  # noqa: E501 -- the published text
MOVE_CAS_VARIABLES = {
    "input": {
        "reason": "damaged",
        "referenceDocumentUri": "logistics://some.warehouse/take/2026-02-23T13:14:15Z",
        "changes": [{
            "quantity": 10,
            "inventoryItemId": ITEM,
            "from": {"locationId": LOCATION, "name": "available", "ledgerDocumentUri": None,
                     "changeFromQuantity": 1},
            "to": {"locationId": LOCATION, "name": "reserved",
                   "ledgerDocumentUri": "logistics://toronto.warehouse/work-orders/2026-02-04/2",
                   "changeFromQuantity": 440},
        }],
    },
    "quantityNames": QUANTITY_NAMES,
    "idempotencyKey": "2824bdc5-5365-45a0-9c81-ad8c0661d4f0",
}
MOVE_CAS_RESPONSE = {
    "data": {
        "inventoryMoveQuantities": {
            "userErrors": [],
            "inventoryAdjustmentGroup": {
                "createdAt": "2026-06-25T00:00:00Z",
                "reason": "damaged",
                "referenceDocumentUri": "logistics://some.warehouse/take/2026-02-23T13:14:15Z",
                # Ten moved out of an available of one: no insufficient-quantity error.
                "changes": [
                    {"name": "available", "delta": -10, "ledgerDocumentUri": None},
                    {"name": "reserved", "delta": 10, "ledgerDocumentUri":
                     "logistics://toronto.warehouse/work-orders/2026-02-04/2"},
                ],
            },
        }
    }
}

SET_DOCUMENT = """mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "set-2026-04-1") {
    inventoryAdjustmentGroup {
      reason
      referenceDocumentUri
      changes {
        name
        delta
        quantityAfterChange
      }
    }
    userErrors {
      code
      field
      message
    }
  }
}"""
SET_VARIABLES = {
    "input": {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "logistics://some.warehouse/take/2023-01-23T13:14:15Z",
        "quantities": [{
            "inventoryItemId": ITEM,
            "locationId": LOCATION,
            "quantity": 11,
            "changeFromQuantity": 10,
        }],
    }
}
SET_RESPONSE = {
    "data": {
        "inventorySetQuantities": {
            "inventoryAdjustmentGroup": {
                "reason": "correction",
                "referenceDocumentUri": "logistics://some.warehouse/take/2023-01-23T13:14:15Z",
                "changes": [
                    {"name": "available", "delta": 1, "quantityAfterChange": None},
                    {"name": "on_hand", "delta": 1, "quantityAfterChange": None},
                ],
            },
            "userErrors": [],
        }
    }
}


def with_change_from(variables: dict[str, Any]) -> dict[str, Any]:
    """The published adjust variables with the 2026-04 ``changeFromQuantity`` added."""
    out = copy.deepcopy(variables)
    out["input"]["changes"][0]["changeFromQuantity"] = 10
    return out


ADJUST_2026_04 = ADJUST_DOCUMENT.replace(
    "inventoryAdjustQuantities(input: $input) {",
    'inventoryAdjustQuantities(input: $input) @idempotent(key: "adjust-2026-04-1") {')

EXAMPLES = [
    pytest.param("2025-01", ADJUST_DOCUMENT, ADJUST_VARIABLES, ADJUST_RESPONSE,
                 id="adjust as published, 2025-01"),
    pytest.param("2026-04", ADJUST_2026_04, with_change_from(ADJUST_VARIABLES), ADJUST_RESPONSE,
                 id="adjust with the 2026-04 directive and changeFromQuantity"),
    pytest.param("2025-04", MOVE_QUERY, MOVE_VARIABLES, MOVE_RESPONSE,
                 id="move as published, 2025-04"),
    pytest.param("2026-07", MOVE_CAS_QUERY, MOVE_CAS_VARIABLES, MOVE_CAS_RESPONSE,
                 id="move with idempotency and compare-and-swap as published, 2026-07"),
    pytest.param("2026-04", SET_DOCUMENT, SET_VARIABLES, SET_RESPONSE,
                 id="set in the published shape, 2026-04"),
]


def store(version: str = "2026-04") -> Ledger:
    # Quantities the examples' compare-and-swap values expect: the 2026 move example says
    # available 1 and reserved 440; the others compare available with 10.
    quantities = {"available": 1, "reserved": 440} if version == "2026-07" else {"available": 10}
    return Ledger.from_snapshot({
        "locations": [{"id": LOCATION, "name": "Shop location"}],
        "inventoryItems": [{"id": ITEM}],
        "inventoryLevels": [{"inventoryItemId": ITEM, "locationId": LOCATION,
                             "quantities": quantities}],
    }, clock=FakeClock())


def url(version: str) -> str:
    return f"https://example-shop.myshopify.com/admin/api/{version}/graphql.json"


HEADERS = {"X-Shopify-Access-Token": "shpat_example"}
# Over HTTP, Shopify adds the cost: each example is one mutation (10, payload included),
# charged in full, from a fresh 2000-point bucket restoring 100 a second.
HTTP_EXTENSIONS = {"cost": {
    "requestedQueryCost": 10, "actualQueryCost": 10,
    "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0,
                       "restoreRate": 100.0},
}}


@pytest.mark.parametrize(("version", "document", "variables", "response"), EXAMPLES)
def test_a_documented_example_gives_the_same_whole_body_through_graphql_httpx_and_requests(
    version: str, document: str, variables: dict[str, Any], response: dict[str, Any]
) -> None:
    direct = store(version).graphql(document, variables, api_version=version)
    assert direct == response

    backend = ShopifyBackend({"example-shop": store(version)})
    via_httpx = httpx.Client(transport=LedgerTransport(backend))
    answer = via_httpx.post(url(version), headers=HEADERS,
                            json={"query": document, "variables": variables})
    assert answer.status_code == 200
    assert answer.json() == {**response, "extensions": HTTP_EXTENSIONS}

    session = requests.Session()
    session.mount("https://", LedgerAdapter(ShopifyBackend({"example-shop": store(version)})))
    answer2 = session.post(url(version), headers=HEADERS,
                           json={"query": document, "variables": variables})
    assert answer2.status_code == 200
    assert answer2.json() == {**response, "extensions": HTTP_EXTENSIONS}


def test_the_published_adjust_example_needs_what_2026_04_requires() -> None:
    # As published (no directive, no changeFromQuantity), 2026-04 refuses it at the
    # request level: changeFromQuantity is checked before the directive (semantics §4).
    body = store().graphql(ADJUST_DOCUMENT, ADJUST_VARIABLES, api_version="2026-04")
    assert body["data"] == {"inventoryAdjustQuantities": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_FIELD_ARGUMENTS"]
    assert body["errors"][0]["message"] == (
        "InventoryChangeInput must include the following argument: changeFromQuantity.")
