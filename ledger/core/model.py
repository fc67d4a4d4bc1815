"""Items, locations and inventory levels: the mutable state the engine owns.

Nothing outside ``ledger`` should mutate these objects; readers get frozen views
(``ledger.results.LevelView``) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

import attrs

from ledger.core.quantities import STORED

ITEM_PREFIX: Final = "gid://shopify/InventoryItem/"
LOCATION_PREFIX: Final = "gid://shopify/Location/"
LEVEL_PREFIX: Final = "gid://shopify/InventoryLevel/"
DEFAULT_LOCATION_NAME: Final = "Shop location"
#: The stored quantities of a new level: one tuple shared by every level still at zero.
ZEROS: Final[tuple[int, ...]] = (0,) * len(STORED)
#: A level's ``updated`` before anything changed.
_NEVER: Final[tuple[None, ...]] = (None,) * len(STORED)

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


def made_ref(number: int, item_id: str) -> int | str:
    """Return ``level_ref`` of the id the ledger makes for level ``number`` of ``item_id``."""
    # The made id reads back as its number and item whenever the item's id is a gid.
    return number if _ITEM_RE.fullmatch(item_id) else make_level_id(number, item_id)


def level_ref(level_id: str, item_id: str) -> int | str:
    """Return what a level keeps of its id: its number if in Shopify's form, else the id.

    Shopify's form for ``item_id``: ``make_level_id`` gives the id back from the number.
    """
    number = level_number(level_id)
    if (number is not None and make_level_id(number, item_id) == level_id
            and level_item_id(level_id) == item_id):  # so that ``level_with_id`` finds it
        return number
    return level_id


K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
_MISSING: Final[Any] = object()


class Layers(Mapping[K, V], Generic[K, V]):
    """A map that forks in O(1): a private ``top`` dict over shared, frozen dicts below it.

    Writes go to ``top``; reads try ``top`` and then each frozen layer, newest first. Keys
    are never deleted (the ledger never forgets an item or a level), so no tombstones are
    needed. ``fork`` freezes ``top`` (if it holds anything) into the shared layers and gives
    both sides an empty ``top``; to keep reads short the frozen layers are merged whenever
    a newer one is at least half the size of the one below it, so there are at most about
    log2(n) of them and each key is copied O(log n) times over its life.

    With nothing frozen, ``get`` is the top dict's own ``get``: no cost until the first fork.
    """

    __slots__ = ("below", "get", "top")

    if TYPE_CHECKING:  # ``get`` is a slot bound per instance; this is its signature
        @overload
        def get(self, key: K, /) -> V | None: ...
        @overload
        def get(self, key: K, default: T, /) -> V | T: ...
        def get(self, key: K, default: Any = None, /) -> Any:
            """Return the value of ``key``, or ``default``."""

    def __init__(self, top: dict[K, V] | None = None, below: tuple[dict[K, V], ...] = ()) -> None:
        self.top: dict[K, V] = {} if top is None else top
        self.below = below
        self._bind()

    def _bind(self) -> None:
        # ``get`` is bound per instance so that, with nothing frozen, a read is one builtin
        # dict call; setattr keeps the typed signature above for callers.
        object.__setattr__(self, "get", self._layered_get if self.below else self.top.get)

    def _layered_get(self, key: K, default: Any = None) -> Any:
        value = self.top.get(key, _MISSING)
        if value is not _MISSING:
            return value
        for layer in self.below:
            value = layer.get(key, _MISSING)
            if value is not _MISSING:
                return value
        return default

    def __getitem__(self, key: K) -> V:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __setitem__(self, key: K, value: V) -> None:
        self.top[key] = value

    def __iter__(self) -> Iterator[K]:
        if not self.below:
            yield from self.top
            return
        seen: set[K] = set()
        for layer in (self.top, *self.below):
            for key in layer:
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        if not self.below:
            return len(self.top)
        return sum(1 for _ in self)

    def fork(self) -> Layers[K, V]:
        """Freeze what this map holds and return an independent map that shares it."""
        if self.top:
            below = (self.top, *self.below)
            # Merge while a newer layer is at least half the size of the older one below it.
            while len(below) >= 2 and 2 * len(below[0]) >= len(below[1]):
                merged = dict(below[1])
                merged.update(below[0])
                below = (merged, *below[2:])
            self.top = {}
            self.below = below
            self._bind()
        return Layers({}, self.below)


@attrs.frozen(kw_only=True)
class Location:
    """A location: its gid, display name and the attributes reads show (interface.md)."""

    id: str
    name: str = DEFAULT_LOCATION_NAME
    is_active: bool = True
    fulfills_online_orders: bool = True
    created_at: datetime | None = None


_new_level: Final = object.__new__


class Level:
    """One inventory level: the stored quantities of an item at a location.

    ``q`` holds the seven stored quantities in ``quantities.STORED`` order, as a tuple that a
    write replaces (``mutations.writes.apply_delta``), never edits: levels with the same
    quantities may share one, copies share it, and a tuple of ints is one object the cyclic
    collector stops tracking; ``on_hand`` is derived, never stored.

    ``ref`` is what the level keeps of its id (``level_ref``): the number when the id is in
    Shopify's form for its item, as every id the ledger makes is, so ``id`` is built when
    read; an id given in another form (a snapshot's) is kept as it is. Issue 14: the id
    string was 106 of the 408 bytes a level with its own quantities took at 10^6 levels.

    ``times`` is when the level was created (shared with every level created at that
    moment) until a stored quantity first changes, then a tuple of that and, per stored
    name, when it last changed (``created_at``, ``updated``): a tuple a change replaces, for
    the same reasons as ``q``. A level has no owner of its own: it may be written in place
    by the state that owns its item, since copying an item copies its levels (``Item.copy``).
    Six slots, 80 bytes: pymalloc hands out 16-byte steps, so eight slots took 96 bytes and
    seven would have too.
    """

    __slots__ = ("active", "item_id", "location_id", "q", "ref", "times")

    def __init__(self, ref: int | str, item_id: str, location_id: str, active: bool,
                 created_at: datetime | None = None) -> None:
        self.ref = ref
        self.item_id = item_id
        self.location_id = location_id
        self.active = active
        self.q: tuple[int, ...] = ZEROS
        self.times: datetime | tuple[datetime | None, ...] | None = created_at

    @property
    def id(self) -> str:
        """The level's gid."""
        ref = self.ref
        return ref if isinstance(ref, str) else make_level_id(ref, self.item_id)

    @property
    def number(self) -> int | None:
        """The number in the level's gid (``None`` only for an id no gid pattern fits)."""
        ref = self.ref
        return level_number(ref) if isinstance(ref, str) else ref

    @property
    def created_at(self) -> datetime | None:
        """When the level was created, if known."""
        times = self.times
        return times[0] if isinstance(times, tuple) else times

    @property
    def updated(self) -> tuple[datetime | None, ...] | None:
        """Per stored name, when it last changed; ``None`` if nothing changed yet."""
        times = self.times
        return times[1:] if isinstance(times, tuple) else None

    @updated.setter
    def updated(self, value: tuple[datetime | None, ...] | None) -> None:
        created = self.created_at
        self.times = created if value is None else (created, *value)

    def changed_at(self, index: int) -> datetime | None:
        """When stored quantity ``index`` last changed, if it has."""
        times = self.times
        return times[index + 1] if isinstance(times, tuple) else None

    def copy(self) -> Level:
        """Return a copy of this level, to be written in place of it by another state."""
        level = _new_level(Level)  # every slot is set below: __init__ would set two twice
        level.ref, level.item_id, level.location_id = self.ref, self.item_id, self.location_id
        level.active = self.active
        level.q = self.q  # immutable: shared until a write replaces it
        level.times = self.times  # immutable too
        return level

    @property
    def updated_at(self) -> datetime | None:
        """When a stored quantity last changed, else when the level was created."""
        times = self.times
        if not isinstance(times, tuple):
            return times
        touched = [t for t in times[1:] if t is not None]
        return max(touched) if touched else times[0]

    def touch(self, index: int, when: datetime, other: int | None = None) -> None:
        """Record that stored quantity ``index`` (and ``other``, if given) changed at ``when``."""
        times = self.times
        values = list(times) if isinstance(times, tuple) else [times, *_NEVER]
        values[index + 1] = when
        if other is not None:
            values[other + 1] = when
        self.times = tuple(values)

    def __repr__(self) -> str:
        return f"Level({self.id!r}, active={self.active}, q={self.q})"


@attrs.frozen(kw_only=True)
class ItemAttributes:
    """What an inventory item is, besides its levels: the attributes reads show.

    ``mutable`` is false for a bundle's parent item, which the quantity mutations refuse
    (NON_MUTABLE_INVENTORY_ITEM, semantics §5). Items loaded together share one value.
    """

    sku: str | None = None
    tracked: bool = True
    requires_shipping: bool = True
    mutable: bool = True
    created_at: datetime | None = None


DEFAULT_ITEM: Final = ItemAttributes()


class Item:
    """An inventory item and the levels it has, by location (copied on write, with them).

    ``owner`` is the token of the ``State`` that may write the item, and its levels, in
    place; any other state copies it first (``State.own_item``), and the copy has copies of
    the levels (O(the item's levels) once per item and fork).
    """

    __slots__ = ("active_levels", "attributes", "id", "levels", "owner")

    def __init__(self, item_id: str, owner: object = None,
                 attributes: ItemAttributes = DEFAULT_ITEM) -> None:
        self.id = item_id
        self.levels: dict[str, Level] = {}
        self.active_levels = 0
        self.owner = owner
        self.attributes = attributes

    def copy(self, owner: object) -> Item:
        """Return a private copy, with copies of its levels, for the state ``owner``."""
        item = Item(self.id, owner, self.attributes)
        item.levels = {location: level.copy() for location, level in self.levels.items()}
        item.active_levels = self.active_levels
        return item


class State:
    """Everything the engine stores: items, locations and levels with their indices.

    Copy on write: ``fork`` costs O(1) in the number of levels. Items carry the token of the
    state that may write them, and their levels, in place; a state writes only through
    ``own``, ``own_item``, ``add_level``, ``new_level`` and ``set_active``, which copy an item
    (and its levels) that another state's token marks. Locations never change once loaded,
    so forks share that dict.

    There is no index by level id: an id names its item (``inventory_item_id``), and the
    item's few levels are compared (``level_with_id``). Issue 14: the index and the id
    strings (``Level.ref``) took 107 of the 408 bytes of a level with its own quantities
    at 10^6 levels. The ids a snapshot gives in another form are the exception:
    ``odd_ids`` maps each to its item.
    """

    __slots__ = ("items", "locations", "next_level_number", "odd_ids", "token")

    def __init__(self) -> None:
        self.token = object()
        self.items: Layers[str, Item] = Layers()
        self.locations: dict[str, Location] = {}
        #: Level ids not in Shopify's form for their item (kept in full), with that item.
        self.odd_ids: Layers[str, str] = Layers()
        self.next_level_number = 1

    def fork(self) -> State:
        """Return an independent copy of this state; both copy shared objects on write."""
        child = State()
        child.items = self.items.fork()
        child.odd_ids = self.odd_ids.fork()
        child.locations = self.locations
        child.next_level_number = self.next_level_number
        # Everything this state owned is shared now: a new token makes it copy on write too.
        self.token = object()
        return child

    def add_item(self, item_id: str, attributes: ItemAttributes = DEFAULT_ITEM) -> Item:
        """Create and index an item with no levels."""
        item = Item(item_id, self.token, attributes)
        self.items[item_id] = item
        return item

    def own_item(self, item_id: str) -> Item:
        """Return ``item_id``'s item, copied first if another state may share it."""
        item = self.items[item_id]
        if item.owner is not self.token:
            item = item.copy(self.token)
            self.items[item_id] = item
        return item

    def own(self, level: Level) -> Level:
        """Return the level at ``level``'s place that this state may write, copying if shared.

        Always the level now installed there: callers may hold an older, shared one.
        """
        # ``get``, not ``[]``: a builtin call, where ``Layers.__getitem__`` is a Python one.
        item = self.items.get(level.item_id)
        if item is None or item.owner is not self.token:
            item = self.own_item(level.item_id)
        return item.levels[level.location_id]

    def level(self, item_id: str, location_id: str) -> Level | None:
        """Return the level of ``item_id`` at ``location_id`` (active or not), if any. O(1)."""
        item = self.items.get(item_id)
        return item.levels.get(location_id) if item is not None else None

    def level_with_id(self, level_id: str) -> Level | None:
        """Return the level whose id is ``level_id`` exactly, if any.

        O(the item's levels): the id names the item, and only a level of the same number
        has its id built to compare.
        """
        if not isinstance(level_id, str):
            return None
        item_id = self.odd_ids.get(level_id)
        if item_id is None:
            item_id = level_item_id(level_id)
        item = self.items.get(item_id) if item_id is not None else None
        if item is None:
            return None
        number = level_number(level_id)
        for level in item.levels.values():
            ref = level.ref
            if (ref == level_id if isinstance(ref, str) else ref == number) and \
                    level.id == level_id:
                return level
        return None

    def levels(self) -> Iterator[Level]:
        """Yield every level, item by item."""
        for item in self.items.values():
            yield from item.levels.values()

    def add_level(self, level: Level) -> None:
        """Index a new level under its item (and, if active, the item's active count)."""
        item = self.own_item(level.item_id)
        item.levels[level.location_id] = level
        if isinstance(level.ref, str):
            self.odd_ids[level.ref] = level.item_id
        if level.active:
            item.active_levels += 1
        number = level.number
        if number is not None and number >= self.next_level_number:
            self.next_level_number = number + 1

    def new_level(self, item_id: str, location_id: str, now: datetime | None = None, *,
                  active: bool = True) -> Level:
        """Create, index and return a fresh level (active unless told) with all quantities zero."""
        item_id = self.items[item_id].id  # share the item's own id string (memory per level)
        number = self.next_level_number
        level = Level(made_ref(number, item_id), item_id,
                      self.locations[location_id].id, active, created_at=now)
        self.add_level(level)
        return level

    def set_active(self, level: Level, active: bool) -> Level:
        """Activate or deactivate ``level``, keeping the item's active count in step.

        Returns the level as now installed (a private copy if it was shared).
        """
        if level.active != active:
            level = self.own(level)
            level.active = active
            self.own_item(level.item_id).active_levels += 1 if active else -1
        return level
