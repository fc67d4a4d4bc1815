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

The testing layer. This module is the public face (``ledger.strategies`` re-exports it):
the strategies themselves draw through ``ledger.testing.draws``, and the state machine lives
in ``ledger.testing.machine``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Final

from hypothesis import strategies as st

from ledger.core.errors import OPERATIONS
from ledger.core.quantities import STORED
from ledger.core.versions import DEFAULT, Presence, era_of
from ledger.testing.draws import (
    DEFAULT_SNAPSHOT,
    ITEM,
    LEVEL,
    LOCATION,
    Call,
    Store,
    key_presence,
    load_store,
    possible,
    valid_variables,
    variables_of,
)

# ``AppView`` was importable from here (not in ``__all__``, so ``import *`` never gave it).
from ledger.testing.machine import AppView as AppView
from ledger.testing.machine import LedgerStateMachine

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

#: Stored quantities of drawn snapshots: small ones mostly, and the edges of the bounds.
_EDGES: Final = (0, 1, -1, 999_999_999, 1_000_000_000, 1_000_000_001, -999_999_999,
                 -1_000_000_000, -1_000_000_001, 1_999_999_999, 2_000_000_000, 2_000_000_001,
                 -1_999_999_999, -2_000_000_000, -2_000_000_001)
_QUANTITY: Final = st.one_of(st.just(0), st.integers(-2, 12), st.integers(-2, 12),
                             st.sampled_from(_EDGES))


# ---------------------------------------------------------------------- versions


def requires_idempotency_key(operation: str, api_version: str) -> bool:
    """Tell whether ``operation`` must carry ``@idempotent(key:)`` in ``api_version``."""
    return key_presence(operation, era_of(api_version)) is Presence.REQUIRED


def accepts_idempotency_key(operation: str, api_version: str) -> bool:
    """Tell whether ``@idempotent(key:)`` is defined for ``operation`` in ``api_version``."""
    return key_presence(operation, era_of(api_version)) is not Presence.UNDEFINED


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


# ---------------------------------------------------------------------- variables


def can_succeed(operation: str, snapshot: Mapping[str, Any] | None = None) -> bool:
    """Tell whether ``variables(..., succeeding=True)`` can draw ``operation`` for ``snapshot``."""
    return possible(operation, load_store(snapshot))


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
    store = load_store(snapshot)
    if not store.items or not store.locations:
        raise ValueError("the snapshot needs at least one inventory item and one location")
    if succeeding and not valid:
        raise ValueError("succeeding=True needs valid=True")
    if succeeding and not possible(operation, store):
        raise ValueError(f"no {operation} can succeed on this snapshot")
    return variables_of(operation, era, store, valid, succeeding)


# ---------------------------------------------------------------------- call sequences


@st.composite
def _calls(draw: st.DrawFn, api_version: str, store: Store, min_size: int, max_size: int,
           operations: tuple[str, ...]) -> list[Call]:
    era = era_of(api_version)
    out: list[Call] = []
    size = draw(st.integers(min_size, max_size))
    for n in range(size):
        if out and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(out)))  # a retry: same variables, same key
            continue
        operation = draw(st.sampled_from(operations))
        succeeding = possible(operation, store) and draw(st.booleans())
        values = valid_variables(draw, operation, era, store, succeeding)
        presence = key_presence(operation, era)
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
    return _calls(api_version, load_store(snapshot), min_size, max_size, tuple(operations))
