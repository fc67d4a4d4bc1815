"""The checks the quantity mutations share, each written once (core layer).

Every function here reads the state and never writes it; each mutation module calls them in
its own fixed order (``adjust``, ``move``, ``set_quantities``). The order of the errors a
call returns is the order of those calls (semantics §10):

1. input-level fields: ``name``, then ``reason``, then ``referenceDocumentUri``
   (``input_fields``; §5);
2. each change by index: item, location (``Levels.locate``; move: ``from`` then ``to``; then
   DIFFERENT_LOCATIONS or the stocked check), quantity name(s), quantity/delta
   (``bounded``), ledger document(s) (``ledger_document``; §5);
3. call-level rules: MAX_ONE_LEDGER_DOCUMENT / MAXIMUM_LEDGER_DOCUMENT_URIS, duplicate
   pairs, then COMPARE_QUANTITY_REQUIRED;
4. only if nothing above failed: compare-and-swap, every value compared with the quantity
   persisted *before* the call, even when several changes touch one level.

Which levels a change may touch is the era's ``quantity_levels`` row (semantics §3, §13):
an active level only (≤ 2026-01), any existing level (2026-04, 2026-07), or anywhere
(2026-10 on: an absent level is returned as an ``AbsentLevel``, which the mutation creates,
inactive, once the call is sure to succeed). An item marked not mutable (a bundle's parent)
gets NON_MUTABLE_INVENTORY_ITEM right after its existence check, in place of that change's
location-level checks (semantics §5).

Choices where Shopify is silent ([ours]):

* A not-stocked level is reported at the change's ``locationId`` (move: ``from.locationId``)
  and only when both the item and the location exist; a move whose locations differ skips
  the stocked check.
* "In place of the location-level checks" (NON_MUTABLE_INVENTORY_ITEM) is read as: that
  change gets no INVALID_LOCATION, DIFFERENT_LOCATIONS or ITEM_NOT_STOCKED_AT_LOCATION;
  its other checks (name, quantity, ledger documents) still run.
* An invalid quantity name counts as "not available" for the ledger document (semantics
  §5): it is required, and checked for being internal or malformed.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from ledger.core.errors import MAX_INPUT_SIZE, REASON_SET, ErrorCode, UserError, user_error
from ledger.core.model import ZEROS, Level, State
from ledger.core.versions import Era, LevelReach

C = ErrorCode
Path = tuple[str, ...]

#: A scheme, a colon, then non-empty content with no whitespace ([ours], semantics §5).
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_INTERNAL_PREFIX: Final = "gid://shopify/"


def is_valid_uri(uri: str) -> bool:
    """Tell whether ``uri`` is acceptable as a reference or ledger document URI."""
    return _URI.fullmatch(uri) is not None


class Errors:
    """The user errors of one call, in the order they are found."""

    __slots__ = ("items", "operation")

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.items: list[UserError] = []

    def add(self, code: ErrorCode, field: Path) -> None:
        """Add the error ``code`` of this call's mutation at ``field``."""
        self.items.append(user_error(self.operation, code, field))


def input_fields(errors: Errors, reason: str, reference: str | None) -> None:
    """Check ``reason`` and ``referenceDocumentUri``, in that order (semantics §5)."""
    if reason not in REASON_SET:
        errors.add(C.INVALID_REASON, ("input", "reason"))
    if reference is not None and not is_valid_uri(reference):
        errors.add(C.INVALID_REFERENCE_DOCUMENT, ("input", "referenceDocumentUri"))


@attrs.frozen
class AbsentLevel:
    """Where a change touches a known item at a known location with no level (2026-10 on).

    It reads as zeros, so the checks treat it as the all-zero level the mutation creates for
    it (inactive) once the call is sure to succeed (semantics §13).
    """

    item_id: str
    location_id: str

    @property
    def q(self) -> tuple[int, ...]:
        """The stored quantities of the level to be: all zero."""
        return ZEROS


Target = Level | AbsentLevel


class Levels:
    """The levels a call touches, one object per (item, location), absent ones included."""

    __slots__ = ("absent", "era")

    def __init__(self, era: Era) -> None:
        self.era = era
        self.absent: dict[tuple[str, str], AbsentLevel] = {}

    def locate(self, errors: Errors, state: State, item_id: str, location_id: str,
               item_field: Path, location_field: Path, *, location_checks: bool = True,
               stocked_check: bool = True) -> Target | None:
        """Resolve an (item, location) pair to the level a change may touch, reporting why not.

        ``location_checks`` off: the location is not even looked at (a move checks its two
        locations itself). ``stocked_check`` off: a missing level is not reported here.
        """
        item = state.items.get(item_id)
        if item is None:
            errors.add(C.INVALID_INVENTORY_ITEM, item_field)
        elif not item.attributes.mutable:
            errors.add(C.NON_MUTABLE_INVENTORY_ITEM, item_field)
            return None  # in place of this change's location-level checks (semantics §5)
        if not location_checks:
            return None
        # ``get``, not ``in``: a builtin call, where ``Layers.__contains__`` is a Python one.
        location_known = state.locations.get(location_id) is not None
        if not location_known:
            errors.add(C.INVALID_LOCATION, location_field)
        if item is None or not location_known:
            return None
        level = item.levels.get(location_id)
        if level is not None and level.active:
            return level  # the usual case: an active level is in every era's reach
        return self.level(errors, level, item_id, location_id, location_field,
                          stocked_check=stocked_check)

    def level(self, errors: Errors, level: Level | None, item_id: str, location_id: str,
              location_field: Path, *, stocked_check: bool = True) -> Target | None:
        """Apply the era's reach to the level of a known item at a known location."""
        reach = self.era.quantity_levels
        if level is not None and (level.active or reach is not LevelReach.ACTIVE):
            return level
        if level is None and reach is LevelReach.ANYWHERE:
            return self.absent.setdefault((item_id, location_id),
                                          AbsentLevel(item_id, location_id))
        if stocked_check:
            errors.add(C.ITEM_NOT_STOCKED_AT_LOCATION, location_field)
        return None


def ledger_document(errors: Errors, name: str, uri: str | None, field: Path) -> None:
    """Check one ledger document URI against the quantity ``name`` it documents.

    An invalid ``name`` counts as "not available" (semantics §5): the document is required.
    """
    if name == "available":
        if uri is not None:
            errors.add(C.INVALID_AVAILABLE_DOCUMENT, field)
        return
    if uri is None:
        errors.add(C.INVALID_QUANTITY_DOCUMENT, field)
    elif uri.startswith(_INTERNAL_PREFIX):
        errors.add(C.INTERNAL_LEDGER_DOCUMENT, field)
    elif not is_valid_uri(uri):
        errors.add(C.INVALID_LEDGER_DOCUMENT, field)


class ChangePaths:
    """The error fields of the changes of an input list, built once per index and kept.

    A call builds no field path unless it reports an error (the paths of the first
    ``MAX_INPUT_SIZE`` indices are kept; a longer list, refused by the request checks but
    possible for a direct caller of a mutation, gets fresh ones past that).
    """

    __slots__ = ("_built", "_leaves", "_list", "_prefix")

    def __init__(self, list_field: str, *leaves: str, prefix: Path = ("input",)) -> None:
        self._prefix = prefix
        self._list = list_field
        self._leaves = leaves
        self._built: list[dict[str, Path]] = []

    def __call__(self, index: int) -> dict[str, Path]:
        """Return the fields of change ``index``, by leaf name (``"delta"`` -> its path)."""
        built = self._built
        if index < len(built):
            return built[index]
        if index >= MAX_INPUT_SIZE:
            return self._paths(index)
        built.extend(self._paths(i) for i in range(len(built), index + 1))
        return built[index]

    def upto(self, count: int) -> list[dict[str, Path]]:
        """Return the fields of changes ``0 .. count - 1``, indexed by change (one call a list).

        The list is the kept one (callers only read it) unless ``count`` is past what is kept.
        """
        if count > MAX_INPUT_SIZE:
            return [self(i) for i in range(count)]
        if count > len(self._built):
            self(count - 1)
        return self._built

    def _paths(self, index: int) -> dict[str, Path]:
        base = (*self._prefix, self._list, str(index))
        return {leaf: (*base, *leaf.split(".")) for leaf in self._leaves}


def bounded(errors: Errors, value: int, limit: int, field: Path) -> bool:
    """Check ``-limit <= value <= limit`` (TOO_HIGH / TOO_LOW at ``field``); tell if it is."""
    if value > limit:
        errors.add(C.INVALID_QUANTITY_TOO_HIGH, field)
        return False
    if value < -limit:
        errors.add(C.INVALID_QUANTITY_TOO_LOW, field)
        return False
    return True

