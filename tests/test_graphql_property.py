"""Property: for any request, ``graphql()`` selecting every field equals ``execute()``."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("graphql")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import Ledger
from ledger.core.errors import OPERATIONS
from ledger.testing.strategies import (
    accepts_idempotency_key,
    calls,
    requires_idempotency_key,
    snapshots,
    variables,
)
from tests.support import FakeClock
from tests.test_graphql_api import PAYLOADS, mutation, without_locations

VERSIONS = ["2025-04", "2026-01", "2026-04", "2026-10"]
#: The operations the full-selection documents of tests/test_graphql_api.py cover.
COVERED = [op for op in OPERATIONS if op in PAYLOADS]


def representable(value: Any) -> bool:
    """Tell whether every integer in a response body fits GraphQL's 32-bit ``Int``."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**31) <= value < 2**31
    if isinstance(value, dict):
        return all(representable(v) for v in value.values())
    if isinstance(value, list):
        return all(representable(v) for v in value)
    return True


@st.composite
def requests_to_send(draw: st.DrawFn, version: str, snapshot: dict[str, Any]) -> list[Any]:
    """Valid call sequences, then one request with broken variables and a drawn key."""
    sequence = list(draw(calls(version, snapshot, max_size=6, operations=COVERED)))
    operation = draw(st.sampled_from(COVERED))
    broken = draw(variables(operation, version, snapshot, valid=False))
    if requires_idempotency_key(operation, version):
        key: str | None = "key-broken"
    elif accepts_idempotency_key(operation, version):
        key = draw(st.sampled_from([None, "key-broken"]))
    else:
        key = draw(st.sampled_from([None, None, "key-where-undefined"]))
    return [*sequence, (operation, broken, key)]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), version=st.sampled_from(VERSIONS))
def test_graphql_selecting_every_field_gives_what_execute_gives_for_any_request(
    data: st.DataObject, version: str
) -> None:
    snapshot = data.draw(snapshots())
    requests = data.draw(requests_to_send(version, snapshot))
    by_variables = Ledger.from_snapshot(snapshot, api_version=version, clock=FakeClock())
    by_document = Ledger.from_snapshot(snapshot, api_version=version, clock=FakeClock())
    for operation, variables_, key in requests:
        expected = by_variables.execute(operation, variables_, idempotency_key=key)
        actual = by_document.graphql(mutation(operation, key, version), variables_)
        if representable(expected.get("data")):
            assert without_locations(actual) == expected, (operation, variables_, key)
        else:
            # GraphQL's Int is 32-bit: a number past it (a delta from a snapshot whose
            # on_hand passes two billion) cannot be serialised. The call still ran.
            assert any("Int cannot represent" in e["message"] for e in actual["errors"])
    assert by_document.snapshot() == by_variables.snapshot()
    by_document._check()
