"""The idempotency key store: remembered outcomes within a 24-hour window of the ledger's clock."""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Final

import attrs
from sortedcontainers import SortedList

from ledger.core.errors import InvariantError
from ledger.core.journal import Flat, Journal, flatten, unflatten
from ledger.core.packing import pack, unpack
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


#: An entry as the store keeps it: operation, command (packed: ``ledger.core.packing``),
#: outcome, first use, failed. The outcome of a call whose result is its group alone (a
#: quantity mutation that applied or was a no-op) is not the result (issue 14: memory and
#: the collector's work per call in the window): it is ``None`` for a no-op; the group's id
#: where a journal holds the group (the journal's own string: no byte of its own); where
#: none does (``keep_journal=False``) the group flat (``ledger.core.journal.flatten``:
#: plain values the collector stops tracking). Any other result is kept whole.
Row = tuple[str, object, "str | Flat | Result | None", datetime, bool]
#: Where a ``Row`` holds the first use.
FIRST_AT: Final = 3


def _outcome(result: Result, journal: Journal | None,
             journaled: bool = False) -> str | Flat | Result | None:
    """Return what a row keeps of ``result`` (see ``Row``).

    ``journaled``: the caller knows that ``journal`` holds the result's group (the engine,
    which has just appended it), so it is not looked up.
    """
    if (result.user_errors or result.request_error is not None or result.level is not None
            or result.item_id is not None or result.levels is not None or result.replayed):
        return result
    group = result.group
    if group is None:
        return None
    # A group the journal does not hold (a key restored from a snapshot, whose journal
    # starts after it) is kept flat, as without a journal.
    if journal is not None and (journaled or group.id in journal):
        return group.id
    return flatten(group)


def as_entry(row: Row, journal: Journal | None) -> Entry:
    """Return the ``Entry`` a stored row stands for (its result rebuilt if need be)."""
    operation, command, outcome, first_at, failed = row
    if isinstance(outcome, Result):
        result = outcome
    elif isinstance(outcome, str):
        group = journal.get(outcome) if journal is not None else None
        if group is None:
            raise InvariantError(f"a remembered group {outcome!r} is not in the journal")
        result = Result(operation=operation, group=group)
    else:
        result = Result(operation=operation,
                        group=unflatten(outcome) if outcome is not None else None)
    return Entry(operation=operation, command=unpack(command), result=result,
                 first_at=first_at, failed=failed)


class IdempotencyStore:
    """Keys per ledger, evicted once their first call is ``WINDOW`` old.

    Keys wait for eviction in the order of their first use: a ``deque`` of the keys while
    the clock runs forward (the usual case: no per-key tuple, O(1) to add and to evict),
    and a ``SortedList`` of ``(timestamp, key)`` for a key first used earlier than the
    newest one in the deque (a clock set back). Eviction pops from the front of both, so
    it costs ``O(1)`` (``O(log n)`` for a late key) per evicted key and memory stays flat
    under a steady stream of fresh keys.

    ``fork`` freezes the keys remembered so far into a layer both sides share (O(1));
    lookups then also check, by time, that an entry from a frozen layer is still live, and a
    frozen layer is dropped once its newest key has expired.
    """

    def __init__(self, *, journal: Journal | None = None) -> None:
        #: The journal that holds the remembered groups; ``None``: none, groups kept flat.
        self.journal = journal
        self._entries: dict[str, Row] = {}
        #: Keys in first-use order, their first uses never decreasing in time.
        self._order: deque[str] = deque()
        #: The first use of the deque's newest key (the deque's bound for a new key).
        self._order_newest = -math.inf
        #: ``(timestamp, key)`` of keys first used before the deque's newest key.
        self._late: SortedList = SortedList()
        #: The keys held by running calls (``begin`` … ``end``); the engine reads it directly,
        #: a set lookup being the whole of ``in_flight``.
        self.held: set[str] = set()
        #: The clock reading ``evict`` last ran at (callers may skip a call at the same one).
        self.evicted_at: datetime | None = None
        #: The last first-use time ``remember`` read and its timestamp.
        self._stamp: tuple[datetime | None, float] = (None, 0.0)
        #: Shared, never-written layers, newest first: (entries, newest first-use time).
        self._frozen: tuple[tuple[dict[str, Row], float], ...] = ()

    def __len__(self) -> int:
        return len(self._entries) + sum(len(layer) for layer, _ in self._frozen)

    @property
    def _by_time(self) -> Iterator[tuple[float, str]]:
        """Every unfrozen key as ``(timestamp, key)``, by time then key (a snapshot's order)."""
        entries = self._entries
        in_order = ((entries[key][FIRST_AT].timestamp(), key) for key in self._order)
        # Keys first used at one instant are listed by key, whatever order they came in.
        runs = (sorted(run) for _, run in itertools.groupby(in_order, key=lambda p: p[0]))
        return heapq.merge(itertools.chain.from_iterable(runs), self._late)

    def _newest(self) -> float:
        """The latest first use among the unfrozen keys (there must be one)."""
        late = self._late
        return max(self._order_newest if self._order else -math.inf,
                   late[-1][0] if late else -math.inf)

    def evict(self, now: datetime) -> None:
        """Forget every key whose first call is ``WINDOW`` or more before ``now``."""
        if now is self.evicted_at:
            return  # the engine evicts when it reads the clock; ``get`` then has nothing to do
        self.evicted_at = now
        horizon = _horizon(now)
        entries, order = self._entries, self._order
        # Keys first used at one clock reading share its datetime (a simulated hour, a
        # benchmark repetition): its timestamp is worked out once for the run of them.
        first: datetime | None = None
        ts = 0.0
        while order:
            at = entries[order[0]][FIRST_AT]
            if at is not first:
                first, ts = at, at.timestamp()
            if ts > horizon:
                break
            del entries[order.popleft()]
        late = self._late
        while late and late[0][0] <= horizon:
            _, key = late.pop(0)
            del entries[key]
        if self._frozen and self._frozen[-1][1] <= horizon:
            self._frozen = tuple(layer for layer in self._frozen if layer[1] > horizon)

    def get(self, key: str, now: datetime) -> Entry | None:
        """Return the live entry for ``key``, if any, after evicting expired keys."""
        if now is not self.evicted_at:  # else ``evict`` has nothing to do (it checks too)
            self.evict(now)
        row = self._entries.get(key)
        if row is not None or not self._frozen:
            return as_entry(row, self.journal) if row is not None else None
        horizon = _horizon(now)
        for layer, _ in self._frozen:
            row = layer.get(key)
            if row is not None:
                return as_entry(row, self.journal) if row[FIRST_AT].timestamp() > horizon else None
        return None

    def fork(self) -> IdempotencyStore:
        """Return an independent store that knows every key this one knows; O(1) amortised."""
        if self._entries:
            newest = self._newest()
            frozen = ((self._entries, newest), *self._frozen)
            # Merge while a newer layer is at least half the size of the one below it.
            while len(frozen) >= 2 and 2 * len(frozen[0][0]) >= len(frozen[1][0]):
                merged = dict(frozen[1][0])
                merged.update(frozen[0][0])
                frozen = ((merged, max(frozen[0][1], frozen[1][1])), *frozen[2:])
            self._frozen = frozen
            self._entries = {}
            self._order = deque()
            self._order_newest = -math.inf
            self._late = SortedList()
        child = IdempotencyStore(journal=self.journal)
        child._frozen = self._frozen
        return child

    def in_flight(self, key: str) -> bool:
        """Tell whether a call holding ``key`` is still running."""
        return key in self.held

    def begin(self, key: str) -> None:
        """Mark ``key`` as held by a running call."""
        self.held.add(key)

    def end(self, key: str) -> None:
        """Release ``key`` after its call finished (remembered or not)."""
        self.held.discard(key)

    def remember(self, key: str, operation: str, command: object, result: Result,
                 now: datetime, *, failed: bool = False, journaled: bool = False) -> None:
        """Remember the outcome of the first call made with ``key``.

        ``journaled``: the result's group, if any, is in this store's journal (see
        ``_outcome``); only a caller that has just appended it may say so.
        """
        if key in self._entries:
            raise InvariantError(f"idempotency key {key!r} remembered twice")
        self._entries[key] = (operation, pack(command),
                              _outcome(result, self.journal, journaled), now, failed)
        # Calls often share one clock reading (a simulated hour): its timestamp, once.
        last_now, ts = self._stamp
        if now is not last_now:
            ts = now.timestamp()
            self._stamp = (now, ts)
        if not self._order or ts >= self._order_newest:
            self._order.append(key)
            self._order_newest = ts
        else:
            self._late.add((ts, key))

    def _check(self, now: datetime) -> None:
        """Assert that the time index matches the entries and holds only live keys."""
        for layer, newest in self._frozen:
            if max((e[FIRST_AT].timestamp() for e in layer.values()), default=newest) != newest:
                raise InvariantError("a frozen idempotency layer misstates its newest key")
        listed = list(self._by_time)
        if len(listed) != len(self._entries) or len(set(listed)) != len(listed):
            raise InvariantError("idempotency time index and entries differ in length")
        stamps = [self._entries[key][FIRST_AT].timestamp() for key in self._order]
        if stamps != sorted(stamps) or (stamps and stamps[-1] != self._order_newest):
            raise InvariantError("the idempotency key order runs back in time")
        horizon = _horizon(now)
        for ts, key in listed:
            entry = self._entries.get(key)
            if entry is None or entry[FIRST_AT].timestamp() != ts:
                raise InvariantError(f"idempotency index names {key!r} wrongly")
            if ts <= horizon:
                raise InvariantError(f"idempotency key {key!r} outlived its window")
