"""``inventoryMoveQuantities``: move units between names at one location (semantics §7; core).

What it checks, in this order (semantics §10; every error is collected):

1. ``reason`` and ``referenceDocumentUri`` (§5);
2. each change by index: the item (INVALID_INVENTORY_ITEM, or NON_MUTABLE_INVENTORY_ITEM in
   place of the location checks), ``from.locationId`` then ``to.locationId``
   (INVALID_LOCATION), then DIFFERENT_LOCATIONS or, for one location, the level the era
   lets it touch at ``from.locationId`` (ITEM_NOT_STOCKED_AT_LOCATION; §3, §13); the
   ``from`` then ``to`` names (INVALID_QUANTITY_NAME), equal names (SAME_QUANTITY_NAME,
   whether or not they are valid), the quantity (INVALID_QUANTITY_NEGATIVE /
   INVALID_QUANTITY_TOO_HIGH), the ``from`` then ``to`` ledger documents (§5);
3. at most two distinct ledger documents in the call (MAXIMUM_LEDGER_DOCUMENT_URIS);
4. only if nothing above failed: each terminal's ``changeFromQuantity``, ``from`` then
   ``to``, against the quantity persisted before the call (CHANGE_FROM_QUANTITY_STALE).

What it writes: per change, ``from`` -q then ``to`` +q (each row with its own terminal's
ledger document); ``on_hand`` moves only when exactly one side is ``incoming``, as a
companion row after every named row. Zero moves nothing; no group if every change is zero.
From 2026-10 a change where the item has no level creates it, inactive (§13).

[ours]: move results are not bounded (Shopify's move enum has no TOO_LOW code), and a
``from`` quantity may go negative.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ledger.core.commands import ABSENT, Move, MoveTerminal
from ledger.core.errors import MOVE, UserError
from ledger.core.mutations.checks import (
    C,
    Errors,
    Levels,
    Path,
    Target,
    input_fields,
    ledger_document,
)
from ledger.core.mutations.writes import (
    Row,
    apply_move,
    materialize,
    record,
    reserve_group_number,
    row,
)
from ledger.core.quantities import ADJUST_LIMIT, ADJUSTABLE_SET, INDEX, on_hand
from ledger.core.results import Result
from ledger.core.versions import Era

if TYPE_CHECKING:
    from ledger.core.engine import Engine
    from ledger.core.model import State


def check(cmd: Move, state: State, era: Era) -> tuple[list[UserError], list[Target]]:
    """Validate ``inventoryMoveQuantities``; return its errors, or its levels in input order."""
    errors = Errors(MOVE)
    input_fields(errors, cmd.reason, cmd.reference_document_uri)
    found = Levels(era)
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
            from_known = state.locations.get(from_id) is not None
            to_known = state.locations.get(to_id) is not None
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
            ledger_document(
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


def _stale_terminal(errors: Errors, level: Target, terminal: MoveTerminal, base: Path) -> None:
    expected = terminal.change_from_quantity
    if (
        expected is not None
        and expected is not ABSENT
        and level.q[INDEX[terminal.name]] != expected
    ):
        errors.add(C.CHANGE_FROM_QUANTITY_STALE, (*base, "changeFromQuantity"))


def run(engine: Engine, cmd: Move, now: datetime, era: Era) -> Result:
    """Check, then apply ``cmd`` to the engine's state: all of it or, on any error, nothing."""
    state = engine._state
    errors, levels = check(cmd, state, era)
    if errors:
        return Result(operation=MOVE, user_errors=tuple(errors))
    reserve_group_number(engine)
    # From here on the mutation must succeed.
    named: list[Row] = []
    companions: list[Row] = []
    for ch, target in zip(cmd.changes, levels, strict=True):
        level = materialize(state, target, now)
        if not ch.quantity:
            continue
        source, dest = ch.from_, ch.to
        apply_move(state, level, INDEX[source.name], INDEX[dest.name], ch.quantity, now,
                   (source.ledger_document_uri, dest.ledger_document_uri), named)
        # on_hand moves only when exactly one side is incoming (semantics §7).
        if (source.name == "incoming") != (dest.name == "incoming"):
            delta = ch.quantity if source.name == "incoming" else -ch.quantity
            companions.append(row(state, level, "on_hand", delta, on_hand(level.q), None))
    named += companions  # the named rows, then their on_hand rows (semantics §6)
    return record(engine, MOVE, cmd.reason, cmd.reference_document_uri, named, now)
