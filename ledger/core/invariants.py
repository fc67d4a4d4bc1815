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

    Checks that every level is indexed under its item and its id and nowhere else, that
    item active counts agree with the levels, that every level's location exists and its
    quantities are ints, that the journal's indices agree with it, and that the
    idempotency store holds only live keys.
    """
    state = engine._state
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
    engine._journal._check()
    if engine._last_now is not None:
        engine._keys._check(engine._last_now)
