"""API versions and the era table: every fact that differs between versions is a row here.

The table is semantics §3, as data. The rules, the engine, the codec and the GraphQL schema
read their era's rows; none of them compares version strings. A version's behaviour is
the ``Era`` that ``era_of`` returns for it:

================================  ===========  ===========  ================  ================
row (``Era`` field)               ≤ 2025-10    2026-01      2026-04, 2026-07  2026-10, 2027-01
================================  ===========  ===========  ================  ================
``idempotency``                   undefined    optional     required          required
``activate_idempotency``          undefined    optional     required          required
``stocking_idempotency``          undefined    optional     optional          optional
``change_from``                   undefined    optional     required          required
``legacy_compare``                required     optional     undefined         undefined
``cas_codes``                     no           yes          yes               yes
``previous_attempt_failed``       —            —            —                 move, set
``deactivation``                  clears       clears       keeps             keeps
``reactivation``                  resets       resets       keeps             keeps
``inactive_in_reads``             invisible    invisible    on request        on request
``is_active_field``               no           no           yes               yes
``quantity_levels``               active       active       any level         anywhere
================================  ===========  ===========  ================  ================

``enums`` holds each error-code enum's exact values, and ``deprecated`` what introspection
marks deprecated, per era. ``stocking_idempotency`` is [ours] (Shopify documents
``@idempotent`` on inventoryActivate, not on inventoryDeactivate or
inventoryBulkToggleActivation); everything else is Shopify's reference or changelog.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs


class Presence(enum.Enum):
    """Whether an argument or directive exists in a version, and whether it must be given."""

    UNDEFINED = "undefined"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Deactivation(enum.Enum):
    """What ``inventoryDeactivate`` does to a level's stored quantities (semantics §9)."""

    CLEARS = "clears"
    KEEPS = "keeps"


class Reactivation(enum.Enum):
    """What activating an inactive level without ``available``/``onHand`` does (§9)."""

    RESETS = "resets"
    KEEPS = "keeps"


class LevelReach(enum.Enum):
    """Which (item, location) pairs the four quantity mutations accept (semantics §13)."""

    #: Only an active level; an inactive or absent one is ITEM_NOT_STOCKED_AT_LOCATION.
    ACTIVE = "active"
    #: Any level, active or not; an absent one is ITEM_NOT_STOCKED_AT_LOCATION.
    ANY_LEVEL = "any level"
    #: Anywhere: an absent level is created, inactive (the code no longer exists).
    ANYWHERE = "anywhere"


def _enum(*values: str) -> tuple[str, ...]:
    return tuple(sorted(values))


_ALWAYS_ADJUST: Final = (
    "ADJUST_QUANTITIES_FAILED", "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT",
    "INVALID_INVENTORY_ITEM", "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION",
    "INVALID_QUANTITY_DOCUMENT", "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_TOO_HIGH",
    "INVALID_QUANTITY_TOO_LOW", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "MAX_ONE_LEDGER_DOCUMENT", "NON_MUTABLE_INVENTORY_ITEM",
)
_ALWAYS_MOVE: Final = (
    "DIFFERENT_LOCATIONS", "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT",
    "INVALID_INVENTORY_ITEM", "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION",
    "INVALID_QUANTITY_DOCUMENT", "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_NEGATIVE",
    "INVALID_QUANTITY_TOO_HIGH", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "MAXIMUM_LEDGER_DOCUMENT_URIS", "MOVE_QUANTITIES_FAILED", "NON_MUTABLE_INVENTORY_ITEM",
    "SAME_QUANTITY_NAME",
)
_ALWAYS_SET: Final = (
    "COMPARE_QUANTITY_REQUIRED", "COMPARE_QUANTITY_STALE", "INVALID_INVENTORY_ITEM",
    "INVALID_LOCATION", "INVALID_NAME", "INVALID_QUANTITY_NEGATIVE",
    "INVALID_QUANTITY_TOO_HIGH", "INVALID_QUANTITY_TOO_LOW", "INVALID_REASON",
    "INVALID_REFERENCE_DOCUMENT", "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
    "NON_MUTABLE_INVENTORY_ITEM",
)
_ALWAYS_SET_ON_HAND: Final = (
    "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
    "INVALID_QUANTITY_TOO_HIGH", "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT",
    "NON_MUTABLE_INVENTORY_ITEM", "SET_ON_HAND_QUANTITIES_FAILED",
)
_CAS: Final = ("CHANGE_FROM_QUANTITY_STALE", "IDEMPOTENCY_CONCURRENT_REQUEST",
               "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
_NOT_STOCKED: Final = ("ITEM_NOT_STOCKED_AT_LOCATION",)


def _enums(*, cas: bool, not_stocked: bool, previous_attempt: bool,
           outage: bool) -> Mapping[str, tuple[str, ...]]:
    cas_codes = _CAS if cas else ()
    gone = () if not not_stocked else _NOT_STOCKED
    previous = ("IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",) if previous_attempt else ()
    unavailable = ("SERVICE_UNAVAILABLE",) if outage else ()
    set_on_hand_stale = ("COMPARE_QUANTITY_STALE",) if cas else ()
    return MappingProxyType({
        "inventoryAdjustQuantities": _enum(*_ALWAYS_ADJUST, *cas_codes, *gone, *unavailable),
        "inventoryMoveQuantities": _enum(*_ALWAYS_MOVE, *cas_codes, *gone, *unavailable,
                                         *previous),
        "inventorySetQuantities": _enum(*_ALWAYS_SET, *cas_codes, *gone, *previous),
        "inventorySetOnHandQuantities": _enum(*_ALWAYS_SET_ON_HAND, *cas_codes, *gone,
                                              *unavailable, *set_on_hand_stale),
    })


# Shopify's deprecationReason of inventorySetOnHandQuantities, typo ("quantites") and all:
# shopify.dev shows it as "Deprecated. Use `inventorySetQuantities` to set on_hand or
# available quantites instead." on every version's page (e.g.
# https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/inventorySetOnHandQuantities),
# and nozzlegear/ShopifySharp's generator, which copies deprecationReason into [Obsolete(...)],
# has exactly this text.
_SET_ON_HAND_DEPRECATION: Final = (
    "Use `inventorySetQuantities` to set on_hand or available quantites instead.")
# [ours] Shopify's reference shows compareQuantity and ignoreCompareQuantity only as
# "Deprecated (removal date set)" (e.g. .../2026-01/input-objects/InventoryQuantityInput);
# their deprecationReason text was not found, so this wording is ours.
_COMPARE_DEPRECATION: Final = "Use `changeFromQuantity` instead."


@attrs.frozen(kw_only=True)
class Era:
    """One column of the era table: what a group of API versions allows and does."""

    name: str
    #: ``@idempotent(key:)`` on the four quantity mutations.
    idempotency: Presence
    #: ``@idempotent(key:)`` on inventoryActivate (required from 2026-04, semantics §4).
    activate_idempotency: Presence
    #: ``@idempotent(key:)`` on inventoryDeactivate and inventoryBulkToggleActivation
    #: ([ours]: optional from 2026-01, never required).
    stocking_idempotency: Presence
    #: ``changeFromQuantity`` on adjust changes, move terminals, set and setOnHand quantities.
    change_from: Presence
    #: ``compareQuantity`` / ``ignoreCompareQuantity`` on inventorySetQuantities.
    legacy_compare: Presence
    #: CHANGE_FROM_QUANTITY_STALE and the IDEMPOTENCY_* codes exist.
    cas_codes: bool
    #: Mutations whose code enum has IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED in this era.
    previous_attempt_failed: frozenset[str]
    deactivation: Deactivation
    reactivation: Reactivation
    #: An inactive level can be read (with ``includeInactive: true``, or by its id).
    inactive_in_reads: bool
    #: ``InventoryLevel.isActive`` and the ``includeInactive`` arguments exist.
    is_active_field: bool
    #: Which levels the four quantity mutations accept.
    quantity_levels: LevelReach
    # The two maps below take no part in equality or hashing (eras are cache keys, and a
    # mapping is unhashable); ``name`` tells eras apart.
    #: Each quantity mutation's error-code enum: exactly its values, alphabetically as
    #: shopify.dev lists them (introspection's definition order: ``schema.ENUM_ORDER``).
    enums: Mapping[str, tuple[str, ...]] = attrs.field(eq=False)
    #: What introspection marks deprecated: ``"Type.field"`` -> its deprecation reason.
    deprecated: Mapping[str, str] = attrs.field(eq=False)


_ERA_2025: Final = Era(
    name="2025",
    idempotency=Presence.UNDEFINED,
    activate_idempotency=Presence.UNDEFINED,
    stocking_idempotency=Presence.UNDEFINED,
    change_from=Presence.UNDEFINED,
    legacy_compare=Presence.REQUIRED,
    cas_codes=False,
    previous_attempt_failed=frozenset(),
    deactivation=Deactivation.CLEARS,
    reactivation=Reactivation.RESETS,
    inactive_in_reads=False,
    is_active_field=False,
    quantity_levels=LevelReach.ACTIVE,
    enums=_enums(cas=False, not_stocked=True, previous_attempt=False, outage=False),
    deprecated=MappingProxyType({"Mutation.inventorySetOnHandQuantities":
                                 _SET_ON_HAND_DEPRECATION}),
)
_ERA_2026_01: Final = attrs.evolve(
    _ERA_2025,
    name="2026-01",
    idempotency=Presence.OPTIONAL,
    activate_idempotency=Presence.OPTIONAL,
    stocking_idempotency=Presence.OPTIONAL,
    change_from=Presence.OPTIONAL,
    legacy_compare=Presence.OPTIONAL,
    cas_codes=True,
    enums=_enums(cas=True, not_stocked=True, previous_attempt=False, outage=True),
    deprecated=MappingProxyType({
        "Mutation.inventorySetOnHandQuantities": _SET_ON_HAND_DEPRECATION,
        "InventoryQuantityInput.compareQuantity": _COMPARE_DEPRECATION,
        "InventorySetQuantitiesInput.ignoreCompareQuantity": _COMPARE_DEPRECATION,
    }),
)
_ERA_2026_04: Final = attrs.evolve(
    _ERA_2026_01,
    name="2026-04",
    idempotency=Presence.REQUIRED,
    activate_idempotency=Presence.REQUIRED,
    change_from=Presence.REQUIRED,
    legacy_compare=Presence.UNDEFINED,
    deactivation=Deactivation.KEEPS,
    reactivation=Reactivation.KEEPS,
    inactive_in_reads=True,
    is_active_field=True,
    quantity_levels=LevelReach.ANY_LEVEL,
    deprecated=MappingProxyType({"Mutation.inventorySetOnHandQuantities":
                                 _SET_ON_HAND_DEPRECATION}),
)
# 2026-10 adds IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED to move (semantics §3) and, per Shopify's
# 2026-10 reference for InventorySetQuantitiesUserErrorCode, to set as well; quantities can
# now be changed at any location, so ITEM_NOT_STOCKED_AT_LOCATION is gone.
_ERA_2026_10: Final = attrs.evolve(
    _ERA_2026_04,
    name="2026-10",
    previous_attempt_failed=frozenset({"inventoryMoveQuantities", "inventorySetQuantities"}),
    quantity_levels=LevelReach.ANYWHERE,
    enums=_enums(cas=True, not_stocked=False, previous_attempt=True, outage=True),
)

#: Every supported version, oldest first, with its era. 2027-01 is Shopify's release
#: candidate as of December 2026 and behaves as 2026-10 for everything here (semantics §3).
ERAS: Final[Mapping[str, Era]] = MappingProxyType({
    "2025-01": _ERA_2025,
    "2025-04": _ERA_2025,
    "2025-07": _ERA_2025,
    "2025-10": _ERA_2025,
    "2026-01": _ERA_2026_01,
    "2026-04": _ERA_2026_04,
    "2026-07": _ERA_2026_04,
    "2026-10": _ERA_2026_10,
    "2027-01": _ERA_2026_10,
})
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
