"""Injected faults: make chosen calls fail the way Shopify can, deterministically.

A fault policy is any callable ``(operation, command) -> Fault | bool | None`` passed as
``Ledger(faults=...)``. ``None``/``False`` lets the call run; ``True`` means
``Fault.FAILED``. Every fault strikes before validation, so the call applies nothing:

* ``FAILED``: the mutation's ``*_FAILED`` user error (``ADJUST_QUANTITIES_FAILED``,
  ``MOVE_QUANTITIES_FAILED``, ``SET_ON_HAND_QUANTITIES_FAILED``), or Shopify's
  ``INTERNAL_SERVER_ERROR`` body where the mutation's enum has no such code. In 2026-10 a
  keyed move or set remembers the failed attempt (``IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED``
  on retry); elsewhere a retry with the same key runs.
* ``SERVICE_UNAVAILABLE``: the ``SERVICE_UNAVAILABLE`` user error where the mutation's enum
  has it (move and setOnHand from 2026-01), else a request-level error with that code.
* ``CONCURRENT_REQUEST``: ``IDEMPOTENCY_CONCURRENT_REQUEST``, as if another request with the
  same key were still running (only for keyed calls in eras that have the code).
* ``THROTTLED``: Shopify's rate-limit body, ``{"errors": [{"message": "Throttled", ...}]}``
  (an HTTP transport answers it with status 429).

None but ``FAILED`` is remembered by the key: the request never ran, so a retry with the
same key runs. ``FaultPlan`` draws faults from a seeded generator, so a run is repeatable.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable, Mapping
from typing import Any


class Fault(enum.Enum):
    """The ways an injected fault makes a call fail."""

    FAILED = "FAILED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    CONCURRENT_REQUEST = "CONCURRENT_REQUEST"
    THROTTLED = "THROTTLED"


class FaultPlan:
    """Fail each call with probability ``rate``, with a kind drawn from ``kinds``, by seed.

    Only calls of ``operations`` (default: all) are considered. The same seed and the same
    sequence of calls give the same faults.

    >>> first, second = FaultPlan(seed=7, rate=0.5), FaultPlan(seed=7, rate=0.5)
    >>> calls = ["inventoryAdjustQuantities"] * 20
    >>> [first(op, None) for op in calls] == [second(op, None) for op in calls]
    True
    >>> 0 < len(first.injected) < 20
    True
    """

    def __init__(
        self,
        *,
        seed: int,
        rate: float = 0.2,
        kinds: Iterable[Fault] = tuple(Fault),
        operations: Iterable[str] | None = None,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {rate!r}")
        self.kinds = tuple(kinds)
        if not self.kinds or not all(isinstance(k, Fault) for k in self.kinds):
            raise ValueError("kinds must name at least one Fault")
        self.rate = rate
        self.operations = frozenset(operations) if operations is not None else None
        self._random = random.Random(seed)  # noqa: S311 -- repeatable test faults, not crypto
        #: Every fault injected so far, as (call number, operation, fault); numbers from 1.
        self.injected: list[tuple[int, str, Fault]] = []
        self._calls = 0

    def __call__(self, operation: str, command: Any) -> Fault | None:
        """Return the fault for this call, or ``None`` to let it run."""
        self._calls += 1
        if self.operations is not None and operation not in self.operations:
            return None
        if self._random.random() >= self.rate:
            return None
        fault = self._random.choice(self.kinds)
        self.injected.append((self._calls, operation, fault))
        return fault


class FaultSchedule:
    """Fail exactly the calls named by number (counting every call from 1) with their fault."""

    def __init__(self, faults: Mapping[int, Fault]) -> None:
        self._faults = dict(faults)
        self._calls = 0

    def __call__(self, operation: str, command: Any) -> Fault | None:
        """Return the fault scheduled for this call's number, if any."""
        self._calls += 1
        return self._faults.get(self._calls)
