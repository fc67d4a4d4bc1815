"""Quantity names, which are stored and which derived, and the numeric bounds Shopify enforces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

#: The stored quantities of a level, in the order they are kept internally.
STORED: Final = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
    "incoming",
)
#: Position of each stored name in a level's quantity list.
INDEX: Final = {name: i for i, name in enumerate(STORED)}
AVAILABLE: Final = INDEX["available"]
COMMITTED: Final = INDEX["committed"]
INCOMING: Final = INDEX["incoming"]

#: Stored names that count towards ``on_hand`` (everything but ``incoming``).
ON_HAND_PARTS: Final = tuple(INDEX[n] for n in STORED if n != "incoming")

#: The names ``quantities()`` and a level's payload report, in Shopify's (alphabetical) order.
API_NAMES: Final = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)

#: Names that adjust and move accept. ``committed`` changes only through orders.
ADJUSTABLE: Final = (
    "available",
    "damaged",
    "incoming",
    "quality_control",
    "reserved",
    "safety_stock",
)
ADJUSTABLE_SET: Final = frozenset(ADJUSTABLE)

#: Names that ``inventorySetQuantities`` accepts.
SETTABLE: Final = ("available", "on_hand")

#: Adjust deltas, move quantities and adjusted results stay within this magnitude.
ADJUST_LIMIT: Final = 2_000_000_000
#: Set and activate quantities stay within this magnitude.
SET_LIMIT: Final = 1_000_000_000
#: GraphQL ``Int`` is a signed 32-bit integer.
GRAPHQL_INT_MIN: Final = -(2**31)
GRAPHQL_INT_MAX: Final = 2**31 - 1


def on_hand(q: Sequence[int]) -> int:
    """Return ``on_hand`` for a stored-quantity list: every stored name except ``incoming``."""
    return q[0] + q[1] + q[2] + q[3] + q[4] + q[5]


def unavailable(q: Sequence[int]) -> int:
    """Return ``unavailable``: reserved + damaged + safety_stock + quality_control."""
    return q[2] + q[3] + q[4] + q[5]


def api_view(q: Sequence[int]) -> dict[str, int]:
    """Return the eight API quantities of a stored list, in ``API_NAMES`` order."""
    return {
        "available": q[0],
        "committed": q[1],
        "damaged": q[3],
        "incoming": q[6],
        "on_hand": q[0] + q[1] + q[2] + q[3] + q[4] + q[5],
        "quality_control": q[5],
        "reserved": q[2],
        "safety_stock": q[4],
    }
