"""The engine: validate -> apply -> journal, atomically, with idempotent replay.

``Engine`` is the domain core. It takes frozen commands (``ledger.commands``) and returns
frozen results (``ledger.results``); it knows nothing of GraphQL variables or JSON payloads,
which live in the adapter ``ledger.shopify``.

A call runs these stages in this order:

1. request-level checks (semantics §4): fields the API version does not define, a missing
   ``changeFromQuantity`` (2026-04 and later), then the ``@idempotent`` directive;
2. idempotency: a key in flight, a remembered key (replay or parameter mismatch);
3. the user-error rules of ``ledger.rules``, in their fixed order;
4. the writes, which cannot fail, and the journal entry.

Concurrency: an ``Engine`` may be shared by threads. Every call and every read holds the
ledger's re-entrant lock, so each is atomic and calls take effect one at a time, in the order
the operation log records. A key is marked *in flight* while its first call runs: a call
from another thread with the same key gets IDEMPOTENCY_CONCURRENT_REQUEST at once (it does
not wait), and so does a call that re-enters the ledger with it (say from an injected clock).
"""

from __future__ import annotations

import collections
import copy
import functools
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

import attrs

from ledger.core import rules
from ledger.core.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Command,
    Deactivate,
    Move,
    MoveChange,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    FAILED_CODE,
    INTERNAL_ERROR_MESSAGE,
    MAX_INPUT_SIZE,
    MAX_KEY_LENGTH,
    MAX_URI_LENGTH,
    MESSAGES,
    MOVE,
    SERVICE_UNAVAILABLE_MESSAGE,
    SET,
    SET_ON_HAND,
    STOCKING_MUTATIONS,
    THROTTLED_MESSAGE,
    BulkToggleCode,
    ErrorCode,
    InvariantError,
    LedgerError,
    RequestError,
    RequestErrorKind,
    UserError,
    bulk_toggle_error,
    codes_in,
    directive_presence,
    user_error,
)
from ledger.core.events import EventKind, EventLine, PlatformEvent, check_event, transition
from ledger.core.faults import Fault
from ledger.core.idempotency import IdempotencyStore
from ledger.core.journal import GROUP_PREFIX, AdjustmentGroup, HistoryRow, Journal, QuantityChange
from ledger.core.model import Level, Location, State
from ledger.core.oplog import OpLog, OpRecord, Outcome, ReplayMismatchError
from ledger.core.quantities import (
    API_NAMES,
    AVAILABLE,
    COMMITTED,
    INCOMING,
    INDEX,
    SET_LIMIT,
    STORED,
    api_view,
    on_hand,
)
from ledger.core.results import LevelView, QuantityView, Result
from ledger.core.versions import DEFAULT, Deactivation, Era, Presence, Reactivation, era_of

Clock = Callable[[], datetime]
#: Everything ``Engine.run`` takes: a mutation's command or a platform event.
Operation = Command | PlatformEvent
#: Decides, per call, whether a fault strikes it (see ``ledger.faults``).
FaultPolicy = Callable[[str, Command], "Fault | bool | None"]

_OPERATION_OF: dict[type, str] = {
    Adjust: ADJUST,
    Move: MOVE,
    SetQuantities: SET,
    SetOnHand: SET_ON_HAND,
    Activate: ACTIVATE,
    Deactivate: DEACTIVATE,
    BulkToggleActivation: BULK_TOGGLE,
}
#: The GraphQL input type named when ``changeFromQuantity`` is missing (semantics §4).
_CHANGE_FROM_TYPE: dict[str, str] = {
    ADJUST: "InventoryChangeInput",
    MOVE: "InventoryMoveQuantityTerminalInput",
    SET: "InventoryQuantityInput",
    SET_ON_HAND: "InventorySetQuantityInput",
}
#: Reason recorded when inventoryActivate seeds a quantity ([ours]: Shopify does not say).
ACTIVATION_REASON = "correction"


F = TypeVar("F", bound=Callable[..., Any])


def synchronized(method: F) -> F:
    """Run ``method`` holding the ledger's lock: every call and read is atomic across threads."""

    @functools.wraps(method)
    def locked(self: Engine, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


def _uris(command: Operation) -> Iterator[str | None]:
    if isinstance(command, Adjust | SetQuantities | SetOnHand | Move | PlatformEvent):
        yield command.reference_document_uri
    if isinstance(command, Adjust):
        yield from (c.ledger_document_uri for c in command.changes)
    elif isinstance(command, Move):
        for c in command.changes:
            yield c.from_.ledger_document_uri
            yield c.to.ledger_document_uri


def _bounds(command: Operation, key: str | None) -> RequestError | None:
    """Return the request error of an oversized input, or ``None`` (see ``_request_check``)."""
    if isinstance(command, Adjust | Move):
        size, field = len(command.changes), "changes"
    elif isinstance(command, SetQuantities | SetOnHand):
        size, field = len(command.quantities), "quantities"
    elif isinstance(command, BulkToggleActivation):
        size, field = len(command.updates), "inventoryItemUpdates"
    elif isinstance(command, PlatformEvent):
        size, field = len(command.lines), "lines"
    else:
        size, field = 0, ""
    if size > MAX_INPUT_SIZE:
        return RequestError(
            kind=RequestErrorKind.INPUT_TOO_LARGE,
            message=f"The input array size of {size} is greater than the maximum allowed of "
            f"{MAX_INPUT_SIZE}.",
            problems=(((field,), "too many entries"),),
        )
    if key is not None and len(key) > MAX_KEY_LENGTH:
        return RequestError(
            kind=RequestErrorKind.KEY_TOO_LONG,
            message=f"The idempotency key is {len(key)} characters long; the maximum is "
            f"{MAX_KEY_LENGTH}.",
        )
    for uri in _uris(command):
        if uri is not None and len(uri) > MAX_URI_LENGTH:
            return RequestError(
                kind=RequestErrorKind.URI_TOO_LONG,
                message=f"A document URI is {len(uri)} characters long; the maximum is "
                f"{MAX_URI_LENGTH}.",
            )
    return None


class _Counter:
    """1, 2, 3, ...: the default group numbers; unlike ``itertools.count`` it forks cheaply."""

    __slots__ = ("next_value",)

    def __init__(self, start: int) -> None:
        self.next_value = start

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> int:
        value = self.next_value
        self.next_value = value + 1
        return value


class _Lookahead:
    """An iterator's items by absolute index, keeping only those not yet released."""

    def __init__(self, source: Iterable[OpRecord]) -> None:
        self._source = iter(source)
        self._kept: collections.deque[OpRecord] = collections.deque()
        self._start = 0

    def get(self, index: int) -> OpRecord | None:
        while index >= self._start + len(self._kept):
            item = next(self._source, None)
            if item is None:
                return None
            self._kept.append(item)
        return self._kept[index - self._start]

    def release(self, upto: int) -> None:
        while self._kept and self._start < upto:
            self._kept.popleft()
            self._start += 1


def _group_number(record: OpRecord) -> int:
    group_id = record.outcome.group_id
    if group_id is None or not group_id.startswith(GROUP_PREFIX):
        raise ReplayMismatchError(f"record {record.seq} is applied but names no group id")
    try:
        return int(group_id[len(GROUP_PREFIX):])
    except ValueError:
        raise ReplayMismatchError(f"record {record.seq}: malformed group id {group_id!r}") from None


#: ``fork``'s marker for "keep the parent's".
_KEEP: Any = object()


def system_clock() -> datetime:
    """Return the current UTC time: the default clock."""
    return datetime.now(UTC)


def _change_froms(command: Command) -> list[object]:
    if isinstance(command, Adjust):
        return [c.change_from_quantity for c in command.changes]
    if isinstance(command, Move):
        return [t.change_from_quantity for c in command.changes for t in (c.from_, c.to)]
    if isinstance(command, SetQuantities | SetOnHand):
        return [q.change_from_quantity for q in command.quantities]
    return []


class Engine:
    """Shopify's inventory quantity semantics for one store, in memory.

    ``clock`` stamps ``createdAt`` and drives the idempotency window; ``group_ids`` yields the
    numbers of new adjustment groups (default 1, 2, 3, ...). Both are injectable so that the
    same inputs give byte-identical outputs. ``faults`` (see ``FaultPolicy``) makes chosen
    calls fail transiently, as Shopify sometimes does, so retry logic can be tested.
    """

    def __init__(
        self,
        api_version: str = DEFAULT,
        clock: Clock | None = None,
        *,
        group_ids: Iterable[int] | None = None,
        report_quantity_after_change: bool = False,
        faults: FaultPolicy | None = None,
        record: bool = True,
        keep_journal: bool = True,
        loaded_at: datetime | None = None,
    ) -> None:
        self._era = era_of(api_version)
        self.api_version = api_version
        self._clock: Clock = clock if clock is not None else system_clock
        self._group_ids: Iterator[int] = (
            iter(group_ids) if group_ids is not None else _Counter(1)
        )
        #: Fill ``quantityAfterChange`` in payloads (Shopify returns ``null``).
        self.report_quantity_after_change = report_quantity_after_change
        #: Injects transient failures, for testing retry logic; ``None`` injects none.
        self.faults = faults
        self._reserved_group_number: int | None = None
        self._state = State()
        self._journal = Journal()
        self._keys = IdempotencyStore()
        self._last_now: datetime | None = None
        #: ``createdAt`` of the newest group made (kept or not): the clock's floor (§14).
        self._last_group_at: datetime | None = None
        #: Every call run, for export and replay (``ledger.oplog``); ``None`` keeps none.
        self._oplog: OpLog | None = OpLog() if record else None
        #: Keep adjustment groups after returning them (``keep_journal=False``: memory stays
        #: flat over endless runs, but groups, history and time travel are unavailable).
        self._keep_journal = keep_journal
        self._call_now: datetime | None = None
        self._call_fault: Fault | None = None
        #: Held by every call and read; re-entrant, so a clock may call back into the ledger.
        self._lock = threading.RLock()
        self._lock_owner: int | None = None
        #: The ``createdAt`` of snapshot entries loaded without one (``from_snapshot``): the
        #: clock, read when first needed; kept so that a replay gives them the same time.
        self.loaded_at = loaded_at

    def _load_clock(self) -> datetime:
        """Return the time entries loaded without ``createdAt`` get (read once, then kept)."""
        if self.loaded_at is None:
            self.loaded_at = self._clock()
        return self.loaded_at

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
        cmd = Adjust(
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
        cmd = Move(
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
        cmd = SetQuantities(
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
        cmd = SetOnHand(
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
        return self._platform(EventKind.ORDER_PLACED, order, lines, idempotency_key)

    def order_fulfilled(
        self,
        *,
        order: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """An order is fulfilled: each line's units leave ``committed`` and the location."""
        return self._platform(EventKind.ORDER_FULFILLED, order, lines, idempotency_key)

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
        return self._platform(EventKind.ORDER_CANCELLED, order, lines, idempotency_key,
                              restock=restock)

    def return_restocked(
        self,
        *,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """Returned units are restocked: ``available`` and ``on_hand`` rise."""
        return self._platform(EventKind.RETURN_RESTOCKED, document, lines, idempotency_key)

    def incoming_received(
        self,
        *,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None = None,
    ) -> Result:
        """Incoming stock arrives: units move from ``incoming`` to ``available`` (on hand)."""
        return self._platform(EventKind.INCOMING_RECEIVED, document, lines, idempotency_key)

    def _platform(
        self,
        kind: EventKind,
        document: str,
        lines: Iterable[EventLine | tuple[str, str, int]],
        idempotency_key: str | None,
        *,
        restock: bool = True,
    ) -> Result:
        event = PlatformEvent(kind=kind, reference_document_uri=document, lines=lines,
                              restock=restock)
        return self.run(event, idempotency_key)

    # ------------------------------------------------------------------ what-if copies

    @synchronized
    def fork(self, *, clock: Clock | None = _KEEP, faults: FaultPolicy | None = _KEEP) -> Self:
        """Return an independent what-if copy: same items, levels, journal and keys.

        Costs O(1) in the number of levels and journal entries (copy on write: both sides
        share what exists and copy a level, an item or an index layer only when they write
        it). Changes to the fork never reach this ledger, nor this ledger's the fork.
        The fork numbers its groups on from where this ledger stands (the same ids may
        then name different groups on each side) and keeps this ledger's clock and fault
        policy unless given others. A custom ``group_ids`` iterator is split with
        ``itertools.tee``, which buffers the numbers one side has drawn and the other not.

        >>> from ledger import Ledger, AdjustChange
        >>> ledger = Ledger.example(api_version="2026-01")
        >>> what_if = ledger.fork()
        >>> _ = what_if.adjust(name="available", reason="correction", changes=[AdjustChange(
        ...     item_id="gid://shopify/InventoryItem/1", location_id="gid://shopify/Location/1",
        ...     delta=-10)])
        >>> [lg.quantities("gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["available"]
        ...  for lg in (ledger, what_if)]
        [10, 0]
        """
        if self._keys_in_flight() or self._lock_owner is not None:
            raise LedgerError("cannot fork a ledger while one of its calls is running")
        child = copy.copy(self)
        child._lock = threading.RLock()
        child._lock_owner = None
        child._state = self._state.fork()
        child._journal = self._journal.fork()
        child._keys = self._keys.fork()
        child._oplog = self._oplog.fork() if self._oplog is not None else None
        if isinstance(self._group_ids, _Counter):
            child._group_ids = _Counter(self._group_ids.next_value)
        else:
            self._group_ids, child._group_ids = itertools.tee(self._group_ids)
        if clock is not _KEEP:
            child._clock = clock if clock is not None else system_clock
        if faults is not _KEEP:
            child.faults = faults
        return child

    def _keys_in_flight(self) -> bool:
        return bool(self._keys._in_flight)

    # ------------------------------------------------------------------ operation log

    @property
    def oplog(self) -> list[OpRecord]:
        """Every call this ledger ran (forks: its parent's up to the fork, then its own)."""
        with self._lock:
            return list(self._oplog) if self._oplog is not None else []

    @synchronized
    def replay(self, records: Iterable[OpRecord]) -> int:
        """Run recorded calls again, at their recorded clock times and with their faults.

        Each call must give the outcome its record says (status, group id, error codes),
        else ``ReplayMismatchError`` names the record; the ledger then holds the state up to the
        record before it. Group ids are the recorded ones, so replaying a ledger's log onto
        its starting snapshot gives the same state, journal and ids. Returns the number of
        records replayed.
        """
        saved_clock, saved_faults, saved_ids = self._clock, self.faults, self._group_ids
        reserved, self._reserved_group_number = self._reserved_group_number, None
        if reserved is not None:
            # A no-op drew this number and left it unspent: the records say which numbers
            # the replayed groups get, so hand it back to the generator for afterwards.
            if isinstance(saved_ids, _Counter) and saved_ids.next_value == reserved + 1:
                saved_ids.next_value = reserved
            else:
                saved_ids = itertools.chain([reserved], saved_ids)
        # Records stream through: the group numbers are read a little ahead of the calls
        # (from a no-op's reservation to the next applied record), so memory stays flat
        # however long the log.
        ahead = _Lookahead(records)
        position = [0, 0]  # the next record to run; the next to scan for a group number
        highest = [0]

        def numbers() -> Iterator[int]:
            while (record := ahead.get(position[1])) is not None:
                position[1] += 1
                if record.outcome.status == "applied":
                    number = _group_number(record)
                    highest[0] = max(highest[0], number)
                    yield number
            if isinstance(saved_ids, _Counter):
                saved_ids.next_value = max(saved_ids.next_value, highest[0] + 1)
            yield from saved_ids

        current: list[OpRecord] = []

        def clock() -> datetime:
            at = current[0].at
            if at is None:
                raise ReplayMismatchError(f"record {current[0].seq} read the clock, but was "
                                          "recorded as refused before reading it")
            return at

        self._clock = clock
        self.faults = lambda _operation, _command: current[0].fault
        self._group_ids = numbers()
        count = 0
        try:
            while (record := ahead.get(position[0])) is not None:
                current[:] = [record]
                claimed = record.outcome.group_id
                if (record.outcome.status == "applied" and claimed is not None
                        and self._journal.get(claimed) is not None):
                    # A log naming one group twice is malformed, not a broken journal.
                    raise ReplayMismatchError(f"record {record.seq} names the group {claimed}, "
                                              "which the journal already holds")
                result = self.run(record.command, record.idempotency_key,
                                  api_version=record.api_version)
                got = Outcome.of(result, self._call_fault)
                if got != record.outcome:
                    raise ReplayMismatchError(
                        f"record {record.seq} ({record.operation}) gave {got.status} "
                        f"{got.group_id or ''} {list(got.errors)}, but its record says "
                        f"{record.outcome.status} {record.outcome.group_id or ''} "
                        f"{list(record.outcome.errors)}"
                    )
                if record.outcome.status == "applied":
                    highest[0] = max(highest[0], _group_number(record))
                count += 1
                position[0] += 1
                ahead.release(min(position))
        finally:
            if isinstance(saved_ids, _Counter):
                saved_ids.next_value = max(saved_ids.next_value, highest[0] + 1)
            self._clock, self.faults, self._group_ids = saved_clock, saved_faults, saved_ids
        return count

    # ------------------------------------------------------------------ reads

    @synchronized
    def quantities(self, item_id: str, location_id: str) -> dict[str, int]:
        """Return the eight API quantities of a level, alphabetically; zeros if not stocked.

        Raises ``KeyError`` naming the id for an unknown item or location.
        """
        item = self._state.items.get(item_id)
        if item is None:
            raise KeyError(f"unknown inventory item {item_id!r}")
        if location_id not in self._state.locations:
            raise KeyError(f"unknown location {location_id!r}")
        level = item.levels.get(location_id)
        if level is None:
            return dict.fromkeys(API_NAMES, 0)
        return api_view(level.q)

    @synchronized
    def level(self, item_id: str, location_id: str) -> LevelView | None:
        """Return a view of the level of ``item_id`` at ``location_id`` (active or not), if any."""
        level = self._state.level(item_id, location_id)
        return self._view(level) if level is not None else None

    @synchronized
    def level_by_id(self, level_id: str) -> LevelView | None:
        """Return a view of the level with id ``level_id``, if any."""
        level = self._state.level_by_id.get(level_id)
        return self._view(level) if level is not None else None

    @synchronized
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
        self._need_journal("groups")
        return self._journal.query(
            item_id=item_id, location_id=location_id, name=name, since=since, until=until
        )

    @synchronized
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
        if name not in API_NAMES:
            raise ValueError(f"unknown quantity name {name!r}; names are {', '.join(API_NAMES)}")
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise ValueError(f"when must be a timezone-aware datetime, not {when!r}")
        self._need_journal("quantity_at")
        current = self.quantities(item_id, location_id)[name]
        past = self._journal.quantity_at(item_id, location_id, name, when)
        return current if past is None else past

    @synchronized
    def quantities_at(self, item_id: str, location_id: str, when: datetime) -> dict[str, int]:
        """Return the eight API quantities of a level as they were at ``when``."""
        return {name: self.quantity_at(item_id, location_id, name, when) for name in API_NAMES}

    @synchronized
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

    @synchronized
    def items(self) -> list[str]:
        """Return the ids of all inventory items."""
        return list(self._state.items)

    @synchronized
    def has_item(self, item_id: str) -> bool:
        """Tell whether ``item_id`` names an inventory item. O(1)."""
        return item_id in self._state.items

    @synchronized
    def locations(self) -> list[str]:
        """Return the ids of all locations."""
        return list(self._state.locations)

    @synchronized
    def location(self, location_id: str) -> Location | None:
        """Return the location with id ``location_id`` (its id and name), if any."""
        return self._state.locations.get(location_id)

    # ------------------------------------------------------------------ the call

    def run(
        self,
        command: Operation,
        idempotency_key: str | None = None,
        *,
        api_version: str | None = None,
    ) -> Result:
        """Run one command, as a Shopify mutation with ``@idempotent(key: idempotency_key)``.

        ``api_version`` (default: the ledger's) is the version the caller pins for this call:
        one store's state is shared by every app, whatever version each one speaks. The
        call is appended to the operation log (see ``ledger.oplog``) unless recording is off.
        """
        me = threading.get_ident()
        if self._lock_owner != me and isinstance(idempotency_key, str):
            busy = self._concurrent(command, idempotency_key, api_version)
            if busy is not None:
                return busy
        with self._lock:
            outer, self._lock_owner = self._lock_owner, me
            try:
                return self._run_and_record(command, idempotency_key, api_version)
            finally:
                self._lock_owner = outer

    def _concurrent(
        self, command: Operation, key: str, api_version: str | None
    ) -> Result | None:
        """Answer IDEMPOTENCY_CONCURRENT_REQUEST if another thread's call holds ``key``.

        Checked before waiting for the lock, as Shopify answers at once rather than queueing
        the duplicate. The answer changed nothing, so it is not logged ([ours]). A duplicate
        that arrives before the first call holds its key waits and then replays it: either
        way the change applies once.
        """
        if not self._keys.in_flight(key):
            return None
        operation = (command.kind.value if isinstance(command, PlatformEvent)
                     else _OPERATION_OF.get(type(command)))
        if operation is None:
            return None
        version = self.api_version if api_version is None else api_version
        era = self._era if api_version is None else era_of(api_version)
        if self._request_check(operation, command, key, era, version) is not None:
            return None  # the request-level error comes first, from the locked path
        codes = codes_in(operation, era) if operation in MESSAGES else ()
        if operation in MESSAGES and ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST not in codes:
            return None
        return self._idempotency_error(operation, ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST)

    def _run_and_record(
        self, command: Operation, idempotency_key: str | None, api_version: str | None
    ) -> Result:
        self._call_now = None
        self._call_fault = None
        result = self._run(command, idempotency_key, api_version)
        log = self._oplog
        if log is not None:
            log.append(OpRecord(
                seq=len(log) + 1, at=self._call_now, operation=result.operation,
                api_version=self.api_version if api_version is None else api_version,
                idempotency_key=idempotency_key, command=command, fault=self._call_fault,
                outcome=Outcome.of(result, self._call_fault),
            ))
        return result

    def _run(self, command: Operation, idempotency_key: str | None,
             api_version: str | None) -> Result:
        version = self.api_version if api_version is None else api_version
        era = self._era if api_version is None else era_of(api_version)
        if isinstance(command, PlatformEvent):
            operation: str | None = command.kind.value
        else:
            operation = _OPERATION_OF.get(type(command))
        if operation is None:
            raise TypeError(f"not a ledger command: {command!r}")
        if idempotency_key is not None and not isinstance(idempotency_key, str):
            raise TypeError(f"idempotency_key must be a str or None, not {idempotency_key!r}")
        rejected = self._request_check(operation, command, idempotency_key, era, version)
        if rejected is not None:
            return Result(operation=operation, request_error=rejected)
        if idempotency_key is None:
            now = self._now()
            injected = self._injected_failure(operation, command, era)
            if injected is not None:
                return injected[1]
            return self._dispatch(operation, command, now, era)
        key = idempotency_key
        if self._keys.in_flight(key):
            return self._idempotency_error(operation, ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST)
        # The key is held before the clock is read: a call that re-enters the ledger with it
        # from the clock is concurrent with this one, not a first use that this one replays.
        self._keys.begin(key)
        try:
            now = self._now()
            entry = self._keys.get(key, now)
            if entry is not None:
                if entry.operation != operation or entry.command != command:
                    return self._idempotency_error(
                        operation, ErrorCode.IDEMPOTENCY_KEY_PARAMETER_MISMATCH
                    )
                if entry.failed:
                    return self._idempotency_error(
                        operation, ErrorCode.IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED
                    )
                return attrs.evolve(entry.result, replayed=True)
            injected = self._injected_failure(operation, command, era, key)
            if injected is not None:
                fault, failure = injected
                # A failed attempt (not an outage, a throttle or a concurrent request, which
                # never ran) is remembered where the era knows
                # IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED; elsewhere a retry with the key runs.
                if fault is Fault.FAILED and operation in era.previous_attempt_failed:
                    self._keys.remember(key, operation, command, failure, now, failed=True)
                return failure
            result = self._dispatch(operation, command, now, era)
        finally:
            self._keys.end(key)
        self._keys.remember(key, operation, command, result, now)
        return result

    def _injected_failure(
        self, operation: str, command: Operation, era: Era, key: str | None = None
    ) -> tuple[Fault, Result] | None:
        """Return the fault ``faults`` injects into this call and its outcome, if any.

        It strikes before validation, so the call applies nothing (see ``ledger.faults``).
        Platform events happen inside Shopify, where no app sees them fail: none is injected.
        """
        if self.faults is None or isinstance(command, PlatformEvent):
            return None
        fault = self.faults(operation, command)
        if fault is True:
            fault = Fault.FAILED
        if not isinstance(fault, Fault):
            return None
        result = self._fault_outcome(fault, operation, era, key)
        if result is None:
            return None
        self._call_fault = fault
        return fault, result

    def _fault_outcome(
        self, fault: Fault, operation: str, era: Era, key: str | None
    ) -> Result | None:
        codes = codes_in(operation, era) if operation in MESSAGES else ()
        if fault is Fault.FAILED:
            code = FAILED_CODE.get(operation)
            if code is not None:
                return Result(operation=operation,
                              user_errors=(user_error(operation, code, None),))
            return self._request_failure(operation, RequestErrorKind.INTERNAL_SERVER_ERROR,
                                         INTERNAL_ERROR_MESSAGE)
        if fault is Fault.SERVICE_UNAVAILABLE:
            if ErrorCode.SERVICE_UNAVAILABLE in codes:
                return Result(operation=operation, user_errors=(
                    user_error(operation, ErrorCode.SERVICE_UNAVAILABLE, None),))
            return self._request_failure(operation, RequestErrorKind.SERVICE_UNAVAILABLE,
                                         SERVICE_UNAVAILABLE_MESSAGE)
        if fault is Fault.CONCURRENT_REQUEST:
            concurrent = ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST
            if key is None or (operation in MESSAGES and concurrent not in codes):
                return None  # no key, or an era without the code: nothing to be concurrent with
            return self._idempotency_error(operation, concurrent)
        return self._request_failure(operation, RequestErrorKind.THROTTLED, THROTTLED_MESSAGE)

    @staticmethod
    def _request_failure(operation: str, kind: RequestErrorKind, message: str) -> Result:
        return Result(operation=operation, request_error=RequestError(kind=kind, message=message))

    def _request_check(
        self, operation: str, command: Operation, key: str | None, era: Era, version: str
    ) -> RequestError | None:
        """Return the first request-level failure (semantics §4), or ``None``.

        Size bounds come first ([ours]: Shopify checks them before anything else it does
        after coercion): no input list over ``MAX_INPUT_SIZE`` entries, no key over
        ``MAX_KEY_LENGTH`` characters, no document URI over ``MAX_URI_LENGTH``.
        """
        bounded = _bounds(command, key)
        if bounded is not None or isinstance(command, PlatformEvent):
            return bounded  # an event is not a GraphQL request: no version rules apply
        change_froms = _change_froms(command)
        # Fields the version does not define. The GraphQL codec reports these as variable
        # coercion errors before a command exists; this catches Pythonic callers.
        if era.change_from is Presence.UNDEFINED and any(v is not ABSENT for v in change_froms):
            return RequestError(
                kind=RequestErrorKind.INVALID_VARIABLE,
                message=f"changeFromQuantity is not defined in API version {version}",
            )
        if isinstance(command, SetQuantities | SetOnHand):
            legacy = [q.compare_quantity for q in command.quantities]
            if isinstance(command, SetQuantities) and era.legacy_compare is not Presence.UNDEFINED:
                legacy = []
            elif isinstance(command, SetQuantities):
                legacy.append(command.ignore_compare_quantity)
            if any(v is not ABSENT for v in legacy):
                return RequestError(
                    kind=RequestErrorKind.INVALID_VARIABLE,
                    message="compareQuantity and ignoreCompareQuantity are not defined on "
                    f"{operation} in API version {version}",
                )
        if era.change_from is Presence.REQUIRED and any(v is ABSENT for v in change_froms):
            return RequestError(
                kind=RequestErrorKind.MISSING_CHANGE_FROM_QUANTITY,
                message=f"{_CHANGE_FROM_TYPE[operation]} must include the following argument: "
                "changeFromQuantity.",
            )
        presence = directive_presence(operation, era)
        if presence is Presence.REQUIRED and key is None:
            return RequestError(
                kind=RequestErrorKind.MISSING_IDEMPOTENCY,
                message="The @idempotent directive is required for this mutation but was not "
                "provided.",
            )
        if presence is Presence.UNDEFINED and key is not None:
            return RequestError(
                kind=RequestErrorKind.UNDEFINED_DIRECTIVE,
                message="Directive @idempotent is not defined",
            )
        return None

    def _idempotency_error(self, operation: str, code: ErrorCode) -> Result:
        if operation in STOCKING_MUTATIONS:
            # Stocking errors carry no code (inventoryBulkToggleActivation's enum has no
            # IDEMPOTENCY_* value: [ours], code null); the message is the same.
            error = UserError(field=None, message=user_error(ADJUST, code, None).message)
        elif operation not in MESSAGES:
            # A platform event: the mutations' message and code ([ours], events.py).
            error = UserError(field=None, message=user_error(ADJUST, code, None).message,
                              code=code)
        else:
            error = user_error(operation, code, None)
        return Result(operation=operation, user_errors=(error,))

    def _now(self) -> datetime:
        """Read the clock for a call: its stamp, never before the newest group (§14).

        A reading earlier than the last journaled group's ``createdAt`` is stamped with that
        group's time instead, so the journal runs forward and "as of T" is exact; the
        idempotency window uses the same stamped time. The operation log keeps the raw
        reading (``_call_now``), so a replay clamps it again the same way. A key, once out
        of its window, stays forgotten even if the clock is then set back within a day of
        its first use ([ours]: every call moves the window, and keeping expired keys until
        the floor passes them would grow memory over runs of calls that make no group).
        """
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise TypeError(f"the clock must return a timezone-aware datetime, not {now!r}")
        now = now.astimezone(UTC)
        self._call_now = now
        floor = self._last_group_at
        if floor is not None and now < floor:
            now = floor
        self._last_now = now
        # Every call moves the window, keyed or not, so no key outlives it (see ``_check``).
        self._keys.evict(now)
        return now

    def _dispatch(self, operation: str, command: Operation, now: datetime, era: Era) -> Result:
        if isinstance(command, PlatformEvent):
            return self._event(operation, command, now)
        if isinstance(command, Adjust):
            return self._adjust(command, now, era)
        if isinstance(command, Move):
            return self._move(command, now, era)
        if isinstance(command, SetQuantities | SetOnHand):
            return self._set(operation, command, now, era)
        if isinstance(command, Activate):
            return self._activate(command, now, era)
        if isinstance(command, BulkToggleActivation):
            return self._bulk_toggle(command, now, era)
        return self._deactivate(command, now, era)

    # ------------------------------------------------------------------ the mutations

    def _materialize(self, level: rules.Target, now: datetime) -> Level:
        """Return the level a change writes: its own copy, or a new one where none was.

        A level created by a quantity mutation (2026-10 on) is inactive, with all quantities
        zero and a new id (semantics §13, inactive [ours]).
        """
        if isinstance(level, rules.AbsentLevel):
            existing = self._state.level(level.item_id, level.location_id)
            if existing is not None:  # created by an earlier change of this very call
                return self._state.own(existing)
            return self._state.new_level(level.item_id, level.location_id, now, active=False)
        return self._state.own(level)

    def _adjust(self, cmd: Adjust, now: datetime, era: Era) -> Result:
        errors, levels = rules.check_adjust(cmd, self._state, era)
        if errors:
            return Result(operation=ADJUST, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the mutation must succeed.
        index = INDEX[cmd.name]
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for ch, target in zip(cmd.changes, levels, strict=True):
            level = self._materialize(target, now)
            if ch.delta:
                self._apply(level, index, ch.delta, now, ch.ledger_document_uri, named,
                            companions)
        return self._record(ADJUST, cmd.reason, cmd.reference_document_uri, named + companions, now)

    def _move(self, cmd: Move, now: datetime, era: Era) -> Result:
        errors, levels = rules.check_move(cmd, self._state, era)
        if errors:
            return Result(operation=MOVE, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the mutation must succeed.
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for ch, target in zip(cmd.changes, levels, strict=True):
            level = self._materialize(target, now)
            if not ch.quantity:
                continue
            source, dest = ch.from_, ch.to
            self._apply(level, INDEX[source.name], -ch.quantity, now,
                        source.ledger_document_uri, named, None)
            self._apply(level, INDEX[dest.name], ch.quantity, now,
                        dest.ledger_document_uri, named, None)
            # on_hand moves only when exactly one side is incoming (semantics §7).
            if (source.name == "incoming") != (dest.name == "incoming"):
                delta = ch.quantity if source.name == "incoming" else -ch.quantity
                companions.append(self._row(level, "on_hand", delta, on_hand(level.q), None))
        return self._record(MOVE, cmd.reason, cmd.reference_document_uri, named + companions, now)

    def _set(
        self, operation: str, cmd: SetQuantities | SetOnHand, now: datetime, era: Era
    ) -> Result:
        errors, levels = rules.check_set(cmd, self._state, era)
        if errors:
            return Result(operation=operation, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the mutation must succeed.
        by_available = isinstance(cmd, SetQuantities) and cmd.name == "available"
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for sq, target in zip(cmd.quantities, levels, strict=True):
            level = self._materialize(target, now)
            current = level.q[AVAILABLE] if by_available else on_hand(level.q)
            delta = sq.quantity - current
            if delta:
                self._apply(level, AVAILABLE, delta, now, None, named, companions)
        return self._record(operation, cmd.reason, cmd.reference_document_uri,
                            named + companions, now)

    def _apply(
        self,
        level: Level,
        index: int,
        delta: int,
        now: datetime,
        document: str | None,
        named: list[QuantityChange],
        companions: list[QuantityChange] | None,
    ) -> None:
        """Add ``delta`` to one stored quantity and write its row.

        Unless ``companions`` is ``None``, also write the on_hand companion row that every
        name but ``incoming`` brings (semantics §6).
        """
        q = level.q
        q[index] += delta
        level.touch(index, now)
        named.append(self._row(level, STORED[index], delta, q[index], document))
        if companions is not None and index != INCOMING:
            companions.append(self._row(level, "on_hand", delta, on_hand(q), None))

    def _row(
        self, level: Level, name: str, delta: int, after: int, document: str | None
    ) -> QuantityChange:
        return QuantityChange(
            name=name, delta=delta, quantity_after_change=after, ledger_document_uri=document,
            item_id=level.item_id, location_id=level.location_id,
            location_name=self._state.locations[level.location_id].name,
        )

    def _event(self, operation: str, event: PlatformEvent, now: datetime) -> Result:
        errors, levels = check_event(event, self._state)
        if errors:
            return Result(operation=operation, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the event must succeed.
        move = transition(event)
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for line, shared in zip(event.lines, levels, strict=True):
            level = self._state.own(shared)
            q = line.quantity
            if move.source is not None:
                self._apply(level, move.source, -q, now, None, named, None)
            if move.target is not None:
                self._apply(level, move.target, q, now, None, named, None)
            # on_hand moves when exactly one end is outside it (the location, or incoming).
            source_on_hand = move.source is not None and move.source != INCOMING
            target_on_hand = move.target is not None and move.target != INCOMING
            if source_on_hand != target_on_hand:
                delta = q if target_on_hand else -q
                companions.append(self._row(level, "on_hand", delta, on_hand(level.q), None))
        return self._record(operation, move.reason, event.reference_document_uri,
                            named + companions, now)

    def _restock(self, level: Level, target: Sequence[int], now: datetime,
                 rows: tuple[list[QuantityChange], list[QuantityChange]]) -> None:
        """Set ``level``'s stored quantities to ``target``, writing the rows that explain it.

        Stocking's own quantity changes (a seed, a reset, a clear; semantics §9) are rows of
        one ``correction`` group per call: per level, a named row per stored quantity that
        changes, in stored order, with the on_hand companions after every named row of the
        call ([ours]: §6's layout; zero deltas give no row).
        """
        named, companions = rows
        for index, value in enumerate(target):
            delta = value - level.q[index]
            if delta:
                self._apply(level, index, delta, now, None, named, companions)

    def _activate(self, cmd: Activate, now: datetime, era: Era) -> Result:
        state = self._state
        errors: list[UserError] = []
        item = state.items.get(cmd.item_id)
        location = state.locations.get(cmd.location_id)
        if item is None:
            errors.append(UserError(field=("inventoryItemId",),
                                    message="The specified inventory item could not be found."))
        if location is None:
            errors.append(UserError(field=("locationId",),
                                    message="The specified location could not be found."))
        if item is None or location is None:
            return Result(operation=ACTIVATE, user_errors=tuple(errors))
        level = item.levels.get(cmd.location_id)
        active = level is not None and level.active
        stock = f"The product couldn't be stocked at {location.name} because "
        given = (("available", cmd.available), ("onHand", cmd.on_hand))
        if cmd.available is not None and cmd.on_hand is not None:
            for field, _ in given:
                errors.append(UserError(field=(field,), message=stock + (
                    "not allowed to set available and on_hand quantities at the same time.")))
        for field, value in given:
            if value is not None and not -SET_LIMIT <= value <= SET_LIMIT:
                errors.append(UserError(field=(field,), message=stock + (
                    "the quantity needs to be between -1 billion and 1 billion.")))
        if active and not errors:
            if cmd.on_hand is not None:
                errors.append(UserError(field=("onHand",), message=(
                    "Not allowed to set an on_hand quantity when the item is already active "
                    "at the location.")))
            if cmd.available is not None:
                errors.append(UserError(field=("available",), message=(
                    "Not allowed to set available quantity when the item is already active at "
                    "the location.")))
        if errors:
            view = self._view(level) if level is not None and active else None
            return Result(operation=ACTIVATE, user_errors=tuple(errors), level=view)
        self._reserve_group_number()
        # From here on the mutation must succeed.
        if level is None:
            level = state.new_level(cmd.item_id, cmd.location_id, now)
            target = list(level.q)
        else:
            reactivated = not level.active
            level = state.own(state.set_active(level, True))
            # ≤ 2026-01 an inactive level comes back with zeros; later eras keep its quantities.
            resets = reactivated and era.reactivation is Reactivation.RESETS
            target = [0] * len(STORED) if resets else list(level.q)
        # Seeding sets available (directly, or through on_hand) like inventorySetQuantities.
        if cmd.available is not None:
            target[AVAILABLE] = cmd.available
        elif cmd.on_hand is not None:
            target[AVAILABLE] += cmd.on_hand - on_hand(target)
        rows: tuple[list[QuantityChange], list[QuantityChange]] = ([], [])
        self._restock(level, target, now, rows)
        group = self._record(ACTIVATE, ACTIVATION_REASON, None, rows[0] + rows[1], now).group
        return Result(operation=ACTIVATE, level=self._view(level), group=group)

    def _deactivate(self, cmd: Deactivate, now: datetime, era: Era) -> Result:
        state = self._state
        level = state.level_by_id.get(cmd.level_id)
        if level is None:
            from ledger.core.model import level_item_id

            item_id = level_item_id(cmd.level_id)
            gone = "location" if item_id is not None and item_id in state.items else "product"
            return Result(operation=DEACTIVATE, user_errors=(UserError(
                field=None,
                message=f"The product couldn't be unstocked because the {gone} was deleted.",
            ),))
        if level.active and state.items[level.item_id].active_levels <= 1:
            name = state.locations[level.location_id].name
            return Result(operation=DEACTIVATE, user_errors=(UserError(
                field=None,
                message=f"The product couldn't be unstocked from {name} because products need "
                "to be stocked at a minimum of 1 location.",
            ),))
        clears = level.active and era.deactivation is Deactivation.CLEARS
        if clears:
            self._reserve_group_number()
        # From here on the mutation must succeed.
        level = state.set_active(level, False)
        if not clears:
            return Result(operation=DEACTIVATE)
        rows: tuple[list[QuantityChange], list[QuantityChange]] = ([], [])
        self._restock(state.own(level), [0] * len(STORED), now, rows)
        group = self._record(DEACTIVATE, ACTIVATION_REASON, None, rows[0] + rows[1], now).group
        return Result(operation=DEACTIVATE, group=group)

    def _bulk_toggle(self, cmd: BulkToggleActivation, now: datetime, era: Era) -> Result:
        """Stock / unstock ``cmd.item_id`` at each location, all or nothing.

        Shopify documents the codes, not how they combine; the choices ([ours]):

        * Errors are all collected: ``INVENTORY_ITEM_NOT_FOUND`` at ``["inventoryItemId"]``
          first, then each update by index, at ``["inventoryItemUpdates", "<i>",
          "locationId"]``: ``LOCATION_NOT_FOUND``; else, for a deactivation of an *active*
          level, ``COMMITTED_INVENTORY_AT_LOCATION`` (committed is not zero), then
          ``INCOMING_INVENTORY_AT_LOCATION`` (incoming is not zero), then
          ``CANNOT_DEACTIVATE_FROM_ONLY_LOCATION``. An unknown item gets no per-update
          errors but ``LOCATION_NOT_FOUND``.
        * Updates apply in order, so for a location given twice the last one wins, and only
          deactivations of locations that end inactive are checked. The
          "only location" rule looks at the result: it is reported (at every update that
          deactivates an active level) only when the item would be left with no active
          level, so ``[deactivate A, activate B]`` moves the stocking from A to B.
        * Activation is inventoryActivate's without quantities: a new level with zeros, or
          the inactive level again, its quantities reset or kept by era (semantics §9).
          Deactivation clears or keeps quantities by era, like inventoryDeactivate;
          deactivating an inactive or absent level is a no-op.
        * The quantity changes that makes (≤ 2026-01) are one ``correction`` group, not part
          of the payload, as for inventoryActivate. ``levels`` lists, in the order of first
          appearance, the levels of the locations whose last update activates them (already
          active ones included); any user error → item and levels ``None``.
        """
        state = self._state
        item = state.items.get(cmd.item_id)
        errors: list[UserError] = []
        if item is None:
            errors.append(bulk_toggle_error(BulkToggleCode.INVENTORY_ITEM_NOT_FOUND,
                                            ("inventoryItemId",)))
        final: dict[str, bool] = {}
        for location_id, activate in cmd.updates:
            if location_id in state.locations:
                final[location_id] = activate
        stranded = False
        if item is not None:
            active_after = {loc for loc, level in item.levels.items() if level.active}
            for location_id, activate in final.items():
                (active_after.add if activate else active_after.discard)(location_id)
            stranded = not active_after
        for index, (location_id, _activate) in enumerate(cmd.updates):
            field = ("inventoryItemUpdates", str(index), "locationId")
            if location_id not in state.locations:
                errors.append(bulk_toggle_error(BulkToggleCode.LOCATION_NOT_FOUND, field))
                continue
            level = item.levels.get(location_id) if item is not None else None
            if final[location_id] or level is None or not level.active:
                continue  # ends active (the last update for it activates), or a no-op
            if level.q[COMMITTED]:
                errors.append(bulk_toggle_error(
                    BulkToggleCode.COMMITTED_INVENTORY_AT_LOCATION, field))
            if level.q[INCOMING]:
                errors.append(bulk_toggle_error(
                    BulkToggleCode.INCOMING_INVENTORY_AT_LOCATION, field))
            if stranded:
                errors.append(bulk_toggle_error(
                    BulkToggleCode.CANNOT_DEACTIVATE_FROM_ONLY_LOCATION, field))
        if errors or item is None:
            return Result(operation=BULK_TOGGLE, user_errors=tuple(errors))
        zeroing = (era.deactivation is Deactivation.CLEARS
                   or era.reactivation is Reactivation.RESETS)
        if zeroing:
            self._reserve_group_number()  # spent only if a quantity changes
        # From here on the mutation must succeed.
        rows: tuple[list[QuantityChange], list[QuantityChange]] = ([], [])
        for location_id, activate in final.items():
            # Read the item afresh: a write may have replaced it with a private copy (forks).
            level = state.items[cmd.item_id].levels.get(location_id)
            if activate and level is None:
                state.new_level(cmd.item_id, location_id, now)
            elif level is not None and level.active != activate:
                level = state.own(state.set_active(level, activate))
                if zeroing and any(level.q) and (
                        era.deactivation is Deactivation.CLEARS if not activate
                        else era.reactivation is Reactivation.RESETS):
                    self._restock(level, [0] * len(STORED), now, rows)
        group = None
        if zeroing:
            group = self._record(BULK_TOGGLE, ACTIVATION_REASON, None, rows[0] + rows[1],
                                 now).group
        item = state.items[cmd.item_id]
        views = tuple(self._view(item.levels[loc]) for loc, on in final.items() if on)
        return Result(operation=BULK_TOGGLE, item_id=cmd.item_id, levels=views, group=group)

    def _reserve_group_number(self) -> None:
        """Draw the next group number before any write, so a failing generator loses nothing.

        The number stays reserved until a group uses it: a no-op does not spend it.
        """
        if self._reserved_group_number is None:
            try:
                self._reserved_group_number = next(self._group_ids)
            except StopIteration:
                raise LedgerError("the group_ids generator is exhausted") from None

    def _record(
        self,
        operation: str,
        reason: str,
        reference: str | None,
        rows: list[QuantityChange],
        now: datetime,
    ) -> Result:
        """Journal the rows as one adjustment group; no rows means a no-op and no group."""
        if not rows:
            return Result(operation=operation)
        number, self._reserved_group_number = self._reserved_group_number, None
        if number is None:
            raise InvariantError("a group was recorded without a reserved group number")
        created = now.replace(microsecond=0)
        self._last_group_at = created
        group = AdjustmentGroup(
            id=f"{GROUP_PREFIX}{number}",
            created_at=created,
            reason=reason,
            reference_document_uri=reference,
            changes=tuple(rows),
        )
        if self._keep_journal:
            self._journal.append(group)
        return Result(operation=operation, group=group)

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

    # ------------------------------------------------------------------ invariants

    @synchronized
    def _check(self) -> None:
        """Assert every internal invariant; tests call this after every step.

        Checks that every level is indexed under its item and its id and nowhere else, that
        item active counts agree with the levels, that every level's location exists and its
        quantities are ints, that the journal's indices agree with it, and that the
        idempotency store holds only live keys.
        """
        state = self._state
        seen: set[int] = set()
        for item_id, item in state.items.items():
            if item.id != item_id:
                raise InvariantError(f"item {item_id!r} stored under another id")
            active = 0
            for location_id, level in item.levels.items():
                if level.item_id != item_id or level.location_id != location_id:
                    raise InvariantError(f"level {level.id!r} indexed under the wrong key")
                if location_id not in state.locations:
                    raise InvariantError(f"level {level.id!r} names an unknown location")
                if state.level_by_id.get(level.id) is not level:
                    raise InvariantError(f"level {level.id!r} missing from the id index")
                if len(level.q) != len(STORED) or not all(type(v) is int for v in level.q):
                    raise InvariantError(f"level {level.id!r} holds malformed quantities")
                active += level.active
                seen.add(id(level))
            if active != item.active_levels:
                raise InvariantError(
                    f"item {item_id!r} counts {item.active_levels} active levels, not {active}"
                )
        if len(seen) != len(state.level_by_id):
            raise InvariantError("the level id index holds levels no item has")
        self._journal._check()
        if self._last_now is not None:
            self._keys._check(self._last_now)
