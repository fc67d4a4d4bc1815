"""graphql-ruby's wording of GraphQL syntax and validation errors (the engine behind Shopify).

Part of the Shopify adapter's GraphQL front (``ledger.shopify``), on graphql-core: it turns
graphql-core's ``GraphQLSyntaxError`` and validation errors into the bodies graphql-ruby
gives, which Shopify's responses quote. Of the front it imports only ``_graphql_compat``;
``ledger.shopify.analysis`` calls it when a document does not parse or validate.

This module stays whole (about 620 lines): every rule's wording is one branch of
``_validation_errors``/``_validation_error``, read against the same ``_Paths`` of the document.

Choices where Shopify's behaviour is a guess ([ours]):

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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Final

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.language import Lexer, TokenKind

from ledger.shopify._graphql_compat import ast_list, validation_message


def locations_of(node: Node) -> list[dict[str, int]]:
    """Return the ``locations`` of an error at ``node``: where its first token starts."""
    loc = node.loc
    if loc is None:  # pragma: no cover - parse keeps locations
        return []
    return [{"line": loc.start_token.line, "column": loc.start_token.column}]


# ---------------------------------------------------------------------- syntax errors


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


def syntax_error(query: str, error: GraphQLSyntaxError) -> dict[str, Any]:
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


# ---------------------------------------------------------------------- validation errors


def validation_bodies(
    doc: DocumentNode, schema: GraphQLSchema, errors: Iterable[GraphQLError]
) -> tuple[dict[str, Any], ...]:
    """Word graphql-core's validation ``errors`` of ``doc`` as graphql-ruby words them."""
    paths = _Paths(doc, schema)
    return tuple(out for e in errors for out in _validation_errors(e, paths))


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
                           "locations": [loc for n in nodes for loc in locations_of(n)]}
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
            first["locations"] += [loc for n in nodes[1:] for loc in locations_of(n)]
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
            out["locations"] = locations_of(owner_field)
    else:
        path = None
    out["message"] = message
    if path is not None:
        out["path"] = path
    if extensions is not None:
        out["extensions"] = extensions
    return out
