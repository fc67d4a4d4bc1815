"""The engine's internal invariants, checked by ``Engine._check`` (core layer).

Tests call ``_check`` after every step (``ledger.store.verify`` after a replay); a broken
invariant is a bug in ``ledger``, never a user's mistake, and raises ``InvariantError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.core.errors import InvariantError
from ledger.core.quantities import STORED

if TYPE_CHECKING:
    from ledger.core.engine import Engine


def check(engine: Engine) -> None:
    """Raise ``InvariantError`` naming the first invariant of ``engine`` found broken.

    Checks that every level is indexed under its item and found by its id (odd ids too), that
    item active counts agree with the levels, that every level's location exists and its
    quantities are ints, that the journal's indices agree with it, and that the
    idempotency store holds only live keys.
    """
    state = engine._state
    for item_id, item in state.items.items():
        if item.id != item_id:
            raise InvariantError(f"item {item_id!r} stored under another id")
        active = 0
        for location_id, level in item.levels.items():
            if level.item_id != item_id or level.location_id != location_id:
                raise InvariantError(f"level {level.id!r} indexed under the wrong key")
            if location_id not in state.locations:
                raise InvariantError(f"level {level.id!r} names an unknown location")
            if state.level_with_id(level.id) is not level:
                raise InvariantError(f"level {level.id!r} is not found by its id")
            if isinstance(level.ref, str) and state.odd_ids.get(level.ref) != item_id:
                raise InvariantError(f"level {level.id!r} is missing from the odd ids")
            if len(level.q) != len(STORED) or not all(type(v) is int for v in level.q):
                raise InvariantError(f"level {level.id!r} holds malformed quantities")
            active += level.active
        if active != item.active_levels:
            raise InvariantError(
                f"item {item_id!r} counts {item.active_levels} active levels, not {active}"
            )
    for level_id, item_id in state.odd_ids.items():
        found = state.level_with_id(level_id)
        if found is None or found.item_id != item_id:
            raise InvariantError(f"odd level id {level_id!r} names no level of {item_id!r}")
    engine._journal._check()
    if engine._last_now is not None:
        engine._keys._check(engine._last_now)
