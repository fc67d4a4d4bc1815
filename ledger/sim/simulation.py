"""A seeded demand-and-replenishment simulation that drives a ``Ledger`` day by day.

The sim layer (on top of the facade). This module is the day model: the store it generates,
the phases of a day and the counting of the report's figures. What a run takes and gives,
``SimulationConfig`` and ``SimulationReport``, are values in ``ledger.sim.report``
(re-exported here).

``simulate(SimulationConfig(items=5, locations=2, days=30, seed=7))`` builds a store from a
generated snapshot, then runs ``days`` simulated days on it: orders placed, fulfilled,
cancelled (with or without restock), returns restocked, purchase orders raised (``incoming``)
and received, damage, and cycle counts. Every quantity change goes through the ledger (the
platform events and the Pythonic mutations), so the journal is the full audit trail.

Determinism: the only source of randomness is one ``random.Random(seed)`` and the clock is a
``ManualClock`` moved by the simulation, so the same configuration gives the same report byte
for byte, in this process, in a worker process or on a Dask worker. Nothing iterates over a
``set`` or depends on ``hash()`` (string hashing is salted per process).

One simulated day runs these phases, each at its own hour of the day:

====  ======================================================================================
hour  phase
====  ======================================================================================
06    purchase orders due today are received (``incoming_received``: incoming → available)
08    orders due today that the customer cancelled are cancelled; orders open longer than
      ``max_backorder_days`` are cancelled with restock
10    open orders at least ``fulfil_delay_days`` old ship every line whose units are on the
      shelf (``available + committed >= quantity``); other lines stay open (backorders)
12    returns due today are restocked (``return_restocked``)
14    new demand: ``Poisson(demand_rate)`` lines per item and location, grouped into orders of
      1 … ``max_lines_per_order`` lines at one location (``order_placed``)
16    damage: each level with stock, with probability ``damage_rate``, moves 1-2 units
      ``available`` → ``damaged`` (``ledger.move``)
18    cycle counts, every ``cycle_count_every_days`` days: every level is counted and set
      through ``inventorySetQuantities`` (compare-and-swap on the value read), alternately
      by ``available`` and by ``on_hand``
20    replenishment review: a level whose position (``available + incoming``) is at or
      below ``reorder_point`` gets a purchase order up to ``order_up_to``
      (``ledger.adjust`` of ``incoming``, reason ``movement_created``), received
      ``lead_time_days`` later
====  ======================================================================================

Definitions used by the report:

* **stock-out line**: an order line that, when placed, found ``available <= 0`` at its level
  (counting earlier lines of the same order at that level);
* **stock-out level-day**: a (day, item, location) whose ``available`` is ``<= 0`` at the end
  of the day;
* **oversold units** of a line: the units beyond what was available when it was placed,
  ``max(0, quantity - max(0, available_before))``; an **oversold order** has at least one
  line with oversold units (the store keeps selling when out of stock, as Shopify allows);
* **fill rate**: units fulfilled / units ordered (1.0 when nothing was ordered); units still
  open or cancelled at the end count as not filled.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Final

import attrs

from ledger.api import Ledger
from ledger.core import collector
from ledger.core.clock import ManualClock
from ledger.core.commands import (
    ABSENT,
    AdjustChange,
    MoveChange,
    MoveTerminal,
    OptionalInt,
    SetQuantity,
)
from ledger.core.quantities import API_NAMES
from ledger.core.results import Result
from ledger.core.versions import Presence, era_of
from ledger.sim.report import (
    EVENT_KINDS,
    MAX_DEMAND_RATE,
    DailySample,
    EventTotal,
    Operations,
    SimulationConfig,
    SimulationReport,
)

__all__ = [
    "DOCUMENT_PREFIX",
    "EVENT_KINDS",
    "ITEM_PREFIX",
    "LOCATION_PREFIX",
    "MAX_DEMAND_RATE",
    "DailySample",
    "EventTotal",
    "Operations",
    "Simulation",
    "SimulationConfig",
    "SimulationReport",
    "generate_snapshot",
    "item_id",
    "location_id",
    "poisson",
    "simulate",
]

ITEM_PREFIX: Final = "gid://shopify/InventoryItem/"
LOCATION_PREFIX: Final = "gid://shopify/Location/"
#: Documents the simulation invents live under its own scheme: the ledger refuses
#: ``gid://shopify/`` ledger documents, and these are not Shopify objects anyway.
DOCUMENT_PREFIX: Final = "sim://"
#: The units of an (item, quantity) line and of an (item, location, quantity) line: read in C,
#: where a generator is a frame of its own per sum.
_UNITS: Final = operator.itemgetter(1)
_LINE_UNITS: Final = operator.itemgetter(2)
_DAY: Final = 86_400
_HOUR: Final = 3_600


def item_id(number: int) -> str:
    """Return the id of simulated item ``number`` (1-based)."""
    return f"{ITEM_PREFIX}{number}"


def location_id(number: int) -> str:
    """Return the id of simulated location ``number`` (1-based)."""
    return f"{LOCATION_PREFIX}{number}"


def generate_snapshot(config: SimulationConfig, rng: random.Random) -> dict[str, Any]:
    """Return the starting store: every item stocked everywhere, between the policy bounds."""
    locations = [{"id": location_id(n), "name": f"Location {n}"}
                 for n in range(1, config.locations + 1)]
    items = [{"id": item_id(n)} for n in range(1, config.items + 1)]
    levels = [
        {"inventoryItemId": item_id(i), "locationId": location_id(loc),
         "quantities": {"available": rng.randint(config.reorder_point, config.order_up_to)}}
        for i in range(1, config.items + 1)
        for loc in range(1, config.locations + 1)
    ]
    return {"locations": locations, "inventoryItems": items, "inventoryLevels": levels}


def poisson(rng: random.Random, mean: float) -> int:
    """Draw from a Poisson distribution of ``mean`` (Knuth; ``mean`` at most ``MAX_DEMAND_RATE``).

    >>> poisson(random.Random(1), 0.0)
    0
    """
    return _knuth(rng.random, math.exp(-mean))


def _knuth(draw: Callable[[], float], limit: float) -> int:
    """``poisson``'s draw, given ``rng.random`` and ``exp(-mean)`` (worked out once a run)."""
    count, product = 0, draw()
    while product > limit:
        count += 1
        product *= draw()
    return count


@attrs.define
class _Order:
    number: int
    #: The order's URI (``gid://shopify/Order/<number>``), formatted once: every call on
    #: the order names it.
    uri: str
    location: str
    #: (item, quantity) lines still open, in order.
    lines: list[tuple[str, int]]
    placed_day: int
    cancel: bool


class Simulation:
    """One run: ``Simulation(config).run()`` returns the report; ``.ledger`` is the store.

    ``sample_items`` are item ids whose quantities are recorded at the end of every day (for
    plots). ``progress`` is called with the number of days done after each day. ``record``
    keeps the ledger's operation log (``ledger.oplog``, which replays the run from
    ``start_snapshot``); a run whose log nobody reads may go without it: the same report,
    2.4% fewer instructions and no log held (``simulate`` and ``ledger simulate`` without
    ``--journal-out`` do).
    """

    def __init__(
        self,
        config: SimulationConfig,
        *,
        sample_items: Sequence[str] = (),
        record: bool = True,
    ) -> None:
        self.config = config
        self.rng = random.Random(config.seed)  # noqa: S311 - reproducible draws, not secrets
        #: ``rng.randint(1, n)`` is ``1 + rng._randbelow(n)``: CPython's ``randrange`` adds the
        #: start to ``_randbelow(width)`` for a step of 1 (3.11 on). The same draws, without
        #: randint's and randrange's frames and argument checks: about three draws an order
        #: (``test_simulation`` compares the two streams).
        # typeshed does not declare the private method, which every CPython 3 Random has.
        self._below: Callable[[int], int] = self.rng._randbelow  # type: ignore[attr-defined]
        self.clock = ManualClock(config.start)
        #: The generated store before day one: with ``ledger.oplog`` it replays the run.
        self.start_snapshot = generate_snapshot(config, self.rng)
        self.ledger = Ledger.from_snapshot(
            self.start_snapshot, api_version=config.api_version, clock=self.clock,
            record=record,
        )
        self.item_ids = [item_id(n) for n in range(1, config.items + 1)]
        self.location_ids = [location_id(n) for n in range(1, config.locations + 1)]
        for wanted in sample_items:
            if not self.ledger.has_item(wanted):
                raise ValueError(f"unknown item to sample {wanted!r}")
        self.sample_items = tuple(sample_items)
        era = era_of(config.api_version)
        # The pinned version decides what a well-behaved client sends (an app must speak its
        # version): keys and changeFromQuantity where they exist, compareQuantity before.
        self._keys = era.idempotency is not Presence.UNDEFINED
        self._change_from = era.change_from is not Presence.UNDEFINED
        self._legacy_compare = era.legacy_compare is Presence.REQUIRED
        self._calls = self._no_ops = self._failed = 0  # succeeded: the calls that did not fail
        self._key_prefix = f"sim-{config.seed}-"  # ``_key``'s, formatted once
        self._next_order = self._next_document = 0
        self._open: dict[int, _Order] = {}
        self._receipts: dict[int, list[tuple[str, str, int, str]]] = {}
        self._returns: dict[int, list[tuple[str, list[tuple[str, str, int]]]]] = {}
        self._calls_by_kind = dict.fromkeys(EVENT_KINDS, 0)
        self._units_by_kind = dict.fromkeys(EVENT_KINDS, 0)
        self._orders = self._lines = self._stockout_lines = 0
        self._oversold_orders = self._oversold_units = self._stockout_days = 0
        self._count_delta = 0
        self._count_rounds = 0
        self._samples: list[DailySample] = []
        self._initial_on_hand = self._total("on_hand")

    # ------------------------------------------------------------------ helpers

    def _q(self, item: str, location: str) -> dict[str, int]:
        return self.ledger.quantities(item, location)

    def _total(self, name: str) -> int:
        # A level not stocked reads as 0, so the sum over the stocked ones is the total.
        return sum(self.ledger.quantity_by_level(name).values())

    def _out_of_stock(self, available: dict[tuple[str, str], int] | None = None) -> int:
        """Count the (item, location) pairs whose ``available`` is ``<= 0`` now.

        ``available``: ``quantity_by_level("available")`` if the caller read it since the
        last change to ``available`` (the day's replenishment changes only ``incoming``).
        """
        if available is None:
            available = self.ledger.quantity_by_level("available")
        # Every level is one of the simulation's pairs (it made the store); a pair with no
        # level reads 0 and is out of stock too.
        unstocked = len(self.item_ids) * len(self.location_ids) - len(available)
        return unstocked + sum(1 for value in available.values() if value <= 0)

    def _key(self) -> str:
        """Return a fresh idempotency key; unique within the run, derived from the seed."""
        return f"{self._key_prefix}{self._calls}"

    def _mutation_key(self) -> str | None:
        return self._key() if self._keys else None

    def _cas(self, value: int) -> OptionalInt:
        return value if self._change_from else ABSENT

    def _document(self, kind: str) -> str:
        self._next_document += 1
        return f"{DOCUMENT_PREFIX}{kind}/{self._next_document}"

    def _record(self, kind: str, result: Result, units: int) -> bool:
        """Count ``result`` in the report's figures; tell whether it succeeded."""
        self._calls += 1
        if not result.ok:
            self._failed += 1
            return False
        if result.group is None:
            self._no_ops += 1
        self._calls_by_kind[kind] += 1
        self._units_by_kind[kind] += units
        return True

    def _at(self, day: int, hour: int) -> None:
        self.clock.now = self.config.start + timedelta(seconds=day * _DAY + hour * _HOUR)

    # ------------------------------------------------------------------ the run

    def run(self, progress: Callable[[int], None] | None = None) -> SimulationReport:
        """Run every day of the configuration and return the report.

        The cyclic garbage collector is paused while the days run (``collector.paused``):
        the simulation's calls make no reference cycles, and the collector walking the
        growing journal was about a fifth of the run (issue 14: a 300-item, 20-day run
        took 2.62 s with it on, 2.04 s paused).
        """
        with collector.paused():
            for day in range(self.config.days):
                self._day(day)
                if progress is not None:
                    progress(day + 1)
        return self.report()

    def _day(self, day: int) -> None:
        self._at(day, 6)
        self._receive(day)
        self._at(day, 8)
        self._cancel(day)
        self._at(day, 10)
        self._fulfil(day)
        self._at(day, 12)
        self._restock_returns(day)
        self._at(day, 14)
        self._place_orders(day)
        self._at(day, 16)
        self._damage()
        every = self.config.cycle_count_every_days
        if every and (day + 1) % every == 0:
            self._at(day, 18)
            self._cycle_count()
        self._at(day, 20)
        available = self._replenish(day)
        self._end_of_day(day, available)

    def _receive(self, day: int) -> None:
        for item, location, quantity, document in self._receipts.pop(day, []):
            self._record("incoming_received", self.ledger.incoming_received(
                document=document, lines=[(item, location, quantity)],
                idempotency_key=self._key()), quantity)

    def _cancel(self, day: int) -> None:
        for order in list(self._open.values()):
            due = order.placed_day + self.config.fulfil_delay_days
            timed_out = day - order.placed_day > self.config.max_backorder_days
            if not ((order.cancel and day >= due) or timed_out):
                continue
            restock = timed_out or self.rng.random() < self.config.cancel_restock_rate
            if not restock and not self._on_shelf(order.location, order.lines):
                # Units that are not on the shelf (an oversell) cannot leave the location.
                restock = True
            units = sum(map(_UNITS, order.lines))
            kind = "order_cancelled_restock" if restock else "order_cancelled_no_restock"
            self._record(kind, self.ledger.order_cancelled(
                order=order.uri, lines=[(i, order.location, q) for i, q in order.lines],
                restock=restock, idempotency_key=self._key()), units)
            del self._open[order.number]

    def _on_shelf(self, location: str, lines: list[tuple[str, int]]) -> bool:
        """Tell whether every line's units are physically held (``available + committed``)."""
        taken: dict[str, int] = {}
        for item, quantity in lines:
            q = self._q(item, location)
            taken[item] = taken.get(item, 0) + quantity
            if q["available"] + q["committed"] < taken[item]:
                return False
        return True

    def _fulfil(self, day: int) -> None:
        read = self.ledger.quantities  # bound once: a read per line of every open order
        delay = self.config.fulfil_delay_days
        for order in list(self._open.values()):
            if day < order.placed_day + delay or order.cancel:
                continue
            shipped: list[tuple[str, int]] = []
            waiting: list[tuple[str, int]] = []
            held: dict[str, int] = {}
            location = order.location
            for item, quantity in order.lines:
                q = read(item, location)
                shelf = q["available"] + q["committed"] - held.get(item, 0)
                if shelf >= quantity:
                    shipped.append((item, quantity))
                    held[item] = held.get(item, 0) + quantity
                else:
                    waiting.append((item, quantity))
            if not shipped:
                continue
            units = sum(map(_UNITS, shipped))
            lines = [(i, location, q) for i, q in shipped]
            if not self._record("order_fulfilled", self.ledger.order_fulfilled(
                    order=order.uri, lines=lines, idempotency_key=self._key()), units):
                continue
            if self.rng.random() < self.config.return_rate:
                back = day + self.config.return_delay_days
                self._returns.setdefault(back, []).append((self._document("returns"), lines))
            order.lines = waiting
            if not waiting:
                del self._open[order.number]

    def _restock_returns(self, day: int) -> None:
        for document, lines in self._returns.pop(day, []):
            self._record("return_restocked", self.ledger.return_restocked(
                document=document, lines=lines, idempotency_key=self._key()),
                sum(map(_LINE_UNITS, lines)))

    def _place_orders(self, day: int) -> None:
        config = self.config
        below, draw, units = self._below, self.rng.random, config.max_units_per_line
        limit = math.exp(-config.demand_rate)  # ``poisson``'s, once for every item
        for location in self.location_ids:
            demand = [
                (item, 1 + below(units))
                for item in self.item_ids
                for _ in range(_knuth(draw, limit))
            ]
            self.rng.shuffle(demand)
            start = 0  # orders take the shuffled lines in turn (no re-slicing of the rest)
            while start < len(demand):
                size = 1 + below(config.max_lines_per_order)
                self._place(day, location, demand[start:start + size])
                start += size

    def _place(self, day: int, location: str, lines: list[tuple[str, int]]) -> None:
        self._next_order += 1
        number = self._next_order
        order = _Order(number=number, uri=f"gid://shopify/Order/{number}", location=location,
                       lines=lines, placed_day=day,
                       cancel=self.rng.random() < self.config.cancel_rate)
        running: dict[str, int] = {}
        oversold = stockouts = 0  # counted here, added to the run's figures once
        available = self.ledger.quantity
        for item, quantity in lines:
            before = running.get(item)
            if before is None:
                before = available(item, location, "available")
            running[item] = before - quantity
            # A stock-out line, and the module's max(0, quantity - max(0, before)) oversold.
            if before <= 0:
                stockouts += 1
                oversold += quantity
            elif quantity > before:
                oversold += quantity - before
        self._stockout_lines += stockouts
        if not self._record("order_placed", self.ledger.order_placed(
                order=order.uri, lines=[(i, location, q) for i, q in lines],
                idempotency_key=self._key()), sum(map(_UNITS, lines))):
            return
        self._orders += 1
        self._lines += len(lines)
        self._oversold_units += oversold
        self._oversold_orders += oversold > 0
        self._open[order.number] = order

    def _damage(self) -> None:
        for item in self.item_ids:
            for location in self.location_ids:
                if self.rng.random() >= self.config.damage_rate:
                    continue
                q = self._q(item, location)
                units = min(1 + self._below(2), q["available"])
                if units <= 0:
                    continue
                document = self._document("damage")
                change = MoveChange(
                    item_id=item, quantity=units,
                    from_=MoveTerminal(location_id=location, name="available",
                                       change_from_quantity=self._cas(q["available"])),
                    to=MoveTerminal(location_id=location, name="damaged",
                                    ledger_document_uri=document,
                                    change_from_quantity=self._cas(q["damaged"])),
                )
                self._record("damaged", self.ledger.move(
                    reason="damaged", reference_document_uri=document, changes=[change],
                    idempotency_key=self._mutation_key()), units)

    def _cycle_count(self) -> None:
        # Alternate the counted name so both kinds of inventorySetQuantities are exercised.
        name = "available" if self._count_rounds % 2 == 0 else "on_hand"
        self._count_rounds += 1
        # Read once for every level: a count sets one level, and reads it before that.
        available = self.ledger.quantity_by_level("available")
        on_hand = self.ledger.quantity_by_level("on_hand")
        counted = available if name == "available" else on_hand
        for item in self.item_ids:
            for location in self.location_ids:
                pair = (item, location)
                found = 0
                if self.rng.random() < self.config.count_discrepancy_rate:
                    found = self.rng.choice((-2, -1, 1))
                    if available.get(pair, 0) + found < 0:
                        found = 0  # a count cannot find fewer units than are on the shelf
                current = counted.get(pair, 0)
                quantity = SetQuantity(
                    item_id=item, location_id=location, quantity=current + found,
                    change_from_quantity=self._cas(current),
                    compare_quantity=current if self._legacy_compare else ABSENT,
                )
                if self._record("cycle_count", self.ledger.set(
                        name=name, reason="cycle_count_available", quantities=[quantity],
                        idempotency_key=self._mutation_key()), abs(found)):
                    self._count_delta += (self.ledger.quantity(item, location, "on_hand")
                                          - on_hand.get(pair, 0))

    def _replenish(self, day: int) -> dict[tuple[str, str], int]:
        """Raise the day's purchase orders; return ``available`` by level, which they leave."""
        config = self.config
        # Read once for every level: an order raises one level's incoming, read before that.
        available = self.ledger.quantity_by_level("available")
        incoming = self.ledger.quantity_by_level("incoming")
        reorder_point = config.reorder_point  # read once: the loop visits every level
        for item in self.item_ids:
            for location in self.location_ids:
                pair = (item, location)
                position = available.get(pair, 0) + incoming.get(pair, 0)
                if position > reorder_point:
                    continue
                units = config.order_up_to - position
                document = self._document("purchase-orders")
                ordered = self._record("incoming_ordered", self.ledger.adjust(
                    name="incoming", reason="movement_created", reference_document_uri=document,
                    changes=[AdjustChange(item_id=item, location_id=location, delta=units,
                                          ledger_document_uri=document,
                                          change_from_quantity=self._cas(
                                              incoming.get(pair, 0)))],
                    idempotency_key=self._mutation_key()), units)
                if ordered:
                    due = day + config.lead_time_days
                    self._receipts.setdefault(due, []).append((item, location, units, document))
        return available

    def _end_of_day(self, day: int, available: dict[tuple[str, str], int]) -> None:
        self._stockout_days += self._out_of_stock(available)
        for item in self.sample_items:
            sums = dict.fromkeys(("available", "committed", "on_hand"), 0)
            for location in self.location_ids:
                q = self._q(item, location)
                for name in sums:
                    sums[name] += q[name]
            self._samples.append(DailySample(day=day, item_id=item, **sums))

    def report(self) -> SimulationReport:
        """Return the report of the days run so far."""
        ordered = self._units_by_kind["order_placed"]
        fulfilled = self._units_by_kind["order_fulfilled"]
        finals = {name: self._total(name) for name in API_NAMES}
        out_of_stock = self._out_of_stock()
        return SimulationReport(
            config=self.config,
            orders_placed=self._orders,
            order_lines=self._lines,
            units_ordered=ordered,
            units_fulfilled=fulfilled,
            units_open_at_end=sum(q for o in self._open.values() for _, q in o.lines),
            fill_rate=fulfilled / ordered if ordered else 1.0,
            stockout_lines=self._stockout_lines,
            stockout_level_days=self._stockout_days,
            oversold_orders=self._oversold_orders,
            oversold_units=self._oversold_units,
            events=tuple(EventTotal(kind=k, calls=self._calls_by_kind[k],
                                    units=self._units_by_kind[k]) for k in EVENT_KINDS),
            cycle_count_on_hand_delta=self._count_delta,
            initial_on_hand=self._initial_on_hand,
            final_quantities=tuple(finals.items()),
            levels_out_of_stock_at_end=out_of_stock,
            operations=Operations(calls=self._calls, succeeded=self._calls - self._failed,
                                  no_ops=self._no_ops, failed=self._failed),
            journal_groups=len(self.ledger.journal),
            samples=tuple(self._samples),
        )


def simulate(
    config: SimulationConfig,
    *,
    sample_items: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Run one simulation of ``config`` and return its report (same config, same report).

    >>> report = simulate(SimulationConfig(items=2, locations=1, days=5, seed=3))
    >>> 0.0 <= report.fill_rate <= 1.0, report.operations.failed
    (True, 0)
    """
    # Only the report leaves this function: the operation log would be thrown away.
    return Simulation(config, sample_items=sample_items, record=False).run(progress)
