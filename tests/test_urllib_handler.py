"""``ledger.urllib_handler``: urllib's requests to Shopify answered in process, all others refused.

Every test runs with host lookups and connections made to fail, so an answer that needed
the network would show as an error, and a refusal is seen to come before any lookup.
"""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest

from ledger import Ledger
from ledger.shopify.http import INVALID_TOKEN, ShopifyBackend
from ledger.shopify.urllib_handler import LedgerHandler, build_opener, installed

pytest.importorskip("graphql")

URL = "https://demo.myshopify.com/admin/api/2026-04/graphql.json"
TOKEN = "shpat_demo"  # noqa: S105 -- a test token
QUERY = json.dumps({"query": "{ location { name } }"}).encode()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"{name}{args!r}: the network was used")

        return refused

    for name in ("getaddrinfo", "gethostbyname", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(name))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    return attempts


@pytest.fixture
def backend() -> ShopifyBackend:
    served = ShopifyBackend()
    served.add_shop("demo", Ledger.example(), tokens={TOKEN: ["read_inventory"]})
    return served


def request(url: str = URL, token: str | None = TOKEN, data: Any = QUERY) -> urllib.request.Request:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Shopify-Access-Token"] = token
    return urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 -- in process


def test_a_shop_request_is_answered_by_the_backend(backend: ShopifyBackend) -> None:
    with build_opener(backend).open(request()) as response:
        assert response.status == 200
        assert response.headers["X-Shopify-API-Version"] == "2026-04"
        body = json.loads(response.read())
    assert body["data"] == {"location": {"name": "Shop location"}}
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1


def test_the_handler_is_asked_before_https_even_behind_a_proxy(
    backend: ShopifyBackend, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # build_opener adds a ProxyHandler from the environment: it must not divert the request.
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    opener = build_opener(backend)
    kinds = [type(h) for h in opener.handlers]
    assert kinds[0] is LedgerHandler
    assert urllib.request.ProxyHandler in kinds
    assert kinds.index(LedgerHandler) < kinds.index(urllib.request.HTTPSHandler)
    with opener.open(request()) as response:
        assert response.status == 200


@pytest.mark.parametrize("url", [
    "https://example.com/admin/api/2026-04/graphql.json",
    "https://demo.myshopify.com.example.com/graphql.json",
    "http://demo.myshopify.com/admin/api/2026-04/graphql.json",
    "ftp://demo.myshopify.com/file",
    "data:,hello",
    "file:///etc/hostname",
], ids=["another-host", "a-suffix-lookalike", "plain-http", "ftp", "data", "file"])
def test_any_other_url_is_refused_before_any_lookup(
    backend: ShopifyBackend, no_network: list[str], url: str,
) -> None:
    with pytest.raises(urllib.error.URLError, match=r"answers https://<shop>\.myshopify\.com only"):
        build_opener(backend).open(request(url))
    assert no_network == []


def test_a_refused_token_is_an_http_error_carrying_shopifys_body(
    backend: ShopifyBackend,
) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        build_opener(backend).open(request(token="shpat_other"))  # noqa: S106 -- a test token
    assert raised.value.code == 401
    assert raised.value.reason == "Unauthorized"
    assert json.loads(raised.value.read()) == {"errors": INVALID_TOKEN}


def test_an_unknown_shop_is_shopifys_404(backend: ShopifyBackend) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        build_opener(backend).open(request(URL.replace("demo", "other")))
    assert raised.value.code == 404


@pytest.mark.parametrize("data", [io.BytesIO(QUERY), [QUERY[:10], QUERY[10:]], bytearray(QUERY)],
                         ids=["file", "iterable", "bytearray"])
def test_a_body_may_be_any_form_urllib_sends(backend: ShopifyBackend, data: Any) -> None:
    with build_opener(backend).open(request(data=data)) as response:
        assert json.loads(response.read())["data"] == {"location": {"name": "Shop location"}}


def test_installed_answers_urlopen_for_the_block_then_restores_the_opener(
    backend: ShopifyBackend,
) -> None:
    before = build_opener(backend)
    urllib.request.install_opener(before)
    try:
        with installed(backend) as opener:
            assert opener is not before
            with urllib.request.urlopen(request()) as response:  # noqa: S310 -- answered in process
                assert response.status == 200
        assert urllib.request._opener is before  # type: ignore[attr-defined]
        with pytest.raises(ZeroDivisionError), installed(backend):
            1 / 0  # noqa: B018 -- the block fails
        assert urllib.request._opener is before  # type: ignore[attr-defined]
    finally:
        urllib.request.install_opener(None)  # type: ignore[arg-type]
