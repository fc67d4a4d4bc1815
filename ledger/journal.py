"""The audit trail: adjustment groups in the order they were made, with ordered indices.

Every index maps a key (an item, a location or a quantity name) to a ``SortedList`` of
``(timestamp, sequence)`` pairs, so a query for one key over a time range costs
``O(log n + k)`` for ``k`` matches, never a scan of the whole journal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Final

import attrs
from sortedcontainers import SortedList

from ledger.errors import InvariantError

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


@attrs.frozen(kw_only=True)
class AdjustmentGroup:
    """What one successful call changed: its id, time, reason, reference and rows."""

    id: str
    created_at: datetime
    reason: str
    reference_document_uri: str | None
    changes: tuple[QuantityChange, ...]
    app: None = None
    staff_member: None = None

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


def _ts(when: datetime) -> float:
    return when.timestamp()


def _touches(
    group: AdjustmentGroup, item_id: str | None, location_id: str | None, name: str | None
) -> bool:
    """Tell whether one row of ``group`` matches every key given.

    Row-level on purpose: asking for an item at a location means that level's history, not
    any group that touched the item somewhere and the location for another item.
    """
    return any(
        (item_id is None or c.item_id == item_id)
        and (location_id is None or c.location_id == location_id)
        and (name is None or c.name == name)
        for c in group.changes
    )


class Journal:
    """Append-only list of adjustment groups with ordered indices by time, item, location, name."""

    def __init__(self) -> None:
        self._groups: list[AdjustmentGroup] = []
        self._by_id: dict[str, int] = {}
        self._by_time: SortedList = SortedList()
        self._by_key: dict[tuple[str, str], SortedList] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self) -> Iterator[AdjustmentGroup]:
        return iter(self._groups)

    def __getitem__(self, index: int) -> AdjustmentGroup:
        return self._groups[index]

    def get(self, group_id: str) -> AdjustmentGroup | None:
        """Return the group with id ``group_id``, if any. O(1)."""
        seq = self._by_id.get(group_id)
        return self._groups[seq] if seq is not None else None

    def append(self, group: AdjustmentGroup) -> None:
        """Record ``group`` as the newest entry and index it. O(r log n) for r rows."""
        seq = len(self._groups)
        if group.id in self._by_id:
            raise InvariantError(f"adjustment group id {group.id!r} used twice")
        self._groups.append(group)
        self._by_id[group.id] = seq
        entry = (_ts(group.created_at), seq)
        self._by_time.add(entry)
        keys = set()
        for c in group.changes:
            keys.add(("item", c.item_id))
            keys.add(("location", c.location_id))
            keys.add(("name", c.name))
        for key in keys:
            index = self._by_key.get(key)
            if index is None:
                index = self._by_key[key] = SortedList()
            index.add(entry)

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
        per group, so the cost is ``O(log n + k)`` in the size ``k`` of that index's range.
        """
        candidates: list[SortedList] = []
        for kind, value in (("item", item_id), ("location", location_id), ("name", name)):
            if value is not None:
                index = self._by_key.get((kind, value))
                if index is None:
                    return []
                candidates.append(index)
        base = min(candidates, key=len) if candidates else self._by_time
        lo = (_ts(since), -1) if since is not None else None
        hi = (_ts(until), -1) if until is not None else None
        out = []
        for _, seq in base.irange(lo, hi, inclusive=(True, False)):
            group = self._groups[seq]
            if _touches(group, item_id, location_id, name):
                out.append(group)
        return out

    def _check(self) -> None:
        """Assert that the indices agree with the list of groups."""
        if len(self._by_time) != len(self._groups):
            raise InvariantError("time index and journal differ in length")
        if self._by_id != {g.id: seq for seq, g in enumerate(self._groups)}:
            raise InvariantError("the id index disagrees with the groups")
        expected: dict[tuple[str, str], set[int]] = {}
        for seq, group in enumerate(self._groups):
            if not group.changes:
                raise InvariantError(f"group {group.id} has no rows")
            for c in group.changes:
                for key in (("item", c.item_id), ("location", c.location_id), ("name", c.name)):
                    expected.setdefault(key, set()).add(seq)
        actual = {k: {seq for _, seq in v} for k, v in self._by_key.items()}
        if actual != expected:
            raise InvariantError("journal key indices disagree with the groups")
