"""Run N units of one workload, untimed, for an instruction count under callgrind.

Instruction counts do not move with the machine's load, so an A/B of two commits is read
from them, not from timings. One unit per kind:

* ``pythonic``, ``execute``, ``sqlite``: one single-change adjust of the benchmark's own
  inputs at 10^4 levels (a real ``changeFromQuantity``, a fresh key), through
  ``Ledger.adjust``, ``Ledger.execute`` or the SQLite baseline; ``graphql``: the same
  call through ``Ledger.graphql`` and the benchmark's cached document;
* ``event``: one 2-line ``order_placed`` then its ``order_fulfilled``, each with a key;
* ``sim``: ``N`` items at 10 locations for 10 days of ``ledger.sim.simulate`` (seed 1);
* the stages of one single-change adjust, each alone in a loop over ``N`` keys at 10^4
  levels: ``loop`` (the loop itself, to take off the others), ``change`` (an
  ``AdjustChange``), ``command`` (an ``Adjust``), ``request`` (the request checks) and
  ``check`` (``adjust.check``);
* and the three stages ``execute`` adds around the engine, on the same call's variables:
  ``coerce`` (``coerce_variables``), ``decode`` (the command built from the coerced
  variables) and ``render`` (the response body of its result).

The per-unit figure is the difference of two runs, which cancels the start-up::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python -m benchmarks.instructions pythonic 500      # then 2500:
    # (Ir(2500) - Ir(500)) / 2000 instructions per call ("Collected" in valgrind's summary)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence

from benchmarks import workloads as w
from ledger import Ledger

KINDS = ("pythonic", "execute", "graphql", "sqlite", "event", "sim",
         "loop", "change", "command", "request", "check", "coerce", "decode", "render")
STAGES = KINDS[6:]


def _events(count: int) -> None:
    ledger = w.Store(10**4).ledger
    placed, fulfilled = ledger.order_placed, ledger.order_fulfilled
    for k in range(count):
        item, location = k % 1000 + 1, k % 10 + 1
        lines = [(f"{w.ITEM}{item}", f"{w.LOCATION}{location}", 2),
                 (f"{w.ITEM}{(item + 7) % 1000 + 1}", f"{w.LOCATION}{location}", 1)]
        order = f"gid://shopify/Order/{k}"
        if not (placed(order=order, lines=lines, idempotency_key=f"p{k}").ok
                and fulfilled(order=order, lines=lines, idempotency_key=f"f{k}").ok):
            raise SystemExit(f"event {k} failed")


def _stage(kind: str, count: int) -> None:
    """Run one stage of a single-change adjust ``count`` times (see the module docstring)."""
    from ledger import AdjustChange
    from ledger.core.commands import Adjust
    from ledger.core.mutations.adjust import check
    from ledger.core.request_checks import request_error

    ledger = w.Store(10**4).ledger
    item, location = f"{w.ITEM}5", f"{w.LOCATION}3"
    change = AdjustChange(item_id=item, location_id=location, delta=1,
                          change_from_quantity=w.STOCK)
    command = Adjust(name="available", reason="correction", changes=(change,))
    era, state = ledger._era, ledger._state
    keys = [f"k{n}" for n in range(count)]
    if kind == "loop":
        for _ in keys:
            pass
    elif kind == "change":
        for _ in keys:
            AdjustChange(item_id=item, location_id=location, delta=1,
                         change_from_quantity=w.STOCK)
    elif kind == "command":
        for _ in keys:
            Adjust(name="available", reason="correction", changes=(change,),
                   reference_document_uri=None)
    elif kind == "request":
        for key in keys:
            request_error("inventoryAdjustQuantities", command, key, era, w.VERSION)
    elif kind == "check":
        for _ in keys:
            check(command, state, era)
    else:
        _codec_stage(kind, ledger, keys)


def _codec_stage(kind: str, ledger: Ledger, keys: list[str]) -> None:
    """Run one of ``execute``'s own stages once per key (see the module docstring)."""
    from ledger.shopify import codec
    from ledger.shopify.coercion import coerce_variables

    era, operation = ledger._era, "inventoryAdjustQuantities"
    variables = {"input": {"name": "available", "reason": "correction", "changes": [{
        "inventoryItemId": f"{w.ITEM}5", "locationId": f"{w.LOCATION}3", "delta": 1,
        "changeFromQuantity": w.STOCK}]}}
    values, errors = coerce_variables(operation, variables, era)
    result = ledger.run(codec.decode(operation, values), "stage")
    if errors or not result.ok:
        raise SystemExit(f"the stage's call failed: {errors or result}")
    if kind == "coerce":
        for _ in keys:
            coerce_variables(operation, variables, era)
    elif kind == "decode":
        for _ in keys:
            codec.decode(operation, values)
    else:
        for _ in keys:
            codec.render(result, era)


def run(kind: str, count: int) -> None:
    """Run ``count`` units of ``kind`` (see the module docstring)."""
    if kind in STAGES:
        _stage(kind, count)
        return
    if kind == "sim":
        from ledger.sim.simulation import SimulationConfig, simulate

        simulate(SimulationConfig(items=count, locations=10, days=10, seed=1))
        return
    if kind == "event":
        _events(count)
        return
    cfg = dataclasses.replace(w.FULL, calls=count)
    store = w.Store(10**4)
    if kind == "pythonic":
        prepare = w._pythonic_adjust(cfg, store, "py", 2)
    elif kind == "graphql":
        prepare = w._graphql_adjust(cfg, store, "gql", 13)
    elif kind == "execute":
        prepare = w._execute_adjust(cfg, store, "ex", 1)
    else:
        prepare = w._baseline_adjust(cfg, store, "sqlite", "sq", 3)
    prepare(0)()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``KIND COUNT`` and run them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("count", type=int)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("COUNT must be at least 1")
    run(args.kind, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
