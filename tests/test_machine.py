"""ledger.testing.machine: the state machine checks an app step by step and catches a wrong one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from ledger.core.errors import ADJUST, MOVE, OPERATIONS, SET, SET_ON_HAND
from ledger.testing.machine import AppView, LedgerStateMachine


class AvailableTracker(LedgerStateMachine):
    """An app that keeps its own available counts, updated from the responses it gets."""

    api_version = "2026-04"
    operations = (ADJUST, MOVE, SET, SET_ON_HAND)
    dedupe_replays = True

    def __init__(self) -> None:
        super().__init__()
        self.available: dict[tuple[str, str], int] = {}
        for level in self.initial_snapshot()["inventoryLevels"]:
            pair = (level["inventoryItemId"], level["locationId"])
            self.available[pair] = level["quantities"].get("available", 0)
        self.seen_groups: set[str] = set()
        self.calls_checked = 0

    def check(self, operation: str, variables: dict[str, Any], key: str | None,
              response: dict[str, Any]) -> None:
        assert "errors" not in response
        self.calls_checked += 1

    def apply_to_app(self, operation: str, variables: dict[str, Any], key: str | None,
                     response: dict[str, Any]) -> AppView:
        group = response["data"][operation]["inventoryAdjustmentGroup"]
        if group is not None and (group["id"] not in self.seen_groups
                                  or not self.dedupe_replays):
            self.seen_groups.add(group["id"])
            for change in group["changes"]:
                if change["name"] == "available":
                    pair = (change["item"]["id"], change["location"]["id"])
                    self.available[pair] = self.available.get(pair, 0) + change["delta"]
        return {pair: {"available": n} for pair, n in self.available.items()}


AvailableTracker.TestCase.settings = settings(max_examples=15, stateful_step_count=12,
                                              deadline=None)
TestAnAppThatTracksAvailableFromResponsesAgreesWithTheLedger = AvailableTracker.TestCase


class AvailableTrackerIn2026_01(AvailableTracker):  # noqa: N801 -- a version in the name
    api_version = "2026-01"


AvailableTrackerIn2026_01.TestCase.settings = AvailableTracker.TestCase.settings
TestTheSameAppAgreesWithTheLedgerIn2026_01 = AvailableTrackerIn2026_01.TestCase


class OnAnotherStore(AvailableTracker):
    api_version = "2025-07"
    operations = OPERATIONS

    def initial_snapshot(self) -> dict[str, Any]:
        return {
            "locations": [{"id": "gid://shopify/Location/7", "name": "Depot"},
                          {"id": "gid://shopify/Location/8"}],
            "inventoryItems": [{"id": "gid://shopify/InventoryItem/5"}],
            "inventoryLevels": [{"inventoryItemId": "gid://shopify/InventoryItem/5",
                                 "locationId": "gid://shopify/Location/8",
                                 "quantities": {"available": 2_000_000_000}}],
        }

    def apply_to_app(self, operation: str, variables: dict[str, Any], key: str | None,
                     response: dict[str, Any]) -> AppView | None:
        # This app does not follow stocking; it only checks the machine uses its store.
        assert set(self.ledger.items()) == {"gid://shopify/InventoryItem/5"}
        return None


def test_the_machine_starts_from_the_overridden_snapshot_and_version() -> None:
    run_state_machine_as_test(OnAnotherStore, settings=settings(
        max_examples=5, stateful_step_count=8, deadline=None))


def test_the_machine_catches_an_app_that_applies_a_replayed_response_twice() -> None:
    class CountsReplaysTwice(AvailableTracker):
        dedupe_replays = False

    with pytest.raises(AssertionError, match="the app says available"):
        run_state_machine_as_test(CountsReplaysTwice, settings=settings(
            max_examples=200, stateful_step_count=12, deadline=None,
            phases=[Phase.generate], print_blob=False))
