"""ledger.strategies, the public Hypothesis strategies: each keeps the promise it makes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from ledger import SUPPORTED_VERSIONS, Ledger
from ledger.core.errors import ADJUST, DEACTIVATE, MOVE, OPERATIONS, SET, SET_ON_HAND
from ledger.testing.strategies import (
    DEFAULT_SNAPSHOT,
    accepts_idempotency_key,
    calls,
    can_succeed,
    requires_idempotency_key,
    snapshots,
    variables,
)

QUICK = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
VERSIONS = st.sampled_from(SUPPORTED_VERSIONS)
OPERATION = st.sampled_from(OPERATIONS)


def key_for(operation: str, version: str) -> str | None:
    return "key-1" if requires_idempotency_key(operation, version) else None


def user_errors(body: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = body["data"][operation]["userErrors"]
    return errors


# ---------------------------------------------------------------------- snapshots


@QUICK
@given(snapshot=snapshots())
def test_every_drawn_snapshot_loads_and_round_trips(snapshot: dict[str, Any]) -> None:
    ledger = Ledger.from_snapshot(json.loads(json.dumps(snapshot)))
    ledger._check()
    dumped = ledger.snapshot()
    assert Ledger.from_snapshot(copy.deepcopy(dumped)).snapshot() == dumped
    assert len(dumped["inventoryLevels"]) == len(snapshot["inventoryLevels"])


@pytest.mark.parametrize(("what", "holds"), [
    ("an inactive level", lambda s: any(lv.get("isActive") is False
                                        for lv in s["inventoryLevels"])),
    ("an unstocked pair", lambda s: len(s["inventoryLevels"])
     < len(s["inventoryItems"]) * len(s["locations"])),
    ("a quantity past the adjust bound", lambda s: any(
        abs(v) == 2_000_000_001 for lv in s["inventoryLevels"]
        for v in lv["quantities"].values())),
    ("a quantity of -1", lambda s: any(
        v == -1 for lv in s["inventoryLevels"] for v in lv["quantities"].values())),
])
def test_drawn_snapshots_include_edge_cases(what: str, holds: Any) -> None:
    found = find(snapshots(), holds, settings=settings(max_examples=2000, deadline=None,
                                                       phases=[Phase.generate]))
    assert holds(found), what


@settings(max_examples=10, deadline=None)
@given(snapshot=snapshots(items=4, locations=1))
def test_snapshots_take_exact_sizes(snapshot: dict[str, Any]) -> None:
    assert (len(snapshot["inventoryItems"]), len(snapshot["locations"])) == (4, 1)


# ---------------------------------------------------------------------- variables


@QUICK
@given(data=st.data(), snapshot=snapshots(), version=VERSIONS, operation=OPERATION)
def test_valid_variables_never_get_a_request_level_error_in_their_version(
    data: st.DataObject, snapshot: dict[str, Any], version: str, operation: str
) -> None:
    values = data.draw(variables(operation, version, snapshot))
    ledger = Ledger.from_snapshot(snapshot, version)
    body = ledger.execute(operation, values, idempotency_key=key_for(operation, version))
    assert "errors" not in body
    ledger._check()


@QUICK
@given(data=st.data(), version=VERSIONS, operation=OPERATION)
def test_valid_variables_without_a_snapshot_draw_from_the_default_store(
    data: st.DataObject, version: str, operation: str
) -> None:
    values = data.draw(variables(operation, version))
    ledger = Ledger.from_snapshot(copy.deepcopy(DEFAULT_SNAPSHOT), version)
    body = ledger.execute(operation, values, idempotency_key=key_for(operation, version))
    assert "errors" not in body


@QUICK
@given(data=st.data(), snapshot=snapshots(), version=VERSIONS, operation=OPERATION)
def test_invalid_variables_always_get_a_request_level_error(
    data: st.DataObject, snapshot: dict[str, Any], version: str, operation: str
) -> None:
    values = data.draw(variables(operation, version, snapshot, valid=False))
    ledger = Ledger.from_snapshot(snapshot, version)
    before = ledger.snapshot()
    body = ledger.execute(operation, values, idempotency_key=key_for(operation, version))
    assert body["errors"]
    assert body["errors"][0]["extensions"]["code"] in ("INVALID_VARIABLE",
                                                       "INVALID_FIELD_ARGUMENTS")
    assert ledger.snapshot() == before


@pytest.mark.parametrize("version", ["2025-01", "2026-04"])
def test_invalid_variables_include_fields_the_version_does_not_define(version: str) -> None:
    def undefined_field(values: dict[str, Any]) -> bool:
        body = Ledger(version).execute(SET, values, idempotency_key=key_for(SET, version))
        return any("Field is not defined" in e["message"] and
                   ("changeFromQuantity" in e["message"] or "ompareQuantity" in e["message"])
                   for e in body.get("errors", []))

    find(variables(SET, version, valid=False), undefined_field,
         settings=settings(max_examples=3000, deadline=None, phases=[Phase.generate]))


@QUICK
@given(data=st.data(), snapshot=snapshots(), version=VERSIONS, operation=OPERATION)
def test_succeeding_variables_get_no_user_errors(
    data: st.DataObject, snapshot: dict[str, Any], version: str, operation: str
) -> None:
    if not can_succeed(operation, snapshot):
        with pytest.raises(ValueError, match="can succeed"):
            variables(operation, version, snapshot, succeeding=True)
        return
    values = data.draw(variables(operation, version, snapshot, succeeding=True))
    ledger = Ledger.from_snapshot(snapshot, version)
    body = ledger.execute(operation, values, idempotency_key=key_for(operation, version))
    assert "errors" not in body
    assert user_errors(body, operation) == []


def test_succeeding_variables_do_change_quantities_on_the_default_store() -> None:
    def changes_something(values: dict[str, Any]) -> bool:
        ledger = Ledger.from_snapshot(copy.deepcopy(DEFAULT_SNAPSHOT), "2026-04")
        body = ledger.execute(ADJUST, values, idempotency_key="k")
        return body["data"][ADJUST]["inventoryAdjustmentGroup"] is not None

    find(variables(ADJUST, "2026-04", succeeding=True), changes_something)


def test_variables_refuse_an_unknown_operation_version_or_impossible_success() -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        variables("inventoryTransfer", "2026-04")
    with pytest.raises(ValueError, match="supported versions"):
        variables(ADJUST, "2024-10")
    with pytest.raises(ValueError, match="valid=True"):
        variables(ADJUST, "2026-04", valid=False, succeeding=True)
    nothing_stocked = {"locations": [{"id": "gid://shopify/Location/1"}],
                       "inventoryItems": [{"id": "gid://shopify/InventoryItem/1"}]}
    assert not can_succeed(MOVE, nothing_stocked)
    assert not can_succeed(DEACTIVATE, nothing_stocked)
    with pytest.raises(ValueError, match="can succeed"):
        variables(MOVE, "2026-04", nothing_stocked, succeeding=True)


def test_idempotency_keys_follow_the_version_table() -> None:
    assert not accepts_idempotency_key(ADJUST, "2025-10")
    assert accepts_idempotency_key(ADJUST, "2026-01")
    assert not requires_idempotency_key(ADJUST, "2026-01")
    assert requires_idempotency_key(SET_ON_HAND, "2026-04")
    assert not requires_idempotency_key(DEACTIVATE, "2026-10")
    assert accepts_idempotency_key(DEACTIVATE, "2026-10")


# ---------------------------------------------------------------------- calls


@QUICK
@given(data=st.data(), snapshot=snapshots(), version=VERSIONS)
def test_call_sequences_run_without_exceptions_and_carry_keys_as_the_version_wants(
    data: st.DataObject, snapshot: dict[str, Any], version: str
) -> None:
    ledger = Ledger.from_snapshot(snapshot, version)
    for operation, values, key in data.draw(calls(version, snapshot)):
        if requires_idempotency_key(operation, version):
            assert key is not None
        if not accepts_idempotency_key(operation, version):
            assert key is None
        body = ledger.execute(operation, values, idempotency_key=key)
        assert "errors" not in body
        ledger._check()


def test_call_sequences_include_retries_with_the_same_key() -> None:
    def has_retry(sequence: list[Any]) -> bool:
        keys = [key for _, _, key in sequence if key is not None]
        return len(keys) > len(set(keys))

    find(calls("2026-04", max_size=6), has_retry)


def test_importing_ledger_does_not_import_hypothesis() -> None:
    code = ("import sys, ledger; "
            "assert 'hypothesis' not in sys.modules "
            "and 'ledger.testing.strategies' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True,  # noqa: S603
                   cwd=Path(__file__).resolve().parents[1])
