"""``inventorySetQuantities`` and ``inventorySetOnHandQuantities``: absolute values (semantics
§8; core layer).

setOnHand behaves as set with name ``on_hand``, its list at ``setQuantities``, with no name,
no duplicate-pair rule and no legacy compare fields. What it checks, in this order
(semantics §10; every error is collected):

1. ``name`` is ``available`` or ``on_hand`` (INVALID_NAME; set only), then ``reason`` and
   ``referenceDocumentUri`` (§5);
2. each quantity by index: the item (INVALID_INVENTORY_ITEM, or NON_MUTABLE_INVENTORY_ITEM
   in place of the location checks), the location (INVALID_LOCATION), the level the era
   lets it touch (ITEM_NOT_STOCKED_AT_LOCATION; §3, §13), the quantity
   (INVALID_QUANTITY_NEGATIVE for ``on_hand``, else INVALID_QUANTITY_TOO_HIGH / _TOO_LOW);
3. set only: the same (item, location) twice, at every member
   (NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR), then, where the legacy compare rules
   apply, a missing ``compareQuantity`` without ``ignoreCompareQuantity``
   (COMPARE_QUANTITY_REQUIRED, once);
4. only if nothing above failed: each quantity's ``changeFromQuantity``
   (CHANGE_FROM_QUANTITY_STALE) or legacy ``compareQuantity`` (COMPARE_QUANTITY_STALE)
   against the value persisted before the call.

What it writes: available (and with it on_hand) changes by d = Q - current, whether
``available`` or ``on_hand`` is set; one group of the available rows then the on_hand rows,
no row where d is zero, no group if nothing changes. From 2026-10 a quantity where the item
has no level creates it, inactive (§13).

[ours]: an unknown set ``name`` still gets the ±1,000,000,000 bounds on each quantity; for
``on_hand`` a negative quantity is INVALID_QUANTITY_NEGATIVE, which wins over TOO_LOW.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from ledger.core.commands import ABSENT, SetOnHand, SetQuantities
from ledger.core.errors import SET, SET_ON_HAND, UserError
from ledger.core.mutations.checks import (
    C,
    ChangePaths,
    Errors,
    Levels,
    Target,
    bounded,
    input_fields,
)
from ledger.core.mutations.writes import (
    Row,
    apply_delta,
    materialize,
    record,
    reserve_group_number,
)
from ledger.core.quantities import AVAILABLE, SET_LIMIT, on_hand
from ledger.core.results import Result
from ledger.core.versions import Era, Presence

if TYPE_CHECKING:
    from ledger.core.engine import Engine
    from ledger.core.model import State


#: A member read once (off its Enum class it costs a Python-level ``__getattr__`` hook).
_UNDEFINED: Final = Presence.UNDEFINED


def uses_legacy_compare(change_from: object, era: Era) -> bool:
    """Tell whether a set quantity is checked with the legacy ``compareQuantity`` rules.

    Before 2026-01 always; in 2026-01 only when the quantity has no ``changeFromQuantity``
    key at all (an explicit ``null`` opts into the new field); from 2026-04 never.
    """
    if era.legacy_compare is _UNDEFINED:
        return False
    return era.change_from is _UNDEFINED or change_from is ABSENT


#: The error fields of each list's entries, built once (``ChangePaths``).
_LEAVES: Final = ("inventoryItemId", "locationId", "quantity", "compareQuantity",
                  "changeFromQuantity")
_SET_PATHS: Final = ChangePaths("quantities", *_LEAVES)
_SET_ON_HAND_PATHS: Final = ChangePaths("setQuantities", *_LEAVES)


def check(
    cmd: SetQuantities | SetOnHand, state: State, era: Era
) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventorySetQuantities`` or ``inventorySetOnHandQuantities``.

    Returns the errors, or the levels in input order.
    """
    is_set = isinstance(cmd, SetQuantities)
    errors = Errors(SET if is_set else SET_ON_HAND)
    name = cmd.name if isinstance(cmd, SetQuantities) else "on_hand"
    if name not in ("available", "on_hand"):
        errors.add(C.INVALID_NAME, ("input", "name"))
    input_fields(errors, cmd.reason, cmd.reference_document_uri)
    found = Levels(era)
    levels: list[Target] = []
    fields = (_SET_PATHS if is_set else _SET_ON_HAND_PATHS).upto(len(cmd.quantities))
    for i, sq in enumerate(cmd.quantities):
        paths = fields[i]
        level = found.locate(errors, state, sq.item_id, sq.location_id,
                             paths["inventoryItemId"], paths["locationId"])
        if name == "on_hand" and sq.quantity < 0:
            errors.add(C.INVALID_QUANTITY_NEGATIVE, paths["quantity"])
        else:
            bounded(errors, sq.quantity, SET_LIMIT, paths["quantity"])
        if level is not None:
            levels.append(level)
    ignore = isinstance(cmd, SetQuantities) and cmd.ignore_compare_quantity is True
    if is_set:
        if len(cmd.quantities) > 1:  # one quantity has no pair to repeat
            seen: dict[tuple[str, str], int] = {}
            for sq in cmd.quantities:
                pair = (sq.item_id, sq.location_id)
                seen[pair] = seen.get(pair, 0) + 1
            for i, sq in enumerate(cmd.quantities):
                if seen[(sq.item_id, sq.location_id)] > 1:
                    errors.add(
                        C.NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR,
                        fields[i]["locationId"],
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
        if is_set and uses_legacy_compare(sq.change_from_quantity, era):
            expected = sq.compare_quantity
            if not ignore and isinstance(expected, int) and expected != current:
                errors.add(C.COMPARE_QUANTITY_STALE, fields[i]["compareQuantity"])
        else:
            expected = sq.change_from_quantity
            if isinstance(expected, int) and expected != current:
                errors.add(C.CHANGE_FROM_QUANTITY_STALE, fields[i]["changeFromQuantity"])
    return errors.items, levels


def run(engine: Engine, cmd: SetQuantities | SetOnHand, now: datetime, era: Era) -> Result:
    """Check, then apply ``cmd`` to the engine's state: all of it or, on any error, nothing."""
    operation = SET if isinstance(cmd, SetQuantities) else SET_ON_HAND
    state = engine._state
    errors, levels = check(cmd, state, era)
    if errors:
        return Result(operation=operation, user_errors=tuple(errors))
    reserve_group_number(engine)
    # From here on the mutation must succeed.
    by_available = isinstance(cmd, SetQuantities) and cmd.name == "available"
    named: list[Row] = []
    companions: list[Row] = []
    for sq, target in zip(cmd.quantities, levels, strict=True):
        level = materialize(state, target, now)
        current = level.q[AVAILABLE] if by_available else on_hand(level.q)
        delta = sq.quantity - current
        if delta:
            apply_delta(state, level, AVAILABLE, delta, now, None, named, companions)
    named += companions  # the named rows, then their on_hand rows (semantics §6)
    return record(engine, operation, cmd.reason, cmd.reference_document_uri,
                  named, now)
