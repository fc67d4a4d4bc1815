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

Every response that reaches GraphQL (200 and 429) carries Shopify's ``extensions.cost``:
``requestedQueryCost`` and ``actualQueryCost`` as ``ledger.cost`` computes them, and the
shop's ``throttleStatus`` (``maximumAvailable``, ``currentlyAvailable``, ``restoreRate``).
Each shop has a leaky bucket (``Bucket``: 2000 points, restored at 100 a second by default,
per shop through ``add_shop(..., bucket=)``) that runs on that shop's ledger clock:

* a request whose requested cost is over the single-query maximum (1000) gets Shopify's
  ``MAX_COST_EXCEEDED`` error (200) and nothing runs, whatever the bucket holds;
* ``throttle=False`` (the default, [ours]: a test suite under a frozen clock must not be
  throttled by surprise): nothing is refused, the clock is never read, and
  ``currentlyAvailable`` is a full bucket less this request's actual cost;
* ``throttle=True``: the bucket refills with the clock's time, a request whose requested
  cost is more than it holds gets Shopify's ``THROTTLED`` body (429, ``actualQueryCost``
  ``null``) and nothing runs; otherwise it runs and its actual cost is taken from the
  bucket (Shopify takes the requested cost and refunds the difference: the same, here,
  where requests do not overlap). A clock that goes back restores nothing ([ours]).

Scope checks happen as the fields resolve, as graphql-ruby's do: an ``ACCESS_DENIED``
request is charged like any that ran.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger.errors import THROTTLED_DOCUMENTATION, THROTTLED_MESSAGE
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


#: Shopify's single-query maximum (``ledger.cost.MAX_QUERY_COST``; that module needs
#: graphql-core, which this one imports only when a request reaches GraphQL).
MAX_QUERY_COST: Final = 1000


@attrs.frozen
class Bucket:
    """A shop's leaky bucket: how many points it holds and how many it restores a second."""

    maximum: float = 2000.0
    restore_rate: float = 100.0

    def __attrs_post_init__(self) -> None:
        if self.maximum <= 0 or self.restore_rate < 0:
            raise ValueError(f"a bucket needs a positive size and a rate >= 0, not {self!r}")


@attrs.define
class _Level:
    """What a shop's bucket holds, as of the clock time ``at`` (``None``: not yet read)."""

    available: float
    at: datetime | None = None

    def refill(self, bucket: Bucket, now: datetime) -> None:
        if self.at is not None and now > self.at:
            elapsed = (now - self.at).total_seconds()
            self.available = min(bucket.maximum, self.available + elapsed * bucket.restore_rate)
        self.at = now  # a clock gone back restores nothing, and leaves nothing owed [ours]


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
    """Return a JSON response; its body is always RFC 8259 JSON.

    ``allow_nan=False``: ``json.dumps`` would otherwise write ``NaN``, which no strict client
    parses. The bodies the ledger makes never hold one (``ledger.shopify.echo``), but an
    executor may return anything: a body that is not JSON becomes Shopify's 500
    ``INTERNAL_SERVER_ERROR`` body ([ours]), not a broken response.
    """
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if version is not None:
        headers.append(("X-Shopify-API-Version", version))
    try:
        text = json.dumps(body, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        from ledger.errors import INTERNAL_ERROR_MESSAGE

        status, text = 500, json.dumps({"errors": [{
            "message": INTERNAL_ERROR_MESSAGE, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
    return HttpResponse(status, tuple(headers), text.encode())


def _with_cost(body: Mapping[str, Any], requested: int, actual: int | None,
               status: dict[str, float]) -> dict[str, Any]:
    """Return a copy of ``body`` with Shopify's ``extensions.cost`` added."""
    extensions = body.get("extensions")
    return {**body, "extensions": {
        **(extensions if isinstance(extensions, Mapping) else {}),
        "cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                 "throttleStatus": status},
    }}


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
        throttle: bool = False,
        bucket: Bucket = Bucket(),  # frozen: one default is safe to share
        max_query_cost: int | None = MAX_QUERY_COST,
    ) -> None:
        self.shops: dict[str, Ledger] = {}
        self.tokens = (
            {token: frozenset(scopes) for token, scopes in tokens.items()}
            if tokens is not None else None
        )
        self._execute = executor
        #: Whether a request the bucket cannot pay for is refused (``THROTTLED``).
        self.throttle = throttle
        #: The single-query maximum; ``None`` lets any requested cost through.
        self.max_query_cost = max_query_cost
        self._default_bucket = bucket
        self.buckets: dict[str, Bucket] = {}
        self._levels: dict[str, _Level] = {}
        for shop, ledger in (shops or {}).items():
            self.add_shop(shop, ledger)

    def add_shop(self, shop: str, ledger: Ledger, *, bucket: Bucket | None = None) -> None:
        """Serve ``ledger`` as ``<shop>.myshopify.com``, with a full ``bucket`` of its own."""
        self.shops[shop] = ledger
        self.buckets[shop] = bucket if bucket is not None else self._default_bucket
        self._levels[shop] = _Level(self.buckets[shop].maximum)

    def throttle_status(self, shop: str) -> dict[str, float]:
        """Return ``shop``'s ``throttleStatus`` now (refilled to its clock when enforced)."""
        bucket = self.buckets[shop]
        if not self.throttle:
            return self._status(bucket, bucket.maximum)
        level = self._level_now(shop)
        return self._status(bucket, level.available)

    def _level_now(self, shop: str) -> _Level:
        # The ledger's own clock (Engine._clock), read without the side effects of _now().
        clock: Callable[[], datetime] = self.shops[shop]._clock
        level = self._levels[shop]
        level.refill(self.buckets[shop], clock())
        return level

    @staticmethod
    def _status(bucket: Bucket, available: float) -> dict[str, float]:
        return {"maximumAvailable": float(bucket.maximum),
                "currentlyAvailable": float(available),
                "restoreRate": float(bucket.restore_rate)}

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
        return self._run(match["shop"], query, payload.get("variables"), operation_name,
                         version, scopes)

    def _run(self, shop: str, query: str, variables: Any, operation_name: str | None,
             version: str, scopes: frozenset[str]) -> HttpResponse:
        """Charge, refuse or run one GraphQL request; answer with its ``extensions.cost``."""
        from ledger import cost  # needs graphql-core, as running the request does

        given = variables if isinstance(variables, Mapping) else None
        requested = cost.requested_cost(query, given, operation_name, version)
        bucket = self.buckets[shop]
        if self.max_query_cost is not None and requested > self.max_query_cost:
            available = self._level_now(shop).available if self.throttle else bucket.maximum
            body = cost.max_cost_exceeded_body(requested, self.max_query_cost)
            return _response(200, _with_cost(body, requested, None,
                                              self._status(bucket, available)), version)
        level = self._level_now(shop) if self.throttle else None
        if level is not None and requested > level.available:
            body = {"errors": [{"message": THROTTLED_MESSAGE, "extensions": {
                "code": "THROTTLED", "documentation": THROTTLED_DOCUMENTATION}}]}
            return _response(429, _with_cost(body, requested, None,
                                             self._status(bucket, level.available)), version)
        result = self._denied(query, operation_name, scopes)
        if result is None:
            result = self._execute(self.shops[shop], query, variables, operation_name, version)
        throttled = any(
            isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
            for e in result.get("errors", [])
        )
        # An injected THROTTLED ran nothing: Shopify reports no actual cost for it.
        actual = None if throttled else cost.actual_cost(query, result, given, operation_name,
                                                         version)
        if level is not None:
            level.available -= actual or 0
            available = level.available
        else:
            available = bucket.maximum - (actual or 0)
        return _response(429 if throttled else 200,
                         _with_cost(result, requested, actual, self._status(bucket, available)),
                         version)

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
