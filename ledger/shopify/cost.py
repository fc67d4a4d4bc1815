"""Shopify's calculated query cost: what a GraphQL request costs before and after it runs.

Shopify answers every Admin GraphQL request with ``extensions.cost``: ``requestedQueryCost``
(a static analysis of the document, charged before it runs) and ``actualQueryCost`` (the
same analysis over what was returned; the difference is refunded). This module computes
both from the documents ``ledger.shopify.analysis`` already parses, validates and caches,
against the schema of the request's API era (``ledger.shopify.schema``). ``ShopifyBackend``
(``ledger.shopify.http``) puts them in its responses and drives its leaky bucket with them.

Part of the Shopify adapter's GraphQL front (``ledger.shopify``), on graphql-core: above
``ledger.shopify.analysis`` and below the execution (``ledger.shopify.graphql_api``). It also
holds ``findings``, what the analysis-time bounds find in one request (the 250 limits of
``analysis.argument_errors``, the depth, the requested cost), cached once per document,
operation and the variables the bounds read: the cost is one of them, and the execution and
``requested_cost`` read the same cache.

Rules implemented, from shopify.dev "GraphQL Admin API rate limits"
(docs/apps/build/apis/graphql-admin/rate-limits: a field costs by what it returns, scalar
and enum 0, object 1, interface and union the maximum of the possible selections; the
leaky bucket) and Shopify Engineering's "Rate Limiting GraphQL APIs by Calculating Query
Complexity" (a connection costs 2 plus the objects it returns, a mutation 10; the requested
cost is charged before the query runs and the difference to the actual cost refunded):

* a field returning a scalar or an enum costs 0; one returning an object costs 1, plus the
  cost of what is selected inside it;
* a field returning an interface or a union costs 1 plus the *maximum*, over the object
  types it may return, of what the selection costs on that type (fragments and inline
  fragments count only on the types they apply to);
* a connection (a type named ``...Connection``) costs 2 plus its page size times the cost
  of one item: each ``nodes`` element and each ``edges { node }`` is an object (1 plus its
  selection); the edge itself, ``cursor`` and ``pageInfo`` are within the 2;
* a mutation's root field costs 10;
* the requested cost sizes each connection by its ``first``/``last`` argument (a literal,
  a variable, or the variable's default); the actual cost walks the response's ``data`` and
  sizes each connection by the items it returned, so it never exceeds the requested cost;
* fragments are expanded where they are spread; aliases are separate fields, each costed;
  the same response key selected twice is merged into one field, as GraphQL executes it;
  ``@skip``/``@include`` are honoured. The analysis is memoised per (type, selection), so a
  fragment spread many times is costed once and the work stays linear in the document, even
  when the cost doubles with each level of fragments (the cost itself is exact);
* a single request may not cost more than 1000 (``MAX_QUERY_COST``): Shopify refuses it,
  before it runs, with ``MAX_COST_EXCEEDED`` (``max_cost_exceeded_body``).

Choices where Shopify publishes no rule ([ours]):

* Introspection (``__typename``, ``__schema``, ``__type``) costs 0.
* A mutation's root field costs 10 flat, its whole payload included: the article prices
  "a mutation" at 10 and says nothing of its payload.
* A list of objects that is not a connection (``userErrors``, ``changes``, ``quantities``,
  ``nodes(ids:)``) costs as one object: its length is not known before it runs. The actual
  cost takes its costliest element, so actual never exceeds requested.
* A connection given both ``first`` and ``last`` is sized by the smaller (our pages never
  hold more); one given neither is sized 0 (it fails with "you must provide one of first or
  last"), as is a size that is not a non-negative integer.
* Selecting both ``nodes`` and ``edges { node }`` on one connection counts both.
* In the actual cost a field that came back ``null`` costs its own 1 (or 2, or 10), and one
  absent from ``data`` (never resolved) costs 0; a body without ``data`` costs 0.
* A document that does not parse, does not validate, exceeds one of the bounds of
  ``ledger.shopify.analysis`` (bytes, tokens, nesting, depth, the 250 limits of arguments),
  or names no single operation to run costs 0, requested and actual: it is refused before
  anything runs.
* The ``MAX_COST_EXCEEDED`` error: its message and ``extensions`` (``cost``, ``maxCost``,
  ``documentation``) are those of Shopify responses recorded in public client test
  suites; shopify.dev's pages at hand do not quote them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple, TypeAlias

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)

from ledger.core.versions import DEFAULT, Era, era_of
from ledger.shopify._graphql_compat import ast_list
from ledger.shopify.analysis import (
    CACHE_SIZE,
    MAX_DEPTH,
    Length,
    argument_errors,
    collect_fields,
    document,
    effective_variables,
    fragment_definitions,
    given_variables,
    query_depth,
    validated,
)
from ledger.shopify.schema import schema

#: A field returning an object (or an interface or union) costs this, plus its selection.
OBJECT_COST: Final = 1
#: A connection costs this plus its page size times the cost of one item.
CONNECTION_COST: Final = 2
#: A mutation's root field costs this, payload included.
MUTATION_COST: Final = 10
#: Shopify's single-query maximum cost: a request over it gets ``MAX_COST_EXCEEDED`` and
#: nothing runs.
MAX_QUERY_COST: Final = 1000
MAX_COST_DOCUMENTATION: Final = "https://shopify.dev/api/usage/limits#rate-limits"


def max_cost_exceeded_body(cost: int, maximum: int = MAX_QUERY_COST) -> dict[str, Any]:
    """Return Shopify's body for a request whose requested cost is over ``maximum``."""
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({maximum}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how "
        "the\ncost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used "
        "instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api "
        "for usage details.\n"
    )
    return {"errors": [{
        "message": message,
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": maximum,
                       "documentation": MAX_COST_DOCUMENTATION},
    }]}


def requested_cost(
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    api_version: str = DEFAULT,
) -> int:
    """Return the requested cost of ``query``: its static analysis, before it runs."""
    if not isinstance(query, str):
        return 0
    found = findings(era_of(api_version), query, operation_name, variables)
    return found.cost if found is not None else 0  # cached with the other bounds


def actual_cost(
    query: str,
    body: Mapping[str, Any],
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    api_version: str = DEFAULT,
) -> int:
    """Return the actual cost of ``query`` given the response ``body`` it produced."""
    data = body.get("data")
    if not isinstance(data, Mapping):
        return 0
    walker = _walker(query, variables, operation_name, api_version)
    return walker.actual(data) if walker is not None else 0


def operation_cost(
    era: Era,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Return the requested cost of an operation already validated and bounded.

    ``variables`` as ``ledger.shopify.analysis.effective_variables`` gives them.
    """
    return _Walker(schema(era), operation, fragments, variables).requested()


# ---------------------------------------------------------------------- findings


class Findings(NamedTuple):
    """What the bounds found in the operation a request runs (``findings``)."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    #: The 250-limit errors (``argument_errors``).
    over: tuple[dict[str, Any], ...]
    #: The depth graphql-ruby counts (``query_depth``).
    depth: int
    #: The requested cost (``operation_cost``); 0 for an operation over a bound.
    cost: int


def findings(
    era: Era, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
) -> Findings | None:
    """Return the bounds' findings for a request, or ``None`` if it names no valid operation.

    Cached per document, operation and what the bounds read of the variables (a list's
    length, a Boolean's or an Int's value, whether one is given), so a document sent again
    with other inputs, or other keys, costs a lookup.
    """
    doc, errors = validated(era, query)
    if doc is None or errors:
        return None
    given = given_variables(variables)
    read = []
    for name in _variables_read(query):  # a plain loop: a generator is a frame of its own
        read.append(_frozen(name, given))
    return _findings_in(era)(query, operation_name, tuple(read))


_FindingsOf: TypeAlias = Callable[
    [str, "str | None", tuple[tuple[str, str, Any], ...]], "Findings | None"]
#: ``_findings`` per era, by ``id(era)`` (kept with the era): hashing an ``Era`` costs
#: ~1.7 µs, more than the rest of a cached look-up.
_FINDINGS: dict[int, tuple[Era, _FindingsOf]] = {}


def _findings_in(era: Era) -> _FindingsOf:
    entry = _FINDINGS.get(id(era))
    if entry is None or entry[0] is not era:
        entry = _FINDINGS[id(era)] = (
            era, functools.lru_cache(maxsize=CACHE_SIZE)(functools.partial(_findings, era)))
    return entry[1]


def _frozen(name: str, given: Mapping[str, Any]) -> tuple[str, str, Any]:
    if name not in given:
        return name, "absent", None
    value = given[name]
    if isinstance(value, list):
        return name, "list", len(value)
    if value is None or isinstance(value, bool | int):
        return name, type(value).__name__, value  # the type keeps True and 1 apart
    # The bounds read no string, float or object: keep none in the cache key.
    return name, "other", None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _variables_read(query: str) -> tuple[str, ...]:
    """The variables the bounds may read: arguments' own values, ``@skip``/``@include``'s."""
    parsed = document(query)
    names: set[str] = set()
    if isinstance(parsed, GraphQLSyntaxError):  # pragma: no cover - callers validated it
        return ()
    stack = [d.selection_set for d in parsed.definitions
             if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while stack:
        for selection in stack.pop().selections:
            for directive in ast_list(getattr(selection, "directives", None)):
                if directive.name.value in ("skip", "include"):
                    names.update(a.value.name.value for a in ast_list(directive.arguments)
                                 if isinstance(a.value, VariableNode))
            if isinstance(selection, FieldNode):
                names.update(a.value.name.value for a in ast_list(selection.arguments)
                             if isinstance(a.value, VariableNode))
            below = getattr(selection, "selection_set", None)
            if isinstance(below, SelectionSetNode):
                stack.append(below)
    return tuple(sorted(names))


def _findings(
    era: Era, query: str, operation_name: str | None, key: tuple[tuple[str, str, Any], ...]
) -> Findings | None:
    parsed = document(query)
    if isinstance(parsed, GraphQLSyntaxError):  # pragma: no cover - callers validated it
        return None
    operation = get_operation_ast(parsed, operation_name)
    if operation is None:
        return None
    read: dict[str, Any] = {}
    for name, kind, value in key:
        if kind != "absent":
            read[name] = Length(value) if kind == "list" else {} if kind == "other" else value
    fragments = fragment_definitions(parsed)
    effective = effective_variables(operation, read)
    over = tuple(argument_errors(schema(era), operation, fragments, effective))
    deep = query_depth(operation, fragments, effective)
    requested = (0 if over or deep > MAX_DEPTH
                 else operation_cost(era, operation, fragments, effective))
    return Findings(operation, fragments, over, deep, requested)


def _walker(
    query: str, variables: Mapping[str, Any] | None, operation_name: str | None,
    api_version: str,
) -> _Walker | None:
    """Return a walker over the operation ``query`` runs, or ``None`` if nothing runs."""
    if not isinstance(query, str):
        return None
    era = era_of(api_version)
    found = findings(era, query, operation_name, variables)
    if found is None or found.over or found.depth > MAX_DEPTH:
        return None  # invalid, refused by a bound, or no such operation: nothing runs
    given = effective_variables(found.operation, variables)
    return _Walker(schema(era), found.operation, found.fragments, given)


def _is_list(t: Any) -> bool:
    return is_list_type(t) or (is_non_null_type(t) and is_list_type(t.of_type))


def _is_connection(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and t.name.endswith("Connection")


#: A memo key: a type's name and the identities of the selection sets costed on it.
_Key = tuple[str, tuple[int, ...]]


class _Walker:
    """Costs one operation of a validated document against its era's schema.

    ``visits`` counts the selections collected, a measure of the work done (tests bound it).
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = dict(variables)
        self._fields: dict[_Key, dict[str, list[FieldNode]]] = {}
        self._costs: dict[_Key, int] = {}
        self._item_costs: dict[_Key, int] = {}
        self.visits = 0

    def _root(self) -> GraphQLObjectType | None:
        if self.operation.operation.value == "mutation":
            return self.schema.mutation_type
        if self.operation.operation.value == "query":
            return self.schema.query_type
        return None  # no subscriptions in this schema

    def requested(self) -> int:
        """Return the requested cost of the operation."""
        root = self._root()
        if root is None:
            return 0
        fields = self._collect(root, [self.operation.selection_set])
        if self.operation.operation.value == "mutation":
            return sum(MUTATION_COST for _ in self._defined(root, fields))
        return self._selection(root, [self.operation.selection_set])

    def actual(self, data: Mapping[str, Any]) -> int:
        """Return the actual cost of the operation, given the ``data`` it returned."""
        root = self._root()
        if root is None:
            return 0
        sets = [self.operation.selection_set]
        if self.operation.operation.value == "mutation":
            fields = self._collect(root, sets)
            return sum(MUTATION_COST for key, _ in self._defined(root, fields) if key in data)
        return self._selection(root, sets, data)

    # ------------------------------------------------------------------ selections

    def _defined(
        self, object_type: GraphQLObjectType, fields: Mapping[str, list[FieldNode]]
    ) -> Iterable[tuple[str, GraphQLField]]:
        """Yield each response key with its field definition, introspection left out."""
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name.startswith("__"):
                continue  # introspection is free [ours]
            definition = object_type.fields.get(name)
            if definition is not None:
                yield key, definition

    def _selection(
        self, object_type: GraphQLObjectType, sets: Sequence[SelectionSetNode],
        data: Mapping[str, Any] | None = None,
    ) -> int:
        """Cost of ``sets`` on ``object_type``; with ``data``, of what it returned."""
        key = (object_type.name, tuple(map(id, sets)))
        if data is None and key in self._costs:
            return self._costs[key]
        fields = self._collect(object_type, sets)
        total = 0
        for response_key, definition in self._defined(object_type, fields):
            nodes = fields[response_key]
            if data is None:
                total += self._field(definition, nodes)
            elif response_key in data:
                total += self._field(definition, nodes, data[response_key], actual=True)
        if data is None:
            self._costs[key] = total
        return total

    def _field(
        self, definition: GraphQLField, nodes: list[FieldNode], value: Any = None,
        *, actual: bool = False,
    ) -> int:
        """Cost of one field (all its nodes merged); ``actual``: of its returned ``value``."""
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        sub = [n.selection_set for n in nodes if n.selection_set is not None]
        if _is_connection(named):
            assert isinstance(named, GraphQLObjectType)  # noqa: S101 -- _is_connection says so
            if not actual:
                return CONNECTION_COST + self._size(nodes[0]) * self._item(named, sub)
            if not isinstance(value, Mapping):
                return CONNECTION_COST if value is None else 0
            return CONNECTION_COST + self._items(named, sub, value)
        if actual and value is None:
            return OBJECT_COST
        if actual and _is_list(definition.type):
            elements = [v for v in value if isinstance(v, Mapping)] if isinstance(
                value, list) else []
            # A plain list costs as one object [ours]: its costliest element.
            return OBJECT_COST + max(
                (self._composite(named, sub, v) for v in elements), default=0)
        return OBJECT_COST + self._composite(
            named, sub, value if isinstance(value, Mapping) else None)

    def _composite(
        self, named: Any, sub: Sequence[SelectionSetNode], data: Mapping[str, Any] | None,
    ) -> int:
        """Cost of the selection inside an object, or the most over an abstract type's types."""
        if isinstance(named, GraphQLObjectType):
            return self._selection(named, sub, data)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return max((self._selection(t, sub, data)
                        for t in self.schema.get_possible_types(named)), default=0)
        return 0  # pragma: no cover - no other composite types exist

    def _item(self, connection: GraphQLObjectType, sub: Sequence[SelectionSetNode]) -> int:
        """Requested cost of one item of a connection: its ``nodes`` and ``edges { node }``."""
        memo_key = (connection.name, tuple(map(id, sub)))
        if memo_key in self._item_costs:
            return self._item_costs[memo_key]
        total = 0
        fields = self._collect(connection, sub)
        for key, definition in self._defined(connection, fields):
            name = fields[key][0].name.value
            inner = [n.selection_set for n in fields[key] if n.selection_set is not None]
            if name == "nodes":
                total += OBJECT_COST + self._composite(get_named_type(definition.type), inner,
                                                       None)
            elif name == "edges":
                edge = get_named_type(definition.type)
                if isinstance(edge, GraphQLObjectType):
                    total += self._selection(edge, inner)  # the edge is free; its node is not
        self._item_costs[memo_key] = total
        return total

    def _items(
        self, connection: GraphQLObjectType, sub: Sequence[SelectionSetNode],
        value: Mapping[str, Any],
    ) -> int:
        """Actual cost of the items a connection returned."""
        total = 0
        fields = self._collect(connection, sub)
        for key, definition in self._defined(connection, fields):
            name = fields[key][0].name.value
            inner = [n.selection_set for n in fields[key] if n.selection_set is not None]
            items = value.get(key)
            if name not in ("nodes", "edges") or not isinstance(items, list):
                continue  # pageInfo and the connection itself are within its 2
            named = get_named_type(definition.type)
            for item in items:
                if name == "nodes":
                    total += OBJECT_COST if item is None else OBJECT_COST + self._composite(
                        named, inner, item if isinstance(item, Mapping) else None)
                elif isinstance(item, Mapping) and isinstance(named, GraphQLObjectType):
                    total += self._selection(named, inner, item)
        return total

    # ------------------------------------------------------------------ arguments

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        return value_from_ast_untyped(node)

    def _size(self, node: FieldNode) -> int:
        """The page size a connection field asks for (``first``/``last``; [ours] otherwise)."""
        sizes = []
        for argument in ast_list(node.arguments):
            if argument.name.value in ("first", "last") and isinstance(
                argument.value, IntValueNode | VariableNode
            ):
                size = self._value(argument.value)
                if isinstance(size, int) and not isinstance(size, bool):
                    sizes.append(max(size, 0))
        return min(sizes, default=0)

    def _collect(
        self, object_type: GraphQLObjectType, sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Group the fields of ``sets`` that apply to ``object_type`` by response key (memoised)."""
        key = (object_type.name, tuple(map(id, sets)))
        fields = self._fields.get(key)
        if fields is None:
            self.visits += sum(len(s.selections) for s in sets)
            fields = collect_fields(self.schema, self.fragments, self.variables,
                                                object_type, sets)
            self._fields[key] = fields
        return fields
