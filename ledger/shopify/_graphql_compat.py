"""graphql-core 3.2 and 3.3 behind one interface: every difference ledger meets, in one place.

ledger supports graphql-core ``>=3.2.3,<3.4`` (the ``graphql`` extra). Its GraphQL front
(the modules of ``ledger.shopify`` that import graphql-core) calls graphql-core through this
module wherever the two lines differ, and gives the same bodies on both:

* **Absent AST lists.** 3.2's parser gives an empty tuple for a field's, directive's or
  spread's absent ``arguments``, a selection's absent ``directives`` and an operation's
  absent ``variable_definitions``; 3.3's gives ``None``. ``ast_list`` reads either as a tuple.
* **Variable values in resolvers.** 3.2's ``GraphQLResolveInfo.variable_values`` is the
  dict of coerced values; 3.3's is a ``VariableValues`` named tuple (``sources``,
  ``coerced``), which is not a mapping. ``variable_values`` gives the dict on both.
* **Empty selection sets.** 3.3's ``parse`` accepts ``{ }`` by default
  (``allow_empty_selection_sets``, new in 3.3); 3.2's, like graphql-ruby's, refuses it with a
  syntax error. ``parse_document`` refuses it on both.
* **When validation reports an undefined or unused variable.** 3.2's
  ``NoUndefinedVariablesRule`` and ``NoUnusedVariablesRule`` report on leaving an
  operation, after the errors found inside it; 3.3's on entering it, before them. The order
  of the errors is the order of the response's ``errors``, so ``validate_document`` holds
  3.3's reports of the two rules until the operation is left, as 3.2 makes them.
* **An operation type the schema lacks.** 3.3 refuses a ``subscription`` on a schema
  without a subscription root in validation (``KnownOperationTypesRule``: ``The
  subscription operation is not supported by the schema.``), as graphql-ruby does; 3.2 only
  fails it in execution (``data: null``). ``validate_document`` runs the same rule on 3.2,
  at the same place in the rule list.
* **Validation wording.** 3.3 rewords a missing required argument (``Argument
  'Query.f(x:)' of type 'T!' is required, but it was not provided.``, 3.2: ``Field 'f'
  argument 'x' of type 'T!' is required, but it was not provided.``, and the same for
  directives). ``validation_message`` gives 3.2's wording, which ``ledger.shopify.wording``
  maps to graphql-ruby's, or keeps.
* **graphql-core's own CollectFields.** 3.2's ``collect_fields(schema, fragments,
  variables, type, selection_set)`` takes fragment definitions and a dict and returns field
  nodes by response key; 3.3's takes ``FragmentDetails``, ``VariableValues`` and the
  operation and returns ``CollectedFields`` of ``FieldDetails``. ``ledger.shopify.analysis``
  collects fields itself (in time linear in the document); ``executed_root_fields`` runs
  graphql-core's, on either line, so tests can check the two agree.
* **``@deprecated(reason:)``.** 3.3 declares the argument ``String!``; 3.2, like
  graphql-ruby (``required: false``), ``String``, both defaulting to ``"No longer
  supported"``. ``build_schema`` gives the schema 3.2's declaration, so
  ``__schema { directives }`` reads the same on both.

What stays graphql-core's own, release by release (3.2 patch releases differ too): the
introspection meta-types and the descriptions and locations of the built-in directives.
3.3's ``includeDeprecated`` arguments (of ``__Schema.directives``, ``__Type``'s
``fields``, ``enumValues`` and ``inputFields``, ``__Field.args``, ``__Directive.args``) are
``Boolean!`` (3.2: ``Boolean``), its ``__DirectiveLocation`` has
``FRAGMENT_VARIABLE_DEFINITION``, and ``@oneOf``'s description is reworded; 3.2.3 has no
``@oneOf``. These reach only a client that introspects the meta-schema itself.

For the type checker: 3.3's ``GraphQLResolveInfo`` is generic in its context, 3.2's is not;
resolvers annotate ``info`` as ``ResolveInfo``, which ``mypy --strict`` accepts with
either installed.

No other difference was found in ledger's bodies: the whole test suite passes on 3.2.14
and 3.3.2, its GraphQL, HTTP and client files on 3.2.3, and the names ledger imports from
``graphql`` exist on both with the same signatures for the arguments it passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, TypeAlias, TypeVar

import graphql
from graphql import (
    DEFAULT_DEPRECATION_REASON,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLArgument,
    GraphQLDeprecatedDirective,
    GraphQLDirective,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLString,
    NoUndefinedVariablesRule,
    NoUnusedVariablesRule,
    OperationDefinitionNode,
    Source,
    ValidationRule,
    parse,
    specified_rules,
    validate,
)

T = TypeVar("T")

#: A resolver's ``info``: generic in its context type on 3.3, not generic on 3.2.
ResolveInfo: TypeAlias = GraphQLResolveInfo  # type: ignore[type-arg,unused-ignore]

#: The graphql-core release line in use, as ``(major, minor)``.
VERSION: Final[tuple[int, int]] = (
    graphql.version_info.major, graphql.version_info.minor
)
#: Whether graphql-core is 3.3 or later (``VERSION >= (3, 3)``).
GRAPHQL_3_3: Final = VERSION >= (3, 3)


def ast_list(nodes: tuple[T, ...] | list[T] | None) -> tuple[T, ...]:
    """Return an AST list attribute as a tuple: 3.3 leaves an absent list ``None``."""
    return tuple(nodes) if nodes else ()


def variable_values(info: ResolveInfo) -> Mapping[str, Any]:
    """Return the coerced variable values a resolver sees, as a mapping on both lines."""
    values: Any = info.variable_values
    coerced = getattr(values, "coerced", None)  # 3.3: VariableValues(sources, coerced)
    if isinstance(coerced, Mapping):
        return coerced
    return values if isinstance(values, Mapping) else {}


#: ``parse``'s keyword arguments: 3.3 would accept ``{ }``, which 3.2 and graphql-ruby refuse.
_PARSE_OPTIONS: Final[dict[str, Any]] = (
    {"allow_empty_selection_sets": False} if GRAPHQL_3_3 else {}
)


def parse_document(source: Source) -> DocumentNode:
    """Parse an executable document as 3.2 does (``GraphQLSyntaxError`` if it does not)."""
    return parse(source, **_PARSE_OPTIONS)


def _reported_on_leaving_the_operation(
    rule: type[ASTValidationRule],
) -> type[ASTValidationRule]:
    """Return ``rule`` with what it reports on entering an operation held until it is left."""

    class Held(rule):  # type: ignore[misc,valid-type]  # a rule class chosen at run time
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self._held: list[GraphQLError] = []

        def enter_operation_definition(self, *args: Any) -> Any:
            # The rule reports through self.report_error: collect instead, for now.
            self.report_error = self._held.append
            try:
                return super().enter_operation_definition(*args)
            finally:
                del self.report_error

        def leave_operation_definition(self, *args: Any) -> Any:
            leave = getattr(super(), "leave_operation_definition", None)
            result = leave(*args) if leave is not None else None
            for error in self._held:
                self.report_error(error)
            self._held.clear()
            return result

    Held.__name__ = Held.__qualname__ = rule.__name__
    return Held


class _KnownOperationTypesRule(ValidationRule):
    """3.3's ``KnownOperationTypesRule`` for 3.2: an operation's root type must exist."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        if not self.context.schema.get_root_type(node.operation):
            self.report_error(GraphQLError(
                f"The {node.operation.value} operation is not supported by the schema.", node))


def _rules() -> tuple[type[ASTValidationRule], ...]:
    rules = [
        _reported_on_leaving_the_operation(rule)
        if GRAPHQL_3_3 and rule in (NoUndefinedVariablesRule, NoUnusedVariablesRule) else rule
        for rule in specified_rules
    ]
    if not any(rule.__name__ == "KnownOperationTypesRule" for rule in rules):
        rules.insert(1, _KnownOperationTypesRule)  # 3.3's place: after ExecutableDefinitions
    return tuple(rules)


#: The rules ``validate_document`` runs: graphql-core's, with 3.2's timing where 3.3 moved it.
_RULES: Final = _rules()


def validate_document(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """Validate ``document`` with graphql-core's rules, its errors in 3.2's order."""
    return validate(schema, document, _RULES)


# 3.3's wording of ProvidedRequiredArguments, for a field (``Type.field``) and a directive.
_MISSING_FIELD_ARGUMENT: Final = re.compile(
    r"Argument '(?:[^'.()]+\.)?([^'.()]+)\(([^':()]+):\)' of type '(.+?)' is required, "
    r"but it was not provided\."
)
_MISSING_DIRECTIVE_ARGUMENT: Final = re.compile(
    r"Argument '@([^'()]+)\(([^':()]+):\)' of type '(.+?)' is required, "
    r"but it was not provided\."
)


def validation_message(error: GraphQLError) -> str:
    """Return a validation error's message in graphql-core 3.2's wording."""
    message = error.message
    if not GRAPHQL_3_3:
        return message
    if m := _MISSING_DIRECTIVE_ARGUMENT.fullmatch(message):
        directive, argument, type_name = m.groups()
        return (f"Directive '@{directive}' argument '{argument}' of type '{type_name}' is "
                "required, but it was not provided.")
    if m := _MISSING_FIELD_ARGUMENT.fullmatch(message):
        field, argument, type_name = m.groups()
        return (f"Field '{field}' argument '{argument}' of type '{type_name}' is required, "
                "but it was not provided.")
    return message


def _deprecated_as_in_3_2() -> GraphQLDirective:
    """``@deprecated`` with ``reason: String = "No longer supported"``, as 3.2 declares it."""
    reason = GraphQLDeprecatedDirective.args["reason"]
    return GraphQLDirective(
        name=GraphQLDeprecatedDirective.name,
        locations=GraphQLDeprecatedDirective.locations,
        args={"reason": GraphQLArgument(GraphQLString, description=reason.description,
                                        default_value=DEFAULT_DEPRECATION_REASON)},
        description=GraphQLDeprecatedDirective.description,
    )


def build_schema(sdl: str) -> GraphQLSchema:
    """Build a schema from SDL, its ``@deprecated`` declared as 3.2 declares it."""
    built = graphql.build_schema(sdl)
    if not GRAPHQL_3_3:
        return built
    directives = tuple(_deprecated_as_in_3_2() if d is GraphQLDeprecatedDirective else d
                       for d in built.directives)
    kwargs = built.to_kwargs()
    kwargs["directives"] = directives
    return GraphQLSchema(**kwargs)


def executed_root_fields(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
    variables: dict[str, Any],
) -> dict[str, list[FieldNode]] | None:
    """Return the root fields graphql-core's execution collects, by response key.

    ``None`` when the variables do not coerce (execution would not start).
    """
    from graphql.execution import collect_fields as collecting
    from graphql.execution.values import get_variable_values

    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    definitions = {d.name.value: d for d in document.definitions
                   if isinstance(d, FragmentDefinitionNode)}
    coerced: Any = get_variable_values(schema, ast_list(operation.variable_definitions),
                                       variables)
    if isinstance(coerced, list):
        return None  # a list of errors
    collect: Any = collecting.collect_fields  # its signature depends on the release line
    if not GRAPHQL_3_3:
        found: dict[str, list[FieldNode]] = collect(schema, definitions, coerced, root,
                                                    operation.selection_set)
        return found
    details: Any = collecting.FragmentDetails  # type: ignore[attr-defined,unused-ignore]
    fragments = {name: details(definition) for name, definition in definitions.items()}
    collected = collect(schema, fragments, coerced, root, operation)
    return {key: [d.node for d in field_details]
            for key, field_details in collected.grouped_field_set.items()}
