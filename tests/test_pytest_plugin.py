"""The pytest plugin, run as an app's test suite would use it (through pytester)."""

from __future__ import annotations

import json

import pytest

from ledger import Ledger

pytest.importorskip("graphql")

# Load the plugin by module; block the entry point so an installed copy is not loaded twice.
PLUGIN = ("-p", "no:ledger", "-p", "ledger.pytest_plugin")


def test_the_fixtures_give_a_fresh_ledger_at_the_marked_version_and_clock(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ledger_api_version("2026-01")
        def test_version(shopify_ledger, ledger_clock):
            assert shopify_ledger.api_version == "2026-01"
            body = shopify_ledger.execute("inventoryAdjustQuantities", {"input": {
                "name": "available", "reason": "correction", "changes": [{
                    "inventoryItemId": "gid://shopify/InventoryItem/1",
                    "locationId": "gid://shopify/Location/1", "delta": 1}]}})
            group = body["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]
            assert group["createdAt"] == "2026-01-01T00:00:00Z"
            ledger_clock.advance(60)
            assert shopify_ledger.quantities(
                "gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["available"] == 11

        def test_each_test_starts_afresh(shopify_ledger):
            assert shopify_ledger.api_version == "2026-04"
            assert shopify_ledger.quantities(
                "gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["available"] == 10
        """
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)


def test_a_marked_snapshot_file_is_loaded_relative_to_the_test(
    pytester: pytest.Pytester,
) -> None:
    snapshot = Ledger.example().snapshot()
    snapshot["inventoryLevels"][0]["quantities"]["available"] = 42
    (pytester.path / "store.json").write_text(json.dumps(snapshot))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ledger_snapshot("store.json")
        def test_snapshot(shopify_ledger):
            assert shopify_ledger.quantities(
                "gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["available"] == 42
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)


def test_the_clients_reach_the_ledger_with_the_token_set(pytester: pytest.Pytester) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("requests")
    pytester.makepyfile(
        """
        LEVEL = "gid://shopify/InventoryLevel/1?inventory_item_id=1"
        QUERY = '{ inventoryLevel(id: "%s") { id } }' % LEVEL

        def test_httpx(shopify_httpx_client, shopify_graphql_url):
            response = shopify_httpx_client.post(shopify_graphql_url, json={"query": QUERY})
            assert response.status_code == 200, response.text
            assert response.headers["X-Shopify-API-Version"] == "2026-04"

        def test_requests(shopify_requests_session, shopify_graphql_url):
            response = shopify_requests_session.post(shopify_graphql_url, json={"query": QUERY})
            assert response.status_code == 200, response.text

        def test_no_token(shopify_httpx_client, shopify_graphql_url):
            del shopify_httpx_client.headers["X-Shopify-Access-Token"]
            assert shopify_httpx_client.post(
                shopify_graphql_url, json={"query": QUERY}).status_code == 401
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=3)


def test_the_async_client_fixture_reaches_the_ledger_under_anyio(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("anyio")
    pytester.makepyfile(
        """
        import pytest

        ITEM = "gid://shopify/InventoryItem/1"
        LOCATION = "gid://shopify/Location/1"
        ADJUST = (
            "mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities("
            'input: $input) @idempotent(key: "k") { userErrors { code } } }')

        @pytest.mark.anyio
        async def test_async(shopify_httpx_async_client, shopify_graphql_url, shopify_ledger):
            response = await shopify_httpx_async_client.post(shopify_graphql_url, json={
                "query": ADJUST, "variables": {"input": {
                    "name": "available", "reason": "correction", "changes": [{
                        "inventoryItemId": ITEM, "locationId": LOCATION, "delta": 5,
                        "changeFromQuantity": 10}]}}})
            assert response.status_code == 200, response.text
            assert response.json()["data"]["inventoryAdjustQuantities"]["userErrors"] == []
            assert shopify_ledger.quantities(ITEM, LOCATION)["available"] == 15

        @pytest.mark.anyio
        async def test_no_token(shopify_httpx_async_client, shopify_graphql_url):
            del shopify_httpx_async_client.headers["X-Shopify-Access-Token"]
            response = await shopify_httpx_async_client.post(
                shopify_graphql_url, json={"query": "{ location { name } }"})
            assert response.status_code == 401
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=2)


def test_the_urllib_fixture_answers_urlopen_for_the_test_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        import urllib.error
        import urllib.request

        import pytest

        BEFORE = getattr(urllib.request, "_opener", None)

        def post(url, token):
            request = urllib.request.Request(
                url, data=json.dumps({"query": "{ location { name } }"}).encode(),
                headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                return json.loads(response.read())

        def test_answered(shopify_urllib_opener, shopify_graphql_url, shopify_access_token):
            body = post(shopify_graphql_url, shopify_access_token)
            assert body["data"] == {"location": {"name": "Shop location"}}

        def test_elsewhere_refused(shopify_urllib_opener, shopify_access_token):
            with pytest.raises(urllib.error.URLError, match="myshopify.com only"):
                post("https://example.com/graphql.json", shopify_access_token)

        def test_uninstalled_after(shopify_graphql_url):
            assert getattr(urllib.request, "_opener", None) is BEFORE
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=3)
