"""The reads of the GraphQL front: items, locations, levels and quantities, by API era.

Part of the Shopify adapter (``ledger.shopify``), on graphql-core. ``ledger.shopify.schema``
writes the read types and the query root of each era (``read_sdl``) and attaches
``QUERY_RESOLVERS`` and ``FIELD_RESOLVERS``. Field names, types and nullability are those of
Shopify's Admin API reference for each version (semantics §13; interface.md for what a
snapshot carries):

* ``InventoryItem``: ``id``, ``sku``, ``tracked``, ``requiresShipping``,
  ``legacyResourceId``, ``createdAt``, ``updatedAt``, ``locationsCount``,
  ``inventoryLevel(locationId:)``, ``inventoryLevels(...)``;
* ``InventoryLevel``: ``id``, ``canDeactivate``, ``createdAt``, ``deactivationAlert``,
  ``isActive`` (from 2026-04), ``item``, ``location``, ``quantities(names:)``, ``updatedAt``;
* ``InventoryQuantity`` (a ``Node``): ``id``, ``name``, ``quantity``, ``updatedAt``;
* ``Location``: ``id``, ``name``, ``isActive``, ``fulfillsOnlineOrders``,
  ``legacyResourceId``, ``createdAt``, ``inventoryLevel(inventoryItemId:)``,
  ``inventoryLevels(...)``;
* the roots ``inventoryItem``, ``inventoryItems``, ``inventoryLevel``, ``inventoryProperties``,
  ``location``, ``locations``, ``node``, ``nodes``.

Inactive levels, by era (semantics §3 and §13): ≤ 2026-01 an inactive level is invisible
(``inventoryLevel(...)``, ``inventoryLevel(id:)``, ``node(id:)`` and ``nodes(ids:)`` give
``null``; connections skip it) and ``isActive`` does not exist. From 2026-04 ``isActive``
exists, the four level fields of items and locations take ``includeInactive: Boolean =
false`` and hide inactive levels unless it is ``true``, and ``inventoryLevel(id:)`` /
``node(id:)`` return a level active or not.

Choices where Shopify is silent ([ours]):

* ``InventoryItem.updatedAt`` is the item's ``createdAt``: an item's own attributes never
  change here, and a quantity change updates its level, not the item.
* ``InventoryLevel.updatedAt``: when a stored quantity of the level last changed, else its
  ``createdAt`` (``model.Level.updated_at``); activation and deactivation do not count.
* ``canDeactivate``: the level is active and its item has another active level (what
  ``inventoryDeactivate`` needs to succeed); an inactive level cannot be deactivated.
* ``deactivationAlert`` ("Describes either the impact of deactivating the inventory level,
  or why the inventory level can't be deactivated"): for the item's only active level,
  ``inventoryDeactivate``'s own refusal (``The product couldn't be unstocked from <location>
  because products need to be stocked at a minimum of 1 location.``); where deactivating
  clears quantities (≤ 2026-01) and the level holds a non-zero stored quantity,
  ``Deactivating will remove the inventory quantities of this item at <location>.``;
  otherwise (nothing is lost, or the level is inactive) ``null``.
* ``locationsCount``: the item's active levels, ``precision: EXACT``.
* ``legacyResourceId``: the gid's number, as ``UnsignedInt64`` serialises (a string).
* ``InventoryQuantity.id``: Shopify's form, the level's number and item with the name:
  ``gid://shopify/InventoryQuantity/<level n>?inventory_item_id=<item n>&name=<name>``;
  ``node(id:)`` resolves it (the level's visibility applies; an unknown name is ``null``).
* ``inventoryProperties``: the eight names of Shopify's documented example, in its order,
  with its ``displayName``, ``belongsTo`` and ``comprises``; ``isInUse`` is true for
  ``available`` and ``on_hand`` always, and for another name when some level holds a
  non-zero value of it or has changed it.
* ``inventoryItems`` lists items by id number, filtered by ``query`` in the search syntax of
  ``ledger.shopify.search``.
* ``locations`` takes ``first/after/last/before/reverse``, ``sortKey: LocationSortKeys =
  NAME`` (``NAME``: by name, case-insensitively, then id number; ``ID`` and ``RELEVANCE``:
  by id number), ``includeInactive: Boolean = false`` (inactive locations are left out
  unless it is ``true``, as Shopify documents) and ``includeLegacy: Boolean = false``
  (accepted; there are no legacy fulfillment-service locations here). ``query`` is not
  offered. ``location(id:)`` returns a location active or not.
* Levels at an inactive location are listed like any other.
* Connections take ``first``/``after``, ``last``/``before`` and ``reverse``; without
  ``first`` or ``last``: ``you must provide one of first or last`` (the wording Shopify
  uses) at the field; over 250 they are refused before anything runs
  (``ledger.shopify.analysis``). Cursors are opaque (base64 of the node's id); an unknown
  ``after``/``before`` bounds nothing. Levels are listed in the order items/locations were
  added.
* ``location`` without ``id`` returns the first location (Shopify: the primary location).
* Fields a mutation payload gains here (a level's ``createdAt``, an item's ``sku``, ...) are
  read from the ledger's current state when the payload is resolved (also for a payload an
  idempotency key replays); the fields ``execute`` returns are its own.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from graphql import GraphQLError

from ledger.core.clock import timestamp
from ledger.core.journal import GROUP_PREFIX
from ledger.core.model import (
    ITEM_PREFIX,
    LEVEL_PREFIX,
    LOCATION_PREFIX,
    Item,
    Level,
    Location,
    State,
    item_number,
    level_number,
    make_level_id,
)
from ledger.core.quantities import API_NAMES, STORED
from ledger.core.results import LevelView
from ledger.core.versions import Deactivation, Era
from ledger.shopify import codec
from ledger.shopify._graphql_compat import ResolveInfo
from ledger.shopify.search import search

if TYPE_CHECKING:
    from ledger.api import Ledger

QUANTITY_PREFIX: Final = "gid://shopify/InventoryQuantity/"

#: ``inventoryProperties.quantityNames``: Shopify's documented example (shopify.dev,
#: queries/inventoryProperties, the same on the 2024-01, 2025-07, 2026-01 and 2026-07
#: pages), in its order: name, displayName, belongsTo, comprises.
QUANTITY_NAMES: Final[tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]] = (
    ("available", "Available", ("on_hand",), ()),
    ("committed", "Committed", ("on_hand",), ()),
    ("damaged", "Damaged", ("on_hand",), ()),
    ("incoming", "Incoming", (), ()),
    ("on_hand", "On hand", (), ("available", "committed", "damaged", "quality_control",
                                "reserved", "safety_stock")),
    ("quality_control", "Quality control", ("on_hand",), ()),
    ("reserved", "Reserved", ("on_hand",), ()),
    ("safety_stock", "Safety stock", ("on_hand",), ()),
)
#: Names ``isInUse`` reports in every shop ([ours]: every shop uses them).
ALWAYS_IN_USE: Final = frozenset({"available", "on_hand"})


class ReadContext(Protocol):
    """What a read resolver needs from the request: the ledger and the request's era."""

    ledger: Ledger
    era: Era


# ---------------------------------------------------------------------- records


def _ledger(info: ResolveInfo) -> Ledger:
    context: ReadContext = info.context
    return context.ledger


def _era(info: ResolveInfo) -> Era:
    context: ReadContext = info.context
    return context.era


def _state(info: ResolveInfo) -> State:
    # The engine's public reads give neither an item's attributes nor a level's times;
    # graphql() holds the ledger's lock while it resolves, so reading the state is safe.
    return _ledger(info)._state


def _item_record(info: ResolveInfo, item_id: str) -> Item:
    item = _state(info).items.get(item_id)
    if item is None:  # items are never removed: a payload names only existing ones
        raise AssertionError(f"no inventory item {item_id!r}")
    return item


def _location_record(info: ResolveInfo, location_id: str) -> Location:
    location = _state(info).locations.get(location_id)
    if location is None:  # locations are never removed
        raise AssertionError(f"no location {location_id!r}")
    return location


def _level_record(info: ResolveInfo, parent: dict[str, Any]) -> Level:
    """The level a resolved ``InventoryLevel`` object (``level_object``) stands for."""
    level = _state(info).level(parent["item"]["id"], parent["location"]["id"])
    if level is None:  # levels are never removed
        raise AssertionError(f"no inventory level {parent['id']!r}")
    return level


def _time(info: ResolveInfo, when: datetime | None) -> str:
    """A ``DateTime!``: ``when``, or the time the ledger's entries were loaded at ([ours])."""
    return timestamp(when if when is not None else _ledger(info)._load_clock())


def _legacy_id(gid: str, prefix: str) -> str:
    """The number of a gid (``…/Location/7`` -> ``"7"``), as ``UnsignedInt64`` serialises."""
    return gid[len(prefix):].split("?", 1)[0]


# ---------------------------------------------------------------------- objects


def level_object(view: LevelView | None) -> dict[str, Any] | None:
    """Return a level as the read resolvers take it (every field any era has)."""
    if view is None:
        return None
    return {"__typename": "InventoryLevel", **codec.level_json(view)}


def location_object(ledger: Ledger, location_id: str) -> dict[str, Any] | None:
    """Return a location as the read resolvers take it, if it exists."""
    location = ledger.location(location_id)
    if location is None:
        return None
    return {"__typename": "Location", "id": location.id, "name": location.name}


def item_object(ledger: Ledger, item_id: str) -> dict[str, Any] | None:
    """Return an item as the read resolvers take it, if it exists."""
    return {"__typename": "InventoryItem", "id": item_id} if ledger.has_item(item_id) else None


def _shown(view: LevelView | None, era: Era, include_inactive: bool) -> LevelView | None:
    """``view`` if a read of ``era`` shows it (an inactive one only on request, from 2026-04)."""
    if view is None or view.is_active:
        return view
    return view if include_inactive and era.inactive_in_reads else None


def _shown_by_id(view: LevelView | None, era: Era) -> LevelView | None:
    """``view`` if a read by id shows it: an inactive level from 2026-04 only."""
    return _shown(view, era, include_inactive=True)


def quantity_id(level_id: str, item_id: str, name: str) -> str:
    """Return an ``InventoryQuantity`` id in Shopify's form (from its level, item and name)."""
    return (f"{QUANTITY_PREFIX}{level_number(level_id)}?inventory_item_id="
            f"{_legacy_id(item_id, ITEM_PREFIX)}&name={name}")


def _parameters(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        out.setdefault(key, value)
    return out


def _quantity_node(ledger: Ledger, era: Era, node_id: str) -> dict[str, Any] | None:
    """Resolve an ``InventoryQuantity`` id: its level (if a read shows it) and name."""
    number, _, query = node_id[len(QUANTITY_PREFIX):].partition("?")
    parameters = _parameters(query)
    item_digits, name = parameters.get("inventory_item_id", ""), parameters.get("name", "")
    item_id = ITEM_PREFIX + item_digits
    if not number.isdigit() or number.startswith("0") or item_number(item_id) is None:
        return None
    if name not in API_NAMES:
        return None
    view = None
    for level_id in (make_level_id(int(number), item_id), LEVEL_PREFIX + number):
        view = ledger.level_by_id(level_id)
        if view is not None:
            break
    view = _shown_by_id(view, era)
    if view is None or view.item_id != item_id:
        return None
    for q in view.quantities:
        if q.name == name:
            return {"__typename": "InventoryQuantity",
                    "id": quantity_id(view.id, view.item_id, name),
                    "name": name, "quantity": q.quantity,
                    "updatedAt": codec.timestamp(q.updated_at)}
    return None  # pragma: no cover - every API name is in a view


def node_object(ledger: Ledger, era: Era, node_id: str) -> dict[str, Any] | None:
    """Resolve a ``node(id:)``: an item, location, level, quantity or adjustment group."""
    if node_id.startswith(ITEM_PREFIX):
        return item_object(ledger, node_id)
    if node_id.startswith(LOCATION_PREFIX):
        return location_object(ledger, node_id)
    if node_id.startswith(LEVEL_PREFIX):
        return level_object(_shown_by_id(ledger.level_by_id(node_id), era))
    if node_id.startswith(QUANTITY_PREFIX):
        return _quantity_node(ledger, era, node_id)
    if node_id.startswith(GROUP_PREFIX):
        group = ledger.journal.get(node_id)
        if group is not None:
            return {"__typename": "InventoryAdjustmentGroup", **codec.group_json(
                group, quantity_after_change=ledger.report_quantity_after_change)}
    return None


# ---------------------------------------------------------------------- connections


def connection(
    nodes: list[dict[str, Any]],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
) -> dict[str, Any]:
    """Page ``nodes`` as a Relay connection: ``reverse``, then the cursors, then first/last.

    A cursor is the base64 of its node's id (opaque to callers). ``hasNextPage`` /
    ``hasPreviousPage`` say whether any node lies after / before the page in the whole
    (possibly reversed) list; an unknown cursor bounds nothing.
    """
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    ordered = list(reversed(nodes)) if reverse else list(nodes)
    cursors = [base64.b64encode(n["id"].encode()).decode() for n in ordered]
    start = cursors.index(after) + 1 if after in cursors else 0
    end = cursors.index(before) if before in cursors else len(ordered)
    end = max(start, end)
    if first is not None:
        end = min(end, start + max(first, 0))
    if last is not None:
        start = max(start, end - max(last, 0))
    page = list(zip(cursors[start:end], ordered[start:end], strict=True))
    return {
        "edges": [{"cursor": c, "node": n} for c, n in page],
        "nodes": [n for _, n in page],
        "pageInfo": {
            "hasNextPage": end < len(ordered),
            "hasPreviousPage": start > 0,
            "startCursor": page[0][0] if page else None,
            "endCursor": page[-1][0] if page else None,
        },
    }


def _levels(views: Iterable[LevelView | None], era: Era, include_inactive: bool,
            page: Mapping[str, Any]) -> dict[str, Any]:
    shown = [_shown(v, era, include_inactive) for v in views]
    return connection([o for v in shown if (o := level_object(v)) is not None], **page)


def _item_levels(parent: dict[str, Any], info: ResolveInfo,
                 includeInactive: bool = False,  # noqa: N803 - GraphQL's argument names
                 **page: Any) -> dict[str, Any]:
    ledger = _ledger(info)
    views = (ledger.level(parent["id"], loc) for loc in ledger.locations())
    return _levels(views, _era(info), includeInactive, page)


def _location_levels(parent: dict[str, Any], info: ResolveInfo,
                     includeInactive: bool = False,  # noqa: N803
                     **page: Any) -> dict[str, Any]:
    ledger = _ledger(info)
    views = (ledger.level(item, parent["id"]) for item in ledger.items())
    return _levels(views, _era(info), includeInactive, page)


def _item_level(parent: dict[str, Any], info: ResolveInfo, locationId: str,  # noqa: N803
                includeInactive: bool = False) -> dict[str, Any] | None:  # noqa: N803
    view = _ledger(info).level(parent["id"], locationId)
    return level_object(_shown(view, _era(info), includeInactive))


def _location_level(parent: dict[str, Any], info: ResolveInfo,
                    inventoryItemId: str,  # noqa: N803
                    includeInactive: bool = False) -> dict[str, Any] | None:  # noqa: N803
    view = _ledger(info).level(inventoryItemId, parent["id"])
    return level_object(_shown(view, _era(info), includeInactive))


# ---------------------------------------------------------------------- the roots


def _inventory_items(_root: object, info: ResolveInfo, query: str | None = None,
                     **page: Any) -> dict[str, Any]:
    state = _state(info)
    wanted = search(query)
    ids = sorted(state.items, key=lambda i: item_number(i) or 0)
    return connection([{"__typename": "InventoryItem", "id": i} for i in ids
                       if wanted(i, state.items[i])], **page)


def _location_number(location_id: str) -> int:
    digits = _legacy_id(location_id, LOCATION_PREFIX)
    return int(digits) if digits.isdigit() else 0


def _locations(_root: object, info: ResolveInfo, sortKey: str = "NAME",  # noqa: N803
               includeLegacy: bool = False,  # noqa: N803 - accepted, without effect here
               includeInactive: bool = False,  # noqa: N803
               **page: Any) -> dict[str, Any]:
    locations = [loc for loc in _state(info).locations.values()
                 if loc.is_active or includeInactive]
    if sortKey == "NAME":
        locations.sort(key=lambda loc: (loc.name.casefold(), _location_number(loc.id)))
    else:
        locations.sort(key=lambda loc: _location_number(loc.id))
    return connection([{"__typename": "Location", "id": loc.id, "name": loc.name}
                       for loc in locations], **page)


def _location(_root: object, info: ResolveInfo, id: str | None = None) -> Any:
    ledger = _ledger(info)
    if id is None:
        locations = ledger.locations()
        return location_object(ledger, locations[0]) if locations else None
    return location_object(ledger, id)


def _in_use(state: State) -> set[str]:
    """The stored names some level holds non-zero or has changed."""
    used: set[str] = set()
    for item in state.items.values():
        for level in item.levels.values():
            for index, name in enumerate(STORED):
                if level.q[index] or level.changed_at(index) is not None:
                    used.add(name)
            if len(used) == len(STORED):
                return used
    return used


def _inventory_properties(_root: object, info: ResolveInfo) -> dict[str, Any]:
    used = _in_use(_state(info)) | ALWAYS_IN_USE
    return {"quantityNames": [
        {"name": name, "displayName": display, "belongsTo": list(belongs),
         "comprises": list(comprises), "isInUse": name in used}
        for name, display, belongs, comprises in QUANTITY_NAMES
    ]}


QUERY_RESOLVERS: Final[dict[str, Callable[..., Any]]] = {
    "inventoryItem": lambda _r, info, id: item_object(_ledger(info), id),
    "inventoryItems": _inventory_items,
    "inventoryLevel": lambda _r, info, id: level_object(
        _shown_by_id(_ledger(info).level_by_id(id), _era(info))),
    "inventoryProperties": _inventory_properties,
    "location": _location,
    "locations": _locations,
    "node": lambda _r, info, id: node_object(_ledger(info), _era(info), id),
    "nodes": lambda _r, info, ids: [node_object(_ledger(info), _era(info), i) for i in ids],
}


# ---------------------------------------------------------------------- fields


def _quantities(parent: dict[str, Any], _info: ResolveInfo, names: list[str]) -> Any:
    by_name = {q["name"]: q for q in parent["quantities"]}
    item_id = parent["item"]["id"]
    return [{**by_name[name], "id": quantity_id(parent["id"], item_id, name)}
            for name in names if name in by_name]


def _changes(
    parent: dict[str, Any], _info: ResolveInfo,
    inventoryItemIds: list[str] | None = None,  # noqa: N803 - GraphQL's argument names
    locationIds: list[str] | None = None,  # noqa: N803
    quantityNames: list[str] | None = None,  # noqa: N803
) -> Any:
    return [
        c for c in parent["changes"]
        if (inventoryItemIds is None or c["item"]["id"] in inventoryItemIds)
        and (locationIds is None or c["location"]["id"] in locationIds)
        and (quantityNames is None or c["name"] in quantityNames)
    ]


#: Field resolvers that, called without arguments, give the parent's field as it is (only
#: filters): ``graphql_api``'s direct path selects such a field straight from the body.
PLAIN_WITHOUT_ARGUMENTS: Final[frozenset[Callable[..., Any]]] = frozenset({_changes})


def _item_created(parent: dict[str, Any], info: ResolveInfo) -> str:
    return _time(info, _item_record(info, parent["id"]).attributes.created_at)


def _item_attribute(name: str) -> Callable[[dict[str, Any], ResolveInfo], Any]:
    def resolve(parent: dict[str, Any], info: ResolveInfo) -> Any:
        return getattr(_item_record(info, parent["id"]).attributes, name)

    return resolve


def _locations_count(parent: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    return {"count": _item_record(info, parent["id"]).active_levels, "precision": "EXACT"}


def _location_attribute(name: str) -> Callable[[dict[str, Any], ResolveInfo], Any]:
    def resolve(parent: dict[str, Any], info: ResolveInfo) -> Any:
        return getattr(_location_record(info, parent["id"]), name)

    return resolve


def _location_created(parent: dict[str, Any], info: ResolveInfo) -> str:
    return _time(info, _location_record(info, parent["id"]).created_at)


def _level_created(parent: dict[str, Any], info: ResolveInfo) -> str:
    return _time(info, _level_record(info, parent).created_at)


def _level_updated(parent: dict[str, Any], info: ResolveInfo) -> str:
    return _time(info, _level_record(info, parent).updated_at)


def can_deactivate(state: State, level: Level) -> bool:
    """Whether ``inventoryDeactivate`` would unstock ``level``: active, and not the only one."""
    return level.active and state.items[level.item_id].active_levels > 1


def deactivation_alert(state: State, level: Level, era: Era) -> str | None:
    """``InventoryLevel.deactivationAlert``: why it cannot be deactivated, or what it loses."""
    if not level.active:
        return None
    name = state.locations[level.location_id].name
    if not can_deactivate(state, level):
        return (f"The product couldn't be unstocked from {name} because products need to be "
                "stocked at a minimum of 1 location.")
    if era.deactivation is Deactivation.CLEARS and any(level.q):
        return f"Deactivating will remove the inventory quantities of this item at {name}."
    return None


def _can_deactivate(parent: dict[str, Any], info: ResolveInfo) -> bool:
    return can_deactivate(_state(info), _level_record(info, parent))


def _deactivation_alert(parent: dict[str, Any], info: ResolveInfo) -> str | None:
    return deactivation_alert(_state(info), _level_record(info, parent), _era(info))


FIELD_RESOLVERS: Final[tuple[tuple[str, str, Callable[..., Any]], ...]] = (
    ("InventoryItem", "createdAt", _item_created),
    ("InventoryItem", "updatedAt", _item_created),
    ("InventoryItem", "sku", _item_attribute("sku")),
    ("InventoryItem", "tracked", _item_attribute("tracked")),
    ("InventoryItem", "requiresShipping", _item_attribute("requires_shipping")),
    ("InventoryItem", "legacyResourceId",
     lambda parent, _info: _legacy_id(parent["id"], ITEM_PREFIX)),
    ("InventoryItem", "locationsCount", _locations_count),
    ("InventoryItem", "inventoryLevel", _item_level),
    ("InventoryItem", "inventoryLevels", _item_levels),
    ("Location", "isActive", _location_attribute("is_active")),
    ("Location", "fulfillsOnlineOrders", _location_attribute("fulfills_online_orders")),
    ("Location", "legacyResourceId",
     lambda parent, _info: _legacy_id(parent["id"], LOCATION_PREFIX)),
    ("Location", "createdAt", _location_created),
    ("Location", "inventoryLevel", _location_level),
    ("Location", "inventoryLevels", _location_levels),
    ("InventoryLevel", "createdAt", _level_created),
    ("InventoryLevel", "updatedAt", _level_updated),
    ("InventoryLevel", "canDeactivate", _can_deactivate),
    ("InventoryLevel", "deactivationAlert", _deactivation_alert),
    ("InventoryLevel", "quantities", _quantities),
    ("InventoryAdjustmentGroup", "changes", _changes),
)
