"""Platform events: the quantity changes Shopify makes itself, outside the inventory mutations
(core layer: the event types and their error codes).

An order placed, fulfilled or cancelled, a return restocked, incoming stock received: these
move units between quantity names (or in and out of the location) without any app calling
``inventoryAdjustQuantities``. Simulations need them, so the engine runs them as operations
of their own: atomic, journalled as adjustment groups like the mutations, and idempotent by
key (the key is always optional: these are not GraphQL mutations and no API version governs
them). What each event checks and writes is ``ledger.core.mutations.platform_events``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import attrs

from ledger.core.commands import _int, _str
from ledger.core.errors import UserError
from ledger.core.values import builder, fast_init


class EventKind(enum.Enum):
    """The platform events the engine knows."""

    ORDER_PLACED = "orderPlaced"
    ORDER_FULFILLED = "orderFulfilled"
    ORDER_CANCELLED = "orderCancelled"
    RETURN_RESTOCKED = "returnRestocked"
    INCOMING_RECEIVED = "incomingReceived"


class EventErrorCode(enum.Enum):
    """Why a platform event was refused ([ours]: Shopify exposes no such errors)."""

    INVALID_REFERENCE_DOCUMENT = "INVALID_REFERENCE_DOCUMENT"
    NO_LINES = "NO_LINES"
    INVALID_INVENTORY_ITEM = "INVALID_INVENTORY_ITEM"
    INVALID_LOCATION = "INVALID_LOCATION"
    ITEM_NOT_STOCKED_AT_LOCATION = "ITEM_NOT_STOCKED_AT_LOCATION"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_COMMITTED = "INSUFFICIENT_COMMITTED"
    INSUFFICIENT_INCOMING = "INSUFFICIENT_INCOMING"


MESSAGES: Final[dict[EventErrorCode, str]] = {
    EventErrorCode.INVALID_REFERENCE_DOCUMENT: "The specified reference document is invalid.",
    EventErrorCode.NO_LINES: "The event must have at least one line.",
    EventErrorCode.INVALID_INVENTORY_ITEM: "The specified inventory item could not be found.",
    EventErrorCode.INVALID_LOCATION: "The specified location could not be found.",
    EventErrorCode.ITEM_NOT_STOCKED_AT_LOCATION:
        "The specified inventory item is not stocked at the location.",
    EventErrorCode.INVALID_QUANTITY: "The quantity must be between 1 and 1,000,000,000.",
    EventErrorCode.INSUFFICIENT_COMMITTED:
        "The quantity is more than is committed at the location.",
    EventErrorCode.INSUFFICIENT_INCOMING:
        "The quantity is more than is incoming at the location.",
}


@attrs.frozen(kw_only=True)
class EventLine:
    """One line of a platform event: ``quantity`` units of an item at a location."""

    item_id: str = attrs.field(validator=_str)
    location_id: str = attrs.field(validator=_str)
    quantity: int = attrs.field(validator=_int)


def _lines(values: Iterable[EventLine | tuple[str, str, int]]) -> tuple[EventLine, ...]:
    out = []
    for value in values:
        # A tuple first: the usual line (an EventLine is no tuple, so the order is free).
        if isinstance(value, tuple) and len(value) == 3:
            out.append(_line(*value))  # (item, location, quantity): EventLine's field order
        elif isinstance(value, EventLine):
            out.append(value)
        else:
            raise TypeError(f"lines must hold EventLine or (item, location, quantity), not "
                            f"{value!r}")
    return tuple(out)


@attrs.frozen(kw_only=True)
class PlatformEvent:
    """A platform event: its kind, the document it concerns (an order, a return...), its lines.

    ``restock`` matters for ``ORDER_CANCELLED`` only: the units go back to ``available``
    (true) or leave the location (false).
    """

    kind: EventKind = attrs.field(validator=attrs.validators.instance_of(EventKind))
    reference_document_uri: str = attrs.field(validator=_str)
    lines: tuple[EventLine, ...] = attrs.field(converter=_lines)
    restock: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))


fast_init(EventLine)
fast_init(PlatformEvent)
#: ``EventLine(item_id=, location_id=, quantity=)`` from the three in order, as its
#: ``__init__`` validates them (``ledger.core.values.builder``).
_line: Final = builder(EventLine)
#: ``PlatformEvent(...)`` from its four fields in order, for the Pythonic entry points.
new_event: Final = builder(PlatformEvent)


def event_error(code: EventErrorCode, field: tuple[str, ...] | None) -> UserError:
    """Build the error ``code`` at ``field`` with its message."""
    return UserError(field=field, message=MESSAGES[code], code=code)

