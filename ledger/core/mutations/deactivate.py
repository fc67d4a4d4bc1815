"""``inventoryDeactivate``: unstock a level (semantics §9; core layer).

Its errors have ``field: null`` and no ``code`` (§9). What it checks, in this order:

1. the level exists; if not, the product (when the id's item is unknown, or the id names
   none) or else the location "was deleted";
2. an active level is not its item's last active one ("products need to be stocked at a
   minimum of 1 location").

What it writes: the level turns inactive (an inactive one stays so: a no-op). ≤ 2026-01
deactivating an active level also clears its stored quantities, as one ``correction``
group ([ours], §9); from 2026-04 they are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ledger.core.commands import Deactivate
from ledger.core.errors import DEACTIVATE, UserError
from ledger.core.model import Level, State, level_item_id
from ledger.core.mutations.writes import (
    ACTIVATION_REASON,
    Rows,
    record,
    reserve_group_number,
    restock,
)
from ledger.core.quantities import STORED
from ledger.core.results import Result
from ledger.core.versions import Deactivation, Era

if TYPE_CHECKING:
    from ledger.core.engine import Engine


def check(cmd: Deactivate, state: State) -> tuple[list[UserError], Level | None]:
    """Validate ``inventoryDeactivate``; return its errors, or the level."""
    level = state.level_with_id(cmd.level_id)
    if level is None:
        item_id = level_item_id(cmd.level_id)
        gone = "location" if item_id is not None and item_id in state.items else "product"
        return [UserError(
            field=None,
            message=f"The product couldn't be unstocked because the {gone} was deleted.",
        )], None
    if level.active and state.items[level.item_id].active_levels <= 1:
        name = state.locations[level.location_id].name
        return [UserError(
            field=None,
            message=f"The product couldn't be unstocked from {name} because products need "
            "to be stocked at a minimum of 1 location.",
        )], level
    return [], level


def run(engine: Engine, cmd: Deactivate, now: datetime, era: Era) -> Result:
    """Check, then unstock: all of it or, on any error, nothing."""
    state = engine._state
    errors, level = check(cmd, state)
    if errors or level is None:
        return Result(operation=DEACTIVATE, user_errors=tuple(errors))
    clears = level.active and era.deactivation is Deactivation.CLEARS
    if clears:
        reserve_group_number(engine)
    # From here on the mutation must succeed.
    level = state.set_active(level, False)
    if not clears:
        return Result(operation=DEACTIVATE)
    rows: Rows = ([], [])
    restock(state, state.own(level), [0] * len(STORED), now, rows)
    group = record(engine, DEACTIVATE, ACTIVATION_REASON, None, rows[0] + rows[1], now).group
    return Result(operation=DEACTIVATE, group=group)
