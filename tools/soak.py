"""A long soak of a durable ledger, run by hand: ``python tools/soak.py [--ops N]``.

Runs N seeded operations (adjusts, moves, compare-and-swap sets, platform events, each with
a fresh idempotency key, and some retries of earlier keys) against a durable store under a
simulated clock that moves one second per call, so the 24-hour idempotency window fills and
then evicts. Every ``--verify-every`` operations it

* rebuilds the state from the store's initial snapshot plus its whole journal, streamed, in a
  fresh ledger, and compares it with the live one (``ledger verify``'s replay check), and
* records the live process's resident memory (RSS, from ``/proc/self/statm``) and its
  allocated memory blocks (``sys.getallocatedblocks`` after a full collection); both must
  stay flat once the window is full. RSS is what the machine pays: a heap that fragments
  grows it while the block count stays flat. The verification runs in a child process so
  that its own allocations do not count against the live ledger.

The live ledger keeps no in-memory journal (``keep_journal=False``): the store's file is the
audit trail. Exit 0 if every verification agreed and both figures stayed within
``--tolerance`` of their level after the first day; 1 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ledger import AdjustChange, Ledger, MoveChange, MoveTerminal, SetQuantity
from ledger.clock import ManualClock
from ledger.durable import open_ledger

DAY = 86_400


def _store(items: int, locations: int) -> dict[str, object]:
    locs = [f"gid://shopify/Location/{n}" for n in range(1, locations + 1)]
    its = [f"gid://shopify/InventoryItem/{n}" for n in range(1, items + 1)]
    return {
        "locations": [{"id": loc, "name": f"Location {n}"} for n, loc in enumerate(locs, 1)],
        "inventoryItems": [{"id": item} for item in its],
        "inventoryLevels": [{"inventoryItemId": item, "locationId": loc,
                             "quantities": {"available": 50}} for item in its for loc in locs],
    }


def _step(ledger: Ledger, rng: random.Random, n: int, items: int, locations: int) -> None:
    item = f"gid://shopify/InventoryItem/{rng.randint(1, items)}"
    location = f"gid://shopify/Location/{rng.randint(1, locations)}"
    key = f"op-{n}" if rng.random() > 0.02 else f"op-{max(1, n - rng.randint(1, 500))}"
    kind = rng.random()
    if kind < 0.35:
        ledger.adjust(name="available", reason="correction", idempotency_key=key,
                      changes=[AdjustChange(item_id=item, location_id=location,
                                            delta=rng.randint(-3, 5), change_from_quantity=None)])
    elif kind < 0.5:
        doc = f"logistics://rma/{n}"
        ledger.move(reason="damaged", reference_document_uri=doc, idempotency_key=key,
                    changes=[MoveChange(item_id=item, quantity=1,
                                        from_=MoveTerminal(location_id=location, name="available",
                                                           change_from_quantity=None),
                                        to=MoveTerminal(location_id=location, name="damaged",
                                                        ledger_document_uri=doc,
                                                        change_from_quantity=None))])
    elif kind < 0.6:
        seen = ledger.quantities(item, location)["available"]
        ledger.set(name="available", reason="cycle_count_available", idempotency_key=key,
                   quantities=[SetQuantity(item_id=item, location_id=location,
                                           quantity=max(0, seen + rng.randint(-2, 2)),
                                           change_from_quantity=seen)])
    elif kind < 0.85:
        ledger.order_placed(order=f"gid://shopify/Order/{n}", idempotency_key=key,
                            lines=[(item, location, rng.randint(1, 3))])
    else:
        committed = ledger.quantities(item, location)["committed"]
        if committed:
            ledger.order_fulfilled(order=f"gid://shopify/Order/{n}", idempotency_key=key,
                                   lines=[(item, location, min(committed, rng.randint(1, 3)))])
        else:
            ledger.return_restocked(document=f"gid://shopify/Return/{n}", idempotency_key=key,
                                    lines=[(item, location, 1)])


_VERIFY = """
import hashlib, json, sys
from pathlib import Path
from ledger import Ledger
from ledger.durable import JOURNAL, read_journal, read_snapshot
root = Path(sys.argv[1])
initial = read_snapshot(root / "snapshot-0.json")
fresh = Ledger.from_snapshot(initial["snapshot"], initial["apiVersion"], record=False,
                             keep_journal=False)
count = fresh.replay(read_journal(root / JOURNAL))
fresh._check()
print(count, hashlib.sha256(json.dumps(fresh.snapshot(), sort_keys=True).encode()).hexdigest())
"""


def _digest(ledger: Ledger) -> str:
    return hashlib.sha256(json.dumps(ledger.snapshot(), sort_keys=True).encode()).hexdigest()


def _verify(root: Path, live: Ledger) -> tuple[bool, int, float]:
    """Rebuild the state from the store in a child process; compare it with ``live``."""
    started = time.perf_counter()
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", _VERIFY, str(root)], capture_output=True, text=True,
        check=True).stdout.split()
    return out[1] == _digest(live), int(out[0]), time.perf_counter() - started


def rss_bytes() -> int:
    """Return this process's resident set size (Linux: ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print one line per verification and a verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--verify-every", type=int, default=250_000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--dir", help="store directory (default: a temporary one)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 - a seeded workload, not cryptography
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.dir or tmp) / "store"
        ledger = open_ledger(root, snapshot=_store(args.items, args.locations),
                             api_version="2026-04", clock=clock, fsync="never",
                             snapshot_every=20_000, keep_journal=False)
        ok = True
        baseline: tuple[int, int] | None = None
        samples: list[tuple[int, int]] = []
        started = time.perf_counter()
        try:
            for n in range(1, args.ops + 1):
                clock.advance(1)
                _step(ledger, rng, n, args.items, args.locations)
                if n % args.verify_every == 0 or n == args.ops:
                    ledger.sync()
                    agreed, count, took = _verify(root, ledger)
                    gc.collect()
                    now = (sys.getallocatedblocks(), rss_bytes())
                    samples.append(now)
                    if n >= DAY and baseline is None:
                        baseline = now
                    ok &= agreed
                    rate = n / (time.perf_counter() - started)
                    print(f"{n:>9} ops  verified {count:>9} records in {took:6.1f} s: "
                          f"{'agree' if agreed else 'DIFFER'}   allocated blocks {now[0]:>9}"
                          f"   RSS {now[1] / 2**20:7.1f} MiB   {rate:,.0f} ops/s overall",
                          flush=True)
        finally:
            ledger.close()
    grown = [(samples[-1][i] - baseline[i]) / baseline[i] if baseline else 0.0 for i in (0, 1)]
    flat = all(g <= args.tolerance for g in grown)
    print(f"verifications agreed: {ok}; memory after the first day "
          f"{'flat' if flat else 'GREW'} (allocated blocks {grown[0]:+.1%}, RSS {grown[1]:+.1%})")
    return 0 if ok and flat else 1


if __name__ == "__main__":
    sys.exit(main())
