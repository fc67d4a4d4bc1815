"""A pytest plugin (entry point ``ledger``): fixtures that give a test a fresh ledger.

Fixtures:

* ``shopify_ledger``: a fresh ``Ledger`` for the test, at ``ledger_api_version`` with the
  clock ``ledger_clock``, holding ``ledger_snapshot``;
* ``ledger_snapshot``: the starting state; ``Ledger.example()``'s unless the test is marked
  ``@pytest.mark.ledger_snapshot("store.json")`` (a path relative to the test file);
* ``ledger_api_version`` (default ``"2026-04"``; mark ``@pytest.mark.ledger_api_version(V)``
  or override the fixture) and ``ledger_clock`` (a ``ManualClock``);
* ``shopify_backend``: a ``ShopifyBackend`` serving the ledger as ``test-shop`` to the
  token ``shopify_access_token``, which belongs to that shop (a shop added to the backend
  later needs tokens of its own, as on Shopify); its responses carry Shopify's
  ``extensions.cost``, and its leaky bucket refuses requests (``THROTTLED``, 429) only
  when the test is marked ``@pytest.mark.ledger_throttle`` (or ``ledger_throttle`` is
  overridden to ``True``); the bucket then refills as ``ledger_clock`` is advanced;
  ``shopify_httpx_client`` and ``shopify_requests_session``: clients wired to it (they
  need the ``httpx`` / ``requests`` extras), with the token set; ``shopify_graphql_url``:
  the endpoint URL at the test's version;
* ``shopify_httpx_async_client``: an ``httpx.AsyncClient`` wired to the backend, with the
  token set. It is an async fixture: run the test under anyio's pytest plugin (installed
  with httpx) by marking it ``@pytest.mark.anyio`` (the asyncio backend by default);
* ``shopify_urllib_opener``: ``ledger.urllib_handler`` installed for ``urllib.request.urlopen``
  during the test (what the ``ShopifyAPI`` package's ``shopify.GraphQL`` calls), then the
  previous opener restored; no URL reaches the network.

Nothing here imports httpx or requests until a test asks for their fixture, so the plugin
loads wherever ``ledger`` is installed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ledger.api import Ledger
from ledger.core.clock import ManualClock
from ledger.core.versions import DEFAULT
from ledger.shopify.http import ShopifyBackend

if TYPE_CHECKING:
    import urllib.request

    import httpx
    import requests

SHOP = "test-shop"
TOKEN = "shpat_ledger_test_token"  # noqa: S105 -- a fixed token for in-process tests


def pytest_configure(config: pytest.Config) -> None:
    """Declare the plugin's markers."""
    config.addinivalue_line(
        "markers", "ledger_snapshot(path): start the test's ledger from this snapshot file")
    config.addinivalue_line(
        "markers", "ledger_api_version(version): the API version of the test's ledger")
    config.addinivalue_line(
        "markers", "ledger_throttle: the backend enforces Shopify's leaky bucket (THROTTLED)")


@pytest.fixture
def ledger_api_version(request: pytest.FixtureRequest) -> str:
    """The API version of the test's ledger (marker ``ledger_api_version`` or the default)."""
    marker = request.node.get_closest_marker("ledger_api_version")
    return str(marker.args[0]) if marker is not None else DEFAULT


@pytest.fixture
def ledger_clock() -> ManualClock:
    """The ledger's clock, standing still at 2026-01-01T00:00:00Z until advanced."""
    return ManualClock()


@pytest.fixture
def ledger_snapshot(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The starting state: the file named by the ``ledger_snapshot`` marker, or the example."""
    marker = request.node.get_closest_marker("ledger_snapshot")
    if marker is None:
        return Ledger.example().snapshot()
    path = Path(marker.args[0])
    if not path.is_absolute():
        path = Path(request.path).parent / path
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def shopify_ledger(
    ledger_snapshot: dict[str, Any], ledger_api_version: str, ledger_clock: ManualClock
) -> Ledger:
    """A fresh ledger holding ``ledger_snapshot``."""
    return Ledger.from_snapshot(ledger_snapshot, api_version=ledger_api_version,
                                clock=ledger_clock)


@pytest.fixture
def shopify_access_token() -> str:
    """The access token the backend accepts (with read and write inventory scopes)."""
    return TOKEN


@pytest.fixture
def ledger_throttle(request: pytest.FixtureRequest) -> bool:
    """Whether the backend enforces its bucket (marker ``ledger_throttle``; default no)."""
    return request.node.get_closest_marker("ledger_throttle") is not None


@pytest.fixture
def shopify_backend(
    shopify_ledger: Ledger, shopify_access_token: str, ledger_throttle: bool
) -> ShopifyBackend:
    """The ledger behind Shopify's endpoint, as shop ``test-shop``, the token's shop."""
    backend = ShopifyBackend(throttle=ledger_throttle)
    backend.add_shop(SHOP, shopify_ledger,
                     tokens={shopify_access_token: ["read_inventory", "write_inventory"]})
    return backend


@pytest.fixture
def shopify_graphql_url(ledger_api_version: str) -> str:
    """The Admin GraphQL endpoint of ``test-shop`` at the test's API version."""
    return f"https://{SHOP}.myshopify.com/admin/api/{ledger_api_version}/graphql.json"


@pytest.fixture
def shopify_httpx_client(
    shopify_backend: ShopifyBackend, shopify_access_token: str
) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` answered by the backend, with the access token set."""
    import httpx

    from ledger.shopify.httpx_transport import LedgerTransport

    with httpx.Client(transport=LedgerTransport(shopify_backend),
                      headers={"X-Shopify-Access-Token": shopify_access_token}) as client:
        yield client


@pytest.fixture
def shopify_requests_session(
    shopify_backend: ShopifyBackend, shopify_access_token: str
) -> Iterator[requests.Session]:
    """A ``requests.Session`` answered by the backend, with the access token set."""
    import requests

    from ledger.shopify.requests_adapter import LedgerAdapter

    with requests.Session() as session:
        session.mount("https://", LedgerAdapter(shopify_backend))
        session.headers["X-Shopify-Access-Token"] = shopify_access_token
        yield session


@pytest.fixture
async def shopify_httpx_async_client(
    shopify_backend: ShopifyBackend, shopify_access_token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` answered by the backend, with the access token set.

    Async: the test runs under anyio's pytest plugin (``@pytest.mark.anyio``).
    """
    import httpx

    from ledger.shopify.httpx_transport import LedgerTransport

    async with httpx.AsyncClient(
        transport=LedgerTransport(shopify_backend),
        headers={"X-Shopify-Access-Token": shopify_access_token},
    ) as client:
        yield client


@pytest.fixture
def shopify_urllib_opener(
    shopify_backend: ShopifyBackend,
) -> Iterator[urllib.request.OpenerDirector]:
    """``urllib.request.urlopen`` answered by the backend for the test (no network at all)."""
    from ledger.shopify.urllib_handler import installed

    with installed(shopify_backend) as opener:
        yield opener
