"""An ``httpx`` transport that answers Shopify Admin GraphQL requests from ledgers.

>>> import httpx
>>> from ledger import Ledger
>>> from ledger.http import ShopifyBackend
>>> backend = ShopifyBackend({"demo": Ledger.example()}, executor=lambda *a: {"data": {}})
>>> client = httpx.Client(transport=LedgerTransport(backend))
>>> client.post("https://demo.myshopify.com/admin/api/2026-04/graphql.json",
...             json={"query": "{ shop { name } }"}).status_code
401
"""

from __future__ import annotations

import httpx

from ledger.shopify.http import HttpResponse, ShopifyBackend


class LedgerTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answer every request of an ``httpx.Client`` or ``AsyncClient`` from a backend."""

    def __init__(self, backend: ShopifyBackend) -> None:
        self.backend = backend

    def _answer(self, request: httpx.Request, content: bytes) -> httpx.Response:
        answer: HttpResponse = self.backend.handle(
            request.method, str(request.url), dict(request.headers), content
        )
        return httpx.Response(answer.status, headers=list(answer.headers),
                              content=answer.body, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request of a synchronous client."""
        return self._answer(request, request.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer a request of an asynchronous client."""
        return self._answer(request, await request.aread())
