"""Platform events: the quantity changes Shopify makes itself, outside the inventory mutations.

An order placed, fulfilled or cancelled, a return restocked, incoming stock received: these
move units between quantity names (or in and out of the location) without any app calling
``inventoryAdjustQuantities``. Simulations need them, so the engine runs them as operations
of their own: atomic, journalled as adjustment groups like the mutations, and idempotent by
key (the key is always optional: these are not GraphQL mutations and no API version governs
them).

Shopify does not document how these appear in the audit trail, so every choice below is
[ours]:

============================  =================================  ======================
event                          rows (named, then on_hand)         group reason
============================  =================================  ======================
``ORDER_PLACED``               available -q, committed +q         ``order_created``
``ORDER_FULFILLED``            committed -q; on_hand -q           ``order_fulfilled``
``ORDER_CANCELLED`` restock    committed -q, available +q         ``order_canceled``
``ORDER_CANCELLED`` no restock committed -q; on_hand -q           ``order_canceled``
``RETURN_RESTOCKED``           available +q; on_hand +q           ``restock``
``INCOMING_RECEIVED``          incoming -q, available +q; on_hand +q  ``received``
============================  =================================  ======================

The checks, in this fixed order ([ours]); every error is collected, nothing is applied if
any is found:

1. ``referenceDocumentUri`` must be a URI (``INVALID_REFERENCE_DOCUMENT``), ``lines`` not
   empty (``NO_LINES``);
2. each line by index: the item exists (``INVALID_INVENTORY_ITEM`` at ``lines.i.inventoryItemId``),
   the location exists (``INVALID_LOCATION`` at ``lines.i.locationId``), the item is stocked
   there and active (``ITEM_NOT_STOCKED_AT_LOCATION``), the quantity is 1 … 1,000,000,000
   (``INVALID_QUANTITY`` at ``lines.i.quantity``);
3. only if nothing above failed, by index: a fulfilment or cancellation takes no more than
   is committed, a receipt no more than is incoming (``INSUFFICIENT_COMMITTED`` /
   ``INSUFFICIENT_INCOMING`` at ``lines.i.quantity``), counting earlier lines of the same
   call at the same level. ``available`` may go negative: an order placed with nothing
   available is an oversell, which Shopify allows when a product keeps selling when out of
   stock, and which simulations count.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import attrs

from ledger.core.commands import _int, _str
from ledger.core.errors import UserError
from ledger.core.model import Level, State
from ledger.core.quantities import AVAILABLE, COMMITTED, INCOMING, SET_LIMIT
from ledger.core.rules import is_valid_uri


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
        if isinstance(value, EventLine):
            out.append(value)
        elif isinstance(value, tuple) and len(value) == 3:
            out.append(EventLine(item_id=value[0], location_id=value[1], quantity=value[2]))
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


@attrs.frozen
class Transition:
    """Where an event's units come from and go to: a stored index, or ``None`` for outside."""

    source: int | None
    target: int | None
    reason: str


def transition(event: PlatformEvent) -> Transition:
    """Return the source, target and reason of ``event`` (see the module's table)."""
    kind = event.kind
    if kind is EventKind.ORDER_PLACED:
        return Transition(AVAILABLE, COMMITTED, "order_created")
    if kind is EventKind.ORDER_FULFILLED:
        return Transition(COMMITTED, None, "order_fulfilled")
    if kind is EventKind.ORDER_CANCELLED:
        return Transition(COMMITTED, AVAILABLE if event.restock else None, "order_canceled")
    if kind is EventKind.RETURN_RESTOCKED:
        return Transition(None, AVAILABLE, "restock")
    return Transition(INCOMING, AVAILABLE, "received")


def event_error(code: EventErrorCode, field: tuple[str, ...] | None) -> UserError:
    """Build the error ``code`` at ``field`` with its message."""
    return UserError(field=field, message=MESSAGES[code], code=code)


def check_event(event: PlatformEvent, state: State) -> tuple[list[UserError], list[Level]]:
    """Validate ``event`` in the module's documented order; return its errors, or its levels."""
    errors: list[UserError] = []
    C = EventErrorCode  # noqa: N806 - a short alias keeps the table of checks readable
    if not is_valid_uri(event.reference_document_uri):
        errors.append(event_error(C.INVALID_REFERENCE_DOCUMENT, ("referenceDocumentUri",)))
    if not event.lines:
        errors.append(event_error(C.NO_LINES, ("lines",)))
    levels: list[Level] = []
    for i, line in enumerate(event.lines):
        base = ("lines", str(i))
        item = state.items.get(line.item_id)
        if item is None:
            errors.append(event_error(C.INVALID_INVENTORY_ITEM, (*base, "inventoryItemId")))
        if line.location_id not in state.locations:
            errors.append(event_error(C.INVALID_LOCATION, (*base, "locationId")))
        elif item is not None:
            level = item.levels.get(line.location_id)
            if level is None or not level.active:
                errors.append(event_error(C.ITEM_NOT_STOCKED_AT_LOCATION, (*base, "locationId")))
            else:
                levels.append(level)
        if not 1 <= line.quantity <= SET_LIMIT:
            errors.append(event_error(C.INVALID_QUANTITY, (*base, "quantity")))
    if errors:
        return errors, []
    source = transition(event).source
    if source in (COMMITTED, INCOMING):
        code = C.INSUFFICIENT_COMMITTED if source == COMMITTED else C.INSUFFICIENT_INCOMING
        taken: dict[int, int] = {}
        for i, (line, level) in enumerate(zip(event.lines, levels, strict=True)):
            already = taken.get(id(level), 0)
            if line.quantity + already > level.q[source]:
                errors.append(event_error(code, ("lines", str(i), "quantity")))
            taken[id(level)] = already + line.quantity
    return errors, levels
