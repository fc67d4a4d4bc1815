"""Read a store from the JSON Lines output of a Shopify bulk operation (``ledger import``).

Operations people start from their live store: ``query(version)`` is the bulk query to give
``bulkOperationRunQuery``; Shopify runs it and publishes the result as a JSON Lines file
(the operation's ``url``); ``read`` turns that file into a snapshot in the interface format,
with the store's real gids, location names, SKUs and all seven stored quantities.

The format (shopify.dev, "Perform bulk operations with the GraphQL Admin API"): one JSON
object per line, one per node of a connection. A node of a nested connection is a line of
its own, with ``__parentId`` naming the node it belongs to; fields that are no connection
(``location { ... }``, the ``quantities`` list) stay inline in their node's line. So the
query below gives an inventory item line, without ``__parentId``::

    {"id": "gid://shopify/InventoryItem/1", "sku": "TEE-RED-M", "tracked": true, ...}

and a line per level of that item::

    {"id": "gid://shopify/InventoryLevel/7?inventory_item_id=1", "isActive": true,
     "createdAt": "...", "location": {"id": "gid://shopify/Location/1", "name": ...},
     "quantities": [{"name": "available", "quantity": 5}, ...],
     "__parentId": "gid://shopify/InventoryItem/1"}

Since 2026-01 ``groupObjects`` defaults to false, and a child line need not follow its
parent: ``read`` takes the lines in any order. Choices where Shopify is silent ([ours]):

* every stored quantity (``available``, ``committed``, ``damaged``, ``incoming``,
  ``quality_control``, ``reserved``, ``safety_stock``) must be in a level's line, so that a
  query asking for fewer names cannot make a snapshot with silent zeros; ``on_hand`` may be
  there too and must equal the sum of its parts, as a snapshot's must; it is not written;
* fields beyond the query's (``updatedAt``, ``legacyResourceId``, ``__typename``, ...) are
  ignored, so the query may be extended; ``__typename``, when present, must be the type the
  line is read as;
* a location is read from the levels at it; a location that stocks nothing is not in that
  output, so ``locations_query()`` exports the locations on their own (one top-level
  connection a bulk query), and its lines (a ``Location`` id, no ``__parentId``) may be
  given as a second source or mixed into the first; a location's own line wins over the
  copies inline in levels; when two copies disagree (renamed while the operation ran) the
  first read wins, with a warning naming both lines;
* from 2026-04 the query asks for inactive levels too (``includeInactive: true``, and
  ``isActive``), which keep their quantities in those versions; before, Shopify lists only
  active levels, and an inactive level's quantities were cleared anyway;
* ``mutable`` (a bundle's parent) is not an ``InventoryItem`` field: imported items take the
  snapshot default (``true``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ledger.core.clock import timestamp
from ledger.core.errors import brief
from ledger.core.model import is_location_gid, item_number, level_item_id, level_number
from ledger.core.quantities import API_NAMES, STORED
from ledger.core.versions import DEFAULT, era_of
from ledger.store import oplog
from ledger.store.snapshot import INT64_MAX, INT64_MIN

#: The item fields the query reads (and the snapshot keeps), in the snapshot's order.
ITEM_FIELDS: Final = ("sku", "tracked", "requiresShipping", "createdAt")
#: The location fields the query reads inline in every level.
LOCATION_FIELDS: Final = ("name", "isActive", "fulfillsOnlineOrders", "createdAt")
_FLAGS: Final = frozenset({"tracked", "requiresShipping", "isActive", "fulfillsOnlineOrders"})


class BulkFormatError(ValueError):
    """A line of a bulk operation's output that cannot be read; the message names the line."""


@attrs.frozen(kw_only=True)
class BulkImport:
    """What ``read`` found: the snapshot, and what it noticed without refusing the file."""

    snapshot: dict[str, Any]
    warnings: tuple[str, ...]
    lines: int
    items: int
    levels: int
    locations: int


def query(api_version: str = DEFAULT) -> str:
    """Return the bulk query that exports every item, level, location and quantity of a store.

    Two connections, nested two deep (Shopify's limits are five and two); the quantities
    and the location are inline fields of each level. Where the version knows inactive
    levels (2026-04 on) it asks for them and for ``isActive``.
    """
    active = era_of(api_version).is_active_field
    names = ", ".join(f'"{name}"' for name in API_NAMES)
    levels = "inventoryLevels(includeInactive: true)" if active else "inventoryLevels"
    is_active = "              isActive\n" if active else ""
    return (
        "{\n"
        "  inventoryItems {\n"
        "    edges {\n"
        "      node {\n"
        "        id\n"
        "        sku\n"
        "        tracked\n"
        "        requiresShipping\n"
        "        createdAt\n"
        f"        {levels} {{\n"
        "          edges {\n"
        "            node {\n"
        "              id\n"
        f"{is_active}"
        "              createdAt\n"
        "              location {\n"
        "                id\n"
        "                name\n"
        "                isActive\n"
        "                fulfillsOnlineOrders\n"
        "                createdAt\n"
        "              }\n"
        f"              quantities(names: [{names}]) {{\n"
        "                name\n"
        "                quantity\n"
        "              }\n"
        "            }\n"
        "          }\n"
        "        }\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def locations_query() -> str:
    """Return the bulk query that exports every location, stocking anything or not.

    Inactive locations and the legacy locations of fulfillment services included, as the
    snapshot may name them. The same in every supported version.
    """
    return (
        "{\n"
        "  locations(includeInactive: true, includeLegacy: true) {\n"
        "    edges {\n"
        "      node {\n"
        "        id\n"
        "        name\n"
        "        isActive\n"
        "        fulfillsOnlineOrders\n"
        "        createdAt\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def mutation(bulk_query: str) -> str:
    """Return the ``bulkOperationRunQuery`` mutation that starts the export of ``bulk_query``."""
    inner = "".join(f"    {line}\n" if line else "\n" for line in bulk_query.splitlines())
    return (
        "mutation {\n"
        "  bulkOperationRunQuery(\n"
        '    query: """\n'
        f"{inner}"
        '    """\n'
        "  ) {\n"
        "    bulkOperation {\n"
        "      id\n"
        "      status\n"
        "    }\n"
        "    userErrors {\n"
        "      field\n"
        "      message\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


# ---------------------------------------------------------------------- reading


def _time(where: str, value: object, field: str) -> str:
    if not isinstance(value, str):
        raise BulkFormatError(f"{where}: {field} must be an ISO 8601 time, not {brief(value)}")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BulkFormatError(f"{where}: {field} is not an ISO 8601 time: {brief(value)}") from None
    if when.tzinfo is None:
        raise BulkFormatError(f"{where}: {field} has no time zone: {brief(value)}")
    try:
        return timestamp(when.astimezone(UTC))
    except OverflowError:
        raise BulkFormatError(f"{where}: {field} {brief(value)} is out of range") from None


def _attributes(where: str, node: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """Return the ``fields`` of ``node`` that it has, checked and in the snapshot's form."""
    out: dict[str, Any] = {}
    for field in fields:
        if field not in node:
            continue
        value = node[field]
        if field == "createdAt":
            value = _time(where, value, field)
        elif field in _FLAGS:
            if not isinstance(value, bool):
                raise BulkFormatError(f"{where}: {field} must be true or false, not "
                                      f"{brief(value)}")
        elif field == "sku":
            if value is not None and not isinstance(value, str):
                raise BulkFormatError(f"{where}: sku must be a string or null, not "
                                      f"{brief(value)}")
        elif not isinstance(value, str):  # name
            raise BulkFormatError(f"{where}: {field} must be a string, not {brief(value)}")
        out[field] = value
    return out


def _typename(where: str, node: Mapping[str, Any], expected: str) -> None:
    found = node.get("__typename", expected)
    if found != expected:
        has = "has" if expected == "InventoryLevel" else "has no"
        raise BulkFormatError(f"{where}: the line {has} __parentId, so it must be an {expected}, "
                              f"but its __typename is {brief(found)}")


def _quantities(where: str, raw: object) -> dict[str, int]:
    if not isinstance(raw, list):
        raise BulkFormatError(f"{where}: quantities must be a list of {{name, quantity}}, not "
                              f"{brief(raw)}")
    found: dict[str, int] = {}
    for i, entry in enumerate(raw):
        at = f"{where}: quantities[{i}]"
        if not isinstance(entry, dict):
            raise BulkFormatError(f"{at} must be an object, not {brief(entry)}")
        name, value = entry.get("name"), entry.get("quantity")
        if name not in API_NAMES:
            raise BulkFormatError(f"{at}: unknown quantity name {brief(name)}; the names are "
                                  + ", ".join(API_NAMES))
        if not isinstance(value, int) or isinstance(value, bool):
            raise BulkFormatError(f"{at}: quantity of {name} must be an integer, not "
                                  f"{brief(value)}")
        if not INT64_MIN <= value <= INT64_MAX:
            raise BulkFormatError(f"{at}: quantity of {name} does not fit in a signed 64-bit "
                                  "integer")
        if name in found:
            raise BulkFormatError(f"{at}: {name} is listed twice")
        found[name] = value
    missing = [name for name in API_NAMES if name != "on_hand" and name not in found]
    if missing:
        raise BulkFormatError(f"{where}: quantities lack {', '.join(missing)}; run the query "
                              "'ledger import --print-query' prints, which asks for every name")
    parts = sum(found[name] for name in STORED if name != "incoming")
    if "on_hand" in found and found["on_hand"] != parts:
        raise BulkFormatError(f"{where}: on_hand {found['on_hand']} does not equal the sum of "
                              f"its parts ({parts})")
    return {name: found[name] for name in STORED}


@attrs.define
class _Level:
    where: str
    item_id: str
    location_id: str
    entry: dict[str, Any]


def _lines(source: Iterable[str | bytes], name: str) -> Iterator[tuple[str, str]]:
    """Yield ``(label, text)`` of each line, decoded, without its end or a leading BOM."""
    prefix = f"{name}: " if name else ""
    for number, raw in enumerate(source, start=1):
        where = f"{prefix}line {number}"
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise BulkFormatError(f"{where}: not UTF-8 (byte {e.start + 1} of the "
                                      "line)") from None
        else:
            text = raw
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield where, text.rstrip("\n").removesuffix("\r")


def _ref(other: str, here: str) -> str:
    """Return how a message at ``here`` names the line ``other``: without its file if shared."""
    file, _, line = other.rpartition("line ")
    return f"line {line}" if here.startswith(file) else other


class _Reader:
    """Collects the lines of one or more sources; ``snapshot`` checks and builds the result."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, dict[str, Any]]] = {}
        self.levels: list[_Level] = []
        self.pairs: dict[tuple[str, str], str] = {}
        self.level_ids: dict[str, str] = {}
        #: Locations read from their own lines, and the copies inline in levels.
        self.own: dict[str, tuple[str, dict[str, Any]]] = {}
        self.inline: dict[str, tuple[str, dict[str, Any]]] = {}
        self.warnings: list[str] = []
        self.lines = 0

    def feed(self, source: Iterable[str | bytes], name: str = "") -> None:
        for where, text in _lines(source, name):
            self.lines += 1
            if not text.strip(" \t"):
                continue
            try:
                node = oplog.loads(text)
            except json.JSONDecodeError as e:
                raise BulkFormatError(f"{where}: invalid JSON at column {e.colno} "
                                      f"({e.msg})") from None
            except RecursionError:
                raise BulkFormatError(f"{where}: JSON nested too deeply to read") from None
            if not isinstance(node, dict):
                raise BulkFormatError(f"{where}: a line must be a JSON object, not "
                                      f"{brief(node)}")
            if "__parentId" in node:
                self._level(where, node)
            elif isinstance(node.get("id"), str) and is_location_gid(node["id"]):
                self._own_location(where, node)
            else:
                self._item(where, node)

    def _item(self, where: str, node: dict[str, Any]) -> None:
        _typename(where, node, "InventoryItem")
        item_id = node.get("id")
        if not isinstance(item_id, str) or item_number(item_id) is None:
            raise BulkFormatError(f"{where}: a line without __parentId must be an inventory "
                                  f"item (or a location), with an id like "
                                  f"'gid://shopify/InventoryItem/1', not {brief(item_id)}")
        if item_id in self.items:
            raise BulkFormatError(f"{where}: inventory item {item_id} is also on "
                                  f"{_ref(self.items[item_id][0], where)}")
        self.items[item_id] = (where, {"id": item_id, **_attributes(where, node, ITEM_FIELDS)})

    def _own_location(self, where: str, node: dict[str, Any]) -> None:
        _typename(where, node, "Location")
        location_id = node["id"]
        if location_id in self.own:
            raise BulkFormatError(f"{where}: location {location_id} is also on "
                                  f"{_ref(self.own[location_id][0], where)}")
        self.own[location_id] = (where, {"id": location_id,
                                         **_attributes(where, node, LOCATION_FIELDS)})

    def _level(self, where: str, node: dict[str, Any]) -> None:
        _typename(where, node, "InventoryLevel")
        parent = node["__parentId"]
        if not isinstance(parent, str) or item_number(parent) is None:
            raise BulkFormatError(f"{where}: __parentId must name an inventory item, not "
                                  f"{brief(parent)}")
        level_id = node.get("id")
        if level_id is not None:
            if not isinstance(level_id, str) or level_number(level_id) is None:
                raise BulkFormatError(f"{where}: id must be an inventory level gid, not "
                                      f"{brief(level_id)}")
            named = level_item_id(level_id)
            if named is not None and named != parent:
                raise BulkFormatError(f"{where}: level {level_id} names another item than its "
                                      f"__parentId {parent}")
            if level_id in self.level_ids:
                raise BulkFormatError(f"{where}: level {level_id} is also on "
                                      f"{_ref(self.level_ids[level_id], where)}")
            self.level_ids[level_id] = where
        location = node.get("location")
        if not isinstance(location, dict):
            raise BulkFormatError(f"{where}: a level needs its location {{id name ...}}, not "
                                  f"{brief(location)}")
        location_id = location.get("id")
        if not isinstance(location_id, str) or not is_location_gid(location_id):
            raise BulkFormatError(f"{where}: location.id must be a location gid like "
                                  f"'gid://shopify/Location/1', not {brief(location_id)}")
        attributes = {"id": location_id,
                      **_attributes(f"{where}: location", location, LOCATION_FIELDS)}
        self.inline.setdefault(location_id, (where, attributes))
        self._agree(where, attributes, self.inline[location_id])
        if (parent, location_id) in self.pairs:
            raise BulkFormatError(f"{where}: item {parent} has another level at {location_id} "
                                  f"on {_ref(self.pairs[parent, location_id], where)}")
        self.pairs[parent, location_id] = where
        entry: dict[str, Any] = {}
        if level_id is not None:
            entry["id"] = level_id
        entry["inventoryItemId"] = parent
        entry["locationId"] = location_id
        entry.update(_attributes(where, node, ("isActive", "createdAt")))
        entry["quantities"] = _quantities(where, node.get("quantities"))
        self.levels.append(_Level(where, parent, location_id, entry))

    def _agree(self, where: str, attributes: dict[str, Any],
               kept: tuple[str, dict[str, Any]]) -> None:
        """Warn when a copy of a location differs from the one kept (it changed meanwhile)."""
        if kept[1] != attributes:
            other = _ref(kept[0], where)
            self.warnings.append(f"{where}: location {attributes['id']} differs from {other} "
                                 f"(changed while the operation ran?); {other} is kept")

    def result(self) -> BulkImport:
        for level in self.levels:
            if level.item_id not in self.items:
                raise BulkFormatError(f"{level.where}: its __parentId {level.item_id} names no "
                                      "inventory item line of the file")
        locations = dict(self.inline)
        for location_id, own in self.own.items():
            copy = locations.get(location_id)
            if copy is not None:
                # The location's own line wins; a copy that disagrees was read at another time.
                self._agree(copy[0], copy[1], own)
            locations[location_id] = own
        snapshot = {
            "locations": [locations[k][1] for k in sorted(locations)],
            "inventoryItems": [self.items[k][1] for k in sorted(self.items)],
            "inventoryLevels": [lv.entry for lv in sorted(
                self.levels, key=lambda lv: (lv.item_id, lv.location_id))],
        }
        return BulkImport(snapshot=snapshot, warnings=tuple(self.warnings), lines=self.lines,
                          items=len(self.items), levels=len(self.levels),
                          locations=len(locations))


def read(source: Iterable[str | bytes], *more: Iterable[str | bytes]) -> BulkImport:
    """Read the lines of a bulk operation's output; return the snapshot they describe.

    ``source`` yields lines (a file opened in binary or text mode, or a list of strings);
    ``more`` are further outputs read with it (the locations export of ``locations_query``).
    Every line is read and checked before the snapshot is built: a line that cannot be read
    raises ``BulkFormatError`` naming its number, and nothing is returned.
    """
    return read_named([("", lines) for lines in (source, *more)])


def read_named(sources: Iterable[tuple[str, Iterable[str | bytes]]]) -> BulkImport:
    """Like ``read``, for sources with names (file names), which the errors then give."""
    reader = _Reader()
    for name, lines in sources:
        reader.feed(lines, name)
    return reader.result()


# ---------------------------------------------------------------------- writing


def to_lines(snapshot: Mapping[str, Any], api_version: str = DEFAULT) -> list[str]:
    """Return the lines Shopify's bulk output of ``query(api_version)`` holds for a snapshot.

    ``snapshot`` is a full snapshot (``Ledger.snapshot()``: every attribute present). The
    lines come grouped (each item, then its levels), as with ``groupObjects: true``; a
    version without ``isActive`` lists only active levels, as Shopify does. For fixtures
    and tests: ``read(to_lines(s), location_lines(s))`` gives ``s`` back, less ``mutable``.
    """
    active = era_of(api_version).is_active_field
    locations = {loc["id"]: loc for loc in snapshot["locations"]}
    by_item: dict[str, list[dict[str, Any]]] = {}
    for level in snapshot["inventoryLevels"]:
        by_item.setdefault(level["inventoryItemId"], []).append(level)
    out = []
    for item in snapshot["inventoryItems"]:
        out.append(_compact({"id": item["id"], **{f: item[f] for f in ITEM_FIELDS}}))
        for level in by_item.get(item["id"], []):
            if not active and not level["isActive"]:
                continue
            location = locations[level["locationId"]]
            q = dict(level["quantities"])
            q["on_hand"] = sum(v for k, v in q.items() if k != "incoming")
            node: dict[str, Any] = {"id": level["id"]}
            if active:
                node["isActive"] = level["isActive"]
            node["createdAt"] = level["createdAt"]
            node["location"] = {"id": location["id"],
                                **{f: location[f] for f in LOCATION_FIELDS}}
            node["quantities"] = [{"name": n, "quantity": q[n]} for n in API_NAMES]
            node["__parentId"] = item["id"]
            out.append(_compact(node))
    return out


def location_lines(snapshot: Mapping[str, Any]) -> list[str]:
    """Return the lines of the bulk output of ``locations_query()`` for a snapshot."""
    return [_compact({"id": loc["id"], **{f: loc[f] for f in LOCATION_FIELDS}})
            for loc in snapshot["locations"]]


def _compact(value: object) -> str:
    """Return ``value`` as JSON the way Shopify writes a bulk line: no spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
