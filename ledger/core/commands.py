"""Frozen inputs for the seven operations. They carry data and type checks, no behaviour.

Validators reject only type-level nonsense (a ``str`` where an ``int`` belongs); every rule
that depends on the ledger's state or on Shopify's business rules is a user error returned by
the mutations of ``ledger.core.mutations``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final, Literal

import attrs

from ledger.core.values import fast_init, shortcut


class Absent(enum.Enum):
    """The marker for an input field that was not given at all (distinct from an explicit null)."""

    ABSENT = "ABSENT"

    def __repr__(self) -> str:
        return "ABSENT"


#: A field not given at all. ``changeFromQuantity: null`` is ``None``; left out, ``ABSENT``.
ABSENT: Final = Absent.ABSENT

OptionalInt = int | None | Literal[Absent.ABSENT]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _is_int(value):
        raise TypeError(f"{attribute.name} must be an int, not {value!r}")


def _str(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str, not {value!r}")


def _opt_str(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str or None, not {value!r}")


def _opt_int(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not _is_int(value):
        raise TypeError(f"{attribute.name} must be an int or None, not {value!r}")


def _int_none_or_absent(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and value is not ABSENT and not _is_int(value):
        raise TypeError(f"{attribute.name} must be an int, None or ABSENT, not {value!r}")


# What proves each type check passes, so ``fast_init`` calls it only for other values.
shortcut(_str, "type(v) is str")
shortcut(_int, "type(v) is int")
shortcut(_opt_str, "v is None or type(v) is str")
shortcut(_opt_int, "v is None or type(v) is int")
shortcut(_int_none_or_absent, "type(v) is int or v is None or v is _ABSENT", _ABSENT=ABSENT)


def _adjust_changes(values: Iterable[AdjustChange]) -> tuple[AdjustChange, ...]:
    return tuple(values)


def _move_changes(values: Iterable[MoveChange]) -> tuple[MoveChange, ...]:
    return tuple(values)


def _set_quantities(values: Iterable[SetQuantity]) -> tuple[SetQuantity, ...]:
    return tuple(values)


def _tuple_of(kind: type) -> Any:
    def check(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not all(isinstance(v, kind) for v in value):  # type: ignore[attr-defined]
            raise TypeError(f"{attribute.name} must hold only {kind.__name__} values")

    # The field's converter has made a tuple; one of values of exactly ``kind`` passes.
    # ``issuperset(map(...))`` runs in C: no generator frame, unlike the check's ``all``.
    kinds = f"_only_{kind.__name__}_{id(kind)}"  # one name per class, as ``values._proof``'s
    shortcut(check, f"{kinds}.issuperset(map(type, v))", **{kinds: frozenset((kind,))})
    return check


@attrs.frozen(kw_only=True)
class AdjustChange:
    """One change of ``inventoryAdjustQuantities``: a delta to one level's named quantity."""

    item_id: str = attrs.field(validator=_str)
    location_id: str = attrs.field(validator=_str)
    delta: int = attrs.field(validator=_int)
    ledger_document_uri: str | None = attrs.field(default=None, validator=_opt_str)
    change_from_quantity: OptionalInt = attrs.field(default=ABSENT, validator=_int_none_or_absent)


@attrs.frozen(kw_only=True)
class Adjust:
    """``inventoryAdjustQuantities``: add deltas to one named quantity at several levels."""

    name: str = attrs.field(validator=_str)
    reason: str = attrs.field(validator=_str)
    changes: tuple[AdjustChange, ...] = attrs.field(
        converter=_adjust_changes, validator=_tuple_of(AdjustChange)
    )
    reference_document_uri: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen(kw_only=True)
class MoveTerminal:
    """One end (``from`` or ``to``) of a move: a location and a quantity name."""

    location_id: str = attrs.field(validator=_str)
    name: str = attrs.field(validator=_str)
    ledger_document_uri: str | None = attrs.field(default=None, validator=_opt_str)
    change_from_quantity: OptionalInt = attrs.field(default=ABSENT, validator=_int_none_or_absent)


@attrs.frozen(kw_only=True)
class MoveChange:
    """One change of ``inventoryMoveQuantities``: ``quantity`` units from one name to another."""

    item_id: str = attrs.field(validator=_str)
    quantity: int = attrs.field(validator=_int)
    from_: MoveTerminal = attrs.field(validator=attrs.validators.instance_of(MoveTerminal))
    to: MoveTerminal = attrs.field(validator=attrs.validators.instance_of(MoveTerminal))


@attrs.frozen(kw_only=True)
class Move:
    """``inventoryMoveQuantities``: move quantities between names at one location."""

    reason: str = attrs.field(validator=_str)
    reference_document_uri: str = attrs.field(validator=_str)
    changes: tuple[MoveChange, ...] = attrs.field(
        converter=_move_changes, validator=_tuple_of(MoveChange)
    )


@attrs.frozen(kw_only=True)
class SetQuantity:
    """One absolute quantity of ``inventorySetQuantities`` / ``inventorySetOnHandQuantities``.

    ``compare_quantity`` is the legacy compare-and-swap value (set only, up to 2026-01).
    """

    item_id: str = attrs.field(validator=_str)
    location_id: str = attrs.field(validator=_str)
    quantity: int = attrs.field(validator=_int)
    change_from_quantity: OptionalInt = attrs.field(default=ABSENT, validator=_int_none_or_absent)
    compare_quantity: OptionalInt = attrs.field(default=ABSENT, validator=_int_none_or_absent)


@attrs.frozen(kw_only=True)
class SetQuantities:
    """``inventorySetQuantities``: set ``available`` or ``on_hand`` to absolute values."""

    name: str = attrs.field(validator=_str)
    reason: str = attrs.field(validator=_str)
    quantities: tuple[SetQuantity, ...] = attrs.field(
        converter=_set_quantities, validator=_tuple_of(SetQuantity)
    )
    reference_document_uri: str | None = attrs.field(default=None, validator=_opt_str)
    #: ``None`` is an explicit null (treated as false); ``ABSENT`` means not given.
    ignore_compare_quantity: bool | Literal[Absent.ABSENT] | None = attrs.field(default=ABSENT)

    @ignore_compare_quantity.validator
    def _check_ignore(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value is not ABSENT and not isinstance(value, bool):
            raise TypeError(f"{attribute.name} must be a bool, None or ABSENT, not {value!r}")


@attrs.frozen(kw_only=True)
class SetOnHand:
    """``inventorySetOnHandQuantities`` (deprecated): set ``on_hand`` to absolute values."""

    reason: str = attrs.field(validator=_str)
    quantities: tuple[SetQuantity, ...] = attrs.field(
        converter=_set_quantities, validator=_tuple_of(SetQuantity)
    )
    reference_document_uri: str | None = attrs.field(default=None, validator=_opt_str)


def _legacy_flag(_instance: object, _attribute: object, value: object) -> None:
    if value is not ABSENT and value is not True:
        raise TypeError(f"stock_at_legacy_location must be True or ABSENT, not {value!r}")


@attrs.frozen(kw_only=True)
class Activate:
    """``inventoryActivate``: stock an item at a location, optionally seeding a quantity."""

    item_id: str = attrs.field(validator=_str)
    location_id: str = attrs.field(validator=_str)
    available: int | None = attrs.field(default=None, validator=_opt_int)
    on_hand: int | None = attrs.field(default=None, validator=_opt_int)
    #: ``stockAtLegacyLocation`` (Shopify: stock at a legacy fulfillment service location).
    #: Accepted and without effect here (semantics §9); ``True`` or ``ABSENT`` (not given, or
    #: ``false``: the argument's default, so the two are the same call for idempotency).
    stock_at_legacy_location: Any = attrs.field(default=ABSENT, validator=_legacy_flag)


@attrs.frozen(kw_only=True)
class Deactivate:
    """``inventoryDeactivate``: unstock a level (its quantities kept or cleared by era)."""

    level_id: str = attrs.field(validator=_str)


def _toggle_updates(values: Iterable[tuple[str, bool]]) -> tuple[tuple[str, bool], ...]:
    return tuple((location_id, activate) for location_id, activate in values)


def _check_toggle_updates(_i: object, attribute: attrs.Attribute[Any], value: object) -> None:
    for update in value:  # type: ignore[attr-defined]
        location_id, activate = update
        if not isinstance(location_id, str) or not isinstance(activate, bool):
            raise TypeError(
                f"{attribute.name} must hold (location_id: str, activate: bool) pairs, "
                f"not {update!r}"
            )


@attrs.frozen(kw_only=True)
class BulkToggleActivation:
    """``inventoryBulkToggleActivation``: stock or unstock one item at several locations.

    ``updates`` holds ``(location_id, activate)`` pairs in the order given.
    """

    item_id: str = attrs.field(validator=_str)
    updates: tuple[tuple[str, bool], ...] = attrs.field(
        converter=_toggle_updates, validator=_check_toggle_updates
    )


for _command in (AdjustChange, Adjust, MoveTerminal, MoveChange, Move, SetQuantity,
                 SetQuantities, SetOnHand, Activate, Deactivate, BulkToggleActivation):
    fast_init(_command)

Command = Adjust | Move | SetQuantities | SetOnHand | Activate | Deactivate | BulkToggleActivation
