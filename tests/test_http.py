"""The HTTP face: Shopify's endpoint, statuses, tokens and scopes, through real clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger import Ledger
from ledger.shopify.http import INVALID_TOKEN, ShopifyBackend

httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")
pytest.importorskip("graphql")

from ledger.shopify.httpx_transport import LedgerTransport  # noqa: E402 -- after the skips
from ledger.shopify.requests_adapter import LedgerAdapter  # noqa: E402 -- after the skips

URL = "https://demo.myshopify.com/admin/api/{}/graphql.json"
TOKEN = {"X-Shopify-Access-Token": "shpat_test"}
MUTATION = (
    'mutation { inventoryActivate(inventoryItemId: "x", locationId: "y") '
    "{ userErrors { message } } }"
)
QUERY = "query Stock { level: inventoryLevel(id: \"x\") { id } }"


class Recorder:
    """A stand-in GraphQL executor that records what it was asked and answers ``body``."""

    def __init__(self, body: dict[str, Any] | None = None) -> None:
        self.body = body if body is not None else {"data": {"ok": True}}
        self.calls: list[tuple[str, Any, str | None, str]] = []

    def __call__(self, ledger: Ledger, query: str, variables: Any, name: str | None,
                 version: str) -> dict[str, Any]:
        self.calls.append((query, variables, name, version))
        return self.body


def cost(requested: int, actual: int | None, available: float = 2000.0) -> dict[str, Any]:
    """The ``extensions`` of a response of these costs, from the default (unenforced) bucket."""
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": {"maximumAvailable": 2000.0,
                                        "currentlyAvailable": available,
                                        "restoreRate": 100.0}}}


# QUERY requests one object (1); the recorder's data has no ``level``, so nothing resolved.
OK = {"data": {"ok": True}, "extensions": cost(1, 0)}


def backend(executor: Recorder, **options: Any) -> ShopifyBackend:
    return ShopifyBackend({"demo": Ledger.example()}, executor=executor, **options)


def test_a_request_reaches_the_shops_ledger_at_the_urls_version() -> None:
    recorder = Recorder()
    client = httpx.Client(transport=LedgerTransport(backend(recorder)))
    response = client.post(URL.format("2025-07"), headers=TOKEN,
                           json={"query": QUERY, "variables": {"a": 1}, "operationName": "Stock"})
    assert response.status_code == 200
    assert response.json() == OK
    assert response.headers["X-Shopify-API-Version"] == "2025-07"
    assert recorder.calls == [(QUERY, {"a": 1}, "Stock", "2025-07")]


@pytest.mark.parametrize(
    ("url", "headers", "status", "body"),
    [
        (URL.format("2026-04"), {}, 401, {"errors": INVALID_TOKEN}),
        (URL.format("2026-04"), {"X-Shopify-Access-Token": ""}, 401, {"errors": INVALID_TOKEN}),
        ("https://other.myshopify.com/admin/api/2026-04/graphql.json", TOKEN, 404,
         {"errors": "Not Found"}),
        (URL.format("2024-02"), TOKEN, 404, {"errors": "Not Found"}),
        ("https://demo.myshopify.com/admin/api/2026-04/products.json", TOKEN, 404,
         {"errors": "Not Found"}),
    ],
    ids=["no-token", "empty-token", "unknown-shop", "never-a-version", "other-path"],
)
def test_requests_that_never_reach_graphql_get_shopifys_status_and_body(
    url: str, headers: dict[str, str], status: int, body: object
) -> None:
    recorder = Recorder()
    client = httpx.Client(transport=LedgerTransport(backend(recorder)))
    response = client.post(url, headers=headers, json={"query": QUERY})
    assert (response.status_code, response.json()) == (status, body)
    assert recorder.calls == []


@pytest.mark.parametrize("retired", ["2019-04", "2023-07", "2024-10"])
def test_a_retired_stable_version_falls_forward_to_the_oldest_supported_one(
    retired: str,
) -> None:
    recorder = Recorder()
    client = httpx.Client(transport=LedgerTransport(backend(recorder)))
    response = client.post(URL.format(retired), headers=TOKEN, json={"query": QUERY})
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == "2025-01"
    assert recorder.calls == [(QUERY, None, None, "2025-01")]


def test_a_fallen_forward_request_runs_with_the_oldest_supported_versions_rules() -> None:
    # 2025-01 knows no @idempotent directive; 2026-04 requires it.
    ledger = Ledger.example(api_version="2026-04")
    client = httpx.Client(transport=LedgerTransport(ShopifyBackend({"demo": ledger})))
    response = client.post(URL.format("2024-04"), headers=TOKEN, json={
        "query": '{ inventoryItem(id: "gid://shopify/InventoryItem/1") { id } }'})
    assert response.headers["X-Shopify-API-Version"] == "2025-01"
    assert response.json()["data"] == {"inventoryItem": {"id": "gid://shopify/InventoryItem/1"}}
    mutation = ('mutation { inventoryActivate(inventoryItemId: "gid://shopify/InventoryItem/1",'
                ' locationId: "gid://shopify/Location/2") @idempotent(key: "k") '
                "{ userErrors { message } } }")
    old = client.post(URL.format("2024-04"), headers=TOKEN, json={"query": mutation}).json()
    new = client.post(URL.format("2026-04"), headers=TOKEN, json={"query": mutation}).json()
    assert old["errors"][0]["extensions"]["code"] == "undefinedDirective"
    assert "errors" not in new


@pytest.mark.parametrize(
    "version",
    ["2024-02", "2019-01", "2018-10", "2099-01", "2027-04", "unstable", "latest", "2025-1",
     "2025-01-01", "%32025-01"],
)
def test_a_version_that_never_existed_is_a_404(version: str) -> None:
    recorder = Recorder()
    client = httpx.Client(transport=LedgerTransport(backend(recorder)))
    response = client.post(URL.format(version), headers=TOKEN, json={"query": QUERY})
    assert (response.status_code, response.json()) == (404, {"errors": "Not Found"})
    assert "X-Shopify-API-Version" not in response.headers
    assert recorder.calls == []


@pytest.mark.parametrize("content", [b"not json", b"{}", b'{"query": 5}', b"[]"],
                         ids=["not-json", "no-query", "query-not-string", "not-object"])
def test_a_body_without_a_query_is_a_400(content: bytes) -> None:
    client = httpx.Client(transport=LedgerTransport(backend(Recorder())))
    response = client.post(URL.format("2026-04"), headers=TOKEN, content=content)
    assert response.status_code == 400
    assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_only_post_is_served() -> None:
    client = httpx.Client(transport=LedgerTransport(backend(Recorder())))
    assert client.get(URL.format("2026-04"), headers=TOKEN).status_code == 405


def test_a_throttled_body_is_answered_with_429() -> None:
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    client = httpx.Client(transport=LedgerTransport(backend(Recorder(throttled))))
    response = client.post(URL.format("2026-04"), headers=TOKEN, json={"query": QUERY})
    # An injected THROTTLED ran nothing: no actual cost, nothing taken from the bucket.
    assert (response.status_code, response.json()) == (
        429, {**throttled, "extensions": cost(1, None)})


def test_a_token_without_write_inventory_is_denied_mutations_and_nothing_runs() -> None:
    recorder = Recorder()
    served = backend(recorder, tokens={"reader": ["read_inventory"], "writer": ["write_inventory"]})
    client = httpx.Client(transport=LedgerTransport(served))
    denied = client.post(URL.format("2026-04"), headers={"X-Shopify-Access-Token": "reader"},
                         json={"query": MUTATION})
    assert denied.status_code == 200
    assert denied.json() == {
        "errors": [{
            "message": "Access denied for inventoryActivate field. Required access: "
                       "`write_inventory` access scope.",
            "locations": [{"line": 1, "column": 12}],
            "extensions": {"code": "ACCESS_DENIED",
                           "documentation": "https://shopify.dev/api/usage/access-scopes",
                           "requiredAccess": "`write_inventory` access scope."},
            "path": ["inventoryActivate"],
        }],
        "data": {"inventoryActivate": None},
        # Scopes are checked as fields resolve: the mutation is charged as one that ran.
        "extensions": cost(10, 10, available=1990.0),
    }
    assert recorder.calls == []
    # Reading is allowed to the reader, and the writer may do both.
    assert client.post(URL.format("2026-04"), headers={"X-Shopify-Access-Token": "reader"},
                       json={"query": QUERY}).status_code == 200
    assert client.post(URL.format("2026-04"), headers={"X-Shopify-Access-Token": "writer"},
                       json={"query": MUTATION}).status_code == 200
    assert len(recorder.calls) == 2


def test_a_token_without_any_inventory_scope_is_denied_reads_under_their_alias() -> None:
    served = backend(Recorder(), tokens={"none": []})
    client = httpx.Client(transport=LedgerTransport(served))
    body = client.post(URL.format("2026-04"), headers={"X-Shopify-Access-Token": "none"},
                       json={"query": QUERY}).json()
    assert body["data"] == {"level": None}
    assert body["errors"][0]["extensions"]["requiredAccess"] == "`read_inventory` access scope."
    assert body["errors"][0]["path"] == ["level"]


def test_an_unknown_token_is_a_401_when_tokens_are_listed() -> None:
    client = httpx.Client(transport=LedgerTransport(backend(Recorder(), tokens={"a": []})))
    response = client.post(URL.format("2026-04"), headers={"X-Shopify-Access-Token": "b"},
                           json={"query": QUERY})
    assert response.status_code == 401


async def _async_post(transport: LedgerTransport) -> tuple[int, Any]:
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.post(URL.format("2026-04"), headers=TOKEN, json={"query": QUERY})
        return response.status_code, response.json()


def test_the_transport_serves_an_async_client_too() -> None:
    import asyncio

    assert asyncio.run(_async_post(LedgerTransport(backend(Recorder())))) == (200, OK)


def test_the_requests_adapter_answers_a_session_like_the_httpx_transport() -> None:
    recorder = Recorder()
    session = requests.Session()
    session.mount("https://", LedgerAdapter(backend(recorder)))
    response = session.post(URL.format("2026-01"), headers=TOKEN,
                            json={"query": QUERY, "variables": None})
    assert response.status_code == 200
    assert response.reason == "OK"
    assert response.json() == OK
    assert response.headers["x-shopify-api-version"] == "2026-01"
    assert recorder.calls == [(QUERY, None, None, "2026-01")]
    unauthorised = session.post(URL.format("2026-01"), data=json.dumps({"query": QUERY}))
    assert unauthorised.status_code == 401


def test_a_body_nested_too_deeply_to_read_is_a_400() -> None:
    client = httpx.Client(transport=LedgerTransport(backend(Recorder())))
    content = b'{"query": "{ __typename }", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post(URL.format("2026-04"), headers=TOKEN, content=content)
    assert response.status_code == 400


def _strict(content: bytes) -> Any:
    """Parse RFC 8259 JSON only, as strict clients do: NaN and Infinity are refused."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(content, parse_constant=refuse)


ADJUST_DOCUMENT = (
    "mutation A($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities("
    "input: $input) { userErrors { code } } }"
)


@pytest.mark.parametrize("delta", [b"NaN", b"-Infinity", b"1e400", b"1" * 4000])
def test_a_body_echoing_what_json_cannot_carry_is_still_strict_json(delta: bytes) -> None:
    # Python's json reads NaN and Infinity; the echo of them must not write them back.
    client = httpx.Client(transport=LedgerTransport(ShopifyBackend({"demo": Ledger.example(
        api_version="2026-01")})))
    content = (b'{"query": "' + ADJUST_DOCUMENT.encode()
               + b'", "variables": {"input": {"name": "available", "reason": "correction", '
               b'"changes": [{"inventoryItemId": "gid://shopify/InventoryItem/1", '
               b'"locationId": "gid://shopify/Location/1", "delta": ' + delta + b"}]}}}")
    response = client.post(URL.format("2026-01"), headers=TOKEN, content=content)
    assert response.status_code == 200
    body = _strict(response.content)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert len(response.content) < 2000  # a 4000-digit integer is not echoed three times


@pytest.mark.parametrize("body", [
    {"data": {"x": float("nan")}}, {"data": {"x": float("inf")}}, {"data": {"x": b"bytes"}},
    {"data": {"x": 10**5000}},
], ids=["nan", "infinity", "bytes", "integer-over-4300-digits"])
def test_an_executor_body_that_is_not_json_becomes_a_500_internal_server_error(
    body: dict[str, Any],
) -> None:
    client = httpx.Client(transport=LedgerTransport(backend(Recorder(body))))
    response = client.post(URL.format("2026-04"), headers=TOKEN, json={"query": QUERY})
    assert response.status_code == 500
    assert _strict(response.content) == {"errors": [{
        "message": "Internal error. Looks like something went wrong on our end.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
