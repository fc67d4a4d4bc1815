"""Answer Shopify Admin GraphQL HTTP requests from in-memory ledgers, with no sockets.

``ShopifyBackend`` maps ``POST https://<shop>.myshopify.com/admin/api/<version>/graphql.json``
to the ledger of ``<shop>``, runs the body's ``query`` through ``Ledger.graphql`` at the
URL's version, and answers as Shopify does. ``ledger.httpx_transport`` and
``ledger.requests_adapter`` plug it into real clients.

What it answers ([ours] where Shopify's exact text is unknown):

* no ``X-Shopify-Access-Token``, or one it does not know: 401 with Shopify's
  ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}``;
* an unknown shop, another path, or an unsupported version: 404 ``{"errors": "Not Found"}``;
* a method other than POST: 405; a body that is not JSON with a string ``query``: 400 with
  Shopify's ``{"errors": {"query": "Required parameter missing or invalid"}}``;
* a token whose scopes lack ``write_inventory`` (mutations) or ``read_inventory`` /
  ``write_inventory`` (queries): 200 with an ``ACCESS_DENIED`` error per denied root field,
  that field ``null`` in ``data``, and nothing run;
* a response whose errors say ``THROTTLED``: 429; everything else: 200, with the
  ``X-Shopify-API-Version`` header naming the version used.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger.versions import SUPPORTED

if TYPE_CHECKING:
    from ledger.api import Ledger

_URL: Final = re.compile(
    r"https://(?P<shop>[a-z0-9][a-z0-9-]*)\.myshopify\.com/admin/api/(?P<version>[^/]+)"
    r"/graphql\.json(?:\?.*)?"
)
# An error message, not a credential.
INVALID_TOKEN: Final = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105, E501
ACCESS_SCOPES_DOCUMENTATION: Final = "https://shopify.dev/api/usage/access-scopes"
#: Every scope, for a token registered without a list.
ALL_SCOPES: Final = frozenset({"read_inventory", "write_inventory"})

#: Runs one GraphQL request: (ledger, query, variables, operation name, version) -> body.
Executor = Callable[["Ledger", str, Any, "str | None", str], dict[str, Any]]


def _graphql(
    ledger: Ledger, query: str, variables: Any, operation_name: str | None, version: str
) -> dict[str, Any]:
    return ledger.graphql(query, variables, operation_name=operation_name, api_version=version)


@attrs.frozen
class HttpResponse:
    """An HTTP response: status, headers and a JSON body as bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def json(self) -> Any:
        """Return the body decoded from JSON."""
        return json.loads(self.body)


def _response(status: int, body: object, version: str | None = None) -> HttpResponse:
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if version is not None:
        headers.append(("X-Shopify-API-Version", version))
    return HttpResponse(status, tuple(headers), json.dumps(body).encode())


@attrs.frozen
class _RootField:
    name: str
    key: str
    line: int
    column: int


@functools.lru_cache(maxsize=256)
def _root_fields(query: str, operation_name: str | None) -> tuple[str, tuple[_RootField, ...]]:
    """Return the operation type and root fields of the operation a request runs.

    Raises ``ValueError`` when the document does not parse or names no such operation; the
    GraphQL layer then reports that itself.
    """
    from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

    try:
        document = parse(query)
    except GraphQLSyntaxError as e:
        raise ValueError(str(e)) from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations
              if operation_name is None or (o.name is not None and o.name.value == operation_name)]
    if len(chosen) != 1:
        raise ValueError("no single operation to run")
    operation = chosen[0]
    fields = []
    for selection in operation.selection_set.selections:
        name = getattr(selection, "name", None)
        if name is None or name.value.startswith("__"):
            continue  # fragments are resolved by the GraphQL layer; introspection is free
        alias = getattr(selection, "alias", None)
        loc = selection.loc
        line, column = (loc.source.get_location(loc.start).line,
                        loc.source.get_location(loc.start).column) if loc else (0, 0)
        fields.append(_RootField(name.value, alias.value if alias else name.value, line, column))
    return operation.operation.value, tuple(fields)


class ShopifyBackend:
    """One ledger per shop, behind Shopify's Admin GraphQL HTTP endpoint.

    ``tokens`` maps each access token to its scopes; ``None`` accepts any non-empty token
    with every scope. ``executor`` runs a GraphQL request (default: ``Ledger.graphql``).
    """

    def __init__(
        self,
        shops: Mapping[str, Ledger] | None = None,
        *,
        tokens: Mapping[str, Iterable[str]] | None = None,
        executor: Executor = _graphql,
    ) -> None:
        self.shops: dict[str, Ledger] = dict(shops or {})
        self.tokens = (
            {token: frozenset(scopes) for token, scopes in tokens.items()}
            if tokens is not None else None
        )
        self._execute = executor

    def add_shop(self, shop: str, ledger: Ledger) -> None:
        """Serve ``ledger`` as ``<shop>.myshopify.com``."""
        self.shops[shop] = ledger

    def _scopes(self, token: str | None) -> frozenset[str] | None:
        if not token:
            return None
        if self.tokens is None:
            return ALL_SCOPES
        return self.tokens.get(token)

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> HttpResponse:
        """Answer one HTTP request as Shopify's Admin GraphQL endpoint would."""
        match = _URL.fullmatch(url)
        token = next((v for k, v in headers.items() if k.lower() == "x-shopify-access-token"),
                     None)
        if match is None or match["shop"] not in self.shops:
            return _response(404, {"errors": "Not Found"})
        scopes = self._scopes(token)
        if scopes is None:
            return _response(401, {"errors": INVALID_TOKEN})
        version = match["version"]
        if version not in SUPPORTED:
            return _response(404, {"errors": "Not Found"})
        if method.upper() != "POST":
            return _response(405, {"errors": "Method Not Allowed"}, version)
        try:
            payload = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError):
            payload = None  # not JSON, or nested too deeply to read: a 400 below
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str):
            return _response(400, {"errors": {"query": "Required parameter missing or invalid"}},
                             version)
        assert isinstance(payload, dict)  # noqa: S101 -- narrowed by the query check above
        operation_name = payload.get("operationName")
        if not isinstance(operation_name, str):
            operation_name = None
        denied = self._denied(query, operation_name, scopes)
        if denied is not None:
            return _response(200, denied, version)
        result = self._execute(self.shops[match["shop"]], query, payload.get("variables"),
                               operation_name, version)
        throttled = any(
            isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
            for e in result.get("errors", [])
        )
        return _response(429 if throttled else 200, result, version)

    @staticmethod
    def _denied(query: str, operation_name: str | None,
                scopes: frozenset[str]) -> dict[str, Any] | None:
        try:
            kind, fields = _root_fields(query, operation_name)
        except ValueError:
            return None
        if kind == "mutation":
            needed, allowed = "write_inventory", {"write_inventory"}
        else:
            needed, allowed = "read_inventory", {"read_inventory", "write_inventory"}
        if scopes & allowed or not fields:
            return None
        access = f"`{needed}` access scope."
        return {
            "errors": [
                {
                    "message": f"Access denied for {f.name} field. Required access: {access}",
                    "locations": [{"line": f.line, "column": f.column}],
                    "extensions": {"code": "ACCESS_DENIED",
                                   "documentation": ACCESS_SCOPES_DOCUMENTATION,
                                   "requiredAccess": access},
                    "path": [f.key],
                }
                for f in fields
            ],
            "data": {f.key: None for f in fields},
        }
