"""``inventoryBulkToggleActivation``: stock / unstock one item at several locations, all or
nothing (core layer).

Shopify documents the codes, not how they combine; the choices ([ours]):

* What it checks, in this order; every error is collected: ``INVENTORY_ITEM_NOT_FOUND`` at
  ``["inventoryItemId"]`` first, then each update by index, at ``["inventoryItemUpdates",
  "<i>", "locationId"]``: ``LOCATION_NOT_FOUND``; else, for a deactivation of an *active*
  level, ``COMMITTED_INVENTORY_AT_LOCATION`` (committed is not zero), then
  ``INCOMING_INVENTORY_AT_LOCATION`` (incoming is not zero), then
  ``CANNOT_DEACTIVATE_FROM_ONLY_LOCATION``. An unknown item gets no per-update errors but
  ``LOCATION_NOT_FOUND``.
* Updates apply in order, so for a location given twice the last one wins, and only
  deactivations of locations that end inactive are checked. The "only location" rule looks
  at the result: it is reported (at every update that deactivates an active level) only
  when the item would be left with no active level, so ``[deactivate A, activate B]`` moves
  the stocking from A to B.
* What it writes: activation is inventoryActivate's without quantities: a new level with
  zeros, or the inactive level again, its quantities reset or kept by era (semantics §9).
  Deactivation clears or keeps quantities by era, like inventoryDeactivate; deactivating an
  inactive or absent level is a no-op.
* The quantity changes that makes (≤ 2026-01) are one ``correction`` group, not part of the
  payload, as for inventoryActivate. ``levels`` lists, in the order of first appearance, the
  levels of the locations whose last update activates them (already active ones included);
  any user error → item and levels ``None``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ledger.core.commands import BulkToggleActivation
from ledger.core.errors import BULK_TOGGLE, BulkToggleCode, UserError, bulk_toggle_error
from ledger.core.model import State
from ledger.core.mutations.writes import (
    ACTIVATION_REASON,
    Rows,
    record,
    reserve_group_number,
    restock,
)
from ledger.core.quantities import COMMITTED, INCOMING, STORED
from ledger.core.results import Result
from ledger.core.versions import Deactivation, Era, Reactivation

if TYPE_CHECKING:
    from ledger.core.engine import Engine


def check(cmd: BulkToggleActivation, state: State) -> tuple[list[UserError], dict[str, bool]]:
    """Validate the toggle; return its errors, or each known location's final activation."""
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
    return errors, final


def run(engine: Engine, cmd: BulkToggleActivation, now: datetime, era: Era) -> Result:
    """Check, then apply every update: all of them or, on any error, none."""
    state = engine._state
    errors, final = check(cmd, state)
    if errors:  # an unknown item is always one
        return Result(operation=BULK_TOGGLE, user_errors=tuple(errors))
    zeroing = (era.deactivation is Deactivation.CLEARS
               or era.reactivation is Reactivation.RESETS)
    if zeroing:
        reserve_group_number(engine)  # spent only if a quantity changes
    # From here on the mutation must succeed.
    rows: Rows = ([], [])
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
                restock(state, level, [0] * len(STORED), now, rows)
    group = None
    if zeroing:
        group = record(engine, BULK_TOGGLE, ACTIVATION_REASON, None, rows[0] + rows[1],
                       now).group
    item = state.items[cmd.item_id]
    views = tuple(engine._view(item.levels[loc]) for loc, on in final.items() if on)
    return Result(operation=BULK_TOGGLE, item_id=cmd.item_id, levels=views, group=group)
