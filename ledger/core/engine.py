"""The engine: the call pipeline and the state it runs on (core layer).

``Engine`` takes frozen commands (``ledger.core.commands``) and returns frozen results
(``ledger.core.results``); GraphQL variables and JSON payloads are the adapter's
(``ledger.shopify``). ``Engine.run`` is the single entry of every call, whose stages are:

1. request-level checks (semantics §4; ``ledger.core.request_checks``);
2. idempotency (§11; ``_run``): a key in flight, a remembered key (replay or parameter
   mismatch), then an injected fault (``ledger.core.faults``), before anything is checked;
3. the mutation (its module's ``run``, found by ``_call_of``): its module in
   ``ledger.core.mutations`` checks the call in its fixed order, then writes what cannot
   fail and journals its adjustment group;
4. the record (the end of ``run``): the call and its outcome on the operation log.

The state is what ``__init__`` sets: items and levels, journal, idempotency keys, group
numbering, operation log. ``fork`` copies exactly that (copy on write) and ``replay`` runs
recorded calls through the pipeline with their clock, faults and group ids swapped in, so
both live here. The Pythonic methods (``adjust``, ...) come from
``ledger.core.mutations.calls``, the reads from ``ledger.core.history``, the invariants that
``_check`` asserts from ``ledger.core.invariants``.

It stays one module of about 600 lines: the pipeline's stages share the state and the lock,
and ``fork`` and ``replay`` must change in step with ``__init__``; split, each piece would be
read only beside the others.

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
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Final, Self, TypeVar

import attrs

from ledger.core import collector, invariants
from ledger.core.commands import (
    Activate,
    Adjust,
    BulkToggleActivation,
    Command,
    Deactivate,
    Move,
    SetOnHand,
    SetQuantities,
)
from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    FAILED_CODE,
    INTERNAL_ERROR_MESSAGE,
    MESSAGES,
    MOVE,
    SERVICE_UNAVAILABLE_MESSAGE,
    SET,
    SET_ON_HAND,
    STOCKING_MUTATIONS,
    THROTTLED_MESSAGE,
    ErrorCode,
    LedgerError,
    RequestError,
    RequestErrorKind,
    UserError,
    codes_in,
    user_error,
)
from ledger.core.events import PlatformEvent
from ledger.core.faults import Fault
from ledger.core.history import Reads
from ledger.core.idempotency import IdempotencyStore
from ledger.core.journal import GROUP_PREFIX, Journal
from ledger.core.model import State
from ledger.core.mutations import (
    activate,
    adjust,
    bulk_toggle,
    deactivate,
    move,
    platform_events,
    set_quantities,
)
from ledger.core.mutations.calls import Calls
from ledger.core.oplog import OpLog, OpRecord, Outcome, ReplayMismatchError
from ledger.core.request_checks import request_error
from ledger.core.results import Result
from ledger.core.versions import DEFAULT, Era, era_of

Clock = Callable[[], datetime]
#: Everything ``Engine.run`` takes: a mutation's command or a platform event.
Operation = Command | PlatformEvent
#: Decides, per call, whether a fault strikes it (see ``ledger.faults``).
FaultPolicy = Callable[[str, Command], "Fault | bool | None"]

#: A time before any group: the starting value of ``Engine._group_second``.
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: What each command is: its operation and the function that checks and applies it (one
#: module per mutation). A pair per type, built once, so a call reads both in one lookup.
_CALLS: dict[type, tuple[str, Callable[[Engine, Any, datetime, Era], Result]]] = {
    Adjust: (ADJUST, adjust.run),
    Move: (MOVE, move.run),
    SetQuantities: (SET, set_quantities.run),
    SetOnHand: (SET_ON_HAND, set_quantities.run),
    Activate: (ACTIVATE, activate.run),
    Deactivate: (DEACTIVATE, deactivate.run),
    BulkToggleActivation: (BULK_TOGGLE, bulk_toggle.run),
}


def _call_of(
    command: object,
) -> tuple[str, Callable[[Engine, Any, datetime, Era], Result]] | None:
    """Return the operation ``command`` is and its module's ``run``; ``None`` if it is no
    ledger command (a command's subclass is not one; a platform event's is)."""
    call = _CALLS.get(type(command))
    if call is not None or not isinstance(command, PlatformEvent):
        return call
    # ``_value_``, Enum's own slot: ``.value`` is a Python-level property (0.4 µs).
    return command.kind._value_, platform_events.run


F = TypeVar("F", bound=Callable[..., Any])


def synchronized(method: F) -> F:
    """Run ``method`` holding the ledger's lock: every call and read is atomic across threads."""

    @functools.wraps(method)
    def locked(self: Engine, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


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


class Engine(Calls, Reads):
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
        self._keys = IdempotencyStore(journal=self._journal if keep_journal else None)
        self._last_now: datetime | None = None
        #: ``createdAt`` of the newest group made (kept or not): the clock's floor (§14).
        self._last_group_at: datetime | None = None
        #: ``(_last_group_at, the end of its whole second)``, as ``writes.record`` last
        #: worked it out (a cache: a stale entry is recomputed, never trusted).
        self._group_second: tuple[datetime | None, datetime] = (None, _EPOCH)
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
        if child._keys.journal is not None:  # the child's groups are in the child's journal
            child._keys.journal = child._journal
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
        return bool(self._keys.held)

    # ------------------------------------------------------------------ operation log

    @property
    def oplog(self) -> list[OpRecord]:
        """Every call this ledger ran (forks: its parent's up to the fork, then its own)."""
        with self._lock:
            return list(self._oplog) if self._oplog is not None else []

    @synchronized
    def replay(self, records: Iterable[OpRecord], *, verify: bool = False) -> int:
        """Apply recorded calls again, at their recorded clock times and with their faults.

        Each call must give the outcome its record says (status, group id, error codes),
        else ``ReplayMismatchError`` names the record; the ledger then holds the state up to the
        record before it. Group ids are the recorded ones, so replaying a ledger's log onto
        its starting snapshot gives the same state, journal and ids. Returns the number of
        records replayed.

        ``verify=True`` runs every record through the whole pipeline (``run``: request checks,
        idempotency, faults, the mutation) and compares the outcome it gets with the record's.
        By default a record whose outcome is ``applied`` trusts its log (a checksummed file:
        ``ledger.store.oplog``): it skips the request checks, the idempotency lookup and the
        fault policy, which its outcome says passed, and goes straight to its mutation, whose
        own checks still run (they are what finds a log replayed onto the wrong state: a
        stale ``changeFromQuantity``, an unknown level), then remembers its key and appends
        the record itself to the operation log. Other records (no-ops, errors, replays,
        faults) run through the whole pipeline, as with ``verify``. Both give byte-identical
        state, journal, ids, keys and log. Still refused without ``verify``: an applied record
        whose call fails its mutation's checks or makes another group, or whose key is still
        remembered (the log then claims two first uses). A subclass that wraps ``run`` (a
        durable ledger refuses calls once closed or read-only) has every record go through
        it, as with ``verify``; its own recovery trusts its journal (``_replay``).
        """
        trusting = not verify and type(self).run is Engine.run
        return self._replay(records, trusting=trusting)

    @synchronized
    def _replay(self, records: Iterable[OpRecord], *, trusting: bool) -> int:
        """``replay``; ``trusting`` applies ``applied`` records as their log says."""
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
                    if number > highest[0]:
                        highest[0] = number
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
        # A replay makes no reference cycles (every record's objects are freed or kept by
        # reference count alone), so the cyclic collector, which would walk the growing
        # journal and log again and again, is paused until it ends.
        with collector.paused():
            try:
                while (record := ahead.get(position[0])) is not None:
                    current[:] = [record]
                    claimed = record.outcome.group_id
                    if (record.outcome.status == "applied" and claimed is not None
                            and claimed in self._journal):
                        # A log naming one group twice is malformed, not a broken journal.
                        raise ReplayMismatchError(f"record {record.seq} names the group {claimed}, "
                                                  "which the journal already holds")
                    if trusting and record.outcome.status == "applied" and record.fault is None:
                        self._apply_trusted(record)
                    else:
                        result = self.run(record.command, record.idempotency_key,
                                          api_version=record.api_version)
                        self._compare(record, Outcome.of(result, self._call_fault))
                    if record.outcome.status == "applied":
                        number = _group_number(record)
                        if number > highest[0]:
                            highest[0] = number
                    count += 1
                    done = position[0] = position[0] + 1
                    ahead.release(done if done < position[1] else position[1])
            finally:
                if isinstance(saved_ids, _Counter):
                    saved_ids.next_value = max(saved_ids.next_value, highest[0] + 1)
                self._clock, self.faults, self._group_ids = saved_clock, saved_faults, saved_ids
        return count

    @staticmethod
    def _compare(record: OpRecord, got: Outcome) -> None:
        """Refuse a replayed call whose outcome is not the one its record says."""
        if got != record.outcome:
            raise ReplayMismatchError(
                f"record {record.seq} ({record.operation}) gave {got.status} "
                f"{got.group_id or ''} {list(got.errors)}, but its record says "
                f"{record.outcome.status} {record.outcome.group_id or ''} "
                f"{list(record.outcome.errors)}"
            )

    def _apply_trusted(self, record: OpRecord) -> None:
        """Apply an ``applied`` record as its log says (``replay`` without ``verify``).

        The stages ``_run`` would run before the mutation (request checks, the idempotency
        lookup, the fault policy) passed when the call was recorded, so they are skipped; the
        clock is read as ``_run`` reads it (the floor, the window's eviction) and the
        mutation runs whole, so a log that does not fit the state is still refused.
        """
        command = record.command
        call = _call_of(command)
        if call is None:
            raise TypeError(f"not a ledger command: {command!r}")
        operation, mutation = call
        era = self._era if record.api_version == self.api_version else era_of(
            record.api_version)
        self._call_fault = None
        self._call_now = None
        now = self._now()
        key = record.idempotency_key
        if key is not None and self._keys.get(key, now) is not None:
            # Its first use is remembered: run whole, it would replay that, not apply.
            raise ReplayMismatchError(
                f"record {record.seq} ({operation}) is recorded as applied, but its "
                f"idempotency key {key!r} is still remembered from an earlier record")
        result = mutation(self, command, now, era)
        group = result.group
        if (group is None or result.user_errors or result.request_error is not None
                or group.id != record.outcome.group_id):
            self._compare(record, Outcome.of(result, None))
        if key is not None:
            self._keys.remember(key, operation, command, result, now)
        log = self._oplog
        if log is not None:
            seq = len(log) + 1
            if record.seq != seq or record.at is not self._call_now:
                # Numbered on from this ledger's log, at the reading as ``_now`` kept it (in
                # UTC): what ``run`` would have written.
                record = attrs.evolve(record, seq=seq, at=self._call_now)
            log.append(record)

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
        # Only a key held by a running call can make this one concurrent (checked unlocked).
        if (self._lock_owner != me and isinstance(idempotency_key, str)
                and idempotency_key in self._keys.held):
            busy = self._concurrent(command, idempotency_key, api_version)
            if busy is not None:
                return busy
        with self._lock:
            outer, self._lock_owner = self._lock_owner, me
            try:
                # The record: the call and its outcome on the operation log (inlined here,
                # one frame less on every call).
                self._call_now = None
                self._call_fault = None
                result = self._run(command, idempotency_key, api_version)
                log = self._oplog
                if log is not None:
                    log.add(self._call_now, result.operation,
                            self.api_version if api_version is None else api_version,
                            idempotency_key, command, self._call_fault, result)
                return result
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
        call = _call_of(command)
        if call is None:
            return None
        operation = call[0]
        version = self.api_version if api_version is None else api_version
        era = self._era if api_version is None else era_of(api_version)
        if request_error(operation, command, key, era, version) is not None:
            return None  # the request-level error comes first, from the locked path
        codes = codes_in(operation, era) if operation in MESSAGES else ()
        if operation in MESSAGES and ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST not in codes:
            return None
        return self._idempotency_error(operation, ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST)

    def _run(self, command: Operation, idempotency_key: str | None,
             api_version: str | None) -> Result:
        version = self.api_version if api_version is None else api_version
        era = self._era if api_version is None else era_of(api_version)
        call = _call_of(command)
        if call is None:
            raise TypeError(f"not a ledger command: {command!r}")
        operation, mutation = call
        if idempotency_key is not None and not isinstance(idempotency_key, str):
            raise TypeError(f"idempotency_key must be a str or None, not {idempotency_key!r}")
        rejected = request_error(operation, command, idempotency_key, era, version)
        if rejected is not None:
            return Result(operation=operation, request_error=rejected)
        if idempotency_key is None:
            now = self._now()
            if self.faults is not None:
                injected = self._injected_failure(operation, command, era)
                if injected is not None:
                    return injected[1]
            return mutation(self, command, now, era)
        key = idempotency_key
        keys = self._keys
        held = keys.held  # ``in_flight``, ``begin`` and ``end``, as set operations
        if key in held:
            return self._idempotency_error(operation, ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST)
        # The key is held before the clock is read: a call that re-enters the ledger with it
        # from the clock is concurrent with this one, not a first use that this one replays.
        held.add(key)
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
            injected = (self._injected_failure(operation, command, era, key)
                        if self.faults is not None else None)
            if injected is not None:
                fault, failure = injected
                # A failed attempt (not an outage, a throttle or a concurrent request, which
                # never ran) is remembered where the era knows
                # IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED; elsewhere a retry with the key runs.
                if fault is Fault.FAILED and operation in era.previous_attempt_failed:
                    self._keys.remember(key, operation, command, failure, now, failed=True)
                return failure
            result = mutation(self, command, now, era)
        finally:
            held.discard(key)
        # A group this call made is in the journal if one is kept (``record`` put it there).
        keys.remember(key, operation, command, result, now, journaled=self._keep_journal)
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
        if type(now) is not datetime or now.tzinfo is not UTC:  # else it is UTC already
            if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
                raise TypeError(f"the clock must return a timezone-aware datetime, not {now!r}")
            now = now.astimezone(UTC)
        self._call_now = now
        floor = self._last_group_at
        if floor is not None and now < floor:
            now = floor
        self._last_now = now
        # Every call moves the window, keyed or not, so no key outlives it (see ``_check``).
        keys = self._keys
        if now is not keys.evicted_at:  # else nothing to evict: the window has not moved
            keys.evict(now)
        return now

    # ------------------------------------------------------------------ invariants

    @synchronized
    def _check(self) -> None:
        """Assert every internal invariant; tests call this after every step.

        Checks that every level is indexed under its item and its id and nowhere else, that
        item active counts agree with the levels, that every level's location exists and its
        quantities are ints, that the journal's indices agree with it, and that the
        idempotency store holds only live keys.
        """
        invariants.check(self)
