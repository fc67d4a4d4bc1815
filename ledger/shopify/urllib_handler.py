"""A ``urllib.request`` handler that answers Shopify Admin GraphQL requests from ledgers.

For clients built on ``urllib`` (the official ``ShopifyAPI`` package's ``shopify.GraphQL``
calls ``urllib.request.urlopen``): install an opener holding ``LedgerHandler`` and every
``https://<shop>.myshopify.com/...`` request is answered by a ``ShopifyBackend``, in
process. Any other URL, whatever its scheme, is refused with ``urllib.error.URLError``.
Either way no host name is looked up and no socket is opened: the handler answers in
``default_open``, which the opener calls before any scheme's handler (``HTTPSHandler``,
``ProxyHandler``), and it is ordered first among the opener's handlers.

>>> import json, urllib.request
>>> from ledger import Ledger
>>> from ledger.http import ShopifyBackend
>>> backend = ShopifyBackend()
>>> backend.add_shop("demo", Ledger.example(), tokens={"shpat_demo": ["read_inventory"]})
>>> with installed(backend):
...     request = urllib.request.Request(
...         "https://demo.myshopify.com/admin/api/2026-04/graphql.json",
...         data=json.dumps({"query": "{ location { name } }"}).encode(),
...         headers={"X-Shopify-Access-Token": "shpat_demo",
...                  "Content-Type": "application/json"})
...     with urllib.request.urlopen(request) as response:
...         json.loads(response.read())["data"]
{'location': {'name': 'Shop location'}}

A status other than 2xx reaches the caller as ``urllib.error.HTTPError`` (readable, with
the backend's JSON body), as from Shopify.
"""

from __future__ import annotations

import contextlib
import http
import http.client
import io
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from collections.abc import Iterable, Iterator
from typing import Final

from ledger.shopify.http import ShopifyBackend

#: The host suffix answered from the backend; every other host is refused.
SHOPIFY_HOST_SUFFIX: Final = ".myshopify.com"


class LedgerHandler(urllib.request.BaseHandler):
    """Answer ``https://*.myshopify.com`` requests from a backend; refuse every other URL."""

    # Below every handler urllib adds (ProxyHandler's 100, HTTPSHandler's 500): first in
    # the opener. default_open is asked before any scheme's handler is.
    handler_order = 50

    def __init__(self, backend: ShopifyBackend) -> None:
        self.backend = backend

    def default_open(self, req: urllib.request.Request) -> urllib.response.addinfourl:
        """Answer ``req`` from the backend, or raise ``URLError`` without any network."""
        url = req.full_url
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not host.endswith(SHOPIFY_HOST_SUFFIX):
            raise urllib.error.URLError(
                f"ledger.urllib_handler answers https://<shop>{SHOPIFY_HOST_SUFFIX} only, "
                f"not {url!r} (no network is used)"
            )
        headers = dict(req.header_items())
        answer = self.backend.handle(req.get_method(), url, headers, _body(req.data))
        message = http.client.HTTPMessage()
        for name, value in answer.headers:
            message[name] = value
        response = urllib.response.addinfourl(io.BytesIO(answer.body), message, url,
                                              answer.status)
        # HTTPErrorProcessor reads the reason phrase from ``msg``, as from http.client.
        response.msg = http.HTTPStatus(answer.status).phrase  # type: ignore[attr-defined]
        return response


def _body(data: object) -> bytes:
    """The request body as bytes: urllib accepts bytes, a file object or an iterable of bytes."""
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    read = getattr(data, "read", None)
    if callable(read):
        content = read()
        return content.encode() if isinstance(content, str) else bytes(content)
    if isinstance(data, Iterable):
        return b"".join(bytes(chunk) for chunk in data)
    raise TypeError(f"a request body must be bytes, a file or an iterable, not {data!r}")


def build_opener(backend: ShopifyBackend) -> urllib.request.OpenerDirector:
    """Return an opener whose requests ``LedgerHandler(backend)`` answers, before HTTPS."""
    return urllib.request.build_opener(LedgerHandler(backend))


@contextlib.contextmanager
def installed(backend: ShopifyBackend) -> Iterator[urllib.request.OpenerDirector]:
    """Install ``build_opener(backend)`` for ``urlopen`` for the block; then restore the old.

    ``urllib.request.install_opener`` is process-wide: every thread's ``urlopen`` uses it.
    """
    # urllib keeps the installed opener in a private global and offers no getter.
    previous = getattr(urllib.request, "_opener", None)
    opener = build_opener(backend)
    urllib.request.install_opener(opener)
    try:
        yield opener
    finally:
        urllib.request.install_opener(previous)
