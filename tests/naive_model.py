"""A deliberately naive reference model of the ledger, written from semantics.md alone.

Plain dicts and straight-line code; nothing here is imported from ``ledger``. Where the spec
marks a choice [ours] or is silent, the model follows what the engine's docstrings say was
chosen (``ledger/core/mutations/``, ``ledger/core/engine.py``,
``ledger/shopify/codec.py``), and the comment at that spot says so.

Every API version of semantics §3 is modelled, from the model's own copy of §3's era table
(``ERAS``: plain dicts, not ``ledger.versions``). One store serves every version: a call may
name its own version (``execute(..., api_version=...)``), and only that call follows it.

The model covers the inputs the state machine generates: well-typed variables for the API
version (no undefined fields, no wrong types). It does not reproduce variable-coercion
errors; a missing ``changeFromQuantity`` (semantics §4) is not one and is reproduced. It
does not model injected faults (``ledger.faults``: tests/test_faults.py covers them), so
SERVICE_UNAVAILABLE and IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED never occur here.

Platform events (ledger/core/mutations/platform_events.py: orders placed, fulfilled,
cancelled, returns restocked, incoming received) are modelled by ``NaiveLedger.event``,
from that module's docstring.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

ADJUST = "inventoryAdjustQuantities"
MOVE = "inventoryMoveQuantities"
SET = "inventorySetQuantities"
SET_ON_HAND = "inventorySetOnHandQuantities"
ACTIVATE = "inventoryActivate"
DEACTIVATE = "inventoryDeactivate"
BULK_TOGGLE = "inventoryBulkToggleActivation"
QUANTITY_OPERATIONS = [ADJUST, MOVE, SET, SET_ON_HAND]
#: interface.md's six operations.
OPERATIONS = [*QUANTITY_OPERATIONS, ACTIVATE, DEACTIVATE]
#: What ``NaiveLedger.execute`` takes: the six, and inventoryBulkToggleActivation (the
#: docstring of ``ledger/core/mutations/bulk_toggle.py`` describes it).
ALL_OPERATIONS = [*OPERATIONS, BULK_TOGGLE]

VERSIONS = [
    "2025-01", "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10",
    "2027-01",
]

# §3's era table, one dict per column. "key" rows: is @idempotent undefined, optional or
# required; "inactive"/"absent": what adjust, move, set and setOnHand do with an inactive
# level, or where the item has no level.
ERA_2025 = {
    "quantity key": "undefined",  # adjust, move, set, setOnHand
    "activate key": "undefined",  # inventoryActivate
    "stocking key": "undefined",  # inventoryDeactivate, inventoryBulkToggleActivation [ours]
    "changeFromQuantity": "undefined",
    "compareQuantity": "required",  # set's legacy compare
    "deactivation": "clears",
    "reactivation": "resets",
    "inactive": "not stocked",
    "absent": "not stocked",
    "isActive field": False,
}
ERA_2026_01 = {
    **ERA_2025,
    "quantity key": "optional",
    "activate key": "optional",
    "stocking key": "optional",
    "changeFromQuantity": "optional",
    "compareQuantity": "optional",
}
ERA_2026_04 = {
    **ERA_2026_01,
    "quantity key": "required",
    "activate key": "required",
    "changeFromQuantity": "required",
    "compareQuantity": "undefined",
    "deactivation": "keeps",
    "reactivation": "keeps",
    "inactive": "allowed",
    "isActive field": True,
}
ERA_2026_10 = {**ERA_2026_04, "absent": "created"}
ERAS = {
    "2025-01": ERA_2025, "2025-04": ERA_2025, "2025-07": ERA_2025, "2025-10": ERA_2025,
    "2026-01": ERA_2026_01,
    "2026-04": ERA_2026_04, "2026-07": ERA_2026_04,
    "2026-10": ERA_2026_10,
    # §3: Shopify's release candidate behaves as 2026-10 for everything here.
    "2027-01": ERA_2026_10,
}

# §2: the stored names; on_hand is every one of them except incoming.
STORED = [
    "available", "committed", "reserved", "damaged", "safety_stock", "quality_control",
    "incoming",
]
# interface.md: the order of quantities() and of a level's "quantities" list.
API_NAMES = [
    "available", "committed", "damaged", "incoming", "on_hand", "quality_control",
    "reserved", "safety_stock",
]
# §6: the names adjust and move accept.
ADJUSTABLE = ["available", "damaged", "incoming", "quality_control", "reserved", "safety_stock"]
# §5
REASONS = [
    "correction", "cycle_count_available", "damaged", "movement_canceled", "movement_created",
    "movement_received", "movement_updated", "other", "promotion", "quality_control",
    "received", "reservation_created", "reservation_deleted", "reservation_updated",
    "restock", "safety_stock", "shrinkage",
]

ITEM_PREFIX = "gid://shopify/InventoryItem/"
LEVEL_PREFIX = "gid://shopify/InventoryLevel/"
GROUP_PREFIX = "gid://shopify/InventoryAdjustmentGroup/"

MSG_REASON = "The specified reason is invalid. Valid values are: " + ", ".join(REASONS) + "."
MSG_REFERENCE = "The specified reference document is invalid."
MSG_ITEM = "The specified inventory item could not be found."
MSG_NON_MUTABLE = "The specified inventory item is not allowed to be adjusted via API."
MSG_LOCATION = "The specified location could not be found."
MSG_NOT_STOCKED = "The inventory item is not stocked at the location."
MSG_SET_NOT_STOCKED = "The specified inventory item is not stocked at the location."
MSG_QUANTITY_NAME = (
    "The specified quantity name is invalid. Valid values are: available, damaged, incoming, "
    "quality_control, reserved, safety_stock."
)
MSG_HIGH_2B = "The quantity can't be higher than 2,000,000,000."
MSG_LOW_2B = "The quantity can't be lower than -2,000,000,000."
MSG_HIGH_1B = "The quantity can't be higher than 1,000,000,000."
MSG_LOW_1B = "The quantity can't be lower than -1,000,000,000."
MSG_NEGATIVE = "The quantity can't be negative."
MSG_QUANTITY_DOCUMENT = "A ledger document URI is required except when adjusting available."
MSG_AVAILABLE_DOCUMENT = "A ledger document URI is not allowed when adjusting available."
MSG_INTERNAL_DOCUMENT = (
    "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API."
)
MSG_LEDGER_DOCUMENT = "The specified ledger document is invalid."
MSG_MAX_ONE_DOCUMENT = (
    "All changes must have the same ledger document URI or, in the case of adjusting "
    "available, no ledger document URI."
)
MSG_MAX_TWO_DOCUMENTS = "Only a maximum of 2 ledger document URIs across all changes is allowed."
MSG_STALE_ARGUMENT = "The changeFromQuantity argument no longer matches the persisted quantity."
MSG_SET_STALE = "The changeFromQuantity value does not match persisted value."
MSG_COMPARE_STALE = "The compareQuantity value does not match persisted value."
MSG_COMPARE_REQUIRED = (
    "The compareQuantity argument must be given to each quantity or ignored using "
    "ignoreCompareQuantity."
)
MSG_DIFFERENT_LOCATIONS = "The quantities can't be moved between different locations."
MSG_SAME_NAME = "The quantity names for each change can't be the same."
MSG_SET_NAME = "The quantity name must be either 'available' or 'on_hand'."
MSG_DUPLICATE = "The combination of inventoryItemId and locationId must be unique."
MSG_MISMATCH = "The same idempotency key cannot be used with different operation parameters."

# inventoryBulkToggleActivation's codes and messages (ledger/errors.py: the descriptions of
# Shopify's enum reference).
BULK_MESSAGES = {
    "INVENTORY_ITEM_NOT_FOUND": "The inventory item was not found.",
    "LOCATION_NOT_FOUND": "The location was not found.",
    "COMMITTED_INVENTORY_AT_LOCATION": (
        "Cannot unstock this inventory item from this location because it has committed "
        "quantities."
    ),
    "INCOMING_INVENTORY_AT_LOCATION": (
        "Cannot unstock this inventory item from this location because it has incoming "
        "quantities."
    ),
    "CANNOT_DEACTIVATE_FROM_ONLY_LOCATION": (
        "Cannot unstock an inventory item from the only location at which it is stocked."
    ),
}

CHANGE_FROM_TYPE = {
    ADJUST: "InventoryChangeInput",
    MOVE: "InventoryMoveQuantityTerminalInput",
    SET: "InventoryQuantityInput",
    SET_ON_HAND: "InventorySetQuantityInput",
}

WINDOW = timedelta(hours=24)


def is_valid_uri(text: str) -> bool:
    """§5 [ours]: a scheme, a colon, then non-empty content with no whitespace."""
    if ":" not in text:
        return False
    scheme, content = text.split(":", 1)
    if scheme == "":
        return False
    first = scheme[0]
    if not (first.isascii() and first.isalpha()):
        return False
    for c in scheme:
        if not (c.isascii() and (c.isalnum() or c in "+.-")):
            return False
    if content == "":
        return False
    return not any(c.isspace() for c in content)


def stamp(when: datetime) -> str:
    """§12: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    when = when.astimezone(UTC)
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}T"
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )


def on_hand_of(q: dict[str, int]) -> int:
    return (
        q["available"] + q["committed"] + q["reserved"] + q["damaged"] + q["safety_stock"]
        + q["quality_control"]
    )


def level_number(level_id: str) -> int | None:
    if not level_id.startswith(LEVEL_PREFIX):
        return None
    number = level_id[len(LEVEL_PREFIX):].split("?", 1)[0]
    if number == "" or not number.isascii() or not number.isdigit() or number[0] == "0":
        return None
    return int(number)


def item_named_by_level_id(level_id: str) -> str | None:
    """§9: level ids carry their item in ``?inventory_item_id=<n>``."""
    if level_number(level_id) is None or "?" not in level_id:
        return None
    query = level_id.split("?", 1)[1]
    for part in query.split("&"):
        if part.startswith("inventory_item_id="):
            value = part[len("inventory_item_id="):]
            return ITEM_PREFIX + value if value else None
    return None


def canonical(value: Any) -> Any:
    """The arguments as idempotency compares them (README, "Idempotency" [ours]).

    Key order does not matter, nor an omitted optional field versus an explicit null, except
    for ``changeFromQuantity``, where null means "no check" and omitted means the legacy rules.
    ``stockAtLegacyLocation: false`` is its default, the same as leaving it out.
    """
    if isinstance(value, dict):
        return {
            k: canonical(v) for k, v in value.items()
            if (v is not None or k == "changeFromQuantity")
            and not (k == "stockAtLegacyLocation" and v is False)
        }
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


# ---------------------------------------------------------------------- platform events
#
# Written from the docstring of ledger/core/mutations/platform_events.py (every choice
# there is [ours]: Shopify does not document how its own quantity changes appear in the
# audit trail). An event is not a GraphQL mutation: no API version governs it, the key is
# always optional, it is never refused at the request level. Its outcome is a plain dict:
# {"operation", "ok", "replayed", "errors": [{"field", "message", "code"}], "group"}, the
# group with quantityAfterChange filled in (the journal keeps it null, as payloads do).

ORDER_PLACED = "orderPlaced"
ORDER_FULFILLED = "orderFulfilled"
ORDER_CANCELLED = "orderCancelled"
RETURN_RESTOCKED = "returnRestocked"
INCOMING_RECEIVED = "incomingReceived"
EVENTS = [ORDER_PLACED, ORDER_FULFILLED, ORDER_CANCELLED, RETURN_RESTOCKED, INCOMING_RECEIVED]

# The error codes, in the documented order of the checks.
EVENT_ERROR_CODES = [
    "INVALID_REFERENCE_DOCUMENT", "NO_LINES", "INVALID_INVENTORY_ITEM", "INVALID_LOCATION",
    "ITEM_NOT_STOCKED_AT_LOCATION", "INVALID_QUANTITY", "INSUFFICIENT_COMMITTED",
    "INSUFFICIENT_INCOMING",
]
EVENT_MESSAGES = {
    "INVALID_REFERENCE_DOCUMENT": "The specified reference document is invalid.",
    "NO_LINES": "The event must have at least one line.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "INVALID_QUANTITY": "The quantity must be between 1 and 1,000,000,000.",
    "INSUFFICIENT_COMMITTED": "The quantity is more than is committed at the location.",
    "INSUFFICIENT_INCOMING": "The quantity is more than is incoming at the location.",
}


def event_table(kind: str, restock: bool) -> tuple[str | None, str | None, int, str]:
    """The docstring's table: (taken from, put into, on_hand sign, group reason).

    ``None`` is outside the location; the on_hand sign is the sign of the on_hand companion
    row (0: no companion row).
    """
    if kind == ORDER_PLACED:
        return "available", "committed", 0, "order_created"
    if kind == ORDER_FULFILLED:
        return "committed", None, -1, "order_fulfilled"
    if kind == ORDER_CANCELLED and restock:
        return "committed", "available", 0, "order_canceled"
    if kind == ORDER_CANCELLED:
        return "committed", None, -1, "order_canceled"
    if kind == RETURN_RESTOCKED:
        return None, "available", 1, "restock"
    return "incoming", "available", 1, "received"


def event_error(code: str, field: list[str]) -> dict[str, Any]:
    return {"field": field, "message": EVENT_MESSAGES[code], "code": code}


def parse_stamp(text: str) -> datetime:
    """The inverse of ``stamp``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class NaiveLedger:
    """One store, as plain dicts: the reference the state machine checks ``Ledger`` against."""

    def __init__(
        self, snapshot: dict[str, Any], api_version: str, clock: Callable[[], datetime]
    ) -> None:
        if api_version not in VERSIONS:
            raise ValueError(api_version)
        self.version = api_version
        self.era = ERAS[api_version]
        self.clock = clock
        # interface.md: an entry without createdAt gets the ledger's clock when the snapshot
        # is loaded, to the second.
        loaded = stamp(clock())
        self.locations: dict[str, str] = {}
        #: location -> its snapshot entry, every attribute filled in
        self.location_entries: dict[str, dict[str, Any]] = {}
        for loc in snapshot.get("locations", []):
            self.locations[loc["id"]] = loc.get("name", "Shop location")
            self.location_entries[loc["id"]] = {
                "id": loc["id"],
                "name": loc.get("name", "Shop location"),
                "isActive": loc.get("isActive", True),
                "fulfillsOnlineOrders": loc.get("fulfillsOnlineOrders", True),
                "createdAt": loc.get("createdAt") or loaded,
            }
        self.items: list[str] = []
        #: item -> its snapshot entry, every attribute filled in
        self.item_entries: dict[str, dict[str, Any]] = {}
        for item in snapshot.get("inventoryItems", []):
            self.items.append(item["id"])
            self.item_entries[item["id"]] = {
                "id": item["id"],
                "sku": item.get("sku"),
                "tracked": item.get("tracked", True),
                "requiresShipping": item.get("requiresShipping", True),
                # §5: false marks a bundle's parent, which the four quantity mutations refuse.
                "mutable": item.get("mutable", True),
                "createdAt": item.get("createdAt") or loaded,
            }
        # (item, location) -> {"id", "active", "created", "q": {name: int},
        #                      "updated": {name: str|None}}
        self.levels: dict[tuple[str, str], dict[str, Any]] = {}
        unnamed: list[tuple[str, str]] = []
        for entry in snapshot.get("inventoryLevels", []):
            pair = (entry["inventoryItemId"], entry["locationId"])
            q = dict.fromkeys(STORED, 0)
            for name, value in entry.get("quantities", {}).items():
                if name != "on_hand":
                    q[name] = value
            self.levels[pair] = {
                "id": entry.get("id"),
                "active": entry.get("isActive", True),
                "created": entry.get("createdAt") or loaded,
                "q": q,
                "updated": dict.fromkeys(STORED),
            }
            if entry.get("id") is None:
                unnamed.append(pair)
        # interface.md: a level without id gets one in Shopify's form; the engine numbers
        # them after the highest number given in the snapshot, in snapshot order.
        for pair in unnamed:
            self.levels[pair]["id"] = self.new_level_id(pair[0])
        #: What each level held when loaded: where time travel starts from.
        self.loaded_quantities = {pair: dict(level["q"]) for pair, level in self.levels.items()}
        self.groups_made = 0
        #: Every adjustment group recorded, oldest first (the audit trail).
        self.journal: list[dict[str, Any]] = []
        #: §14: the createdAt of the newest group; no call is stamped earlier.
        self.floor: datetime | None = None
        # key -> (first used at, operation, variables, response)
        self.keys: dict[str, tuple[datetime, str, Any, dict[str, Any]]] = {}

    # ------------------------------------------------------------------ reads

    def quantities(self, item: str, location: str) -> dict[str, int]:
        if item not in self.items:
            raise KeyError(item)
        if location not in self.locations:
            raise KeyError(location)
        level = self.levels.get((item, location))
        q = level["q"] if level is not None else dict.fromkeys(STORED, 0)
        out = {name: q[name] for name in API_NAMES if name != "on_hand"}
        out["on_hand"] = on_hand_of(q)
        return {name: out[name] for name in API_NAMES}

    def quantities_at(self, item: str, location: str, when: datetime) -> dict[str, int]:
        """What ``quantities`` returned at ``when``: the loaded values plus every row of a
        group created at or before ``when`` (§14; groups are stamped to the second)."""
        q = dict(self.loaded_quantities.get((item, location), dict.fromkeys(STORED, 0)))
        total = on_hand_of(q)
        for group in self.journal:
            if parse_stamp(group["createdAt"]) > when:
                continue
            for row in group["changes"]:
                if row["item"]["id"] != item or row["location"]["id"] != location:
                    continue
                if row["name"] == "on_hand":
                    total += row["delta"]
                else:
                    q[row["name"]] += row["delta"]
        out = {name: q[name] for name in API_NAMES if name != "on_hand"}
        out["on_hand"] = total
        return {name: out[name] for name in API_NAMES}

    def level_id(self, item: str, location: str) -> str | None:
        level = self.levels.get((item, location))
        return level["id"] if level is not None else None

    def mutable(self, item: str) -> bool:
        return bool(self.item_entries[item]["mutable"])

    def snapshot(self) -> dict[str, Any]:
        """interface.md's snapshot, every attribute filled in."""
        levels = []
        for pair in sorted(self.levels):
            level = self.levels[pair]
            levels.append({
                "id": level["id"],
                "inventoryItemId": pair[0],
                "locationId": pair[1],
                "isActive": level["active"],
                "createdAt": level["created"],
                "quantities": {name: level["q"][name] for name in STORED},
            })
        return {
            "locations": [
                dict(self.location_entries[loc]) for loc in sorted(self.location_entries)
            ],
            "inventoryItems": [dict(self.item_entries[item]) for item in sorted(self.items)],
            "inventoryLevels": levels,
        }

    def new_level_id(self, item: str) -> str:
        highest = 0
        for level in self.levels.values():
            if level["id"] is not None:
                highest = max(highest, level_number(level["id"]) or 0)
        return f"{LEVEL_PREFIX}{highest + 1}?inventory_item_id={item[len(ITEM_PREFIX):]}"

    def add_level(self, item: str, location: str, active: bool, now: datetime) -> None:
        """A new level there: all zeros, the next level number."""
        self.levels[(item, location)] = {
            "id": self.new_level_id(item),
            "active": active,
            "created": stamp(now),
            "q": dict.fromkeys(STORED, 0),
            "updated": dict.fromkeys(STORED),
        }

    def active(self, item: str, location: str) -> bool:
        level = self.levels.get((item, location))
        return level is not None and level["active"]

    def not_stocked(self, item: str, location: str) -> bool:
        """§3, §5: does this call's version refuse the level of a known item at a known
        location (ITEM_NOT_STOCKED_AT_LOCATION)?"""
        level = self.levels.get((item, location))
        if level is None:
            return self.era["absent"] != "created"
        if level["active"]:
            return False
        return self.era["inactive"] != "allowed"

    def stored(self, item: str, location: str) -> dict[str, int]:
        """The stored quantities there: zeros where there is no level (yet)."""
        level = self.levels.get((item, location))
        return level["q"] if level is not None else dict.fromkeys(STORED, 0)

    def reach(self, item: str, location: str, now: datetime) -> None:
        """§13: from 2026-10 a mutation that succeeds creates a missing level, inactive."""
        if (item, location) not in self.levels:
            self.add_level(item, location, False, now)

    # ------------------------------------------------------------------ the clock

    def stamped(self) -> datetime:
        """§14: the clock, but never earlier than the newest group."""
        now = self.clock().astimezone(UTC)
        if self.floor is not None and now < self.floor:
            return self.floor
        return now

    def read_clock(self) -> datetime:
        """The stamp of a call that runs (one refused at the request level never reads it)."""
        now = self.stamped()
        # §11: a key is new again once its first call is 24 h in the past. The spec is silent
        # on a clock set back after that; the engine's rule ("every call moves the window,
        # keyed or not, so no key outlives it") is that the key stays forgotten: any call
        # stamped 24 h after the key's first use forgets it for good.
        for key in list(self.keys):
            if now - self.keys[key][0] >= WINDOW:
                del self.keys[key]
        return now

    # ------------------------------------------------------------------ the call

    def execute(
        self,
        operation: str,
        variables: Any,
        idempotency_key: str | None = None,
        api_version: str | None = None,
    ) -> dict[str, Any]:
        version = self.version if api_version is None else api_version
        if version not in ERAS:
            raise ValueError(version)
        if operation not in ALL_OPERATIONS:
            raise ValueError(operation)
        era = ERAS[version]
        # Everything below reads this call's era.
        self.era = era
        # §4, in order: changeFromQuantity presence, then the directive.
        if (
            operation in QUANTITY_OPERATIONS
            and era["changeFromQuantity"] == "required"
            and self.change_from_missing(operation, variables)
        ):
            return {
                "errors": [{
                    "message": f"{CHANGE_FROM_TYPE[operation]} must include the following "
                    "argument: changeFromQuantity.",
                    "path": [operation],
                    "extensions": {"code": "INVALID_FIELD_ARGUMENTS"},
                }],
                "data": {operation: None},
            }
        if operation in QUANTITY_OPERATIONS:
            directive = era["quantity key"]
        elif operation == ACTIVATE:
            directive = era["activate key"]
        else:
            directive = era["stocking key"]
        if idempotency_key is not None and directive == "undefined":
            return {"errors": [{
                "message": "Directive @idempotent is not defined",
                "extensions": {"code": "undefinedDirective", "directiveName": "idempotent"},
            }]}
        if idempotency_key is None and directive == "required":
            return {
                "errors": [{
                    "message": "The @idempotent directive is required for this mutation but "
                    "was not provided.",
                    "path": [operation],
                    "extensions": {"code": "BAD_REQUEST"},
                }],
                "data": {operation: None},
            }
        now = self.read_clock()
        if idempotency_key is None:
            return self.run(operation, variables, now)
        # §11: a key is remembered for 24 hours of the clock; then it is new again.
        remembered = self.keys.get(idempotency_key)
        if remembered is not None:
            _, first_operation, first_variables, first_response = remembered
            if first_operation == operation and canonical(first_variables) == canonical(variables):
                return self.in_this_era(copy.deepcopy(first_response))
            return self.mismatch(operation)
        response = self.run(operation, variables, now)
        self.keys[idempotency_key] = (
            now, operation, copy.deepcopy(variables), copy.deepcopy(response)
        )
        return response

    def in_this_era(self, response: dict[str, Any]) -> dict[str, Any]:
        """The remembered response as this call's version shows it: ``isActive`` or not (§13).

        A key first used in one version may be replayed in another (one store, many apps);
        the same outcome comes back in the replaying version's schema, which has the
        level's ``isActive`` only from 2026-04 (the level an activation returns is active).
        """
        level = (response.get("data") or {}).get(ACTIVATE, {}) or {}
        level = level.get("inventoryLevel")
        if level is None:
            return response
        active = level.pop("isActive", True)
        if self.era["isActive field"]:
            rest = dict(level)
            level.clear()
            level.update({"id": rest.pop("id"), "isActive": active, **rest})
        return response

    def change_from_missing(self, operation: str, variables: Any) -> bool:
        inp = variables["input"]
        if operation == ADJUST:
            return any("changeFromQuantity" not in ch for ch in inp["changes"])
        if operation == MOVE:
            for ch in inp["changes"]:
                if "changeFromQuantity" not in ch["from"]:
                    return True
                if "changeFromQuantity" not in ch["to"]:
                    return True
            return False
        if operation == SET:
            return any("changeFromQuantity" not in q for q in inp["quantities"])
        return any("changeFromQuantity" not in q for q in inp["setQuantities"])

    def mismatch(self, operation: str) -> dict[str, Any]:
        if operation == ACTIVATE:
            return {"data": {ACTIVATE: {
                "inventoryLevel": None,
                "userErrors": [{"field": None, "message": MSG_MISMATCH}],
            }}}
        if operation == DEACTIVATE:
            return {"data": {DEACTIVATE: {
                "userErrors": [{"field": None, "message": MSG_MISMATCH}],
            }}}
        if operation == BULK_TOGGLE:
            # engine.py [ours]: the bulk toggle enum has no IDEMPOTENCY_* code: code null.
            return {"data": {BULK_TOGGLE: {
                "inventoryItem": None,
                "inventoryLevels": None,
                "userErrors": [{"field": None, "message": MSG_MISMATCH, "code": None}],
            }}}
        return {"data": {operation: {
            "inventoryAdjustmentGroup": None,
            "userErrors": [{
                "field": None, "message": MSG_MISMATCH,
                "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            }],
        }}}

    def run(self, operation: str, variables: Any, now: datetime) -> dict[str, Any]:
        if operation == ADJUST:
            return self.adjust(variables["input"], now)
        if operation == MOVE:
            return self.move(variables["input"], now)
        if operation == SET:
            return self.set_quantities(variables["input"], now, is_set=True)
        if operation == SET_ON_HAND:
            return self.set_quantities(variables["input"], now, is_set=False)
        if operation == ACTIVATE:
            return self.activate(variables, now)
        if operation == DEACTIVATE:
            return self.deactivate(variables, now)
        return self.bulk_toggle(variables, now)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def error(field: list[str] | None, message: str, code: str) -> dict[str, Any]:
        return {"field": field, "message": message, "code": code}

    def payload(
        self, operation: str, group: dict[str, Any] | None, errors: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {"data": {operation: {"inventoryAdjustmentGroup": group, "userErrors": errors}}}

    def reason_and_reference(
        self, errors: list[dict[str, Any]], inp: dict[str, Any]
    ) -> None:
        if inp["reason"] not in REASONS:
            errors.append(self.error(["input", "reason"], MSG_REASON, "INVALID_REASON"))
        reference = inp.get("referenceDocumentUri")
        if reference is not None and not is_valid_uri(reference):
            errors.append(self.error(
                ["input", "referenceDocumentUri"], MSG_REFERENCE, "INVALID_REFERENCE_DOCUMENT"
            ))

    def ledger_document(
        self, errors: list[dict[str, Any]], name: str, uri: str | None, field: list[str]
    ) -> None:
        """§5. Any name but available needs a ledger document, an invalid name too."""
        if name == "available":
            if uri is not None:
                errors.append(self.error(
                    field, MSG_AVAILABLE_DOCUMENT, "INVALID_AVAILABLE_DOCUMENT"
                ))
            return
        if uri is None:
            errors.append(self.error(field, MSG_QUANTITY_DOCUMENT, "INVALID_QUANTITY_DOCUMENT"))
        elif uri.startswith("gid://shopify/"):
            errors.append(self.error(field, MSG_INTERNAL_DOCUMENT, "INTERNAL_LEDGER_DOCUMENT"))
        elif not is_valid_uri(uri):
            errors.append(self.error(field, MSG_LEDGER_DOCUMENT, "INVALID_LEDGER_DOCUMENT"))

    def item_check(self, errors: list[dict[str, Any]], item: str, field: list[str]) -> bool:
        """§5: the item exists, and may be changed. False: skip the location checks (a
        non-mutable item's error stands in place of them)."""
        if item not in self.items:
            errors.append(self.error(field, MSG_ITEM, "INVALID_INVENTORY_ITEM"))
            return True
        if not self.mutable(item):
            errors.append(self.error(field, MSG_NON_MUTABLE, "NON_MUTABLE_INVENTORY_ITEM"))
            return False
        return True

    def row(
        self, name: str, delta: int, document: str | None, item: str, location: str
    ) -> dict[str, Any]:
        return {
            "name": name,
            "delta": delta,
            "quantityAfterChange": None,
            "ledgerDocumentUri": document,
            "item": {"id": item},
            "location": {"id": location, "name": self.locations[location]},
        }

    def group(
        self, reason: str, reference: str | None, rows: list[dict[str, Any]], now: datetime
    ) -> dict[str, Any] | None:
        if not rows:
            return None
        self.groups_made += 1
        # §14: no later call is stamped before this group.
        self.floor = now.replace(microsecond=0)
        group = {
            "id": f"{GROUP_PREFIX}{self.groups_made}",
            "createdAt": stamp(now),
            "reason": reason,
            "referenceDocumentUri": reference,
            "app": None,
            "staffMember": None,
            "changes": rows,
        }
        self.journal.append(copy.deepcopy(group))
        return group

    def change(self, item: str, location: str, name: str, delta: int, now: datetime) -> None:
        level = self.levels[(item, location)]
        level["q"][name] += delta
        level["updated"][name] = stamp(now)

    # ------------------------------------------------------------------ §6 adjust

    def adjust(self, inp: dict[str, Any], now: datetime) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        name = inp["name"]
        name_ok = name in ADJUSTABLE
        if not name_ok:
            errors.append(self.error(["input", "name"], MSG_QUANTITY_NAME, "INVALID_QUANTITY_NAME"))
        self.reason_and_reference(errors, inp)
        changes = inp["changes"]
        # [ours, mutations/checks.py]: the resulting quantity is bounded, counted with the
        # running value when several changes touch one level.
        running: dict[tuple[str, str], int] = {}
        for i, ch in enumerate(changes):
            path = ["input", "changes", str(i)]
            item = ch["inventoryItemId"]
            location = ch["locationId"]
            reachable = False
            if self.item_check(errors, item, [*path, "inventoryItemId"]):
                if location not in self.locations:
                    errors.append(self.error(
                        [*path, "locationId"], MSG_LOCATION, "INVALID_LOCATION"
                    ))
                elif item in self.items and self.not_stocked(item, location):
                    errors.append(self.error(
                        [*path, "locationId"], MSG_NOT_STOCKED, "ITEM_NOT_STOCKED_AT_LOCATION"
                    ))
                elif item in self.items:
                    reachable = True
            delta = ch["delta"]
            at = [*path, "delta"]
            if delta > 2_000_000_000:
                errors.append(self.error(at, MSG_HIGH_2B, "INVALID_QUANTITY_TOO_HIGH"))
            elif delta < -2_000_000_000:
                errors.append(self.error(at, MSG_LOW_2B, "INVALID_QUANTITY_TOO_LOW"))
            elif reachable and name_ok:
                before = running.get((item, location))
                if before is None:
                    before = self.stored(item, location)[name]
                after = before + delta
                if after > 2_000_000_000:
                    errors.append(self.error(at, MSG_HIGH_2B, "INVALID_QUANTITY_TOO_HIGH"))
                elif after < -2_000_000_000:
                    errors.append(self.error(at, MSG_LOW_2B, "INVALID_QUANTITY_TOO_LOW"))
                else:
                    running[(item, location)] = after
            self.ledger_document(
                errors, name, ch.get("ledgerDocumentUri"), [*path, "ledgerDocumentUri"]
            )
        documents = []
        for ch in changes:
            if ch.get("ledgerDocumentUri") not in documents:
                documents.append(ch.get("ledgerDocumentUri"))
        if len(documents) > 1:
            errors.append(self.error(
                ["input", "changes"], MSG_MAX_ONE_DOCUMENT, "MAX_ONE_LEDGER_DOCUMENT"
            ))
        if not errors:
            # §10: CAS only when nothing else failed, against the persisted values.
            for i, ch in enumerate(changes):
                expected = ch.get("changeFromQuantity")
                current = self.stored(ch["inventoryItemId"], ch["locationId"])[name]
                if expected is not None and expected != current:
                    errors.append(self.error(
                        ["input", "changes", str(i), "changeFromQuantity"], MSG_STALE_ARGUMENT,
                        "CHANGE_FROM_QUANTITY_STALE",
                    ))
        if errors:
            return self.payload(ADJUST, None, errors)
        named_rows = []
        on_hand_rows = []
        for ch in changes:
            item = ch["inventoryItemId"]
            location = ch["locationId"]
            self.reach(item, location, now)
            delta = ch["delta"]
            if delta == 0:
                continue
            self.change(item, location, name, delta, now)
            named_rows.append(self.row(name, delta, ch.get("ledgerDocumentUri"), item, location))
            if name != "incoming":
                on_hand_rows.append(self.row("on_hand", delta, None, item, location))
        group = self.group(
            inp["reason"], inp.get("referenceDocumentUri"), named_rows + on_hand_rows, now
        )
        return self.payload(ADJUST, group, [])

    # ------------------------------------------------------------------ §7 move

    def move(self, inp: dict[str, Any], now: datetime) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        self.reason_and_reference(errors, inp)
        changes = inp["changes"]
        documents: list[str] = []
        for i, ch in enumerate(changes):
            path = ["input", "changes", str(i)]
            item = ch["inventoryItemId"]
            source = ch["from"]
            target = ch["to"]
            if self.item_check(errors, item, [*path, "inventoryItemId"]):
                if source["locationId"] not in self.locations:
                    errors.append(self.error(
                        [*path, "from", "locationId"], MSG_LOCATION, "INVALID_LOCATION"
                    ))
                if target["locationId"] not in self.locations:
                    errors.append(self.error(
                        [*path, "to", "locationId"], MSG_LOCATION, "INVALID_LOCATION"
                    ))
                # [ours]: a DIFFERENT_LOCATIONS change skips the stocked check; otherwise the
                # stocked check sits at from.locationId (whether or not "to" is known).
                if (
                    source["locationId"] in self.locations
                    and target["locationId"] in self.locations
                    and source["locationId"] != target["locationId"]
                ):
                    errors.append(self.error(path, MSG_DIFFERENT_LOCATIONS, "DIFFERENT_LOCATIONS"))
                elif (
                    source["locationId"] in self.locations
                    and item in self.items
                    and self.not_stocked(item, source["locationId"])
                ):
                    errors.append(self.error(
                        [*path, "from", "locationId"], MSG_NOT_STOCKED,
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                    ))
            if source["name"] not in ADJUSTABLE:
                errors.append(self.error(
                    [*path, "from", "name"], MSG_QUANTITY_NAME, "INVALID_QUANTITY_NAME"
                ))
            if target["name"] not in ADJUSTABLE:
                errors.append(self.error(
                    [*path, "to", "name"], MSG_QUANTITY_NAME, "INVALID_QUANTITY_NAME"
                ))
            # §7: whether or not the name is valid.
            if source["name"] == target["name"]:
                errors.append(self.error(path, MSG_SAME_NAME, "SAME_QUANTITY_NAME"))
            quantity = ch["quantity"]
            if quantity < 0:
                errors.append(self.error(
                    [*path, "quantity"], MSG_NEGATIVE, "INVALID_QUANTITY_NEGATIVE"
                ))
            elif quantity > 2_000_000_000:
                errors.append(self.error(
                    [*path, "quantity"], MSG_HIGH_2B, "INVALID_QUANTITY_TOO_HIGH"
                ))
            for side, terminal in (("from", source), ("to", target)):
                uri = terminal.get("ledgerDocumentUri")
                self.ledger_document(
                    errors, terminal["name"], uri, [*path, side, "ledgerDocumentUri"]
                )
                if uri is not None and uri not in documents:
                    documents.append(uri)
        if len(documents) > 2:
            errors.append(self.error(
                ["input", "changes"], MSG_MAX_TWO_DOCUMENTS, "MAXIMUM_LEDGER_DOCUMENT_URIS"
            ))
        if not errors:
            for i, ch in enumerate(changes):
                for side in ("from", "to"):
                    terminal = ch[side]
                    expected = terminal.get("changeFromQuantity")
                    current = self.stored(ch["inventoryItemId"], terminal["locationId"])
                    if expected is not None and expected != current[terminal["name"]]:
                        errors.append(self.error(
                            ["input", "changes", str(i), side, "changeFromQuantity"],
                            MSG_STALE_ARGUMENT, "CHANGE_FROM_QUANTITY_STALE",
                        ))
        if errors:
            return self.payload(MOVE, None, errors)
        named_rows = []
        on_hand_rows = []
        for ch in changes:
            item = ch["inventoryItemId"]
            source = ch["from"]
            target = ch["to"]
            location = source["locationId"]
            self.reach(item, location, now)
            quantity = ch["quantity"]
            if quantity == 0:
                continue
            self.change(item, location, source["name"], -quantity, now)
            named_rows.append(self.row(
                source["name"], -quantity, source.get("ledgerDocumentUri"), item, location
            ))
            self.change(item, location, target["name"], quantity, now)
            named_rows.append(self.row(
                target["name"], quantity, target.get("ledgerDocumentUri"), item, location
            ))
            # [ours] §7: on_hand moves only when exactly one side is incoming.
            if source["name"] == "incoming" and target["name"] != "incoming":
                on_hand_rows.append(self.row("on_hand", quantity, None, item, location))
            if target["name"] == "incoming" and source["name"] != "incoming":
                on_hand_rows.append(self.row("on_hand", -quantity, None, item, location))
        group = self.group(
            inp["reason"], inp["referenceDocumentUri"], named_rows + on_hand_rows, now
        )
        return self.payload(MOVE, group, [])

    # ------------------------------------------------------------------ §8 set, setOnHand

    def uses_legacy_compare(self, quantity: dict[str, Any]) -> bool:
        if self.era["compareQuantity"] == "undefined":
            return False
        if self.era["changeFromQuantity"] == "undefined":
            return True
        # 2026-01: a quantity with the key changeFromQuantity (even null) uses it.
        return "changeFromQuantity" not in quantity

    def set_quantities(self, inp: dict[str, Any], now: datetime, *, is_set: bool) -> dict[str, Any]:
        operation = SET if is_set else SET_ON_HAND
        errors: list[dict[str, Any]] = []
        name = inp["name"] if is_set else "on_hand"
        if name not in ("available", "on_hand"):
            errors.append(self.error(["input", "name"], MSG_SET_NAME, "INVALID_NAME"))
        self.reason_and_reference(errors, inp)
        list_key = "quantities" if is_set else "setQuantities"
        quantities = inp[list_key]
        for i, q in enumerate(quantities):
            path = ["input", list_key, str(i)]
            item = q["inventoryItemId"]
            location = q["locationId"]
            if self.item_check(errors, item, [*path, "inventoryItemId"]):
                if location not in self.locations:
                    errors.append(self.error(
                        [*path, "locationId"], MSG_LOCATION, "INVALID_LOCATION"
                    ))
                elif item in self.items and self.not_stocked(item, location):
                    # errors.py: setOnHand keeps the shared wording; set has its own.
                    message = MSG_SET_NOT_STOCKED if is_set else MSG_NOT_STOCKED
                    errors.append(self.error(
                        [*path, "locationId"], message, "ITEM_NOT_STOCKED_AT_LOCATION"
                    ))
            value = q["quantity"]
            at = [*path, "quantity"]
            # [ours]: for on_hand, NEGATIVE wins over TOO_LOW.
            if name == "on_hand" and value < 0:
                errors.append(self.error(at, MSG_NEGATIVE, "INVALID_QUANTITY_NEGATIVE"))
            elif value > 1_000_000_000:
                errors.append(self.error(at, MSG_HIGH_1B, "INVALID_QUANTITY_TOO_HIGH"))
            elif value < -1_000_000_000:
                errors.append(self.error(at, MSG_LOW_1B, "INVALID_QUANTITY_TOO_LOW"))
        ignore = is_set and inp.get("ignoreCompareQuantity") is True
        if is_set:
            for i, q in enumerate(quantities):
                same = 0
                for other in quantities:
                    if (
                        other["inventoryItemId"] == q["inventoryItemId"]
                        and other["locationId"] == q["locationId"]
                    ):
                        same += 1
                if same > 1:
                    errors.append(self.error(
                        ["input", "quantities", str(i), "locationId"], MSG_DUPLICATE,
                        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    ))
            if not ignore:
                for q in quantities:
                    if self.uses_legacy_compare(q) and q.get("compareQuantity") is None:
                        errors.append(self.error(
                            ["input", "ignoreCompareQuantity"], MSG_COMPARE_REQUIRED,
                            "COMPARE_QUANTITY_REQUIRED",
                        ))
                        break
        if not errors:
            for i, q in enumerate(quantities):
                stored = self.stored(q["inventoryItemId"], q["locationId"])
                current = stored["available"] if name == "available" else on_hand_of(stored)
                path = ["input", list_key, str(i)]
                if is_set and self.uses_legacy_compare(q):
                    expected = q.get("compareQuantity")
                    if not ignore and expected is not None and expected != current:
                        errors.append(self.error(
                            [*path, "compareQuantity"], MSG_COMPARE_STALE, "COMPARE_QUANTITY_STALE"
                        ))
                else:
                    expected = q.get("changeFromQuantity")
                    if expected is not None and expected != current:
                        # errors.py: setOnHand words it as adjust does.
                        message = MSG_SET_STALE if is_set else MSG_STALE_ARGUMENT
                        errors.append(self.error(
                            [*path, "changeFromQuantity"], message, "CHANGE_FROM_QUANTITY_STALE"
                        ))
        if errors:
            return self.payload(operation, None, errors)
        available_rows = []
        on_hand_rows = []
        for q in quantities:
            item = q["inventoryItemId"]
            location = q["locationId"]
            self.reach(item, location, now)
            level = self.levels[(item, location)]
            current = level["q"]["available"] if name == "available" else on_hand_of(level["q"])
            delta = q["quantity"] - current
            if delta == 0:
                continue
            # Setting either name moves available and on_hand by the same delta.
            self.change(item, location, "available", delta, now)
            available_rows.append(self.row("available", delta, None, item, location))
            on_hand_rows.append(self.row("on_hand", delta, None, item, location))
        group = self.group(
            inp["reason"], inp.get("referenceDocumentUri"), available_rows + on_hand_rows, now
        )
        return self.payload(operation, group, [])

    # ------------------------------------------------------------------ §9 stocking

    def level_json(self, item: str, location: str) -> dict[str, Any]:
        level = self.levels[(item, location)]
        values = self.quantities(item, location)
        out: dict[str, Any] = {"id": level["id"]}
        # §13: InventoryLevel has isActive only from 2026-04.
        if self.era["isActive field"]:
            out["isActive"] = level["active"]
        out["item"] = {"id": item}
        out["location"] = {"id": location, "name": self.locations[location]}
        out["quantities"] = [
            {
                "name": name,
                "quantity": values[name],
                "updatedAt": None if name == "on_hand" else level["updated"][name],
            }
            for name in API_NAMES
        ]
        return out

    def restock(
        self, item: str, location: str, target: dict[str, int], now: datetime,
        named_rows: list[dict[str, Any]], on_hand_rows: list[dict[str, Any]],
    ) -> None:
        """§9: bring the level's stored quantities to ``target``, writing the rows of §6: a
        named row per stored quantity that changes, in stored order, and the on_hand
        companions (the caller puts them after every named row of the call)."""
        level = self.levels[(item, location)]
        for name in STORED:
            delta = target[name] - level["q"][name]
            if delta == 0:
                continue
            self.change(item, location, name, delta, now)
            named_rows.append(self.row(name, delta, None, item, location))
            if name != "incoming":
                on_hand_rows.append(self.row("on_hand", delta, None, item, location))

    def activate(self, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
        # §9: stockAtLegacyLocation is accepted and has no effect here.
        item = variables["inventoryItemId"]
        location = variables["locationId"]
        available = variables.get("available")
        on_hand = variables.get("onHand")
        errors: list[dict[str, Any]] = []
        if item not in self.items:
            errors.append({"field": ["inventoryItemId"], "message": MSG_ITEM})
        if location not in self.locations:
            errors.append({"field": ["locationId"], "message": MSG_LOCATION})
        if errors:
            return {"data": {ACTIVATE: {"inventoryLevel": None, "userErrors": errors}}}
        stock = f"The product couldn't be stocked at {self.locations[location]} because "
        if available is not None and on_hand is not None:
            both = stock + "not allowed to set available and on_hand quantities at the same time."
            errors.append({"field": ["available"], "message": both})
            errors.append({"field": ["onHand"], "message": both})
        for field, value in (("available", available), ("onHand", on_hand)):
            if value is not None and (value > 1_000_000_000 or value < -1_000_000_000):
                errors.append({"field": [field], "message": stock + (
                    "the quantity needs to be between -1 billion and 1 billion."
                )})
        active = self.active(item, location)
        if active and not errors:
            if on_hand is not None:
                errors.append({"field": ["onHand"], "message": (
                    "Not allowed to set an on_hand quantity when the item is already active at "
                    "the location."
                )})
            if available is not None:
                errors.append({"field": ["available"], "message": (
                    "Not allowed to set available quantity when the item is already active at "
                    "the location."
                )})
        if errors:
            # The level is still returned when it is active (and unchanged).
            level = self.level_json(item, location) if active else None
            return {"data": {ACTIVATE: {"inventoryLevel": level, "userErrors": errors}}}
        if (item, location) not in self.levels:
            self.add_level(item, location, True, now)
            target = dict.fromkeys(STORED, 0)
        else:
            level = self.levels[(item, location)]
            # §9: reactivating resets the quantities to zero up to 2026-01; later it keeps them.
            if not level["active"] and self.era["reactivation"] == "resets":
                target = dict.fromkeys(STORED, 0)
            else:
                target = dict(level["q"])
            level["active"] = True
        # The seed sets available, directly or through on_hand.
        if available is not None:
            target["available"] = available
        elif on_hand is not None:
            target["available"] += on_hand - on_hand_of(target)
        named_rows: list[dict[str, Any]] = []
        on_hand_rows: list[dict[str, Any]] = []
        self.restock(item, location, target, now, named_rows, on_hand_rows)
        # §9 [ours]: one correction group, no reference document, not in the payload.
        self.group("correction", None, named_rows + on_hand_rows, now)
        return {"data": {ACTIVATE: {
            "inventoryLevel": self.level_json(item, location), "userErrors": [],
        }}}

    def deactivate(self, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
        level_id = variables["inventoryLevelId"]
        found = None
        for pair, level in self.levels.items():
            if level["id"] == level_id:
                found = pair
        if found is None:
            named = item_named_by_level_id(level_id)
            gone = "location" if named is not None and named in self.items else "product"
            return {"data": {DEACTIVATE: {"userErrors": [{
                "field": None,
                "message": f"The product couldn't be unstocked because the {gone} was deleted.",
            }]}}}
        item, location = found
        level = self.levels[found]
        if level["active"]:
            others = 0
            for (other_item, other_location), other in self.levels.items():
                if other_item == item and other_location != location and other["active"]:
                    others += 1
            if others == 0:
                return {"data": {DEACTIVATE: {"userErrors": [{
                    "field": None,
                    "message": f"The product couldn't be unstocked from {self.locations[location]} "
                    "because products need to be stocked at a minimum of 1 location.",
                }]}}}
            level["active"] = False
            # §9: deactivating clears the stored quantities up to 2026-01; later it keeps them.
            if self.era["deactivation"] == "clears":
                named_rows: list[dict[str, Any]] = []
                on_hand_rows: list[dict[str, Any]] = []
                self.restock(item, location, dict.fromkeys(STORED, 0), now, named_rows,
                             on_hand_rows)
                self.group("correction", None, named_rows + on_hand_rows, now)
        # [ours]: deactivating an inactive level succeeds and changes nothing.
        return {"data": {DEACTIVATE: {"userErrors": []}}}

    def bulk_toggle(self, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Written from the docstring of ``mutations/bulk_toggle.py`` (every choice is [ours])."""
        item = variables["inventoryItemId"]
        updates = variables["inventoryItemUpdates"]
        errors: list[dict[str, Any]] = []

        def bulk_error(code: str, field: list[str]) -> dict[str, Any]:
            return {"field": field, "message": BULK_MESSAGES[code], "code": code}

        known = item in self.items
        if not known:
            errors.append(bulk_error("INVENTORY_ITEM_NOT_FOUND", ["inventoryItemId"]))
        # The last update of a location wins; locations in order of first appearance.
        final: dict[str, bool] = {}
        for update in updates:
            if update["locationId"] in self.locations:
                final[update["locationId"]] = update["activate"]
        # Deactivations are refused only if the item would be left active nowhere.
        stranded = False
        if known:
            active_after = []
            for location in self.locations:
                ends_active = final[location] if location in final else self.active(item, location)
                if ends_active:
                    active_after.append(location)
            stranded = len(active_after) == 0
        for i, update in enumerate(updates):
            location = update["locationId"]
            field = ["inventoryItemUpdates", str(i), "locationId"]
            if location not in self.locations:
                errors.append(bulk_error("LOCATION_NOT_FOUND", field))
                continue
            if not known or final[location] or not self.active(item, location):
                continue  # it ends active, or deactivating it is a no-op
            q = self.levels[(item, location)]["q"]
            if q["committed"] != 0:
                errors.append(bulk_error("COMMITTED_INVENTORY_AT_LOCATION", field))
            if q["incoming"] != 0:
                errors.append(bulk_error("INCOMING_INVENTORY_AT_LOCATION", field))
            if stranded:
                errors.append(bulk_error("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", field))
        if errors:
            return {"data": {BULK_TOGGLE: {
                "inventoryItem": None, "inventoryLevels": None, "userErrors": errors,
            }}}
        named_rows: list[dict[str, Any]] = []
        on_hand_rows: list[dict[str, Any]] = []
        for location, activate in final.items():
            level = self.levels.get((item, location))
            if level is None:
                if activate:
                    self.add_level(item, location, True, now)
                continue
            if level["active"] == activate:
                continue
            level["active"] = activate
            # As inventoryActivate and inventoryDeactivate do, by era (§9).
            if (not activate and self.era["deactivation"] == "clears") or (
                activate and self.era["reactivation"] == "resets"
            ):
                self.restock(item, location, dict.fromkeys(STORED, 0), now, named_rows,
                             on_hand_rows)
        self.group("correction", None, named_rows + on_hand_rows, now)
        return {"data": {BULK_TOGGLE: {
            "inventoryItem": {"id": item},
            "inventoryLevels": [
                self.level_json(item, location) for location, on in final.items() if on
            ],
            "userErrors": [],
        }}}

    # ------------------------------------------------------------------ platform events

    def event(
        self,
        kind: str,
        document: str,
        lines: list[tuple[str, str, int]],
        restock: bool = True,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Run one platform event (core/mutations/platform_events.py) with an optional key."""
        if kind not in EVENTS:
            raise ValueError(kind)
        now = self.read_clock()
        variables = {
            "referenceDocumentUri": document,
            "lines": [[item, location, quantity] for item, location, quantity in lines],
            "restock": restock,
        }
        if idempotency_key is None:
            return self.run_event(kind, variables, now)
        # The same key store as the mutations: 24 hours, same operation and arguments replay.
        remembered = self.keys.get(idempotency_key)
        if remembered is not None:
            _, first_operation, first_variables, first_response = remembered
            if first_operation == kind and first_variables == variables:
                response = copy.deepcopy(first_response)
                response["replayed"] = True
                return response
            mismatch = {"field": None, "message": MSG_MISMATCH,
                        "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"}
            return {"operation": kind, "ok": False, "replayed": False, "group": None,
                    "errors": [mismatch]}
        response = self.run_event(kind, variables, now)
        self.keys[idempotency_key] = (now, kind, copy.deepcopy(variables), copy.deepcopy(response))
        return response

    def run_event(self, kind: str, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
        document = variables["referenceDocumentUri"]
        lines = variables["lines"]
        source, target, on_hand_sign, reason = event_table(kind, variables["restock"])
        errors = []
        # 1. the document, then the lines being there at all.
        if not is_valid_uri(document):
            errors.append(event_error("INVALID_REFERENCE_DOCUMENT", ["referenceDocumentUri"]))
        if len(lines) == 0:
            errors.append(event_error("NO_LINES", ["lines"]))
        # 2. each line by index: item, location, stocked and active, quantity.
        for i, (item, location, quantity) in enumerate(lines):
            path = ["lines", str(i)]
            if item not in self.items:
                errors.append(event_error("INVALID_INVENTORY_ITEM", [*path, "inventoryItemId"]))
            if location not in self.locations:
                errors.append(event_error("INVALID_LOCATION", [*path, "locationId"]))
            elif item in self.items and not self.active(item, location):
                errors.append(event_error("ITEM_NOT_STOCKED_AT_LOCATION", [*path, "locationId"]))
            if quantity < 1 or quantity > 1_000_000_000:
                errors.append(event_error("INVALID_QUANTITY", [*path, "quantity"]))
        # 3. only if nothing failed: enough committed / incoming, earlier lines counted.
        if len(errors) == 0 and source in ("committed", "incoming"):
            code = "INSUFFICIENT_COMMITTED" if source == "committed" else "INSUFFICIENT_INCOMING"
            taken: dict[tuple[str, str], int] = {}
            for i, (item, location, quantity) in enumerate(lines):
                already = taken.get((item, location), 0)
                if already + quantity > self.levels[(item, location)]["q"][source]:
                    errors.append(event_error(code, ["lines", str(i), "quantity"]))
                taken[(item, location)] = already + quantity
        if errors:
            return {"operation": kind, "ok": False, "replayed": False, "errors": errors,
                    "group": None}
        named_rows = []
        on_hand_rows = []
        for item, location, quantity in lines:
            level = self.levels[(item, location)]
            if source is not None:
                self.change(item, location, source, -quantity, now)
                named_rows.append(self.after_row(source, -quantity, level["q"][source],
                                                 item, location))
            if target is not None:
                self.change(item, location, target, quantity, now)
                named_rows.append(self.after_row(target, quantity, level["q"][target],
                                                 item, location))
            if on_hand_sign != 0:
                on_hand_rows.append(self.after_row("on_hand", on_hand_sign * quantity,
                                                   on_hand_of(level["q"]), item, location))
        group = self.group(reason, document, named_rows + on_hand_rows, now)
        # The audit trail, like a payload, shows quantityAfterChange as null.
        for row in self.journal[-1]["changes"]:
            row["quantityAfterChange"] = None
        return {"operation": kind, "ok": True, "replayed": False, "errors": [], "group": group}

    def after_row(
        self, name: str, delta: int, after: int, item: str, location: str
    ) -> dict[str, Any]:
        row = self.row(name, delta, None, item, location)
        row["quantityAfterChange"] = after
        return row

    def event_key_conflicts(
        self, key: str, kind: str, document: str, lines: list[tuple[str, str, int]],
        restock: bool = True,
    ) -> bool:
        """Tell whether ``key`` is live for a different call (an event would get a mismatch)."""
        remembered = self.keys.get(key)
        if remembered is None or self.stamped() - remembered[0] >= WINDOW:
            return False
        variables = {"referenceDocumentUri": document,
                     "lines": [[item, location, quantity] for item, location, quantity in lines],
                     "restock": restock}
        return remembered[1] != kind or remembered[2] != variables
