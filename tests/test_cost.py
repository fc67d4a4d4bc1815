"""Shopify's calculated query cost, the leaky bucket, and ``extensions.cost`` over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("graphql")
httpx = pytest.importorskip("httpx")
requests = pytest.importorskip("requests")

from ledger import Ledger  # noqa: E402 -- after the skips
from ledger.core.clock import ManualClock  # noqa: E402
from ledger.shopify.cost import MAX_COST_DOCUMENTATION, actual_cost, requested_cost  # noqa: E402
from ledger.shopify.http import Bucket, ShopifyBackend  # noqa: E402
from ledger.shopify.httpx_transport import LedgerTransport  # noqa: E402
from ledger.shopify.requests_adapter import LedgerAdapter  # noqa: E402

ITEM = "gid://shopify/InventoryItem/1"
SHOP_LOCATION = "gid://shopify/Location/1"
URL = "https://demo.myshopify.com/admin/api/{}/graphql.json"
TOKEN = {"X-Shopify-Access-Token": "shpat_test"}

ADJUST = """mutation Adjust($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) {
    inventoryAdjustmentGroup { id reason changes { name delta item { id } location { id } } }
    userErrors { field message }
  }
}"""
ADJUST_VARIABLES = {"input": {"name": "available", "reason": "correction", "changes": [
    {"inventoryItemId": ITEM, "locationId": SHOP_LOCATION, "delta": 1}]}}
# One location (1) with a page of ten levels (2 + 10 x (level 1 + item 1)).
LEVELS = (
    '{ location(id: "gid://shopify/Location/1") { id name inventoryLevels(first: 10) '
    "{ edges { cursor node { id item { id } } } pageInfo { hasNextPage endCursor } } } }"
)
# One page of one level: 1 + 2 + 1 x 1, whether requested or returned by the example store.
SMALL = (
    '{ location(id: "gid://shopify/Location/1") { inventoryLevels(first: 1) { nodes { id } } } }'
)


@pytest.mark.parametrize(
    ("document", "variables", "cost"),
    [
        pytest.param(ADJUST, ADJUST_VARIABLES, 10, id="a mutation costs 10, payload included"),
        pytest.param(
            'mutation { a: inventoryActivate(inventoryItemId: "x", locationId: "y") '
            '{ userErrors { message } } b: inventoryActivate(inventoryItemId: "x", '
            'locationId: "z") { userErrors { message } } }',
            None, 20, id="two aliased mutations cost 10 each"),
        pytest.param(LEVELS, None, 23, id="a connection costs 2 plus first times its node"),
        pytest.param(
            '{ location { inventoryLevels(last: 3) { nodes { id quantities(names: ["a"]) '
            "{ name quantity } } } } }",
            None, 1 + 2 + 3 * 2, id="last sizes a connection; a list costs as one object"),
        pytest.param(
            "query Page($n: Int) { location { inventoryLevels(first: $n) { nodes { id } } } }",
            {"n": 25}, 1 + 2 + 25, id="first from a variable"),
        pytest.param(
            "query Page($n: Int = 4) { location { inventoryLevels(first: $n) { nodes { id } } } }",
            None, 1 + 2 + 4, id="first from a variable's default"),
        pytest.param(
            "{ location { inventoryLevels(first: 5, last: 2) { nodes { id } } } }",
            None, 1 + 2 + 2, id="first and last: the smaller"),
        pytest.param(
            "{ location { inventoryLevels { nodes { id } } } }",
            None, 1 + 2, id="neither first nor last sizes nothing"),
        pytest.param(
            "fragment Level on InventoryLevel { id item { id } location { id name } }\n"
            '{ inventoryLevel(id: "x") { ...Level } }',
            None, 3, id="a fragment costs what it selects where it is spread"),
        pytest.param(
            '{ a: inventoryItem(id: "x") { id } b: inventoryItem(id: "y") { id } }',
            None, 2, id="aliases are separate fields"),
        pytest.param(
            '{ inventoryItem(id: "x") { id } inventoryItem(id: "x") { id } }',
            None, 1, id="one response key selected twice is one field"),
        pytest.param(
            '{ node(id: "x") { id ... on Location { inventoryLevels(first: 5) { nodes { id } } } '
            "... on InventoryItem { inventoryLevel(locationId: \"y\") { id } } } }",
            None, 1 + (2 + 5), id="an interface costs its costliest possible type"),
        pytest.param(
            '{ inventoryItem(id: "x") { id inventoryLevel(locationId: "y") @skip(if: true) '
            "{ id } } }",
            None, 1, id="a skipped field costs nothing"),
        pytest.param("{ __schema { types { name fields { name } } } }", None, 0,
                     id="introspection is free"),
        pytest.param("{ __typename }", None, 0, id="__typename is free"),
        pytest.param('{ location { id name } }', None, 1, id="scalars are free"),
        pytest.param("{ location { nope } }", None, 0, id="an invalid document costs nothing"),
        pytest.param("{ location {", None, 0, id="an unparsable document costs nothing"),
    ],
)
def test_a_documents_requested_cost_follows_shopifys_rules(
    document: str, variables: dict[str, Any] | None, cost: int
) -> None:
    assert requested_cost(document, variables, api_version="2025-01") == cost


def test_the_actual_cost_sizes_each_connection_by_what_it_returned() -> None:
    ledger = Ledger.example()
    body = ledger.graphql(LEVELS)
    assert len(body["data"]["location"]["inventoryLevels"]["edges"]) == 1
    assert requested_cost(LEVELS) == 23
    assert actual_cost(LEVELS, body) == 1 + 2 + 1 * 2
    # A body without data (a request-level error) cost nothing.
    assert actual_cost(LEVELS, {"errors": [{"message": "x"}]}) == 0


def _doubling(levels: int) -> str:
    """Each fragment selects the next twice, one object deeper: the cost doubles per level."""
    fragments = " ".join(
        f'fragment F{i} on InventoryItem {{ a: inventoryLevel(locationId: "{SHOP_LOCATION}") '
        f'{{ item {{ ...F{i + 1} }} }} b: inventoryLevel(locationId: "{SHOP_LOCATION}") '
        f"{{ item {{ ...F{i + 1} }} }} }}" for i in range(levels))
    return (f'{{ inventoryItem(id: "{ITEM}") {{ ...F0 }} }} {fragments} '
            f"fragment F{levels} on InventoryItem {{ id }}")


@pytest.mark.parametrize("levels", [5, 10, 20, 24])  # 24: 50 fields deep, the most allowed
def test_a_fragment_doubling_is_costed_exactly_in_work_linear_in_its_levels(
    levels: int,
) -> None:
    from ledger.shopify import cost

    walker = cost._walker(_doubling(levels), None, None, "2025-01")
    assert walker is not None
    # F(i) = 2 x (inventoryLevel 1 + item 1 + F(i + 1)), F(levels) = 0; plus inventoryItem.
    assert walker.requested() == 4 * (2**levels - 1) + 1
    # Each selection set is collected once (4 selections a level), not once per path (2^n).
    assert walker.visits <= 5 * levels + 5


def test_graphql_itself_gives_no_extensions() -> None:
    assert "extensions" not in Ledger.example().graphql(LEVELS)


def post(backend: ShopifyBackend, document: str, variables: Any = None,
         version: str = "2025-01") -> httpx.Response:
    client = httpx.Client(transport=LedgerTransport(backend))
    return client.post(URL.format(version), headers=TOKEN,
                       json={"query": document, "variables": variables})


def status(response: httpx.Response) -> dict[str, Any]:
    cost: dict[str, Any] = response.json()["extensions"]["cost"]
    return cost


def test_an_httpx_response_carries_shopifys_cost_extension() -> None:
    response = post(ShopifyBackend({"demo": Ledger.example()}), LEVELS)
    assert response.status_code == 200
    assert response.json()["extensions"] == {"cost": {
        "requestedQueryCost": 23,
        "actualQueryCost": 5,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1995.0,
                           "restoreRate": 100.0},
    }}


def test_a_requests_response_carries_the_same_cost_extension() -> None:
    session = requests.Session()
    session.mount("https://", LedgerAdapter(ShopifyBackend({"demo": Ledger.example()})))
    response = session.post(URL.format("2025-01"), headers=TOKEN, json={"query": LEVELS})
    assert response.json()["extensions"]["cost"]["actualQueryCost"] == 5


def test_without_enforcement_nothing_is_throttled_and_the_bucket_looks_full() -> None:
    clock = ManualClock()
    backend = ShopifyBackend({"demo": Ledger.example(clock=clock)},
                             bucket=Bucket(maximum=15, restore_rate=1))
    for _ in range(5):  # 50 points under a frozen clock, from a 15-point bucket
        response = post(backend, ADJUST, ADJUST_VARIABLES)
        assert response.status_code == 200
        assert status(response)["throttleStatus"]["currentlyAvailable"] == 5.0
    assert backend.shops["demo"].quantities(ITEM, SHOP_LOCATION)["available"] == 10 + 5
    assert backend.throttle_status("demo") == {
        "maximumAvailable": 15.0, "currentlyAvailable": 15.0, "restoreRate": 1.0}


def test_with_enforcement_the_bucket_drains_throttles_and_refills_with_the_clock() -> None:
    clock = ManualClock()
    ledger = Ledger.example(clock=clock)
    backend = ShopifyBackend({"demo": ledger}, throttle=True,
                             bucket=Bucket(maximum=15, restore_rate=1))
    first = post(backend, ADJUST, ADJUST_VARIABLES)
    assert (first.status_code, status(first)["throttleStatus"]["currentlyAvailable"]) == (200, 5)

    refused = post(backend, ADJUST, ADJUST_VARIABLES)
    assert refused.status_code == 429
    assert refused.json() == {
        "errors": [{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": {"cost": {
            "requestedQueryCost": 10, "actualQueryCost": None,
            "throttleStatus": {"maximumAvailable": 15.0, "currentlyAvailable": 5.0,
                               "restoreRate": 1.0}}},
    }
    assert ledger.quantities(ITEM, SHOP_LOCATION)["available"] == 11  # nothing ran

    clock.advance(4.5)  # 9.5 points: still short of 10
    assert post(backend, ADJUST, ADJUST_VARIABLES).status_code == 429
    clock.advance(0.5)
    again = post(backend, ADJUST, ADJUST_VARIABLES)
    assert (again.status_code, status(again)["throttleStatus"]["currentlyAvailable"]) == (200, 0)
    assert ledger.quantities(ITEM, SHOP_LOCATION)["available"] == 12

    clock.advance(3600)  # the bucket never holds more than its size
    assert backend.throttle_status("demo")["currentlyAvailable"] == 15.0


def test_the_bucket_is_charged_the_actual_cost_not_the_requested_one() -> None:
    backend = ShopifyBackend({"demo": Ledger.example(clock=ManualClock())}, throttle=True,
                             bucket=Bucket(maximum=30, restore_rate=0))
    response = post(backend, LEVELS)  # requests 23, returns one level: 5
    assert status(response)["throttleStatus"]["currentlyAvailable"] == 25.0
    assert post(backend, LEVELS).status_code == 200  # 23 <= 25
    assert post(backend, LEVELS).status_code == 429  # 23 > 20


def test_a_clock_that_goes_back_restores_nothing() -> None:
    clock = ManualClock()
    backend = ShopifyBackend({"demo": Ledger.example(clock=clock)}, throttle=True,
                             bucket=Bucket(maximum=10, restore_rate=1))
    post(backend, SMALL)
    clock.advance(-60)
    assert backend.throttle_status("demo")["currentlyAvailable"] == 6.0
    clock.advance(2)
    assert backend.throttle_status("demo")["currentlyAvailable"] == 8.0


def test_each_shop_has_its_own_bucket() -> None:
    backend = ShopifyBackend(throttle=True)
    backend.add_shop("demo", Ledger.example(clock=ManualClock()),
                     bucket=Bucket(maximum=4, restore_rate=0))
    backend.add_shop("other", Ledger.example(clock=ManualClock()))
    assert post(backend, SMALL).status_code == 200
    assert post(backend, SMALL).status_code == 429
    other = httpx.Client(transport=LedgerTransport(backend)).post(
        "https://other.myshopify.com/admin/api/2025-01/graphql.json", headers=TOKEN,
        json={"query": SMALL})
    assert status(other)["throttleStatus"] == {
        "maximumAvailable": 2000.0, "currentlyAvailable": 1996.0, "restoreRate": 100.0}


# Two aliased connections of the largest page (250): 2 * (1 + 2 + 250 * 2) = 1006 points.
OVER = ('{ a: location { inventoryLevels(first: 250) { nodes { id item { id } } } } '
        'b: location { inventoryLevels(first: 250) { nodes { id item { id } } } } }')


@pytest.mark.parametrize("throttle", [False, True], ids=["unenforced", "enforced"])
def test_a_query_over_1000_points_gets_max_cost_exceeded_and_nothing_runs(
    throttle: bool,
) -> None:
    calls: list[str] = []

    def executor(ledger: Ledger, query: str, *_: Any) -> dict[str, Any]:
        calls.append(query)
        return {"data": {}}

    backend = ShopifyBackend({"demo": Ledger.example(clock=ManualClock())}, executor=executor,
                             throttle=throttle)
    response = post(backend, OVER)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"].startswith(
        "Query cost is 1006, which exceeds the single query max cost limit (1000).\n")
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 1006, "maxCost": 1000,
                                   "documentation": MAX_COST_DOCUMENTATION}
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 1006, "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 2000.0,
                           "restoreRate": 100.0}}
    assert calls == []


def test_the_single_query_maximum_can_be_lifted() -> None:
    backend = ShopifyBackend({"demo": Ledger.example()}, max_query_cost=None)
    response = post(backend, OVER)
    assert "errors" not in response.json()
    assert status(response)["requestedQueryCost"] == 1006


def test_a_bucket_needs_a_positive_size_and_a_rate_of_at_least_zero() -> None:
    with pytest.raises(ValueError, match="positive size"):
        Bucket(maximum=0)
    with pytest.raises(ValueError, match="positive size"):
        Bucket(restore_rate=-1)


def test_the_plugins_marker_switches_enforcement_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        QUERY = '{ location { inventoryLevels(first: 1) { nodes { id } } } }'

        def test_default(shopify_backend, shopify_httpx_client, shopify_graphql_url):
            assert shopify_backend.throttle is False
            body = shopify_httpx_client.post(shopify_graphql_url, json={"query": QUERY}).json()
            assert body["extensions"]["cost"]["requestedQueryCost"] == 4

        @pytest.mark.ledger_throttle
        def test_marked(shopify_backend, shopify_httpx_client, shopify_graphql_url,
                        ledger_clock):
            assert shopify_backend.throttle is True
            for _ in range(500):
                shopify_httpx_client.post(shopify_graphql_url, json={"query": QUERY})
            response = shopify_httpx_client.post(shopify_graphql_url, json={"query": QUERY})
            assert response.status_code == 429
            ledger_clock.advance(1)
            response = shopify_httpx_client.post(shopify_graphql_url, json={"query": QUERY})
            assert response.status_code == 200
        """
    )
    pytester.runpytest("-p", "no:ledger", "-p", "ledger.pytest_plugin").assert_outcomes(passed=2)
