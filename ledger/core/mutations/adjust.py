"""``inventoryAdjustQuantities``: add deltas to one named quantity (semantics §6; core layer).

What it checks, in this order (semantics §10; every error is collected):

1. ``name`` is adjustable (INVALID_QUANTITY_NAME), then ``reason`` and
   ``referenceDocumentUri`` (§5);
2. each change by index: the item (INVALID_INVENTORY_ITEM, or NON_MUTABLE_INVENTORY_ITEM in
   place of the location checks), the location (INVALID_LOCATION), the level the era lets it
   touch (ITEM_NOT_STOCKED_AT_LOCATION; §3, §13), the ``delta`` and the quantity it leads to
   (INVALID_QUANTITY_TOO_HIGH / _TOO_LOW), the ledger document (§5);
3. one ledger document for the whole call (MAX_ONE_LEDGER_DOCUMENT);
4. only if nothing above failed: each ``changeFromQuantity`` against the quantity persisted
   before the call (CHANGE_FROM_QUANTITY_STALE).

What it writes: the named quantity += delta for each change in order, and ``on_hand`` by the
same delta for every name but ``incoming``; one group of the named rows then the on_hand
rows, no row for a zero delta, no group if every delta is zero (§6). From 2026-10 a change
where the item has no level creates it, inactive (§13).

[ours]: a *resulting* quantity must stay within ±2,000,000,000; the running value is used
when several changes touch one level, and the error sits at that change's ``delta``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from ledger.core.commands import ABSENT, Adjust
from ledger.core.errors import ADJUST, UserError
from ledger.core.mutations.checks import (
    C,
    ChangePaths,
    Errors,
    Levels,
    Target,
    bounded,
    input_fields,
    ledger_document,
)
from ledger.core.mutations.writes import (
    Row,
    apply_delta,
    materialize,
    record,
    reserve_group_number,
)
from ledger.core.quantities import ADJUST_LIMIT, ADJUSTABLE_SET, INDEX
from ledger.core.results import Result
from ledger.core.versions import Era

if TYPE_CHECKING:
    from ledger.core.engine import Engine
    from ledger.core.model import State


#: The error fields of adjust's changes, built once.
_PATHS: Final = ChangePaths("changes", "inventoryItemId", "locationId", "delta",
                            "ledgerDocumentUri", "changeFromQuantity")


def check(cmd: Adjust, state: State, era: Era) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventoryAdjustQuantities``; return its errors, or its levels in input order."""
    errors = Errors(ADJUST)
    name = cmd.name
    name_ok = name in ADJUSTABLE_SET
    if not name_ok:
        errors.add(C.INVALID_QUANTITY_NAME, ("input", "name"))
    input_fields(errors, cmd.reason, cmd.reference_document_uri)
    index = INDEX[name] if name_ok else -1
    documented = name != "available"
    found = Levels(era)
    changes = cmd.changes
    # Only several changes can meet at one level: the running value of each is kept then.
    running: dict[int, int] | None = {} if len(changes) > 1 else None
    levels: list[Target] = []
    stale: list[int] = []  # the changes whose changeFromQuantity is not the quantity now
    fields = _PATHS.upto(len(changes))
    for i, ch in enumerate(changes):
        paths = fields[i]
        level = found.locate(errors, state, ch.item_id, ch.location_id,
                             paths["inventoryItemId"], paths["locationId"])
        delta = ch.delta
        in_bounds = -ADJUST_LIMIT <= delta <= ADJUST_LIMIT or bounded(
            errors, delta, ADJUST_LIMIT, paths["delta"])
        if in_bounds and level is not None and name_ok:
            if running is None:
                after = level.q[index] + delta
            else:
                after = running.get(id(level), level.q[index]) + delta
            if (-ADJUST_LIMIT <= after <= ADJUST_LIMIT or bounded(
                    errors, after, ADJUST_LIMIT, paths["delta"])) and running is not None:
                running[id(level)] = after
        document = ch.ledger_document_uri
        if documented or document is not None:
            ledger_document(errors, name, document, paths["ledgerDocumentUri"])
        if level is not None:
            levels.append(level)
            # Step 4, noted in this pass and reported only if steps 1-3 found nothing.
            expected = ch.change_from_quantity
            if (expected is not None and expected is not ABSENT and name_ok
                    and level.q[index] != expected):
                stale.append(i)
    if len(changes) > 1 and len({ch.ledger_document_uri for ch in changes}) > 1:
        errors.add(C.MAX_ONE_LEDGER_DOCUMENT, ("input", "changes"))
    if errors.items:
        return errors.items, levels
    for i in stale:
        errors.add(C.CHANGE_FROM_QUANTITY_STALE, _PATHS(i)["changeFromQuantity"])
    return errors.items, levels


def run(engine: Engine, cmd: Adjust, now: datetime, era: Era) -> Result:
    """Check, then apply ``cmd`` to the engine's state: all of it or, on any error, nothing."""
    state = engine._state
    errors, levels = check(cmd, state, era)
    if errors:
        return Result(operation=ADJUST, user_errors=tuple(errors))
    reserve_group_number(engine)
    # From here on the mutation must succeed.
    index = INDEX[cmd.name]
    named: list[Row] = []
    companions: list[Row] = []
    for ch, target in zip(cmd.changes, levels, strict=True):
        level = materialize(state, target, now)
        if ch.delta:
            apply_delta(state, level, index, ch.delta, now, ch.ledger_document_uri, named,
                        companions)
    named += companions  # the named rows, then their on_hand rows (semantics §6)
    return record(engine, ADJUST, cmd.reason, cmd.reference_document_uri, named, now)
