"""The writes the mutations share, each written once (core layer).

A mutation calls these only once its checks have passed and ``reserve_group_number`` has
drawn the number of the group it may make: from there on nothing may fail. ``record`` and
``reserve_group_number`` reach into ``Engine``'s journal and group numbering on purpose:
they are the engine's own writes, kept here beside the mutations that make them.

The rows of a group follow semantics §6: every named row in input order, then every
``on_hand`` companion row (``ledgerDocumentUri`` null) in input order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from ledger.core.errors import InvariantError, LedgerError
from ledger.core.journal import GROUP_PREFIX, group_of
from ledger.core.model import Level, State
from ledger.core.mutations.checks import AbsentLevel, Target
from ledger.core.quantities import INCOMING, STORED, on_hand
from ledger.core.results import Result
from ledger.core.values import maker

if TYPE_CHECKING:
    from ledger.core.engine import Engine

#: The engine's own values, built from checked data (``ledger.core.values``): fields in order.
_result: Final = maker(Result)
_SECOND: Final = timedelta(seconds=1)
#: Reason recorded when stocking changes a quantity ([ours]: Shopify does not say; §9).
ACTIVATION_REASON: Final = "correction"
#: One row of a group as plain values, in ``QuantityChange``'s field order (name, delta,
#: quantity after, ledger document, item, location, location name): the journal keeps a
#: group's rows flat and builds ``QuantityChange`` values only when they are read.
Row = tuple[str, int, int, str | None, str, str, str]
#: The named rows and the on_hand companion rows of one call, kept apart until ``record``.
Rows = tuple[list[Row], list[Row]]


def reserve_group_number(engine: Engine) -> None:
    """Draw the next group number before any write, so a failing generator loses nothing.

    The number stays reserved until a group uses it: a no-op does not spend it.
    """
    if engine._reserved_group_number is None:
        try:
            engine._reserved_group_number = next(engine._group_ids)
        except StopIteration:
            raise LedgerError("the group_ids generator is exhausted") from None


def materialize(state: State, level: Target, now: datetime) -> Level:
    """Return the level a change writes: its own copy, or a new one where none was.

    A level created by a quantity mutation (2026-10 on) is inactive, with all quantities
    zero and a new id (semantics §13, inactive [ours]).
    """
    if isinstance(level, AbsentLevel):
        existing = state.level(level.item_id, level.location_id)
        if existing is not None:  # created by an earlier change of this very call
            return state.own(existing)
        return state.new_level(level.item_id, level.location_id, now, active=False)
    return state.own(level)


def apply_delta(
    state: State,
    level: Level,
    index: int,
    delta: int,
    now: datetime,
    document: str | None,
    named: list[Row],
    companions: list[Row] | None,
) -> None:
    """Add ``delta`` to one stored quantity and write its row.

    Unless ``companions`` is ``None``, also write the on_hand companion row that every
    name but ``incoming`` brings (semantics §6).
    """
    values = list(level.q)
    values[index] += delta
    q = level.q = tuple(values)  # replaced, never edited: other levels may share the tuple
    level.touch(index, now)
    item_id, location_id = level.item_id, level.location_id
    location = state.locations.get(location_id)  # get: a builtin call, [] a Python one
    assert location is not None  # noqa: S101 - a level's location always exists
    location_name = location.name
    named.append((STORED[index], delta, q[index], document, item_id, location_id,
                  location_name))
    if companions is not None and index != INCOMING:
        companions.append(("on_hand", delta, on_hand(q), None, item_id, location_id,
                           location_name))


def apply_move(
    state: State,
    level: Level,
    source: int,
    target: int,
    quantity: int,
    now: datetime,
    documents: tuple[str | None, str | None],
    named: list[Row],
) -> None:
    """Move ``quantity`` from stored quantity ``source`` to ``target`` of one level.

    What ``apply_delta`` of ``-quantity`` at ``source`` then of ``quantity`` at ``target``
    writes (two named rows, each with the value after its own step, and no on_hand row:
    the caller knows whether on_hand moves), with one copy of the quantities and times
    instead of two. ``documents``: the ledger documents of the two rows.
    """
    values = list(level.q)
    values[source] -= quantity
    source_after = values[source]
    values[target] += quantity
    level.q = tuple(values)  # replaced, never edited: other levels may share the tuple
    level.touch(source, now, target)
    item_id, location_id = level.item_id, level.location_id
    location = state.locations.get(location_id)  # get: a builtin call, [] a Python one
    assert location is not None  # noqa: S101 - a level's location always exists
    location_name = location.name
    named.append((STORED[source], -quantity, source_after, documents[0], item_id,
                  location_id, location_name))
    named.append((STORED[target], quantity, values[target], documents[1], item_id,
                  location_id, location_name))


def row(
    state: State, level: Level, name: str, delta: int, after: int, document: str | None
) -> Row:
    """Return the journal row of a change of ``delta`` to quantity ``name`` of ``level``."""
    return (name, delta, after, document, level.item_id, level.location_id,
            state.locations[level.location_id].name)


def restock(state: State, level: Level, target: Sequence[int], now: datetime,
            rows: Rows) -> None:
    """Set ``level``'s stored quantities to ``target``, writing the rows that explain it.

    Stocking's own quantity changes (a seed, a reset, a clear; semantics §9) are rows of
    one ``correction`` group per call: per level, a named row per stored quantity that
    changes, in stored order, with the on_hand companions after every named row of the
    call ([ours]: §6's layout; zero deltas give no row).
    """
    named, companions = rows
    for index, value in enumerate(target):
        delta = value - level.q[index]
        if delta:
            apply_delta(state, level, index, delta, now, None, named, companions)


@functools.cache  # a handful of keys: one per mutation and event kind
def _no_op(operation: str) -> Result:
    """The result of a call of ``operation`` that changed nothing: one value per operation.

    A frozen value, equal to ``Result(operation=operation)``; built once, as a run of
    cycle counts that find every level as it was makes one per call.
    """
    return Result(operation=operation)


def _second_end(engine: Engine, last: datetime) -> datetime:
    """The end of the whole second that the newest group's time ``last`` falls in (cached)."""
    start, end = engine._group_second
    if start is not last:
        end = last.replace(microsecond=0) + _SECOND
        engine._group_second = (last, end)
    return end


def record(
    engine: Engine,
    operation: str,
    reason: str,
    reference: str | None,
    rows: list[Row],
    now: datetime,
) -> Result:
    """Journal the rows as one adjustment group; no rows means a no-op and no group."""
    if not rows:
        return _no_op(operation)
    number, engine._reserved_group_number = engine._reserved_group_number, None
    if number is None:
        raise InvariantError("a group was recorded without a reserved group number")
    # Groups are stamped to the second; a whole-second time, or the previous group's, is
    # kept as it is rather than copied (one datetime less per group held by the window).
    last = engine._last_group_at
    if last is not None and last <= now < _second_end(engine, last):
        created = last  # the same second as the previous group (no datetime made)
    else:
        created = now if now.microsecond == 0 else now.replace(microsecond=0)
        if created == last:
            created = last
    engine._last_group_at = created
    values: list[Any] = [f"{GROUP_PREFIX}{number}", created, reason, reference]
    for one in rows:  # about twice as fast as extending by itertools.chain
        values += one
    flat = tuple(values)
    group = group_of(flat)
    if engine._keep_journal:
        engine._journal.append_flat(flat)
    return _result(operation, group, (), None, None, None, None, False)
