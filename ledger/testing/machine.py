"""``LedgerStateMachine``: a Hypothesis state machine to subclass, checking an app step by step.

The testing layer (exported by ``ledger.strategies``). It sends calls drawn against the
ledger's current state (``ledger.testing.draws``), retries and 24-hour waits included, to a
``Ledger`` and hands every response to the subclass's ``check`` and ``apply_to_app`` hooks.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger.api import Ledger
from ledger.core.errors import OPERATIONS
from ledger.core.versions import DEFAULT, Presence, era_of
from ledger.testing.draws import (
    DEFAULT_SNAPSHOT,
    Call,
    key_presence,
    possible,
    store_of,
    variables_of,
)

#: The app's view of quantities: ``{(item_id, location_id): {name: quantity}}``.
AppView = Mapping[tuple[str, str], Mapping[str, int]]


class _Clock:
    """A clock that stands still until the machine lets time pass."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class LedgerStateMachine(RuleBasedStateMachine):
    """Send random calls to a ``Ledger`` and check your app against each response.

    Subclass it, override ``check`` and/or ``apply_to_app`` (and ``api_version``,
    ``initial_snapshot`` or ``operations``), then run ``MyMachine.TestCase`` under pytest.
    A subclass's ``__init__`` must call ``super().__init__()`` first.
    """

    #: The API version the ledger (and the drawn variables) follow.
    api_version: ClassVar[str] = DEFAULT
    #: The mutations the machine sends.
    operations: ClassVar[tuple[str, ...]] = OPERATIONS

    def __init__(self) -> None:
        super().__init__()
        #: The ledger's clock; ``let_time_pass`` moves ``clock.now`` on.
        self.clock = _Clock()
        self.ledger = Ledger.from_snapshot(
            copy.deepcopy(self.initial_snapshot()), self.api_version, self.clock)
        self.last_call: Call | None = None
        self._keys = itertools.count(1)

    def initial_snapshot(self) -> dict[str, Any]:
        """Return the store the ledger starts from (default: ``DEFAULT_SNAPSHOT``)."""
        return copy.deepcopy(DEFAULT_SNAPSHOT)

    def check(self, operation: str, variables: dict[str, Any], key: str | None,
              response: dict[str, Any]) -> None:
        """Check your code against one call and the ledger's response (default: nothing)."""

    def apply_to_app(self, operation: str, variables: dict[str, Any], key: str | None,
                     response: dict[str, Any]) -> AppView | None:
        """Feed one call to your app; return its view of quantities to compare (or ``None``)."""
        return None

    def _send(self, call: Call) -> None:
        operation, values, key = call
        self.last_call = call
        response = self.ledger.execute(operation, copy.deepcopy(values), idempotency_key=key)
        self.check(operation, values, key, response)
        view = self.apply_to_app(operation, values, key, response)
        if view is not None:
            self.compare(view)

    def compare(self, view: AppView) -> None:
        """Assert that every quantity in ``view`` equals the ledger's."""
        for (item, location), quantities in view.items():
            actual = self.ledger.quantities(item, location)
            for name, quantity in quantities.items():
                if quantity != actual[name]:
                    raise AssertionError(
                        f"the app says {name} of {item} at {location} is {quantity}; "
                        f"the ledger says {actual[name]}"
                    )

    @rule(data=st.data())
    def send_a_call(self, data: st.DataObject) -> None:
        """Send a valid call drawn against the current state (half of them succeed)."""
        store = store_of(self.ledger.snapshot())
        era = era_of(self.api_version)
        operation = data.draw(st.sampled_from(self.operations), label="operation")
        succeeding = possible(operation, store) and data.draw(st.booleans(), label="succeeding")
        values = data.draw(variables_of(operation, era, store, True, succeeding), label="variables")
        key = None
        presence = key_presence(operation, era)
        if presence is Presence.REQUIRED or (
                presence is Presence.OPTIONAL and data.draw(st.booleans(), label="keyed")):
            key = f"key-{next(self._keys)}"
        self._send((operation, values, key))

    @precondition(lambda self: self.last_call is not None)
    @rule()
    def retry_the_last_call(self) -> None:
        """Send the last call again, same key: a replay (or, unkeyed, a second effect)."""
        if self.last_call is not None:
            self._send(self.last_call)

    @rule(seconds=st.sampled_from([1, 3600, 86_400]))
    def let_time_pass(self, seconds: int) -> None:
        """Move the ledger's clock on (24 hours expire idempotency keys)."""
        self.clock.now += timedelta(seconds=seconds)

    @invariant()
    def the_ledger_invariants_hold(self) -> None:
        """Assert the ledger's own internal invariants."""
        self.ledger._check()
