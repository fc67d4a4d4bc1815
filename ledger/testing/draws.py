"""How one request's variables are drawn against a store (for ``ledger.testing.strategies``).

The testing layer; Hypothesis is imported here, so only ``ledger.testing`` imports this
module. It holds what the public strategies and the state machine share: the store as the
draws see it (``Store``: ids, levels and their current quantities), the pools of common,
odd and edge values, the draws of valid variables (``valid_variables``: every request-level
check of the era passes; ``succeeding`` also passes every user-error rule of the store) and
the ways to break them (``variables_of(..., valid=False)``: always a coercion or
request-level error). Nothing here is public API: ``ledger.strategies`` is.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from ledger.api import Ledger
from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    REASONS,
    SET,
    SET_ON_HAND,
    directive_presence,
)
from ledger.core.quantities import (
    ADJUST_LIMIT,
    ADJUSTABLE,
    GRAPHQL_INT_MAX,
    GRAPHQL_INT_MIN,
    SET_LIMIT,
)
from ledger.core.versions import Era, Presence
from ledger.shopify.coercion import InputObject, ListOf, NonNull, Scalar, TypeRef, variable_types

#: One request: ``(operation, variables, idempotency_key)``.
Call = tuple[str, dict[str, Any], str | None]

ITEM: Final = "gid://shopify/InventoryItem/"
LOCATION: Final = "gid://shopify/Location/"
LEVEL: Final = "gid://shopify/InventoryLevel/"

#: A small store: two items, two locations, one level inactive, one pair unstocked.
DEFAULT_SNAPSHOT: Final[dict[str, Any]] = {
    "locations": [{"id": LOCATION + "1", "name": "Shop location"},
                  {"id": LOCATION + "2", "name": "Warehouse"}],
    "inventoryItems": [{"id": ITEM + "1"}, {"id": ITEM + "2"}],
    "inventoryLevels": [
        {"inventoryItemId": ITEM + "1", "locationId": LOCATION + "1",
         "quantities": {"available": 10, "committed": 2, "incoming": 5}},
        {"inventoryItemId": ITEM + "1", "locationId": LOCATION + "2", "isActive": False,
         "quantities": {"available": 3, "damaged": 1}},
        {"inventoryItemId": ITEM + "2", "locationId": LOCATION + "1",
         "quantities": {"available": 0}},
    ],
}

_UNKNOWN_ITEMS: Final = (ITEM + "999999", LOCATION + "1", "InventoryItem/1", ITEM + "01", "")
_UNKNOWN_LOCATIONS: Final = (LOCATION + "999999", ITEM + "1", LOCATION + "01", "")
_COMMON_REASONS: Final = ("correction", "restock", "received", "cycle_count_available",
                          "shrinkage", "damaged")
_BAD_REASONS: Final = ("bogus", "Correction", "")
_REFERENCES: Final = ("logistics://po/1", "https://example.com/po/7", "gid://my-app/Order/3")
_BAD_REFERENCES: Final = ("", "not a uri", "po-1", "https:", "https://a b")
_DOCUMENTS: Final = ("logistics://doc/1", "logistics://doc/2")
_BAD_DOCUMENTS: Final = ("gid://shopify/Order/5", "not a uri", "", "urn:", "logistics://doc/3")
_BAD_NAMES: Final = ("committed", "on_hand", "Available", "bogus")

_DELTA_EDGES: Final = (0, 1, -1, 2_000_000_000, -2_000_000_000, 2_000_000_001,
                       -2_000_000_001, GRAPHQL_INT_MAX, GRAPHQL_INT_MIN)
_MOVE_EDGES: Final = (0, 1, 2_000_000_000, 2_000_000_001, -1, GRAPHQL_INT_MAX)
_SET_EDGES: Final = (0, 1, -1, 1_000_000_000, 1_000_000_001, -1_000_000_000, -1_000_000_001)
_OVERFLOWS: Final = (GRAPHQL_INT_MAX + 1, GRAPHQL_INT_MIN - 1, 10**20)
#: Input types that carry ``changeFromQuantity`` (from 2026-01) in every version.
_CAS_TYPES: Final = frozenset({"InventoryChangeInput", "InventoryMoveQuantityTerminalInput",
                               "InventoryQuantityInput", "InventorySetQuantityInput"})


def _mostly(common: st.SearchStrategy[int], rare: Sequence[int],
            one_in: int = 6) -> st.SearchStrategy[int]:
    """Draw from ``common`` most of the time and from the edge values ``rare`` otherwise."""
    return st.one_of(*[common] * (one_in - 1), st.sampled_from(rare))


_DELTA: Final = _mostly(st.integers(-3, 8), _DELTA_EDGES)
_MOVE_QUANTITY: Final = _mostly(st.integers(0, 6), _MOVE_EDGES)
_SET_QUANTITY: Final = _mostly(st.integers(-2, 10), _SET_EDGES)
_OK_MOVE_QUANTITY: Final = _mostly(st.integers(0, 6), (0, 1, ADJUST_LIMIT))
_OK_AVAILABLE: Final = _mostly(st.integers(-2, 10), (0, SET_LIMIT, -SET_LIMIT))
_OK_ON_HAND: Final = _mostly(st.integers(0, 10), (0, SET_LIMIT))


def key_presence(operation: str, era: Era) -> Presence:
    """Return whether ``@idempotent(key:)`` is required, optional or undefined for ``operation``."""
    return directive_presence(operation, era)


# ---------------------------------------------------------------------- the store


@dataclass(frozen=True)
class _Level:
    id: str
    active: bool
    q: dict[str, int]


@dataclass(frozen=True)
class Store:
    """A snapshot read for drawing: ids, levels and their current quantities."""

    items: tuple[str, ...]
    locations: tuple[str, ...]
    levels: dict[tuple[str, str], _Level]

    @property
    def active(self) -> tuple[tuple[str, str], ...]:
        """The (item, location) pairs of active levels."""
        return tuple(p for p, lv in self.levels.items() if lv.active)

    def adjustable(self, name: str) -> tuple[tuple[str, str], ...]:
        """Active pairs whose ``name`` can move at all within the adjust bounds."""
        return tuple(p for p in self.active
                     if abs(self.levels[p].q[name]) <= 2 * ADJUST_LIMIT)

    def deactivatable(self) -> tuple[str, ...]:
        """Ids of levels to deactivate: inactive ones, and those of items active elsewhere too."""
        counts: dict[str, int] = {}
        for (item, _), level in self.levels.items():
            counts[item] = counts.get(item, 0) + level.active
        return tuple(lv.id for (item, _), lv in self.levels.items()
                     if not lv.active or counts[item] > 1)

    def activatable(self) -> tuple[tuple[str, str, bool], ...]:
        """(item, location, may seed quantities) for every pair inventoryActivate accepts."""
        out = []
        for item in self.items:
            for location in self.locations:
                level = self.levels.get((item, location))
                out.append((item, location, level is None or not level.active))
        return tuple(out)


def load_store(snapshot: Mapping[str, Any] | None) -> Store:
    """Read ``snapshot`` (``None``: ``DEFAULT_SNAPSHOT``) through the ledger, so ids are filled."""
    raw = DEFAULT_SNAPSHOT if snapshot is None else snapshot
    return store_of(Ledger.from_snapshot(copy.deepcopy(raw)).snapshot())


def store_of(dumped: dict[str, Any]) -> Store:
    """Read a snapshot as ``Ledger.snapshot`` gives it (every id filled in) for drawing."""
    levels = {}
    for entry in dumped["inventoryLevels"]:
        q = dict(entry["quantities"])
        q["on_hand"] = sum(v for k, v in q.items() if k != "incoming")
        levels[(entry["inventoryItemId"], entry["locationId"])] = _Level(
            entry["id"], entry["isActive"], q)
    return Store(
        items=tuple(i["id"] for i in dumped["inventoryItems"]),
        locations=tuple(loc["id"] for loc in dumped["locations"]),
        levels=levels,
    )


def _fits_int(value: int) -> bool:
    return GRAPHQL_INT_MIN <= value <= GRAPHQL_INT_MAX


def possible(operation: str, store: Store) -> bool:
    """Tell whether some call of ``operation`` can succeed on ``store``."""
    if operation in (ACTIVATE, BULK_TOGGLE):
        return bool(store.items and store.locations)
    if operation == DEACTIVATE:
        return bool(store.deactivatable())
    if operation == ADJUST:
        return any(store.adjustable(name) for name in ADJUSTABLE)
    return bool(store.active)


# ---------------------------------------------------------------------- valid variables


class _Draws:
    """The draws of one set of variables; ``noisy`` lets odd values (user errors) in."""

    def __init__(self, draw: st.DrawFn, era: Era, store: Store, succeeding: bool) -> None:
        self.draw = draw
        self.era = era
        self.store = store
        self.succeeding = succeeding
        self.noisy = not succeeding and draw(st.integers(0, 2)) == 0

    def pick(self, common: Sequence[Any], odd: Sequence[Any]) -> Any:
        if self.noisy and self.draw(st.integers(0, 3)) == 0:
            return self.draw(st.sampled_from(odd))
        return self.draw(st.sampled_from(common))

    def pairs(self, candidates: Sequence[tuple[str, str]], at_most: int = 3,
              ) -> list[tuple[str, str]]:
        """(item, location) pairs, mostly stocked ones; distinct and stocked when succeeding."""
        if self.succeeding:
            return self.draw(st.lists(st.sampled_from(candidates), min_size=1,
                                      max_size=at_most, unique=True))
        count = self.draw(st.integers(0 if self.noisy else 1, at_most))
        out = []
        for _ in range(count):
            if candidates and self.draw(st.integers(0, 3)) > 0:
                item, location = self.draw(st.sampled_from(candidates))
            else:
                item = self.draw(st.sampled_from(self.store.items))
                location = self.draw(st.sampled_from(self.store.locations))
            out.append((self.pick([item], _UNKNOWN_ITEMS),
                        self.pick([location], _UNKNOWN_LOCATIONS)))
        return out

    def reason(self) -> str:
        return str(self.pick(_COMMON_REASONS if self.noisy else REASONS, _BAD_REASONS))

    def reference(self, into: dict[str, Any], required: bool = False) -> None:
        choice = self.pick(_REFERENCES + ((None,) if not required else ()), _BAD_REFERENCES)
        if required or choice is not None or self.draw(st.booleans()):
            into["referenceDocumentUri"] = choice

    def current(self, item: str, location: str, name: str) -> int | None:
        level = self.store.levels.get((item, location))
        if level is None or name not in level.q:
            return None
        return level.q[name]

    def change_from(self, into: dict[str, Any], current: int | None) -> None:
        """Add ``changeFromQuantity`` as the version wants it: absent, null or a number."""
        presence = self.era.change_from
        if presence is Presence.UNDEFINED:
            return
        if presence is Presence.OPTIONAL and self.draw(st.integers(0, 2)) == 0:
            return
        value = current
        if value is not None and not self.succeeding:
            value += self.pick([0, 0, 0, 1, -1], [5, -current if current else 7])
        if value is None or not _fits_int(value) or self.draw(st.integers(0, 3)) == 0:
            value = None
        into["changeFromQuantity"] = value

    def document(self, name: str, shared: str) -> str | None:
        if name == "available":
            return str(self.pick([None], _BAD_DOCUMENTS)) if self.noisy else None
        return str(self.pick([shared], [None, *_DOCUMENTS, *_BAD_DOCUMENTS]))

    # ---------------------------------------------------------------- per operation

    def adjust(self) -> dict[str, Any]:
        store = self.store
        if self.succeeding:
            name = self.draw(st.sampled_from([n for n in ADJUSTABLE if store.adjustable(n)]))
        else:
            name = self.pick(ADJUSTABLE, _BAD_NAMES)
        data: dict[str, Any] = {"name": name, "reason": self.reason()}
        self.reference(data)
        shared = self.draw(st.sampled_from(_DOCUMENTS))
        candidates = store.adjustable(name) if self.succeeding else store.active
        changes = []
        for item, location in self.pairs(candidates):
            current = self.current(item, location, name)
            delta = self.draw(_DELTA)
            if self.succeeding:
                current = current or 0  # candidates are stocked: never None here
                low = max(-ADJUST_LIMIT, current - ADJUST_LIMIT)
                high = min(ADJUST_LIMIT, current + ADJUST_LIMIT)
                delta = min(max(current + delta, low), high) - current
            change: dict[str, Any] = {"inventoryItemId": item, "locationId": location,
                                      "delta": delta}
            document = self.document(name, shared)
            if document is not None:
                change["ledgerDocumentUri"] = document
            self.change_from(change, current)
            changes.append(change)
        data["changes"] = changes
        return {"input": data}

    def move(self) -> dict[str, Any]:
        data: dict[str, Any] = {"reason": self.reason()}
        self.reference(data, required=True)
        changes = []
        for item, location in self.pairs(self.store.active):
            names = self.draw(st.lists(st.sampled_from(ADJUSTABLE), min_size=2, max_size=2,
                                       unique=not self.noisy))
            terminals = []
            for name in names:
                if not self.succeeding:
                    name = self.pick([name], _BAD_NAMES)
                at = self.pick([location], [*self.store.locations, *_UNKNOWN_LOCATIONS])
                terminal: dict[str, Any] = {"locationId": at, "name": name}
                document = self.document(name, self.draw(st.sampled_from(_DOCUMENTS)))
                if document is not None:
                    terminal["ledgerDocumentUri"] = document
                self.change_from(terminal, self.current(item, location, name))
                terminals.append(terminal)
            quantity = self.draw(_OK_MOVE_QUANTITY if self.succeeding else _MOVE_QUANTITY)
            changes.append({"inventoryItemId": item, "quantity": quantity,
                            "from": terminals[0], "to": terminals[1]})
        data["changes"] = changes
        return {"input": data}

    def set(self, on_hand_only: bool) -> dict[str, Any]:
        era = self.era
        if on_hand_only:
            name = "on_hand"
            data: dict[str, Any] = {"reason": self.reason()}
        else:
            name = self.pick(["available", "on_hand"], ["damaged", "bogus", "committed"])
            data = {"name": name, "reason": self.reason()}
        self.reference(data)
        # Legacy compare fields exist on inventorySetQuantities up to 2026-01; in 2026-01 a
        # quantity that has changeFromQuantity ignores them.
        legacy = not on_hand_only and era.legacy_compare is not Presence.UNDEFINED and (
            era.change_from is Presence.UNDEFINED or self.draw(st.booleans()))
        ignore = legacy and self.draw(st.booleans())
        pairs = self.pairs(self.store.active)
        if self.noisy and pairs and self.draw(st.integers(0, 3)) == 0:
            pairs.append(pairs[0])
        quantities = []
        for item, location in pairs:
            current = self.current(item, location, name)
            if self.succeeding:
                quantity = self.draw(_OK_ON_HAND if name == "on_hand" else _OK_AVAILABLE)
            else:
                quantity = self.draw(_SET_QUANTITY)
            entry: dict[str, Any] = {"inventoryItemId": item, "locationId": location,
                                     "quantity": quantity}
            if legacy:
                compare = current if current is not None and _fits_int(current) else None
                if compare is not None and not self.succeeding:
                    compare += self.pick([0, 0, 1], [-1, 3])
                if compare is None and not ignore and (self.succeeding or not self.noisy):
                    ignore = True
                if compare is not None and (not ignore or self.draw(st.booleans())):
                    entry["compareQuantity"] = compare
            else:
                if era.change_from is Presence.OPTIONAL and not on_hand_only:
                    entry["changeFromQuantity"] = None  # opts out of the legacy rules
                self.change_from(entry, current)
            quantities.append(entry)
        data["quantities" if not on_hand_only else "setQuantities"] = quantities
        if legacy and (ignore or self.draw(st.integers(0, 3)) == 0):
            data["ignoreCompareQuantity"] = ignore or self.pick([None], [False])
        return {"input": data}

    def activate(self) -> dict[str, Any]:
        candidates = self.store.activatable()
        if self.succeeding:
            item, location, may_seed = self.draw(st.sampled_from(candidates))
        else:
            item, location, may_seed = self.draw(st.sampled_from(candidates))
            item = self.pick([item], _UNKNOWN_ITEMS)
            location = self.pick([location], _UNKNOWN_LOCATIONS)
            may_seed = True
        data: dict[str, Any] = {"inventoryItemId": item, "locationId": location}
        if may_seed:
            fields = self.draw(st.sampled_from([(), (), ("available",), ("onHand",),
                                                ("available", "onHand")]))
            if self.succeeding:
                fields = fields[:1]
            for field in fields:
                if self.succeeding:
                    data[field] = self.draw(_OK_AVAILABLE)
                else:
                    data[field] = self.draw(st.one_of(_SET_QUANTITY, st.none()))
        return data

    def bulk_toggle(self) -> dict[str, Any]:
        """Activations only when succeeding (they always can); any toggles otherwise."""
        item = self.pick(self.store.items, _UNKNOWN_ITEMS)
        most = min(3, len(self.store.locations)) if self.succeeding else 3
        count = self.draw(st.integers(0 if self.noisy else 1, most))
        locations = self.draw(st.lists(st.sampled_from(self.store.locations), min_size=count,
                                       max_size=count, unique=self.succeeding))
        updates = [{"locationId": self.pick([location], _UNKNOWN_LOCATIONS),
                    "activate": True if self.succeeding else self.draw(st.booleans())}
                   for location in locations]
        return {"inventoryItemId": item, "inventoryItemUpdates": updates}

    def deactivate(self) -> dict[str, Any]:
        if self.succeeding:
            return {"inventoryLevelId": self.draw(st.sampled_from(self.store.deactivatable()))}
        ids = [level.id for level in self.store.levels.values()]
        known_item = self.store.items[0].removeprefix(ITEM)
        unknown = [f"{LEVEL}999999?inventory_item_id={known_item}",
                   f"{LEVEL}999999?inventory_item_id=999999", f"{LEVEL}999999"]
        return {"inventoryLevelId": self.pick(ids or unknown, unknown)}


def valid_variables(draw: st.DrawFn, operation: str, era: Era, store: Store,
                    succeeding: bool) -> dict[str, Any]:
    """Draw variables of ``operation`` that pass every request-level check of ``era``."""
    d = _Draws(draw, era, store, succeeding)
    if operation == ADJUST:
        return d.adjust()
    if operation == MOVE:
        return d.move()
    if operation in (SET, SET_ON_HAND):
        return d.set(operation == SET_ON_HAND)
    if operation == ACTIVATE:
        return d.activate()
    if operation == BULK_TOGGLE:
        return d.bulk_toggle()
    return d.deactivate()


# ---------------------------------------------------------------------- invalid variables

#: A place in the variables to break: its container, the key there and its input type.
_Site = tuple[Any, Any, TypeRef]


def _sites(container: Any, key: Any, t: TypeRef, out: list[_Site],
           objects: list[tuple[dict[str, Any], InputObject]]) -> None:
    out.append((container, key, t))
    value = container[key]
    inner = t.of if isinstance(t, NonNull) else t
    if isinstance(inner, ListOf) and isinstance(value, list):
        for i in range(len(value)):
            _sites(value, i, inner.of, out, objects)
    elif isinstance(inner, InputObject) and isinstance(value, dict):
        objects.append((value, inner))
        fields = inner.by_name
        for name in list(value):
            _sites(value, name, fields[name], out, objects)


def _wrong_values(t: TypeRef) -> tuple[Any, ...]:
    """Values of the wrong type for ``t`` (never a 32-bit overflow: that is its own kind)."""
    inner = t.of if isinstance(t, NonNull) else t
    if isinstance(inner, InputObject | ListOf):
        return ("x", 3)
    if isinstance(inner, Scalar) and inner.name == "Int":
        return ("3", 1.5, True, [1])
    if isinstance(inner, Scalar) and inner.name == "Boolean":
        return ("true", 1)
    if isinstance(inner, Scalar) and inner.name == "ID":
        return (True, 1.5, {"id": 1}, ["x"])
    return (5, True, {"a": 1}, 1.5)


def _remove(container: Any, key: Any) -> None:
    del container[key]


def _put(container: Any, key: Any, value: Any) -> None:
    container[key] = value


def _breaks(draw: st.DrawFn, era: Era, sites: list[_Site],
            objects: list[tuple[dict[str, Any], InputObject]]) -> dict[str, list[Any]]:
    """Every way to break these variables, by kind, each a function of no arguments."""
    kinds: dict[str, list[Any]] = {"missing": [], "null": [], "wrong type": [], "overflow": [],
                                   "unknown field": [], "undefined in version": [],
                                   "changeFromQuantity missing": []}
    for container, key, t in sites:
        if isinstance(t, NonNull) and isinstance(container, dict):
            kinds["missing"].append(functools.partial(_remove, container, key))
        if isinstance(t, NonNull):
            kinds["null"].append(functools.partial(_put, container, key, None))
        kinds["wrong type"].append(functools.partial(
            lambda c, k, t: _put(c, k, draw(st.sampled_from(_wrong_values(t)))),
            container, key, t))
        inner = t.of if isinstance(t, NonNull) else t
        if isinstance(inner, Scalar) and inner.name == "Int":
            kinds["overflow"].append(functools.partial(
                lambda c, k: _put(c, k, draw(st.sampled_from(_OVERFLOWS))), container, key))
    fields = st.sampled_from(["bogusField", "quantityName", "inventoryLevelId", "Name"])
    for obj, t in objects:
        kinds["unknown field"].append(functools.partial(
            lambda o: _put(o, draw(fields), 1), obj))
        undefined = kinds["undefined in version"]
        if t.name in _CAS_TYPES and era.change_from is Presence.UNDEFINED:
            undefined.append(functools.partial(_put, obj, "changeFromQuantity", 0))
        if t.name == "InventoryQuantityInput" and era.legacy_compare is Presence.UNDEFINED:
            undefined.append(functools.partial(_put, obj, "compareQuantity", 0))
        if t.name == "InventorySetQuantitiesInput" and era.legacy_compare is Presence.UNDEFINED:
            undefined.append(functools.partial(_put, obj, "ignoreCompareQuantity", True))
        if era.change_from is Presence.REQUIRED and "changeFromQuantity" in obj:
            # Not a coercion error but the request-level INVALID_FIELD_ARGUMENTS of §4.
            kinds["changeFromQuantity missing"].append(
                functools.partial(_remove, obj, "changeFromQuantity"))
    return {kind: options for kind, options in kinds.items() if options}


@st.composite
def _invalid(draw: st.DrawFn, operation: str, era: Era, store: Store) -> dict[str, Any]:
    variables = valid_variables(draw, operation, era, store, succeeding=False)
    sites: list[_Site] = []
    objects: list[tuple[dict[str, Any], InputObject]] = []
    for name, t in variable_types(era)[operation]:
        if name in variables:
            _sites(variables, name, t, sites, objects)
    kinds = _breaks(draw, era, sites, objects)
    options = kinds[draw(st.sampled_from(sorted(kinds)))]
    draw(st.sampled_from(options))()
    return variables


@st.composite
def variables_of(draw: st.DrawFn, operation: str, era: Era, store: Store, valid: bool,
                 succeeding: bool) -> dict[str, Any]:
    """Draw variables of ``operation``: valid (perhaps succeeding) ones, or broken ones."""
    if not valid:
        return draw(_invalid(operation, era, store))
    return valid_variables(draw, operation, era, store, succeeding)
