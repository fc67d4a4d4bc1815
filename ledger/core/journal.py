"""The audit trail: adjustment groups in the order they were made, with ordered indices.

Every index maps a key (an item, a location or a quantity name) to a sorted list of
``(timestamp, sequence)`` pairs, so a query for one key over a time range costs
``O(log n + k)`` for ``k`` matches, never a scan of the whole journal. A further index per
(item, location, quantity name) answers "what was this quantity at instant t" in
``O(log n)`` (time travel).

Forks share history: the journal is a chain of segments, the older ones frozen and shared,
the newest private. ``fork`` costs O(1); segments are merged (like ``model.Layers``) when a
newer one grows to half the size of the one before it, so a chain stays about log2(n) long.

Each group is kept as one flat tuple of plain values (``flatten``) and handed out as an
``AdjustmentGroup`` (an equal one, made afresh, ``group_of``) when read; the engine records
a group from its flat tuple too, so the rows become ``QuantityChange`` values only for a
caller that reads them. Issue 14's profile: the cyclic
collector, walking every group, row and tuple a long run kept, was a fifth of a call (6.2
of 31 µs, timed through ``gc.callbacks``); a tuple of strings, ints, ``None`` and a
datetime is one object it stops tracking, in about half the bytes of the group's own
objects.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

import attrs

from ledger.core.errors import InvariantError
from ledger.core.model import Layers
from ledger.core.values import maker

GROUP_PREFIX: Final = "gid://shopify/InventoryAdjustmentGroup/"


@attrs.frozen(kw_only=True)
class QuantityChange:
    """One row of an adjustment group: a delta to one quantity name of one level."""

    name: str
    delta: int
    #: The quantity right after this row was applied (Shopify reports ``null``; opt in to see it).
    quantity_after_change: int
    ledger_document_uri: str | None
    item_id: str
    location_id: str
    location_name: str


#: A group as the journal keeps it: its id, time, reason and reference, then the seven
#: fields of each row in turn (``QuantityChange``'s field order). ``Flat`` in
#: ``ledger.core.idempotency`` too, where a key keeps a group no journal holds.
Flat = tuple[Any, ...]
#: Where a flat group's rows start, and how many values each row takes.
_HEAD: Final = 4
_ROW: Final = 7
_NAME, _DELTA, _AFTER, _ITEM, _LOCATION = 0, 1, 2, 4, 5


@attrs.frozen(kw_only=True)
class AdjustmentGroup:
    """What one successful call changed: its id, time, reason, reference and rows.

    A group the engine records or the journal hands out is made from its flat tuple
    (``group_of``) and builds ``changes`` from it when first read: most callers never look
    at the rows, and a ``QuantityChange`` costs ~0.45 µs (issue 14: two per change of an
    adjust, a tenth of a 250-change call). The group is equal, hashed and printed the same
    either way; ``_flat`` is not part of its value.
    """

    id: str
    created_at: datetime
    reason: str
    reference_document_uri: str | None
    changes: tuple[QuantityChange, ...]
    app: None = None
    staff_member: None = None
    _flat: Flat | None = attrs.field(default=None, init=False, eq=False, order=False,
                                     hash=False, repr=False)

    def rows(
        self,
        *,
        item_ids: Iterable[str] | None = None,
        location_ids: Iterable[str] | None = None,
        quantity_names: Iterable[str] | None = None,
    ) -> tuple[QuantityChange, ...]:
        """Return the rows matching every filter given (Shopify's ``changes(...)`` arguments)."""
        items = frozenset(item_ids) if item_ids is not None else None
        locations = frozenset(location_ids) if location_ids is not None else None
        names = frozenset(quantity_names) if quantity_names is not None else None
        return tuple(
            c
            for c in self.changes
            if (items is None or c.item_id in items)
            and (locations is None or c.location_id in locations)
            and (names is None or c.name in names)
        )


_make_row: Final = maker(QuantityChange)


class _OverSlot:
    """A data descriptor over a slot attrs made: reads find the slot, or ``_unset`` says.

    In place of a ``__getattr__`` fallback: a class with ``__getattr__`` has every
    attribute read take CPython's slow hook (22.6 ns against 7.2 ns a read, measured on
    ``group.id``), where this costs only reads that find the slot empty.
    """

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, group: AdjustmentGroup | None, owner: type | None = None) -> Any:
        slot = self._slot
        if group is None:
            return slot  # on the class: the slot itself, as attrs and its callers expect
        try:
            return slot.__get__(group, owner)
        except AttributeError:
            return self._unset(group)

    def _unset(self, group: AdjustmentGroup) -> Any:
        raise NotImplementedError

    def __set__(self, group: AdjustmentGroup, value: Any) -> None:
        self._slot.__set__(group, value)

    def __delete__(self, group: AdjustmentGroup) -> None:
        self._slot.__delete__(group)


class _LazyChanges(_OverSlot):
    """``AdjustmentGroup.changes``: its slot, filled from ``_flat`` on the first read."""

    __slots__ = ()

    def _unset(self, group: AdjustmentGroup) -> Any:
        flat = group._flat
        if flat is None:
            # Neither rows nor a flat tuple: what reading the empty slot itself raises.
            raise AttributeError("'AdjustmentGroup' object has no attribute 'changes'") from None
        rows = tuple(_make_row(*flat[r:r + _ROW]) for r in _rows(flat))
        self._slot.__set__(group, rows)
        return rows


class _NoneUntilSet(_OverSlot):
    """``AdjustmentGroup.app`` and ``.staff_member``: their slots, read as ``None`` while unset.

    Both are always ``None`` here (their type says so), and ``group_of`` leaves them unset:
    a frozen slot costs ~700 instructions to set, two of a group's seven, and nothing on the
    hot path reads them (issue 14). attrs' ``__init__`` still sets them, so either way the
    group is equal, hashed, printed and pickled the same.
    """

    __slots__ = ()

    def _unset(self, group: AdjustmentGroup) -> None:
        return None


_changes_slot: Final = AdjustmentGroup.__dict__["changes"]
AdjustmentGroup.changes = _LazyChanges(_changes_slot)  # type: ignore[assignment]  # see _LazyChanges
AdjustmentGroup.app = _NoneUntilSet(AdjustmentGroup.__dict__["app"])  # type: ignore[assignment]  # see _NoneUntilSet
AdjustmentGroup.staff_member = _NoneUntilSet(  # type: ignore[assignment]  # see _NoneUntilSet
    AdjustmentGroup.__dict__["staff_member"])
_group_slots: Final = tuple(getattr(AdjustmentGroup, name).__set__ for name in (
    "id", "created_at", "reason", "reference_document_uri", "_flat"))


def group_of(flat: Flat) -> AdjustmentGroup:
    """Return the group a flat tuple holds; its ``changes`` are built on first read.

    ``app`` and ``staff_member`` are left unset: they read as ``None`` (``_NoneUntilSet``).
    """
    group = object.__new__(AdjustmentGroup)
    set_id, set_at, set_reason, set_reference, set_flat = _group_slots
    set_id(group, flat[0])
    set_at(group, flat[1])
    set_reason(group, flat[2])
    set_reference(group, flat[3])
    set_flat(group, flat)
    return group


def flatten(group: AdjustmentGroup) -> Flat:
    """Return ``group`` as one flat tuple of plain values (the one it was made of, if so)."""
    flat = group._flat
    if flat is not None:
        return flat
    values: list[Any] = [group.id, group.created_at, group.reason,
                         group.reference_document_uri]
    for c in group.changes:
        values += (c.name, c.delta, c.quantity_after_change, c.ledger_document_uri,
                   c.item_id, c.location_id, c.location_name)
    return tuple(values)


def unflatten(flat: Flat) -> AdjustmentGroup:
    """Return the group a flat tuple was made of (an equal one, made afresh: ``group_of``)."""
    return group_of(flat)


def flat_rows(group: AdjustmentGroup) -> Iterator[tuple[Any, ...]]:
    """Yield each row of ``group`` as its seven plain values (``QuantityChange``'s order).

    For a reader that wants the values, not the objects (the Shopify codec's rendering).
    """
    flat = flatten(group)
    for r in range(_HEAD, len(flat), _ROW):
        yield flat[r:r + _ROW]


def _rows(flat: Flat) -> range:
    """The offsets of a flat group's rows."""
    return range(_HEAD, len(flat), _ROW)


@attrs.frozen(kw_only=True)
class HistoryRow:
    """One quantity change with the group it belongs to: a line of a level's history."""

    at: datetime
    group_id: str
    reason: str
    reference_document_uri: str | None
    item_id: str
    location_id: str
    name: str
    delta: int
    quantity_after_change: int
    ledger_document_uri: str | None

    def to_json(self) -> dict[str, object]:
        """Return the row as a JSON object (camelCase keys, time in ISO 8601)."""
        return {
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "groupId": self.group_id,
            "reason": self.reason,
            "referenceDocumentUri": self.reference_document_uri,
            "inventoryItemId": self.item_id,
            "locationId": self.location_id,
            "name": self.name,
            "delta": self.delta,
            "quantityAfterChange": self.quantity_after_change,
            "ledgerDocumentUri": self.ledger_document_uri,
        }


def _ts(when: datetime) -> float:
    return when.timestamp()


def _touches(
    flat: Flat, item_id: str | None, location_id: str | None, name: str | None
) -> bool:
    """Tell whether one row of the flat group matches every key given.

    Row-level on purpose: asking for an item at a location means that level's history, not
    any group that touched the item somewhere and the location for another item.
    """
    return any(
        (item_id is None or flat[r + _ITEM] == item_id)
        and (location_id is None or flat[r + _LOCATION] == location_id)
        and (name is None or flat[r + _NAME] == name)
        for r in _rows(flat)
    )


#: An as-of index entry: (timestamp, sequence, row index in the group).
_Point = tuple[float, int, int]


class _Index(list[Any]):
    """A sorted list that appends in O(1): journal entries arrive in time order (§14).

    The engine stamps a call whose clock went back with the newest group's time, so every
    entry sorts last; reads bisect. This costs a fraction of a ``SortedList.add`` per entry
    on the hot path of every call.
    """

    __slots__ = ()

    def add(self, entry: Any) -> None:
        """Append ``entry``, which must sort last."""
        if self and entry < self[-1]:
            raise InvariantError("a journal entry out of time order")
        self.append(entry)

    def bisect_right(self, entry: Any) -> int:
        """Return the index after every item ``<= entry``."""
        return bisect.bisect_right(self, entry)

    def irange(self, lo: Any, hi: Any, inclusive: tuple[bool, bool] = (True, True)) -> Any:
        """Return the items from ``lo`` to ``hi`` (``None``: unbounded), in order."""
        start = 0 if lo is None else (
            bisect.bisect_left(self, lo) if inclusive[0] else bisect.bisect_right(self, lo))
        stop = len(self) if hi is None else (
            bisect.bisect_right(self, hi) if inclusive[1] else bisect.bisect_left(self, hi))
        return itertools.islice(self, start, stop)

    @classmethod
    def merged(cls, first: Iterable[Any], second: Iterable[Any]) -> _Index:
        """Return a new index holding both, in order."""
        return cls(heapq.merge(first, second))


class _Segment:
    """A run of consecutive groups with its own indices; frozen once a fork shares it.

    Appending a group only lists it; the indices catch up with the list on the first read
    that needs them (``indexed``), in one pass over the groups appended since. Each group
    is indexed once, so reads stay ``O(log n)`` amortised and a call pays no index work.
    A segment is caught up before a fork shares it, so shared segments are never written.
    """

    __slots__ = ("_by_key", "_by_level", "_by_time", "groups", "indexed_upto", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        #: The groups, flat (``flatten``).
        self.groups: list[Flat] = []
        #: How many of ``groups`` the indices hold (a prefix).
        self.indexed_upto = 0
        self._by_time = _Index()
        self._by_key: dict[tuple[str, str], _Index] = {}
        self._by_level: dict[tuple[str, str, str], _Index] = {}

    @property
    def by_time(self) -> _Index:
        """The ``(timestamp, sequence)`` of every group, in order."""
        self.catch_up()
        return self._by_time

    @property
    def by_key(self) -> dict[tuple[str, str], _Index]:
        """Per ("item" | "location" | "name", value): the groups with a row for it."""
        self.catch_up()
        return self._by_key

    @property
    def by_level(self) -> dict[tuple[str, str, str], _Index]:
        """Per (item, location, name): the ``(timestamp, sequence, row)`` of its rows."""
        self.catch_up()
        return self._by_level

    def add(self, flat: Flat) -> None:
        """Append one group, flat; it must not be older than the newest one."""
        groups = self.groups
        if groups and flat[1] < groups[-1][1]:
            raise InvariantError("a journal entry out of time order")
        groups.append(flat)

    def catch_up(self) -> None:
        """Index every group appended since the last read (one pass, in order)."""
        groups = self.groups
        if self.indexed_upto == len(groups):
            return
        by_time, by_key, by_level = self._by_time, self._by_key, self._by_level
        for offset in range(self.indexed_upto, len(groups)):
            flat = groups[offset]
            seq = self.start + offset
            entry = (_ts(flat[1]), seq)
            by_time.add(entry)
            keys = set()
            for row, r in enumerate(_rows(flat)):
                item_id, location_id, name = flat[r + _ITEM], flat[r + _LOCATION], flat[r + _NAME]
                keys.add(("item", item_id))
                keys.add(("location", location_id))
                keys.add(("name", name))
                level_key = (item_id, location_id, name)
                point = by_level.get(level_key)
                if point is None:
                    point = by_level[level_key] = _Index()
                point.add((entry[0], seq, row))
            for key in keys:
                index = by_key.get(key)
                if index is None:
                    index = by_key[key] = _Index()
                index.add(entry)
        self.indexed_upto = len(groups)

    def group(self, seq: int) -> AdjustmentGroup:
        return unflatten(self.groups[seq - self.start])

    def flat(self, seq: int) -> Flat:
        return self.groups[seq - self.start]

    @staticmethod
    def merged(older: _Segment, newer: _Segment) -> _Segment:
        """Return one segment holding both (neither is changed: forks may share them)."""
        out = _Segment(older.start)
        out.groups = older.groups + newer.groups
        out._by_time = _Index.merged(older.by_time, newer.by_time)
        for attr in ("by_key", "by_level"):
            mine: dict[object, _Index] = getattr(out, "_" + attr)
            for source in (older, newer):
                for key, index in getattr(source, attr).items():
                    if key in mine:
                        mine[key] = _Index.merged(mine[key], index)
                    else:
                        mine[key] = _Index(index)
        out.indexed_upto = len(out.groups)
        return out


class Journal:
    """Append-only list of adjustment groups with ordered indices by time, item, location, name."""

    def __init__(self) -> None:
        #: Oldest first; all but the last are frozen (shared with forks).
        self._segments: list[_Segment] = [_Segment(0)]
        self._by_id: Layers[str, int] = Layers()

    def __len__(self) -> int:
        top = self._segments[-1]
        return top.start + len(top.groups)

    def __iter__(self) -> Iterator[AdjustmentGroup]:
        for segment in self._segments:
            for flat in segment.groups:
                yield unflatten(flat)

    def __contains__(self, group_id: object) -> bool:
        return isinstance(group_id, str) and self._by_id.get(group_id) is not None

    def __getitem__(self, index: int) -> AdjustmentGroup:
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("journal index out of range")
        return self._segment_of(index).group(index)

    def _segment_of(self, seq: int) -> _Segment:
        segments = self._segments
        if len(segments) == 1:
            return segments[0]
        starts = [s.start for s in segments]
        return segments[bisect.bisect_right(starts, seq) - 1]

    def get(self, group_id: str) -> AdjustmentGroup | None:
        """Return the group with id ``group_id``, if any. O(1) until forks, O(log n) after."""
        seq = self._by_id.get(group_id)
        return self._segment_of(seq).group(seq) if seq is not None else None

    def append(self, group: AdjustmentGroup) -> None:
        """Record ``group`` as the newest entry; O(1) (indexed on the next read that needs it)."""
        self.append_flat(flatten(group))

    def append_flat(self, flat: Flat) -> None:
        """``append`` for a group as its flat tuple (``group_of(flat)``), as the engine has it."""
        top = self._segments[-1]
        by_id, group_id = self._by_id, flat[0]
        # ``get`` and ``top``: builtin calls, where ``Layers``' dunders are Python ones.
        if by_id.get(group_id) is not None:
            raise InvariantError(f"adjustment group id {group_id!r} used twice")
        top.add(flat)
        by_id.top[group_id] = top.start + len(top.groups) - 1

    def fork(self) -> Journal:
        """Return an independent journal sharing this one's history; O(1) amortised."""
        top = self._segments[-1]
        if top.groups:
            top.catch_up()  # a shared segment is never written, not even by its indices
            segments = self._segments
            while len(segments) >= 2 and 2 * len(segments[-1].groups) >= len(segments[-2].groups):
                segments = [*segments[:-2], _Segment.merged(segments[-2], segments[-1])]
            segments.append(_Segment(len(self)))
            self._segments = segments
        child = Journal()
        child._segments = [*self._segments[:-1], _Segment(len(self))]
        child._by_id = self._by_id.fork()
        # The parent's newest segment was empty or is now frozen: give it a fresh one too.
        self._segments = [*self._segments[:-1], _Segment(len(self))]
        return child

    def query(
        self,
        *,
        item_id: str | None = None,
        location_id: str | None = None,
        name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AdjustmentGroup]:
        """Return groups with a row matching every given key, created in ``[since, until)``.

        Oldest first.

        The smallest matching index is walked over the time range and the rest are checked
        per group, so the cost is ``O(log n + k)`` in the size ``k`` of that index's range
        (per segment; a fork adds at most about log2(n) of them).
        """
        lo = (_ts(since), -1) if since is not None else None
        hi = (_ts(until), -1) if until is not None else None
        runs: list[list[tuple[float, int, AdjustmentGroup]]] = []
        for segment in self._segments:
            candidates: list[_Index] = []
            for kind, value in (("item", item_id), ("location", location_id), ("name", name)):
                if value is not None:
                    index = segment.by_key.get((kind, value))
                    if index is None:
                        break
                    candidates.append(index)
            else:
                base = min(candidates, key=len) if candidates else segment.by_time
                run = []
                for ts, seq in base.irange(lo, hi, inclusive=(True, False)):
                    flat = segment.flat(seq)
                    if _touches(flat, item_id, location_id, name):
                        run.append((ts, seq, unflatten(flat)))
                if run:
                    runs.append(run)
        # Segments follow each other in sequence and in time (§14).
        return [g for run in runs for _, _, g in run]

    def history(
        self,
        *,
        item_id: str | None = None,
        location_id: str | None = None,
        name: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[HistoryRow]:
        """Return every row matching the keys given, in groups created in ``[since, until)``.

        Oldest first, rows in their group's order. ``O(log n + k)`` like ``query``.
        """
        out = []
        for group in self.query(item_id=item_id, location_id=location_id, name=name,
                                since=since, until=until):
            for c in group.changes:
                if ((item_id is None or c.item_id == item_id)
                        and (location_id is None or c.location_id == location_id)
                        and (name is None or c.name == name)):
                    out.append(HistoryRow(
                        at=group.created_at, group_id=group.id, reason=group.reason,
                        reference_document_uri=group.reference_document_uri,
                        item_id=c.item_id, location_id=c.location_id, name=c.name,
                        delta=c.delta, quantity_after_change=c.quantity_after_change,
                        ledger_document_uri=c.ledger_document_uri,
                    ))
        return out

    def quantity_at(
        self, item_id: str, location_id: str, name: str, when: datetime
    ) -> int | None:
        """Return the quantity ``name`` of the level had at ``when``, from its rows alone.

        The value after the last row at or before ``when`` (groups are stamped to the
        second, as Shopify stamps ``createdAt``); before the first row, that row's value
        before it. ``None`` if no row ever touched it: it has never changed. ``O(log n)``:
        rows are in time order (§14).
        """
        key = (item_id, location_id, name)
        found = [p for s in self._segments if (p := s.by_level.get(key))]
        if not found:
            return None
        bound = (_ts(when), float("inf"), 0)
        best: _Point | None = None
        for points in found:
            i = points.bisect_right(bound)
            if i:
                best = points[i - 1]  # later segments hold later rows: the last one wins
        if best is not None:
            flat, r = self._row(best)
            return int(flat[r + _AFTER])
        flat, r = self._row(found[0][0])
        return int(flat[r + _AFTER] - flat[r + _DELTA])

    def _row(self, point: _Point) -> tuple[Flat, int]:
        """Return the flat group of an as-of point and where its row starts in it."""
        _, seq, row = point
        return self._segment_of(seq).flat(seq), _HEAD + row * _ROW

    def _check(self) -> None:
        """Assert that the indices agree with the list of groups."""
        groups = list(self)
        if [s.start for s in self._segments] != list(
            itertools.accumulate((len(s.groups) for s in self._segments[:-1]), initial=0)
        ):
            raise InvariantError("journal segments do not follow each other")
        if sum(len(s.by_time) for s in self._segments) != len(groups):
            raise InvariantError("time index and journal differ in length")
        if dict(self._by_id.items()) != {g.id: seq for seq, g in enumerate(groups)}:
            raise InvariantError("the id index disagrees with the groups")
        expected: dict[tuple[str, str], set[int]] = {}
        points: dict[tuple[str, str, str], set[tuple[int, int]]] = {}
        for seq, group in enumerate(groups):
            if not group.changes:
                raise InvariantError(f"group {group.id} has no rows")
            for row, c in enumerate(group.changes):
                for key in (("item", c.item_id), ("location", c.location_id), ("name", c.name)):
                    expected.setdefault(key, set()).add(seq)
                points.setdefault((c.item_id, c.location_id, c.name), set()).add((seq, row))
        actual: dict[tuple[str, str], set[int]] = {}
        actual_points: dict[tuple[str, str, str], set[tuple[int, int]]] = {}
        for segment in self._segments:
            for k, v in segment.by_key.items():
                actual.setdefault(k, set()).update(seq for _, seq in v)
            for lk, lv in segment.by_level.items():
                actual_points.setdefault(lk, set()).update((seq, row) for _, seq, row in lv)
        if actual != expected:
            raise InvariantError("journal key indices disagree with the groups")
        if actual_points != points:
            raise InvariantError("journal as-of index disagrees with the groups")
