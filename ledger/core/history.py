"""The reads of a ledger (core layer): the state now, and its history: adjustment groups,
quantity changes, and quantities as of a past instant.

``Engine`` inherits these. Each holds the ledger's lock, so it is atomic across threads like
every call. The history reads (``groups``, ``history``, ``quantity_at``, ``quantities_at``)
answer from the journal (``ledger.core.journal``) through its sorted indices; a ledger made
with ``keep_journal=False`` keeps no journal, and they raise ``LedgerError`` there.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ledger.core.errors import LedgerError
from ledger.core.journal import AdjustmentGroup, HistoryRow, Journal
from ledger.core.model import Level, Location, State
from ledger.core.quantities import API_NAMES, INDEX, api_view, on_hand
from ledger.core.results import LevelView, QuantityView

if TYPE_CHECKING:
    import threading


class Reads:
    """The read methods of ``Engine``: levels, items and locations now, and their history."""

    __slots__ = ()

    if TYPE_CHECKING:
        _state: State
        _journal: Journal
        _keep_journal: bool
        _lock: threading.RLock

    # ------------------------------------------------------------------ the state now

    def quantities(self, item_id: str, location_id: str) -> dict[str, int]:
        """Return the eight API quantities of a level, alphabetically; zeros if not stocked.

        Raises ``KeyError`` naming the id for an unknown item or location.
        """
        with self._lock:
            level = self._known_level(item_id, location_id)
            if level is None:
                return dict.fromkeys(API_NAMES, 0)
            return api_view(level.q)

    def _known_level(self, item_id: str, location_id: str) -> Level | None:
        """The level of a known item at a known location, if any; ``KeyError`` naming the id."""
        item = self._state.items.get(item_id)
        if item is None:
            raise KeyError(f"unknown inventory item {item_id!r}")
        if self._state.locations.get(location_id) is None:  # get: a builtin call
            raise KeyError(f"unknown location {location_id!r}")
        return item.levels.get(location_id)

    def quantity(self, item_id: str, location_id: str, name: str) -> int:
        """Return one of a level's eight API quantities (``quantities(...)[name]``), O(1).

        Zero if not stocked; ``KeyError`` naming the id for an unknown item or location, or
        naming ``name`` if it is none of the eight. Builds no dict: for a caller that scans
        many levels for one quantity (a simulation's daily stock-out count).
        """
        with self._lock:
            level = self._known_level(item_id, location_id)
            if name == "on_hand":
                return on_hand(level.q) if level is not None else 0
            index = INDEX.get(name)
            if index is None:
                raise KeyError(f"unknown quantity name {name!r}; expected one of "
                               + ", ".join(API_NAMES))
            return level.q[index] if level is not None else 0

    def quantity_by_level(self, name: str) -> dict[tuple[str, str], int]:
        """Return one API quantity of every level (active or not), by ``(item, location)``.

        One pass over the levels, in item then location order, for a caller that scans them
        all (a simulation's daily review): the same values as ``quantity`` for each pair,
        about a fifth of the cost per level. A known item and location with no level is not
        listed (its quantities read as 0). ``KeyError`` naming ``name`` if it is none of the
        eight API names.
        """
        index = INDEX.get(name)
        if index is None and name != "on_hand":
            raise KeyError(f"unknown quantity name {name!r}; expected one of "
                           + ", ".join(API_NAMES))
        with self._lock:
            items = self._state.items.items()
            if index is None:
                return {(item_id, location_id): on_hand(level.q)
                        for item_id, item in items
                        for location_id, level in item.levels.items()}
            return {(item_id, location_id): level.q[index]
                    for item_id, item in items
                    for location_id, level in item.levels.items()}

    def level(self, item_id: str, location_id: str) -> LevelView | None:
        """Return a view of the level of ``item_id`` at ``location_id`` (active or not), if any."""
        with self._lock:
            level = self._state.level(item_id, location_id)
            return self._view(level) if level is not None else None

    def level_by_id(self, level_id: str) -> LevelView | None:
        """Return a view of the level with id ``level_id``, if any."""
        with self._lock:
            level = self._state.level_with_id(level_id)
            return self._view(level) if level is not None else None

    def items(self) -> list[str]:
        """Return the ids of all inventory items."""
        with self._lock:
            return list(self._state.items)

    def has_item(self, item_id: str) -> bool:
        """Tell whether ``item_id`` names an inventory item. O(1)."""
        with self._lock:
            return item_id in self._state.items

    def locations(self) -> list[str]:
        """Return the ids of all locations."""
        with self._lock:
            return list(self._state.locations)

    def location(self, location_id: str) -> Location | None:
        """Return the location with id ``location_id`` (its id and name), if any."""
        with self._lock:
            return self._state.locations.get(location_id)

    def _view(self, level: Level) -> LevelView:
        updated = level.updated
        values = api_view(level.q)
        return LevelView(
            id=level.id,
            is_active=level.active,
            item_id=level.item_id,
            location_id=level.location_id,
            location_name=self._state.locations[level.location_id].name,
            quantities=tuple(
                QuantityView(
                    name=name,
                    quantity=values[name],
                    updated_at=(
                        updated[INDEX[name]] if updated is not None and name in INDEX else None
                    ),
                )
                for name in API_NAMES
            ),
        )

    # ------------------------------------------------------------------ the history

    def groups(
        self,
        *,
        item_id: str | None = None,
        location_id: str | None = None,
        name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AdjustmentGroup]:
        """Return groups with a row matching every key given, created in ``[since, until)``.

        ``O(log n + k)`` through the journal's sorted indices; oldest first.
        """
        with self._lock:
            self._need_journal("groups")
            return self._journal.query(
                item_id=item_id, location_id=location_id, name=name, since=since, until=until
            )

    def quantity_at(self, item_id: str, location_id: str, name: str, when: datetime) -> int:
        """Return what quantity ``name`` of a level was at instant ``when`` (time travel).

        ``O(log n)`` in the journal's size. Groups are stamped to the second (as Shopify
        stamps ``createdAt``), so a change made within second ``s`` counts as made at ``s``.
        A level that did not exist yet reads zero. Raises ``KeyError`` for an unknown item
        or location and ``ValueError`` for an unknown name or a naive ``when``.

        >>> from ledger import Ledger, AdjustChange
        >>> from ledger.clock import ManualClock
        >>> from datetime import datetime, UTC
        >>> clock = ManualClock(datetime(2026, 5, 1, 9, tzinfo=UTC))
        >>> ledger = Ledger.example(api_version="2026-01", clock=clock)
        >>> clock.advance(3600)
        >>> _ = ledger.adjust(name="available", reason="correction", changes=[AdjustChange(
        ...     item_id="gid://shopify/InventoryItem/1", location_id="gid://shopify/Location/1",
        ...     delta=5)])
        >>> [ledger.quantity_at("gid://shopify/InventoryItem/1", "gid://shopify/Location/1",
        ...      "available", datetime(2026, 5, 1, hour, tzinfo=UTC)) for hour in (9, 10)]
        [10, 15]
        """
        with self._lock:
            if name not in API_NAMES:
                raise ValueError(
                    f"unknown quantity name {name!r}; names are {', '.join(API_NAMES)}")
            if not isinstance(when, datetime) or when.tzinfo is None:
                raise ValueError(f"when must be a timezone-aware datetime, not {when!r}")
            self._need_journal("quantity_at")
            current = self.quantities(item_id, location_id)[name]
            past = self._journal.quantity_at(item_id, location_id, name, when)
            return current if past is None else past

    def quantities_at(self, item_id: str, location_id: str, when: datetime) -> dict[str, int]:
        """Return the eight API quantities of a level as they were at ``when``."""
        with self._lock:
            return {name: self.quantity_at(item_id, location_id, name, when)
                    for name in API_NAMES}

    def history(
        self,
        *,
        item_id: str | None = None,
        location_id: str | None = None,
        name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[HistoryRow]:
        """Return the quantity changes matching every key given, made in ``[since, until)``.

        Oldest first; ``O(log n + k)`` through the journal's indices.
        """
        with self._lock:
            self._need_journal("history")
            return self._journal.history(item_id=item_id, location_id=location_id, name=name,
                                         since=since, until=until)

    def _need_journal(self, what: str) -> None:
        if not self._keep_journal:
            raise LedgerError(f"{what} needs the journal, which this ledger does not keep "
                              "(keep_journal=False)")

    @property
    def journal(self) -> Journal:
        """The audit trail of every adjustment group, oldest first."""
        return self._journal
