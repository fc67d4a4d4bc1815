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
