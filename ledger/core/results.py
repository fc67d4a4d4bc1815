"""Frozen outcomes the engine returns: results of calls and views of levels."""

from __future__ import annotations

from datetime import datetime

import attrs

from ledger.core.errors import RequestError, UserError
from ledger.core.journal import AdjustmentGroup


@attrs.frozen(kw_only=True)
class QuantityView:
    """One named quantity of a level as Shopify reports it."""

    name: str
    quantity: int
    #: When a stored quantity last changed; always ``None`` for ``on_hand`` (derived).
    updated_at: datetime | None


@attrs.frozen(kw_only=True)
class LevelView:
    """An immutable picture of an inventory level at one moment."""

    id: str
    is_active: bool
    item_id: str
    location_id: str
    location_name: str
    quantities: tuple[QuantityView, ...]

    def quantity(self, name: str) -> int:
        """Return the quantity called ``name`` (one of the eight API names)."""
        for q in self.quantities:
            if q.name == name:
                return q.quantity
        raise KeyError(name)


@attrs.frozen(kw_only=True)
class Result:
    """The outcome of one call.

    Exactly one of these holds: ``request_error`` is set (the call was rejected before it ran
    and changed nothing); ``user_errors`` is non-empty (it ran, failed validation and changed
    nothing); or it succeeded, with ``group`` the changes made (``None`` for a no-op).
    ``level`` is filled for inventoryActivate; ``item_id`` and ``levels`` for a successful
    inventoryBulkToggleActivation (the item and its activated levels). ``replayed`` tells
    that an idempotency key returned a remembered outcome; it never changes what is reported.
    """

    operation: str
    group: AdjustmentGroup | None = None
    user_errors: tuple[UserError, ...] = ()
    level: LevelView | None = None
    item_id: str | None = None
    levels: tuple[LevelView, ...] | None = None
    request_error: RequestError | None = None
    replayed: bool = attrs.field(default=False, eq=False)

    @property
    def ok(self) -> bool:
        """Tell whether the call succeeded (no request error and no user errors)."""
        return self.request_error is None and not self.user_errors
