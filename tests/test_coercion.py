"""``ledger.shopify.coercion``: variables coerced as graphql-ruby coerces them, through ``execute``.

The input types of each era (which fields exist where), graphql-ruby's ``INVALID_VARIABLE``
errors and the bounds on what they echo (semantics §4, §6-§8).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from typing import Any

import pytest

from ledger.core.errors import ADJUST, MOVE, SET, SET_ON_HAND
from ledger.core.versions import ERAS, SUPPORTED, Presence
from ledger.shopify import coercion
from tests.test_codec import (
    ACTIVATE,
    DEACTIVATE,
    I1,
    L1,
    L2,
    PO,
    coercion_error,
    key_for,
    new_ledger,
    put,
    succeeded,
    valid,
)

# ---------------------------------------------------------------------- variable coercion


def test_an_unknown_input_field_is_reported_as_in_the_spec_with_no_data_key() -> None:
    variables = valid(SET, "2026-04")
    variables["input"]["ignoreCompareQuantity"] = True
    body = new_ledger("2026-04").execute(SET, variables, idempotency_key="k")
    assert body == {"errors": [{
        "message": "Variable $input of type InventorySetQuantitiesInput! was provided invalid "
                   "value for ignoreCompareQuantity (Field is not defined on "
                   "InventorySetQuantitiesInput)",
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": variables["input"],
            "problems": [{"path": ["ignoreCompareQuantity"],
                          "explanation": "Field is not defined on InventorySetQuantitiesInput"}],
        },
    }]}


def test_a_missing_nested_non_null_field_uses_dots_in_the_message_and_ints_in_the_path() -> None:
    variables = {"input": {"name": "incoming", "reason": "correction", "changes": [
        {"inventoryItemId": I1, "locationId": L1, "ledgerDocumentUri": PO}]}}
    body = new_ledger("2025-01").execute(ADJUST, variables)
    assert body == coercion_error(
        "input", "InventoryAdjustQuantitiesInput!", variables["input"],
        (["changes", 0, "delta"], "Expected value to not be null"),
    )
    assert body["errors"][0]["message"] == (
        "Variable $input of type InventoryAdjustQuantitiesInput! was provided invalid value for "
        "changes.0.delta (Expected value to not be null)"
    )


def test_problems_list_the_given_keys_in_order_then_missing_fields_in_definition_order() -> None:
    variables = {"input": {"changes": [{"quantity": 1, "inventoryItemId": I1, "locationId": L1}],
                           "bogus": 1}}
    body = new_ledger("2025-10").execute(ADJUST, variables)
    assert body == coercion_error(
        "input", "InventoryAdjustQuantitiesInput!", variables["input"],
        (["changes", 0, "quantity"], "Field is not defined on InventoryChangeInput"),
        (["changes", 0, "delta"], "Expected value to not be null"),
        (["bogus"], "Field is not defined on InventoryAdjustQuantitiesInput"),
        (["name"], "Expected value to not be null"),
        (["reason"], "Expected value to not be null"),
    )


WRONG_TYPES = [
    pytest.param(["changes", 0, "delta"], "x", 'Could not coerce value "x" to Int',
                 id="a string is not an Int"),
    pytest.param(["changes", 0, "delta"], True, "Could not coerce value true to Int",
                 id="a bool is not an Int"),
    pytest.param(["changes", 0, "delta"], 2**31, "Could not coerce value 2147483648 to Int",
                 id="Int is 32-bit: 2**31 overflows"),
    pytest.param(["changes", 0, "delta"], -(2**31) - 1,
                 "Could not coerce value -2147483649 to Int",
                 id="Int is 32-bit: -2**31-1 overflows"),
    pytest.param(["changes", 0, "delta"], 1.5, "Could not coerce value 1.5 to Int",
                 id="a float is not an Int"),
    pytest.param(["changes", 0, "delta"], None, "Expected value to not be null",
                 id="an explicit null for Int! is missing"),
    pytest.param(["name"], 5, "Could not coerce value 5 to String",
                 id="an int is not a String"),
    pytest.param(["changes", 0, "ledgerDocumentUri"], False,
                 "Could not coerce value false to String", id="a bool is not a String"),
    pytest.param(["changes", 0, "inventoryItemId"], True, "Could not coerce value true to ID",
                 id="a bool is not an ID"),
    pytest.param(["changes", 0, "locationId"], None, "Expected value to not be null",
                 id="an ID! cannot be null"),
    pytest.param(["changes", 0], "x", 'Expected "x" to be a key-value object.',
                 id="a string is not an input object"),
]


@pytest.mark.parametrize(("path", "value", "explanation"), WRONG_TYPES)
@pytest.mark.parametrize("version", ["2025-04", "2026-04"])
def test_a_value_of_the_wrong_type_is_a_coercion_error(
    version: str, path: list[Any], value: Any, explanation: str
) -> None:
    variables = valid(ADJUST, version)
    put(variables["input"], path, value)
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = ledger.execute(ADJUST, variables, idempotency_key=key_for(version))
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (path, explanation))
    assert ledger.snapshot() == before


# A value JSON cannot carry, or too big to echo whole: the echo, and the message's literal.
_LONG = "<an integer of more than 2048 digits>"


HOSTILE = [
    pytest.param(math.nan, "NaN", "Could not coerce value NaN to Int", id="NaN"),
    pytest.param(math.inf, "Infinity", "Could not coerce value to Int", id="infinity"),
    pytest.param(-math.inf, "-Infinity", "Could not coerce value -Infinity to Int",
                 id="minus infinity"),
    pytest.param(10**2048 - 1, 10**2048 - 1, f"Could not coerce value {'9' * 2048} to Int",
                 id="an integer of 2048 digits is echoed exactly"),
    pytest.param(10**2048, _LONG, f"Could not coerce value {_LONG} to Int",
                 id="an integer of 2049 digits"),
    pytest.param(-(10**5000), "<a negative integer of more than 2048 digits>",
                 "Could not coerce value <a negative integer of more than 2048 digits> to Int",
                 id="an integer past Python's 4300-digit limit"),
    pytest.param("x" * 2048, "x" * 2048, f'Could not coerce value "{"x" * 2048}" to Int',
                 id="a string of 2048 characters is echoed whole"),
    pytest.param("x" * 3000, "x" * 2048 + "… (3000 characters in all)",
                 f'Could not coerce value "{"x" * 2048}… (3000 characters in all)" to Int',
                 id="a string of 3000 characters"),
    pytest.param([1] * 300, [1] * 250 + ["… (300 entries in all)"],
                 "Could not coerce value [" + "1, " * 250 + "… (300 entries in all)] to Int",
                 id="a list of 300 entries"),
    pytest.param(b"raw", "b'raw'", "Could not coerce value b'raw' to Int", id="bytes"),
    pytest.param((1, "a"), [1, "a"], 'Could not coerce value [1, "a"] to Int', id="a tuple"),
]


@pytest.mark.parametrize(("value", "echoed", "explanation"), HOSTILE)
def test_a_value_json_cannot_carry_or_too_big_to_echo_is_echoed_cut_as_strict_json(
    value: Any, echoed: Any, explanation: str
) -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["delta"] = value
    ledger = new_ledger()
    before = ledger.snapshot()
    body = ledger.execute(ADJUST, variables, idempotency_key="k")
    expected_input = copy.deepcopy(valid(ADJUST, "2026-04")["input"])
    expected_input["changes"][0]["delta"] = echoed
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", expected_input,
                                  (["changes", 0, "delta"], explanation))
    json.dumps(body, allow_nan=False)
    assert ledger.snapshot() == before


def test_at_most_250_problems_are_reported_and_the_message_counts_the_rest() -> None:
    changes = [{"inventoryItemId": I1, "locationId": L1}] * 300
    body = new_ledger("2025-01").execute(ADJUST, {"input": {
        "name": "available", "reason": "correction", "changes": changes}})
    error = body["errors"][0]
    assert len(error["extensions"]["problems"]) == 250
    assert error["extensions"]["problems"][-1] == {
        "path": ["changes", 249, "delta"], "explanation": "Expected value to not be null"}
    assert error["message"].endswith(
        "changes.249.delta (Expected value to not be null) … and 50 more problems")
    echoed = error["extensions"]["value"]["changes"]
    assert (len(echoed), echoed[-1]) == (251, "… (300 entries in all)")


def test_an_object_echo_keeps_250_keys_and_counts_the_rest_under_an_ellipsis_key() -> None:
    many = {f"k{n}": n for n in range(300)}
    echoed = coercion.echo(many)
    assert list(echoed)[:250] == [f"k{n}" for n in range(250)]
    assert (len(echoed), echoed["…"]) == (251, "… (300 entries in all)")


def test_an_echo_shows_at_most_5000_values_then_ellipses() -> None:
    echoed = coercion.echo([[1] * 100] * 100)  # 10,101 values
    flat = [v for row in echoed for v in row]
    assert flat.count(1) == 5000 - 1 - 50  # the outer list and 50 inner lists count too
    assert set(flat) == {1, "…"}
    assert len(coercion.literal([[1] * 100] * 100)) < 30_000


def test_keys_the_echo_cannot_keep_are_written_as_json_would_and_cut() -> None:
    echoed = coercion.echo({2: "a", None: "b", True: "c", 1.5: "d", (1, 2): "e", "k" * 3000: "f"})
    assert echoed == {"2": "a", "null": "b", "true": "c", "1.5": "d", "(1, 2)": "e",
                      "k" * 2048 + "… (3000 characters in all)": "f"}
    variables = valid(ADJUST, "2026-04")
    variables["input"]["k" * 3000] = 1
    problems = new_ledger().execute(ADJUST, variables, idempotency_key="k")["errors"][0][
        "extensions"]["problems"]
    assert problems[0]["path"] == ["k" * 2048 + "… (3000 characters in all)"]


def test_an_id_over_2048_digits_is_a_coercion_error_and_one_under_names_nothing() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["inventoryItemId"] = 10**5000
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body["errors"][0]["extensions"]["problems"] == [{
        "path": ["changes", 0, "inventoryItemId"],
        "explanation": f"Could not coerce value {_LONG} to ID"}]
    variables["input"]["changes"][0]["inventoryItemId"] = 10**2047
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body["data"][ADJUST]["userErrors"][0]["code"] == "INVALID_INVENTORY_ITEM"


@pytest.mark.parametrize(("delta", "code"), [
    (2**31 - 1, "INVALID_QUANTITY_TOO_HIGH"), (-(2**31), "INVALID_QUANTITY_TOO_LOW"),
])
def test_the_32_bit_bounds_themselves_are_ints_and_reach_the_rules(delta: int, code: str) -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["delta"] = delta
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert [e["code"] for e in body["data"][ADJUST]["userErrors"]] == [code]


def test_an_id_accepts_an_integer_which_then_names_nothing() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"][0]["inventoryItemId"] = 1
    body = new_ledger().execute(ADJUST, variables, idempotency_key="k")
    assert body == {"data": {ADJUST: {"inventoryAdjustmentGroup": None, "userErrors": [{
        "field": ["input", "changes", "0", "inventoryItemId"],
        "message": "The specified inventory item could not be found.",
        "code": "INVALID_INVENTORY_ITEM",
    }]}}}


def test_a_single_object_where_a_list_is_expected_is_wrapped_in_a_list() -> None:
    variables = valid(ADJUST, "2026-04")
    variables["input"]["changes"] = variables["input"]["changes"][0]
    ledger = new_ledger()
    body = ledger.execute(ADJUST, variables, idempotency_key="k")
    assert succeeded(body, ADJUST)
    assert ledger.quantities(I1, L1)["available"] == 6


def test_a_problem_inside_a_wrapped_object_is_reported_at_index_zero() -> None:
    variables = valid(ADJUST, "2025-01")
    del variables["input"]["changes"][0]["delta"]
    variables["input"]["changes"] = variables["input"]["changes"][0]
    body = new_ledger("2025-01").execute(ADJUST, variables)
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", variables["input"],
                                  (["changes", 0, "delta"], "Expected value to not be null"))


@pytest.mark.parametrize("variables", [None, {}, [], "input"], ids=repr)
def test_missing_variables_are_reported_as_a_null_input(variables: Any) -> None:
    body = new_ledger("2025-07").execute(ADJUST, variables)
    assert body == coercion_error("input", "InventoryAdjustQuantitiesInput!", None,
                                  ([], "Expected value to not be null"))


def test_each_invalid_top_level_variable_is_its_own_error() -> None:
    variables = {"inventoryItemId": I1, "locationId": L2, "available": "x", "onHand": True}
    body = new_ledger().execute(ACTIVATE, variables)
    assert body == {"errors": [
        coercion_error("available", "Int", "x", ([], 'Could not coerce value "x" to Int'))[
            "errors"][0],
        coercion_error("onHand", "Int", True, ([], "Could not coerce value true to Int"))[
            "errors"][0],
    ]}


def test_deactivate_requires_its_level_id() -> None:
    body = new_ledger().execute(DEACTIVATE, {})
    assert body == coercion_error("inventoryLevelId", "ID!", None,
                                  ([], "Expected value to not be null"))


# Where each version-dependent field lives and the input type named when it is not defined.
VERSIONED_FIELDS = [
    pytest.param(ADJUST, ["changes", 0], "changeFromQuantity", 5, "InventoryChangeInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="adjust changeFromQuantity"),
    pytest.param(MOVE, ["changes", 0, "from"], "changeFromQuantity", 5,
                 "InventoryMoveQuantityTerminalInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="move from.changeFromQuantity"),
    pytest.param(MOVE, ["changes", 0, "to"], "changeFromQuantity", 3,
                 "InventoryMoveQuantityTerminalInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="move to.changeFromQuantity"),
    pytest.param(SET, ["quantities", 0], "changeFromQuantity", 5, "InventoryQuantityInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="set changeFromQuantity"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0], "changeFromQuantity", 8,
                 "InventorySetQuantityInput",
                 lambda era: era.change_from is Presence.UNDEFINED,
                 id="setOnHand changeFromQuantity"),
    pytest.param(SET, ["quantities", 0], "compareQuantity", 5, "InventoryQuantityInput",
                 lambda era: era.legacy_compare is Presence.UNDEFINED,
                 id="set compareQuantity"),
    pytest.param(SET, [], "ignoreCompareQuantity", True, "InventorySetQuantitiesInput",
                 lambda era: era.legacy_compare is Presence.UNDEFINED,
                 id="set ignoreCompareQuantity"),
    pytest.param(SET_ON_HAND, ["setQuantities", 0], "compareQuantity", 8,
                 "InventorySetQuantityInput", lambda era: True,
                 id="setOnHand never had compareQuantity"),
    pytest.param(SET_ON_HAND, [], "ignoreCompareQuantity", True,
                 "InventorySetOnHandQuantitiesInput", lambda era: True,
                 id="setOnHand never had ignoreCompareQuantity"),
]


INPUT_TYPES = {
    ADJUST: "InventoryAdjustQuantitiesInput!",
    MOVE: "InventoryMoveQuantitiesInput!",
    SET: "InventorySetQuantitiesInput!",
    SET_ON_HAND: "InventorySetOnHandQuantitiesInput!",
}


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize(("operation", "where", "name", "value", "type_", "undefined_in"),
                         VERSIONED_FIELDS)
def test_a_field_is_accepted_exactly_in_the_versions_that_define_it(
    operation: str, where: list[Any], name: str, value: Any, type_: str,
    undefined_in: Any, version: str,
) -> None:
    variables = valid(operation, version)
    target: Any = variables["input"]
    for part in where:
        target = target[part]
    target[name] = value
    ledger = new_ledger(version)
    body = ledger.execute(operation, variables, idempotency_key=key_for(version))
    if undefined_in(ERAS[version]):
        assert body == coercion_error(
            "input", INPUT_TYPES[operation], variables["input"],
            ([*where, name], f"Field is not defined on {type_}"),
        )
    else:
        assert succeeded(body, operation), body


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("given", ["absent", "null"])
def test_move_requires_its_reference_document_uri(version: str, given: str) -> None:
    variables = valid(MOVE, version)
    if given == "absent":
        del variables["input"]["referenceDocumentUri"]
    else:
        variables["input"]["referenceDocumentUri"] = None
    body = new_ledger(version).execute(MOVE, variables, idempotency_key=key_for(version))
    assert body == coercion_error("input", "InventoryMoveQuantitiesInput!", variables["input"],
                                  (["referenceDocumentUri"], "Expected value to not be null"))


@pytest.mark.parametrize("operation", [ADJUST, SET, SET_ON_HAND])
def test_the_reference_document_uri_is_optional_on_adjust_and_set(operation: str) -> None:
    variables = valid(operation, "2026-04")
    variables["input"].pop("referenceDocumentUri", None)
    body = new_ledger().execute(operation, variables, idempotency_key="k")
    assert succeeded(body, operation)


# ---------------------------------------------------------------------- the compiled pass

from hypothesis import given as given_  # noqa: E402 - the section's own imports
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ledger.core.errors import OPERATIONS  # noqa: E402
from ledger.core.versions import era_of  # noqa: E402
from tests import naive_coercion  # noqa: E402
from tests.test_fuzz import FIELDS, hostile_scalars  # noqa: E402


def _nest(value: Any, levels: int, as_list: bool) -> Any:
    for _ in range(levels):
        value = [value] if as_list else {"changes": value}
    return value


#: Values around the depth bound: a scalar or an object wrapped 28 to 34 times.
_deep = st.builds(_nest, st.one_of(hostile_scalars, st.just({"delta": 1})),
                  st.integers(28, 34), st.booleans())
_field_keys = st.one_of(st.sampled_from(FIELDS), st.sampled_from(
    ["inventoryAdjustQuantities", "key", "setQuantities", "activate", "stockAtLegacyLocation"]),
    st.text(max_size=4), st.integers(-2, 2), st.none(), st.booleans(), st.floats())
_jsonish = st.recursive(
    st.one_of(hostile_scalars, _deep),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(_field_keys, inner, max_size=5)),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Tell whether two results are the same: types, key order and values (NaN as itself)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a is b or a == b


#: Values at the edge of a scalar's rules (bool is an int in Python, not in GraphQL).
_tricky = st.sampled_from([True, False, 0, 1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 1.0,
                           "1", "", None, [], {}, (), [None], [1, 2], {"id": 1}])


def _sites(value: Any, out: list[tuple[Any, Any]], depth: int = 0) -> list[tuple[Any, Any]]:
    """Return every (container, key) in ``value`` down to 6 deep: each place a value sits."""
    if depth > 6:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((value, key))
            _sites(item, out, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((value, index))
            _sites(item, out, depth + 1)
    return out


@st.composite
def _variables(draw: st.DrawFn, operations: Sequence[str] = OPERATIONS,
               versions: Sequence[str] = ("2025-01", "2026-04"), least_broken: int = 1,
               ) -> Any:
    """Draw variables of an operation: valid ones with one to three things broken inside.

    Broken: a value replaced (by anything JSON-ish, a Python oddity, a deep nest), a key
    removed, or a key added; or, now and then, variables of any shape at all. With
    ``least_broken=0``, valid ones too, and never any shape at all.
    """
    operation = draw(st.sampled_from(operations))
    version = draw(st.sampled_from(versions))
    era = era_of(version)
    if least_broken and draw(st.integers(0, 9)) == 0:
        return operation, era, draw(_jsonish)
    variables: Any = {"outer": copy.deepcopy(valid(operation, version))}
    for _ in range(draw(st.integers(least_broken, 3))):
        sites = _sites(variables["outer"], [])
        if not sites:
            break
        container, key = draw(st.sampled_from(sites))
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        # Drawn values are copied: sampled ones are shared between examples.
        if action == "replace":
            container[key] = copy.deepcopy(draw(st.one_of(_tricky, _jsonish)))
        elif action == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(_field_keys)] = copy.deepcopy(draw(_jsonish))
        else:
            container.append(copy.deepcopy(draw(_jsonish)))
    return operation, era, variables["outer"]


@settings(max_examples=600, deadline=None)
@given_(_variables())
def test_the_compiled_coercion_gives_exactly_what_the_generic_two_pass_walk_gives(
    case: tuple[str, Any, Any],
) -> None:
    operation, era, variables = case
    expected = naive_coercion.coerce_variables(operation, variables, era)
    assert _same(coercion.coerce_variables(operation, variables, era), expected)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("version", ["2025-01", "2026-04"])
def test_the_compiled_coercion_matches_the_generic_walk_on_the_documented_valid_shapes(
    operation: str, version: str
) -> None:
    variables = valid(operation, version)
    era = era_of(version)
    assert _same(coercion.coerce_variables(operation, variables, era),
                 naive_coercion.coerce_variables(operation, variables, era))


@pytest.mark.parametrize(("variables", "deep"), [
    ({"input": _nest(1, 31, True)}, False),
    ({"input": _nest(1, 32, True)}, True),
    ({"input": {"changes": [{"delta": _nest(1, 28, True)}]}}, False),
    ({"input": {"changes": [{"delta": _nest(1, 29, True)}]}}, True),
    ({"input": {"changes": [{"nope": _nest(1, 30, False)}]}}, True),
    ({"input": {"name": 1}, "extra": _nest(1, 32, False)}, True),
    ({"extra": _nest(1, 31, False)}, False),
], ids=["31-lists", "32-lists", "under-a-scalar-28", "under-a-scalar-29",
        "under-an-undefined-field", "in-an-undeclared-variable", "undeclared-31"])
def test_the_depth_guard_of_the_single_pass_refuses_what_the_separate_walk_refused(
    variables: dict[str, Any], deep: bool
) -> None:
    era = era_of("2026-04")
    got = coercion.coerce_variables(ADJUST, variables, era)
    assert _same(got, naive_coercion.coerce_variables(ADJUST, variables, era))
    assert (got[1][:1] == [{"message": "Variables are nested more than 32 levels deep.",
                            "extensions": {"code": "INVALID_VARIABLE"}}]) is deep


def _declared(operation: str, era: Any) -> tuple[tuple[str, Any], ...]:
    return coercion.variable_types(era)[operation]


@settings(max_examples=600, deadline=None)
@given_(_variables(least_broken=0))
def test_the_generated_acceptance_test_passes_only_what_the_pass_keeps_unchanged_and_clean(
    case: tuple[str, Any, Any],
) -> None:
    # ``_accepts`` lets a value skip the pass; it may only do so where the pass would give
    # that very value back with no problem (and not refuse it as nested too deep).
    operation, era, variables = case
    given = variables if isinstance(variables, dict) else {}
    for name, t in _declared(operation, era):
        accepts = coercion._accepts(t)
        assert accepts is not None
        value = given.get(name)
        if accepts(value, 1):
            problems: list[Any] = []
            coerced = coercion._compile(t)(value, (), problems, 1)
            assert coerced is value
            assert problems == []


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("version", sorted(SUPPORTED))
def test_the_documented_valid_shapes_take_the_generated_test_and_skip_the_pass(
    operation: str, version: str
) -> None:
    era = era_of(version)
    variables = valid(operation, version)
    for name, t in _declared(operation, era):
        accepts = coercion._accepts(t)
        assert accepts is not None
        assert accepts(variables.get(name), 1), (operation, version, name)


@pytest.mark.parametrize(("change", "why"), [
    ({"inventoryItemId": 2}, "an ID given as an int is coerced to a string"),
    ({"delta": True}, "a bool is no Int"),
    ({"delta": 2**31}, "past the 32-bit bound"),
    ({"nope": 1}, "an undefined field"),
    ({"ledgerDocumentUri": None}, None),
])
def test_the_generated_test_refuses_what_the_pass_changes_or_reports(
    change: dict[str, Any], why: str | None
) -> None:
    era = era_of("2026-04")
    (name, t), = _declared(ADJUST, era)
    variables = copy.deepcopy(valid(ADJUST, "2026-04"))
    variables[name]["changes"][0].update(change)
    accepts = coercion._accepts(t)
    assert accepts is not None
    assert accepts(variables[name], 1) is (why is None)
    tuple_given = {**variables[name], "changes": tuple(variables[name]["changes"])}
    assert not accepts(tuple_given, 1)  # the pass copies a tuple into a list
    assert not accepts(variables[name], coercion.MAX_DEPTH)  # the pass refuses it as too deep


def test_a_value_that_coerces_to_itself_is_not_copied_and_a_changed_one_leaves_the_input_alone(
) -> None:
    era = era_of("2026-04")
    given = {"input": {"name": "available", "reason": "correction", "changes": [
        {"inventoryItemId": "gid://shopify/InventoryItem/1",
         "locationId": "gid://shopify/Location/1", "delta": 1, "changeFromQuantity": 5}]}}
    values, errors = coercion.coerce_variables("inventoryAdjustQuantities", given, era)
    assert errors == []
    assert values["input"] is given["input"]
    # An ID given as an int coerces to a string: that object and the ones holding it are
    # copied, the input is left as it was, and the untouched siblings are shared.
    given["input"]["changes"].append({"inventoryItemId": 2, "locationId": "gid://shopify/Location/1",
                                      "delta": 1, "changeFromQuantity": 5})
    before = copy.deepcopy(given)
    values, errors = coercion.coerce_variables("inventoryAdjustQuantities", given, era)
    assert errors == []
    assert given == before
    changes = values["input"]["changes"]
    assert changes is not given["input"]["changes"]
    assert changes[0] is given["input"]["changes"][0]
    assert changes[1] == {**given["input"]["changes"][1], "inventoryItemId": "2"}


# ------------------------------------------------ what coercion promises the codec's decode

import attrs  # noqa: E402 - the section's own imports

from ledger.core.errors import QUANTITY_MUTATIONS  # noqa: E402
from ledger.shopify import codec  # noqa: E402


def _rebuilt(value: Any) -> Any:
    """Return ``value`` built again through its validating constructors, all the way down."""
    if isinstance(value, tuple):
        return tuple(_rebuilt(v) for v in value)
    if not attrs.has(type(value)):
        return value
    return type(value)(**{f.alias: _rebuilt(getattr(value, f.name))
                          for f in attrs.fields(type(value))})


@settings(max_examples=400, deadline=None)
@given_(_variables(QUANTITY_MUTATIONS, sorted(SUPPORTED), least_broken=0))
def test_what_coercion_accepts_decodes_to_what_the_validating_constructors_build(
    case: tuple[str, Any, Any],
) -> None:
    # decode builds commands without running their validators (values.maker, checked):
    # it may only do so because coercion lets through nothing those validators refuse.
    operation, era, variables = case
    values, errors = coercion.coerce_variables(operation, variables, era)
    if errors:
        return
    command = codec.decode(operation, values)
    assert _rebuilt(command) == command
