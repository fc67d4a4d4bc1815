"""User errors, through ``Ledger.execute``: one row per code of every mutation, per era.

This tests the quantity mutations of ``ledger/core/mutations`` together: the shared checks
(``checks.py``) and each mutation's own (``adjust.py``, ``move.py``, ``set_quantities.py``),
with the pipeline's idempotency and fault codes. The table stays whole so that its
meta-test can see every row at once. It holds, for each quantity mutation, at least one row
per user-error code in the order of ``ErrorCode``; each row runs in every API version of
every era where its code exists and checks the whole response body (``field`` with string
indices, ``message``, ``code``) and that the rejected call left the snapshot unchanged. A
meta-test fails when a code exists in an era without a row. After the table: the collection
order of several errors in one call (semantics §10), compare-and-swap, atomicity. The user
errors and successful paths of inventoryActivate / inventoryDeactivate (semantics §9) are
in ``test_activate.py`` and ``test_deactivate.py``, which share this file's store.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ledger import ErrorCode, Fault, Ledger
from ledger.core.errors import ADJUST, MOVE, QUANTITY_MUTATIONS, SET, SET_ON_HAND, codes_in
from ledger.core.versions import ERAS, Era, Presence
from tests.support import ITEM, LOCATION, FakeClock, ReentrantClock, store

C = ErrorCode
I1, I2, I3, I9 = (ITEM.format(n) for n in (1, 2, 3, 9))
L1, L2, L8, L9 = (LOCATION.format(n) for n in (1, 2, 8, 9))

#: The eras by ``Era.name``: 2025-xx, 2026-01, 2026-04/2026-07, 2026-10.
ERA_NAMES = ("2025", "2026-01", "2026-04", "2026-10")
ALL = ERA_NAMES
CAS = ERA_NAMES[1:]
LEGACY = ERA_NAMES[:2]
#: Where ITEM_NOT_STOCKED_AT_LOCATION is returned (semantics §3, §13): an inactive level
#: until 2026-04, a missing level until 2026-10, never after.
NOT_STOCKED_INACTIVE = ERA_NAMES[:2]
NOT_STOCKED_ABSENT = ERA_NAMES[:3]
VERSIONS_OF = {name: [v for v, era in ERAS.items() if era.name == name] for name in ERA_NAMES}

REASON_MESSAGE = (
    "The specified reason is invalid. Valid values are: correction, cycle_count_available, "
    "damaged, movement_canceled, movement_created, movement_received, movement_updated, other, "
    "promotion, quality_control, received, reservation_created, reservation_deleted, "
    "reservation_updated, restock, safety_stock, shrinkage."
)
QUANTITY_NAME_MESSAGE = (
    "The specified quantity name is invalid. Valid values are: available, damaged, incoming, "
    "quality_control, reserved, safety_stock."
)
REFERENCE_MESSAGE = "The specified reference document is invalid."
ITEM_MESSAGE = "The specified inventory item could not be found."
LOCATION_MESSAGE = "The specified location could not be found."
NOT_STOCKED_MESSAGE = "The inventory item is not stocked at the location."
NON_MUTABLE_MESSAGE = "The specified inventory item is not allowed to be adjusted via API."
SET_NOT_STOCKED_MESSAGE = "The specified inventory item is not stocked at the location."
CONCURRENT_MESSAGE = "This request is currently in progress, please try again."
MISMATCH_MESSAGE = "The same idempotency key cannot be used with different operation parameters."
AVAILABLE_DOCUMENT_MESSAGE = "A ledger document URI is not allowed when adjusting available."
QUANTITY_DOCUMENT_MESSAGE = "A ledger document URI is required except when adjusting available."
INTERNAL_DOCUMENT_MESSAGE = (
    "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API."
)
LEDGER_DOCUMENT_MESSAGE = "The specified ledger document is invalid."
NEGATIVE_MESSAGE = "The quantity can't be negative."
ADJUST_HIGH_MESSAGE = "The quantity can't be higher than 2,000,000,000."
ADJUST_LOW_MESSAGE = "The quantity can't be lower than -2,000,000,000."
SET_HIGH_MESSAGE = "The quantity can't be higher than 1,000,000,000."
SET_LOW_MESSAGE = "The quantity can't be lower than -1,000,000,000."
STALE_ARGUMENT_MESSAGE = "The changeFromQuantity argument no longer matches the persisted quantity."
STALE_VALUE_MESSAGE = "The changeFromQuantity value does not match persisted value."
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Try again later."
MAX_ONE_MESSAGE = (
    "All changes must have the same ledger document URI or, in the case of adjusting "
    "available, no ledger document URI."
)
PREVIOUS_FAILED_MESSAGE = (
    "A previous request with this idempotency key failed. Retry with a new idempotency key."
)

DAMAGED_DOC = "logistics://rma/1"


# ---------------------------------------------------------------------- the store


def base_snapshot() -> dict[str, Any]:
    """Item 1 stocked at location 1, item 2 stocked at 1 and inactive at 2; (1, 2) has no level.

    Item 1 at location 1 holds available 5, damaged 3 (on_hand 8). Item 3, a bundle's parent
    (not mutable), is stocked at location 1.
    """
    snap = store(items=3, stocked={
        (1, 1): {"available": 5, "damaged": 3},
        (2, 1): {"available": 2},
        (2, 2): {"available": 7},
        (3, 1): {"available": 4},
    })
    for level in snap["inventoryLevels"]:
        if (level["inventoryItemId"], level["locationId"]) == (I2, L2):
            level["isActive"] = False
    snap["inventoryItems"][2]["mutable"] = False
    return snap


def new_ledger(version: str, clock: FakeClock | None = None) -> Ledger:
    return Ledger.from_snapshot(base_snapshot(), api_version=version, clock=clock or FakeClock())


# ---------------------------------------------------------------------- variable builders


def change(item: str = I1, location: str = L1, delta: int = 1, **extra: Any) -> dict[str, Any]:
    return {"inventoryItemId": item, "locationId": location, "delta": delta, **extra}


def adjust(
    *changes: dict[str, Any], name: str = "available", reason: str = "correction", **extra: Any
) -> dict[str, Any]:
    return {"input": {"name": name, "reason": reason, **extra, "changes": list(changes)}}


def end(name: str, location: str = L1, **extra: Any) -> dict[str, Any]:
    return {"locationId": location, "name": name, **extra}


def shift(
    from_: dict[str, Any], to: dict[str, Any], quantity: int = 1, item: str = I1
) -> dict[str, Any]:
    return {"inventoryItemId": item, "quantity": quantity, "from": from_, "to": to}


def to_damaged(quantity: int = 1, item: str = I1, location: str = L1) -> dict[str, Any]:
    """A move change from available to damaged, with the damaged side's ledger document."""
    return shift(end("available", location),
                 end("damaged", location, ledgerDocumentUri=DAMAGED_DOC), quantity, item)


def move(
    *changes: dict[str, Any],
    reason: str = "movement_created",
    reference: str = "logistics://transfer/1",
) -> dict[str, Any]:
    return {"input": {"reason": reason, "referenceDocumentUri": reference,
                      "changes": list(changes)}}


def qty(quantity: int = 6, item: str = I1, location: str = L1, **extra: Any) -> dict[str, Any]:
    return {"inventoryItemId": item, "locationId": location, "quantity": quantity, **extra}


def set_(
    *quantities: dict[str, Any], name: str = "available", reason: str = "correction",
    **extra: Any,
) -> dict[str, Any]:
    return {"input": {"name": name, "reason": reason, **extra, "quantities": list(quantities)}}


def on_hand(
    *quantities: dict[str, Any], reason: str = "correction", **extra: Any
) -> dict[str, Any]:
    return {"input": {"reason": reason, **extra, "setQuantities": list(quantities)}}


def _cas_entries(operation: str, given: dict[str, Any]) -> list[dict[str, Any]]:
    if operation == ADJUST:
        return list(given["changes"])
    if operation == MOVE:
        return [c[side] for c in given["changes"] for side in ("from", "to")]
    if operation == SET:
        return list(given["quantities"])
    return list(given["setQuantities"])


def fit(operation: str, variables: dict[str, Any], era: Era) -> dict[str, Any]:
    """Return ``variables`` with what ``era`` requires and the row left unsaid.

    From 2026-04 every change, terminal and quantity gets ``changeFromQuantity: null`` unless
    it has one. Where the legacy compare fields exist, a set without any compare or
    changeFromQuantity value and without ``ignoreCompareQuantity`` gets
    ``ignoreCompareQuantity: true``.
    """
    out = copy.deepcopy(variables)
    given = out["input"]
    entries = _cas_entries(operation, given)
    if era.change_from is Presence.REQUIRED:
        for entry in entries:
            entry.setdefault("changeFromQuantity", None)
    if (
        operation == SET
        and era.legacy_compare is not Presence.UNDEFINED
        and "ignoreCompareQuantity" not in given
        and not any("compareQuantity" in q or "changeFromQuantity" in q for q in entries)
    ):
        given["ignoreCompareQuantity"] = True
    return out


_fresh_keys = itertools.count(1)


def default_key(era: Era) -> str | None:
    """A fresh idempotency key where the era requires the directive, else no directive."""
    return f"auto-{next(_fresh_keys)}" if era.idempotency is Presence.REQUIRED else None


def call(
    ledger: Ledger, operation: str, variables: dict[str, Any], era: Era, key: str | None = None
) -> dict[str, Any]:
    return ledger.execute(operation, fit(operation, variables, era),
                          idempotency_key=key if key is not None else default_key(era))


def first_use(operation: str, variables: dict[str, Any]) -> Callable[[Ledger, Era], None]:
    """Prepare a row by using the key ``reused`` once, successfully, for ``operation``."""

    def prepare(ledger: Ledger, era: Era) -> None:
        body = call(ledger, operation, variables, era, "reused")
        assert body["data"][operation]["userErrors"] == []

    return prepare


def always_failing(ledger: Ledger, era: Era) -> None:
    """Prepare a row by making every call fail transiently (an injected fault)."""
    ledger.faults = lambda operation, command: True


def unavailable(ledger: Ledger, era: Era) -> None:
    """Prepare a row by making every call meet an injected outage."""
    ledger.faults = lambda operation, command: Fault.SERVICE_UNAVAILABLE


def failed_attempt(operation: str, variables: dict[str, Any]) -> Callable[[Ledger, Era], None]:
    """Prepare a row by using the key ``reused`` once for a call that a fault makes fail."""

    def prepare(ledger: Ledger, era: Era) -> None:
        ledger.faults = lambda operation, command: True
        body = call(ledger, operation, variables, era, "reused")
        assert "errors" in body or body["data"][operation]["userErrors"], body
        ledger.faults = None

    return prepare


# ---------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    operation: str
    code: ErrorCode
    eras: tuple[str, ...]
    says: str
    variables: dict[str, Any]
    field: list[str] | None
    message: str
    #: Further fields that get the same error (duplicate pairs report every member).
    more_fields: tuple[list[str], ...] = ()
    key: str | None = None
    prepare: Callable[[Ledger, Era], None] | None = None
    #: Run the call again, with the same key, from inside the ledger's clock.
    reentrant: bool = False

    @property
    def id(self) -> str:
        return f"{self.operation}: {self.says} ({self.code.name})"


def _ch(i: int, *rest: str) -> list[str]:
    return ["input", "changes", str(i), *rest]


def _q(i: int, *rest: str) -> list[str]:
    return ["input", "quantities", str(i), *rest]


def _sq(i: int, *rest: str) -> list[str]:
    return ["input", "setQuantities", str(i), *rest]


ADJUST_ROWS = [
    Row(ADJUST, C.IDEMPOTENCY_CONCURRENT_REQUEST, CAS,
        "a key in flight is refused to the call that re-enters with it",
        adjust(change()), None, CONCURRENT_MESSAGE, key="in-flight", reentrant=True),
    Row(ADJUST, C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH, CAS,
        "a key reused with another delta is refused",
        adjust(change(delta=2)), None, MISMATCH_MESSAGE, key="reused",
        prepare=first_use(ADJUST, adjust(change(delta=1)))),
    Row(ADJUST, C.ADJUST_QUANTITIES_FAILED, ALL, "a transient failure applies nothing",
        adjust(change()), None, "The quantities couldn't be adjusted. Try again.",
        prepare=always_failing),
    Row(ADJUST, C.SERVICE_UNAVAILABLE, CAS, "an outage applies nothing",
        adjust(change()), None, UNAVAILABLE_MESSAGE, prepare=unavailable),
    # An invalid name still needs a ledger document (semantics §5): these rows give one.
    Row(ADJUST, C.INVALID_QUANTITY_NAME, ALL, "committed is not adjustable",
        adjust(change(ledgerDocumentUri=DAMAGED_DOC), name="committed"), ["input", "name"],
        QUANTITY_NAME_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_NAME, ALL, "on_hand is not adjustable",
        adjust(change(ledgerDocumentUri=DAMAGED_DOC), name="on_hand"), ["input", "name"],
        QUANTITY_NAME_MESSAGE),
    Row(ADJUST, C.INVALID_REASON, ALL, "an unlisted reason is refused",
        adjust(change(), reason="sold"), ["input", "reason"], REASON_MESSAGE),
    Row(ADJUST, C.INVALID_REFERENCE_DOCUMENT, ALL, "a reference without a scheme is refused",
        adjust(change(), referenceDocumentUri="order 1001"),
        ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
    Row(ADJUST, C.INVALID_REFERENCE_DOCUMENT, ALL, "an empty reference is present but invalid",
        adjust(change(), referenceDocumentUri=""),
        ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
    Row(ADJUST, C.INVALID_INVENTORY_ITEM, ALL, "an item that names nothing is not found",
        adjust(change(item=I9)), _ch(0, "inventoryItemId"), ITEM_MESSAGE),
    Row(ADJUST, C.INVALID_INVENTORY_ITEM, ALL, "a gid of another type is not found",
        adjust(change(item="gid://shopify/ProductVariant/1")), _ch(0, "inventoryItemId"),
        ITEM_MESSAGE),
    Row(ADJUST, C.NON_MUTABLE_INVENTORY_ITEM, ALL, "a bundle's parent item is not adjusted",
        adjust(change(item=I3)), _ch(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(ADJUST, C.NON_MUTABLE_INVENTORY_ITEM, ALL,
        "a non-mutable item takes the place of the location's checks",
        adjust(change(item=I3, location=L9)), _ch(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(ADJUST, C.INVALID_LOCATION, ALL, "a location that names nothing is not found",
        adjust(change(location=L9)), _ch(0, "locationId"), LOCATION_MESSAGE),
    Row(ADJUST, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_ABSENT,
        "a pair with no level is not stocked",
        adjust(change(location=L2)), _ch(0, "locationId"), NOT_STOCKED_MESSAGE),
    Row(ADJUST, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_INACTIVE,
        "an inactive level is not stocked",
        adjust(change(item=I2, location=L2)), _ch(0, "locationId"), NOT_STOCKED_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_TOO_HIGH, ALL, "a delta above 2,000,000,000 is refused",
        adjust(change(delta=2_000_000_001)), _ch(0, "delta"), ADJUST_HIGH_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_TOO_HIGH, ALL, "a result above 2,000,000,000 is refused",
        adjust(change(delta=1_999_999_996)), _ch(0, "delta"), ADJUST_HIGH_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_TOO_LOW, ALL, "a delta below -2,000,000,000 is refused",
        adjust(change(delta=-2_000_000_001)), _ch(0, "delta"), ADJUST_LOW_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_TOO_LOW, ALL,
        "a running result below -2,000,000,000 is refused at the change that crosses",
        adjust(change(delta=-2_000_000_000), change(delta=-2_000_000_000)),
        _ch(1, "delta"), ADJUST_LOW_MESSAGE),
    Row(ADJUST, C.INVALID_AVAILABLE_DOCUMENT, ALL, "available takes no ledger document",
        adjust(change(ledgerDocumentUri="logistics://count/1")),
        _ch(0, "ledgerDocumentUri"), AVAILABLE_DOCUMENT_MESSAGE),
    Row(ADJUST, C.INVALID_QUANTITY_DOCUMENT, ALL, "damaged requires a ledger document",
        adjust(change(), name="damaged"), _ch(0, "ledgerDocumentUri"), QUANTITY_DOCUMENT_MESSAGE),
    Row(ADJUST, C.INTERNAL_LEDGER_DOCUMENT, ALL, "a gid://shopify/ ledger document is internal",
        adjust(change(ledgerDocumentUri="gid://shopify/Order/1"), name="damaged"),
        _ch(0, "ledgerDocumentUri"), INTERNAL_DOCUMENT_MESSAGE),
    Row(ADJUST, C.INVALID_LEDGER_DOCUMENT, ALL, "a malformed ledger document is refused",
        adjust(change(ledgerDocumentUri="rma 1"), name="damaged"),
        _ch(0, "ledgerDocumentUri"), LEDGER_DOCUMENT_MESSAGE),
    Row(ADJUST, C.MAX_ONE_LEDGER_DOCUMENT, ALL, "two ledger documents in one call are refused",
        adjust(change(ledgerDocumentUri="logistics://a"),
               change(item=I2, ledgerDocumentUri="logistics://b"), name="damaged"),
        ["input", "changes"], MAX_ONE_MESSAGE),
    Row(ADJUST, C.CHANGE_FROM_QUANTITY_STALE, CAS, "a stale changeFromQuantity is refused",
        adjust(change(changeFromQuantity=4)), _ch(0, "changeFromQuantity"),
        STALE_ARGUMENT_MESSAGE),
]

MOVE_ROWS = [
    Row(MOVE, C.IDEMPOTENCY_CONCURRENT_REQUEST, CAS,
        "a key in flight is refused to the call that re-enters with it",
        move(to_damaged()), None, CONCURRENT_MESSAGE, key="in-flight", reentrant=True),
    Row(MOVE, C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH, CAS,
        "a key reused with another quantity is refused",
        move(to_damaged(quantity=2)), None, MISMATCH_MESSAGE, key="reused",
        prepare=first_use(MOVE, move(to_damaged(quantity=1)))),
    Row(MOVE, C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED, ("2026-10",),
        "a key whose first call failed transiently is refused",
        move(to_damaged()), None, PREVIOUS_FAILED_MESSAGE, key="reused",
        prepare=failed_attempt(MOVE, move(to_damaged()))),
    Row(MOVE, C.MOVE_QUANTITIES_FAILED, ALL, "a transient failure applies nothing",
        move(to_damaged()), None, "The quantities couldn't be moved. Try again.",
        prepare=always_failing),
    Row(MOVE, C.SERVICE_UNAVAILABLE, CAS, "an outage applies nothing",
        move(to_damaged()), None, UNAVAILABLE_MESSAGE, prepare=unavailable),
    Row(MOVE, C.INVALID_QUANTITY_NAME, ALL, "an invalid from name is reported on from.name",
        move(shift(end("committed", ledgerDocumentUri=DAMAGED_DOC),
                   end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "from", "name"), QUANTITY_NAME_MESSAGE),
    Row(MOVE, C.INVALID_QUANTITY_NAME, ALL, "an invalid to name is reported on to.name",
        move(shift(end("damaged", ledgerDocumentUri=DAMAGED_DOC),
                   end("on_hand", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "to", "name"), QUANTITY_NAME_MESSAGE),
    Row(MOVE, C.INVALID_REASON, ALL, "an unlisted reason is refused",
        move(to_damaged(), reason="moved"), ["input", "reason"], REASON_MESSAGE),
    Row(MOVE, C.INVALID_REFERENCE_DOCUMENT, ALL, "an empty reference is present but invalid",
        move(to_damaged(), reference=""), ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
    Row(MOVE, C.INVALID_REFERENCE_DOCUMENT, ALL, "a scheme without content is refused",
        move(to_damaged(), reference="logistics:"), ["input", "referenceDocumentUri"],
        REFERENCE_MESSAGE),
    Row(MOVE, C.INVALID_INVENTORY_ITEM, ALL, "an item that names nothing is not found",
        move(to_damaged(item=I9)), _ch(0, "inventoryItemId"), ITEM_MESSAGE),
    Row(MOVE, C.NON_MUTABLE_INVENTORY_ITEM, ALL, "a bundle's parent item is not moved",
        move(to_damaged(item=I3)), _ch(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(MOVE, C.NON_MUTABLE_INVENTORY_ITEM, ALL,
        "a non-mutable item takes the place of the locations' checks",
        move(shift(end("available", L9), end("damaged", L2, ledgerDocumentUri=DAMAGED_DOC),
                   item=I3)), _ch(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(MOVE, C.INVALID_LOCATION, ALL, "an unknown from location is reported on from",
        move(shift(end("available", L9), end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "from", "locationId"), LOCATION_MESSAGE),
    Row(MOVE, C.INVALID_LOCATION, ALL, "an unknown to location is reported on to",
        move(shift(end("available"), end("damaged", L9, ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "to", "locationId"), LOCATION_MESSAGE),
    Row(MOVE, C.DIFFERENT_LOCATIONS, ALL, "a move between two locations is refused",
        move(shift(end("available"), end("damaged", L2, ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0), "The quantities can't be moved between different locations."),
    Row(MOVE, C.DIFFERENT_LOCATIONS, ALL,
        "different locations skip the stocked check of an unstocked from",
        move(shift(end("available", L2), end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0), "The quantities can't be moved between different locations."),
    Row(MOVE, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_ABSENT,
        "not stocked is reported on from",
        move(to_damaged(location=L2)), _ch(0, "from", "locationId"), NOT_STOCKED_MESSAGE),
    Row(MOVE, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_INACTIVE,
        "an inactive level is not stocked",
        move(to_damaged(item=I2, location=L2)), _ch(0, "from", "locationId"),
        NOT_STOCKED_MESSAGE),
    Row(MOVE, C.SAME_QUANTITY_NAME, ALL, "a move from a name to itself is refused",
        move(shift(end("damaged", ledgerDocumentUri=DAMAGED_DOC),
                   end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0), "The quantity names for each change can't be the same."),
    Row(MOVE, C.INVALID_QUANTITY_NEGATIVE, ALL, "a negative quantity is refused",
        move(to_damaged(quantity=-1)), _ch(0, "quantity"), NEGATIVE_MESSAGE),
    Row(MOVE, C.INVALID_QUANTITY_TOO_HIGH, ALL, "a quantity above 2,000,000,000 is refused",
        move(to_damaged(quantity=2_000_000_001)), _ch(0, "quantity"), ADJUST_HIGH_MESSAGE),
    Row(MOVE, C.INVALID_AVAILABLE_DOCUMENT, ALL, "the available side takes no ledger document",
        move(shift(end("available", ledgerDocumentUri="logistics://x"),
                   end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "from", "ledgerDocumentUri"), AVAILABLE_DOCUMENT_MESSAGE),
    Row(MOVE, C.INVALID_QUANTITY_DOCUMENT, ALL, "the damaged side requires a ledger document",
        move(shift(end("available"), end("damaged"))),
        _ch(0, "to", "ledgerDocumentUri"), QUANTITY_DOCUMENT_MESSAGE),
    Row(MOVE, C.INTERNAL_LEDGER_DOCUMENT, ALL, "a gid://shopify/ ledger document is internal",
        move(shift(end("available"), end("damaged", ledgerDocumentUri="gid://shopify/Order/1"))),
        _ch(0, "to", "ledgerDocumentUri"), INTERNAL_DOCUMENT_MESSAGE),
    Row(MOVE, C.INVALID_LEDGER_DOCUMENT, ALL, "a malformed ledger document is refused",
        move(shift(end("available"), end("damaged", ledgerDocumentUri="rma 1"))),
        _ch(0, "to", "ledgerDocumentUri"), LEDGER_DOCUMENT_MESSAGE),
    Row(MOVE, C.MAXIMUM_LEDGER_DOCUMENT_URIS, ALL, "three ledger documents in one call are refused",
        move(shift(end("damaged", ledgerDocumentUri="logistics://a"),
                   end("reserved", ledgerDocumentUri="logistics://b")),
             shift(end("available"), end("quality_control", ledgerDocumentUri="logistics://c"))),
        ["input", "changes"],
        "Only a maximum of 2 ledger document URIs across all changes is allowed."),
    Row(MOVE, C.CHANGE_FROM_QUANTITY_STALE, CAS, "a stale from value is reported on from",
        move(shift(end("available", changeFromQuantity=4),
                   end("damaged", ledgerDocumentUri=DAMAGED_DOC))),
        _ch(0, "from", "changeFromQuantity"), STALE_ARGUMENT_MESSAGE),
    Row(MOVE, C.CHANGE_FROM_QUANTITY_STALE, CAS, "a stale to value is reported on to",
        move(shift(end("available"),
                   end("damaged", ledgerDocumentUri=DAMAGED_DOC, changeFromQuantity=2))),
        _ch(0, "to", "changeFromQuantity"), STALE_ARGUMENT_MESSAGE),
]

SET_ROWS = [
    Row(SET, C.IDEMPOTENCY_CONCURRENT_REQUEST, CAS,
        "a key in flight is refused to the call that re-enters with it",
        set_(qty()), None, CONCURRENT_MESSAGE, key="in-flight", reentrant=True),
    Row(SET, C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH, CAS,
        "a key first used by another operation is refused",
        set_(qty()), None, MISMATCH_MESSAGE, key="reused",
        prepare=first_use(ADJUST, adjust(change()))),
    Row(SET, C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED, ("2026-10",),
        "a key whose first call failed transiently is refused",
        set_(qty()), None, PREVIOUS_FAILED_MESSAGE, key="reused",
        prepare=failed_attempt(SET, set_(qty()))),
    Row(SET, C.INVALID_NAME, ALL, "damaged cannot be set",
        set_(qty(), name="damaged"), ["input", "name"],
        "The quantity name must be either 'available' or 'on_hand'."),
    Row(SET, C.INVALID_REASON, ALL, "an unlisted reason is refused",
        set_(qty(), reason="recount"), ["input", "reason"], REASON_MESSAGE),
    Row(SET, C.INVALID_REFERENCE_DOCUMENT, ALL, "a scheme without content is refused",
        set_(qty(), referenceDocumentUri="logistics:"), ["input", "referenceDocumentUri"],
        REFERENCE_MESSAGE),
    Row(SET, C.INVALID_INVENTORY_ITEM, ALL, "an item that names nothing is not found",
        set_(qty(item=I9)), _q(0, "inventoryItemId"), ITEM_MESSAGE),
    Row(SET, C.NON_MUTABLE_INVENTORY_ITEM, ALL, "a bundle's parent item is not set",
        set_(qty(item=I3)), _q(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(SET, C.INVALID_LOCATION, ALL, "a location that names nothing is not found",
        set_(qty(location=L9)), _q(0, "locationId"), LOCATION_MESSAGE),
    Row(SET, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_ABSENT,
        "a pair with no level is not stocked",
        set_(qty(location=L2)), _q(0, "locationId"), SET_NOT_STOCKED_MESSAGE),
    Row(SET, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_INACTIVE,
        "an inactive level is not stocked",
        set_(qty(item=I2, location=L2)), _q(0, "locationId"), SET_NOT_STOCKED_MESSAGE),
    Row(SET, C.INVALID_QUANTITY_NEGATIVE, ALL, "a negative on_hand is refused",
        set_(qty(-1), name="on_hand"), _q(0, "quantity"), NEGATIVE_MESSAGE),
    Row(SET, C.INVALID_QUANTITY_NEGATIVE, ALL, "for on_hand, negative wins over too low",
        set_(qty(-1_000_000_001), name="on_hand"), _q(0, "quantity"), NEGATIVE_MESSAGE),
    Row(SET, C.INVALID_QUANTITY_TOO_HIGH, ALL, "available above 1,000,000,000 is refused",
        set_(qty(1_000_000_001)), _q(0, "quantity"), SET_HIGH_MESSAGE),
    Row(SET, C.INVALID_QUANTITY_TOO_HIGH, ALL, "on_hand above 1,000,000,000 is refused",
        set_(qty(1_000_000_001), name="on_hand"), _q(0, "quantity"), SET_HIGH_MESSAGE),
    Row(SET, C.INVALID_QUANTITY_TOO_LOW, ALL, "available below -1,000,000,000 is refused",
        set_(qty(-1_000_000_001)), _q(0, "quantity"), SET_LOW_MESSAGE),
    Row(SET, C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR, ALL,
        "every member of a duplicate pair is reported",
        set_(qty(6), qty(7)), _q(0, "locationId"),
        "The combination of inventoryItemId and locationId must be unique.",
        more_fields=(_q(1, "locationId"),)),
    Row(SET, C.COMPARE_QUANTITY_REQUIRED, LEGACY, "ignoreCompareQuantity false needs compares",
        set_(qty(), ignoreCompareQuantity=False), ["input", "ignoreCompareQuantity"],
        "The compareQuantity argument must be given to each quantity or ignored using "
        "ignoreCompareQuantity."),
    Row(SET, C.COMPARE_QUANTITY_REQUIRED, LEGACY, "ignoreCompareQuantity null counts as false",
        set_(qty(), ignoreCompareQuantity=None), ["input", "ignoreCompareQuantity"],
        "The compareQuantity argument must be given to each quantity or ignored using "
        "ignoreCompareQuantity."),
    Row(SET, C.COMPARE_QUANTITY_REQUIRED, LEGACY,
        "one quantity without a compare is enough, and the error is reported once",
        set_(qty(compareQuantity=5), qty(3, item=I2)), ["input", "ignoreCompareQuantity"],
        "The compareQuantity argument must be given to each quantity or ignored using "
        "ignoreCompareQuantity."),
    Row(SET, C.CHANGE_FROM_QUANTITY_STALE, CAS, "a stale changeFromQuantity is refused",
        set_(qty(changeFromQuantity=4)), _q(0, "changeFromQuantity"), STALE_VALUE_MESSAGE),
    Row(SET, C.CHANGE_FROM_QUANTITY_STALE, CAS, "on_hand is compared for an on_hand set",
        set_(qty(9, changeFromQuantity=5), name="on_hand"), _q(0, "changeFromQuantity"),
        STALE_VALUE_MESSAGE),
    Row(SET, C.COMPARE_QUANTITY_STALE, LEGACY, "a stale compareQuantity is refused",
        set_(qty(compareQuantity=4)), _q(0, "compareQuantity"),
        "The compareQuantity value does not match persisted value."),
]

SET_ON_HAND_ROWS = [
    Row(SET_ON_HAND, C.IDEMPOTENCY_CONCURRENT_REQUEST, CAS,
        "a key in flight is refused to the call that re-enters with it",
        on_hand(qty(9)), None, CONCURRENT_MESSAGE, key="in-flight", reentrant=True),
    Row(SET_ON_HAND, C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH, CAS,
        "a key reused with another quantity is refused",
        on_hand(qty(10)), None, MISMATCH_MESSAGE, key="reused",
        prepare=first_use(SET_ON_HAND, on_hand(qty(9)))),
    Row(SET_ON_HAND, C.SET_ON_HAND_QUANTITIES_FAILED, ALL, "a transient failure applies nothing",
        on_hand(qty(9)), None, "The on-hand quantities couldn't be set. Try again.",
        prepare=always_failing),
    Row(SET_ON_HAND, C.SERVICE_UNAVAILABLE, CAS, "an outage applies nothing",
        on_hand(qty(9)), None, UNAVAILABLE_MESSAGE, prepare=unavailable),
    Row(SET_ON_HAND, C.INVALID_REASON, ALL, "an unlisted reason is refused",
        on_hand(qty(9), reason="recount"), ["input", "reason"], REASON_MESSAGE),
    Row(SET_ON_HAND, C.INVALID_REFERENCE_DOCUMENT, ALL, "a reference with a space is refused",
        on_hand(qty(9), referenceDocumentUri="logistics://count 1"),
        ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
    Row(SET_ON_HAND, C.INVALID_INVENTORY_ITEM, ALL, "an item that names nothing is not found",
        on_hand(qty(9, item=I9)), _sq(0, "inventoryItemId"), ITEM_MESSAGE),
    Row(SET_ON_HAND, C.NON_MUTABLE_INVENTORY_ITEM, ALL, "a bundle's parent item is not set",
        on_hand(qty(9, item=I3)), _sq(0, "inventoryItemId"), NON_MUTABLE_MESSAGE),
    Row(SET_ON_HAND, C.INVALID_LOCATION, ALL, "a location that names nothing is not found",
        on_hand(qty(9, location=L9)), _sq(0, "locationId"), LOCATION_MESSAGE),
    Row(SET_ON_HAND, C.ITEM_NOT_STOCKED_AT_LOCATION, NOT_STOCKED_ABSENT,
        "a pair with no level is not stocked",
        on_hand(qty(9, location=L2)), _sq(0, "locationId"), NOT_STOCKED_MESSAGE),
    Row(SET_ON_HAND, C.INVALID_QUANTITY_NEGATIVE, ALL, "a negative on_hand is refused",
        on_hand(qty(-1)), _sq(0, "quantity"), NEGATIVE_MESSAGE),
    Row(SET_ON_HAND, C.INVALID_QUANTITY_TOO_HIGH, ALL, "on_hand above 1,000,000,000 is refused",
        on_hand(qty(1_000_000_001)), _sq(0, "quantity"), SET_HIGH_MESSAGE),
    Row(SET_ON_HAND, C.CHANGE_FROM_QUANTITY_STALE, CAS, "a stale changeFromQuantity is refused",
        on_hand(qty(9, changeFromQuantity=5)), _sq(0, "changeFromQuantity"),
        STALE_ARGUMENT_MESSAGE),
]

ROWS = ADJUST_ROWS + MOVE_ROWS + SET_ROWS + SET_ON_HAND_ROWS

#: Codes that exist in an era's enum (Shopify's reference lists them) but that no call can
#: produce there (semantics §3).
UNREACHABLE: dict[tuple[str, str, ErrorCode], str] = {
    **{(SET, era, code): "the legacy compare fields are removed from 2026-04"
       for era in ("2026-04", "2026-10")
       for code in (C.COMPARE_QUANTITY_REQUIRED, C.COMPARE_QUANTITY_STALE)},
    **{(SET_ON_HAND, era, C.COMPARE_QUANTITY_STALE): "setOnHand never had compareQuantity"
       for era in CAS},
}

CASES = [
    pytest.param(row, version, id=f"{row.id} [{version}]")
    for row in ROWS
    for era_name in row.eras
    for version in VERSIONS_OF[era_name]
]


def run_reentrant(
    ledger: Ledger, clock: ReentrantClock, operation: str, variables: dict[str, Any], key: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Make a call that, while it reads the clock, makes the same call again.

    Returns the body of the inner call and the snapshots just before and after it. The
    outer call must succeed: the key was its own.
    """
    seen: dict[str, Any] = {}

    def again() -> None:
        seen["before"] = ledger.snapshot()
        seen["body"] = ledger.execute(operation, variables, idempotency_key=key)
        seen["after"] = ledger.snapshot()

    clock.on_next_read = again
    outer = ledger.execute(operation, variables, idempotency_key=key)
    assert outer["data"][operation]["userErrors"] == []
    assert outer["data"][operation]["inventoryAdjustmentGroup"] is not None
    return seen["body"], seen["before"], seen["after"]


@pytest.mark.parametrize(("row", "version"), CASES)
def test_each_user_error_comes_back_exactly_and_changes_nothing(row: Row, version: str) -> None:
    era = ERAS[version]
    clock = ReentrantClock()
    ledger = new_ledger(version, clock)
    if row.prepare is not None:
        row.prepare(ledger, era)
    variables = fit(row.operation, row.variables, era)
    key = row.key if row.key is not None else default_key(era)
    if row.reentrant:
        assert key is not None
        body, before, after = run_reentrant(ledger, clock, row.operation, variables, key)
    else:
        before = ledger.snapshot()
        groups = len(ledger.journal)
        body = ledger.execute(row.operation, variables, idempotency_key=key)
        after = ledger.snapshot()
        assert len(ledger.journal) == groups
    errors = [
        {"field": field, "message": row.message, "code": row.code.value}
        for field in (row.field, *row.more_fields)
    ]
    assert body == {"data": {row.operation: {"inventoryAdjustmentGroup": None,
                                             "userErrors": errors}}}
    assert after == before
    ledger._check()


# ---------------------------------------------------------------------- the table's meta-tests


def test_the_table_names_every_era_of_the_versions_module() -> None:
    assert {era.name for era in ERAS.values()} == set(ERA_NAMES)


@pytest.mark.parametrize("operation", QUANTITY_MUTATIONS)
@pytest.mark.parametrize("version", list(ERAS))
def test_every_code_of_every_mutation_in_every_era_has_a_row(
    operation: str, version: str
) -> None:
    era = ERAS[version]
    covered = {row.code for row in ROWS if row.operation == operation and era.name in row.eras}
    missing = [
        code.name for code in codes_in(operation, era)
        if code not in covered and (operation, era.name, code) not in UNREACHABLE
    ]
    assert missing == [], f"{operation} in {version} has codes without a row: {missing}"


def test_the_unreachable_codes_exist_and_have_no_row_yet() -> None:
    for (operation, era_name, code), why in UNREACHABLE.items():
        era = next(e for e in ERAS.values() if e.name == era_name)
        assert code in codes_in(operation, era), (operation, era_name, code, why)
        assert not any(
            row.operation == operation and row.code is code and era_name in row.eras
            for row in ROWS
        ), f"{code.name} of {operation} has a row now: take it off UNREACHABLE"


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_each_row_names_a_code_its_mutation_has_in_each_of_its_eras(row: Row) -> None:
    for era_name in row.eras:
        era = next(e for e in ERAS.values() if e.name == era_name)
        assert row.code in codes_in(row.operation, era), era_name


@pytest.mark.parametrize("operation", QUANTITY_MUTATIONS)
def test_rows_follow_the_order_of_the_code_enum(operation: str) -> None:
    order = list(ErrorCode)
    positions = [order.index(row.code) for row in ROWS if row.operation == operation]
    assert positions == sorted(positions)


def test_codes_that_do_not_exist_in_an_era_are_never_returned_there() -> None:
    # A 2025 ledger has no CAS codes: CHANGE_FROM_QUANTITY_STALE is not in its enum.
    assert C.CHANGE_FROM_QUANTITY_STALE not in codes_in(ADJUST, ERAS["2025-10"])
    assert C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH not in codes_in(SET, ERAS["2025-01"])
    # Set's enum keeps the legacy compare codes in every version, though from 2026-04 they
    # can no longer occur (semantics §3); setOnHand's lists COMPARE_QUANTITY_STALE from 2026-01.
    assert C.COMPARE_QUANTITY_REQUIRED in codes_in(SET, ERAS["2026-04"])
    assert C.COMPARE_QUANTITY_STALE in codes_in(SET, ERAS["2026-10"])
    assert C.COMPARE_QUANTITY_STALE in codes_in(SET_ON_HAND, ERAS["2026-01"])
    assert C.COMPARE_QUANTITY_STALE not in codes_in(SET_ON_HAND, ERAS["2025-10"])
    # ITEM_NOT_STOCKED_AT_LOCATION is gone from all four from 2026-10.
    for operation in QUANTITY_MUTATIONS:
        assert C.ITEM_NOT_STOCKED_AT_LOCATION in codes_in(operation, ERAS["2026-07"])
        assert C.ITEM_NOT_STOCKED_AT_LOCATION not in codes_in(operation, ERAS["2027-01"])
        assert C.NON_MUTABLE_INVENTORY_ITEM in codes_in(operation, ERAS["2025-01"])
    assert C.SERVICE_UNAVAILABLE in codes_in(ADJUST, ERAS["2026-01"])
    assert C.SERVICE_UNAVAILABLE not in codes_in(SET, ERAS["2026-10"])
    # 2026-10 adds IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED to move and set only.
    assert C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED in codes_in(MOVE, ERAS["2026-10"])
    assert C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED not in codes_in(MOVE, ERAS["2026-07"])
    assert C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED not in codes_in(ADJUST, ERAS["2026-10"])


# ---------------------------------------------------------------------- collection order


def _error(code: ErrorCode, field: list[str] | None, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code.value}


def _user_errors(body: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    payload = body["data"][operation]
    assert payload["inventoryAdjustmentGroup"] is None
    return list(payload["userErrors"])


def _run_rejected(version: str, operation: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a call that must fail; check that it changed nothing; return its user errors."""
    era = ERAS[version]
    ledger = new_ledger(version)
    before = ledger.snapshot()
    body = call(ledger, operation, variables, era)
    assert ledger.snapshot() == before
    assert len(ledger.journal) == 0
    return _user_errors(body, operation)


def test_adjust_collects_input_fields_then_each_change_then_call_level_errors() -> None:
    variables = adjust(
        change(item=I9, location=L9, delta=2_000_000_001,
               ledgerDocumentUri="gid://shopify/Order/1"),
        change(delta=-2_000_000_001, ledgerDocumentUri="bad uri", changeFromQuantity=0),
        name="bogus", reason="nope", referenceDocumentUri="not a uri",
    )
    assert _run_rejected("2026-04", ADJUST, variables) == [
        _error(C.INVALID_QUANTITY_NAME, ["input", "name"], QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_REASON, ["input", "reason"], REASON_MESSAGE),
        _error(C.INVALID_REFERENCE_DOCUMENT, ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
        _error(C.INVALID_INVENTORY_ITEM, _ch(0, "inventoryItemId"), ITEM_MESSAGE),
        _error(C.INVALID_LOCATION, _ch(0, "locationId"), LOCATION_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_HIGH, _ch(0, "delta"), ADJUST_HIGH_MESSAGE),
        _error(C.INTERNAL_LEDGER_DOCUMENT, _ch(0, "ledgerDocumentUri"), INTERNAL_DOCUMENT_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_LOW, _ch(1, "delta"), ADJUST_LOW_MESSAGE),
        _error(C.INVALID_LEDGER_DOCUMENT, _ch(1, "ledgerDocumentUri"), LEDGER_DOCUMENT_MESSAGE),
        _error(C.MAX_ONE_LEDGER_DOCUMENT, ["input", "changes"], MAX_ONE_MESSAGE),
    ]


def test_adjust_reports_location_then_delta_then_ledger_document_within_a_change() -> None:
    variables = adjust(
        change(location=L2, delta=2_000_000_001),
        change(ledgerDocumentUri="logistics://rma/2", changeFromQuantity=99),
        name="damaged",
    )
    assert _run_rejected("2026-01", ADJUST, variables) == [
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _ch(0, "locationId"), NOT_STOCKED_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_HIGH, _ch(0, "delta"), ADJUST_HIGH_MESSAGE),
        _error(C.INVALID_QUANTITY_DOCUMENT, _ch(0, "ledgerDocumentUri"),
               QUANTITY_DOCUMENT_MESSAGE),
        _error(C.MAX_ONE_LEDGER_DOCUMENT, ["input", "changes"], MAX_ONE_MESSAGE),
    ]


def test_an_invalid_adjust_name_still_needs_a_ledger_document_and_checks_it() -> None:
    # An invalid name counts as "not available" (semantics §5): the document is required.
    variables = adjust(change(), change(item=I2, ledgerDocumentUri="gid://shopify/Order/9"),
                       name="committed")
    assert _run_rejected("2025-10", ADJUST, variables) == [
        _error(C.INVALID_QUANTITY_NAME, ["input", "name"], QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_QUANTITY_DOCUMENT, _ch(0, "ledgerDocumentUri"),
               QUANTITY_DOCUMENT_MESSAGE),
        _error(C.INTERNAL_LEDGER_DOCUMENT, _ch(1, "ledgerDocumentUri"), INTERNAL_DOCUMENT_MESSAGE),
        _error(C.MAX_ONE_LEDGER_DOCUMENT, ["input", "changes"], MAX_ONE_MESSAGE),
    ]


def test_adjusting_on_hand_without_a_ledger_document_gives_both_errors() -> None:
    # Real stores return both (semantics §5).
    assert _run_rejected("2026-04", ADJUST, adjust(change(), name="on_hand")) == [
        _error(C.INVALID_QUANTITY_NAME, ["input", "name"], QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_QUANTITY_DOCUMENT, _ch(0, "ledgerDocumentUri"),
               QUANTITY_DOCUMENT_MESSAGE),
    ]


def test_move_collects_item_from_to_names_quantity_documents_then_the_document_count() -> None:
    variables = move(
        shift(end("committed", L9, ledgerDocumentUri="gid://shopify/Order/1"),
              end("on_hand", L8, ledgerDocumentUri="bad uri"), quantity=-1, item=I9),
        shift(end("damaged", ledgerDocumentUri="logistics://a"),
              end("damaged", L2, ledgerDocumentUri="logistics://b"), quantity=2_000_000_001),
        shift(end("available", L2), end("incoming", L2, ledgerDocumentUri="logistics://c")),
        reason="nope", reference="nope nope",
    )
    # 2026-07: the last era where a missing level is ITEM_NOT_STOCKED_AT_LOCATION.
    assert _run_rejected("2026-07", MOVE, variables) == [
        _error(C.INVALID_REASON, ["input", "reason"], REASON_MESSAGE),
        _error(C.INVALID_REFERENCE_DOCUMENT, ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
        _error(C.INVALID_INVENTORY_ITEM, _ch(0, "inventoryItemId"), ITEM_MESSAGE),
        _error(C.INVALID_LOCATION, _ch(0, "from", "locationId"), LOCATION_MESSAGE),
        _error(C.INVALID_LOCATION, _ch(0, "to", "locationId"), LOCATION_MESSAGE),
        _error(C.INVALID_QUANTITY_NAME, _ch(0, "from", "name"), QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_QUANTITY_NAME, _ch(0, "to", "name"), QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_QUANTITY_NEGATIVE, _ch(0, "quantity"), NEGATIVE_MESSAGE),
        _error(C.INTERNAL_LEDGER_DOCUMENT, _ch(0, "from", "ledgerDocumentUri"),
               INTERNAL_DOCUMENT_MESSAGE),
        _error(C.INVALID_LEDGER_DOCUMENT, _ch(0, "to", "ledgerDocumentUri"),
               LEDGER_DOCUMENT_MESSAGE),
        _error(C.DIFFERENT_LOCATIONS, _ch(1),
               "The quantities can't be moved between different locations."),
        _error(C.SAME_QUANTITY_NAME, _ch(1),
               "The quantity names for each change can't be the same."),
        _error(C.INVALID_QUANTITY_TOO_HIGH, _ch(1, "quantity"), ADJUST_HIGH_MESSAGE),
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _ch(2, "from", "locationId"), NOT_STOCKED_MESSAGE),
        _error(C.MAXIMUM_LEDGER_DOCUMENT_URIS, ["input", "changes"],
               "Only a maximum of 2 ledger document URIs across all changes is allowed."),
    ]


def test_invalid_move_names_are_reported_on_their_terminals_and_equal_ones_are_the_same() -> None:
    # SAME_QUANTITY_NAME whether or not the name is valid (semantics §7), and each invalid
    # terminal name still needs its ledger document (§5).
    variables = move(shift(end("committed"), end("committed")))
    assert _run_rejected("2026-04", MOVE, variables) == [
        _error(C.INVALID_QUANTITY_NAME, _ch(0, "from", "name"), QUANTITY_NAME_MESSAGE),
        _error(C.INVALID_QUANTITY_NAME, _ch(0, "to", "name"), QUANTITY_NAME_MESSAGE),
        _error(C.SAME_QUANTITY_NAME, _ch(0),
               "The quantity names for each change can't be the same."),
        _error(C.INVALID_QUANTITY_DOCUMENT, _ch(0, "from", "ledgerDocumentUri"),
               QUANTITY_DOCUMENT_MESSAGE),
        _error(C.INVALID_QUANTITY_DOCUMENT, _ch(0, "to", "ledgerDocumentUri"),
               QUANTITY_DOCUMENT_MESSAGE),
    ]


def test_set_collects_name_reason_reference_then_quantities_then_duplicates_then_compare() -> None:
    variables = set_(
        qty(1_000_000_001, item=I9, location=L9, compareQuantity=77),
        qty(-1_000_000_001, location=L2),
        qty(0, location=L2),
        name="committed", reason="nope", referenceDocumentUri="x y", ignoreCompareQuantity=False,
    )
    assert _run_rejected("2025-01", SET, variables) == [
        _error(C.INVALID_NAME, ["input", "name"],
               "The quantity name must be either 'available' or 'on_hand'."),
        _error(C.INVALID_REASON, ["input", "reason"], REASON_MESSAGE),
        _error(C.INVALID_REFERENCE_DOCUMENT, ["input", "referenceDocumentUri"], REFERENCE_MESSAGE),
        _error(C.INVALID_INVENTORY_ITEM, _q(0, "inventoryItemId"), ITEM_MESSAGE),
        _error(C.INVALID_LOCATION, _q(0, "locationId"), LOCATION_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_HIGH, _q(0, "quantity"), SET_HIGH_MESSAGE),
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _q(1, "locationId"), SET_NOT_STOCKED_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_LOW, _q(1, "quantity"), SET_LOW_MESSAGE),
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _q(2, "locationId"), SET_NOT_STOCKED_MESSAGE),
        _error(C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR, _q(1, "locationId"),
               "The combination of inventoryItemId and locationId must be unique."),
        _error(C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR, _q(2, "locationId"),
               "The combination of inventoryItemId and locationId must be unique."),
        _error(C.COMPARE_QUANTITY_REQUIRED, ["input", "ignoreCompareQuantity"],
               "The compareQuantity argument must be given to each quantity or ignored using "
               "ignoreCompareQuantity."),
    ]


def test_set_on_hand_reports_at_set_quantities_and_has_no_duplicate_rule() -> None:
    variables = on_hand(qty(-1, item=I9), qty(1_000_000_001, location=L2), reason="nope")
    assert _run_rejected("2026-07", SET_ON_HAND, variables) == [
        _error(C.INVALID_REASON, ["input", "reason"], REASON_MESSAGE),
        _error(C.INVALID_INVENTORY_ITEM, _sq(0, "inventoryItemId"), ITEM_MESSAGE),
        _error(C.INVALID_QUANTITY_NEGATIVE, _sq(0, "quantity"), NEGATIVE_MESSAGE),
        _error(C.ITEM_NOT_STOCKED_AT_LOCATION, _sq(1, "locationId"), NOT_STOCKED_MESSAGE),
        _error(C.INVALID_QUANTITY_TOO_HIGH, _sq(1, "quantity"), SET_HIGH_MESSAGE),
    ]


# ---------------------------------------------------------------------- compare-and-swap

STALE_WITH_ANOTHER_ERROR = [
    pytest.param(ADJUST, adjust(change(changeFromQuantity=4), reason="nope"),
                 ["input", "reason"], id="adjust"),
    pytest.param(MOVE, move(shift(end("available", changeFromQuantity=4),
                                  end("damaged", ledgerDocumentUri="rma 1"))),
                 _ch(0, "to", "ledgerDocumentUri"), id="move"),
    pytest.param(SET, set_(qty(changeFromQuantity=4), qty(changeFromQuantity=4)),
                 _q(0, "locationId"), id="set"),
    pytest.param(SET_ON_HAND, on_hand(qty(9, changeFromQuantity=5), qty(9, item=I9)),
                 _sq(1, "inventoryItemId"), id="setOnHand"),
]


@pytest.mark.parametrize(("operation", "variables", "first_field"), STALE_WITH_ANOTHER_ERROR)
def test_stale_values_are_not_reported_when_anything_else_failed(
    operation: str, variables: dict[str, Any], first_field: list[str]
) -> None:
    errors = _run_rejected("2026-04", operation, variables)
    assert errors[0]["field"] == first_field
    assert all(e["code"] != C.CHANGE_FROM_QUANTITY_STALE.value for e in errors)


def test_every_stale_value_of_a_call_is_reported_in_input_order() -> None:
    variables = adjust(change(changeFromQuantity=4), change(item=I2, changeFromQuantity=2),
                       change(changeFromQuantity=0))
    assert _run_rejected("2026-04", ADJUST, variables) == [
        _error(C.CHANGE_FROM_QUANTITY_STALE, _ch(0, "changeFromQuantity"), STALE_ARGUMENT_MESSAGE),
        _error(C.CHANGE_FROM_QUANTITY_STALE, _ch(2, "changeFromQuantity"), STALE_ARGUMENT_MESSAGE),
    ]


PERSISTED_BEFORE_THE_CALL = [
    pytest.param(ADJUST, adjust(change(delta=1, changeFromQuantity=5),
                                change(delta=1, changeFromQuantity=5)),
                 {"available": 7, "on_hand": 10}, id="adjust"),
    pytest.param(MOVE, move(
        shift(end("available", changeFromQuantity=5),
              end("damaged", ledgerDocumentUri=DAMAGED_DOC, changeFromQuantity=3)),
        shift(end("available", changeFromQuantity=5),
              end("damaged", ledgerDocumentUri=DAMAGED_DOC, changeFromQuantity=3))),
                 {"available": 3, "damaged": 5, "on_hand": 8}, id="move"),
    pytest.param(SET_ON_HAND, on_hand(qty(10, changeFromQuantity=8), qty(12, changeFromQuantity=8)),
                 {"available": 9, "on_hand": 12}, id="setOnHand"),
]


@pytest.mark.parametrize(("operation", "variables", "expected"), PERSISTED_BEFORE_THE_CALL)
def test_two_changes_to_one_level_both_compare_with_the_value_before_the_call(
    operation: str, variables: dict[str, Any], expected: dict[str, int]
) -> None:
    ledger = new_ledger("2026-04")
    body = call(ledger, operation, variables, ERAS["2026-04"])
    assert body["data"][operation]["userErrors"] == []
    quantities = ledger.quantities(I1, L1)
    assert {name: quantities[name] for name in expected} == expected


def test_a_second_change_comparing_with_the_running_value_is_stale() -> None:
    variables = adjust(change(delta=1, changeFromQuantity=5), change(delta=1, changeFromQuantity=6))
    assert _run_rejected("2026-01", ADJUST, variables) == [
        _error(C.CHANGE_FROM_QUANTITY_STALE, _ch(1, "changeFromQuantity"), STALE_ARGUMENT_MESSAGE),
    ]


@pytest.mark.parametrize("version", ["2026-01", "2026-04"])
def test_a_null_change_from_quantity_checks_nothing(version: str) -> None:
    ledger = new_ledger(version)
    body = call(ledger, ADJUST, adjust(change(delta=2, changeFromQuantity=None)), ERAS[version])
    assert body["data"][ADJUST]["userErrors"] == []
    assert ledger.quantities(I1, L1)["available"] == 7


def test_a_matching_change_from_quantity_lets_the_call_through() -> None:
    ledger = new_ledger("2026-04")
    body = call(ledger, SET, set_(qty(9, changeFromQuantity=8), name="on_hand"), ERAS["2026-04"])
    assert body["data"][SET]["userErrors"] == []
    assert ledger.quantities(I1, L1)["on_hand"] == 9


# ---------------------------------------------------------------------- atomicity


ATOMIC = [
    pytest.param(ADJUST, adjust(change(delta=3), change(item=I9)), id="adjust"),
    pytest.param(MOVE, move(to_damaged(), to_damaged(quantity=-1)), id="move"),
    pytest.param(SET, set_(qty(9), qty(9, location=L2)), id="set"),
    pytest.param(SET_ON_HAND, on_hand(qty(20), qty(-1, item=I2)), id="setOnHand"),
]


@pytest.mark.parametrize(("operation", "variables"), ATOMIC)
def test_a_valid_change_is_not_applied_when_a_later_change_fails(
    operation: str, variables: dict[str, Any]
) -> None:
    errors = _run_rejected("2026-04", operation, variables)
    assert len(errors) == 1


def test_groups_made_in_one_second_share_one_created_at_and_keep_its_value() -> None:
    from datetime import UTC, datetime, timedelta

    from ledger import AdjustChange, Ledger
    from ledger.core.clock import ManualClock

    clock = ManualClock(datetime(2026, 6, 25, 12, 0, 0, 250_000, tzinfo=UTC))
    ledger = Ledger.example(api_version="2026-01", clock=clock)
    change = [AdjustChange(item_id="gid://shopify/InventoryItem/1",
                           location_id="gid://shopify/Location/1", delta=1)]
    first = ledger.adjust(name="available", reason="correction", changes=change).group
    clock.advance(timedelta(milliseconds=500))
    second = ledger.adjust(name="available", reason="correction", changes=change).group
    assert first is not None
    assert second is not None
    assert first.created_at == datetime(2026, 6, 25, 12, 0, 0, tzinfo=UTC)
    assert second.created_at is first.created_at  # one datetime for the second, not two


def test_a_call_that_changes_nothing_returns_the_plain_no_op_result_every_time() -> None:
    from ledger import AdjustChange
    from ledger.core.results import Result

    ledger = Ledger.from_snapshot(store(), api_version="2026-04")
    first, second = (
        ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
            item_id=ITEM.format(1), location_id=LOCATION.format(1), delta=0,
            change_from_quantity=5)], idempotency_key=key)
        for key in ("zero-1", "zero-2"))
    assert first == second == Result(operation=ADJUST)
    assert first.ok
    assert first.group is None
    assert not first.replayed
    assert ledger.quantities(ITEM.format(1), LOCATION.format(1))["available"] == 5
    assert len(ledger.journal) == 0
    replayed = ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id=ITEM.format(1), location_id=LOCATION.format(1), delta=0,
        change_from_quantity=5)], idempotency_key="zero-1")
    assert replayed.replayed
    assert not first.replayed  # the shared value is never changed
