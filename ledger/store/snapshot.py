"""The snapshot format of interface.md: load it into a ``State`` and dump a ``State`` back.

Loading validates everything before anything is kept: a snapshot that breaks a rule raises
``ValueError`` naming the offending entry, and nothing is half-loaded. Every attribute but
``id`` is optional: items take ``sku`` (null), ``tracked``, ``requiresShipping`` and
``mutable`` (true), locations ``isActive`` and ``fulfillsOnlineOrders`` (true), levels
``isActive`` (true), and each a ``createdAt``, by default the time the snapshot is loaded
(the ledger's clock, to the second). ``dump`` gives every attribute, defaults filled in.
Times are Shopify's ``DateTime``: ``YYYY-MM-DDTHH:MM:SSZ`` (any ISO 8601 time with an
offset is read). Entries with the same attributes share one value in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from ledger.core.clock import timestamp as timestamp  # re-exported: the store's time text
from ledger.core.engine import Clock, Engine
from ledger.core.errors import brief
from ledger.core.model import (
    DEFAULT_LOCATION_NAME,
    ItemAttributes,
    Level,
    Location,
    State,
    is_location_gid,
    item_number,
    level_item_id,
    level_number,
    level_ref,
    made_ref,
)
from ledger.core.quantities import INDEX, STORED, on_hand

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_TOP_KEYS: Final = ("locations", "inventoryItems", "inventoryLevels")
_LEVEL_KEYS: Final = frozenset({"id", "inventoryItemId", "locationId", "isActive", "createdAt",
                                 "quantities"})
_ITEM_KEYS: Final = frozenset({"id", "sku", "tracked", "requiresShipping", "mutable",
                                "createdAt"})
_LOCATION_KEYS: Final = frozenset({"id", "name", "isActive", "fulfillsOnlineOrders",
                                    "createdAt"})


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"snapshot {where}: {problem}")


def _plain(value: object) -> str:
    """Return an id for a label: a short string as it is, anything else cut (``brief``)."""
    return value if isinstance(value, str) and len(value) <= 80 else brief(value)


def _list(snapshot: dict[str, Any], key: str) -> list[Any]:
    value = snapshot.get(key, [])
    if not isinstance(value, list):
        raise _fail(key, f"must be a list, not {type(value).__name__}")
    return value


def _entry(where: str, entry: object, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _fail(where, f"must be an object, not {type(entry).__name__}")
    extra = sorted(str(k) for k in entry if k not in allowed)
    if extra:
        raise _fail(where, f"unknown key(s) {', '.join(map(brief, extra))}")
    return entry


class _Times:
    """Reads ``createdAt`` values, sharing one ``datetime`` per distinct string.

    The default (for entries without one) comes from ``now``, called once, and only if an
    entry needs it: a clock is not read for a snapshot that names every time.
    """

    def __init__(self, now: Callable[[], datetime] | None) -> None:
        self._now = now
        self._default: datetime | None = None
        self._seen: dict[str, datetime] = {}

    @property
    def default(self) -> datetime:
        if self._default is None:
            when = self._now() if self._now is not None else datetime.now(UTC)
            if not isinstance(when, datetime) or when.utcoffset() is None:
                raise TypeError(f"the clock must return a timezone-aware datetime, not "
                                f"{when!r}")
            self._default = when.astimezone(UTC).replace(microsecond=0)
        return self._default

    def read(self, where: str, entry: dict[str, Any]) -> datetime:
        raw = entry.get("createdAt")
        if raw is None:
            return self.default
        if not isinstance(raw, str):
            raise _fail(where, f"createdAt must be an ISO 8601 time, not {brief(raw)}")
        when = self._seen.get(raw)
        if when is None:
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                raise _fail(where, f"createdAt is not an ISO 8601 time: {brief(raw)}") from None
            if parsed.tzinfo is None:
                raise _fail(where, f"createdAt must carry a UTC offset: {brief(raw)}")
            try:
                when = parsed.astimezone(UTC).replace(microsecond=0)
            except OverflowError:
                raise _fail(where, f"createdAt {brief(raw)} is out of range once converted to "
                                   "UTC (years 1 to 9999)") from None
            self._seen[raw] = when
        return when


def _flag(where: str, entry: dict[str, Any], key: str, default: bool = True) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise _fail(where, f"{key} must be true or false, not {brief(value)}")
    return value


E = TypeVar("E", bound=Engine)


def engine_from(kind: type[E], snapshot: object, api_version: str, clock: Clock | None = None,
                **options: Any) -> E:
    """Return a ``kind`` engine (``Engine``, or the facade's ``Ledger``) holding ``snapshot``.

    ``options`` go to the constructor. Raises ``ValueError`` naming the offending entry when
    the snapshot breaks a rule.
    """
    engine = kind(api_version, clock, **options)
    engine._state = load(snapshot, engine._load_clock)
    return engine


def load(snapshot: object, now: Callable[[], datetime] | None = None) -> State:
    """Build a ``State`` from a snapshot dict; ``ValueError`` naming the entry if it is broken.

    ``now`` (the ledger's clock) gives the ``createdAt`` of every entry without one, read
    once when first needed; by default, the system's UTC time.
    """
    times = _Times(now)
    if not isinstance(snapshot, dict):
        raise ValueError(f"snapshot must be a JSON object, not {type(snapshot).__name__}")
    extra = sorted(str(k) for k in snapshot if k not in _TOP_KEYS)
    if extra:
        raise _fail("", f"unknown top-level key(s) {', '.join(map(brief, extra))}")
    state = State()
    for i, raw in enumerate(_list(snapshot, "locations")):
        where = f"locations[{i}]"
        entry = _entry(where, raw, _LOCATION_KEYS)
        location_id = entry.get("id")
        if not isinstance(location_id, str) or not is_location_gid(location_id):
            raise _fail(where, f"id must be a location gid like 'gid://shopify/Location/1', "
                               f"not {brief(location_id)}")
        name = entry.get("name", DEFAULT_LOCATION_NAME)
        if not isinstance(name, str):
            raise _fail(f"{where} ({location_id})", f"name must be a string, not {brief(name)}")
        label = f"{where} ({location_id})"
        if location_id in state.locations:
            raise _fail(label, "duplicate location id")
        state.locations[location_id] = Location(
            id=location_id, name=name, is_active=_flag(label, entry, "isActive"),
            fulfills_online_orders=_flag(label, entry, "fulfillsOnlineOrders"),
            created_at=times.read(label, entry))
    shared: dict[ItemAttributes, ItemAttributes] = {}
    for i, raw in enumerate(_list(snapshot, "inventoryItems")):
        where = f"inventoryItems[{i}]"
        entry = _entry(where, raw, _ITEM_KEYS)
        item_id = entry.get("id")
        if not isinstance(item_id, str) or item_number(item_id) is None:
            raise _fail(where, f"id must be an inventory item gid like "
                               f"'gid://shopify/InventoryItem/1', not {brief(item_id)}")
        label = f"{where} ({item_id})"
        if item_id in state.items:
            raise _fail(label, "duplicate inventory item id")
        sku = entry.get("sku")
        if sku is not None and not isinstance(sku, str):
            raise _fail(label, f"sku must be a string or null, not {brief(sku)}")
        attributes = ItemAttributes(
            sku=sku, tracked=_flag(label, entry, "tracked"),
            requires_shipping=_flag(label, entry, "requiresShipping"),
            mutable=_flag(label, entry, "mutable"), created_at=times.read(label, entry))
        state.add_item(item_id, shared.setdefault(attributes, attributes))
    pending: list[tuple[Level, tuple[int, ...]]] = []
    unnamed: list[Level] = []
    pairs: set[tuple[str, str]] = set()
    ids: set[str] = set()
    for i, raw in enumerate(_list(snapshot, "inventoryLevels")):
        where = f"inventoryLevels[{i}]"
        entry = _entry(where, raw, _LEVEL_KEYS)
        item_id = entry.get("inventoryItemId")
        location_id = entry.get("locationId")
        label = f"{where} ({_plain(item_id)} @ {_plain(location_id)})"
        if not isinstance(item_id, str) or item_id not in state.items:
            raise _fail(label, f"inventoryItemId {brief(item_id)} is not a listed inventory item")
        if not isinstance(location_id, str) or location_id not in state.locations:
            raise _fail(label, f"locationId {brief(location_id)} is not a listed location")
        if (item_id, location_id) in pairs:
            raise _fail(label, "duplicate level for this item and location")
        pairs.add((item_id, location_id))
        active = entry.get("isActive", True)
        if not isinstance(active, bool):
            raise _fail(label, f"isActive must be true or false, not {brief(active)}")
        level_id = entry.get("id")
        if level_id is not None:
            if not isinstance(level_id, str) or level_number(level_id) is None:
                raise _fail(label, f"id must be a level gid like "
                                   f"'gid://shopify/InventoryLevel/1?inventory_item_id=1', "
                                   f"not {brief(level_id)}")
            named_item = level_item_id(level_id)
            if named_item is not None and named_item != item_id:
                raise _fail(label, f"id {brief(level_id)} names another inventory item")
            if level_id in ids:
                raise _fail(label, f"duplicate level id {brief(level_id)}")
            ids.add(level_id)
        q = _quantities(label, entry.get("quantities", {}))
        # The item's and the location's own id strings, not this entry's copies: a million
        # levels share a few thousand strings instead of holding two each.
        item_id = state.items[item_id].id
        level = Level(level_ref(level_id, item_id) if level_id is not None else 0, item_id,
                      state.locations[location_id].id, active,
                      created_at=times.read(label, entry))
        pending.append((level, q))
        if level_id is None:
            unnamed.append(level)
    # Every entry is valid: only now is anything indexed, so a failure above loses nothing.
    # Levels loaded with the same quantities share one tuple (a write replaces a level's).
    distinct: dict[tuple[int, ...], tuple[int, ...]] = {}
    for level, q in pending:
        level.q = distinct.setdefault(q, q)
        if level.ref != 0:  # named: numbers start at 1
            state.add_level(level)
    for level in unnamed:
        level.ref = made_ref(state.next_level_number, level.item_id)
        state.add_level(level)
    return state


def _quantities(label: str, raw: object) -> tuple[int, ...]:
    if not isinstance(raw, dict):
        raise _fail(label, f"quantities must be an object, not {type(raw).__name__}")
    q = [0] * len(STORED)
    for name, value in raw.items():
        if name != "on_hand" and name not in INDEX:
            raise _fail(label, f"unknown quantity name {brief(name)}; stored names are "
                               + ", ".join(STORED) + " (and on_hand, which must equal their sum)")
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(label, f"quantity {brief(name)} must be an integer, not {brief(value)}")
        # Moves and on_hand sets may leave ±2,000,000,000 (semantics §7 and §8 bound only
        # their inputs) and every state snapshot() gives must load again, so the only bound
        # is a signed 64-bit integer: anything larger is no inventory count.
        if not INT64_MIN <= value <= INT64_MAX:
            raise _fail(label, f"quantity {brief(name)} does not fit in a signed 64-bit integer")
        if name != "on_hand":
            q[INDEX[name]] = value
    if "on_hand" in raw and raw["on_hand"] != on_hand(q):
        raise _fail(label, f"on_hand {raw['on_hand']} does not equal the sum of its parts "
                           f"({on_hand(q)})")
    return tuple(q)


def dump(state: State) -> dict[str, Any]:
    """Return the snapshot of ``state``: every level with its id, isActive and stored quantities."""
    out: dict[str, list[dict[str, Any]]] = {key: [] for key in _TOP_KEYS}
    for key, entry in entries(state):
        out[key].append(entry)
    return dict(out)


def entries(state: State) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(top-level key, entry)`` of ``dump(state)`` one at a time, in the snapshot's order.

    Locations first, then items, then levels, each sorted by id: a writer can stream a
    snapshot of any size without holding it whole (``ledger.durable`` does).
    """
    for loc in sorted(state.locations.values(), key=lambda loc: loc.id):
        yield "locations", {"id": loc.id, "name": loc.name, "isActive": loc.is_active,
                            "fulfillsOnlineOrders": loc.fulfills_online_orders,
                            "createdAt": _time(loc.created_at)}
    items = sorted(state.items)
    for item_id in items:
        a = state.items[item_id].attributes
        yield "inventoryItems", {"id": item_id, "sku": a.sku, "tracked": a.tracked,
                                 "requiresShipping": a.requires_shipping, "mutable": a.mutable,
                                 "createdAt": _time(a.created_at)}
    for item_id in items:
        item = state.items[item_id]
        for location_id in sorted(item.levels):
            level = item.levels[location_id]
            yield "inventoryLevels", {
                "id": level.id,
                "inventoryItemId": item_id,
                "locationId": location_id,
                "isActive": level.active,
                "createdAt": _time(level.created_at),
                "quantities": dict(zip(STORED, level.q, strict=True)),
            }


def _time(when: datetime | None) -> str | None:
    return timestamp(when) if when is not None else None
