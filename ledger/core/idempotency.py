"""The idempotency key store: remembered outcomes within a 24-hour window of the ledger's clock."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final

import attrs
from sortedcontainers import SortedList

from ledger.core.errors import InvariantError
from ledger.core.results import Result

#: A key whose first call is this far or further in the past is new again.
WINDOW: Final = timedelta(hours=24)


def _horizon(now: datetime) -> float:
    """Return the timestamp at or before which a key's first call has left the window.

    Within a day of ``datetime.min`` there is no such time (``now - WINDOW`` would raise
    ``OverflowError``), and no key can be that old: nothing has left the window.
    """
    try:
        return (now - WINDOW).timestamp()
    except OverflowError:
        return -math.inf


@attrs.frozen(kw_only=True)
class Entry:
    """What a key remembers: the call it was first used with and what that call returned."""

    operation: str
    command: object
    result: Result
    first_at: datetime
    #: The first call failed for a transient reason (an injected fault) and applied nothing.
    failed: bool = False


class IdempotencyStore:
    """Keys per ledger, evicted once their first call is ``WINDOW`` old.

    Eviction walks a ``SortedList`` ordered by first-use time, so it costs ``O(log n)`` per
    evicted key and memory stays flat under a steady stream of fresh keys.

    ``fork`` freezes the keys remembered so far into a layer both sides share (O(1));
    lookups then also check, by time, that an entry from a frozen layer is still live, and a
    frozen layer is dropped once its newest key has expired.
    """

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._by_time: SortedList = SortedList()
        self._in_flight: set[str] = set()
        self._evicted_at: datetime | None = None
        #: Shared, never-written layers, newest first: (entries, newest first-use time).
        self._frozen: tuple[tuple[dict[str, Entry], float], ...] = ()

    def __len__(self) -> int:
        return len(self._entries) + sum(len(layer) for layer, _ in self._frozen)

    def evict(self, now: datetime) -> None:
        """Forget every key whose first call is ``WINDOW`` or more before ``now``."""
        if now is self._evicted_at:
            return  # the engine evicts when it reads the clock; ``get`` then has nothing to do
        self._evicted_at = now
        horizon = _horizon(now)
        by_time = self._by_time
        while by_time and by_time[0][0] <= horizon:
            _, key = by_time.pop(0)
            del self._entries[key]
        if self._frozen and self._frozen[-1][1] <= horizon:
            self._frozen = tuple(layer for layer in self._frozen if layer[1] > horizon)

    def get(self, key: str, now: datetime) -> Entry | None:
        """Return the live entry for ``key``, if any, after evicting expired keys."""
        self.evict(now)
        entry = self._entries.get(key)
        if entry is not None or not self._frozen:
            return entry
        horizon = _horizon(now)
        for layer, _ in self._frozen:
            entry = layer.get(key)
            if entry is not None:
                return entry if entry.first_at.timestamp() > horizon else None
        return None

    def fork(self) -> IdempotencyStore:
        """Return an independent store that knows every key this one knows; O(1) amortised."""
        if self._entries:
            newest = self._by_time[-1][0]
            frozen = ((self._entries, newest), *self._frozen)
            # Merge while a newer layer is at least half the size of the one below it.
            while len(frozen) >= 2 and 2 * len(frozen[0][0]) >= len(frozen[1][0]):
                merged = dict(frozen[1][0])
                merged.update(frozen[0][0])
                frozen = ((merged, max(frozen[0][1], frozen[1][1])), *frozen[2:])
            self._frozen = frozen
            self._entries = {}
            self._by_time = SortedList()
        child = IdempotencyStore()
        child._frozen = self._frozen
        return child

    def in_flight(self, key: str) -> bool:
        """Tell whether a call holding ``key`` is still running."""
        return key in self._in_flight

    def begin(self, key: str) -> None:
        """Mark ``key`` as held by a running call."""
        self._in_flight.add(key)

    def end(self, key: str) -> None:
        """Release ``key`` after its call finished (remembered or not)."""
        self._in_flight.discard(key)

    def remember(self, key: str, operation: str, command: object, result: Result,
                 now: datetime, *, failed: bool = False) -> None:
        """Remember the outcome of the first call made with ``key``."""
        if key in self._entries:
            raise InvariantError(f"idempotency key {key!r} remembered twice")
        self._entries[key] = Entry(operation=operation, command=command, result=result,
                                   first_at=now, failed=failed)
        self._by_time.add((now.timestamp(), key))

    def _check(self, now: datetime) -> None:
        """Assert that the time index matches the entries and holds only live keys."""
        for layer, newest in self._frozen:
            if max((e.first_at.timestamp() for e in layer.values()), default=newest) != newest:
                raise InvariantError("a frozen idempotency layer misstates its newest key")
        if len(self._by_time) != len(self._entries):
            raise InvariantError("idempotency time index and entries differ in length")
        horizon = _horizon(now)
        for ts, key in self._by_time:
            entry = self._entries.get(key)
            if entry is None or entry.first_at.timestamp() != ts:
                raise InvariantError(f"idempotency index names {key!r} wrongly")
            if ts <= horizon:
                raise InvariantError(f"idempotency key {key!r} outlived its window")
