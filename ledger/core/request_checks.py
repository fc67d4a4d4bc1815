"""The request-level checks of a call (semantics §4), the first stage of ``Engine.run``
(core layer).

A call that fails one of these never ran: it gets a request error (a top-level GraphQL
error), not a user error, and its idempotency key is not remembered (§11). Only the first
failing check is reported, in this order: input sizes, fields the API version does not
define, a missing ``changeFromQuantity``, then the ``@idempotent`` directive.
"""

from __future__ import annotations

from typing import Any, Final

from ledger.core.commands import (
    ABSENT,
    Adjust,
    BulkToggleActivation,
    Command,
    Move,
    SetOnHand,
    SetQuantities,
)
from ledger.core.errors import (
    ADJUST,
    MAX_INPUT_SIZE,
    MAX_KEY_LENGTH,
    MAX_URI_LENGTH,
    MOVE,
    SET,
    SET_ON_HAND,
    RequestError,
    RequestErrorKind,
    directive_presence,
)
from ledger.core.events import PlatformEvent
from ledger.core.versions import Era, Presence

#: ``Presence``'s members as module constants: in CPython 3.11 reading a member off its Enum
#: class goes through ``EnumType.__getattr__``'s hook (~60 ns, a global ~5 ns), four
#: times a call here.
_REQUIRED: Final = Presence.REQUIRED
_UNDEFINED: Final = Presence.UNDEFINED
#: The set commands, as a tuple built once (``A | B`` in a call builds a union each time).
_SETS: Final = (SetQuantities, SetOnHand)
#: The GraphQL input type named when ``changeFromQuantity`` is missing (semantics §4).
_CHANGE_FROM_TYPE: Final[dict[str, str]] = {
    ADJUST: "InventoryChangeInput",
    MOVE: "InventoryMoveQuantityTerminalInput",
    SET: "InventoryQuantityInput",
    SET_ON_HAND: "InventorySetQuantityInput",
}


def request_error(
    operation: str, command: Command | PlatformEvent, key: str | None, era: Era, version: str
) -> RequestError | None:
    """Return the first request-level failure (semantics §4), or ``None``.

    Size bounds come first ([ours]: Shopify checks them before anything else it does
    after coercion): no input list over ``MAX_INPUT_SIZE`` entries, no key over
    ``MAX_KEY_LENGTH`` characters, no document URI over ``MAX_URI_LENGTH``.
    """
    facts = _FACTS.get(type(command))
    if facts is None:  # a subclass, or a command with no input list
        facts = next((f for t, f in _FACTS.items() if isinstance(command, t)), _no_facts)
    size, field, long_uri, given, absent = facts(command)
    if size > MAX_INPUT_SIZE:
        return RequestError(
            kind=RequestErrorKind.INPUT_TOO_LARGE,
            message=f"The input array size of {size} is greater than the maximum allowed of "
            f"{MAX_INPUT_SIZE}.",
            problems=(((field,), "too many entries"),),
        )
    if key is not None and len(key) > MAX_KEY_LENGTH:
        return RequestError(
            kind=RequestErrorKind.KEY_TOO_LONG,
            message=f"The idempotency key is {len(key)} characters long; the maximum is "
            f"{MAX_KEY_LENGTH}.",
        )
    if long_uri:
        return RequestError(
            kind=RequestErrorKind.URI_TOO_LONG,
            message=f"A document URI is {long_uri} characters long; the maximum is "
            f"{MAX_URI_LENGTH}.",
        )
    if isinstance(command, PlatformEvent):
        return None  # an event is not a GraphQL request: no version rules apply
    # Fields the version does not define. The GraphQL codec reports these as variable
    # coercion errors before a command exists; this catches Pythonic callers.
    change_from = era.change_from
    if change_from is _UNDEFINED and given:
        return RequestError(
            kind=RequestErrorKind.INVALID_VARIABLE,
            message=f"changeFromQuantity is not defined in API version {version}",
        )
    if isinstance(command, _SETS):
        legacy = [q.compare_quantity for q in command.quantities]
        if isinstance(command, SetQuantities) and era.legacy_compare is not _UNDEFINED:
            legacy = []
        elif isinstance(command, SetQuantities):
            legacy.append(command.ignore_compare_quantity)
        if any(v is not ABSENT for v in legacy):
            return RequestError(
                kind=RequestErrorKind.INVALID_VARIABLE,
                message="compareQuantity and ignoreCompareQuantity are not defined on "
                f"{operation} in API version {version}",
            )
    if change_from is _REQUIRED and absent:
        return RequestError(
            kind=RequestErrorKind.MISSING_CHANGE_FROM_QUANTITY,
            message=f"{_CHANGE_FROM_TYPE[operation]} must include the following argument: "
            "changeFromQuantity.",
        )
    presence = directive_presence(operation, era)
    if presence is _REQUIRED and key is None:
        return RequestError(
            kind=RequestErrorKind.MISSING_IDEMPOTENCY,
            message="The @idempotent directive is required for this mutation but was not "
            "provided.",
        )
    if presence is _UNDEFINED and key is not None:
        return RequestError(
            kind=RequestErrorKind.UNDEFINED_DIRECTIVE,
            message="Directive @idempotent is not defined",
        )
    return None


#: What the request checks read of a command, in one pass over its input list and with no
#: list built (issue 14: the request checks were a fourteenth of a single-change adjust):
#: the list's length and the field the request error names for it, the length of the first
#: document URI over ``MAX_URI_LENGTH`` (0 if none is), and whether any
#: ``changeFromQuantity`` is given, and whether any is absent.
Facts = tuple[int, str, int, bool, bool]


def _too_long(uri: str | None) -> int:
    """The length of ``uri`` if it is over ``MAX_URI_LENGTH``, else 0."""
    return len(uri) if uri is not None and len(uri) > MAX_URI_LENGTH else 0


def _adjust_facts(command: Adjust) -> Facts:
    changes = command.changes
    # One plain loop: a comprehension is a function call of its own (CPython 3.11).
    long_uri = _too_long(command.reference_document_uri)
    given = absent = False
    for c in changes:
        uri = c.ledger_document_uri
        if uri is not None and not long_uri:  # ``available`` changes have none: no call
            long_uri = _too_long(uri)
        if c.change_from_quantity is ABSENT:
            absent = True
        else:
            given = True
    return len(changes), "changes", long_uri, given, absent


def _move_facts(command: Move) -> Facts:
    changes = command.changes
    long_uri = _too_long(command.reference_document_uri)
    given = absent = False
    for c in changes:
        for end in (c.from_, c.to):
            if not long_uri:
                long_uri = _too_long(end.ledger_document_uri)
            if end.change_from_quantity is ABSENT:
                absent = True
            else:
                given = True
    return len(changes), "changes", long_uri, given, absent


def _set_facts(command: SetQuantities | SetOnHand) -> Facts:
    quantities = command.quantities
    given = absent = False
    for q in quantities:
        if q.change_from_quantity is ABSENT:
            absent = True
        else:
            given = True
    return (len(quantities), "quantities", _too_long(command.reference_document_uri),
            given, absent)


def _toggle_facts(command: BulkToggleActivation) -> Facts:
    return len(command.updates), "inventoryItemUpdates", 0, False, False


def _event_facts(command: PlatformEvent) -> Facts:
    return len(command.lines), "lines", _too_long(command.reference_document_uri), False, False


def _no_facts(_command: object) -> Facts:
    return 0, "", 0, False, False


_FACTS: Final[dict[type, Any]] = {
    Adjust: _adjust_facts,
    Move: _move_facts,
    SetQuantities: _set_facts,
    SetOnHand: _set_facts,
    BulkToggleActivation: _toggle_facts,
    PlatformEvent: _event_facts,
}

