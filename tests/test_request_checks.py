"""The request-level checks (ledger/core/request_checks.py, semantics §4): oversized requests
are refused, naming the bound, and change nothing; so are fields and directives the API
version does not define or requires."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from ledger import Ledger, RequestErrorKind, SetQuantity
from ledger.core.errors import MAX_INPUT_SIZE, MAX_KEY_LENGTH, MAX_URI_LENGTH
from tests.test_engine import I1, L1, change, new_ledger

ITEM = "gid://shopify/InventoryItem/1"
LOCATION = "gid://shopify/Location/1"


def _change(delta: int = 1, **extra: object) -> dict[str, object]:
    return {"inventoryItemId": ITEM, "locationId": LOCATION, "delta": delta,
            "changeFromQuantity": None, **extra}


def _adjust(changes: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {"input": {"name": "available", "reason": "correction", "changes": changes, **extra}}


@pytest.mark.parametrize(("variables", "key", "code", "message"), [
    (_adjust([_change()] * (MAX_INPUT_SIZE + 1)), "k", "MAX_INPUT_SIZE_EXCEEDED",
     f"The input array size of {MAX_INPUT_SIZE + 1} is greater than the maximum allowed of "
     f"{MAX_INPUT_SIZE}."),
    (_adjust([_change()]), "k" * (MAX_KEY_LENGTH + 1), "IDEMPOTENCY_KEY_TOO_LONG",
     f"The idempotency key is {MAX_KEY_LENGTH + 1} characters long; the maximum is "
     f"{MAX_KEY_LENGTH}."),
    (_adjust([_change()], referenceDocumentUri="logistics://" + "x" * MAX_URI_LENGTH), "k",
     "URI_TOO_LONG", f"A document URI is {MAX_URI_LENGTH + 12} characters long; the maximum "
     f"is {MAX_URI_LENGTH}."),
])
def test_an_oversized_request_is_a_request_error_and_changes_nothing(
    variables: dict[str, object], key: str, code: str, message: str
) -> None:
    ledger = Ledger.example(api_version="2026-04")
    before = ledger.snapshot()
    body = ledger.execute("inventoryAdjustQuantities", variables, idempotency_key=key)
    assert body == {
        "errors": [{"message": message, "path": ["inventoryAdjustQuantities"],
                    "extensions": {"code": code}}],
        "data": {"inventoryAdjustQuantities": None},
    }
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 0
    # Not remembered: the same key with a fitting request runs.
    if len(key) <= MAX_KEY_LENGTH:
        ok = ledger.execute("inventoryAdjustQuantities", _adjust([_change()]),
                            idempotency_key=key)
        assert ok["data"]["inventoryAdjustQuantities"]["userErrors"] == []


def test_exactly_the_bound_is_accepted() -> None:
    ledger = Ledger.example(api_version="2026-04")
    body = ledger.execute("inventoryAdjustQuantities", _adjust([_change()] * MAX_INPUT_SIZE),
                          idempotency_key="k" * MAX_KEY_LENGTH)
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"] == []
    assert ledger.quantities(ITEM, LOCATION)["available"] == 10 + MAX_INPUT_SIZE


def test_an_oversized_platform_event_is_refused_too() -> None:
    ledger = Ledger.example()
    result = ledger.order_placed(order="gid://shopify/Order/1",
                                 lines=[(ITEM, LOCATION, 1)] * (MAX_INPUT_SIZE + 1))
    assert result.request_error is not None
    assert result.request_error.kind.value == "MAX_INPUT_SIZE_EXCEEDED"
    assert ledger.quantities(ITEM, LOCATION)["committed"] == 0


def test_a_long_ledger_document_uri_in_a_move_is_refused() -> None:
    ledger = Ledger.example(api_version="2026-01")
    body = ledger.execute("inventoryMoveQuantities", {"input": {
        "reason": "damaged", "referenceDocumentUri": "logistics://m/1",
        "changes": [{"inventoryItemId": ITEM, "quantity": 1,
                     "from": {"locationId": LOCATION, "name": "available"},
                     "to": {"locationId": LOCATION, "name": "damaged",
                            "ledgerDocumentUri": "logistics://" + "d" * MAX_URI_LENGTH}}]}})
    assert body["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"


REQUEST_ERRORS = [
    pytest.param("2026-04", {"changes": [change(change_from_quantity=None)]}, None,
                 RequestErrorKind.MISSING_IDEMPOTENCY, "The @idempotent directive is required",
                 id="a missing key from 2026-04"),
    pytest.param("2026-04", {"changes": [change()]}, "k",
                 RequestErrorKind.MISSING_CHANGE_FROM_QUANTITY,
                 "InventoryChangeInput must include the following argument: changeFromQuantity.",
                 id="a missing changeFromQuantity from 2026-04"),
    pytest.param("2025-10", {"changes": [change()]}, "k", RequestErrorKind.UNDEFINED_DIRECTIVE,
                 "Directive @idempotent is not defined", id="a key before 2026-01"),
    pytest.param("2025-10", {"changes": [change(change_from_quantity=None)]}, None,
                 RequestErrorKind.INVALID_VARIABLE, "changeFromQuantity is not defined",
                 id="a changeFromQuantity before 2026-01"),
]


@pytest.mark.parametrize(("version", "arguments", "key", "kind", "message"), REQUEST_ERRORS)
def test_a_request_level_failure_is_a_request_error_value(
    version: str, arguments: dict[str, Any], key: str | None, kind: RequestErrorKind, message: str
) -> None:
    ledger = new_ledger(version)
    before = ledger.snapshot()
    result = ledger.adjust(name="available", reason="correction", idempotency_key=key,
                           **arguments)
    assert (result.ok, result.group, result.user_errors) == (False, None, ())
    assert result.request_error is not None
    assert result.request_error.kind is kind
    assert message in result.request_error.message
    assert ledger.snapshot() == before


@pytest.mark.parametrize(("version", "call"), [
    pytest.param("2026-04", lambda ledger: ledger.set(
        name="available", reason="correction", idempotency_key="k",
        quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=6,
                                change_from_quantity=None, compare_quantity=5)]),
        id="compareQuantity from 2026-04"),
    pytest.param("2026-10", lambda ledger: ledger.set(
        name="available", reason="correction", idempotency_key="k", ignore_compare_quantity=True,
        quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=6,
                                change_from_quantity=None)]),
        id="ignoreCompareQuantity from 2026-04"),
    pytest.param("2025-01", lambda ledger: ledger.set_on_hand(
        reason="correction",
        quantities=[SetQuantity(item_id=I1, location_id=L1, quantity=6, compare_quantity=5)]),
        id="compareQuantity on setOnHand"),
])
def test_legacy_compare_fields_where_undefined_are_request_errors(version: str, call: Any) -> None:
    result = call(new_ledger(version))
    assert result.request_error is not None
    assert result.request_error.kind is RequestErrorKind.INVALID_VARIABLE


def test_a_subclass_of_a_command_is_bounded_like_the_command_it_extends() -> None:
    from ledger.core.commands import Adjust, AdjustChange
    from ledger.core.request_checks import request_error
    from ledger.core.versions import era_of

    @attrs.frozen(kw_only=True)
    class MyAdjust(Adjust):
        pass

    one = AdjustChange(item_id=ITEM, location_id=LOCATION, delta=1)
    cmd = MyAdjust(name="available", reason="correction",
                   changes=(one,) * (MAX_INPUT_SIZE + 1))
    error = request_error("inventoryAdjustQuantities", cmd, None, era_of("2026-01"), "2026-01")
    assert error is not None
    assert error.kind is RequestErrorKind.INPUT_TOO_LARGE
    assert error.problems == ((("changes",), "too many entries"),)
    long_uri = "logistics://" + "x" * MAX_URI_LENGTH
    cmd = MyAdjust(name="damaged", reason="correction", changes=(attrs.evolve(
        one, ledger_document_uri=long_uri),))
    error = request_error("inventoryAdjustQuantities", cmd, None, era_of("2026-01"), "2026-01")
    assert error is not None
    assert error.kind is RequestErrorKind.URI_TOO_LONG


def test_the_first_overlong_uri_in_input_order_is_the_one_named() -> None:
    """The reference document, then each change's documents (a move: from, then to)."""
    from ledger.core.commands import Adjust, AdjustChange, Move, MoveChange, MoveTerminal
    from ledger.core.request_checks import request_error
    from ledger.core.versions import era_of

    def uri(extra: int) -> str:
        return "logistics://" + "x" * (MAX_URI_LENGTH - 12 + extra)

    era = era_of("2026-01")

    def named(command: Adjust | Move) -> str:
        operation = ("inventoryAdjustQuantities" if isinstance(command, Adjust)
                     else "inventoryMoveQuantities")
        error = request_error(operation, command, None, era, "2026-01")
        assert error is not None
        assert error.kind is RequestErrorKind.URI_TOO_LONG
        return error.message

    changes = [AdjustChange(item_id=ITEM, location_id=LOCATION, delta=1,
                            ledger_document_uri=uri(n)) for n in (0, 2, 3)]
    assert f"is {MAX_URI_LENGTH + 2} characters" in named(
        Adjust(name="damaged", reason="correction", changes=changes))
    assert f"is {MAX_URI_LENGTH + 5} characters" in named(Adjust(
        name="damaged", reason="correction", changes=changes, reference_document_uri=uri(5)))
    move = MoveChange(item_id=ITEM, quantity=1,
                      from_=MoveTerminal(location_id=LOCATION, name="reserved",
                                         ledger_document_uri=uri(4)),
                      to=MoveTerminal(location_id=LOCATION, name="damaged",
                                      ledger_document_uri=uri(7)))
    assert f"is {MAX_URI_LENGTH + 4} characters" in named(
        Move(reason="damaged", reference_document_uri="logistics://m/1", changes=[move]))
    assert f"is {MAX_URI_LENGTH + 7} characters" in named(Move(
        reason="damaged", reference_document_uri="logistics://m/1",
        changes=[attrs.evolve(move, from_=attrs.evolve(move.from_, ledger_document_uri=None))]))
