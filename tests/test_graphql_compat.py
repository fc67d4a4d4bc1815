"""graphql-core 3.2 and 3.3 give the same bodies: each difference ``ledger._graphql_compat`` hides.

The suite runs on both release lines (CI: the main environment and a second one); the
tests here name each difference, through ``Ledger.graphql`` where it shows there, and check
the translations of 3.3's shapes on whichever line is installed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import pytest

graphql = pytest.importorskip("graphql")

from packaging.requirements import Requirement  # noqa: E402 -- after the skip
from packaging.specifiers import SpecifierSet  # noqa: E402

from ledger import Ledger  # noqa: E402
from ledger.shopify import _graphql_compat  # noqa: E402
from tests.support import FakeClock  # noqa: E402

ITEM = "gid://shopify/InventoryItem/1"
LOCATION = "gid://shopify/Location/1"


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.example(api_version="2026-04", clock=FakeClock())


def test_the_installed_graphql_core_is_in_the_range_every_extra_declares() -> None:
    pyproject = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    declared = {Requirement(r).specifier for deps in extras.values() for r in deps
                if Requirement(r).name == "graphql-core"}
    assert declared == {SpecifierSet(">=3.2.3,<3.4")}
    assert SpecifierSet(">=3.2.3,<3.4").contains(graphql.__version__)


def test_the_issues_read_runs(ledger: Ledger) -> None:
    # graphql-core 3.3 before the compat layer: TypeError: 'NoneType' object is not iterable.
    assert ledger.graphql(f'{{ inventoryItem(id: "{ITEM}") {{ id }} }}') == {
        "data": {"inventoryItem": {"id": ITEM}}}


def test_a_mutation_with_variables_runs(ledger: Ledger) -> None:
    # graphql-core 3.3 before the compat layer: 'VariableValues' object is not a mapping.
    query = """mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
      inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
        inventoryAdjustmentGroup { changes { name delta } } userErrors { code } } }"""
    body = ledger.graphql(query, {"key": "k1", "input": {
        "name": "available", "reason": "correction",
        "changes": [{"inventoryItemId": ITEM, "locationId": LOCATION, "delta": -1,
                     "changeFromQuantity": 10}]}})
    payload = body["data"]["inventoryAdjustQuantities"]
    assert payload["userErrors"] == []
    assert {"name": "available", "delta": -1} in payload["inventoryAdjustmentGroup"]["changes"]
    assert ledger.quantities(ITEM, LOCATION)["available"] == 9


def test_a_left_out_variable_takes_its_default_in_a_mutation(ledger: Ledger) -> None:
    # The default reaches the resolver only through graphql-core's coerced variables.
    query = """mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String = "k1") {
      inventoryAdjustQuantities(input: $input) @idempotent(key: $key) { userErrors { code } } }"""
    variables = {"input": {
        "name": "available", "reason": "correction",
        "changes": [{"inventoryItemId": ITEM, "locationId": LOCATION, "delta": -1,
                     "changeFromQuantity": 10}]}}
    assert ledger.graphql(query, variables) == {
        "data": {"inventoryAdjustQuantities": {"userErrors": []}}}
    variables["input"]["changes"][0]["changeFromQuantity"] = 9  # the same key, other inputs
    assert ledger.graphql(query, variables) == {"data": {"inventoryAdjustQuantities": {
        "userErrors": [{"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"}]}}}


@pytest.mark.parametrize("query", ["{ location { } }", "{ }"])
def test_an_empty_selection_set_is_graphql_rubys_parse_error(ledger: Ledger, query: str) -> None:
    # graphql-core 3.3 parses "{ }" unless told not to (allow_empty_selection_sets).
    body = ledger.graphql(query)
    assert body["errors"][0]["message"].startswith('Parse error on "}" (RCURLY)')
    assert "data" not in body


def test_an_undefined_variable_is_reported_after_the_errors_inside_its_operation(
    ledger: Ledger,
) -> None:
    # 3.3 reports NoUndefinedVariables on entering the operation, 3.2 on leaving it.
    body = ledger.graphql("query Q { location(id: $nope) { nope } }")
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes == ["undefinedField", "variableNotDefined"]


def test_an_unused_variable_is_reported_after_the_errors_inside_its_operation(
    ledger: Ledger,
) -> None:
    body = ledger.graphql("query Q($x: ID) { location { nope } }")
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes == ["undefinedField", "variableNotUsed"]


def test_deprecated_takes_a_nullable_reason_as_graphql_ruby_declares_it(ledger: Ledger) -> None:
    body = ledger.graphql("{ __schema { directives { name args { name defaultValue "
                          "type { kind name } } } } }")
    deprecated = next(d for d in body["data"]["__schema"]["directives"]
                      if d["name"] == "deprecated")
    assert deprecated["args"] == [{"name": "reason", "defaultValue": '"No longer supported"',
                                   "type": {"kind": "SCALAR", "name": "String"}}]


def test_the_ledgers_deprecations_still_read_from_its_sdl(ledger: Ledger) -> None:
    body = ledger.graphql('{ __type(name: "Mutation") { fields(includeDeprecated: true) '
                          "{ name isDeprecated } } }")
    fields = {f["name"]: f["isDeprecated"] for f in body["data"]["__type"]["fields"]}
    assert fields["inventorySetOnHandQuantities"] is True
    assert fields["inventoryAdjustQuantities"] is False


@pytest.mark.parametrize("absent", [None, (), []])
def test_an_absent_ast_list_reads_as_an_empty_tuple(absent: Any) -> None:
    assert _graphql_compat.ast_list(absent) == ()


def test_a_present_ast_list_reads_as_its_tuple() -> None:
    document = graphql.parse("{ a(x: 1, y: 2) }")
    field = document.definitions[0].selection_set.selections[0]
    assert [a.name.value for a in _graphql_compat.ast_list(field.arguments)] == ["x", "y"]


class _VariableValues(NamedTuple):
    """3.3's shape of ``GraphQLResolveInfo.variable_values``."""

    sources: dict[str, Any]
    coerced: dict[str, Any]


class _Info(NamedTuple):
    variable_values: Any


@pytest.mark.parametrize("values", [{"x": 1}, _VariableValues({"x": "source"}, {"x": 1})],
                         ids=["3.2-dict", "3.3-variable-values"])
def test_a_resolver_reads_the_coerced_variables_of_either_shape(values: Any) -> None:
    assert _graphql_compat.variable_values(_Info(values)) == {"x": 1}  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "expected"), [
    ("Argument 'QueryRoot.location(id:)' of type 'ID!' is required, but it was not provided.",
     "Field 'location' argument 'id' of type 'ID!' is required, but it was not provided."),
    ("Argument 'location(id:)' of type 'ID!' is required, but it was not provided.",
     "Field 'location' argument 'id' of type 'ID!' is required, but it was not provided."),
    ("Argument '@include(if:)' of type 'Boolean!' is required, but it was not provided.",
     "Directive '@include' argument 'if' of type 'Boolean!' is required, but it was not "
     "provided."),
    ("Cannot query field 'nope' on type 'Location'.",
     "Cannot query field 'nope' on type 'Location'."),
])
def test_3_3s_wording_of_a_missing_argument_reads_as_3_2s(
    monkeypatch: pytest.MonkeyPatch, message: str, expected: str,
) -> None:
    monkeypatch.setattr(_graphql_compat, "GRAPHQL_3_3", True)
    assert _graphql_compat.validation_message(graphql.GraphQLError(message)) == expected


def test_a_missing_argument_is_graphql_rubys_error_on_this_graphql_core(ledger: Ledger) -> None:
    body = ledger.graphql("{ inventoryItem { id } }")
    assert body["errors"][0]["message"] == (
        "Field 'inventoryItem' is missing required arguments: id")


def test_the_rules_run_are_graphql_cores_with_known_operation_types_once() -> None:
    # 3.3 has the rule; on 3.2 the module's own copy stands at 3.3's place.
    names = [rule.__name__.lstrip("_") for rule in _graphql_compat._RULES]
    assert names.count("KnownOperationTypesRule") == 1
    assert names.index("KnownOperationTypesRule") == 1
    expected = [r.__name__ for r in graphql.specified_rules]
    assert [n for n in names if n != "KnownOperationTypesRule"] == [
        n for n in expected if n != "KnownOperationTypesRule"]


def test_the_version_flag_names_the_installed_release_line() -> None:
    major, minor = (int(p) for p in re.findall(r"\d+", graphql.__version__)[:2])
    assert (major, minor) == _graphql_compat.VERSION
    assert _graphql_compat.GRAPHQL_3_3 is ((major, minor) >= (3, 3))
