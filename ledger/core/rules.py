"""Pure checks: (command, state) -> user errors, in one fixed, documented order.

Every check function reads the state and never writes it. The order of the errors a call
returns is the order of the statements below (semantics §10):

1. input-level fields: ``name``, then ``reason``, then ``referenceDocumentUri``;
2. each change by index: item, location (move: ``from`` then ``to``; then
   DIFFERENT_LOCATIONS or the stocked check), quantity name(s), quantity/delta, ledger
   document(s);
3. call-level rules: MAX_ONE_LEDGER_DOCUMENT / MAXIMUM_LEDGER_DOCUMENT_URIS, duplicate
   pairs, then COMPARE_QUANTITY_REQUIRED;
4. only if nothing above failed: compare-and-swap, every value compared with the quantity
   persisted *before* the call, even when several changes touch one level.

Which levels a change may touch is the era's ``quantity_levels`` row (semantics §3, §13):
an active level only (≤ 2026-01), any existing level (2026-04, 2026-07), or anywhere
(2026-10 on: an absent level is returned as an ``AbsentLevel``, which the engine creates,
inactive, once the call is sure to succeed). An item marked not mutable (a bundle's parent)
gets NON_MUTABLE_INVENTORY_ITEM right after its existence check, in place of that change's
location-level checks (semantics §5).

Choices where Shopify is silent ([ours]):

* A not-stocked level is reported at the change's ``locationId`` (move: ``from.locationId``)
  and only when both the item and the location exist; a move whose locations differ skips
  the stocked check.
* "In place of the location-level checks" (NON_MUTABLE_INVENTORY_ITEM) is read as: that
  change gets no INVALID_LOCATION, DIFFERENT_LOCATIONS or ITEM_NOT_STOCKED_AT_LOCATION;
  its other checks (name, quantity, ledger documents) still run.
* An adjust's *resulting* quantity must stay within ±2,000,000,000; the running value is
  used when several changes touch one level, and the error sits at that change's ``delta``.
  Move results are not bounded (Shopify's move enum has no TOO_LOW code).
* An invalid quantity name counts as "not available" for the ledger document (semantics
  §5): it is required, and checked for being internal or malformed.
* An unknown set ``name`` still gets the ±1,000,000,000 bounds on each quantity; for
  ``on_hand`` a negative quantity is INVALID_QUANTITY_NEGATIVE, which wins over TOO_LOW.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from ledger.core.commands import ABSENT, Adjust, Move, MoveTerminal, SetOnHand, SetQuantities
from ledger.core.errors import (
    ADJUST,
    MOVE,
    REASON_SET,
    SET,
    SET_ON_HAND,
    ErrorCode,
    UserError,
    user_error,
)
from ledger.core.model import Level, State
from ledger.core.quantities import ADJUST_LIMIT, ADJUSTABLE_SET, INDEX, SET_LIMIT, STORED, on_hand
from ledger.core.versions import Era, LevelReach, Presence

C = ErrorCode
Path = tuple[str, ...]

#: A scheme, a colon, then non-empty content with no whitespace ([ours], semantics §5).
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_INTERNAL_PREFIX: Final = "gid://shopify/"


def is_valid_uri(uri: str) -> bool:
    """Tell whether ``uri`` is acceptable as a reference or ledger document URI."""
    return _URI.fullmatch(uri) is not None


class _Errors:
    """The user errors of one call, in the order they are found."""

    __slots__ = ("items", "operation")

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.items: list[UserError] = []

    def add(self, code: ErrorCode, field: Path) -> None:
        self.items.append(user_error(self.operation, code, field))


def _input_fields(errors: _Errors, reason: str, reference: str | None) -> None:
    if reason not in REASON_SET:
        errors.add(C.INVALID_REASON, ("input", "reason"))
    if reference is not None and not is_valid_uri(reference):
        errors.add(C.INVALID_REFERENCE_DOCUMENT, ("input", "referenceDocumentUri"))


@attrs.frozen
class AbsentLevel:
    """Where a change touches a known item at a known location with no level (2026-10 on).

    It reads as zeros, so the checks treat it as the all-zero level the engine creates for
    it (inactive) once the call is sure to succeed (semantics §13).
    """

    item_id: str
    location_id: str

    @property
    def q(self) -> tuple[int, ...]:
        """The stored quantities of the level to be: all zero."""
        return _ZEROS


_ZEROS: Final = (0,) * len(STORED)
Target = Level | AbsentLevel


class _Levels:
    """The levels a call touches, one object per (item, location), absent ones included."""

    __slots__ = ("absent", "era")

    def __init__(self, era: Era) -> None:
        self.era = era
        self.absent: dict[tuple[str, str], AbsentLevel] = {}

    def locate(self, errors: _Errors, state: State, item_id: str, location_id: str,
               item_field: Path, location_field: Path, *, location_checks: bool = True,
               stocked_check: bool = True) -> Target | None:
        """Resolve an (item, location) pair to the level a change may touch, reporting why not.

        ``location_checks`` off: the location is not even looked at (a move checks its two
        locations itself). ``stocked_check`` off: a missing level is not reported here.
        """
        item = state.items.get(item_id)
        if item is None:
            errors.add(C.INVALID_INVENTORY_ITEM, item_field)
        elif not item.attributes.mutable:
            errors.add(C.NON_MUTABLE_INVENTORY_ITEM, item_field)
            return None  # in place of this change's location-level checks (semantics §5)
        if not location_checks:
            return None
        location_known = location_id in state.locations
        if not location_known:
            errors.add(C.INVALID_LOCATION, location_field)
        if item is None or not location_known:
            return None
        return self.level(errors, item.levels.get(location_id), item_id, location_id,
                          location_field, stocked_check=stocked_check)

    def level(self, errors: _Errors, level: Level | None, item_id: str, location_id: str,
              location_field: Path, *, stocked_check: bool = True) -> Target | None:
        """Apply the era's reach to the level of a known item at a known location."""
        reach = self.era.quantity_levels
        if level is not None and (level.active or reach is not LevelReach.ACTIVE):
            return level
        if level is None and reach is LevelReach.ANYWHERE:
            return self.absent.setdefault((item_id, location_id),
                                          AbsentLevel(item_id, location_id))
        if stocked_check:
            errors.add(C.ITEM_NOT_STOCKED_AT_LOCATION, location_field)
        return None


def _ledger_document(errors: _Errors, name: str, uri: str | None, field: Path) -> None:
    """Check one ledger document URI against the quantity ``name`` it documents.

    An invalid ``name`` counts as "not available" (semantics §5): the document is required.
    """
    if name == "available":
        if uri is not None:
            errors.add(C.INVALID_AVAILABLE_DOCUMENT, field)
        return
    if uri is None:
        errors.add(C.INVALID_QUANTITY_DOCUMENT, field)
    elif uri.startswith(_INTERNAL_PREFIX):
        errors.add(C.INTERNAL_LEDGER_DOCUMENT, field)
    elif not is_valid_uri(uri):
        errors.add(C.INVALID_LEDGER_DOCUMENT, field)


def _bounded(errors: _Errors, value: int, limit: int, field: Path) -> bool:
    if value > limit:
        errors.add(C.INVALID_QUANTITY_TOO_HIGH, field)
        return False
    if value < -limit:
        errors.add(C.INVALID_QUANTITY_TOO_LOW, field)
        return False
    return True


def check_adjust(cmd: Adjust, state: State, era: Era) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventoryAdjustQuantities``; return its errors, or its levels in input order."""
    errors = _Errors(ADJUST)
    name_ok = cmd.name in ADJUSTABLE_SET
    if not name_ok:
        errors.add(C.INVALID_QUANTITY_NAME, ("input", "name"))
    _input_fields(errors, cmd.reason, cmd.reference_document_uri)
    index = INDEX[cmd.name] if name_ok else -1
    found = _Levels(era)
    running: dict[int, int] = {}
    levels: list[Target] = []
    for i, ch in enumerate(cmd.changes):
        base = ("input", "changes", str(i))
        level = found.locate(
            errors, state, ch.item_id, ch.location_id, (*base, "inventoryItemId"),
            (*base, "locationId"),
        )
        delta_field = (*base, "delta")
        if _bounded(errors, ch.delta, ADJUST_LIMIT, delta_field) and level is not None and name_ok:
            key = id(level)
            after = running.get(key, level.q[index]) + ch.delta
            if _bounded(errors, after, ADJUST_LIMIT, delta_field):
                running[key] = after
        _ledger_document(errors, cmd.name, ch.ledger_document_uri, (*base, "ledgerDocumentUri"))
        if level is not None:
            levels.append(level)
    if len({ch.ledger_document_uri for ch in cmd.changes}) > 1:
        errors.add(C.MAX_ONE_LEDGER_DOCUMENT, ("input", "changes"))
    if errors.items:
        return errors.items, levels
    for i, (ch, level) in enumerate(zip(cmd.changes, levels, strict=True)):
        expected = ch.change_from_quantity
        if expected is not None and expected is not ABSENT and level.q[index] != expected:
            field = ("input", "changes", str(i), "changeFromQuantity")
            errors.add(C.CHANGE_FROM_QUANTITY_STALE, field)
    return errors.items, levels


def check_move(cmd: Move, state: State, era: Era) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventoryMoveQuantities``; return its errors, or its levels in input order."""
    errors = _Errors(MOVE)
    _input_fields(errors, cmd.reason, cmd.reference_document_uri)
    found = _Levels(era)
    levels: list[Target] = []
    documents: set[str] = set()
    for i, ch in enumerate(cmd.changes):
        base = ("input", "changes", str(i))
        from_field = (*base, "from", "locationId")
        to_field = (*base, "to", "locationId")
        from_id, to_id = ch.from_.location_id, ch.to.location_id
        item = state.items.get(ch.item_id)
        found.locate(errors, state, ch.item_id, from_id, (*base, "inventoryItemId"), from_field,
                     location_checks=False)
        level: Target | None = None
        if item is None or item.attributes.mutable:
            from_known = from_id in state.locations
            to_known = to_id in state.locations
            if not from_known:
                errors.add(C.INVALID_LOCATION, from_field)
            if not to_known:
                errors.add(C.INVALID_LOCATION, to_field)
            if from_known and to_known and from_id != to_id:
                errors.add(C.DIFFERENT_LOCATIONS, base)
            elif from_known and item is not None:
                level = found.level(errors, item.levels.get(from_id), ch.item_id, from_id,
                                    from_field)
        for side, terminal in (("from", ch.from_), ("to", ch.to)):
            if terminal.name not in ADJUSTABLE_SET:
                errors.add(C.INVALID_QUANTITY_NAME, (*base, side, "name"))
        # Whether or not the name is valid (semantics §7): on_hand -> on_hand gets both.
        if ch.from_.name == ch.to.name:
            errors.add(C.SAME_QUANTITY_NAME, base)
        if ch.quantity < 0:
            errors.add(C.INVALID_QUANTITY_NEGATIVE, (*base, "quantity"))
        elif ch.quantity > ADJUST_LIMIT:
            errors.add(C.INVALID_QUANTITY_TOO_HIGH, (*base, "quantity"))
        for side, terminal in (("from", ch.from_), ("to", ch.to)):
            _ledger_document(
                errors, terminal.name, terminal.ledger_document_uri,
                (*base, side, "ledgerDocumentUri"),
            )
            if terminal.ledger_document_uri is not None:
                documents.add(terminal.ledger_document_uri)
        if level is not None:
            levels.append(level)
    if len(documents) > 2:
        errors.add(C.MAXIMUM_LEDGER_DOCUMENT_URIS, ("input", "changes"))
    if errors.items:
        return errors.items, levels
    for i, (ch, level) in enumerate(zip(cmd.changes, levels, strict=True)):
        for side, terminal in (("from", ch.from_), ("to", ch.to)):
            _stale_terminal(errors, level, terminal, ("input", "changes", str(i), side))
    return errors.items, levels


def _stale_terminal(errors: _Errors, level: Target, terminal: MoveTerminal, base: Path) -> None:
    expected = terminal.change_from_quantity
    if (
        expected is not None
        and expected is not ABSENT
        and level.q[INDEX[terminal.name]] != expected
    ):
        errors.add(C.CHANGE_FROM_QUANTITY_STALE, (*base, "changeFromQuantity"))


def uses_legacy_compare(change_from: object, era: Era) -> bool:
    """Tell whether a set quantity is checked with the legacy ``compareQuantity`` rules.

    Before 2026-01 always; in 2026-01 only when the quantity has no ``changeFromQuantity``
    key at all (an explicit ``null`` opts into the new field); from 2026-04 never.
    """
    if era.legacy_compare is Presence.UNDEFINED:
        return False
    return era.change_from is Presence.UNDEFINED or change_from is ABSENT


def check_set(
    cmd: SetQuantities | SetOnHand, state: State, era: Era
) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventorySetQuantities`` or ``inventorySetOnHandQuantities``.

    Returns the errors, or the levels in input order. setOnHand behaves as set with name
    ``on_hand`` but has no name, no duplicate-pair rule and no legacy compare fields.
    """
    is_set = isinstance(cmd, SetQuantities)
    errors = _Errors(SET if is_set else SET_ON_HAND)
    name = cmd.name if isinstance(cmd, SetQuantities) else "on_hand"
    if name not in ("available", "on_hand"):
        errors.add(C.INVALID_NAME, ("input", "name"))
    _input_fields(errors, cmd.reason, cmd.reference_document_uri)
    list_field = "quantities" if is_set else "setQuantities"
    found = _Levels(era)
    levels: list[Target] = []
    for i, sq in enumerate(cmd.quantities):
        base = ("input", list_field, str(i))
        level = found.locate(
            errors, state, sq.item_id, sq.location_id, (*base, "inventoryItemId"),
            (*base, "locationId"),
        )
        if name == "on_hand" and sq.quantity < 0:
            errors.add(C.INVALID_QUANTITY_NEGATIVE, (*base, "quantity"))
        else:
            _bounded(errors, sq.quantity, SET_LIMIT, (*base, "quantity"))
        if level is not None:
            levels.append(level)
    ignore = isinstance(cmd, SetQuantities) and cmd.ignore_compare_quantity is True
    if is_set:
        seen: dict[tuple[str, str], int] = {}
        for sq in cmd.quantities:
            pair = (sq.item_id, sq.location_id)
            seen[pair] = seen.get(pair, 0) + 1
        for i, sq in enumerate(cmd.quantities):
            if seen[(sq.item_id, sq.location_id)] > 1:
                errors.add(
                    C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR,
                    ("input", list_field, str(i), "locationId"),
                )
        if not ignore and any(
            uses_legacy_compare(sq.change_from_quantity, era)
            and (sq.compare_quantity is None or sq.compare_quantity is ABSENT)
            for sq in cmd.quantities
        ):
            errors.add(C.COMPARE_QUANTITY_REQUIRED, ("input", "ignoreCompareQuantity"))
    if errors.items:
        return errors.items, levels
    for i, (sq, level) in enumerate(zip(cmd.quantities, levels, strict=True)):
        current = level.q[0] if name == "available" else on_hand(level.q)
        base = ("input", list_field, str(i))
        if is_set and uses_legacy_compare(sq.change_from_quantity, era):
            expected = sq.compare_quantity
            if not ignore and isinstance(expected, int) and expected != current:
                errors.add(C.COMPARE_QUANTITY_STALE, (*base, "compareQuantity"))
        else:
            expected = sq.change_from_quantity
            if isinstance(expected, int) and expected != current:
                errors.add(C.CHANGE_FROM_QUANTITY_STALE, (*base, "changeFromQuantity"))
    return errors.items, levels
