"""What a simulation run takes and what it gives: ``SimulationConfig`` and ``SimulationReport``.

The sim layer (on top of the facade). Plain frozen values, which a sweep sends to worker
processes and back: the configuration is checked when it is made (a nonsense field is a
``ValueError`` naming it), and the report holds the figures of one run and gives its JSON
(sorted keys: equal reports give equal text). What each figure counts is defined in
``ledger.sim.simulation``, which counts them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ledger.core.versions import DEFAULT, era_of

#: Event kinds of the report, in the order they are printed.
EVENT_KINDS: Final = (
    "order_placed",
    "order_fulfilled",
    "order_cancelled_restock",
    "order_cancelled_no_restock",
    "return_restocked",
    "incoming_ordered",
    "incoming_received",
    "damaged",
    "cycle_count",
)
#: Poisson draws use Knuth's product method, exact and cheap for small means only.
MAX_DEMAND_RATE: Final = 50.0


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"{attribute.name} must be an int >= 1, not {value!r}")


def _natural(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(f"{attribute.name} must be an int >= 0, not {value!r}")


def _probability(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be a number in [0, 1], not {value!r}")


def _rate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (not isinstance(value, int | float) or isinstance(value, bool)
            or not 0 <= value <= MAX_DEMAND_RATE):
        raise ValueError(f"{attribute.name} must be a number in [0, {MAX_DEMAND_RATE}], "
                         f"not {value!r}")


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{attribute.name} must be a timezone-aware datetime, not {value!r}")


@attrs.frozen(kw_only=True)
class SimulationConfig:
    """The sizes, the seed and the policy parameters of one simulation run."""

    items: int = attrs.field(default=5, validator=_positive)
    locations: int = attrs.field(default=2, validator=_positive)
    days: int = attrs.field(default=30, validator=_positive)
    seed: int = attrs.field(default=0, validator=attrs.validators.instance_of(int))
    api_version: str = attrs.field(default=DEFAULT)
    start: datetime = attrs.field(default=datetime(2026, 1, 1, tzinfo=UTC), validator=_aware)
    #: Mean order lines per item and location per day.
    demand_rate: float = attrs.field(default=0.6, validator=_rate)
    max_units_per_line: int = attrs.field(default=3, validator=_positive)
    max_lines_per_order: int = attrs.field(default=3, validator=_positive)
    #: Days between placing an order and shipping it.
    fulfil_delay_days: int = attrs.field(default=1, validator=_natural)
    #: Open (backordered) orders older than this are cancelled with restock.
    max_backorder_days: int = attrs.field(default=5, validator=_natural)
    #: Probability that a customer cancels an order before it ships.
    cancel_rate: float = attrs.field(default=0.05, validator=_probability)
    #: Probability that a cancellation puts the units back in ``available``.
    cancel_restock_rate: float = attrs.field(default=0.7, validator=_probability)
    #: Probability that a shipment comes back and is restocked.
    return_rate: float = attrs.field(default=0.03, validator=_probability)
    return_delay_days: int = attrs.field(default=4, validator=_positive)
    #: Probability per level per day that 1-2 available units are damaged.
    damage_rate: float = attrs.field(default=0.02, validator=_probability)
    #: Count every level every this many days (0: never).
    cycle_count_every_days: int = attrs.field(default=7, validator=_natural)
    #: Probability that a count finds a quantity other than the ledger's.
    count_discrepancy_rate: float = attrs.field(default=0.1, validator=_probability)
    reorder_point: int = attrs.field(default=6, validator=_natural)
    order_up_to: int = attrs.field(default=20, validator=_positive)
    lead_time_days: int = attrs.field(default=3, validator=_positive)

    def __attrs_post_init__(self) -> None:
        era_of(self.api_version)  # raises ValueError naming the supported versions
        if self.order_up_to <= self.reorder_point:
            raise ValueError("order_up_to must be above reorder_point")

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as JSON-ready values."""
        out = attrs.asdict(self)
        out["start"] = self.start.isoformat()
        return out


@attrs.frozen(kw_only=True)
class EventTotal:
    """How many calls of one event kind ran and how many units they moved."""

    kind: str
    calls: int
    units: int


@attrs.frozen(kw_only=True)
class DailySample:
    """One tracked item's quantities, summed over its locations, at the end of a day."""

    day: int
    item_id: str
    available: int
    committed: int
    on_hand: int


@attrs.frozen(kw_only=True)
class Operations:
    """The ledger calls the run made: how many, and how they ended."""

    calls: int
    succeeded: int
    no_ops: int
    failed: int


@attrs.frozen(kw_only=True)
class SimulationReport:
    """What one run did: demand served, stock-outs, oversells, events, final quantities."""

    config: SimulationConfig
    orders_placed: int
    order_lines: int
    units_ordered: int
    units_fulfilled: int
    units_open_at_end: int
    fill_rate: float
    stockout_lines: int
    stockout_level_days: int
    oversold_orders: int
    oversold_units: int
    events: tuple[EventTotal, ...]
    #: Net change of ``on_hand`` made by cycle counts (shrinkage found is negative).
    cycle_count_on_hand_delta: int
    initial_on_hand: int
    #: Every API quantity summed over all levels at the end, in ``API_NAMES`` order.
    final_quantities: tuple[tuple[str, int], ...]
    levels_out_of_stock_at_end: int
    operations: Operations
    journal_groups: int
    samples: tuple[DailySample, ...] = ()

    def event(self, kind: str) -> EventTotal:
        """Return the totals of event ``kind`` (one of ``EVENT_KINDS``)."""
        for total in self.events:
            if total.kind == kind:
                return total
        raise KeyError(kind)

    def final(self, name: str) -> int:
        """Return the final total of the API quantity ``name``."""
        return dict(self.final_quantities)[name]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values (samples only when some were recorded)."""
        out: dict[str, Any] = {
            "config": self.config.to_dict(),
            "orders_placed": self.orders_placed,
            "order_lines": self.order_lines,
            "units_ordered": self.units_ordered,
            "units_fulfilled": self.units_fulfilled,
            "units_open_at_end": self.units_open_at_end,
            "fill_rate": self.fill_rate,
            "stockout_lines": self.stockout_lines,
            "stockout_level_days": self.stockout_level_days,
            "oversold_orders": self.oversold_orders,
            "oversold_units": self.oversold_units,
            "events": {e.kind: {"calls": e.calls, "units": e.units} for e in self.events},
            "cycle_count_on_hand_delta": self.cycle_count_on_hand_delta,
            "initial_on_hand": self.initial_on_hand,
            "final_quantities": dict(self.final_quantities),
            "levels_out_of_stock_at_end": self.levels_out_of_stock_at_end,
            "operations": attrs.asdict(self.operations),
            "journal_groups": self.journal_groups,
        }
        if self.samples:
            out["samples"] = [attrs.asdict(s) for s in self.samples]
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """Return the report as JSON with sorted keys: equal reports give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=indent)
