"""Answer Shopify Admin GraphQL HTTP requests from in-memory ledgers, with no sockets.

``ShopifyBackend`` maps ``POST https://<shop>.myshopify.com/admin/api/<version>/graphql.json``
to the ledger of ``<shop>``, runs the body's ``query`` through ``Ledger.graphql`` at the
URL's version, and answers as Shopify does. ``ledger.httpx_transport`` and
``ledger.requests_adapter`` plug it into real clients. Part of the Shopify adapter
(``ledger.shopify``); graphql-core is imported only when a request reaches GraphQL.

What it answers ([ours] where Shopify's exact text is unknown):

* no ``X-Shopify-Access-Token``, one it does not know, or one that belongs to another shop:
  401 with Shopify's
  ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}``;
* an unknown shop or another path: 404 ``{"errors": "Not Found"}``;
* the URL's version (``served_version``): a supported version is served as itself; a stable
  version Shopify has retired falls forward to the oldest supported version, as Shopify's
  "About Shopify API versioning" (shopify.dev) says ("if your app uses a stable version
  that is no longer supported, then Shopify falls forward and responds to your request with
  the same behaviour as the oldest supported stable version"), and the response's
  ``X-Shopify-API-Version`` header names the version that served it (the version "that was
  used to execute each API request"); a version that never existed (not a quarterly
  ``YYYY-01/04/07/10`` name, before 2019-04, after the newest supported, ``unstable``): 404
  ``{"errors": "Not Found"}`` ([ours]: Shopify documents no answer for it);
* a method other than POST: 405; a body over ``MAX_BODY_BYTES`` (4 MiB): 413
  ``{"errors": "Request Entity Too Large"}``, before it is read as JSON ([ours]: Shopify
  publishes no limit); a body that is not JSON with a string ``query``: 400 with Shopify's
  ``{"errors": {"query": "Required parameter missing or invalid"}}``;
* a token whose scopes lack ``write_inventory`` (mutations) or ``read_inventory`` /
  ``write_inventory`` (queries): 200 with an ``ACCESS_DENIED`` error per denied root field,
  that field ``null`` in ``data``, and nothing run. The root fields are those execution
  would run (``graphql_api.root_fields``: inline fragments typed or not, named fragments,
  ``@skip``/``@include`` with the request's variables), so no fragment hides a mutation; a
  field left out by ``@skip``/``@include`` runs nothing and needs no scope;
* a response whose errors say ``THROTTLED``: 429; everything else: 200, with the
  ``X-Shopify-API-Version`` header naming the version used.

Every response that reaches GraphQL (200 and 429) carries Shopify's ``extensions.cost``:
``requestedQueryCost`` and ``actualQueryCost`` as ``ledger.shopify.cost`` computes them, and
the shop's ``throttleStatus`` (``maximumAvailable``, ``currentlyAvailable``, ``restoreRate``).
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
request is charged like any that ran, and a request that never reaches execution (it does
not parse or validate, exceeds a bound of ``ledger.shopify.analysis``, or has invalid
variables) gets that error, whatever the token's scopes.

Tokens belong to shops, as Shopify's do. ``add_shop(shop, ledger, tokens={token: scopes})``
gives ``shop`` its own tokens: they open that shop only, and one of them presented on
another shop's URL is a 401 there. ``ShopifyBackend(tokens={token: scopes})`` lists tokens
valid on every shop served (the older form, kept); a token may not be both. With neither
(``tokens=None`` and a shop without tokens of its own) any non-empty token is accepted with
every scope, except one that belongs to another shop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger.core.errors import THROTTLED_DOCUMENTATION, THROTTLED_MESSAGE
from ledger.core.versions import SUPPORTED

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

#: Shopify's first stable API version: versioning began with 2019-04.
FIRST_VERSION: Final = "2019-04"
_RELEASE: Final = re.compile(r"[0-9]{4}-(?:01|04|07|10)")


def served_version(requested: str) -> str | None:
    """Return the version that serves a request to ``requested``, or ``None`` (a 404).

    A supported version serves itself; a retired stable release (a quarterly name from
    ``FIRST_VERSION`` up to the oldest supported version) falls forward to the oldest
    supported version, as Shopify's do; anything else never existed ([ours]: a 404).
    """
    if requested in SUPPORTED:
        return requested
    if _RELEASE.fullmatch(requested) and FIRST_VERSION <= requested < SUPPORTED[0]:
        return SUPPORTED[0]
    return None


#: Runs one GraphQL request: (ledger, query, variables, operation name, version) -> body.
Executor = Callable[["Ledger", str, Any, "str | None", str], dict[str, Any]]


def _graphql(
    ledger: Ledger, query: str, variables: Any, operation_name: str | None, version: str
) -> dict[str, Any]:
    """Run a request as ``Ledger.graphql`` does, less the cost maximum the backend applied."""
    from ledger.shopify import graphql_api

    return graphql_api.run(ledger, query, variables if isinstance(variables, Mapping) else None,
                           operation_name=operation_name, api_version=version, max_cost=None)


#: Shopify's single-query maximum (``ledger.shopify.cost.MAX_QUERY_COST``; that module needs
#: graphql-core, which this one imports only when a request reaches GraphQL).
MAX_QUERY_COST: Final = 1000
#: The largest request body read ([ours]): room for a query at ``analysis``'s byte limit
#: (1 MiB) escaped as JSON, with its variables.
MAX_BODY_BYTES: Final = 4 << 20


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
        from ledger.core.errors import INTERNAL_ERROR_MESSAGE

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


class ShopifyBackend:
    """One ledger per shop, behind Shopify's Admin GraphQL HTTP endpoint.

    ``tokens`` maps access tokens valid on every shop to their scopes; ``add_shop(...,
    tokens=)`` gives a shop tokens of its own; ``None`` and no shop tokens accept any
    non-empty token with every scope. ``executor`` runs a GraphQL request (default:
    ``Ledger.graphql`` without its cost maximum, which the backend applies itself).
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
        #: Each shop's own tokens and their scopes.
        self.shop_tokens: dict[str, dict[str, frozenset[str]]] = {}
        for shop, ledger in (shops or {}).items():
            self.add_shop(shop, ledger)

    def add_shop(
        self, shop: str, ledger: Ledger, *, bucket: Bucket | None = None,
        tokens: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Serve ``ledger`` as ``<shop>.myshopify.com``, with a full ``bucket`` of its own.

        ``tokens`` maps the shop's own access tokens to their scopes: they open this shop
        only. A token already valid on every shop (``ShopifyBackend(tokens=)``) cannot also
        belong to one (``ValueError``).
        """
        own = {token: frozenset(scopes) for token, scopes in (tokens or {}).items()}
        shared = set(own) & set(self.tokens or {})
        if shared:
            raise ValueError(f"tokens valid on every shop cannot belong to {shop!r}: "
                             f"{sorted(shared)}")
        self.shops[shop] = ledger
        self.buckets[shop] = bucket if bucket is not None else self._default_bucket
        self._levels[shop] = _Level(self.buckets[shop].maximum)
        self.shop_tokens[shop] = own

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

    def _scopes(self, shop: str, token: str | None) -> frozenset[str] | None:
        """The scopes ``token`` has on ``shop``; ``None``: not a token of this shop (401)."""
        if not token:
            return None
        own = self.shop_tokens.get(shop, {})
        if token in own:
            return own[token]
        if self.tokens is not None:
            return self.tokens.get(token)
        if own or any(token in tokens for tokens in self.shop_tokens.values()):
            return None  # the shop lists its tokens, or the token is another shop's
        return ALL_SCOPES

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> HttpResponse:
        """Answer one HTTP request as Shopify's Admin GraphQL endpoint would."""
        match = _URL.fullmatch(url)
        token = next((v for k, v in headers.items() if k.lower() == "x-shopify-access-token"),
                     None)
        if match is None or match["shop"] not in self.shops:
            return _response(404, {"errors": "Not Found"})
        scopes = self._scopes(match["shop"], token)
        if scopes is None:
            return _response(401, {"errors": INVALID_TOKEN})
        version = served_version(match["version"])
        if version is None:
            return _response(404, {"errors": "Not Found"})
        if method.upper() != "POST":
            return _response(405, {"errors": "Method Not Allowed"}, version)
        if body is not None and len(body) > MAX_BODY_BYTES:
            return _response(413, {"errors": "Request Entity Too Large"}, version)
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
        from ledger.shopify import cost  # needs graphql-core, as running the request does

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
        result = self._denied(query, given, operation_name, version, scopes)
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
    def _denied(query: str, variables: Mapping[str, Any] | None, operation_name: str | None,
                version: str, scopes: frozenset[str]) -> dict[str, Any] | None:
        """The ``ACCESS_DENIED`` body for a request the token may not run, else ``None``."""
        from ledger.core.versions import era_of
        from ledger.shopify import graphql_api

        found = graphql_api.root_fields(era_of(version), query, variables, operation_name)
        if found is None:
            return None  # it never reaches execution: the executor says why
        kind, fields = found
        if kind == "mutation":
            needed, allowed = "write_inventory", {"write_inventory"}
        else:
            needed, allowed = "read_inventory", {"read_inventory", "write_inventory"}
        if scopes & allowed or not fields:
            return None
        access = f"`{needed}` access scope."
        errors = []
        for key, node in fields:
            loc = node.loc
            where = loc.source.get_location(loc.start) if loc is not None else None
            errors.append({
                "message": f"Access denied for {node.name.value} field. "
                           f"Required access: {access}",
                "locations": [{"line": where.line, "column": where.column}] if where else [],
                "extensions": {"code": "ACCESS_DENIED",
                               "documentation": ACCESS_SCOPES_DOCUMENTATION,
                               "requiredAccess": access},
                "path": [key],
            })
        return {"errors": errors, "data": {key: None for key, _ in fields}}
