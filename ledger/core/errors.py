"""User-error codes per mutation, their messages and eras; request errors; one exception root.

User errors and request errors are *values* the engine returns. Exceptions are kept for
programmer errors (``LedgerError`` and the built-in ``TypeError``/``ValueError``) and broken
invariants (``InvariantError``).
"""

from __future__ import annotations

import enum
from typing import Any, Final

import attrs

from ledger.core.quantities import ADJUSTABLE
from ledger.core.versions import Era, Presence

REASONS: Final = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)
REASON_SET: Final = frozenset(REASONS)

ADJUST: Final = "inventoryAdjustQuantities"
MOVE: Final = "inventoryMoveQuantities"
SET: Final = "inventorySetQuantities"
SET_ON_HAND: Final = "inventorySetOnHandQuantities"
ACTIVATE: Final = "inventoryActivate"
DEACTIVATE: Final = "inventoryDeactivate"
BULK_TOGGLE: Final = "inventoryBulkToggleActivation"
QUANTITY_MUTATIONS: Final = (ADJUST, MOVE, SET, SET_ON_HAND)
#: The mutations that stock and unstock; ``@idempotent`` is optional on them from 2026-01.
STOCKING_MUTATIONS: Final = (ACTIVATE, DEACTIVATE, BULK_TOGGLE)
OPERATIONS: Final = (ADJUST, MOVE, SET, SET_ON_HAND, ACTIVATE, DEACTIVATE, BULK_TOGGLE)


class LedgerError(Exception):
    """Root of the exceptions this package raises on purpose."""


class InvariantError(LedgerError, AssertionError):
    """An internal invariant is broken: a bug in ``ledger``, never a user's mistake."""


class ErrorCode(enum.Enum):
    """Shopify's user-error codes. Their order here is the order rules check them in."""

    IDEMPOTENCY_CONCURRENT_REQUEST = "IDEMPOTENCY_CONCURRENT_REQUEST"
    IDEMPOTENCY_KEY_PARAMETER_MISMATCH = "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED = "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
    ADJUST_QUANTITIES_FAILED = "ADJUST_QUANTITIES_FAILED"
    MOVE_QUANTITIES_FAILED = "MOVE_QUANTITIES_FAILED"
    SET_ON_HAND_QUANTITIES_FAILED = "SET_ON_HAND_QUANTITIES_FAILED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INVALID_NAME = "INVALID_NAME"
    INVALID_QUANTITY_NAME = "INVALID_QUANTITY_NAME"
    INVALID_REASON = "INVALID_REASON"
    INVALID_REFERENCE_DOCUMENT = "INVALID_REFERENCE_DOCUMENT"
    INVALID_INVENTORY_ITEM = "INVALID_INVENTORY_ITEM"
    NON_MUTABLE_INVENTORY_ITEM = "NON_MUTABLE_INVENTORY_ITEM"
    INVALID_LOCATION = "INVALID_LOCATION"
    DIFFERENT_LOCATIONS = "DIFFERENT_LOCATIONS"
    ITEM_NOT_STOCKED_AT_LOCATION = "ITEM_NOT_STOCKED_AT_LOCATION"
    SAME_QUANTITY_NAME = "SAME_QUANTITY_NAME"
    INVALID_QUANTITY_NEGATIVE = "INVALID_QUANTITY_NEGATIVE"
    INVALID_QUANTITY_TOO_HIGH = "INVALID_QUANTITY_TOO_HIGH"
    INVALID_QUANTITY_TOO_LOW = "INVALID_QUANTITY_TOO_LOW"
    INVALID_AVAILABLE_DOCUMENT = "INVALID_AVAILABLE_DOCUMENT"
    INVALID_QUANTITY_DOCUMENT = "INVALID_QUANTITY_DOCUMENT"
    INTERNAL_LEDGER_DOCUMENT = "INTERNAL_LEDGER_DOCUMENT"
    INVALID_LEDGER_DOCUMENT = "INVALID_LEDGER_DOCUMENT"
    MAX_ONE_LEDGER_DOCUMENT = "MAX_ONE_LEDGER_DOCUMENT"
    MAXIMUM_LEDGER_DOCUMENT_URIS = "MAXIMUM_LEDGER_DOCUMENT_URIS"
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR = "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"
    COMPARE_QUANTITY_REQUIRED = "COMPARE_QUANTITY_REQUIRED"
    CHANGE_FROM_QUANTITY_STALE = "CHANGE_FROM_QUANTITY_STALE"
    COMPARE_QUANTITY_STALE = "COMPARE_QUANTITY_STALE"


C = ErrorCode

_QUANTITY_NAME_MESSAGE: Final = (
    "The specified quantity name is invalid. Valid values are: " + ", ".join(ADJUSTABLE) + "."
)
_IDEMPOTENCY_MESSAGES: Final = {
    C.IDEMPOTENCY_CONCURRENT_REQUEST: "This request is currently in progress, please try again.",
    C.IDEMPOTENCY_KEY_PARAMETER_MISMATCH: (
        "The same idempotency key cannot be used with different operation parameters."
    ),
    C.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED: (
        "A previous request with this idempotency key failed. Retry with a new idempotency key."
    ),
}
_SHARED: Final = {
    C.INVALID_REASON: (
        "The specified reason is invalid. Valid values are: " + ", ".join(REASONS) + "."
    ),
    C.INVALID_REFERENCE_DOCUMENT: "The specified reference document is invalid.",
    C.INVALID_INVENTORY_ITEM: "The specified inventory item could not be found.",
    # Shopify documents the code (a bundle's parent item); the text is ours (semantics §5).
    C.NON_MUTABLE_INVENTORY_ITEM: (
        "The specified inventory item is not allowed to be adjusted via API."
    ),
    C.INVALID_LOCATION: "The specified location could not be found.",
    C.ITEM_NOT_STOCKED_AT_LOCATION: "The inventory item is not stocked at the location.",
}
_LEDGER_DOCUMENTS: Final = {
    C.INVALID_AVAILABLE_DOCUMENT: "A ledger document URI is not allowed when adjusting available.",
    C.INVALID_QUANTITY_DOCUMENT: (
        "A ledger document URI is required except when adjusting available."
    ),
    C.INTERNAL_LEDGER_DOCUMENT: (
        "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API."
    ),
    C.INVALID_LEDGER_DOCUMENT: "The specified ledger document is invalid.",
}
_SET_BOUNDS: Final = {
    C.INVALID_QUANTITY_NEGATIVE: "The quantity can't be negative.",
    C.INVALID_QUANTITY_TOO_HIGH: "The quantity can't be higher than 1,000,000,000.",
}
# Shopify's reference cuts this text short ("The servi..."); the rest is ours.
SERVICE_UNAVAILABLE_MESSAGE: Final = "The service is temporarily unavailable. Try again later."
_CHANGE_FROM_STALE_ARGUMENT: Final = (
    "The changeFromQuantity argument no longer matches the persisted quantity."
)

#: Each mutation's user error for an injected transient failure, where its enum has one.
FAILED_CODE: Final = {
    ADJUST: ErrorCode.ADJUST_QUANTITIES_FAILED,
    MOVE: ErrorCode.MOVE_QUANTITIES_FAILED,
    SET_ON_HAND: ErrorCode.SET_ON_HAND_QUANTITIES_FAILED,
}
INTERNAL_ERROR_MESSAGE: Final = "Internal error. Looks like something went wrong on our end."
THROTTLED_MESSAGE: Final = "Throttled"
THROTTLED_DOCUMENTATION: Final = "https://shopify.dev/api/usage/rate-limits"

#: For each mutation, every code it can return with its message, in precedence order.
MESSAGES: Final[dict[str, dict[ErrorCode, str]]] = {
    ADJUST: {
        **_IDEMPOTENCY_MESSAGES,
        C.ADJUST_QUANTITIES_FAILED: "The quantities couldn't be adjusted. Try again.",
        C.SERVICE_UNAVAILABLE: SERVICE_UNAVAILABLE_MESSAGE,
        C.INVALID_QUANTITY_NAME: _QUANTITY_NAME_MESSAGE,
        **_SHARED,
        C.INVALID_QUANTITY_TOO_HIGH: "The quantity can't be higher than 2,000,000,000.",
        C.INVALID_QUANTITY_TOO_LOW: "The quantity can't be lower than -2,000,000,000.",
        **_LEDGER_DOCUMENTS,
        C.MAX_ONE_LEDGER_DOCUMENT: (
            "All changes must have the same ledger document URI or, in the case of adjusting "
            "available, no ledger document URI."
        ),
        C.CHANGE_FROM_QUANTITY_STALE: _CHANGE_FROM_STALE_ARGUMENT,
    },
    MOVE: {
        **_IDEMPOTENCY_MESSAGES,
        # Shopify documents the code but not its text; this follows adjust's wording.
        C.MOVE_QUANTITIES_FAILED: "The quantities couldn't be moved. Try again.",
        C.SERVICE_UNAVAILABLE: SERVICE_UNAVAILABLE_MESSAGE,
        **_SHARED,
        C.DIFFERENT_LOCATIONS: "The quantities can't be moved between different locations.",
        C.INVALID_QUANTITY_NAME: _QUANTITY_NAME_MESSAGE,
        C.SAME_QUANTITY_NAME: "The quantity names for each change can't be the same.",
        C.INVALID_QUANTITY_NEGATIVE: "The quantity can't be negative.",
        C.INVALID_QUANTITY_TOO_HIGH: "The quantity can't be higher than 2,000,000,000.",
        **_LEDGER_DOCUMENTS,
        C.MAXIMUM_LEDGER_DOCUMENT_URIS: (
            "Only a maximum of 2 ledger document URIs across all changes is allowed."
        ),
        C.CHANGE_FROM_QUANTITY_STALE: _CHANGE_FROM_STALE_ARGUMENT,
    },
    SET: {
        **_IDEMPOTENCY_MESSAGES,
        C.INVALID_NAME: "The quantity name must be either 'available' or 'on_hand'.",
        **_SHARED,
        C.ITEM_NOT_STOCKED_AT_LOCATION: (
            "The specified inventory item is not stocked at the location."
        ),
        **_SET_BOUNDS,
        C.INVALID_QUANTITY_TOO_LOW: "The quantity can't be lower than -1,000,000,000.",
        C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR: (
            "The combination of inventoryItemId and locationId must be unique."
        ),
        C.COMPARE_QUANTITY_REQUIRED: (
            "The compareQuantity argument must be given to each quantity or ignored using "
            "ignoreCompareQuantity."
        ),
        C.CHANGE_FROM_QUANTITY_STALE: (
            "The changeFromQuantity value does not match persisted value."
        ),
        C.COMPARE_QUANTITY_STALE: "The compareQuantity value does not match persisted value.",
    },
    # setOnHand's enum words CHANGE_FROM_QUANTITY_STALE as adjust does and
    # ITEM_NOT_STOCKED_AT_LOCATION without set's "specified" (Shopify's 2025-10 and 2026-01
    # references), so its messages follow that wording rather than set's.
    SET_ON_HAND: {
        **_IDEMPOTENCY_MESSAGES,
        C.SET_ON_HAND_QUANTITIES_FAILED: "The on-hand quantities couldn't be set. Try again.",
        C.SERVICE_UNAVAILABLE: SERVICE_UNAVAILABLE_MESSAGE,
        **_SHARED,
        **_SET_BOUNDS,
        C.CHANGE_FROM_QUANTITY_STALE: _CHANGE_FROM_STALE_ARGUMENT,
        # In the enum from 2026-01 though setOnHand has no compareQuantity: never produced.
        C.COMPARE_QUANTITY_STALE: "The compareQuantity value does not match persisted value.",
    },
}

def directive_presence(operation: str, era: Era) -> Presence:
    """Return whether ``@idempotent(key:)`` exists on ``operation`` in ``era``, and is required."""
    if operation == ACTIVATE:
        return era.activate_idempotency
    if operation in STOCKING_MUTATIONS:
        return era.stocking_idempotency
    return era.idempotency


def codes_in(operation: str, era: Era) -> tuple[ErrorCode, ...]:
    """Return the codes ``operation`` can return in ``era``, in precedence order.

    The era's enum (``Era.enums``, Shopify's reference) decides which codes exist; the order
    is the order the rules check them in (``MESSAGES``).
    """
    present = era.enums[operation]
    return tuple(code for code in MESSAGES[operation] if code.value in present)


def enum_values(operation: str, era: Era) -> tuple[str, ...]:
    """Return the values of ``operation``'s error-code enum in ``era`` (alphabetical)."""
    return era.enums[operation]


class BulkToggleCode(enum.Enum):
    """``InventoryBulkToggleActivationUserErrorCode``: the codes this ledger can produce.

    Shopify's enum also has GENERIC_ERROR, FAILED_TO_STOCK_AT_LOCATION,
    FAILED_TO_UNSTOCK_FROM_LOCATION (transient failures), INVENTORY_MANAGED_BY_3RD_PARTY,
    INVENTORY_MANAGED_BY_SHOPIFY and MISSING_SKU (properties of items the ledger does not
    model): no state of the ledger produces them, so they are left out.
    Their order here is the order the rules check them in, per update.
    """

    INVENTORY_ITEM_NOT_FOUND = "INVENTORY_ITEM_NOT_FOUND"
    LOCATION_NOT_FOUND = "LOCATION_NOT_FOUND"
    COMMITTED_INVENTORY_AT_LOCATION = "COMMITTED_INVENTORY_AT_LOCATION"
    INCOMING_INVENTORY_AT_LOCATION = "INCOMING_INVENTORY_AT_LOCATION"
    CANNOT_DEACTIVATE_FROM_ONLY_LOCATION = "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION"


#: Messages of inventoryBulkToggleActivation's codes: the descriptions of Shopify's enum
#: reference (shopify.dev, InventoryBulkToggleActivationUserErrorCode), which documents no
#: other wording.
BULK_TOGGLE_MESSAGES: Final[dict[BulkToggleCode, str]] = {
    BulkToggleCode.INVENTORY_ITEM_NOT_FOUND: "The inventory item was not found.",
    BulkToggleCode.LOCATION_NOT_FOUND: "The location was not found.",
    BulkToggleCode.COMMITTED_INVENTORY_AT_LOCATION: (
        "Cannot unstock this inventory item from this location because it has committed "
        "quantities."
    ),
    BulkToggleCode.INCOMING_INVENTORY_AT_LOCATION: (
        "Cannot unstock this inventory item from this location because it has incoming "
        "quantities."
    ),
    BulkToggleCode.CANNOT_DEACTIVATE_FROM_ONLY_LOCATION: (
        "Cannot unstock an inventory item from the only location at which it is stocked."
    ),
}


def bulk_toggle_error(code: BulkToggleCode, field: tuple[str, ...] | None) -> UserError:
    """Build the inventoryBulkToggleActivation user error ``code`` at ``field``."""
    return UserError(field=field, message=BULK_TOGGLE_MESSAGES[code], code=code)


def _field_validator(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and not (
        isinstance(value, tuple) and all(isinstance(part, str) for part in value)
    ):
        raise TypeError(f"field must be None or a tuple of str, not {value!r}")


@attrs.frozen(kw_only=True)
class UserError:
    """One Shopify user error: the input path it concerns, its message and code.

    ``code`` is ``None`` for inventoryActivate / inventoryDeactivate, whose errors carry none,
    a ``BulkToggleCode`` for inventoryBulkToggleActivation, and an
    ``ledger.events.EventErrorCode`` for a platform event.
    """

    field: tuple[str, ...] | None = attrs.field(validator=_field_validator)
    message: str
    code: enum.Enum | None = None

    def to_json(self, *, with_code: bool = True) -> dict[str, object]:
        """Return the error in Shopify's payload shape."""
        out: dict[str, object] = {
            "field": list(self.field) if self.field is not None else None,
            "message": self.message,
        }
        if with_code:
            out["code"] = self.code.value if self.code is not None else None
        return out


def user_error(operation: str, code: ErrorCode, field: tuple[str, ...] | None) -> UserError:
    """Build the user error ``code`` of ``operation`` at ``field`` with Shopify's message."""
    return UserError(field=field, message=MESSAGES[operation][code], code=code)


class RequestErrorKind(enum.Enum):
    """The request-level failures of semantics §4, in the order they are checked.

    ``INTERNAL_SERVER_ERROR`` is not a check: it is what an injected transient failure looks
    like for a mutation that has no ``*_FAILED`` user-error code.
    """

    INVALID_VARIABLE = "INVALID_VARIABLE"
    MISSING_CHANGE_FROM_QUANTITY = "INVALID_FIELD_ARGUMENTS"
    MISSING_IDEMPOTENCY = "BAD_REQUEST"
    UNDEFINED_DIRECTIVE = "undefinedDirective"
    #: An injected transient failure of a mutation whose enum has no ``*_FAILED`` code.
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    #: An injected outage of a mutation whose enum has no SERVICE_UNAVAILABLE code.
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    #: An injected rate limit (HTTP 429 over a transport).
    THROTTLED = "THROTTLED"
    #: An input list longer than ``MAX_INPUT_SIZE`` (Shopify caps input arrays at 250).
    INPUT_TOO_LARGE = "MAX_INPUT_SIZE_EXCEEDED"
    #: An ``@idempotent`` key longer than ``MAX_KEY_LENGTH`` ([ours]).
    KEY_TOO_LONG = "IDEMPOTENCY_KEY_TOO_LONG"
    #: A reference or ledger document URI longer than ``MAX_URI_LENGTH`` ([ours]).
    URI_TOO_LONG = "URI_TOO_LONG"


#: The most entries an input list (changes, quantities, updates, event lines) may hold.
MAX_INPUT_SIZE: Final = 250
#: The longest ``@idempotent(key:)`` accepted ([ours]: Shopify documents no bound; UUIDs
#: and order-derived keys fit many times over).
MAX_KEY_LENGTH: Final = 255
#: The longest reference or ledger document URI accepted ([ours]).
MAX_URI_LENGTH: Final = 2048


@attrs.frozen(kw_only=True)
class RequestError:
    """A request rejected before any user-error validation: it never ran and changed nothing.

    ``problems`` and ``value`` are filled for variable-coercion errors only.
    """

    kind: RequestErrorKind
    message: str
    value: object = None
    problems: tuple[tuple[tuple[str | int, ...], str], ...] = ()


def brief(value: object, limit: int = 80) -> str:
    """Return ``repr(value)`` cut to about ``limit`` characters, for error messages.

    A message names the bad value, but a megabyte string or a 5,000-digit integer (whose
    ``repr`` raises ``ValueError`` past Python's int-to-str limit) must not become the message.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 14_000:  # about 4,200 digits: str() works below the limit
            return f"<an integer of {value.bit_length()} bits>"
        digits = str(value)
        return digits if len(digits) <= limit else f"{digits[:limit]}... ({len(digits)} digits)"
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    try:
        text = repr(value)
    except ValueError:  # an int past the int-to-str limit inside a container
        return f"<a {type(value).__name__} holding an integer too long to print>"
    return text if len(text) <= limit else text[:limit] + "..."
