"""The mutation fields of the GraphQL front: each runs exactly what ``Ledger.execute`` runs.

Part of the Shopify adapter (``ledger.shopify``), on graphql-core. ``ledger.shopify.schema``
attaches ``mutation_resolver(operation)`` to every field of the ``Mutation`` root;
``ledger.shopify.graphql_api.run`` gives the resolvers a ``Context`` and turns a
``FatalError`` into a body without ``data``.

A mutation field does *not* use graphql-core's coerced arguments: it collects its arguments
in raw JSON form (variables as the client sent them) and runs the codec's ``execute``
(``coerce_variables``/``decode``, then ``Ledger.run``, then ``render``), so user errors,
request-level errors and groups are identical to ``execute``'s. ``@idempotent(key:)`` is
read off the field node (off any of its nodes, when the field is selected more than once).

Choices where Shopify's behaviour is a guess ([ours]): a request-level error raised in a
mutation field carries ``path`` with the field's response key (its alias if it has one), as
graphql-ruby does, and the ``locations`` of the field; one that leaves ``execute``'s body
without ``data`` leaves the whole GraphQL body without it too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    Undefined,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)

from ledger.core.versions import Era
from ledger.shopify import codec
from ledger.shopify._graphql_compat import ResolveInfo, ast_list, variable_values
from ledger.shopify.wording import locations_of

if TYPE_CHECKING:
    from ledger.api import Ledger


class Context:
    """What resolvers share during one request."""

    def __init__(
        self, ledger: Ledger, era: Era, api_version: str | None, variables: Mapping[str, Any]
    ) -> None:
        self.ledger = ledger
        self.era = era
        self.api_version = api_version
        self.variables = variables
        #: Errors that, as in ``execute``, leave the body without ``data``.
        self.fatal: list[dict[str, Any]] = []
        #: ``execute``'s body for the one mutation field, when ``graphql_api.run`` has run
        #: it already (its direct path met a body it leaves to graphql-core): the resolver
        #: answers from it instead of running the mutation a second time.
        self.prepared: dict[str, Any] | None = None


class FatalError(Exception):
    """Raised by a resolver whose request-level error leaves no ``data`` key."""


def _json(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    """Return an argument's value in raw JSON form: variables as the client sent them."""
    if isinstance(node, VariableNode):
        return variables.get(node.name.value, Undefined)
    if isinstance(node, ObjectValueNode):
        out = {}
        for field in node.fields:
            value = _json(field.value, variables)
            if value is not Undefined:
                out[field.name.value] = value
        return out
    if isinstance(node, ListValueNode):
        return [None if (v := _json(item, variables)) is Undefined else v for item in node.values]
    return value_from_ast_untyped(node)


def run_field(
    context: Context, operation: str, node: FieldNode, nodes: Sequence[FieldNode],
    variables: Mapping[str, Any],
) -> dict[str, Any]:
    """Run the mutation field ``node`` (selected as ``nodes``) as ``execute``: its body.

    Its arguments in raw JSON form; ``@idempotent(key:)`` read off any of ``nodes``.
    """
    raw: dict[str, Any] = {}
    for argument in ast_list(node.arguments):
        value = _json(argument.value, variables)
        if value is not Undefined:
            raw[argument.name.value] = value
    ledger = context.ledger
    return codec.execute(
        ledger._run_at(context.api_version), context.era,
        operation, raw, _key(nodes, variables),
        quantity_after_change=ledger.report_quantity_after_change,
    )


def run_coerced(
    context: Context, operation: str, nodes: Sequence[FieldNode],
    variables: Mapping[str, Any], values: dict[str, Any],
) -> dict[str, Any]:
    """``run_field`` for arguments already coerced as the codec would: ``values``."""
    ledger = context.ledger
    return codec.execute_coerced(
        ledger._run_at(context.api_version), context.era,
        operation, values, _key(nodes, variables),
        quantity_after_change=ledger.report_quantity_after_change,
    )


def _key(nodes: Sequence[FieldNode], variables: Mapping[str, Any]) -> str | None:
    """The ``@idempotent(key:)`` of the field selected as ``nodes``, if it is a string."""
    key: Any = None
    for field_node in nodes:  # the same field may be selected more than once
        for directive in ast_list(field_node.directives):
            if directive.name.value == "idempotent":
                for argument in ast_list(directive.arguments):
                    if argument.name.value == "key":
                        key = _json(argument.value, variables)
    return key if isinstance(key, str) else None


def mutation_resolver(operation: str) -> Callable[..., Any]:
    """Return the resolver of the ``Mutation`` field ``operation``: ``execute``, exactly."""

    def resolve(_root: object, info: ResolveInfo, **_arguments: Any) -> Any:
        context: Context = info.context
        node = info.field_nodes[0]
        body = context.prepared
        if body is None:
            # Variables as the client sent them; a left-out variable with a default takes
            # the default graphql-core coerced.
            variables = {**variable_values(info), **context.variables}
            body = run_field(context, operation, node, info.field_nodes, variables)
        errors = body.get("errors")
        if errors:
            if "data" not in body:
                context.fatal.extend({**e, "locations": locations_of(node)} for e in errors)
                raise FatalError
            first = errors[0]
            raise GraphQLError(first["message"], extensions=first.get("extensions"))
        return body["data"][operation]

    return resolve
