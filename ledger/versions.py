"""API versions and the table of what each era allows.

A version difference is a row here, never an ``if`` on a version string elsewhere.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs


class Presence(enum.Enum):
    """Whether an argument or directive exists in a version, and whether it must be given."""

    UNDEFINED = "undefined"
    OPTIONAL = "optional"
    REQUIRED = "required"


@attrs.frozen(kw_only=True)
class Era:
    """What one API version allows for the inventory mutations."""

    name: str
    #: ``@idempotent(key:)`` on the four quantity mutations.
    idempotency: Presence
    #: ``@idempotent(key:)`` on inventoryActivate / inventoryDeactivate /
    #: inventoryBulkToggleActivation.
    #: [ours]: optional from 2026-01, never required.
    stocking_idempotency: Presence
    #: ``changeFromQuantity`` on adjust changes, move terminals, set and setOnHand quantities.
    change_from: Presence
    #: ``compareQuantity`` / ``ignoreCompareQuantity`` on inventorySetQuantities.
    legacy_compare: Presence
    #: CHANGE_FROM_QUANTITY_STALE and the IDEMPOTENCY_* codes exist.
    cas_codes: bool
    #: Mutations whose code enum has IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED in this era.
    previous_attempt_failed: frozenset[str]


_ERA_2025: Final = Era(
    name="2025",
    idempotency=Presence.UNDEFINED,
    stocking_idempotency=Presence.UNDEFINED,
    change_from=Presence.UNDEFINED,
    legacy_compare=Presence.REQUIRED,
    cas_codes=False,
    previous_attempt_failed=frozenset(),
)
_ERA_2026_01: Final = Era(
    name="2026-01",
    idempotency=Presence.OPTIONAL,
    stocking_idempotency=Presence.OPTIONAL,
    change_from=Presence.OPTIONAL,
    legacy_compare=Presence.OPTIONAL,
    cas_codes=True,
    previous_attempt_failed=frozenset(),
)
_ERA_2026_04: Final = Era(
    name="2026-04",
    idempotency=Presence.REQUIRED,
    stocking_idempotency=Presence.OPTIONAL,
    change_from=Presence.REQUIRED,
    legacy_compare=Presence.UNDEFINED,
    cas_codes=True,
    previous_attempt_failed=frozenset(),
)
# 2026-10 adds IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED to move (semantics §3) and, per Shopify's
# 2026-10 reference for InventorySetQuantitiesUserErrorCode, to set as well.
_ERA_2026_10: Final = attrs.evolve(
    _ERA_2026_04,
    name="2026-10",
    previous_attempt_failed=frozenset({"inventoryMoveQuantities", "inventorySetQuantities"}),
)

#: Every supported version, oldest first, with its era.
ERAS: Final[dict[str, Era]] = {
    "2025-01": _ERA_2025,
    "2025-04": _ERA_2025,
    "2025-07": _ERA_2025,
    "2025-10": _ERA_2025,
    "2026-01": _ERA_2026_01,
    "2026-04": _ERA_2026_04,
    "2026-07": _ERA_2026_04,
    "2026-10": _ERA_2026_10,
}
SUPPORTED: Final = tuple(ERAS)
DEFAULT: Final = "2026-04"


def era_of(api_version: str) -> Era:
    """Return the era of a supported version; ``ValueError`` naming the supported ones otherwise."""
    try:
        return ERAS[api_version]
    except (KeyError, TypeError):
        raise ValueError(
            f"unsupported API version {api_version!r}; supported versions are: "
            + ", ".join(SUPPORTED)
        ) from None
