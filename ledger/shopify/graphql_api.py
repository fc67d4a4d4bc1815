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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    GraphQLSyntaxError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeNode,
    Undefined,
    VariableDefinitionNode,
    VariableNode,
    execute_sync,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
)

from ledger.core.errors import OPERATIONS
from ledger.core.quantities import GRAPHQL_INT_MAX, GRAPHQL_INT_MIN
from ledger.core.versions import Era, era_of
from ledger.shopify import coercion
from ledger.shopify._graphql_compat import ast_list
from ledger.shopify.analysis import (
    MAX_DEPTH,
    collect_fields,
    depth_error,
    document,
    effective_variables,
    given_variables,
    validated,
)
from ledger.shopify.cost import MAX_QUERY_COST, findings, max_cost_exceeded_body
from ledger.shopify.graphql_mutations import Context, FatalError, run_coerced, run_field
from ledger.shopify.graphql_reads import PLAIN_WITHOUT_ARGUMENTS
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
    given = given_variables(variables)
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
    coerced: dict[str, Any] = {}
    variable_errors = _coerce_variables(era, operation, given, coerced)
    if variable_errors:
        return {"errors": variable_errors}
    if found.depth > MAX_DEPTH:
        return {"errors": [depth_error(found.depth)]}
    if max_cost is not None and found.cost > max_cost:
        return max_cost_exceeded_body(found.cost, max_cost)
    context = Context(ledger, era, api_version, given)
    plan = _plan(era, query, doc, operation)
    if plan is not None:
        # A plain mutation document: run ``execute`` once and select from its body.
        if plan.arguments is not None:
            # The arguments are the variables, of the codec's own types: coerced above.
            arguments = {}
            for argument, variable in plan.arguments:  # a plain loop: no comprehension frame
                arguments[argument] = coerced[variable]
            context.prepared = run_coerced(context, plan.operation, (plan.node,), given,
                                           arguments)
        else:
            context.prepared = run_field(context, plan.operation, plan.node, (plan.node,),
                                         given)
        selected = _selected(context.prepared, plan)
        if selected is not None:
            return selected
        # Anything else in the body (a request error, a value graphql-core would refuse)
        # is left to graphql-core, which answers from the body already made.
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


class _NotPlainError(Exception):
    """Raised while selecting from a body that holds what the direct path leaves alone."""


#: A field of a plain selection: response key (its name), type, and its own selection.
_Field = tuple[str, GraphQLOutputType, "tuple[_Field, ...] | None"]
#: One compiled completion (``_completer``): a body's value -> graphql-core's.
_Complete = Callable[[Any], Any]


@attrs.frozen
class _Plan:
    """How a plain mutation document selects from ``execute``'s body (``_plan``)."""

    operation: str
    node: FieldNode
    complete: _Complete
    #: (argument, variable) for each of the codec's variables in its order, when each
    #: argument is a bare variable declared with the codec's type; else ``None``.
    arguments: tuple[tuple[str, str], ...] | None


#: Plans by (query, operation name, ``id(era)``), with the era and document they were made
#: of (an era hashes slowly; a document evicted from the analysis cache is planned afresh).
_PLANS: dict[tuple[str, str | None, int], tuple[Era, DocumentNode, _Plan | None]] = {}
_PLANS_HELD: Final = 512


def _plan(era: Era, query: str, doc: DocumentNode, operation: OperationDefinitionNode
          ) -> _Plan | None:
    """Return the plan of a plain mutation document, or ``None`` for the general path.

    Plain: a mutation with one root field, a mutation of ``execute``, no alias, no
    directive but ``@idempotent``, arguments without defaults in the variables; below it
    only fields, each once, with no alias, arguments or directives, read by graphql-core's
    default resolver from object types (``__typename`` too). Anything else (reads,
    fragments, aliases, ``@skip``/``@include``, ...) takes the general path.
    """
    name = operation.name.value if operation.name is not None else None
    cache_key = (query, name, id(era))
    cached = _PLANS.get(cache_key)
    if cached is not None and cached[0] is era and cached[1] is doc:
        return cached[2]
    plan = _make_plan(era, operation)
    if len(_PLANS) >= _PLANS_HELD:
        _PLANS.clear()
    _PLANS[cache_key] = (era, doc, plan)
    return plan


def _make_plan(era: Era, operation: OperationDefinitionNode) -> _Plan | None:
    if operation.operation.value != "mutation":
        return None
    if any(d.default_value is not None for d in ast_list(operation.variable_definitions)):
        return None
    if ast_list(operation.directives):
        return None
    selections = ast_list(operation.selection_set.selections)
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    mutation = schema(era).mutation_type
    if node.alias is not None or mutation is None or node.name.value not in OPERATIONS:
        return None
    if any(d.name.value != "idempotent" for d in ast_list(node.directives)):
        return None
    field = mutation.fields.get(node.name.value)
    if field is None or node.selection_set is None:
        return None
    fields = _plain_fields(field.type, node.selection_set)
    if fields is None:
        return None
    return _Plan(node.name.value, node, _completer(field.type, fields),
                 _bare_arguments(era, operation, node))


def _bare_arguments(era: Era, operation: OperationDefinitionNode, node: FieldNode
                    ) -> tuple[tuple[str, str], ...] | None:
    """Pair each codec variable of ``node``'s mutation with the variable it is given as.

    ``None`` unless the field's arguments are exactly the codec's variables, each a bare
    ``$variable`` declared with the same type: then the variable's coerced value is the
    argument's, and the codec need not coerce it again.
    """
    arguments = {a.name.value: a.value for a in ast_list(node.arguments)}
    expected = coercion.variable_types(era)[node.name.value]
    if set(arguments) != {name for name, _ in expected}:
        return None
    named = input_types(era)
    declared = {d.variable.name.value: _type_ref(d.type, named)
                for d in ast_list(operation.variable_definitions)}
    pairs: list[tuple[str, str]] = []
    for name, t in expected:
        value = arguments[name]
        if not isinstance(value, VariableNode):
            return None
        given_as = declared.get(value.name.value)
        if given_as is None or coercion.signature(given_as) != coercion.signature(t):
            return None
        pairs.append((name, value.name.value))
    return tuple(pairs)


def _plain_fields(t: GraphQLOutputType, selection: SelectionSetNode
                  ) -> tuple[_Field, ...] | None:
    """Return a plain selection on object type ``t`` as fields, or ``None`` if it is not."""
    named = get_named_type(t)
    if not isinstance(named, GraphQLObjectType) or named.is_type_of is not None:
        return None
    out: list[_Field] = []
    seen: set[str] = set()
    for node in ast_list(selection.selections):
        if (not isinstance(node, FieldNode) or node.alias is not None
                or node.directives or node.arguments):
            return None
        name = node.name.value
        if name in seen:
            return None
        seen.add(name)
        if name == "__typename":
            out.append((name, GraphQLNonNull(GraphQLString), None))
            continue
        field = named.fields.get(name)
        if field is None or (field.resolve is not None
                             and field.resolve not in PLAIN_WITHOUT_ARGUMENTS):
            return None
        inner: tuple[_Field, ...] | None = None
        if node.selection_set is not None:
            inner = _plain_fields(field.type, node.selection_set)
            if inner is None:
                return None
        elif not is_leaf_type(get_named_type(field.type)):
            return None
        out.append((name, field.type, inner))
    return tuple(out)


def _selected(body: dict[str, Any], plan: _Plan) -> dict[str, Any] | None:
    """Return the body graphql-core would give for ``plan``'s selection, or ``None``.

    ``None``: the body holds errors, or a value graphql-core would not complete as it is
    (a null in a non-null field, an Int past 32 bits...): the general path answers it.
    """
    if "errors" in body:
        return None
    try:
        payload = body["data"][plan.operation]
        return {"data": {plan.operation: plan.complete(payload)}}
    except (_NotPlainError, GraphQLError, TypeError, ValueError):
        return None


def _completer(t: GraphQLOutputType, fields: tuple[_Field, ...] | None) -> _Complete:
    """Compile how graphql-core completes a field of type ``t`` with selection ``fields``.

    The result raises ``_NotPlainError`` where graphql-core would do more (an error, a null
    to carry up); a leaf is serialized by its type's ``serialize``, as graphql-core does,
    save where that is the identity (a ``str`` for ``String``/``ID``, a 32-bit ``int`` for
    ``Int``, a ``bool`` for ``Boolean``).
    """
    if isinstance(t, GraphQLNonNull):
        inner = _completer(t.of_type, fields)

        def non_null(value: Any) -> Any:
            if value is None:
                raise _NotPlainError
            return inner(value)

        return non_null
    if isinstance(t, GraphQLList):
        item = _completer(t.of_type, fields)

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is not list:
                raise _NotPlainError
            out = []
            for v in value:  # a plain loop: a comprehension is a frame of its own
                out.append(item(v))
            return out

        return listed
    if fields is None:
        if not isinstance(t, GraphQLScalarType | GraphQLEnumType):  # pragma: no cover
            raise AssertionError(f"{t} is no leaf")  # _plain_fields lets only leaves be
        return _leaf(t)
    if not isinstance(t, GraphQLObjectType):  # pragma: no cover - _plain_fields checked it
        raise AssertionError(f"{t} is no object type")
    type_name = t.name
    # Per field: its completion, and the type (with nullability) a value may have to be
    # taken as it is without a call: the common case of a leaf.
    parts = tuple((name, *_as_is(ft), None if name == "__typename" else _completer(ft, inner))
                  for name, ft, inner in fields)
    return _object_completer(type_name, parts)


def _object_completer(type_name: str, parts: tuple[tuple[Any, ...], ...]) -> _Complete:
    """Generate an object's completion: a field per line, the result one dict literal.

    Per field ``(name, same, nullable, part)``: ``__typename`` (``part`` ``None``) is the
    type's name; a null is kept if ``nullable``, else handed to ``part`` (which raises); a
    value of type ``same`` (an ``int`` within 32 bits) is kept as it is; anything else is
    ``part``'s. The same as walking ``parts`` in a loop, without the loop, the tuple
    unpacking and a dict grown key by key (issue 14: ~110 bytecodes a field of a walked
    object).
    """
    namespace: dict[str, Any] = {"_NotPlainError": _NotPlainError, "_TYPE_NAME": type_name,
                                 "_LOW": GRAPHQL_INT_MIN, "_HIGH": GRAPHQL_INT_MAX}
    lines = ["def object_(value):",
             "    if value is None:",
             "        return None",
             "    if type(value) is not dict:",
             "        raise _NotPlainError",
             "    get = value.get"]
    for k, (name, same, nullable, part) in enumerate(parts):
        if part is None:
            lines.append(f"    v{k} = _TYPE_NAME")
            continue
        namespace[f"_part{k}"] = part
        lines.append(f"    v{k} = get({name!r})")
        lines.append(f"    if v{k} is None:")
        lines.append("        pass" if nullable else f"        v{k} = _part{k}(v{k})")
        if same is None:
            lines.append(f"    else:\n        v{k} = _part{k}(v{k})")
        elif same is int:
            lines.append(f"    elif type(v{k}) is not int or not _LOW <= v{k} <= _HIGH:")
            lines.append(f"        v{k} = _part{k}(v{k})")
        else:
            namespace[f"_same{k}"] = same
            lines.append(f"    elif type(v{k}) is not _same{k}:")
            lines.append(f"        v{k} = _part{k}(v{k})")
    fields = ", ".join(f"{name!r}: v{k}" for k, (name, *_) in enumerate(parts))
    lines.append(f"    return {{{fields}}}")
    exec("\n".join(lines), namespace)  # noqa: S102 - source built from the selection's names
    complete: _Complete = namespace["object_"]
    return complete


def _as_is(t: GraphQLOutputType) -> tuple[type | None, bool]:
    """Return the type a leaf's value is taken as is in (``None``: none), and if nullable."""
    nullable = not isinstance(t, GraphQLNonNull)
    named = t.of_type if isinstance(t, GraphQLNonNull) else t
    if not isinstance(named, GraphQLScalarType):
        return None, nullable
    return (int if named.name == "Int" else _AS_IS.get(named.name)), nullable


#: The leaves whose ``serialize`` gives a value of this type back as it is.
_AS_IS: Final[dict[str, type]] = {"String": str, "ID": str, "Boolean": bool}


def _leaf(t: GraphQLScalarType | GraphQLEnumType) -> _Complete:
    serialize = t.serialize
    scalar = isinstance(t, GraphQLScalarType)
    same = _AS_IS.get(t.name) if scalar else None
    low, high = GRAPHQL_INT_MIN, GRAPHQL_INT_MAX

    def serialized(value: Any) -> Any:
        out = serialize(value)
        if out is None or out is Undefined:
            raise _NotPlainError
        return out

    if scalar and t.name == "Int":
        def int_leaf(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is int and low <= value <= high:
                return value
            return serialized(value)

        return int_leaf

    def leaf(value: Any) -> Any:
        if value is None:
            return None
        if same is not None and type(value) is same:
            return value
        return serialized(value)

    return leaf


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
    given = given_variables(variables)
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


#: Each operation's declared variables with their compiled coercion, by ``id`` of the
#: operation node (kept with it, so a new document is never taken for an old one).
_DECLARED: dict[tuple[int, int], tuple[OperationDefinitionNode, Era, tuple[_Declared, ...]]] = {}
_DECLARED_HELD: Final = 512
#: A declared variable: its name, type, coercion, whether it has a default, its definition.
_Declared = tuple[str, coercion.TypeRef, coercion.Coercer, bool, VariableDefinitionNode]


def _declared(era: Era, operation: OperationDefinitionNode) -> tuple[_Declared, ...]:
    """Return the variables ``operation`` declares (of a type of ``era``), compiled once."""
    key = (id(operation), id(era))
    cached = _DECLARED.get(key)
    if cached is not None and cached[0] is operation and cached[1] is era:
        return cached[2]
    named = input_types(era)
    out: list[_Declared] = []
    for definition in ast_list(operation.variable_definitions):
        t = _type_ref(definition.type, named)
        if t is not None:
            out.append((definition.variable.name.value, t, coercion.coercer(t),
                        definition.default_value is not None, definition))
    if len(_DECLARED) >= _DECLARED_HELD:
        _DECLARED.clear()
    _DECLARED[key] = (operation, era, tuple(out))
    return _DECLARED[key][2]


def _coerce_variables(
    era: Era, operation: OperationDefinitionNode, given: Mapping[str, Any],
    values: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Coerce each declared variable with the codec; return graphql-ruby's error bodies.

    The codec's ``coerce_variables`` works per mutation with fixed variable names; here the
    document declares the names, so its per-variable steps run on each declared variable.
    ``values``, if given, receives each coerced value by variable name (the direct path
    hands them to the codec instead of coercing the same input again).
    """
    errors: list[dict[str, Any]] = []
    for name, t, coerce, has_default, definition in _declared(era, operation):
        if has_default and name not in given:
            continue  # graphql-core applies the default, which validation has checked
        raw = given.get(name)
        outcome = coerce(raw)
        if outcome is None:
            errors.append({
                "message": f"Variables are nested more than {coercion.MAX_DEPTH} levels deep.",
                "locations": locations_of(definition),
                "extensions": {"code": "INVALID_VARIABLE"},
            })
            continue
        problems = outcome[1]
        if not problems:
            if values is not None:
                values[name] = outcome[0]
            continue
        error = coercion.variable_error(name, t, raw, problems)
        # graphql-ruby puts the variable's definition between the message and extensions.
        errors.append({"message": error["message"], "locations": locations_of(definition),
                       "extensions": error["extensions"]})
    return errors
