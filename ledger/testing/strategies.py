"""Hypothesis strategies for testing your own inventory code against the ledger.

Install the ``testing`` extra (``pip install 'shopify-inventory-ledger[testing]'``);
``import ledger`` never imports this module, so Hypothesis stays optional.

* ``snapshots()``: valid snapshots (interface.md's format), small and edge-biased.
* ``variables(operation, api_version, snapshot)``: GraphQL variables of one mutation:
  ``valid=True`` passes every request-level check of the version (it may still meet user
  errors, as real calls do), ``succeeding=True`` also passes every user-error rule against
  ``snapshot`` (compare-and-swap values are its current quantities), ``valid=False`` always
  hits a coercion or request-level error.
* ``calls(api_version, snapshot)``: sequences of ``(operation, variables, idempotency_key)``.
* ``LedgerStateMachine``: a state machine to subclass; it sends calls to a ``Ledger`` and
  hands every response to your ``check`` / ``apply_to_app`` hooks.

The ``@idempotent`` directive is not part of the variables: send a key when
``requires_idempotency_key(operation, api_version)`` says so (and only when
``accepts_idempotency_key`` does), as ``calls`` and ``LedgerStateMachine`` do.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger.api import Ledger
from ledger.core.errors import (
    ACTIVATE,
    ADJUST,
    BULK_TOGGLE,
    DEACTIVATE,
    MOVE,
    OPERATIONS,
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
    STORED,
)
from ledger.core.versions import DEFAULT, Era, Presence, era_of
from ledger.shopify.coercion import InputObject, ListOf, NonNull, Scalar, TypeRef, variable_types

__all__ = [
    "DEFAULT_SNAPSHOT",
    "Call",
    "LedgerStateMachine",
    "accepts_idempotency_key",
    "calls",
    "can_succeed",
    "requires_idempotency_key",
    "snapshots",
    "variables",
]

#: One request: ``(operation, variables, idempotency_key)``.
Call = tuple[str, dict[str, Any], str | None]
#: The app's view of quantities: ``{(item_id, location_id): {name: quantity}}``.
AppView = Mapping[tuple[str, str], Mapping[str, int]]

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

_EDGES: Final = (0, 1, -1, 999_999_999, 1_000_000_000, 1_000_000_001, -999_999_999,
                 -1_000_000_000, -1_000_000_001, 1_999_999_999, 2_000_000_000, 2_000_000_001,
                 -1_999_999_999, -2_000_000_000, -2_000_000_001)
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


_QUANTITY: Final = st.one_of(st.just(0), st.integers(-2, 12), st.integers(-2, 12),
                             st.sampled_from(_EDGES))
_DELTA: Final = _mostly(st.integers(-3, 8), _DELTA_EDGES)
_MOVE_QUANTITY: Final = _mostly(st.integers(0, 6), _MOVE_EDGES)
_SET_QUANTITY: Final = _mostly(st.integers(-2, 10), _SET_EDGES)
_OK_MOVE_QUANTITY: Final = _mostly(st.integers(0, 6), (0, 1, ADJUST_LIMIT))
_OK_AVAILABLE: Final = _mostly(st.integers(-2, 10), (0, SET_LIMIT, -SET_LIMIT))
_OK_ON_HAND: Final = _mostly(st.integers(0, 10), (0, SET_LIMIT))


# ---------------------------------------------------------------------- versions


def _key_presence(operation: str, era: Era) -> Presence:
    return directive_presence(operation, era)


def requires_idempotency_key(operation: str, api_version: str) -> bool:
    """Tell whether ``operation`` must carry ``@idempotent(key:)`` in ``api_version``."""
    return _key_presence(operation, era_of(api_version)) is Presence.REQUIRED


def accepts_idempotency_key(operation: str, api_version: str) -> bool:
    """Tell whether ``@idempotent(key:)`` is defined for ``operation`` in ``api_version``."""
    return _key_presence(operation, era_of(api_version)) is not Presence.UNDEFINED


# ---------------------------------------------------------------------- snapshots


@st.composite
def _snapshots(draw: st.DrawFn, items: st.SearchStrategy[int],
               locations: st.SearchStrategy[int]) -> dict[str, Any]:
    n_items, n_locations = draw(items), draw(locations)
    item_numbers = draw(st.lists(st.integers(1, 10**6), min_size=n_items, max_size=n_items,
                                 unique=True))
    location_numbers = draw(st.lists(st.integers(1, 10**6), min_size=n_locations,
                                     max_size=n_locations, unique=True))
    names = st.sampled_from(["Shop location", "Warehouse", "Store 2", "Entrepôt Nord", ""])
    location_entries: list[dict[str, Any]] = []
    for number in location_numbers:
        entry: dict[str, Any] = {"id": f"{LOCATION}{number}"}
        if draw(st.integers(0, 3)):
            entry["name"] = draw(names)
        location_entries.append(entry)
    levels: list[dict[str, Any]] = []
    level_numbers = iter(itertools.count(draw(st.integers(1, 1000))))
    for item in item_numbers:
        for location in location_numbers:
            stocking = draw(st.sampled_from(["active", "active", "active", "inactive", "none"]))
            if stocking == "none":
                continue
            level: dict[str, Any] = {"inventoryItemId": f"{ITEM}{item}",
                                     "locationId": f"{LOCATION}{location}"}
            if draw(st.booleans()):
                level["id"] = f"{LEVEL}{next(level_numbers)}?inventory_item_id={item}"
            if stocking == "inactive" or draw(st.booleans()):
                level["isActive"] = stocking == "active"
            given = draw(st.lists(st.sampled_from(STORED), unique=True, max_size=4))
            quantities = {name: draw(_QUANTITY) for name in given}
            if draw(st.integers(0, 3)) == 0:
                quantities["on_hand"] = sum(v for k, v in quantities.items() if k != "incoming")
            level["quantities"] = quantities
            levels.append(level)
    return {
        "locations": location_entries,
        "inventoryItems": [{"id": f"{ITEM}{n}"} for n in item_numbers],
        "inventoryLevels": levels,
    }


_ONE_TO_THREE: Final = st.integers(1, 3)


def snapshots(
    items: int | st.SearchStrategy[int] = _ONE_TO_THREE,
    locations: int | st.SearchStrategy[int] = _ONE_TO_THREE,
) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for valid snapshots: edge-biased quantities, some levels unstocked."""
    n_items = st.just(items) if isinstance(items, int) else items
    n_locations = st.just(locations) if isinstance(locations, int) else locations
    return _snapshots(n_items, n_locations)


# ---------------------------------------------------------------------- the store


@dataclass(frozen=True)
class _Level:
    id: str
    active: bool
    q: dict[str, int]


@dataclass(frozen=True)
class _Store:
    """A snapshot read for drawing: ids, levels and their current quantities."""

    items: tuple[str, ...]
    locations: tuple[str, ...]
    levels: dict[tuple[str, str], _Level]

    @property
    def active(self) -> tuple[tuple[str, str], ...]:
        return tuple(p for p, lv in self.levels.items() if lv.active)

    def adjustable(self, name: str) -> tuple[tuple[str, str], ...]:
        """Active pairs whose ``name`` can move at all within the adjust bounds."""
        return tuple(p for p in self.active
                     if abs(self.levels[p].q[name]) <= 2 * ADJUST_LIMIT)

    def deactivatable(self) -> tuple[str, ...]:
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


def _store(snapshot: Mapping[str, Any] | None) -> _Store:
    """Read ``snapshot`` (``None``: ``DEFAULT_SNAPSHOT``) through the ledger, so ids are filled."""
    raw = DEFAULT_SNAPSHOT if snapshot is None else snapshot
    return _store_of(Ledger.from_snapshot(copy.deepcopy(raw)).snapshot())


def _store_of(dumped: dict[str, Any]) -> _Store:
    levels = {}
    for entry in dumped["inventoryLevels"]:
        q = dict(entry["quantities"])
        q["on_hand"] = sum(v for k, v in q.items() if k != "incoming")
        levels[(entry["inventoryItemId"], entry["locationId"])] = _Level(
            entry["id"], entry["isActive"], q)
    return _Store(
        items=tuple(i["id"] for i in dumped["inventoryItems"]),
        locations=tuple(loc["id"] for loc in dumped["locations"]),
        levels=levels,
    )


def _fits_int(value: int) -> bool:
    return GRAPHQL_INT_MIN <= value <= GRAPHQL_INT_MAX


def can_succeed(operation: str, snapshot: Mapping[str, Any] | None = None) -> bool:
    """Tell whether ``variables(..., succeeding=True)`` can draw ``operation`` for ``snapshot``."""
    return _possible(operation, _store(snapshot))


def _possible(operation: str, store: _Store) -> bool:
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

    def __init__(self, draw: st.DrawFn, era: Era, store: _Store, succeeding: bool) -> None:
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


def _valid(draw: st.DrawFn, operation: str, era: Era, store: _Store,
           succeeding: bool) -> dict[str, Any]:
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
def _invalid(draw: st.DrawFn, operation: str, era: Era, store: _Store) -> dict[str, Any]:
    variables = _valid(draw, operation, era, store, succeeding=False)
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
def _variables(draw: st.DrawFn, operation: str, era: Era, store: _Store, valid: bool,
               succeeding: bool) -> dict[str, Any]:
    if not valid:
        return draw(_invalid(operation, era, store))
    return _valid(draw, operation, era, store, succeeding)


def variables(
    operation: str,
    api_version: str = DEFAULT,
    snapshot: Mapping[str, Any] | None = None,
    valid: bool = True,
    *,
    succeeding: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for the GraphQL variables of ``operation`` in ``api_version``.

    Ids come mostly from ``snapshot`` (``None``: ``DEFAULT_SNAPSHOT``). ``valid=True``:
    every request-level check of the version passes (send a key where the version needs
    one); user errors may still come. ``succeeding=True``: no user error either, on a
    ledger holding ``snapshot`` with a fresh key (``ValueError`` if ``can_succeed`` says
    the snapshot allows none). ``valid=False``: always a coercion or request-level error.
    """
    era = era_of(api_version)
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; expected one of: "
                         + ", ".join(OPERATIONS))
    store = _store(snapshot)
    if not store.items or not store.locations:
        raise ValueError("the snapshot needs at least one inventory item and one location")
    if succeeding and not valid:
        raise ValueError("succeeding=True needs valid=True")
    if succeeding and not _possible(operation, store):
        raise ValueError(f"no {operation} can succeed on this snapshot")
    return _variables(operation, era, store, valid, succeeding)


# ---------------------------------------------------------------------- call sequences


@st.composite
def _calls(draw: st.DrawFn, api_version: str, store: _Store, min_size: int, max_size: int,
           operations: tuple[str, ...]) -> list[Call]:
    era = era_of(api_version)
    out: list[Call] = []
    size = draw(st.integers(min_size, max_size))
    for n in range(size):
        if out and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(out)))  # a retry: same variables, same key
            continue
        operation = draw(st.sampled_from(operations))
        succeeding = _possible(operation, store) and draw(st.booleans())
        values = _valid(draw, operation, era, store, succeeding)
        presence = _key_presence(operation, era)
        key: str | None = None
        if presence is Presence.REQUIRED or (
                presence is Presence.OPTIONAL and draw(st.booleans())):
            used = [k for _, _, k in out if k is not None]
            if used and draw(st.integers(0, 7)) == 0:
                key = draw(st.sampled_from(used))  # a reused key: a parameter mismatch
            else:
                key = f"key-{n}"
        out.append((operation, values, key))
    return out


def calls(
    api_version: str = DEFAULT,
    snapshot: Mapping[str, Any] | None = None,
    *,
    min_size: int = 0,
    max_size: int = 8,
    operations: Sequence[str] = OPERATIONS,
) -> st.SearchStrategy[list[Call]]:
    """Return a strategy for lists of ``(operation, variables, idempotency_key)`` to send in order.

    Variables are valid for ``api_version`` (half of them drawn to succeed on ``snapshot``
    itself); keys are given wherever the version requires the directive, sometimes where it
    allows it, and now and then a call is retried or a key reused.
    """
    return _calls(api_version, _store(snapshot), min_size, max_size, tuple(operations))


# ---------------------------------------------------------------------- state machine


class _Clock:
    """A clock that stands still until the machine lets time pass."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class LedgerStateMachine(RuleBasedStateMachine):
    """Send random calls to a ``Ledger`` and check your app against each response.

    Subclass it, override ``check`` and/or ``apply_to_app`` (and ``api_version``,
    ``initial_snapshot`` or ``operations``), then run ``MyMachine.TestCase`` under pytest.
    A subclass's ``__init__`` must call ``super().__init__()`` first.
    """

    #: The API version the ledger (and the drawn variables) follow.
    api_version: ClassVar[str] = DEFAULT
    #: The mutations the machine sends.
    operations: ClassVar[tuple[str, ...]] = OPERATIONS

    def __init__(self) -> None:
        super().__init__()
        #: The ledger's clock; ``let_time_pass`` moves ``clock.now`` on.
        self.clock = _Clock()
        self.ledger = Ledger.from_snapshot(
            copy.deepcopy(self.initial_snapshot()), self.api_version, self.clock)
        self.last_call: Call | None = None
        self._keys = itertools.count(1)

    def initial_snapshot(self) -> dict[str, Any]:
        """Return the store the ledger starts from (default: ``DEFAULT_SNAPSHOT``)."""
        return copy.deepcopy(DEFAULT_SNAPSHOT)

    def check(self, operation: str, variables: dict[str, Any], key: str | None,
              response: dict[str, Any]) -> None:
        """Check your code against one call and the ledger's response (default: nothing)."""

    def apply_to_app(self, operation: str, variables: dict[str, Any], key: str | None,
                     response: dict[str, Any]) -> AppView | None:
        """Feed one call to your app; return its view of quantities to compare (or ``None``)."""
        return None

    def _send(self, call: Call) -> None:
        operation, values, key = call
        self.last_call = call
        response = self.ledger.execute(operation, copy.deepcopy(values), idempotency_key=key)
        self.check(operation, values, key, response)
        view = self.apply_to_app(operation, values, key, response)
        if view is not None:
            self.compare(view)

    def compare(self, view: AppView) -> None:
        """Assert that every quantity in ``view`` equals the ledger's."""
        for (item, location), quantities in view.items():
            actual = self.ledger.quantities(item, location)
            for name, quantity in quantities.items():
                if quantity != actual[name]:
                    raise AssertionError(
                        f"the app says {name} of {item} at {location} is {quantity}; "
                        f"the ledger says {actual[name]}"
                    )

    @rule(data=st.data())
    def send_a_call(self, data: st.DataObject) -> None:
        """Send a valid call drawn against the current state (half of them succeed)."""
        store = _store_of(self.ledger.snapshot())
        era = era_of(self.api_version)
        operation = data.draw(st.sampled_from(self.operations), label="operation")
        succeeding = _possible(operation, store) and data.draw(st.booleans(), label="succeeding")
        values = data.draw(_variables(operation, era, store, True, succeeding), label="variables")
        key = None
        presence = _key_presence(operation, era)
        if presence is Presence.REQUIRED or (
                presence is Presence.OPTIONAL and data.draw(st.booleans(), label="keyed")):
            key = f"key-{next(self._keys)}"
        self._send((operation, values, key))

    @precondition(lambda self: self.last_call is not None)
    @rule()
    def retry_the_last_call(self) -> None:
        """Send the last call again, same key: a replay (or, unkeyed, a second effect)."""
        if self.last_call is not None:
            self._send(self.last_call)

    @rule(seconds=st.sampled_from([1, 3600, 86_400]))
    def let_time_pass(self, seconds: int) -> None:
        """Move the ledger's clock on (24 hours expire idempotency keys)."""
        self.clock.now += timedelta(seconds=seconds)

    @invariant()
    def the_ledger_invariants_hold(self) -> None:
        """Assert the ledger's own internal invariants."""
        self.ledger._check()
