"""ledger.sim.report: a run's configuration refuses nonsense, and its report is JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from ledger.sim.report import SimulationConfig
from ledger.sim.simulation import simulate

SMALL = SimulationConfig(items=4, locations=2, days=30, seed=11)


def test_the_report_json_parses_back_to_its_dict() -> None:
    report = simulate(SMALL)
    assert json.loads(report.to_json()) == report.to_dict()
    assert json.loads(report.to_json(indent=2)) == report.to_dict()


@pytest.mark.parametrize("options", [
    {"items": 0}, {"days": -1}, {"demand_rate": -0.5}, {"demand_rate": 51},
    {"cancel_rate": 1.5}, {"api_version": "2024-01"}, {"reorder_point": 20, "order_up_to": 20},
    {"start": datetime(2026, 1, 1)},  # naive: no time zone
])
def test_a_config_with_nonsense_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each row fails on its own field
        SimulationConfig(**options)
