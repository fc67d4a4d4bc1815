"""Platform events (``ledger.core.events``): what each one checks and writes (core layer).

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

A bundle's parent (an item not mutable) takes platform events like any item (semantics §5).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import attrs

from ledger.core.errors import UserError
from ledger.core.events import EventErrorCode, EventKind, PlatformEvent, event_error
from ledger.core.model import Level, State
from ledger.core.mutations.checks import ChangePaths, is_valid_uri
from ledger.core.mutations.writes import (
    Row,
    apply_delta,
    apply_move,
    record,
    reserve_group_number,
    row,
)
from ledger.core.quantities import AVAILABLE, COMMITTED, INCOMING, SET_LIMIT, on_hand
from ledger.core.results import Result

if TYPE_CHECKING:
    from ledger.core.engine import Engine
    from ledger.core.versions import Era


def _on_hand_sign(source: int | None, target: int | None) -> int:
    """How ``on_hand`` moves per unit: when exactly one end is outside it (the location, or
    ``incoming``), by +1 if the units come in, -1 if they go out; else 0."""
    source_on_hand = source is not None and source != INCOMING
    target_on_hand = target is not None and target != INCOMING
    if source_on_hand == target_on_hand:
        return 0
    return 1 if target_on_hand else -1


@attrs.frozen
class Transition:
    """Where an event's units come from and go to: a stored index, or ``None`` for outside."""

    source: int | None
    target: int | None
    reason: str
    #: Per unit, how on_hand moves (``_on_hand_sign``): worked out once, not per line.
    on_hand: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "on_hand", _on_hand_sign(self.source, self.target))


#: A member read once (off its Enum class it costs a Python-level ``__getattr__`` hook).
_ORDER_CANCELLED: Final = EventKind.ORDER_CANCELLED
#: The module's table, by event kind's value (a cancellation: without, then with a restock).
#: Keyed by the value, not the member: an Enum member's ``__hash__`` is a Python-level
#: method (~1,000 instructions a lookup, every event).
_TRANSITIONS: Final = {
    EventKind.ORDER_PLACED.value: Transition(AVAILABLE, COMMITTED, "order_created"),
    EventKind.ORDER_FULFILLED.value: Transition(COMMITTED, None, "order_fulfilled"),
    EventKind.RETURN_RESTOCKED.value: Transition(None, AVAILABLE, "restock"),
}
_CANCELLED: Final = (Transition(COMMITTED, None, "order_canceled"),
                     Transition(COMMITTED, AVAILABLE, "order_canceled"))
_RECEIVED: Final = Transition(INCOMING, AVAILABLE, "received")
#: The ledger documents of an event's rows: none ([ours], as the module says).
_NO_DOCUMENTS: Final = (None, None)
#: The error fields of an event's lines, built once.
_PATHS: Final = ChangePaths("lines", "inventoryItemId", "locationId", "quantity", prefix=())


def transition(event: PlatformEvent) -> Transition:
    """Return the source, target and reason of ``event`` (see the module's table)."""
    kind = event.kind
    if kind is _ORDER_CANCELLED:
        return _CANCELLED[bool(event.restock)]
    # ``_value_``: Enum's own slot, where ``.value`` is a Python-level property.
    return _TRANSITIONS.get(kind._value_, _RECEIVED)


def check(event: PlatformEvent, state: State,
          move: Transition) -> tuple[list[UserError], list[Level]]:
    """Validate ``event`` in the module's documented order; return its errors, or its levels.

    ``move`` is ``transition(event)``.
    """
    errors: list[UserError] = []
    C = EventErrorCode  # noqa: N806 - a short alias keeps the table of checks readable
    if not is_valid_uri(event.reference_document_uri):
        errors.append(event_error(C.INVALID_REFERENCE_DOCUMENT, ("referenceDocumentUri",)))
    if not event.lines:
        errors.append(event_error(C.NO_LINES, ("lines",)))
    levels: list[Level] = []
    source = move.source
    # The quantity step 3 checks, if it applies to this event.
    supply = source if source in (COMMITTED, INCOMING) else None
    lines = event.lines
    # Step 3's running total per level: only several lines can meet at one level.
    taken: dict[int, int] | None = {} if supply is not None and len(lines) > 1 else None
    short: list[int] = []  # step 3's findings, noted in this pass, reported only if clean
    for i, line in enumerate(lines):
        item = state.items.get(line.item_id)
        if item is None:
            errors.append(event_error(C.INVALID_INVENTORY_ITEM, _PATHS(i)["inventoryItemId"]))
        if state.locations.get(line.location_id) is None:
            errors.append(event_error(C.INVALID_LOCATION, _PATHS(i)["locationId"]))
        elif item is not None:
            level = item.levels.get(line.location_id)
            if level is None or not level.active:
                errors.append(event_error(C.ITEM_NOT_STOCKED_AT_LOCATION,
                                          _PATHS(i)["locationId"]))
            else:
                levels.append(level)
                if supply is not None:
                    already = 0 if taken is None else taken.get(id(level), 0)
                    if line.quantity + already > level.q[supply]:
                        short.append(i)
                    if taken is not None:
                        taken[id(level)] = already + line.quantity
        if not 1 <= line.quantity <= SET_LIMIT:
            errors.append(event_error(C.INVALID_QUANTITY, _PATHS(i)["quantity"]))
    if errors:
        return errors, []
    if short:
        code = C.INSUFFICIENT_COMMITTED if source == COMMITTED else C.INSUFFICIENT_INCOMING
        errors.extend(event_error(code, _PATHS(i)["quantity"]) for i in short)
    return errors, levels


def run(engine: Engine, event: PlatformEvent, now: datetime, _era: Era) -> Result:
    """Check, then apply ``event``: all of it or, on any error, nothing.

    The signature is every mutation's ``run``, so the pipeline calls them alike; no API
    version governs an event, so ``_era`` is not read.
    """
    # ``_value_``, Enum's own slot: ``.value`` is a Python-level property.
    operation = event.kind._value_
    state = engine._state
    move = transition(event)
    errors, levels = check(event, state, move)
    if errors:
        return Result(operation=operation, user_errors=tuple(errors))
    reserve_group_number(engine)
    # From here on the event must succeed.
    named: list[Row] = []
    companions: list[Row] = []
    source, target, sign = move.source, move.target, move.on_hand
    for line, shared in zip(event.lines, levels, strict=True):
        level = state.own(shared)
        q = line.quantity
        if source is not None and target is not None:
            apply_move(state, level, source, target, q, now, _NO_DOCUMENTS, named)
        elif source is not None:
            apply_delta(state, level, source, -q, now, None, named, None)
        elif target is not None:
            apply_delta(state, level, target, q, now, None, named, None)
        if sign:
            companions.append(row(state, level, "on_hand", sign * q, on_hand(level.q), None))
    named += companions  # the named rows, then their on_hand rows (semantics §6)
    return record(engine, operation, move.reason, event.reference_document_uri, named,
                  now)
