"""The GraphQL front: ``Ledger.graphql(query, variables)`` as Shopify's Admin API runs it.

Built on graphql-core (the optional ``graphql`` extra). One schema per API era, written as
SDL and built once; parsed and validated documents are cached per query string, so a
repeated query costs no re-parse and no re-validation.

How a request runs, in graphql-ruby's order (the engine behind Shopify's Admin API):

1. **parse** — a syntax error is one error in graphql-ruby's wording, no ``data``;
2. **validate** — static errors (unknown field, unknown directive, ...) in graphql-ruby's
   wording, no ``data``;
3. **variables** — every variable the operation declares is coerced by the codec of
   ``ledger.shopify`` (graphql-ruby's messages, ``INVALID_VARIABLE``), no ``data``;
4. **execute** — graphql-core walks the selection (aliases, fragments, ``__typename``).
   A mutation field does *not* use graphql-core's coerced arguments: it collects its
   arguments in raw JSON form and runs exactly what ``Ledger.execute`` runs (the codec's
   ``coerce_variables``/``decode``, then ``Ledger.run``, then ``render``), so user errors,
   request-level errors and groups are identical to ``execute``'s. ``@idempotent(key:)`` is
   read off the field node.

Choices where Shopify's behaviour is a guess ([ours]):

* Every error tied to a place in the document carries ``locations`` (graphql-ruby adds them;
  ``Ledger.execute`` has no document, so its bodies omit them). Otherwise a body equals
  ``execute``'s. Request-level errors raised in a mutation field carry ``path`` with the
  field's response key (its alias if it has one), as graphql-ruby does.
* Validation precedes variable coercion, except for one case that semantics §4 settles by
  observation: when the only static errors are ``@idempotent`` being undefined in the era,
  invalid variables are reported first (as ``execute`` does), and the directive only when
  the variables are valid.
* Syntax errors: ``Parse error on "<token>" (<TOKEN NAME>) at [<line>, <column>]``, or
  ``Unexpected end of document`` at the end of the text, with ``locations``: the wording of
  graphql-ruby's parser, which Shopify's responses quote.
* Validation errors with a graphql-ruby equivalent written here (``undefinedField``,
  ``undefinedDirective``, ``argumentNotAccepted``, ``missingRequiredArguments``,
  ``variableNotUsed``, ``variableNotDefined``, ``variableMismatch``, ``selectionMismatch``,
  ``argumentLiteralsIncompatible``, ``undefinedType``, ``variableRequiresValidType``,
  ``argumentNotUnique``, ``uniquelyNamedOperations``, ``useAndDefineFragment``,
  ``infiniteLoop``, ``cannotSpreadFragment``, ``fragmentOnNonCompositeType``,
  ``variableNotUnique``, ``directiveNotUniqueForLocation``, ``fieldConflict``,
  ``missingSubscriptionConfiguration``)
  use its message and ``extensions`` (``missingRequiredArguments`` for fields and
  directives), with ``path`` as graphql-ruby's static validation reports it
  (``["query"|"mutation"[ <name>], <field or fragment>...]``, ``[]`` for the document-wide
  rules: operation names, field conflicts); any other validation error keeps graphql-core's
  message, with ``locations`` and no ``extensions``. The templates and extension keys of the
  rules added last are those of graphql-ruby's ``lib/graphql/static_validation/rules/*.rb``
  and ``*_error.rb``, read from its source; where graphql-ruby reports once what graphql-core
  reports several times (one invalid literal per argument, one error per duplicated
  operation name or per repeated directive, one per fragment of a cycle) we do too. Our
  choices and what stays in graphql-core's wording:

  - An invalid literal is reported at its argument with the whole literal printed
    (``Argument 'input' on Field 'f' has an invalid value ({a: 1}). Expected type 'T!'.``),
    also when the fault is inside an input object. [ours] graphql-ruby 2.x with
    ``error_bubbling`` off reports a wrong *field* of an input object at that field instead
    (``Argument 'a' on InputObject 'T' ...``, or ``InputObject 'T' doesn't accept argument``);
    which of the two Shopify's schema gives is unobserved. The printer is graphql-ruby's
    (``{a: 1, b: "x"}``, ``[1, 2]``); a float prints as Python prints it.
  - No ``Did you mean ...?`` suffixes (newer graphql-ruby adds some), as for the rules above.
  - A field conflict names the two fields in document order, as the ``conflicts`` list of
    graphql-ruby's current ``FieldsWillMergeError`` gathers them (an older release sorted
    them), and is one error per conflicting pair; a conflict of arguments or of subfields,
    an invalid variable default value (graphql-ruby's message there is its scalar's
    coercion explanation, not confirmed), duplicate fragment names and input field names,
    directives in the wrong place and a subscription's rules keep graphql-core's wording.
* Connections take ``first``/``after``, ``last``/``before`` and ``reverse``; without
  ``first`` or ``last``: ``you must provide one of first or last`` (the wording Shopify
  uses) at the field; over 250 they are refused (below). Cursors are opaque (base64 of the
  node's id); an unknown ``after``/``before`` bounds nothing. Levels are listed in the order
  items/locations were added. What reads show of inactive levels, by era, and the read
  fields' own choices: ``ledger.graphql_reads``.
* Introspection: an era's error-code enums hold exactly ``Era.enums``'s values, in Shopify's
  definition order (``ENUM_ORDER``; shopify.dev lists them alphabetically, introspection
  does not); deprecations (``isDeprecated``, ``deprecationReason``) are ``Era.deprecated``'s,
  plus the deprecated value of ``InventoryBulkToggleActivationUserErrorCode``; arguments and
  input fields with a default in Shopify's reference have it (``DEFAULTS``).
* GraphQL's ``Int`` is 32-bit. A quantity or delta past it (reachable only from a snapshot
  whose sums pass two billion) is a field error ``Int cannot represent non 32-bit signed
  integer value`` with ``null`` propagated, as any GraphQL server gives; the call itself
  still ran, and ``execute`` (no GraphQL types) reports the number.
* Bounds, each checked before anything runs and each linear in the document, in this order
  (graphql-ruby's: size while parsing, validation, then analysis; validation runs after the
  nesting checks, variables are coerced after the 250 limits, which read them as sent);
  a non-string query or operation name is a programmer error (``TypeError``):

  - more than ``MAX_QUERY_BYTES`` (1 MiB, [ours]) or ``MAX_TOKENS`` (15,000, comments
    included, [ours]): graphql-ruby's ``This query is too large to execute.`` (with the
    location of the first token past the limit), before parsing;
  - ``{``, ``[`` and ``(`` nested more than ``MAX_NESTING`` (100, [ours]) deep in the text,
    or fields, inline fragments and spreads nested more than that once fragments are
    expanded: ``Query has depth of N, which exceeds max depth of 50``, before the
    recursive parser / validator see it (N: the depth of the fields where that is over 50,
    else the nesting);
  - a list argument of more than 250 entries (``nodes(ids:)``, ``quantities(names:)``...):
    Shopify's ``MAX_INPUT_SIZE_EXCEEDED``; a connection's ``first``/``last`` over 250:
    ``MAX_PAGE_SIZE_EXCEEDED`` ([ours] wording and code); both at the field, with the path
    of response keys and the argument, no ``data``. A mutation's own arguments are left to
    ``execute``'s checks, so ``graphql`` keeps equal to ``execute``;
  - fields nested more than ``MAX_DEPTH`` (50) deep, fragments expanded, counted as
    graphql-ruby's ``QueryDepth`` counts them (every field, none for fragments, nothing
    that ``@skip``/``@include`` leave out): ``Query has depth of N, which exceeds max depth
    of 50`` (graphql-ruby's wording; the figure 50 is [ours]);
  - a requested cost (``ledger.cost``) over 1000: Shopify's ``MAX_COST_EXCEEDED``, which
    bounds the work of execution (a document doubling its fields with each level of
    fragments is refused, its cost computed exactly and in linear time).
* ``location`` without ``id`` returns the first location (Shopify: the primary location).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    ExecutionResult,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    TypeNode,
    Undefined,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    execute_sync,
    get_named_type,
    get_operation_ast,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
    visit,
)
from graphql.language import Lexer, TokenKind

from ledger.core.errors import (
    ADJUST,
    MAX_INPUT_SIZE,
    MOVE,
    OPERATIONS,
    SET,
    SET_ON_HAND,
)
from ledger.core.quantities import GRAPHQL_INT_MAX
from ledger.core.versions import Era, Presence, era_of
from ledger.shopify import codec, coercion, graphql_reads
from ledger.shopify._graphql_compat import (
    ResolveInfo,
    ast_list,
    build_schema,
    parse_document,
    validate_document,
    validation_message,
    variable_values,
)

if TYPE_CHECKING:
    from ledger.api import Ledger

#: How many distinct query strings keep their parsed (and, per era, validated) document.
CACHE_SIZE: Final = 512

#: Payload and user-error type names of the four quantity mutations.
_TYPE_STEM: Final = {
    ADJUST: "InventoryAdjustQuantities",
    MOVE: "InventoryMoveQuantities",
    SET: "InventorySetQuantities",
    SET_ON_HAND: "InventorySetOnHandQuantities",
}

_COMMON_SDL: Final = '''
type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  ledgerDocumentUri: String
  item: InventoryItem
  location: Location
}

type InventoryAdjustmentGroup implements Node {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  app: App
  staffMember: StaffMember
  changes(
    inventoryItemIds: [ID!]
    locationIds: [ID!]
    quantityNames: [String!]
  ): [InventoryChange!]!
}

type UserError {
  field: [String!]
  message: String!
}

type InventoryActivatePayload {
  inventoryLevel: InventoryLevel
  userErrors: [UserError!]!
}

type InventoryDeactivatePayload {
  userErrors: [UserError!]!
}

schema {
  query: QueryRoot
  mutation: Mutation
}
'''


# ---------------------------------------------------------------------- the schema


def _input_objects(t: coercion.TypeRef, out: dict[str, coercion.InputObject]) -> None:
    if isinstance(t, coercion.NonNull | coercion.ListOf):
        _input_objects(t.of, out)
    elif isinstance(t, coercion.InputObject) and t.name not in out:
        for _, field_type in t.fields:
            _input_objects(field_type, out)
        out[t.name] = t


@functools.cache
def input_types(era: Era) -> dict[str, coercion.TypeRef]:
    """Return every named input type of ``era`` (the codec's, plus the four scalars)."""
    named: dict[str, coercion.TypeRef] = {
        name: coercion.Scalar(name) for name in ("ID", "String", "Int", "Boolean")
    }
    objects: dict[str, coercion.InputObject] = {}
    for arguments in coercion.variable_types(era).values():
        for _, t in arguments:
            _input_objects(t, objects)
    named.update(objects)
    return named


#: The quantity mutations' error-code enums in definition order, which introspection returns
#: (shopify.dev's reference lists values alphabetically): the order of Shopify's 2026-01..2026-07
#: schema as introspected by nozzlegear/ShopifySharp's generator
#: (``ShopifySharp/Entities/GraphQL/Generated/Types/<Enum>.generated.cs``). An older
#: generation of the same files (before 2026-01) lists setOnHand's values in the same order
#: without the newer ones, so an era's enum is this order filtered to ``Era.enums``.
#: IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED (2026-10 on) comes after the other IDEMPOTENCY_ codes
#: ([ours]: no introspection of 2026-10 was found); a value missing here would follow,
#: alphabetically.
ENUM_ORDER: Final[dict[str, tuple[str, ...]]] = {
    ADJUST: (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_TOO_LOW", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "ADJUST_QUANTITIES_FAILED", "MAX_ONE_LEDGER_DOCUMENT",
        "ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    MOVE: (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_NEGATIVE", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "MOVE_QUANTITIES_FAILED", "DIFFERENT_LOCATIONS",
        "SAME_QUANTITY_NAME", "MAXIMUM_LEDGER_DOCUMENT_URIS", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    SET: (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "ITEM_NOT_STOCKED_AT_LOCATION",
        "INVALID_QUANTITY_TOO_HIGH", "INVALID_QUANTITY_TOO_LOW", "COMPARE_QUANTITY_REQUIRED",
        "COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE", "INVALID_NAME",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    SET_ON_HAND: (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "CHANGE_FROM_QUANTITY_STALE",
        "SET_ON_HAND_QUANTITIES_FAILED", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "INVALID_QUANTITY_TOO_HIGH", "COMPARE_QUANTITY_STALE",
        "SERVICE_UNAVAILABLE", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
}

#: ``InventoryBulkToggleActivationUserErrorCode``: every value of Shopify's enum, the same in
#: every version here, in definition order (a copy of its reference ``.md`` in introspection
#: order), each with its deprecation reason or ``None``. The deprecation reason is the one
#: ShopifySharp's generator copied into its ``[Obsolete]`` attribute.
BULK_TOGGLE_ENUM: Final[tuple[tuple[str, str | None], ...]] = (
    ("GENERIC_ERROR", None),
    ("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", None),
    ("COMMITTED_AND_INCOMING_INVENTORY_AT_LOCATION",
     "This error code is deprecated. Both INCOMING_INVENTORY_AT_LOCATION and "
     "COMMITTED_INVENTORY_AT_LOCATION codes will be returned as individual errors instead."),
    ("INCOMING_INVENTORY_AT_LOCATION", None),
    ("COMMITTED_INVENTORY_AT_LOCATION", None),
    ("RESERVED_INVENTORY_AT_LOCATION", None),
    ("FAILED_TO_UNSTOCK_FROM_LOCATION", None),
    ("INVENTORY_MANAGED_BY_3RD_PARTY", None),
    ("INVENTORY_MANAGED_BY_SHOPIFY", None),
    ("FAILED_TO_STOCK_AT_LOCATION", None),
    ("MISSING_SKU", None),
    ("LOCATION_NOT_FOUND", None),
    ("INVENTORY_ITEM_NOT_FOUND", None),
)

#: Default values of arguments and input fields (``"Type.field"``; a mutation's arguments
#: as ``"<mutation>.<argument>"``), from Shopify's reference: the codec's types carry none.
DEFAULTS: Final[dict[str, str]] = {
    "inventoryActivate.stockAtLegacyLocation": "false",
    "InventorySetQuantitiesInput.ignoreCompareQuantity": "false",
}


def enum_values(operation: str, era: Era) -> tuple[str, ...]:
    """Return a quantity mutation's error codes in ``era`` as introspection lists them.

    Exactly the values of ``Era.enums`` (Shopify's reference for the era), in definition
    order (``ENUM_ORDER``).
    """
    present = set(era.enums[operation])
    ordered = [value for value in ENUM_ORDER[operation] if value in present]
    return (*ordered, *sorted(present - set(ordered)))


def _deprecation(reason: str | None) -> str:
    # A JSON string is a valid GraphQL string (the same escapes).
    return f" @deprecated(reason: {json.dumps(reason)})" if reason is not None else ""


def _default(key: str) -> str:
    value = DEFAULTS.get(key)
    return f" = {value}" if value is not None else ""


@functools.cache
def sdl(era: Era) -> str:
    """Return the schema of ``era`` as SDL text.

    Deprecations come from ``Era.deprecated``; every entry must name a field of the schema.
    """
    deprecated = dict(era.deprecated)

    def mark(key: str) -> str:
        return _default(key) + _deprecation(deprecated.pop(key, None))

    parts = [graphql_reads.sdl(era), _COMMON_SDL]
    if era.idempotency is not Presence.UNDEFINED:
        parts.append(
            '"""Makes the mutation idempotent under `key`."""\n'
            "directive @idempotent(key: String!) on FIELD\n"
        )
    for t in input_types(era).values():
        if isinstance(t, coercion.InputObject):
            fields = "\n".join(f"  {name}: {coercion.signature(ft)}{mark(f'{t.name}.{name}')}"
                               for name, ft in t.fields)
            parts.append(f"input {t.name} {{\n{fields}\n}}\n")
    for operation, stem in _TYPE_STEM.items():
        codes = "\n".join(f"  {value}" for value in enum_values(operation, era))
        parts.append(
            f"enum {stem}UserErrorCode {{\n{codes}\n}}\n\n"
            f"type {stem}UserError {{\n  field: [String!]\n  message: String!\n"
            f"  code: {stem}UserErrorCode\n}}\n\n"
            f"type {stem}Payload {{\n  inventoryAdjustmentGroup: InventoryAdjustmentGroup\n"
            f"  userErrors: [{stem}UserError!]!\n}}\n"
        )
    toggle_codes = "\n".join(f"  {value}{_deprecation(reason)}"
                             for value, reason in BULK_TOGGLE_ENUM)
    parts.append(
        f"enum InventoryBulkToggleActivationUserErrorCode {{\n{toggle_codes}\n}}\n\n"
        "type InventoryBulkToggleActivationUserError {\n  field: [String!]\n"
        "  message: String!\n  code: InventoryBulkToggleActivationUserErrorCode\n}\n\n"
        "type InventoryBulkToggleActivationPayload {\n  inventoryItem: InventoryItem\n"
        "  inventoryLevels: [InventoryLevel!]\n"
        "  userErrors: [InventoryBulkToggleActivationUserError!]!\n}\n"
    )
    variables = coercion.variable_types(era)
    mutations = []
    for operation in OPERATIONS:
        arguments = ", ".join(f"{name}: {coercion.signature(t)}{_default(f'{operation}.{name}')}"
                              for name, t in variables[operation])
        payload = _TYPE_STEM.get(operation, operation[0].upper() + operation[1:]) + "Payload"
        mutations.append(f"  {operation}({arguments}): {payload}{mark(f'Mutation.{operation}')}")
    parts.append("type Mutation {\n" + "\n".join(mutations) + "\n}\n")
    if deprecated:  # pragma: no cover - a row of the era table names no field of the schema
        raise AssertionError(f"deprecations of fields the schema lacks: {sorted(deprecated)}")
    return "\n".join(parts)


@functools.cache
def schema(era: Era) -> GraphQLSchema:
    """Return the executable schema of ``era`` (built once per era)."""
    built = build_schema(sdl(era))
    mutation = built.mutation_type
    query = built.query_type
    if mutation is None or query is None:  # pragma: no cover - the SDL defines both
        raise AssertionError("schema without root types")
    for operation in OPERATIONS:
        mutation.fields[operation].resolve = _mutation_resolver(operation)
    for name, resolve in graphql_reads.QUERY_RESOLVERS.items():
        query.fields[name].resolve = resolve
    for type_name, field_name, resolve in graphql_reads.FIELD_RESOLVERS:
        object_type = built.get_type(type_name)
        if not isinstance(object_type, GraphQLObjectType):  # pragma: no cover
            raise AssertionError(type_name)
        object_type.fields[field_name].resolve = resolve
    return built


class _Length(NamedTuple):
    """A list variable as the bounds read it: by its length alone."""

    length: int


class Analysis(NamedTuple):
    """What the bounds found in the operation a request runs (``analysis``)."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    #: The 250-limit errors (``argument_errors``).
    over: tuple[dict[str, Any], ...]
    #: The depth graphql-ruby counts (``query_depth``).
    depth: int
    #: The requested cost (``ledger.cost``); 0 for an operation over a bound.
    cost: int


def analysis(
    era: Era, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
) -> Analysis | None:
    """Return the bounds' findings for a request, or ``None`` if it names no valid operation.

    Cached per document, operation and what the bounds read of the variables (a list's
    length, a Boolean's or an Int's value, whether one is given), so a document sent again
    with other inputs, or other keys, costs a lookup.
    """
    doc, errors = validated(era, query)
    if doc is None or errors:
        return None
    given = variables if isinstance(variables, Mapping) else {}
    key = tuple(_frozen(name, given) for name in _variables_read(query))
    return _analysis(era, query, operation_name, key)


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


@functools.lru_cache(maxsize=CACHE_SIZE)
def _analysis(
    era: Era, query: str, operation_name: str | None, key: tuple[tuple[str, str, Any], ...]
) -> Analysis | None:
    from ledger.shopify import cost  # it imports this module

    parsed = document(query)
    if isinstance(parsed, GraphQLSyntaxError):  # pragma: no cover - callers validated it
        return None
    operation = get_operation_ast(parsed, operation_name)
    if operation is None:
        return None
    read: dict[str, Any] = {}
    for name, kind, value in key:
        if kind != "absent":
            read[name] = _Length(value) if kind == "list" else {} if kind == "other" else value
    fragments = _fragments(parsed)
    effective = effective_variables(operation, read)
    over = tuple(argument_errors(schema(era), operation, fragments, effective))
    deep = query_depth(operation, fragments, effective)
    requested = (0 if over or deep > MAX_DEPTH
                 else cost.operation_cost(era, operation, fragments, effective))
    return Analysis(operation, fragments, over, deep, requested)


# ---------------------------------------------------------------------- documents


# ---------------------------------------------------------------------- bounds

#: The deepest a document's fields may nest, fragments expanded: graphql-ruby's ``max_depth``
#: (its ``QueryDepth`` counts every field, leaves and introspection included, and skips what
#: ``@skip``/``@include`` leave out). Shopify publishes no figure: 50 is [ours].
MAX_DEPTH: Final = 50
#: How deeply ``{``, ``[`` and ``(`` may nest in the text, and fields, inline fragments and
#: fragment spreads once fragments are expanded ([ours]): graphql-core's parser and
#: validator recurse, so this is checked before each of them runs.
MAX_NESTING: Final = 100
#: The most lexical tokens a document may hold, comments included (graphql-ruby's
#: ``max_query_string_tokens``, which counts comments since 2.6.1; graphql-ruby's generator
#: suggests 5,000 and graphql-java defaults to 15,000; Shopify publishes none: [ours]).
MAX_TOKENS: Final = 15_000
#: The longest query string accepted, in UTF-8 bytes ([ours]: graphql-java's default of
#: 1 MB characters); refused before it is scanned, so a huge string costs nothing.
MAX_QUERY_BYTES: Final = 1 << 20
#: The most items a connection's ``first`` or ``last`` may ask for (Shopify: "You can
#: retrieve up to a maximum of 250 resources").
MAX_PAGE_SIZE: Final = 250
#: Shopify's single-query maximum cost: a request over it gets ``MAX_COST_EXCEEDED``.
MAX_QUERY_COST: Final = 1000
#: graphql-ruby's parse error for a document over its token limit.
TOO_LARGE: Final = "This query is too large to execute."

# One alternative per lexeme: block strings, strings and comments first, so that what they
# hold is never counted; a quote that opens no valid string is where graphql-core's lexer
# fails (nothing after it is parsed). A comment ends at either line terminator, as the
# spec's (and graphql-core's) do.
_LEXEME: Final = re.compile(
    r'''
      (?P<block>"""(?:\\"""|(?!""")[\s\S])*""")
    | (?P<string>"(?:\\[^\n\r]|[^"\\\n\r])*")
    | (?P<bad>")
    | (?P<comment>\#[^\n\r]*)
    | (?P<open>[{\[(])
    | (?P<close>[}\])])
    | \.\.\. | [!$&:=@|] | [_A-Za-z][_0-9A-Za-z]* | -?[0-9][_0-9A-Za-z.+-]*
    ''',
    re.VERBOSE,
)


class _Scan(NamedTuple):
    """What one pass over a query's text found, up to its first ``MAX_TOKENS`` tokens."""

    tokens: int
    nesting: int
    #: Where the first token past ``MAX_TOKENS`` starts, if there is one.
    over: int | None


def _scan_text(query: str) -> _Scan:
    """Count the tokens of ``query`` and how deeply its brackets nest, in one linear pass."""
    depth = deepest = tokens = 0
    for match in _LEXEME.finditer(query):
        kind = match.lastgroup
        if kind == "bad":
            break  # graphql-core's lexer stops here: nothing further is parsed
        tokens += 1
        if tokens > MAX_TOKENS:
            return _Scan(tokens, deepest, match.start())
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)  # an unmatched closer is a syntax error right there
    return _Scan(tokens, deepest, None)


_scan = functools.lru_cache(maxsize=CACHE_SIZE)(_scan_text)


def nesting(query: str) -> int:
    """Return how deeply ``{``, ``[`` and ``(`` nest in ``query``, outside strings and comments.

    Tokens are read as graphql-core's lexer reads them (a comment ends at either line
    terminator; an escaped triple quote does not end a block string), up to the first
    ``MAX_TOKENS``, in time linear in the text.
    """
    return _scan_text(query).nesting


def byte_size(query: str) -> int:
    """Return the length of ``query`` in UTF-8 (lone surrogates, which JSON allows, count 3)."""
    return len(query) if query.isascii() else len(query.encode("utf-8", "surrogatepass"))


def depth_error(depth: int) -> dict[str, Any]:
    """Return graphql-ruby's error for a document of ``depth`` past ``MAX_DEPTH``."""
    return {"message": f"Query has depth of {depth}, which exceeds max depth of {MAX_DEPTH}"}


def refusal(query: str) -> dict[str, Any] | None:
    """Return the error that refuses ``query`` before it is parsed, if any.

    Over ``MAX_QUERY_BYTES`` or ``MAX_TOKENS``: graphql-ruby's ``This query is too large to
    execute.`` (at the first token past the limit; [ours] for the byte limit, which has no
    location); brackets nested past ``MAX_NESTING``: graphql-ruby's max-depth wording with
    that nesting as the depth ([ours]). A query over the byte limit is never cached.
    """
    if len(query) > MAX_QUERY_BYTES or byte_size(query) > MAX_QUERY_BYTES:
        return {"message": TOO_LARGE}
    scan = _scan(query)
    if scan.over is not None:
        where = Source(query).get_location(scan.over)
        return {"message": TOO_LARGE,
                "locations": [{"line": where.line, "column": where.column}]}
    if scan.nesting > MAX_NESTING:
        return depth_error(scan.nesting)
    return None


def _deepest(
    selection_set: SelectionSetNode,
    step: Callable[[Node], tuple[int, SelectionSetNode | None] | None],
    memo: dict[int, int],
) -> int:
    """Return the heaviest path below ``selection_set``: the sum of ``step``'s weights.

    ``step(selection)`` gives a selection's weight and the selection set it leads to (a
    field's own, an inline fragment's, a spread fragment's), or ``None`` to leave it out.
    Iterative and memoised per selection set (``memo``, by node identity), so fragments
    reached many times are walked once and the work is linear in the document; a spread
    that closes a fragment cycle counts its own weight only (validation reports the cycle).
    """
    if id(selection_set) in memo:
        return memo[id(selection_set)]
    active = {id(selection_set)}
    # Each frame: the set, an iterator over its selections, its best so far, the pending weight.
    stack: list[list[Any]] = [[selection_set, iter(selection_set.selections), 0, 0]]
    while stack:
        frame = stack[-1]
        for selection in frame[1]:
            found = step(selection)
            if found is None:
                continue
            weight, below = found
            if below is None or id(below) in active:
                frame[2] = max(frame[2], weight)
            elif id(below) in memo:
                frame[2] = max(frame[2], weight + memo[id(below)])
            else:
                frame[3] = weight
                active.add(id(below))
                stack.append([below, iter(below.selections), 0, 0])
                break
        else:
            stack.pop()
            node, best = frame[0], frame[2]
            memo[id(node)] = best
            active.discard(id(node))
            if stack:
                parent = stack[-1]
                parent[2] = max(parent[2], parent[3] + best)
    return memo[id(selection_set)]


def _fragments(doc: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}


def structural_nesting(doc: DocumentNode) -> int:
    """Return how deeply fields, inline fragments and spreads nest, fragments expanded.

    Every definition counts (validation walks them all); linear in the document.
    """
    fragments = _fragments(doc)

    def step(selection: Node) -> tuple[int, SelectionSetNode | None] | None:
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            return (1, fragment.selection_set) if fragment is not None else None
        if isinstance(selection, FieldNode | InlineFragmentNode):
            return 1, selection.selection_set
        return None  # pragma: no cover - no other selections exist

    memo: dict[int, int] = {}
    return max((_deepest(d.selection_set, step, memo) for d in doc.definitions
                if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)), default=0)


def effective_variables(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return ``variables`` with the defaults of those the operation declares and left out."""
    out = dict(variables) if isinstance(variables, Mapping) else {}
    for definition in ast_list(operation.variable_definitions):
        name = definition.variable.name.value
        if name not in out and definition.default_value is not None:
            out[name] = value_from_ast_untyped(definition.default_value)
    return out


def included(node: Node, variables: Mapping[str, Any]) -> bool:
    """Whether ``@skip``/``@include`` leave ``node`` in, as graphql-core's execution decides.

    ``variables`` as ``effective_variables`` gives them (valid ones are coerced already:
    JSON ``true`` is Python's ``True``).
    """
    for directive in ast_list(getattr(node, "directives", None)):
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = next((a.value for a in ast_list(directive.arguments) if a.name.value == "if"),
                         None)
        if isinstance(condition, VariableNode):
            value = variables.get(condition.name.value)
        elif isinstance(condition, BooleanValueNode):
            value = condition.value
        else:
            continue
        if (name == "skip" and value is True) or (name == "include" and value is False):
            return False
    return True


def applies(schema: GraphQLSchema, condition: str | None, object_type: GraphQLObjectType) -> bool:
    """Whether a fragment on type ``condition`` (``None``: untyped) applies to ``object_type``."""
    if condition is None or condition == object_type.name:
        return True
    t = schema.get_type(condition)
    if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
        return schema.is_sub_type(t, object_type)
    return False


def collect_fields(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    object_type: GraphQLObjectType,
    selection_sets: Iterable[SelectionSetNode],
) -> dict[str, list[FieldNode]]:
    """Group the fields ``selection_sets`` select on ``object_type`` by response key.

    graphql-core's ``collect_fields`` (the spec's CollectFields): inline fragments whose
    type condition is absent or matches, fragment spreads (each fragment once per call, so
    spreading one twice does not double the work), ``@skip``/``@include``; in document order.
    """
    out: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def collect(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if not included(selection, variables):
                continue
            if isinstance(selection, FieldNode):
                out.setdefault((selection.alias or selection.name).value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if applies(schema, condition.name.value if condition else None, object_type):
                    collect(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = fragments.get(name)
                if fragment is not None and applies(
                    schema, fragment.type_condition.name.value, object_type
                ):
                    collect(fragment.selection_set)

    for selection_set in selection_sets:
        collect(selection_set)
    return out


def query_depth(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Return the operation's depth as graphql-ruby's ``QueryDepth`` counts it.

    Every field counts one level (leaves and introspection too); inline fragments and
    spreads count none and are expanded wherever they appear, whatever their type
    condition (a static count); what ``@skip``/``@include`` leave out is not counted.
    Memoised per fragment: linear in the document, however often fragments are spread.
    """

    def step(selection: Node) -> tuple[int, SelectionSetNode | None] | None:
        if not included(selection, variables):
            return None
        if isinstance(selection, FieldNode):
            return 1, selection.selection_set
        if isinstance(selection, InlineFragmentNode):
            return 0, selection.selection_set
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            return (0, fragment.selection_set) if fragment is not None else None
        return None  # pragma: no cover - no other selections exist

    return _deepest(operation.selection_set, step, {})


def _is_connection(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and t.name.endswith("Connection")


def argument_errors(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Return an error per argument over Shopify's 250 limits, in the fields that would run.

    A list argument (``nodes(ids:)``, ``quantities(names:)``, ...) of more than
    ``MAX_INPUT_SIZE`` entries gets Shopify's ``MAX_INPUT_SIZE_EXCEEDED``; a connection's
    ``first``/``last`` over ``MAX_PAGE_SIZE`` gets ``MAX_PAGE_SIZE_EXCEEDED`` ([ours]: the
    wording and code; Shopify documents the 250 cap, not its error). The arguments of a
    mutation's root fields are left to ``execute``'s own checks (``graphql`` equals
    ``execute`` for mutations). Variables are read as sent, before coercion, so a huge list
    costs nothing to refuse. Each field is checked once per type it is reached as (fragments
    are not re-walked), at the path of its first occurrence.
    """
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    if root is None:  # pragma: no cover - the schema defines both
        return []
    errors: list[dict[str, Any]] = []
    seen: set[tuple[int, str, bool]] = set()

    def walk(selection_set: SelectionSetNode, parent: Any, path: list[str], top: bool) -> None:
        key = (id(selection_set), parent.name, top)
        if key in seen:
            return
        seen.add(key)
        for selection in selection_set.selections:
            if not included(selection, variables):
                continue
            if isinstance(selection, FieldNode):
                definition = getattr(parent, "fields", {}).get(selection.name.value)
                if definition is None:
                    continue  # introspection
                here = [*path, (selection.alias or selection.name).value]
                if not (top and operation.operation.value == "mutation"):
                    errors.extend(_over_limit(selection, definition, variables, here))
                if selection.selection_set is not None:
                    walk(selection.selection_set, get_named_type(definition.type), here, False)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = schema.get_type(condition.name.value) if condition else parent
                walk(selection.selection_set, inner or parent, path, top)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    inner = schema.get_type(fragment.type_condition.name.value)
                    walk(fragment.selection_set, inner or parent, path, top)

    walk(operation.selection_set, root, [], True)
    return errors


def _over_limit(
    field: FieldNode, definition: Any, variables: Mapping[str, Any], path: list[str]
) -> list[dict[str, Any]]:
    """The 250-limit errors of one field's arguments."""
    out = []
    for argument in ast_list(field.arguments):
        name = argument.name.value
        declared = definition.args.get(name)
        if declared is None:
            continue
        value = argument.value
        raw = variables.get(value.name.value) if isinstance(value, VariableNode) else Undefined
        t = declared.type.of_type if is_non_null_type(declared.type) else declared.type
        if is_list_type(t):
            size = (len(value.values) if isinstance(value, ListValueNode)
                    else raw.length if isinstance(raw, _Length)
                    else len(raw) if isinstance(raw, list) else 0)
            if size > MAX_INPUT_SIZE:
                out.append({
                    "message": f"The input array size of {size} is greater than the maximum "
                               f"allowed of {MAX_INPUT_SIZE}.",
                    "locations": _locations(field), "path": [*path, name],
                    "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                })
        elif name in ("first", "last") and _is_connection(get_named_type(definition.type)):
            size_value: Any = raw
            if isinstance(value, IntValueNode):
                try:
                    size_value = int(value.value)
                except ValueError:  # pragma: no cover - validation refuses non-32-bit Ints
                    continue
            # A value past GraphQL's 32-bit Int is not a page size but a coercion error,
            # which the variables' coercion reports (and it may have too many digits to print).
            if (isinstance(size_value, int) and not isinstance(size_value, bool)
                    and MAX_PAGE_SIZE < size_value <= GRAPHQL_INT_MAX):
                out.append({
                    "message": f"The page size of {size_value} requested by '{name}' is greater "
                               f"than the maximum allowed of {MAX_PAGE_SIZE}.",
                    "locations": _locations(field), "path": [*path, name],
                    "extensions": {"code": "MAX_PAGE_SIZE_EXCEEDED"},
                })
    return out


# ---------------------------------------------------------------------- documents


@functools.lru_cache(maxsize=CACHE_SIZE)
def document(query: str) -> DocumentNode | GraphQLSyntaxError:
    """Return the parsed ``query`` or its syntax error (cached per query string).

    Callers check ``refusal(query)`` first: this parses whatever it is given.
    """
    try:
        return parse_document(Source(query))
    except GraphQLSyntaxError as error:
        return error


def validated(era: Era, query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """Return the document of ``query`` and its errors against ``era``'s schema (cached).

    A query refused before parsing (``refusal``), or whose fields, inline fragments and
    spreads nest past ``MAX_NESTING`` once fragments are expanded, is refused with that one
    error before validation recurses (graphql-ruby's depth error, with the depth of its
    fields where that is over ``MAX_DEPTH`` too, else with the nesting: [ours]).
    """
    if len(query) > MAX_QUERY_BYTES or byte_size(query) > MAX_QUERY_BYTES:
        return None, (refusal(query) or {"message": TOO_LARGE},)  # not cached: too big to keep
    return _validated(era, query)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _validated(era: Era, query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    refused = refusal(query)
    if refused is not None:
        return None, (refused,)
    parsed = document(query)
    if isinstance(parsed, GraphQLSyntaxError):
        return None, (_syntax_error(query, parsed),)
    nested = structural_nesting(parsed)
    if nested > MAX_NESTING:
        # Report graphql-ruby's depth where it is over too (variables unknown yet: every
        # @skip/@include on a variable counts as keeping its selection), else the nesting.
        fragments = _fragments(parsed)
        deepest = max((query_depth(d, fragments, {}) for d in parsed.definitions
                       if isinstance(d, OperationDefinitionNode)), default=0)
        return None, (depth_error(deepest if deepest > MAX_DEPTH else nested),)
    try:
        errors = validate_document(schema(era), parsed)
    except RecursionError:  # pragma: no cover - graphql-core releases before 3.2.7 recursed
        return None, ({"message": "Query is nested too deeply to be validated."},)
    if errors:
        paths = _Paths(parsed, schema(era))
        return None, tuple(out for e in errors for out in _validation_errors(e, paths))
    return parsed, ()


#: graphql-ruby's token names, for parse errors.
_TOKEN_NAMES: Final = {
    TokenKind.BANG: "BANG", TokenKind.DOLLAR: "VAR_SIGN", TokenKind.AMP: "AMP",
    TokenKind.PAREN_L: "LPAREN", TokenKind.PAREN_R: "RPAREN", TokenKind.SPREAD: "ELLIPSIS",
    TokenKind.COLON: "COLON", TokenKind.EQUALS: "EQUALS", TokenKind.AT: "DIR_SIGN",
    TokenKind.BRACKET_L: "LBRACKET", TokenKind.BRACKET_R: "RBRACKET",
    TokenKind.BRACE_L: "LCURLY", TokenKind.PIPE: "PIPE", TokenKind.BRACE_R: "RCURLY",
    TokenKind.INT: "INT", TokenKind.FLOAT: "FLOAT", TokenKind.STRING: "STRING",
    TokenKind.BLOCK_STRING: "STRING",
}
_KEYWORDS: Final = frozenset({
    "query", "mutation", "subscription", "fragment", "on", "true", "false", "null",
    "schema", "scalar", "type", "interface", "union", "enum", "input", "extend",
    "directive", "implements", "repeatable",
})


def _syntax_error(query: str, error: GraphQLSyntaxError) -> dict[str, Any]:
    """Word a syntax error as graphql-ruby's parser does."""
    locations = [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]
    where: dict[str, int] = locations[0] if locations else {"line": 1, "column": 1}
    position = next(iter(error.positions or ()), len(query))
    text, name = _token_at(query, position)
    if name == "EOF":
        message = "Unexpected end of document"
    else:
        message = f'Parse error on "{text}" ({name}) at [{where["line"]}, {where["column"]}]'
    return {"message": message, "locations": locations}


def _token_at(query: str, position: int) -> tuple[str, str]:
    """Return the text and graphql-ruby name of the token starting at ``position``."""
    if position >= len(query.rstrip()):
        return "", "EOF"
    lexer = Lexer(Source(query))
    try:
        token = lexer.advance()
        while token.kind is not TokenKind.EOF and token.start < position:
            token = lexer.advance()
    except GraphQLSyntaxError:
        token = None
    if token is None or token.start != position:
        return query[position], "UNKNOWN_CHAR"
    if token.kind is TokenKind.EOF:
        return "", "EOF"
    text = query[token.start:token.end]
    if token.kind is TokenKind.NAME:
        return text, text.upper() if text in _KEYWORDS else "IDENTIFIER"
    return text, _TOKEN_NAMES.get(token.kind, "UNKNOWN_CHAR")


class _Paths:
    """Where each node of a document sits, as graphql-ruby's static validation names it."""

    def __init__(self, doc: DocumentNode, schema: GraphQLSchema | None = None) -> None:
        self.doc = doc
        #: ``id(node)`` -> ``["query"|"mutation"[ <name>], <field or fragment>...]``.
        self.path: dict[int, list[str]] = {}
        #: ``id(value node)`` -> the name of the argument it is the value of.
        self.argument: dict[int, str] = {}
        #: ``id(selection set)`` -> the field it belongs to.
        self.field_of: dict[int, FieldNode] = {}
        #: ``id(node)`` -> the node it is a child of.
        self.parent: dict[int, Node] = {}
        #: ``id(node in an argument's value)`` -> that argument and its field or directive.
        self.enclosing: dict[int, tuple[ArgumentNode, Node]] = {}
        #: ``id(argument)`` -> its declared type (``Int``, ``InventoryAdjustQuantitiesInput!``).
        self.argument_type: dict[int, str] = {}
        #: What several graphql-core errors report once in graphql-ruby: key -> its body.
        self.reported: dict[object, dict[str, Any]] = {}
        #: ``id(node)`` -> graphql-ruby's name of its operation (``"Op"``, ``"anonymous query"``).
        self.operation: dict[int, str] = {}
        for definition in doc.definitions:
            if isinstance(definition, OperationDefinitionNode):
                kind = definition.operation.value
                root = kind
                owner = f"anonymous {kind}"
                if definition.name is not None:
                    root += " " + definition.name.value
                    owner = definition.name.value
            elif isinstance(definition, FragmentDefinitionNode):
                root = owner = "fragment " + definition.name.value
            else:
                continue
            self._walk(definition, [root], owner)
        if schema is not None:
            info = TypeInfo(schema)
            visit(doc, TypeInfoVisitor(info, _ArgumentTypes(info, self.argument_type)))

    def _walk(self, node: Node, path: list[str], owner: str) -> None:
        self.path[id(node)] = path
        self.operation[id(node)] = owner
        if isinstance(node, ArgumentNode):
            self.argument[id(node.value)] = node.name.value
        if isinstance(node, FieldNode | DirectiveNode):
            for argument in ast_list(node.arguments):
                for inner in _descendants(argument.value):
                    self.enclosing[id(inner)] = (argument, node)
        for name in node.keys:
            child = getattr(node, name, None)
            children = child if isinstance(child, tuple | list) else (child,)
            for c in children:
                if isinstance(c, SelectionSetNode):
                    self.path[id(c)] = path
                    self.parent[id(c)] = node
                    if isinstance(node, FieldNode):
                        self.field_of[id(c)] = node
                    for selection in c.selections:
                        self.parent[id(selection)] = c
                        self._walk(selection, [*path, _step(selection)], owner)
                elif isinstance(c, Node) and not isinstance(c, FieldNode | InlineFragmentNode):
                    self.parent[id(c)] = node
                    self._walk(c, path, owner)

    def up(self, node: Node | None, kind: type[Node] | tuple[type[Node], ...]) -> Node | None:
        """Return ``node`` or its nearest ancestor of ``kind``, if any."""
        while node is not None and not isinstance(node, kind):
            node = self.parent.get(id(node))
        return node


class _ArgumentTypes(Visitor):
    """Record the declared type of each argument (what graphql-ruby's messages name)."""

    def __init__(self, info: TypeInfo, out: dict[int, str]) -> None:
        super().__init__()
        self.info = info
        self.out = out

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        argument = self.info.get_argument()
        if argument is not None:
            self.out[id(node)] = str(argument.type)


def _descendants(node: Node) -> list[Node]:
    out = [node]
    for name in node.keys:
        child = getattr(node, name, None)
        for c in child if isinstance(child, tuple | list) else (child,):
            if isinstance(c, Node):
                out.extend(_descendants(c))
    return out


def _step(selection: Node) -> str:
    if isinstance(selection, FieldNode):
        return (selection.alias or selection.name).value
    if isinstance(selection, FragmentSpreadNode):
        return "... " + selection.name.value
    if isinstance(selection, InlineFragmentNode) and selection.type_condition is not None:
        return "... on " + selection.type_condition.name.value
    return "..."


_UNDEFINED_FIELD: Final = re.compile(r"Cannot query field '(.+?)' on type '(.+?)'\.")
_UNKNOWN_DIRECTIVE: Final = re.compile(r"Unknown directive '@(.+?)'\.")
_UNKNOWN_ARGUMENT: Final = re.compile(r"Unknown argument '(.+?)' on field '(.+?)\.(.+?)'\.")
_MISSING_ARGUMENT: Final = re.compile(
    r"Field '(.+?)' argument '(.+?)' of type '.+?' is required, but it was not provided\."
)
_MISSING_DIRECTIVE_ARGUMENT: Final = re.compile(
    r"Directive '@(.+?)' argument '(.+?)' of type '.+?' is required, but it was not provided\."
)
_UNUSED_VARIABLE: Final = re.compile(r"Variable '\$(.+?)' is never used")
_UNDEFINED_VARIABLE: Final = re.compile(r"Variable '\$(.+?)' is not defined")
_VARIABLE_MISMATCH: Final = re.compile(
    r"Variable '\$(.+?)' of type '(.+?)' used in position expecting type '(.+?)'\."
)
_NO_SELECTIONS: Final = re.compile(r"Field '(.+?)' of type '(.+?)' must have a selection")
_SCALAR_SELECTIONS: Final = re.compile(
    r"Field '(.+?)' must not have a selection since type '(.+?)' has no subfields\."
)


#: The one rule besides ValuesOfCorrectType that reports a node inside a literal argument.
_DUPLICATE_INPUT_FIELD: Final = re.compile(r"There can be only one input field named")
_UNKNOWN_TYPE: Final = re.compile(r"Unknown type '(.+?)'\.")
_NON_INPUT_VARIABLE: Final = re.compile(r"Variable '\$(.+?)' cannot be non-input type '(.+?)'\.")
_DUPLICATE_ARGUMENT: Final = re.compile(r"There can be only one argument named '(.+?)'\.")
_DUPLICATE_OPERATION: Final = re.compile(r"There can be only one operation named '(.+?)'\.")
_LONE_ANONYMOUS: Final = re.compile(r"This anonymous operation must be the only defined")
_UNKNOWN_FRAGMENT: Final = re.compile(r"Unknown fragment '(.+?)'\.")
_UNUSED_FRAGMENT: Final = re.compile(r"Fragment '(.+?)' is never used\.")
_FRAGMENT_CYCLE: Final = re.compile(
    r"Cannot spread fragment '(.+?)' within itself(?: via (.+))?\.$"
)
_IMPOSSIBLE_SPREAD: Final = re.compile(
    r"Fragment (?:'(.+?)' )?cannot be spread here as objects of type '(.+?)' can never be of "
    r"type '(.+?)'\."
)
_NON_COMPOSITE_FRAGMENT: Final = re.compile(
    r"Fragment (?:'.+?' )?cannot condition on non composite type '(.+?)'\."
)
_DUPLICATE_VARIABLE: Final = re.compile(r"There can be only one variable named '\$(.+?)'\.")
_DUPLICATE_DIRECTIVE: Final = re.compile(
    r"The directive '@(.+?)' can only be used once at this location\."
)
_UNKNOWN_DIRECTIVE_ARGUMENT: Final = re.compile(r"Unknown argument '(.+?)' on directive '@(.+?)'\.")
_UNSUPPORTED_OPERATION: Final = re.compile(
    r"The subscription operation is not supported by the schema\."
)
_FIELD_CONFLICT: Final = re.compile(
    r"Fields '(.+?)' conflict because '(.+?)' and '(.+?)' are different fields\. "
)


def _ruby_literal(node: Node) -> str:
    """Print a value literal as graphql-ruby's printer does (``{a: 1, b: "x"}``)."""
    if isinstance(node, StringValueNode):
        return json.dumps(node.value, ensure_ascii=False)
    if isinstance(node, IntValueNode | EnumValueNode):
        return node.value
    if isinstance(node, FloatValueNode):
        return str(float(node.value))
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, NullValueNode):
        return "null"
    if isinstance(node, VariableNode):
        return "$" + node.name.value
    if isinstance(node, ListValueNode):
        return "[" + ", ".join(_ruby_literal(v) for v in node.values) + "]"
    if isinstance(node, ObjectValueNode):
        fields = (f"{f.name.value}: {_ruby_literal(f.value)}" for f in node.fields)
        return "{" + ", ".join(fields) + "}"
    return ""  # pragma: no cover - no other value nodes exist


def _body(
    message: str, nodes: list[Node], path: list[str] | None, extensions: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message,
                           "locations": [loc for n in nodes for loc in _locations(n)]}
    if path is not None:
        out["path"] = path
    out["extensions"] = extensions
    return out


def _once(paths: _Paths, key: object, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Report ``body`` unless an error under ``key`` was already reported."""
    if key in paths.reported:
        return []
    paths.reported[key] = body
    return [body]


def _validation_errors(error: GraphQLError, paths: _Paths) -> list[dict[str, Any]]:
    """Word a graphql-core validation error as graphql-ruby does: zero, one or more bodies.

    graphql-ruby reports some errors once where graphql-core reports several (an invalid
    literal once per argument, a duplicate operation name once per name), and a fragment
    cycle once per fragment in it.
    """
    message = validation_message(error)
    nodes: list[Node] = list(error.nodes or ())
    node = nodes[0] if nodes else None

    def path_of(n: Node | None) -> list[str] | None:
        return paths.path.get(id(n)) if n is not None else None

    if (
        node is not None and id(node) in paths.enclosing and not isinstance(node, VariableNode)
        and not _DUPLICATE_INPUT_FIELD.match(message)
    ):  # ValuesOfCorrectType: its messages vary with the scalar, its node is in a literal
        argument, owner = paths.enclosing[id(node)]
        name = argument.name.value
        kind = "Field" if isinstance(owner, FieldNode) else "Directive"
        owner_name = (
            (owner.alias or owner.name).value if isinstance(owner, FieldNode)
            else owner.name.value if isinstance(owner, DirectiveNode) else ""
        )
        expected = paths.argument_type.get(id(argument), "")
        owner_path = path_of(owner)
        return _once(paths, ("literal", id(argument)), _body(
            f"Argument '{name}' on {kind} '{owner_name}' has an invalid value "
            f"({_ruby_literal(argument.value)}). Expected type '{expected}'.",
            [owner], [*owner_path, name] if owner_path is not None else None,
            {"code": "argumentLiteralsIncompatible", "typeName": kind, "argumentName": name},
        ))
    if m := _UNKNOWN_TYPE.match(message):
        type_name = m.group(1)
        fragment = paths.up(node, (InlineFragmentNode, FragmentDefinitionNode))
        variable = paths.up(node, VariableDefinitionNode)
        if isinstance(variable, VariableDefinitionNode):
            name = variable.variable.name.value
            return [_body(
                f"{type_name} isn't a defined input type (on ${name})", [variable],
                path_of(variable),
                {"code": "variableRequiresValidType", "typeName": type_name,
                 "variableName": name},
            )]
        if fragment is not None:
            return [_body(
                f"No such type {type_name}, so it can't be a fragment condition", [fragment],
                path_of(fragment), {"code": "undefinedType", "typeName": type_name},
            )]
    elif m := _NON_INPUT_VARIABLE.match(message):
        name, type_name = m.groups()
        variable = paths.up(node, VariableDefinitionNode)
        named = type_name.replace("[", "").replace("]", "").replace("!", "")
        if variable is not None:
            return [_body(
                f"{named} isn't a valid input type (on ${name})", [variable], path_of(variable),
                {"code": "variableRequiresValidType", "typeName": named, "variableName": name},
            )]
    elif m := _DUPLICATE_ARGUMENT.match(message):
        arguments = [paths.up(n, ArgumentNode) for n in nodes]
        return [_body(
            f'There can be only one argument named "{m.group(1)}"',
            [a for a in arguments if a is not None], path_of(node),
            {"code": "argumentNotUnique", "name": m.group(1)},
        )]
    elif m := _DUPLICATE_OPERATION.match(message):
        name = m.group(1)
        operations: list[Node] = [
            d for d in paths.doc.definitions
            if isinstance(d, OperationDefinitionNode) and d.name is not None
            and d.name.value == name
        ]
        return _once(paths, ("operation", name), _body(
            f'Operation name "{name}" must be unique', operations, [],
            {"code": "uniquelyNamedOperations", "operationName": name},
        ))
    elif _LONE_ANONYMOUS.match(message):
        anonymous: list[Node] = [
            d for d in paths.doc.definitions
            if isinstance(d, OperationDefinitionNode) and d.name is None
        ]
        return _once(paths, ("anonymous",), _body(
            "Operation name is required when multiple operations are present", anonymous, [],
            {"code": "uniquelyNamedOperations"},
        ))
    elif m := _UNKNOWN_FRAGMENT.match(message):
        spread = paths.up(node, FragmentSpreadNode)
        if spread is not None:
            return [_body(
                f"Fragment {m.group(1)} was used, but not defined", [spread], path_of(spread),
                {"code": "useAndDefineFragment", "fragmentName": m.group(1)},
            )]
    elif m := _UNUSED_FRAGMENT.match(message):
        return [_body(
            f"Fragment {m.group(1)} was defined, but not used", nodes[:1], path_of(node),
            {"code": "useAndDefineFragment", "fragmentName": m.group(1)},
        )]
    elif m := _FRAGMENT_CYCLE.match(message):
        names = {m.group(1), *(re.findall(r"'(.+?)'", m.group(2) or ""))}
        out = []
        for definition in paths.doc.definitions:
            if isinstance(definition, FragmentDefinitionNode) and definition.name.value in names:
                name = definition.name.value
                out += _once(paths, ("cycle", name), _body(
                    f"Fragment {name} contains an infinite loop", [definition],
                    path_of(definition), {"code": "infiniteLoop", "fragmentName": name},
                ))
        return out
    elif m := _IMPOSSIBLE_SPREAD.match(message):
        fragment_name, parent_type, type_name = m.groups()
        label = f" {fragment_name}" if fragment_name else ""
        return [_body(
            f"Fragment{label} on {type_name} can't be spread inside {parent_type}",
            nodes[:1], path_of(node),
            {"code": "cannotSpreadFragment", "typeName": type_name,
             "fragmentName": label or "unknown", "parentName": parent_type},
        )]
    elif m := _NON_COMPOSITE_FRAGMENT.match(message):
        fragment = paths.up(node, (InlineFragmentNode, FragmentDefinitionNode))
        if fragment is not None:
            return [_body(
                f"Invalid fragment on type {m.group(1)} (must be Union, Interface or Object)",
                [fragment], path_of(fragment),
                {"code": "fragmentOnNonCompositeType", "typeName": m.group(1)},
            )]
    elif m := _DUPLICATE_VARIABLE.match(message):
        definitions = [paths.up(n, VariableDefinitionNode) for n in nodes]
        return [_body(
            f'There can only be one variable named "{m.group(1)}"',
            [d for d in definitions if d is not None], path_of(node),
            {"code": "variableNotUnique", "variableName": m.group(1)},
        )]
    elif (m := _DUPLICATE_DIRECTIVE.match(message)) and node is not None:
        first = paths.reported.get(("directive", id(node)))
        if first is not None:  # graphql-ruby: one error per first use, listing every repeat
            first["locations"] += [loc for n in nodes[1:] for loc in _locations(n)]
            return []
        return _once(paths, ("directive", id(node)), _body(
            f'The directive "{m.group(1)}" can only be used once at this location.', nodes,
            path_of(node), {"code": "directiveNotUniqueForLocation", "directiveName": m.group(1)},
        ))
    elif m := _UNKNOWN_DIRECTIVE_ARGUMENT.match(message):
        argument_name, directive = m.groups()
        owner_path = path_of(node)
        return [_body(
            f"Directive '{directive}' doesn't accept argument '{argument_name}'", nodes[:1],
            [*owner_path, argument_name] if owner_path is not None else None,
            {"code": "argumentNotAccepted", "name": directive, "typeName": "Directive",
             "argumentName": argument_name},
        )]
    elif _UNSUPPORTED_OPERATION.match(message):
        # graphql-ruby's SubscriptionRootExists (the schema has no subscription root).
        return [_body("Schema is not configured for subscriptions", nodes[:1], path_of(node),
                      {"code": "missingSubscriptionConfiguration"})]
    elif m := _FIELD_CONFLICT.match(message):
        key, first_name, second_name = m.groups()
        conflicts = f"{first_name} or {second_name}"
        return [_body(
            f"Field '{key}' has a field conflict: {conflicts}?", nodes, [],
            {"code": "fieldConflict", "fieldName": key, "conflicts": conflicts},
        )]
    return [_validation_error(error, paths)]


def _validation_error(error: GraphQLError, paths: _Paths) -> dict[str, Any]:
    """Word a graphql-core validation error as graphql-ruby does, where we know how."""
    out: dict[str, Any] = {"message": validation_message(error)}
    locations = [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]
    if locations:
        out["locations"] = locations
    node = error.nodes[0] if error.nodes else None
    path = paths.path.get(id(node)) if node is not None else None
    owner = paths.operation.get(id(node), "anonymous query") if node is not None else ""
    message = validation_message(error)
    extensions: dict[str, Any] | None = None
    if m := _UNDEFINED_FIELD.match(message):
        field, type_name = m.groups()
        message = f"Field '{field}' doesn't exist on type '{type_name}'"
        extensions = {"code": "undefinedField", "typeName": type_name, "fieldName": field}
    elif m := _UNKNOWN_DIRECTIVE.match(message):
        message = f"Directive @{m.group(1)} is not defined"
        extensions = {"code": "undefinedDirective", "directiveName": m.group(1)}
        path = None  # graphql-ruby reports this one without a path
    elif m := _UNKNOWN_ARGUMENT.match(message):
        argument, _, field = m.groups()
        message = f"Field '{field}' doesn't accept argument '{argument}'"
        extensions = {"code": "argumentNotAccepted", "name": field, "typeName": "Field",
                      "argumentName": argument}
        path = [*path, argument] if path is not None else None
    elif m := _MISSING_ARGUMENT.match(message):
        field, argument = m.groups()
        message = f"Field '{field}' is missing required arguments: {argument}"
        extensions = {"code": "missingRequiredArguments", "className": "Field", "name": field,
                      "arguments": argument}
    elif m := _MISSING_DIRECTIVE_ARGUMENT.match(message):
        directive, argument = m.groups()
        message = f"Directive '{directive}' is missing required arguments: {argument}"
        extensions = {"code": "missingRequiredArguments", "className": "Directive",
                      "name": directive, "arguments": argument}
    elif m := _UNUSED_VARIABLE.match(message):
        message = f"Variable ${m.group(1)} is declared by {owner} but not used"
        extensions = {"code": "variableNotUsed", "variableName": m.group(1)}
        path = path[:1] if path is not None else None
    elif m := _UNDEFINED_VARIABLE.match(message):
        message = f"Variable ${m.group(1)} is used by {owner} but not declared"
        extensions = {"code": "variableNotDefined", "variableName": m.group(1)}
        out["locations"] = locations[:1]
    elif m := _VARIABLE_MISMATCH.match(message):
        variable, declared, expected = m.groups()
        nodes = error.nodes or []
        usage = nodes[1] if len(nodes) > 1 else None
        argument = paths.argument.get(id(usage), "") if usage is not None else ""
        kind = (
            "Nullability mismatch" if expected.rstrip("!") == declared.rstrip("!")
            else "Type mismatch"
        )
        message = (
            f"{kind} on variable ${variable} and argument {argument} ({declared} / {expected})"
        )
        extensions = {"code": "variableMismatch", "variableName": variable,
                      "typeName": declared, "argumentName": argument, "errorMessage": kind}
        usage_path = paths.path.get(id(usage)) if usage is not None else None
        path = [*usage_path, argument] if usage_path is not None else None
        out["locations"] = locations[1:] or locations
    elif m := _NO_SELECTIONS.match(message):
        field, type_name = m.groups()
        message = (
            f"Field must have selections (field '{field}' returns {type_name} but has no "
            f"selections. Did you mean '{field} {{ ... }}'?)"
        )
        extensions = {"code": "selectionMismatch", "nodeName": f"field '{field}'",
                      "typeName": type_name}
    elif m := _SCALAR_SELECTIONS.match(message):
        field, type_name = m.groups()
        named = type_name.strip("[]!")
        selected = (
            ", ".join(_step(s) for s in node.selections)
            if isinstance(node, SelectionSetNode) else ""
        )
        message = (
            f"Selections can't be made on scalars (field '{field}' returns {named} but has "
            f"selections [{selected}])"
        )
        extensions = {"code": "selectionMismatch", "nodeName": f"field '{field}'",
                      "typeName": named}
        owner_field = paths.field_of.get(id(node))
        if owner_field is not None:  # graphql-ruby points at the field, not its selections
            out["locations"] = _locations(owner_field)
    else:
        path = None
    out["message"] = message
    if path is not None:
        out["path"] = path
    if extensions is not None:
        out["extensions"] = extensions
    return out


# ---------------------------------------------------------------------- execution


class _Context:
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


class _FatalError(Exception):
    """Raised by a resolver whose request-level error leaves no ``data`` key."""


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
        coercion = _coercion_before_directive(era, query, errors, given, operation_name)
        if coercion:
            return {"errors": coercion}
        return {"errors": copy.deepcopy(list(errors))}  # the cached errors stay untouched
    operation = get_operation_ast(doc, operation_name)
    if operation is None:
        if operation_name is not None:
            message = f'No operation named "{operation_name}"'
        else:
            message = "An operation name is required"
        return {"errors": [{"message": message}]}
    found = analysis(era, query, operation_name, given)
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
        from ledger.shopify import cost  # it imports this module

        return cost.max_cost_exceeded_body(found.cost, max_cost)
    context = _Context(ledger, era, api_version, given)
    result: ExecutionResult = execute_sync(
        schema(era), doc, context_value=context, variable_values=dict(given),
        operation_name=operation_name,
    )
    for error in result.errors or ():
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError | _FatalError):
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
    found = analysis(era, query, operation_name, given)
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
        location = _locations(definition)
        if coercion.too_deep({name: raw}):
            errors.append({
                "message": f"Variables are nested more than {coercion.MAX_DEPTH} levels deep.",
                "locations": location,
                "extensions": {"code": "INVALID_VARIABLE"},
            })
            continue
        problems: list[coercion.Problem] = []
        coercion.coerce_value(t, raw, (), problems)
        if not problems:
            continue
        error = coercion.variable_error(name, t, raw, problems)
        # graphql-ruby puts the variable's definition between the message and extensions.
        errors.append({"message": error["message"], "locations": location,
                       "extensions": error["extensions"]})
    return errors


def _locations(node: Node) -> list[dict[str, int]]:
    loc = node.loc
    if loc is None:  # pragma: no cover - parse keeps locations
        return []
    return [{"line": loc.start_token.line, "column": loc.start_token.column}]


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


def _mutation_resolver(operation: str) -> Callable[..., Any]:
    def resolve(_root: object, info: ResolveInfo, **_arguments: Any) -> Any:
        context: _Context = info.context
        # Variables as the client sent them; a left-out variable with a default takes the
        # default graphql-core coerced.
        variables = {**variable_values(info), **context.variables}
        node = info.field_nodes[0]
        raw: dict[str, Any] = {}
        for argument in ast_list(node.arguments):
            value = _json(argument.value, variables)
            if value is not Undefined:
                raw[argument.name.value] = value
        key: Any = None
        for field_node in info.field_nodes:  # the same field may be selected more than once
            for directive in ast_list(field_node.directives):
                if directive.name.value == "idempotent":
                    for argument in ast_list(directive.arguments):
                        if argument.name.value == "key":
                            key = _json(argument.value, variables)
        ledger = context.ledger
        body = codec.execute(
            functools.partial(ledger.run, api_version=context.api_version), context.era,
            operation, raw, key if isinstance(key, str) else None,
            quantity_after_change=ledger.report_quantity_after_change,
        )
        errors = body.get("errors")
        if errors:
            if "data" not in body:
                context.fatal.extend({**e, "locations": _locations(node)} for e in errors)
                raise _FatalError
            first = errors[0]
            raise GraphQLError(first["message"], extensions=first.get("extensions"))
        return body["data"][operation]

    return resolve
