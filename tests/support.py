"""Helpers the tests share: a settable clock and snapshot builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

ITEM = "gid://shopify/InventoryItem/{}"
LOCATION = "gid://shopify/Location/{}"


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 6, 25, 0, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ReentrantClock(FakeClock):
    """A fake clock that runs a callback once, the next time the ledger reads it."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start)
        self.on_next_read: Callable[[], None] | None = None

    def __call__(self) -> datetime:
        hook, self.on_next_read = self.on_next_read, None
        if hook is not None:
            hook()
        return super().__call__()


def store(
    items: int = 2,
    locations: int = 2,
    stocked: dict[tuple[int, int], dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Return a snapshot of numbered items and locations; ``stocked``: (item, loc) -> quantities."""
    stocked = stocked if stocked is not None else {(1, 1): {"available": 5}}
    return {
        "locations": [
            {"id": LOCATION.format(n), "name": "Shop location" if n == 1 else f"Location {n}"}
            for n in range(1, locations + 1)
        ],
        "inventoryItems": [{"id": ITEM.format(n)} for n in range(1, items + 1)],
        "inventoryLevels": [
            {"inventoryItemId": ITEM.format(i), "locationId": LOCATION.format(loc),
             "quantities": dict(q)}
            for (i, loc), q in sorted(stocked.items())
        ],
    }
