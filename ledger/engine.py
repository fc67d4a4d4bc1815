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

Concurrency: an ``Engine`` is not thread-safe; share one between threads only behind a lock.
A key is marked *in flight* while its first call runs, so a call that re-enters the ledger
with the same key (say from an injected clock) gets IDEMPOTENCY_CONCURRENT_REQUEST.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from ledger import rules
from ledger.commands import (
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
from ledger.errors import (
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
    BulkToggleCode,
    ErrorCode,
    InvariantError,
    LedgerError,
    RequestError,
    RequestErrorKind,
    UserError,
    bulk_toggle_error,
    codes_in,
    user_error,
)
from ledger.faults import Fault
from ledger.idempotency import IdempotencyStore
from ledger.journal import GROUP_PREFIX, AdjustmentGroup, Journal, QuantityChange
from ledger.model import Level, Location, State
from ledger.quantities import (
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
from ledger.results import LevelView, QuantityView, Result
from ledger.versions import DEFAULT, Era, Presence, era_of

Clock = Callable[[], datetime]
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
    ) -> None:
        self._era = era_of(api_version)
        self.api_version = api_version
        self._clock: Clock = clock if clock is not None else system_clock
        self._group_ids = iter(group_ids) if group_ids is not None else itertools.count(1)
        #: Fill ``quantityAfterChange`` in payloads (Shopify returns ``null``).
        self.report_quantity_after_change = report_quantity_after_change
        #: Injects transient failures, for testing retry logic; ``None`` injects none.
        self.faults = faults
        self._reserved_group_number: int | None = None
        self._state = State()
        self._journal = Journal()
        self._keys = IdempotencyStore()
        self._last_now: datetime | None = None

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
        idempotency_key: str | None = None,
    ) -> Result:
        """Stock an item at a location, or reactivate its level (``inventoryActivate``)."""
        cmd = Activate(
            item_id=item_id, location_id=location_id, available=available, on_hand=on_hand
        )
        return self.run(cmd, idempotency_key)

    def deactivate(self, *, level_id: str, idempotency_key: str | None = None) -> Result:
        """Unstock a level, keeping its quantities (``inventoryDeactivate``)."""
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

    # ------------------------------------------------------------------ reads

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

    def level(self, item_id: str, location_id: str) -> LevelView | None:
        """Return a view of the level of ``item_id`` at ``location_id`` (active or not), if any."""
        level = self._state.level(item_id, location_id)
        return self._view(level) if level is not None else None

    def level_by_id(self, level_id: str) -> LevelView | None:
        """Return a view of the level with id ``level_id``, if any."""
        level = self._state.level_by_id.get(level_id)
        return self._view(level) if level is not None else None

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
        return self._journal.query(
            item_id=item_id, location_id=location_id, name=name, since=since, until=until
        )

    @property
    def journal(self) -> Journal:
        """The audit trail of every adjustment group, oldest first."""
        return self._journal

    def items(self) -> list[str]:
        """Return the ids of all inventory items."""
        return list(self._state.items)

    def has_item(self, item_id: str) -> bool:
        """Tell whether ``item_id`` names an inventory item. O(1)."""
        return item_id in self._state.items

    def locations(self) -> list[str]:
        """Return the ids of all locations."""
        return list(self._state.locations)

    def location(self, location_id: str) -> Location | None:
        """Return the location with id ``location_id`` (its id and name), if any."""
        return self._state.locations.get(location_id)

    # ------------------------------------------------------------------ the call

    def run(
        self,
        command: Command,
        idempotency_key: str | None = None,
        *,
        api_version: str | None = None,
    ) -> Result:
        """Run one command, as a Shopify mutation with ``@idempotent(key: idempotency_key)``.

        ``api_version`` (default: the ledger's) is the version the caller pins for this call:
        one store's state is shared by every app, whatever version each one speaks.
        """
        version = self.api_version if api_version is None else api_version
        era = self._era if api_version is None else era_of(api_version)
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
        self, operation: str, command: Command, era: Era, key: str | None = None
    ) -> tuple[Fault, Result] | None:
        """Return the fault ``faults`` injects into this call and its outcome, if any.

        It strikes before validation, so the call applies nothing (see ``ledger.faults``).
        """
        if self.faults is None:
            return None
        fault = self.faults(operation, command)
        if fault is True:
            fault = Fault.FAILED
        if not isinstance(fault, Fault):
            return None
        result = self._fault_outcome(fault, operation, era, key)
        return (fault, result) if result is not None else None

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
        self, operation: str, command: Command, key: str | None, era: Era, version: str
    ) -> RequestError | None:
        """Return the first request-level failure (semantics §4), or ``None``."""
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
        presence = (
            era.stocking_idempotency if operation in STOCKING_MUTATIONS else era.idempotency
        )
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
        else:
            error = user_error(operation, code, None)
        return Result(operation=operation, user_errors=(error,))

    def _now(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise TypeError(f"the clock must return a timezone-aware datetime, not {now!r}")
        now = now.astimezone(UTC)
        self._last_now = now
        # Every call moves the window, keyed or not, so no key outlives it (see ``_check``).
        self._keys.evict(now)
        return now

    def _dispatch(self, operation: str, command: Command, now: datetime, era: Era) -> Result:
        if isinstance(command, Adjust):
            return self._adjust(command, now)
        if isinstance(command, Move):
            return self._move(command, now)
        if isinstance(command, SetQuantities | SetOnHand):
            return self._set(operation, command, now, era)
        if isinstance(command, Activate):
            return self._activate(command, now)
        if isinstance(command, BulkToggleActivation):
            return self._bulk_toggle(command)
        return self._deactivate(command)

    # ------------------------------------------------------------------ the mutations

    def _adjust(self, cmd: Adjust, now: datetime) -> Result:
        errors, levels = rules.check_adjust(cmd, self._state)
        if errors:
            return Result(operation=ADJUST, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the mutation must succeed.
        index = INDEX[cmd.name]
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for ch, level in zip(cmd.changes, levels, strict=True):
            if ch.delta:
                self._apply(level, index, ch.delta, now, ch.ledger_document_uri, named, companions)
        return self._record(ADJUST, cmd.reason, cmd.reference_document_uri, named + companions, now)

    def _move(self, cmd: Move, now: datetime) -> Result:
        errors, levels = rules.check_move(cmd, self._state)
        if errors:
            return Result(operation=MOVE, user_errors=tuple(errors))
        self._reserve_group_number()
        # From here on the mutation must succeed.
        named: list[QuantityChange] = []
        companions: list[QuantityChange] = []
        for ch, level in zip(cmd.changes, levels, strict=True):
            if not ch.quantity:
                continue
            source, target = ch.from_, ch.to
            self._apply(level, INDEX[source.name], -ch.quantity, now,
                        source.ledger_document_uri, named, None)
            self._apply(level, INDEX[target.name], ch.quantity, now,
                        target.ledger_document_uri, named, None)
            # on_hand moves only when exactly one side is incoming (semantics §7).
            if (source.name == "incoming") != (target.name == "incoming"):
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
        for sq, level in zip(cmd.quantities, levels, strict=True):
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

    def _activate(self, cmd: Activate, now: datetime) -> Result:
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
            level = state.new_level(cmd.item_id, cmd.location_id)
        else:
            state.set_active(level, True)
        # Seeding sets available (directly, or through on_hand) like inventorySetQuantities.
        delta = 0
        if cmd.available is not None:
            delta = cmd.available - level.q[AVAILABLE]
        elif cmd.on_hand is not None:
            delta = cmd.on_hand - on_hand(level.q)
        group = None
        if delta:
            named: list[QuantityChange] = []
            companions: list[QuantityChange] = []
            self._apply(level, AVAILABLE, delta, now, None, named, companions)
            group = self._record(ACTIVATE, ACTIVATION_REASON, None, named + companions, now).group
        return Result(operation=ACTIVATE, level=self._view(level), group=group)

    def _deactivate(self, cmd: Deactivate) -> Result:
        state = self._state
        level = state.level_by_id.get(cmd.level_id)
        if level is None:
            from ledger.model import level_item_id

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
        # From here on the mutation must succeed.
        state.set_active(level, False)
        return Result(operation=DEACTIVATE)

    def _bulk_toggle(self, cmd: BulkToggleActivation) -> Result:
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
          the inactive level again with its quantities. Deactivation keeps quantities, like
          inventoryDeactivate; deactivating an inactive or absent level is a no-op.
        * No adjustment group: nothing's quantity changes. ``levels`` lists, in the order of
          first appearance, the levels of the locations whose last update activates them
          (already active ones included); any user error → item and levels ``None``.
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
        # From here on the mutation must succeed.
        for location_id, activate in final.items():
            level = item.levels.get(location_id)
            if activate and level is None:
                state.new_level(cmd.item_id, location_id)
            elif level is not None and level.active != activate:
                state.set_active(level, activate)
        views = tuple(self._view(item.levels[loc]) for loc, on in final.items() if on)
        return Result(operation=BULK_TOGGLE, item_id=cmd.item_id, levels=views)

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
        group = AdjustmentGroup(
            id=f"{GROUP_PREFIX}{number}",
            created_at=now.replace(microsecond=0),
            reason=reason,
            reference_document_uri=reference,
            changes=tuple(rows),
        )
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
