"""``inventoryActivate``: stock an item at a location, or reactivate its level (semantics §9;
core layer).

Its errors have a ``field`` and a ``message`` but no ``code`` (§9). What it checks, in this
order:

1. the item (at ``inventoryItemId``), then the location (at ``locationId``) exist; if
   either does not, nothing else is checked and no level is returned;
2. ``available`` and ``onHand`` are not both given (an error at each of them), then each
   given one is within ±1,000,000,000;
3. only if nothing above failed, on a level already active: no ``onHand``, then no
   ``available`` (the refused call returns the level, unchanged).

What it writes: a new active level with zeros, or the inactive level active again, its
quantities reset to zero (≤ 2026-01) or kept (from 2026-04); then ``available`` (directly,
or through ``onHand``) is seeded as inventorySetQuantities would. Those quantity changes
are one ``correction`` group, not part of the payload ([ours], §9).
``stockAtLegacyLocation`` has no effect.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ledger.core.commands import Activate
from ledger.core.errors import ACTIVATE, UserError
from ledger.core.model import Level, State
from ledger.core.mutations.writes import (
    ACTIVATION_REASON,
    Rows,
    record,
    reserve_group_number,
    restock,
)
from ledger.core.quantities import AVAILABLE, SET_LIMIT, STORED, on_hand
from ledger.core.results import Result
from ledger.core.versions import Era, Reactivation

if TYPE_CHECKING:
    from ledger.core.engine import Engine


def check(cmd: Activate, state: State) -> tuple[list[UserError], Level | None]:
    """Validate ``inventoryActivate``; return its errors and the level there, if any."""
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
        return errors, None
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
    return errors, level


def run(engine: Engine, cmd: Activate, now: datetime, era: Era) -> Result:
    """Check, then stock: all of it or, on any error, nothing."""
    state = engine._state
    errors, level = check(cmd, state)
    if errors:
        view = engine._view(level) if level is not None and level.active else None
        return Result(operation=ACTIVATE, user_errors=tuple(errors), level=view)
    reserve_group_number(engine)
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
    rows: Rows = ([], [])
    restock(state, level, target, now, rows)
    group = record(engine, ACTIVATE, ACTIVATION_REASON, None, rows[0] + rows[1], now).group
    return Result(operation=ACTIVATE, level=engine._view(level), group=group)
