"""A ``requests`` transport adapter that answers Shopify Admin GraphQL requests from ledgers.

Mount it on a session: ``session.mount("https://", LedgerAdapter(backend))``.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ledger.shopify.http import ShopifyBackend


class LedgerAdapter(BaseAdapter):
    """Answer every request a ``requests.Session`` sends through it from a backend."""

    def __init__(self, backend: ShopifyBackend) -> None:
        super().__init__()
        self.backend = backend

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Answer one prepared request."""
        body = request.body
        content = body.encode() if isinstance(body, str) else (body or b"")
        answer = self.backend.handle(
            request.method or "GET", request.url or "", dict(request.headers), bytes(content)
        )
        response = requests.Response()
        response.status_code = answer.status
        response.reason = http.HTTPStatus(answer.status).phrase
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response._content = answer.body
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Release nothing: the adapter holds no connections."""
