"""Pythonic adjust throughput with the cyclic collector on, off, or frozen after loading.

``python -m benchmarks.gc_scaling LEVELS MODE`` with MODE ``on``, ``off`` or ``freeze``:
20,000 single-change adjusts (seed 1) on a store of LEVELS levels at 10 locations. Shows
where throughput at 10^6 levels goes (see benchmarks/README.md).
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import UTC, datetime

from benchmarks.workloads import Clock
from ledger import AdjustChange, Ledger

CALLS = 20_000


def main(levels: int, mode: str) -> int:
    locations = 10
    items = levels // locations
    snapshot = {
        "locations": [{"id": f"gid://shopify/Location/{n}"} for n in range(1, locations + 1)],
        "inventoryItems": [{"id": f"gid://shopify/InventoryItem/{n}"}
                           for n in range(1, items + 1)],
        "inventoryLevels": [{"inventoryItemId": f"gid://shopify/InventoryItem/{i}",
                             "locationId": f"gid://shopify/Location/{n}",
                             "quantities": {"available": 1_000_000}}
                            for i in range(1, items + 1) for n in range(1, locations + 1)],
    }
    ledger = Ledger.from_snapshot(snapshot, "2026-04", Clock(datetime(2026, 1, 1, tzinfo=UTC)))
    del snapshot
    rng = random.Random(1)  # noqa: S311 - a seeded workload, not cryptography
    calls = [(f"gid://shopify/InventoryItem/{rng.randint(1, items)}",
              f"gid://shopify/Location/{rng.randint(1, locations)}") for _ in range(CALLS)]
    if mode == "off":
        gc.disable()
    elif mode == "freeze":
        gc.collect()
        gc.freeze()
    started = time.perf_counter()
    for k, (item, location) in enumerate(calls):
        ledger.adjust(name="available", reason="correction", idempotency_key=f"k{k}",
                      changes=[AdjustChange(item_id=item, location_id=location, delta=1,
                                            change_from_quantity=None)])
    print(f"{levels} levels, gc {mode}: {CALLS / (time.perf_counter() - started):,.0f} calls/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2]))
