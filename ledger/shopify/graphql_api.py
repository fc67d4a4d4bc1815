"""The GraphQL front: ``Ledger.graphql(query, variables)`` as Shopify's Admin API runs it.

Part of the Shopify adapter (``ledger.shopify``), on graphql-core (the optional ``graphql``
extra); ``Ledger.graphql`` imports this module when it is first called. ``run`` is the
whole request, in graphql-ruby's order (the engine behind Shopify's Admin API), each step
in its module:

1. **size, parse, validate** (``ledger.shopify.analysis.validated``, against the era's
   schema of ``ledger.shopify.schema``) — a document over a size bound, a syntax error or
   static errors (unknown field, unknown directive, ...) in graphql-ruby's wording
   (``ledger.shopify.wording``), no ``data``;
2. **the 250 limits** of arguments (``ledger.shopify.cost.findings``, which runs
   ``analysis.argument_errors``), no ``data``;
3. **variables** — every variable the operation declares is coerced by
   ``ledger.shopify.coercion`` (graphql-ruby's messages, ``INVALID_VARIABLE``), no ``data``;
4. **depth and cost** (``findings`` again: ``MAX_DEPTH``; over ``max_cost``, Shopify's
   ``MAX_COST_EXCEEDED``), no ``data``;
5. **execute** — graphql-core walks the selection (aliases, fragments, ``__typename``);
   reads resolve in ``ledger.shopify.graphql_reads``, and a mutation field runs exactly what
   ``Ledger.execute`` runs (``ledger.shopify.graphql_mutations``).

``root_fields`` gives the root fields a request would run, for the HTTP backend's scope
checks (``ledger.shopify.http``).

Choices where Shopify's behaviour is a guess ([ours]):

* Every error tied to a place in the document carries ``locations`` (graphql-ruby adds them;
  ``Ledger.execute`` has no document, so its bodies omit them). Otherwise a body equals
  ``execute``'s.
* Validation precedes variable coercion, except for one case that semantics §4 settles by
  observation: when the only static errors are ``@idempotent`` being undefined in the era,
  invalid variables are reported first (as ``execute`` does), and the directive only when
  the variables are valid.
* GraphQL's ``Int`` is 32-bit. A quantity or delta past it (reachable only from a snapshot
  whose sums pass two billion) is a field error ``Int cannot represent non 32-bit signed
  integer value`` with ``null`` propagated, as any GraphQL server gives; the call itself
  still ran, and ``execute`` (no GraphQL types) reports the number.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    execute_sync,
    get_operation_ast,
)

from ledger.core.versions import Era, era_of
from ledger.shopify import coercion
from ledger.shopify._graphql_compat import ast_list
from ledger.shopify.analysis import (
    MAX_DEPTH,
    collect_fields,
    depth_error,
    document,
    effective_variables,
    validated,
)
from ledger.shopify.cost import MAX_QUERY_COST, findings, max_cost_exceeded_body
from ledger.shopify.graphql_mutations import Context, FatalError
from ledger.shopify.schema import input_types, schema
from ledger.shopify.wording import locations_of

if TYPE_CHECKING:
    from ledger.api import Ledger


def run(
    ledger: Ledger,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    operation_name: str | None = None,
    api_version: str | None = None,
    max_cost: int | None = MAX_QUERY_COST,
) -> dict[str, Any]:
    """Execute ``query`` against ``ledger``; return the response body Shopify would give.

    ``api_version`` (default: the ledger's) is the version this request speaks. Before
    anything runs, in graphql-ruby's order: the query's size (``MAX_QUERY_BYTES``,
    ``MAX_TOKENS``, ``MAX_NESTING``), parsing, validation, the 250 limits of arguments
    (``argument_errors``), variables, depth (``MAX_DEPTH``, fragments expanded) and the
    requested cost (over ``max_cost``: Shopify's ``MAX_COST_EXCEEDED``; ``None`` lifts it,
    as ``ShopifyBackend`` does when it has charged the request itself). Each is linear in
    the document, and together they bound the work of execution.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    if operation_name is not None and not isinstance(operation_name, str):
        raise TypeError(
            f"operation_name must be a str or None, not {type(operation_name).__name__}"
        )
    era: Era = ledger._era if api_version is None else era_of(api_version)
    doc, errors = validated(era, query)
    given: Mapping[str, Any] = variables if isinstance(variables, Mapping) else {}
    if doc is None:
        first = _coercion_before_directive(era, query, errors, given, operation_name)
        if first:
            return {"errors": first}
        return {"errors": copy.deepcopy(list(errors))}  # the cached errors stay untouched
    operation = get_operation_ast(doc, operation_name)
    if operation is None:
        if operation_name is not None:
            message = f'No operation named "{operation_name}"'
        else:
            message = "An operation name is required"
        return {"errors": [{"message": message}]}
    found = findings(era, query, operation_name, given)
    if found is None:  # pragma: no cover - the document validated and names the operation
        raise AssertionError("no analysis of a valid operation")
    if found.over:
        return {"errors": copy.deepcopy(list(found.over))}  # the cached errors stay untouched
    variable_errors = _coerce_variables(era, operation, given)
    if variable_errors:
        return {"errors": variable_errors}
    if found.depth > MAX_DEPTH:
        return {"errors": [depth_error(found.depth)]}
    if max_cost is not None and found.cost > max_cost:
        return max_cost_exceeded_body(found.cost, max_cost)
    context = Context(ledger, era, api_version, given)
    result: ExecutionResult = execute_sync(
        schema(era), doc, context_value=context, variable_values=dict(given),
        operation_name=operation_name,
    )
    for error in result.errors or ():
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError | FatalError):
            raise original  # a programmer error (say, a broken clock), as execute() raises
    if context.fatal:
        return {"errors": context.fatal}
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    body["data"] = result.data
    return body


def root_fields(
    era: Era, query: str, variables: Mapping[str, Any] | None, operation_name: str | None
) -> tuple[str, list[tuple[str, FieldNode]]] | None:
    """Return the operation type and the root fields a request would run, by response key.

    The fields execution would resolve (``collect_fields``: fragments, ``@skip``/``@include``
    with the request's variables), introspection left out, each with its first node; or
    ``None`` when the request never reaches execution (it does not parse or validate, names
    no operation, exceeds a bound or has invalid variables: ``run`` reports that instead).
    """
    if not isinstance(query, str):
        return None
    given = variables if isinstance(variables, Mapping) else {}
    found = findings(era, query, operation_name, given)
    if found is None or found.over or found.depth > MAX_DEPTH:
        return None
    operation, fragments = found.operation, found.fragments
    if _coerce_variables(era, operation, given):
        return None
    effective = effective_variables(operation, given)
    s = schema(era)
    kind = operation.operation.value
    root = s.mutation_type if kind == "mutation" else s.query_type
    if root is None:  # pragma: no cover - the schema defines both
        return None
    fields = collect_fields(s, fragments, effective, root, [operation.selection_set])
    return kind, [(key, nodes[0]) for key, nodes in fields.items()
                  if not nodes[0].name.value.startswith("__")]


def _coercion_before_directive(
    era: Era,
    query: str,
    errors: tuple[dict[str, Any], ...],
    given: Mapping[str, Any],
    operation_name: str | None,
) -> list[dict[str, Any]]:
    """Return variable-coercion errors that outrank an undefined ``@idempotent``, if any.

    Semantics §4 (observed): coercion is reported before the directive, and only the first
    failing stage. So when the document's only static errors are ``@idempotent`` being
    undefined in this era, invalid variables are reported instead, as ``execute`` does.
    """
    if not errors or not all(
        (e.get("extensions") or {}).get("code") == "undefinedDirective"
        and (e.get("extensions") or {}).get("directiveName") == "idempotent"
        for e in errors
    ):
        return []
    parsed = document(query)
    if isinstance(parsed, GraphQLSyntaxError):
        return []
    operation = get_operation_ast(parsed, operation_name)
    return _coerce_variables(era, operation, given) if operation is not None else []


def _type_ref(node: TypeNode, named: Mapping[str, coercion.TypeRef]) -> coercion.TypeRef | None:
    if isinstance(node, NonNullTypeNode):
        inner = _type_ref(node.type, named)
        return coercion.NonNull(inner) if inner is not None else None
    if isinstance(node, ListTypeNode):
        inner = _type_ref(node.type, named)
        return coercion.ListOf(inner) if inner is not None else None
    if isinstance(node, NamedTypeNode):
        return named.get(node.name.value)
    return None  # pragma: no cover - no other type nodes exist


def _coerce_variables(
    era: Era, operation: OperationDefinitionNode, given: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Coerce each declared variable with the codec; return graphql-ruby's error bodies.

    The codec's ``coerce_variables`` works per mutation with fixed variable names; here the
    document declares the names, so its per-variable steps run on each declared variable.
    """
    named = input_types(era)
    errors: list[dict[str, Any]] = []
    for definition in ast_list(operation.variable_definitions):
        name = definition.variable.name.value
        t = _type_ref(definition.type, named)
        if t is None:
            continue
        if name not in given and definition.default_value is not None:
            continue  # graphql-core applies the default, which validation has checked
        raw = given.get(name)
        outcome = coercion.coercer(t)(raw)
        if outcome is None:
            errors.append({
                "message": f"Variables are nested more than {coercion.MAX_DEPTH} levels deep.",
                "locations": locations_of(definition),
                "extensions": {"code": "INVALID_VARIABLE"},
            })
            continue
        problems = outcome[1]
        if not problems:
            continue
        error = coercion.variable_error(name, t, raw, problems)
        # graphql-ruby puts the variable's definition between the message and extensions.
        errors.append({"message": error["message"], "locations": locations_of(definition),
                       "extensions": error["extensions"]})
    return errors
