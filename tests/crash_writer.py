"""The writer the crash test kills: a seeded, deterministic stream of calls into a durable ledger.

Run as ``python -m tests.crash_writer STORE [--chunk N] [--snapshot-every N]
[--checkpoint-thread]``: it opens (or
creates) the store with ``fsync="always"``, prints ``ready <seq>``, then runs calls
``seq + 1, seq + 2, ...`` of the stream, printing each call's seq (flushed) after it returns,
that is once it is acknowledged. Call ``i`` depends on ``i`` only (its own seeded random
generator, the clock at ``START + i * STEP``), so a writer restarted after a kill continues
the very stream a never-killed writer would have run, and the test can recompute it. With
``--checkpoint-thread`` another thread calls ``checkpoint()`` every millisecond meanwhile, so
kills also land in snapshots that race the calls.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from ledger import AdjustChange, Fault, Ledger, MoveChange, MoveTerminal, SetQuantity
from ledger.core.clock import ManualClock

API_VERSION = "2026-01"
SEED = 20261102
START = datetime(2026, 11, 2, 8, tzinfo=UTC)
#: Ten minutes a call: the 24-hour key window spans 144 calls, so keys expire mid-run too.
STEP = timedelta(minutes=10)
ITEMS = [f"gid://shopify/InventoryItem/{n}" for n in (1, 2, 3)]
LOCATIONS = ["gid://shopify/Location/1", "gid://shopify/Location/2"]
INITIAL = {
    "locations": [{"id": LOCATIONS[0], "name": "Shop"}, {"id": LOCATIONS[1], "name": "Depot"}],
    "inventoryItems": [{"id": item} for item in ITEMS],
    "inventoryLevels": [
        {"inventoryItemId": item, "locationId": LOCATIONS[0], "quantities": {"available": 50}}
        for item in ITEMS
    ],
}


def clock_at(i: int) -> datetime:
    """Return the clock reading of call ``i``."""
    return START + i * STEP


def call(ledger: Ledger, clock: ManualClock, i: int) -> object:
    """Run call ``i`` of the stream on ``ledger`` (its clock ``clock``); return the result."""
    own = random.Random(f"{SEED}:{i}")  # noqa: S311 - a reproducible stream, not secrets
    clock.now = clock_at(i)
    fault = Fault.FAILED if own.random() < 0.05 else None
    # Sometimes a retry: an earlier call's very command and key, which a live key replays.
    source = i - own.randint(1, 5) if i > 5 and own.random() < 0.15 else i
    rng = random.Random(f"{SEED}:{source}:command")  # noqa: S311 - reproducible, not secret
    # A small key pool: keys are reused (replays, parameter mismatches) and expire.
    key = f"k-{rng.randrange(40)}" if rng.random() < 0.5 else None
    ledger.faults = lambda _operation, _command: fault
    item, location = rng.choice(ITEMS), rng.choice(LOCATIONS)
    kind = rng.randrange(6)
    if kind <= 1:
        return ledger.adjust(name="available", reason="correction", idempotency_key=key,
                             changes=[AdjustChange(item_id=item, location_id=location,
                                                   delta=rng.randint(-8, 8))])
    if kind == 2:
        return ledger.move(
            reason="damaged", reference_document_uri=f"logistics://rma/{source}",
            idempotency_key=key,
            changes=[MoveChange(item_id=item, quantity=rng.randint(0, 3),
                                from_=MoveTerminal(location_id=location, name="available"),
                                to=MoveTerminal(location_id=location, name="damaged",
                                                ledger_document_uri=f"logistics://d/{source}"))])
    if kind == 3:
        return ledger.set(name="available", reason="correction", idempotency_key=key,
                          ignore_compare_quantity=True,
                          quantities=[SetQuantity(item_id=item, location_id=location,
                                                  quantity=rng.randint(0, 60))])
    if kind == 4:
        return ledger.order_placed(order=f"gid://shopify/Order/{source}", idempotency_key=key,
                                   lines=[(item, location, rng.randint(1, 4))])
    return ledger.activate(item_id=item, location_id=location, idempotency_key=key)


def reference(upto: int) -> tuple[Ledger, ManualClock]:
    """Return a never-killed, in-memory ledger that ran calls 1..``upto``, and its clock."""
    clock = ManualClock(START)
    ledger = Ledger.from_snapshot(INITIAL, API_VERSION, clock)
    for i in range(1, upto + 1):
        call(ledger, clock, i)
    return ledger, clock


def main(argv: list[str] | None = None) -> None:
    """Open the store and write the stream until killed (or ``--calls`` calls, for tests)."""
    from ledger import durable

    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--snapshot-every", type=int, default=20)
    parser.add_argument("--calls", type=int, default=sys.maxsize)
    parser.add_argument("--checkpoint-thread", action="store_true")
    args = parser.parse_args(argv)
    # Many small writes per record: a kill then often lands mid-record (a real torn write).
    durable.DurableOpLog.write_chunk = args.chunk or None
    clock = ManualClock(START)
    ledger = durable.open_ledger(args.store, snapshot=INITIAL, api_version=API_VERSION,
                                 clock=clock, fsync="always", snapshot_every=args.snapshot_every)
    done = len(ledger._oplog or ())
    if args.checkpoint_thread:

        def checkpoints() -> None:
            while True:
                ledger.checkpoint()
                time.sleep(0.001)

        threading.Thread(target=checkpoints, daemon=True).start()
    print(f"ready {done}", flush=True)
    for i in range(done + 1, min(done + 1 + args.calls, sys.maxsize)):
        call(ledger, clock, i)
        print(i, flush=True)
    ledger.close()


if __name__ == "__main__":
    main()
