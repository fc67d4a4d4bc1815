"""A query string to a validated document, the bounds on it, and the walks over an operation.

Part of the Shopify adapter's GraphQL front (``ledger.shopify``), on graphql-core; below
``ledger.shopify.cost`` and the execution (``ledger.shopify.graphql_api``), which both read
it. Parsed and validated documents are cached per query string (``document``,
``validated``), so a repeated query costs no re-parse and no re-validation; syntax and
validation errors are worded by ``ledger.shopify.wording``. The walks (``collect_fields``,
``effective_variables``, ``included``, ``query_depth``, ``argument_errors``) read one
operation with the request's variables, each in time linear in the document.

Bounds, each checked before anything runs and each linear in the document, in this order
(graphql-ruby's: size while parsing, validation, then analysis; validation runs after the
nesting checks, variables are coerced after the 250 limits, which read them as sent); a
non-string query or operation name is a programmer error (``TypeError``, raised by
``graphql_api.run``):

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
- a requested cost (``ledger.shopify.cost``) over 1000: Shopify's ``MAX_COST_EXCEEDED``,
  which bounds the work of execution (a document doubling its fields with each level of
  fragments is refused, its cost computed exactly and in linear time).

``ledger.shopify.cost.findings`` gathers, per request, what the last three find (cached).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, NamedTuple

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    Undefined,
    VariableNode,
    get_named_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)

from ledger.core.errors import MAX_INPUT_SIZE
from ledger.core.quantities import GRAPHQL_INT_MAX
from ledger.core.versions import Era
from ledger.shopify._graphql_compat import ast_list, parse_document, validate_document
from ledger.shopify.schema import schema
from ledger.shopify.wording import locations_of, syntax_error, validation_bodies

#: How many distinct query strings keep their parsed (and, per era, validated) document.
CACHE_SIZE: Final = 512


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
#: graphql-ruby's parse error for a document over its token limit.
TOO_LARGE: Final = "This query is too large to execute."


# ---------------------------------------------------------------------- before parsing


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
    return _validated_in(era)(query)


#: ``_validated`` per era, by ``id(era)`` (kept with the era): hashing an ``Era`` costs
#: ~1.7 µs, more than the rest of a cached look-up.
_VALIDATED: dict[int, tuple[Era, Callable[[str], tuple[DocumentNode | None,
                                                       tuple[dict[str, Any], ...]]]]] = {}


def _validated_in(era: Era) -> Callable[[str], tuple[DocumentNode | None,
                                                     tuple[dict[str, Any], ...]]]:
    entry = _VALIDATED.get(id(era))
    if entry is None or entry[0] is not era:
        entry = _VALIDATED[id(era)] = (
            era, functools.lru_cache(maxsize=CACHE_SIZE)(functools.partial(_validated, era)))
    return entry[1]


def _validated(era: Era, query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    refused = refusal(query)
    if refused is not None:
        return None, (refused,)
    parsed = document(query)
    if isinstance(parsed, GraphQLSyntaxError):
        return None, (syntax_error(query, parsed),)
    nested = structural_nesting(parsed)
    if nested > MAX_NESTING:
        # Report graphql-ruby's depth where it is over too (variables unknown yet: every
        # @skip/@include on a variable counts as keeping its selection), else the nesting.
        fragments = fragment_definitions(parsed)
        deepest = max((query_depth(d, fragments, {}) for d in parsed.definitions
                       if isinstance(d, OperationDefinitionNode)), default=0)
        return None, (depth_error(deepest if deepest > MAX_DEPTH else nested),)
    try:
        errors = validate_document(schema(era), parsed)
    except RecursionError:  # pragma: no cover - graphql-core releases before 3.2.7 recursed
        return None, ({"message": "Query is nested too deeply to be validated."},)
    if errors:
        return None, validation_bodies(parsed, schema(era), errors)
    return parsed, ()


# ---------------------------------------------------------------------- walks over an operation


class Length(NamedTuple):
    """A list variable as the bounds read it: by its length alone."""

    length: int


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


def fragment_definitions(doc: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """Return the fragments ``doc`` defines, by name."""
    return {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}


def structural_nesting(doc: DocumentNode) -> int:
    """Return how deeply fields, inline fragments and spreads nest, fragments expanded.

    Every definition counts (validation walks them all); linear in the document.
    """
    fragments = fragment_definitions(doc)

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


def given_variables(variables: object) -> Mapping[str, Any]:
    """Return a request's variables as a mapping: empty when none or not an object is given.

    A plain ``dict`` is taken before ``isinstance`` against the ``Mapping`` ABC, whose
    ``__instancecheck__`` is a Python-level frame on every request.
    """
    if type(variables) is dict or isinstance(variables, Mapping):
        return variables
    return {}


def effective_variables(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return ``variables`` with the defaults of those the operation declares and left out."""
    out = dict(given_variables(variables))
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
                    else raw.length if isinstance(raw, Length)
                    else len(raw) if isinstance(raw, list) else 0)
            if size > MAX_INPUT_SIZE:
                out.append({
                    "message": f"The input array size of {size} is greater than the maximum "
                               f"allowed of {MAX_INPUT_SIZE}.",
                    "locations": locations_of(field), "path": [*path, name],
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
                    "locations": locations_of(field), "path": [*path, name],
                    "extensions": {"code": "MAX_PAGE_SIZE_EXCEEDED"},
                })
    return out
