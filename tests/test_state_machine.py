"""``Ledger`` and a deliberately naive model (tests/naive_model.py), side by side.

A ``RuleBasedStateMachine`` sends both the same ``execute`` calls over a small universe (three
items, one of them mostly not mutable, two locations, some levels unstocked or inactive,
now and then an unknown id), so that collisions, stale compare-and-swap values and
idempotency-key reuse actually happen. After every step the full response bodies, every
level's quantities, the snapshots and the journals must be equal, and the engine's own
invariant check must pass.

There is one machine per era of semantics §3 (≤ 2025-10, 2026-01, 2026-04/07, 2026-10, and
2027-01 on its own), each run drawing its version from its era, and one machine whose store
every version writes to, each call in a version of its own (semantics §1). The rules stock
and unstock (inventoryActivate, inventoryDeactivate, inventoryBulkToggleActivation: quantities
cleared, reset or kept by era, journaled), aim the quantity mutations at inactive levels and
at pairs with no level (refused, allowed, or the level created, by era), set the clock back
as well as forward (semantics §14: no group is stamped before the newest one) and read the
quantities as of past times.

Platform events (ledger/events.py) are mixed in over the same universe: orders placed,
fulfilled and cancelled (restocked or not), returns restocked and incoming received, with
quantities drawn near the current committed / incoming / available, so that they collide with
the mutations and with each other. Each one's outcome (ok, error codes, fields and messages,
rows with their quantityAfterChange, replayed or not) must equal the naive model's.

The call strategies live here and are shared with tests/test_properties.py. A
compare-and-swap value is drawn as ``Near(offset)`` ("the current value plus offset") and a
level id as ``LevelOf(item, location)``; ``resolve`` turns them into plain values against
the state just before the call.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from hypothesis import event as observe
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ledger import EventKind, EventLine, Ledger, PlatformEvent, Result
from ledger.core.clock import ManualClock
from ledger.shopify.codec import group_json
from tests.naive_model import (
    ACTIVATE,
    ADJUST,
    ADJUSTABLE,
    BULK_TOGGLE,
    DEACTIVATE,
    EVENTS,
    INCOMING_RECEIVED,
    MOVE,
    ORDER_CANCELLED,
    ORDER_FULFILLED,
    ORDER_PLACED,
    RETURN_RESTOCKED,
    SET,
    SET_ON_HAND,
    STORED,
    VERSIONS,
    NaiveLedger,
    parse_stamp,
)

ITEMS = [f"gid://shopify/InventoryItem/{n}" for n in (1, 2, 3)]
LOCATIONS = [f"gid://shopify/Location/{n}" for n in (1, 2)]
UNKNOWN_ITEMS = [
    "gid://shopify/InventoryItem/99", "gid://shopify/Location/1", "InventoryItem/1",
]
UNKNOWN_LOCATIONS = [
    "gid://shopify/Location/99", "gid://shopify/InventoryItem/1", "gid://shopify/Location/01",
]
VALID_REASONS = ["correction", "restock", "damaged", "received", "cycle_count_available"]
INVALID_REASONS = ["bogus", "Correction", ""]
# Within GraphQL's 32-bit Int: the bounds of semantics §6 and §8, just inside them (clean
# calls) and one past them (noisy calls).
VALID_DELTA_EDGES = [2_000_000_000, -2_000_000_000, 1_999_999_999, 1_000_000_000, -1_000_000_000]
VALID_MOVE_EDGES = [2_000_000_000, 1_999_999_999, 1_000_000_000]
VALID_SET_EDGES = [1_000_000_000, 999_999_999, -1_000_000_000, 0]
ADJUST_EDGES = [
    2_000_000_000, 2_000_000_001, -2_000_000_000, -2_000_000_001,
    1_000_000_000, -1_000_000_000, 2_147_483_647, -2_147_483_648,
]
SET_EDGES = [1_000_000_000, 1_000_000_001, -1_000_000_000, -1_000_000_001, 0, -1]
ODD_DOCUMENTS = [
    "gid://shopify/Order/5", "not a uri", "", "urn:", "logistics://a b", "1ogistics://x",
]
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

START = datetime(2026, 6, 25, tzinfo=UTC)

#: The versions the machine and the property tests run under: one per era and 2026-10.
MACHINE_VERSIONS = ["2025-01", "2026-01", "2026-04", "2026-10"]


@dataclass(frozen=True)
class Near:
    """A compare-and-swap value: the current value of the quantity it guards, plus offset."""

    offset: int


@dataclass(frozen=True)
class LevelOf:
    """The id of the level of ``item`` at ``location`` (an unknown id if there is none)."""

    item: str
    location: str


#: Marks a field that is left out of the variables.
ABSENT = object()
Pairs = tuple[tuple[str, str], ...] | list[tuple[str, str]]


@functools.cache
def _choice(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@functools.cache
def _below(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


@st.composite
def _mostly(
    draw: st.DrawFn, common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int
) -> Any:
    return draw(rare if draw(_below(one_in)) == 0 else common)


# Strategies are built once and cached: building them afresh for every draw made
# generation, not the ledger, the bulk of the run time.


@functools.cache
def mostly(
    common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int = 5
) -> st.SearchStrategy[Any]:
    """Draw from ``rare`` about once in ``one_in`` draws, else from ``common``."""
    return _mostly(common, rare, one_in)


def rarely(common: list[Any], rare: list[Any], one_in: int = 10) -> st.SearchStrategy[Any]:
    """Draw from ``rare`` about once in ``one_in`` draws, else from ``common``."""
    return mostly(_choice(tuple(common)), _choice(tuple(rare)), one_in)


DELTAS = mostly(st.integers(-3, 8), _choice(tuple(VALID_DELTA_EDGES)), 8)
BAD_DELTAS = _choice(tuple(ADJUST_EDGES))
MOVE_QUANTITIES = mostly(st.integers(0, 6), _choice(tuple(VALID_MOVE_EDGES)), 8)
BAD_MOVE_QUANTITIES = _choice((-1, *ADJUST_EDGES))
SET_QUANTITIES = mostly(st.integers(-1, 9), _choice(tuple(VALID_SET_EDGES)), 8)
BAD_SET_QUANTITIES = _choice(tuple(SET_EDGES))


class Picker:
    """The draws of one call: clean (every field valid) most of the time, noisy otherwise.

    A noisy call replaces each field by an odd value (an unknown id, a bad reason, a bound
    ±1, a malformed URI, ...) about once in four, so user errors pile up; a clean call only
    meets the errors the state brings (unstocked levels, stale values, reused keys).
    """

    def __init__(self, draw: st.DrawFn, pairs: Pairs = ()) -> None:
        self.draw = draw
        self.noisy = draw(_below(3)) == 0
        self.pairs = tuple(pairs)

    def pick(self, common: list[Any], rare: list[Any]) -> Any:
        if self.noisy and self.draw(_below(4)) == 0:
            return self.draw(_choice(tuple(rare)))
        return self.draw(_choice(tuple(common)))

    def value(self, common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> Any:
        if self.noisy and self.draw(_below(4)) == 0:
            return self.draw(rare)
        return self.draw(common)

    def item(self) -> str:
        return self.pick(ITEMS, UNKNOWN_ITEMS)

    def location(self) -> str:
        return self.pick(LOCATIONS, UNKNOWN_LOCATIONS)

    def pair(self) -> tuple[str, str]:
        """An (item, location): mostly one of ``pairs`` (the stocked ones), if given."""
        if self.pairs and self.draw(_below(4)) > 0:
            item, location = self.draw(_choice(self.pairs))
            if self.noisy:
                item = self.pick([item], UNKNOWN_ITEMS)
                location = self.pick([location], UNKNOWN_LOCATIONS)
            return item, location
        return self.item(), self.location()

    def reason(self) -> str:
        return self.pick(VALID_REASONS, INVALID_REASONS)

    def reference(self) -> Any:
        return self.pick([ABSENT, ABSENT, None, "logistics://po/1", "gid://shopify/Order/1"],
                         ["", "not a uri", "po-1", "https://a b", "https:"])

    def delta(self) -> int:
        return self.value(DELTAS, BAD_DELTAS)

    def move_quantity(self) -> int:
        return self.value(MOVE_QUANTITIES, BAD_MOVE_QUANTITIES)

    def set_quantity(self) -> int:
        return self.value(SET_QUANTITIES, BAD_SET_QUANTITIES)

    def document(self, name: str, pool: list[str]) -> Any:
        usual = [ABSENT, ABSENT, None] if name == "available" else pool
        return self.pick(usual, [ABSENT, *pool, *ODD_DOCUMENTS])

    def count(self, most: int) -> int:
        return self.draw(_below(most)) + 1


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not ABSENT:
        d[key] = value


@functools.cache
def change_from(version: str) -> st.SearchStrategy[Any]:
    """A ``changeFromQuantity`` value for ``version`` (``ABSENT``: leave the field out)."""
    if version < "2026-01":
        return st.just(ABSENT)
    present = rarely(
        [*[Near(0)] * 6, None, Near(1), Near(-1)], [0, 5, -1, 2_000_000_000], 6
    )
    if version == "2026-01":
        return mostly(present, st.just(ABSENT), 3)
    return mostly(present, st.just(ABSENT), 40)


@functools.cache
def legacy_compare(version: str) -> st.SearchStrategy[Any]:
    """A set quantity's ``compareQuantity`` (defined up to 2026-01)."""
    if version >= "2026-04":
        return st.just(ABSENT)
    return st.sampled_from([Near(0), Near(0), Near(0), ABSENT, None, Near(1), 7])


@functools.cache
def ignore_compare(version: str) -> st.SearchStrategy[Any]:
    """``ignoreCompareQuantity`` (defined up to 2026-01)."""
    if version >= "2026-04":
        return st.just(ABSENT)
    return st.sampled_from([ABSENT, ABSENT, ABSENT, True, False, None])


@st.composite
def adjust_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    p = Picker(draw, pairs)
    name = p.pick(ADJUSTABLE, ["on_hand", "committed", "Available"])
    shared_document = p.document(name, ["logistics://count/1"])
    changes = []
    for _ in range(p.count(3)):
        item, location = p.pair()
        change = {"inventoryItemId": item, "locationId": location, "delta": p.delta()}
        document = shared_document if not p.noisy else p.document(name, ["logistics://c/2"])
        _put(change, "ledgerDocumentUri", document)
        _put(change, "changeFromQuantity", draw(change_from(version)))
        changes.append(change)
    inp: dict[str, Any] = {"name": name, "reason": p.reason()}
    _put(inp, "referenceDocumentUri", p.reference())
    inp["changes"] = changes
    return {"input": inp}


@st.composite
def move_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    p = Picker(draw, pairs)
    documents = ["logistics://move/a", "logistics://move/b", "logistics://move/c"]
    changes = []
    for _ in range(p.count(2)):
        item, location = p.pair()
        other = p.pick([location], [*LOCATIONS, *UNKNOWN_LOCATIONS])
        change: dict[str, Any] = {"inventoryItemId": item, "quantity": p.move_quantity()}
        for side, at in (("from", location), ("to", other)):
            name = p.pick(ADJUSTABLE, ["on_hand", "committed"])
            terminal: dict[str, Any] = {"locationId": at, "name": name}
            _put(terminal, "ledgerDocumentUri", p.document(name, documents))
            _put(terminal, "changeFromQuantity", draw(change_from(version)))
            change[side] = terminal
        changes.append(change)
    reference = p.pick(["logistics://transfer/1"], ["", "not a uri", "gid://shopify/X/1"])
    return {"input": {"reason": p.reason(), "referenceDocumentUri": reference,
                      "changes": changes}}


@st.composite
def set_variables(
    draw: st.DrawFn,
    version: str,
    pairs: Pairs = (),
    names: tuple[str, ...] = ("available", "on_hand"),
) -> dict[str, Any]:
    p = Picker(draw, pairs)
    chosen = p.pick(list(names), ["damaged", "incoming", "On_hand"])
    quantities = []
    for _ in range(p.count(3)):
        item, location = p.pair()
        quantity = {"inventoryItemId": item, "locationId": location, "quantity": p.set_quantity()}
        _put(quantity, "compareQuantity", draw(legacy_compare(version)))
        _put(quantity, "changeFromQuantity", draw(change_from(version)))
        quantities.append(quantity)
    inp: dict[str, Any] = {"name": chosen, "reason": p.reason()}
    _put(inp, "referenceDocumentUri", p.reference())
    inp["quantities"] = quantities
    _put(inp, "ignoreCompareQuantity", draw(ignore_compare(version)))
    return {"input": inp}


@st.composite
def set_on_hand_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    p = Picker(draw, pairs)
    quantities = []
    for _ in range(p.count(3)):
        item, location = p.pair()
        quantity = {"inventoryItemId": item, "locationId": location, "quantity": p.set_quantity()}
        _put(quantity, "changeFromQuantity", draw(change_from(version)))
        quantities.append(quantity)
    inp: dict[str, Any] = {"reason": p.reason()}
    _put(inp, "referenceDocumentUri", p.reference())
    inp["setQuantities"] = quantities
    return {"input": inp}


@st.composite
def activate_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    p = Picker(draw)
    variables = {"inventoryItemId": p.item(), "locationId": p.location()}
    seed = p.pick(["none", "none", "null", "available", "onHand"], ["both"])
    if seed in ("available", "both"):
        variables["available"] = p.set_quantity()
    if seed in ("onHand", "both"):
        variables["onHand"] = p.set_quantity()
    if seed == "null":
        variables[draw(_choice(("available", "onHand")))] = None
    # Accepted, without effect (semantics §9); false is its default.
    _put(variables, "stockAtLegacyLocation",
         draw(_choice((ABSENT, ABSENT, ABSENT, ABSENT, True, False, None))))
    return variables


UNKNOWN_LEVEL_IDS = [
    "gid://shopify/InventoryLevel/999?inventory_item_id=1",
    "gid://shopify/InventoryLevel/999?inventory_item_id=77",
    "gid://shopify/InventoryLevel/1",
    "gid://shopify/InventoryLevel/01?inventory_item_id=2",
    "not-a-level",
]


@st.composite
def deactivate_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    return {"inventoryLevelId": draw(LEVEL_IDS)}


LEVEL_IDS = mostly(
    st.builds(LevelOf, _choice(tuple(ITEMS)), _choice(tuple(LOCATIONS))),
    _choice(tuple(UNKNOWN_LEVEL_IDS)),
    8,
)


@st.composite
def bulk_toggle_variables(draw: st.DrawFn, version: str, pairs: Pairs = ()) -> dict[str, Any]:
    """One item stocked or unstocked at one to three locations (a location may repeat)."""
    p = Picker(draw)
    updates = [{"locationId": p.location(), "activate": draw(st.booleans())}
               for _ in range(p.count(3))]
    return {"inventoryItemId": p.item(), "inventoryItemUpdates": updates}


VARIABLES: dict[str, Callable[..., st.SearchStrategy[dict[str, Any]]]] = {
    ADJUST: adjust_variables,
    MOVE: move_variables,
    SET: set_variables,
    SET_ON_HAND: set_on_hand_variables,
    ACTIVATE: activate_variables,
    DEACTIVATE: deactivate_variables,
    BULK_TOGGLE: bulk_toggle_variables,
}


@functools.cache
def variables_for(
    operation: str, version: str, pairs: tuple[tuple[str, str], ...] = (), **options: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Well-typed variables of ``operation`` for ``version``, with ``Near``/``LevelOf`` marks.

    ``pairs`` are (item, location) pairs to favour: the stocked ones, so that calls succeed
    often enough to move the state along.
    """
    return VARIABLES[operation](version, pairs, **options)


@functools.cache
def keys_for(version: str, pool: int = 40) -> st.SearchStrategy[str | None]:
    """An ``@idempotent`` key for ``version`` (``None``: no directive), from a small pool."""
    keys = st.integers(0, pool - 1).map(lambda n: f"k{n}")
    if version < "2026-01":
        return mostly(st.none(), keys, 10)
    if version == "2026-01":
        return mostly(keys, st.none(), 3)
    return mostly(keys, st.none(), 20)


#: (operation, variables with marks, key)
Call = tuple[str, dict[str, Any], str | None]


@st.composite
def _calls(draw: st.DrawFn, version: str, pairs: tuple[tuple[str, str], ...]) -> Call:
    operation = draw(_choice((ADJUST, MOVE, SET, SET_ON_HAND, ACTIVATE, DEACTIVATE)))
    return operation, draw(variables_for(operation, version, pairs)), draw(keys_for(version))


@functools.cache
def calls(version: str, pairs: tuple[tuple[str, str], ...] = ()) -> st.SearchStrategy[Call]:
    """One call of any operation, for ``version``."""
    return _calls(version, pairs)


Current = Callable[[str, str, str], int]
LevelIdOf = Callable[[str, str], "str | None"]


def _near(d: dict[str, Any], key: str, base: int) -> None:
    value = d.get(key)
    if isinstance(value, Near):
        d[key] = min(INT_MAX, max(INT_MIN, base + value.offset))


def resolve(
    operation: str, variables: dict[str, Any], current: Current, level_id: LevelIdOf
) -> dict[str, Any]:
    """Return ``variables`` with every ``Near`` and ``LevelOf`` replaced by a plain value.

    ``current(item, location, name)`` is the quantity ``name`` now (0 when unknown);
    ``level_id(item, location)`` the id of that level, if any.
    """
    v = copy.deepcopy(variables)
    if operation == ADJUST:
        inp = v["input"]
        for ch in inp["changes"]:
            base = current(ch["inventoryItemId"], ch["locationId"], inp["name"])
            _near(ch, "changeFromQuantity", base)
    elif operation == MOVE:
        for ch in v["input"]["changes"]:
            for side in ("from", "to"):
                terminal = ch[side]
                base = current(ch["inventoryItemId"], terminal["locationId"], terminal["name"])
                _near(terminal, "changeFromQuantity", base)
    elif operation in (SET, SET_ON_HAND):
        inp = v["input"]
        name = inp.get("name", "on_hand")
        for q in inp.get("quantities", inp.get("setQuantities", [])):
            base = current(q["inventoryItemId"], q["locationId"], name)
            _near(q, "changeFromQuantity", base)
            _near(q, "compareQuantity", base)
    elif operation == DEACTIVATE:
        mark = v["inventoryLevelId"]
        if isinstance(mark, LevelOf):
            found = level_id(mark.item, mark.location)
            number = mark.item.rsplit("/", 1)[1]
            unknown = f"gid://shopify/InventoryLevel/500?inventory_item_id={number}"
            v["inventoryLevelId"] = found or unknown
    return v


def respell(operation: str, version: str, value: Any, key: str = "") -> Any:
    """The same arguments written differently.

    Keys come in reverse order, and every optional field given as null is left out, every
    one left out is given as null: not ``changeFromQuantity``, where the two differ in
    meaning, nor move's required ``referenceDocumentUri``. ``key`` is the name the value is
    held under (a list passes its own name to its items).
    """
    togglable = {"ledgerDocumentUri", "available", "onHand", "stockAtLegacyLocation"}
    if operation != MOVE:
        togglable.add("referenceDocumentUri")
    if version < "2026-04" and operation == SET:
        togglable |= {"compareQuantity", "ignoreCompareQuantity"}
    if isinstance(value, list):
        return [respell(operation, version, v, key) for v in value]
    if not isinstance(value, dict):
        return value
    out = {
        k: respell(operation, version, v, k) for k, v in reversed(value.items())
        if not (k in togglable and v is None)
    }
    for field in sorted(togglable):
        if field not in value and _may_hold(operation, key, field):
            out[field] = None
    return out


def _may_hold(operation: str, key: str, field: str) -> bool:
    """Tell whether the input object under ``key`` defines the optional ``field``."""
    if field == "ledgerDocumentUri":
        return (operation == ADJUST and key == "changes") or (
            operation == MOVE and key in ("from", "to")
        )
    if field in ("available", "onHand", "stockAtLegacyLocation"):
        return operation == ACTIVATE and key == ""
    if field in ("referenceDocumentUri", "ignoreCompareQuantity"):
        return key == "input"
    if field == "compareQuantity":
        return key == "quantities"
    return False


# ---------------------------------------------------------------------- platform events

EVENT_DOCUMENTS = {
    ORDER_PLACED: ["gid://shopify/Order/1", "gid://shopify/Order/2"],
    ORDER_FULFILLED: ["gid://shopify/Order/1", "gid://shopify/Order/2"],
    ORDER_CANCELLED: ["gid://shopify/Order/1"],
    RETURN_RESTOCKED: ["gid://shopify/Return/1"],
    INCOMING_RECEIVED: ["logistics://po/1", "gid://shopify/InventoryTransfer/3"],
}
ODD_EVENT_DOCUMENTS = ["", "not a uri", "urn:", "https://a b", "1ogistics://x"]
#: The quantity a ``Near`` line quantity is drawn near: the one the event takes from.
EVENT_SOURCE = {
    ORDER_PLACED: "available", ORDER_FULFILLED: "committed", ORDER_CANCELLED: "committed",
    RETURN_RESTOCKED: "available", INCOMING_RECEIVED: "incoming",
}
EVENT_QUANTITIES = mostly(st.integers(1, 4), _choice((Near(0), Near(0), Near(1), Near(-1))), 3)
BAD_EVENT_QUANTITIES = _choice((0, -1, 1_000_000_000, 1_000_000_001))

#: (kind, reference document, lines as (item, location, quantity or ``Near``), restock)
Event = tuple[str, str, list[tuple[str, str, Any]], bool]


@st.composite
def _events(draw: st.DrawFn, pairs: tuple[tuple[str, str], ...]) -> Event:
    p = Picker(draw, pairs)
    kind = draw(_choice(tuple(EVENTS)))
    # restock matters to a cancellation only; the other kinds always carry the default.
    restock = kind != ORDER_CANCELLED or draw(st.booleans())
    document = p.pick(EVENT_DOCUMENTS[kind], ODD_EVENT_DOCUMENTS)
    lines = []
    for _ in range(p.pick([1, 1, 2, 3], [0])):
        item, location = p.pair()
        lines.append((item, location, p.value(EVENT_QUANTITIES, BAD_EVENT_QUANTITIES)))
    return kind, document, lines, restock


@functools.cache
def events(pairs: tuple[tuple[str, str], ...] = ()) -> st.SearchStrategy[Event]:
    """One platform event, its lines mostly on ``pairs``, its quantities maybe ``Near``."""
    return _events(pairs)


def resolve_event(event: Event, current: Current) -> Event:
    """Return ``event`` with each ``Near`` quantity made plain against the quantity it takes."""
    kind, document, lines, restock = event
    plain = []
    for item, location, quantity in lines:
        if isinstance(quantity, Near):
            quantity = current(item, location, EVENT_SOURCE[kind]) + quantity.offset
        plain.append((item, location, quantity))
    return kind, document, plain, restock


def send_event(ledger: Ledger, event: Event, key: str | None, via: str = "method") -> Result:
    """Run ``event`` on ``ledger``: through its Pythonic method, or ``run(PlatformEvent)``."""
    kind, document, lines, restock = event
    if via == "run":
        return ledger.run(PlatformEvent(
            kind=EventKind(kind), reference_document_uri=document, restock=restock,
            lines=[EventLine(item_id=i, location_id=loc, quantity=q) for i, loc, q in lines],
        ), key)
    if kind == ORDER_PLACED:
        return ledger.order_placed(order=document, lines=lines, idempotency_key=key)
    if kind == ORDER_FULFILLED:
        return ledger.order_fulfilled(order=document, lines=lines, idempotency_key=key)
    if kind == ORDER_CANCELLED:
        return ledger.order_cancelled(order=document, lines=lines, restock=restock,
                                      idempotency_key=key)
    if kind == RETURN_RESTOCKED:
        return ledger.return_restocked(document=document, lines=lines, idempotency_key=key)
    return ledger.incoming_received(document=document, lines=lines, idempotency_key=key)


def event_outcome(result: Result) -> dict[str, Any]:
    """An event's ``Result`` in the naive model's outcome shape."""
    assert result.request_error is None, result.request_error
    return {
        "operation": result.operation,
        "ok": result.ok,
        "replayed": result.replayed,
        "errors": [error.to_json() for error in result.user_errors],
        "group": (group_json(result.group, quantity_after_change=True)
                  if result.group is not None else None),
    }


#: Events whose key is live for another call get IDEMPOTENCY_KEY_PARAMETER_MISMATCH, which
#: the machine checks against the naive model (False would give such events fresh keys).
EVENT_KEY_MISMATCH_ANSWERED = True


def current_in(quantities: Callable[[str, str], dict[str, int]]) -> Current:
    """Adapt a ``quantities(item, location)`` reader to ``resolve``'s ``current``."""

    def current(item: str, location: str, name: str) -> int:
        try:
            return quantities(item, location).get(name, 0)
        except KeyError:
            return 0

    return current


@st.composite
def stores(draw: st.DrawFn) -> dict[str, Any]:
    """A snapshot of the universe: each (item, location) unstocked, active or inactive.

    Some levels carry an explicit id, the others get one generated; location 1 has no name
    (so it is "Shop location"). Item 3 is often stocked nowhere and mostly not mutable (a
    bundle's parent); now and then item 1 or 2 is not mutable either. Inactive levels
    carry quantities, so that clearing, resetting and keeping them show.
    """
    levels = []
    explicit_numbers = {(1, 1): 4, (1, 2): 9, (2, 1): 2, (2, 2): 7, (3, 1): 5, (3, 2): 1}
    for (item, location), number in explicit_numbers.items():
        kind = draw(st.sampled_from(
            ["active", "active", "inactive", "none", "none"] if item < 3
            else ["none", "none", "active", "inactive"]
        ))
        if kind == "none":
            continue
        quantities = draw(st.fixed_dictionaries({}, optional={
            name: st.integers(-2, 6) for name in STORED
        }))
        level: dict[str, Any] = {
            "inventoryItemId": ITEMS[item - 1], "locationId": LOCATIONS[location - 1],
            "quantities": quantities,
        }
        if draw(st.booleans()):
            level["id"] = f"gid://shopify/InventoryLevel/{number}?inventory_item_id={item}"
        if kind == "inactive":
            level["isActive"] = False
        elif draw(st.booleans()):
            level["isActive"] = True
        levels.append(level)
    items: list[dict[str, Any]] = []
    for n, item_id in enumerate(ITEMS, 1):
        mutable = draw(st.sampled_from([False, False, True] if n == 3 else [True] * 7 + [False]))
        entry: dict[str, Any] = {"id": item_id}
        if not mutable or draw(st.booleans()):
            entry["mutable"] = mutable
        items.append(entry)
    return {
        "locations": [{"id": LOCATIONS[0]}, {"id": LOCATIONS[1], "name": "Warehouse"}],
        "inventoryItems": items,
        "inventoryLevels": levels,
    }


def _show(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, default=repr)


def _as_written(model: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """The model's snapshot, with only the attributes the ledger's ``snapshot()`` writes.

    The model knows every attribute of interface.md's format; the ledger must not write one
    the model does not know.
    """
    out: dict[str, Any] = {}
    for key, entries in model.items():
        theirs = written.get(key, [])
        kept = []
        for i, entry in enumerate(entries):
            if i >= len(theirs):
                kept.append(entry)
                continue
            unknown = set(theirs[i]) - set(entry)
            assert not unknown, f"snapshot() writes {sorted(unknown)}, unknown to the model"
            kept.append({name: entry[name] for name in theirs[i]})
        out[key] = kept
    return out

#: The four quantity mutations, as the machine draws them (set by name, then setOnHand).
QUANTITY_CALLS = [(ADJUST, {}), (MOVE, {}), (SET, {"names": ("available",)}),
                  (SET, {"names": ("on_hand",)}), (SET_ON_HAND, {})]


class LedgerMachine(RuleBasedStateMachine):
    """Drives ``Ledger`` and ``NaiveLedger`` with the same calls and compares everything.

    ``versions`` are the API versions a run may speak: one is drawn per run, or, with
    ``mixed``, per call (one store, every app speaking its own version: semantics §1).
    """

    versions: ClassVar[tuple[str, ...]] = ("2026-04",)
    mixed: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.version = self.versions[0]
        self.ledger: Ledger | None = None
        self.model: NaiveLedger | None = None
        self.history: list[tuple[str, dict[str, Any], str | None, str]] = []
        self.used_keys: list[str] = []
        self.fresh = 0
        self.event_history: list[tuple[Event, str | None]] = []

    @initialize(store=stores(), data=st.data())
    def load_a_store(self, store: dict[str, Any], data: st.DataObject) -> None:
        self.version = data.draw(st.sampled_from(self.versions), label="version")
        self.ledger = Ledger.from_snapshot(copy.deepcopy(store), api_version=self.version,
                                           clock=self.clock)
        self.model = NaiveLedger(copy.deepcopy(store), self.version, self.clock)

    # ------------------------------------------------------------------ helpers

    def _fresh_key(self) -> str:
        self.fresh += 1
        return f"key-{self.fresh}"

    def _call_version(self, data: st.DataObject) -> str:
        if not self.mixed:
            return self.version
        return data.draw(st.sampled_from(self.versions), label="api version")

    def _key(self, data: st.DataObject, version: str) -> str | None:
        if version < "2026-01":
            kinds = ["none"] * 9 + ["fresh"]
        elif version == "2026-01":
            kinds = ["none"] * 3 + ["fresh"] * 6 + ["reuse"]
        else:
            kinds = ["fresh"] * 18 + ["reuse", "none"]
        kind = data.draw(st.sampled_from(kinds), label="key kind")
        if kind == "reuse" and self.used_keys:
            return data.draw(st.sampled_from(self.used_keys), label="reused key")
        if kind == "none":
            return None
        return self._fresh_key()

    def _execute(
        self, operation: str, variables: dict[str, Any], key: str | None, version: str
    ) -> None:
        assert self.ledger is not None
        assert self.model is not None
        model = self.model
        sent = copy.deepcopy(variables)
        clamped = model.floor is not None and self.clock() < model.floor
        levels, groups = len(model.levels), len(model.journal)
        expected = model.execute(operation, copy.deepcopy(variables), key, api_version=version)
        actual = self.ledger.execute(operation, sent, idempotency_key=key,
                                     api_version=version if self.mixed else None)
        assert sent == variables, "execute changed the variables it was given"
        assert actual == expected, (
            f"{operation} key={key!r} version={version}\nvariables: {_show(variables)}\n"
            f"ledger: {_show(actual)}\nnaive model: {_show(expected)}"
        )
        self.history.append((operation, variables, key, version))
        if key is not None and key not in self.used_keys:
            self.used_keys.append(key)
        # What the step reached, for --hypothesis-show-statistics.
        payload = (expected.get("data") or {}).get(operation) or {}
        codes = sorted({str(e.get("code")) for e in payload.get("userErrors", [])})
        if "errors" in expected:
            outcome = "request error"
        elif codes:
            outcome = "/".join(codes)
        else:
            outcome = "ok"
        observe(f"{operation} in {version}: {outcome}")
        if len(model.levels) > levels and operation in (ADJUST, MOVE, SET, SET_ON_HAND):
            observe("a quantity mutation created a level")
        if len(model.journal) > groups and operation in (ACTIVATE, DEACTIVATE, BULK_TOGGLE):
            observe(f"{operation} journaled a correction")
        if clamped and len(model.journal) > groups:
            observe("a group stamped at the clock's floor")

    def _call(self, data: st.DataObject, operation: str, marked: dict[str, Any],
              version: str) -> None:
        assert self.model is not None
        plain = resolve(operation, marked, current_in(self.model.quantities),
                        self.model.level_id)
        self._execute(operation, plain, self._key(data, version), version)

    # ------------------------------------------------------------------ rules

    def _stocked(self) -> tuple[tuple[str, str], ...]:
        assert self.model is not None
        return tuple(
            pair for pair, level in sorted(self.model.levels.items()) if level["active"]
        )

    def _unstocked(self) -> tuple[tuple[str, str], ...]:
        """The (item, location) pairs with an inactive level or none."""
        assert self.model is not None
        return tuple((item, location) for item in ITEMS for location in LOCATIONS
                     if not self.model.active(item, location))

    def _draw_and_call(self, data: st.DataObject, operation: str,
                       pairs: tuple[tuple[str, str], ...] | None = None, **options: Any) -> None:
        version = self._call_version(data)
        favoured = self._stocked() if pairs is None else pairs
        strategy = variables_for(operation, version, favoured, **options)
        self._call(data, operation, data.draw(strategy, label="variables"), version)

    @rule(data=st.data())
    def adjust(self, data: st.DataObject) -> None:
        self._draw_and_call(data, ADJUST)

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        self._draw_and_call(data, MOVE)

    @rule(data=st.data())
    def set_available(self, data: st.DataObject) -> None:
        self._draw_and_call(data, SET, names=("available",))

    @rule(data=st.data())
    def set_on_hand(self, data: st.DataObject) -> None:
        self._draw_and_call(data, SET, names=("on_hand",))

    @rule(data=st.data())
    def set_on_hand_quantities(self, data: st.DataObject) -> None:
        self._draw_and_call(data, SET_ON_HAND)

    @rule(data=st.data(), call=st.sampled_from(QUANTITY_CALLS))
    def change_quantities_where_the_item_is_not_stocked(
        self, data: st.DataObject, call: tuple[str, dict[str, Any]]
    ) -> None:
        """A quantity mutation aimed mostly at inactive levels and at pairs with no level."""
        operation, options = call
        self._draw_and_call(data, operation, self._unstocked(), **options)

    @rule(data=st.data())
    def activate(self, data: st.DataObject) -> None:
        self._draw_and_call(data, ACTIVATE)

    @rule(data=st.data())
    def deactivate(self, data: st.DataObject) -> None:
        self._draw_and_call(data, DEACTIVATE)

    @rule(data=st.data())
    def bulk_toggle(self, data: st.DataObject) -> None:
        self._draw_and_call(data, BULK_TOGGLE)

    @rule(seconds=st.sampled_from([0, 0.5, 1, 59, 3600, 43_200, 82_800, 86_399, 86_400,
                                   86_401]))
    def advance_the_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(seconds=st.sampled_from([0.5, 1, 2, 3600, 86_399, 86_400, 86_401, 3 * 86_400]))
    def set_the_clock_back(self, seconds: float) -> None:
        """Semantics §14: later groups are stamped no earlier than the newest one."""
        self.clock.advance(-seconds)

    @precondition(lambda self: bool(self.history))
    @rule(data=st.data())
    def repeat_an_earlier_call(self, data: st.DataObject) -> None:
        """The same operation and variables again: with its key, a fresh key, or none."""
        recent = data.draw(st.booleans(), label="a recent one")
        pool = self.history[-4:] if recent else self.history
        operation, variables, key, version = data.draw(st.sampled_from(pool), label="earlier")
        how = data.draw(st.sampled_from(
            ["same key", "same key", "same key respelled", "fresh key", "no key"]
        ))
        if how == "same key respelled":
            variables = respell(operation, version, variables)
        elif how == "fresh key":
            key = self._fresh_key()
        elif how == "no key":
            key = None
        self._execute(operation, variables, key, version)

    @precondition(lambda self: any(key is not None for _, _, key, _ in self.history))
    @rule(data=st.data(), offset=st.sampled_from([-1, 0, 1]))
    def repeat_a_call_at_the_edge_of_its_keys_window(
        self, data: st.DataObject, offset: int
    ) -> None:
        """Move the clock to 24 h after the key's first use, ``offset`` seconds either way."""
        assert self.model is not None
        keyed = [call for call in self.history if call[2] is not None]
        operation, variables, key, version = data.draw(st.sampled_from(keyed), label="earlier")
        assert key is not None
        remembered = self.model.keys.get(key)
        if remembered is not None:
            edge = remembered[0] + timedelta(hours=24, seconds=offset)
            self.clock.now = max(self.clock.now, edge)
        self._execute(operation, variables, key, version)

    @precondition(lambda self: bool(self.used_keys))
    @rule(data=st.data())
    def reuse_a_key_with_other_variables(self, data: st.DataObject) -> None:
        assert self.model is not None
        key = data.draw(st.sampled_from(self.used_keys), label="reused key")
        operation = data.draw(st.sampled_from(list(VARIABLES)), label="operation")
        version = self._call_version(data)
        marked = data.draw(variables_for(operation, version, self._stocked()),
                           label="variables")
        plain = resolve(operation, marked, current_in(self.model.quantities),
                        self.model.level_id)
        self._execute(operation, plain, key, version)

    @rule(data=st.data())
    def read_the_quantities_as_of_a_past_time(self, data: st.DataObject) -> None:
        """Time travel (§14): as of a group's time, a second either side, or half a second
        after; every level's quantities must be what the model's rows add up to."""
        assert self.ledger is not None
        assert self.model is not None
        times = [START - timedelta(seconds=1), self.clock()]
        for group in self.model.journal[-6:]:
            at = parse_stamp(group["createdAt"])
            times += [at - timedelta(seconds=1), at, at + timedelta(seconds=0.5)]
        when = data.draw(st.sampled_from(times), label="as of")
        for item in ITEMS:
            for location in LOCATIONS:
                assert self.ledger.quantities_at(item, location, when) == (
                    self.model.quantities_at(item, location, when)
                ), (item, location, when)

    # ------------------------------------------------------------------ platform events

    def _event_key(self, data: st.DataObject, event: Event) -> str | None:
        """Events take a key in every version: none, a fresh one, or (rarely) a used one."""
        assert self.model is not None
        kind = data.draw(st.sampled_from(["none"] * 3 + ["fresh"] * 6 + ["reuse"]),
                         label="event key kind")
        if kind == "none":
            return None
        if kind == "reuse" and self.used_keys:
            key = data.draw(st.sampled_from(self.used_keys), label="reused key")
            if EVENT_KEY_MISMATCH_ANSWERED or not self.model.event_key_conflicts(key, *event):
                return key
        return self._fresh_key()

    def _send_event(self, data: st.DataObject, event: Event, key: str | None) -> None:
        assert self.ledger is not None
        assert self.model is not None
        if (
            key is not None and not EVENT_KEY_MISMATCH_ANSWERED
            and self.model.event_key_conflicts(key, *event)
        ):
            key = self._fresh_key()
        via = data.draw(st.sampled_from(["method", "run"]), label="via")
        kind, document, lines, restock = event
        expected = self.model.event(kind, document, lines, restock, key)
        actual = event_outcome(send_event(self.ledger, event, key, via))
        assert actual == expected, (
            f"{kind} key={key!r} via {via}\nevent: {_show(event)}\n"
            f"ledger: {_show(actual)}\nnaive model: {_show(expected)}"
        )
        outcome = "replayed" if expected["replayed"] else "ok" if expected["ok"] else "/".join(
            sorted({error["code"] for error in expected["errors"]}))
        observe(f"{kind}: {outcome}")
        self.event_history.append((event, key))
        if key is not None and key not in self.used_keys:
            self.used_keys.append(key)

    @rule(data=st.data())
    def platform_event(self, data: st.DataObject) -> None:
        assert self.model is not None
        marked = data.draw(events(self._stocked()), label="event")
        event = resolve_event(marked, current_in(self.model.quantities))
        self._send_event(data, event, self._event_key(data, event))

    @precondition(lambda self: bool(self.event_history))
    @rule(data=st.data())
    def repeat_an_earlier_event(self, data: st.DataObject) -> None:
        """The same event again: with its key (a replay, if still live), a fresh key, or none."""
        event, key = data.draw(st.sampled_from(self.event_history[-4:]), label="earlier event")
        how = data.draw(st.sampled_from(["same key", "same key", "fresh key", "no key"]))
        if how == "fresh key":
            key = self._fresh_key()
        elif how == "no key":
            key = None
        self._send_event(data, event, key)

    # ------------------------------------------------------------------ after every step

    @invariant()
    def the_ledger_and_the_model_hold_the_same_state(self) -> None:
        if self.ledger is None or self.model is None:
            return
        for item in ITEMS:
            for location in LOCATIONS:
                assert self.ledger.quantities(item, location) == self.model.quantities(
                    item, location
                ), (item, location)
        written = self.ledger.snapshot()
        assert written == _as_written(self.model.snapshot(), written)
        journal = [group_json(group) for group in self.ledger.journal]
        assert journal == self.model.journal
        self.ledger._check()


STATE_MACHINE_SETTINGS = settings(
    max_examples=max(10, settings.default.max_examples // 2),
    stateful_step_count=50,
)


def machine_for(*versions: str, mixed: bool = False) -> type[LedgerMachine]:
    """Return the machine for ``versions`` (one drawn per run, or per call if ``mixed``)."""
    name = "Mixed" if mixed else "".join(v.replace("-", "") for v in versions)
    machine = type(f"LedgerMachine{name}", (LedgerMachine,),
                   {"versions": versions, "mixed": mixed})
    machine.TestCase.settings = STATE_MACHINE_SETTINGS
    return machine


# One machine per era of semantics §3 (2027-01 on its own too), and one store that every
# version writes to, a version per call.
TestTheLedgerAgreesWithTheNaiveModelUpTo202510 = machine_for(
    "2025-01", "2025-04", "2025-07", "2025-10").TestCase
TestTheLedgerAgreesWithTheNaiveModelIn202601 = machine_for("2026-01").TestCase
TestTheLedgerAgreesWithTheNaiveModelIn202604And202607 = machine_for(
    "2026-04", "2026-07").TestCase
TestTheLedgerAgreesWithTheNaiveModelIn202610 = machine_for("2026-10").TestCase
TestTheLedgerAgreesWithTheNaiveModelIn202701 = machine_for("2027-01").TestCase
TestTheLedgerAgreesWithTheNaiveModelWhenEveryVersionSharesOneStore = machine_for(
    *VERSIONS, mixed=True).TestCase
