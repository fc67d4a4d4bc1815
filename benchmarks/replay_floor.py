"""The floor under ``from_oplog``: ``python -m benchmarks.replay_floor [OPS] [REPS]``.

Issue 14 asks for a replay per operation at least 10x faster than running the same calls
live through ``execute``. This times, on the benchmark's own journal (``build_journal``:
1,000 levels, 80% adjust / 10% move / 10% set), each piece of work a replay of the exported
log cannot skip, alone, per operation (min of REPS, collector paused as ``replay`` pauses
it), and sets each against that budget (live µs/op / 10):

* reading the lines, checking each frame and its CRC-32, and ``json.loads`` of each record
  (the bare standard library, and the one prebuilt decoder the reader uses);
* building the command objects from the decoded JSON (their attrs validators included),
  and the ``OpRecord`` and ``Outcome`` around them, with no other checks;
* ``replay`` of records already in memory (the mutations, journal and log; no parsing).

Nothing here is part of the test run; figures move between runs on a shared machine.
"""

from __future__ import annotations

import gc
import io
import json
import sys
import time
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from benchmarks import workloads as w
from ledger import (
    Adjust,
    AdjustChange,
    Ledger,
    Move,
    MoveChange,
    MoveTerminal,
    SetQuantities,
    SetQuantity,
)
from ledger.store import oplog


def _best(fn: Callable[[], object], reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def _command(operation: str, data: dict[str, Any]) -> object:
    """Build a journal command straight from its JSON: the constructors and nothing else."""
    if operation == "inventoryAdjustQuantities":
        return Adjust(**{**data, "changes": [AdjustChange(**c) for c in data["changes"]]})
    if operation == "inventoryMoveQuantities":
        return Move(**{**data, "changes": [
            MoveChange(item_id=c["item_id"], quantity=c["quantity"],
                       from_=MoveTerminal(**c["from_"]), to=MoveTerminal(**c["to"]))
            for c in data["changes"]]})
    if operation == "inventorySetQuantities":
        return SetQuantities(**{**data, "quantities": [SetQuantity(**q)
                                                       for q in data["quantities"]]})
    return oplog.decode_command(operation, data)


def main(argv: list[str]) -> int:
    """Print the floor table for a journal of OPS calls."""
    ops = int(argv[0]) if argv else 1_000
    reps = int(argv[1]) if len(argv) > 1 else 7
    journaled = w.build_journal(w.QUICK, ops)
    text, snapshot, calls = journaled.log_text, journaled.snapshot, journaled.calls
    lines = text.splitlines(keepends=True)[1:]
    bodies = [line[29:-2] for line in lines]  # the <RECORD> of each framed line
    decoded = [json.loads(body) for body in bodies]
    records = list(oplog.stream(io.StringIO(text))[1])
    decoder = json.JSONDecoder()
    n = len(calls)

    def fresh() -> Ledger:
        return Ledger.from_snapshot(snapshot, api_version=w.VERSION, clock=w.Clock(w.START))

    def construct() -> None:
        for data in decoded:
            outcome = data["outcome"]
            oplog.OpRecord(
                seq=data["seq"], at=datetime.fromisoformat(data["at"]),
                operation=data["operation"], api_version=data["apiVersion"],
                idempotency_key=data["idempotencyKey"], fault=None,
                command=_command(data["operation"], data["input"]),
                outcome=oplog.Outcome(status=outcome["status"], group_id=outcome["groupId"],
                                      errors=tuple(outcome["errors"])))

    rows: list[tuple[str, float]] = []

    def row(name: str, fn: Callable[[], object]) -> float:
        us = _best(fn, reps) / n * 1e6
        rows.append((name, us))
        return us

    live = row("live: the calls through Ledger.execute (journal-live)",
               lambda: w.run_live_ledger(snapshot, calls))
    full = row("from_oplog of the exported text", lambda: Ledger.from_oplog(
        snapshot, io.StringIO(text)))
    snap = row("  from_snapshot alone (in both of the above)", fresh)
    row("  oplog.stream: read and check every record", lambda: list(
        oplog.stream(io.StringIO(text))[1]))
    reading = row("  readline over the text", lambda: list(iter(io.StringIO(text).readline, "")))
    crc = row("  frame regex + CRC-32 of each record", lambda: [
        (oplog._FRAME.fullmatch(line), zlib.crc32(body.encode()))
        for line, body in zip(lines, bodies, strict=True)])
    row("  json.loads of each record (stdlib, default decoder)", lambda: [
        json.loads(body) for body in bodies])
    parse = row("  the same with one prebuilt JSONDecoder", lambda: [
        decoder.decode(body) for body in bodies])
    build = row("  constructors only: commands + OpRecord + Outcome", construct)
    engine = row("  replay of the decoded records (no parsing) - from_snapshot",
                 lambda: fresh().replay(records)) - snap
    rows[-1] = (rows[-1][0], engine)
    budget = live / 10
    print(f"journal of {n:,} calls ({len(text) / n:.0f} B/op), min of {reps}, µs per operation")
    print(f"{'':62s} {'µs/op':>7s} {'x budget':>9s}")
    for name, us in rows:
        print(f"{name:62s} {us:7.2f} {us / budget:9.2f}")
    floor = reading + crc + parse + build
    print(f"{'10x budget: live / 10':62s} {budget:7.2f} {1:9.2f}")
    print(f"{'floor of decoding: readline + frame/CRC + JSON + constructors':62s} {floor:7.2f} "
          f"{floor / budget:9.2f}")
    print(f"{'floor of decoding + the engine replaying (no snapshot load)':62s} "
          f"{floor + engine:7.2f} {(floor + engine) / budget:9.2f}")
    print(f"from_oplog / live: {live / full:.2f}x (target 10x); best possible with this "
          f"engine and decoding floor: {live / (floor + engine + snap):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
