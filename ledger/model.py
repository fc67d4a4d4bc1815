"""Items, locations and inventory levels: the mutable state the engine owns.

Nothing outside ``ledger`` should mutate these objects; readers get frozen views
(``ledger.results.LevelView``) instead.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

import attrs

from ledger.quantities import STORED

ITEM_PREFIX: Final = "gid://shopify/InventoryItem/"
LOCATION_PREFIX: Final = "gid://shopify/Location/"
LEVEL_PREFIX: Final = "gid://shopify/InventoryLevel/"
DEFAULT_LOCATION_NAME: Final = "Shop location"

_ITEM_RE: Final = re.compile(r"gid://shopify/InventoryItem/([1-9][0-9]*)")
_LOCATION_RE: Final = re.compile(r"gid://shopify/Location/([1-9][0-9]*)")
_LEVEL_RE: Final = re.compile(r"gid://shopify/InventoryLevel/([1-9][0-9]*)(?:\?(.*))?")
_LEVEL_ITEM_PARAM: Final = re.compile(r"(?:^|&)inventory_item_id=([^&]*)")


def item_number(item_id: str) -> int | None:
    """Return the number of a well-formed inventory item gid, else ``None``."""
    m = _ITEM_RE.fullmatch(item_id)
    return int(m.group(1)) if m else None


def is_location_gid(location_id: str) -> bool:
    """Tell whether ``location_id`` is a well-formed location gid."""
    return _LOCATION_RE.fullmatch(location_id) is not None


def level_number(level_id: str) -> int | None:
    """Return the number of a well-formed inventory level gid, else ``None``."""
    m = _LEVEL_RE.fullmatch(level_id)
    return int(m.group(1)) if m else None


def level_item_id(level_id: str) -> str | None:
    """Return the item gid a level id names in its ``inventory_item_id`` parameter, if any."""
    m = _LEVEL_RE.fullmatch(level_id)
    if not m or m.group(2) is None:
        return None
    p = _LEVEL_ITEM_PARAM.search(m.group(2))
    return ITEM_PREFIX + p.group(1) if p and p.group(1) else None


def make_level_id(number: int, item_id: str) -> str:
    """Return a level id in Shopify's form: ``…/InventoryLevel/<n>?inventory_item_id=<item>``."""
    return f"{LEVEL_PREFIX}{number}?inventory_item_id={item_id[len(ITEM_PREFIX):]}"


@attrs.frozen(kw_only=True)
class Location:
    """A location: its gid and display name."""

    id: str
    name: str = DEFAULT_LOCATION_NAME


class Level:
    """One inventory level: the stored quantities of an item at a location.

    ``q`` holds the seven stored quantities in ``quantities.STORED`` order; ``on_hand`` is
    derived, never stored. ``updated`` holds, per stored name, when it last changed
    (allocated on first change, so untouched levels cost nothing for it).
    """

    __slots__ = ("active", "id", "item_id", "location_id", "q", "updated")

    def __init__(self, level_id: str, item_id: str, location_id: str, active: bool) -> None:
        self.id = level_id
        self.item_id = item_id
        self.location_id = location_id
        self.active = active
        self.q: list[int] = [0] * len(STORED)
        self.updated: list[datetime | None] | None = None

    def touch(self, index: int, when: datetime) -> None:
        """Record that stored quantity ``index`` changed at ``when``."""
        if self.updated is None:
            self.updated = [None] * len(STORED)
        self.updated[index] = when

    def __repr__(self) -> str:
        return f"Level({self.id!r}, active={self.active}, q={self.q})"


class Item:
    """An inventory item and the levels it has, by location."""

    __slots__ = ("active_levels", "id", "levels")

    def __init__(self, item_id: str) -> None:
        self.id = item_id
        self.levels: dict[str, Level] = {}
        self.active_levels = 0


class State:
    """Everything the engine stores: items, locations and levels with their indices."""

    __slots__ = ("items", "level_by_id", "locations", "next_level_number")

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.locations: dict[str, Location] = {}
        self.level_by_id: dict[str, Level] = {}
        self.next_level_number = 1

    def level(self, item_id: str, location_id: str) -> Level | None:
        """Return the level of ``item_id`` at ``location_id`` (active or not), if any. O(1)."""
        item = self.items.get(item_id)
        return item.levels.get(location_id) if item is not None else None

    def add_level(self, level: Level) -> None:
        """Index a new level under its item, its id and, if active, the item's active count."""
        self.items[level.item_id].levels[level.location_id] = level
        self.level_by_id[level.id] = level
        if level.active:
            self.items[level.item_id].active_levels += 1
        number = level_number(level.id)
        if number is not None and number >= self.next_level_number:
            self.next_level_number = number + 1

    def new_level(self, item_id: str, location_id: str) -> Level:
        """Create, index and return a fresh active level with all quantities zero."""
        level_id = make_level_id(self.next_level_number, item_id)
        level = Level(level_id, item_id, location_id, True)
        self.add_level(level)
        return level

    def set_active(self, level: Level, active: bool) -> None:
        """Activate or deactivate ``level``, keeping the item's active count in step."""
        if level.active != active:
            level.active = active
            self.items[level.item_id].active_levels += 1 if active else -1
