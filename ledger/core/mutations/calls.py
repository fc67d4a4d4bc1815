"""The Pythonic entry points of every mutation and platform event (core layer).

Each method builds its frozen command (``ledger.core.commands``, ``ledger.core.events``) and
hands it to ``Engine.run``, the single entry of every call, so a subclass that wraps ``run``
(``DurableLedger`` journals there) sees these calls too. ``Engine`` inherits them; what each
mutation checks and writes is in its own module beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from ledger.core.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Deactivate,
    Move,
    MoveChange,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.events import EventKind, EventLine, new_event
from ledger.core.results import Result
from ledger.core.values import builder

if TYPE_CHECKING:
    from ledger.core.engine import Operation

#: The event kinds, read off their Enum once: in CPython 3.11 a member read off its class
#: goes through ``EnumType.__getattr__``'s hook, about 900 instructions a read.
_PLACED, _FULFILLED, _CANCELLED, _RESTOCKED, _RECEIVED = (
    EventKind.ORDER_PLACED, EventKind.ORDER_FULFILLED, EventKind.ORDER_CANCELLED,
    EventKind.RETURN_RESTOCKED, EventKind.INCOMING_RECEIVED)


#: The commands the entry points build, each as its ``__init__`` would build it from the
#: same keywords, without the class call's ``type.__call__`` (``ledger.core.values.builder``).
_adjust: Final = builder(Adjust)
_move: Final = builder(Move)
_set: Final = builder(SetQuantities)
_set_on_hand: Final = builder(SetOnHand)


class Calls:
    """The keyword-argument methods (``adjust``, ``move``, ``order_placed``, ...) of ``Engine``."""

    __slots__ = ()

    if TYPE_CHECKING:

        def run(self, command: Operation, idempotency_key: str | None = None, *,
                api_version: str | None = None) -> Result:
            """Run one command (``Engine.run``)."""
            ...

    # ------------------------------------------------------------------ the Pythonic API

    def adjust(
        self,
        *,
        name: str,
        reason: str,
        changes: Sequence[AdjustChange],
        reference_document_uri: str | None = None,
        idempotency_key: str | None = None,
    ) -> Result:
        """Add deltas to one named quantity (``inventoryAdjustQuantities``).

        >>> from ledger import Ledger, AdjustChange
        >>> ledger = Ledger.example(api_version="2026-01")
        >>> r = ledger.adjust(name="available", reason="correction", changes=[
        ...     AdjustChange(item_id="gid://shopify/InventoryItem/1",
        ...                  location_id="gid://shopify/Location/1", delta=3)])
        >>> [(c.name, c.delta) for c in r.group.changes]
        [('available', 3), ('on_hand', 3)]
        """
        cmd = _adjust(
            name=name, reason=reason, changes=tuple(changes),
            reference_document_uri=reference_document_uri,
        )
        return self.run(cmd, idempotency_key)

    def move(
        self,
        *,
        reason: str,
        reference_document_uri: str,
        changes: Sequence[MoveChange],
        idempotency_key: str | None = None,
    ) -> Result:
        """Move quantities between names at one location (``inventoryMoveQuantities``).

        >>> from ledger import Ledger, MoveChange, MoveTerminal
        >>> ledger = Ledger.example(api_version="2026-01")
        >>> r = ledger.move(reason="damaged", reference_document_uri="logistics://rma/7",
        ...     changes=[MoveChange(item_id="gid://shopify/InventoryItem/1", quantity=2,
        ...         from_=MoveTerminal(location_id="gid://shopify/Location/1", name="available"),
        ...         to=MoveTerminal(location_id="gid://shopify/Location/1", name="damaged",
        ...                         ledger_document_uri="logistics://rma/7/damaged"))])
        >>> ledger.quantities("gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["damaged"]
        2
        """
        cmd = _move(
            reason=reason, reference_document_uri=reference_document_uri, changes=tuple(changes)
        )
        return self.run(cmd, idempotency_key)

    def set(
        self,
        *,
        name: str,
        reason: str,
        quantities: Sequence[SetQuantity],
        reference_document_uri: str | None = None,
        ignore_compare_quantity: bool | Any | None = ABSENT,
        idempotency_key: str | None = None,
    ) -> Result:
        """Set ``available`` or ``on_hand`` to absolute values (``inventorySetQuantities``).

        >>> from ledger import Ledger, SetQuantity
        >>> ledger = Ledger.example(api_version="2026-04")
        >>> r = ledger.set(name="on_hand", reason="cycle_count_available", idempotency_key="c-1",
        ...     quantities=[SetQuantity(item_id="gid://shopify/InventoryItem/1",
        ...         location_id="gid://shopify/Location/1", quantity=12, change_from_quantity=10)])
        >>> r.ok, ledger.quantities("gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["on_hand"]
        (True, 12)
        """
        cmd = _set(
            name=name, reason=reason, quantities=tuple(quantities),
            reference_document_uri=reference_document_uri,
            ignore_compare_quantity=ignore_compare_quantity,
        )
        return self.run(cmd, idempotency_key)

    def set_on_hand(
        self,
        *,
        reason: str,
        quantities: Sequence[SetQuantity],
        reference_document_uri: str | None = None,
        idempotency_key: str | None = None,
    ) -> Result:
        """Set ``on_hand`` to absolute values (the deprecated ``inventorySetOnHandQuantities``)."""
        cmd = _set_on_hand(
            reason=reason, quantities=tuple(quantities),
            reference_document_uri=reference_document_uri,
        )
        return self.run(cmd, idempotency_key)

    def activate(
        self,
        *,
        item_id: str,
        location_id: str,
        available: int | None = None,
        on_hand: int | None = None,
        stock_at_legacy_location: bool = False,
        idempotency_key: str | None = None,
    ) -> Result:
        """Stock an item at a location, or reactivate its level (``inventoryActivate``).

        Reactivating keeps the level's quantities from 2026-04 and resets them to zero before
        (semantics §9); ``available``/``on_hand`` then set that quantity.
        ``stock_at_legacy_location`` is accepted and has no effect here.
        """
        cmd = Activate(
            item_id=item_id, location_id=location_id, available=available, on_hand=on_hand,
            stock_at_legacy_location=True if stock_at_legacy_location else ABSENT,
        )
        return self.run(cmd, idempotency_key)

    def deactivate(self, *, level_id: str, idempotency_key: str | None = None) -> Result:
        """Unstock a level (``inventoryDeactivate``); ≤ 2026-01 it clears its quantities."""
        return self.run(Deactivate(level_id=level_id), idempotency_key)

    def bulk_toggle_activation(
        self,
        *,
        item_id: str,
        updates: Sequence[tuple[str, bool]],
        idempotency_key: str | None = None,
    ) -> Result:
        """Stock or unstock one item at several locations (``inventoryBulkToggleActivation``).

        ``updates`` holds ``(location_id, activate)`` pairs. On success ``result.levels``
        are the levels activated and ``result.item_id`` the item.

        >>> from ledger import Ledger
        >>> ledger = Ledger.example(api_version="2026-01")
        >>> r = ledger.bulk_toggle_activation(item_id="gid://shopify/InventoryItem/1",
        ...     updates=[("gid://shopify/Location/2", True)])
        >>> r.ok, [(lv.location_name, lv.is_active) for lv in r.levels]
        (True, [('Warehouse', True)])
        """
        cmd = BulkToggleActivation(item_id=item_id, updates=tuple(updates))
        return self.run(cmd, idempotency_key)

    # ------------------------------------------------------------------ platform events

    def order_placed(
        self,
        *,
        order: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """An order is placed: each line's units move from ``available`` to ``committed``.

        ``order`` is the order's URI (e.g. ``gid://shopify/Order/1``), recorded as the group's
        reference document. Lines are ``EventLine`` values or ``(item, location, quantity)``.

        >>> from ledger import Ledger
        >>> ledger = Ledger.example()
        >>> r = ledger.order_placed(order="gid://shopify/Order/1",
        ...     lines=[("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 4)])
        >>> [(c.name, c.delta) for c in r.group.changes], r.group.reason
        ([('available', -4), ('committed', 4)], 'order_created')
        """
        return self._platform(_PLACED, order, lines, idempotency_key)

    def order_fulfilled(
        self,
        *,
        order: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """An order is fulfilled: each line's units leave ``committed`` and the location."""
        return self._platform(_FULFILLED, order, lines, idempotency_key)

    def order_cancelled(
        self,
        *,
        order: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        restock: bool = True,
        idempotency_key: str | None = None,
    ) -> Result:
        """An unfulfilled order is cancelled: committed units go back to ``available``.

        With ``restock=False`` they leave the location instead (``on_hand`` drops).
        """
        return self._platform(_CANCELLED, order, lines, idempotency_key,
                              restock=restock)

    def return_restocked(
        self,
        *,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """Returned units are restocked: ``available`` and ``on_hand`` rise."""
        return self._platform(_RESTOCKED, document, lines, idempotency_key)

    def incoming_received(
        self,
        *,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """Incoming stock arrives: units move from ``incoming`` to ``available`` (on hand)."""
        return self._platform(_RECEIVED, document, lines, idempotency_key)

    def _platform(
        self,
        kind: EventKind,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None,
        *,
        restock: bool = True,
    ) -> Result:
        return self.run(new_event(kind, document, lines, restock), idempotency_key)
