"""The request-level checks of a call (semantics §4), the first stage of ``Engine.run``
(core layer).

A call that fails one of these never ran: it gets a request error (a top-level GraphQL
error), not a user error, and its idempotency key is not remembered (§11). Only the first
failing check is reported, in this order: input sizes, fields the API version does not
define, a missing ``changeFromQuantity``, then the ``@idempotent`` directive.
"""

from __future__ import annotations

from typing import Final

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
    bounded = _bounds(command, key)
    if bounded is not None or isinstance(command, PlatformEvent):
        return bounded  # an event is not a GraphQL request: no version rules apply
    change_froms = _change_froms(command)
    # Fields the version does not define. The GraphQL codec reports these as variable
    # coercion errors before a command exists; this catches Pythonic callers.
    if era.change_from is Presence.UNDEFINED and any(v is not ABSENT for v in change_froms):
        return RequestError(
            kind=RequestErrorKind.INVALID_VARIABLE,
            message=f"changeFromQuantity is not defined in API version {version}",
        )
    if isinstance(command, SetQuantities | SetOnHand):
        legacy = [q.compare_quantity for q in command.quantities]
        if isinstance(command, SetQuantities) and era.legacy_compare is not Presence.UNDEFINED:
            legacy = []
        elif isinstance(command, SetQuantities):
            legacy.append(command.ignore_compare_quantity)
        if any(v is not ABSENT for v in legacy):
            return RequestError(
                kind=RequestErrorKind.INVALID_VARIABLE,
                message="compareQuantity and ignoreCompareQuantity are not defined on "
                f"{operation} in API version {version}",
            )
    if era.change_from is Presence.REQUIRED and any(v is ABSENT for v in change_froms):
        return RequestError(
            kind=RequestErrorKind.MISSING_CHANGE_FROM_QUANTITY,
            message=f"{_CHANGE_FROM_TYPE[operation]} must include the following argument: "
            "changeFromQuantity.",
        )
    presence = directive_presence(operation, era)
    if presence is Presence.REQUIRED and key is None:
        return RequestError(
            kind=RequestErrorKind.MISSING_IDEMPOTENCY,
            message="The @idempotent directive is required for this mutation but was not "
            "provided.",
        )
    if presence is Presence.UNDEFINED and key is not None:
        return RequestError(
            kind=RequestErrorKind.UNDEFINED_DIRECTIVE,
            message="Directive @idempotent is not defined",
        )
    return None


def _uris(command: Command | PlatformEvent) -> list[str | None]:
    if isinstance(command, Adjust):
        return [command.reference_document_uri, *[c.ledger_document_uri for c in command.changes]]
    if isinstance(command, Move):
        uris: list[str | None] = [command.reference_document_uri]
        for c in command.changes:
            uris.append(c.from_.ledger_document_uri)
            uris.append(c.to.ledger_document_uri)
        return uris
    if isinstance(command, SetQuantities | SetOnHand | PlatformEvent):
        return [command.reference_document_uri]
    return []


#: The input list of each command type and the name the request error gives it.
_SIZED: Final[dict[type, tuple[str, str]]] = {
    Adjust: ("changes", "changes"),
    Move: ("changes", "changes"),
    SetQuantities: ("quantities", "quantities"),
    SetOnHand: ("quantities", "quantities"),
    BulkToggleActivation: ("updates", "inventoryItemUpdates"),
    PlatformEvent: ("lines", "lines"),
}


def _sized(command: Command | PlatformEvent) -> tuple[int, str]:
    """Return the length of ``command``'s input list and the field it is reported at."""
    sized = _SIZED.get(type(command))
    if sized is None:  # a subclass, or a command with no input list
        sized = next((v for t, v in _SIZED.items() if isinstance(command, t)), None)
        if sized is None:
            return 0, ""
    attribute, field = sized
    return len(getattr(command, attribute)), field


def _bounds(command: Command | PlatformEvent, key: str | None) -> RequestError | None:
    """Return the request error of an oversized input, or ``None`` (see ``request_error``)."""
    size, field = _sized(command)
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
    for uri in _uris(command):
        if uri is not None and len(uri) > MAX_URI_LENGTH:
            return RequestError(
                kind=RequestErrorKind.URI_TOO_LONG,
                message=f"A document URI is {len(uri)} characters long; the maximum is "
                f"{MAX_URI_LENGTH}.",
            )
    return None


def _change_froms(command: Command) -> list[object]:
    if isinstance(command, Adjust):
        return [c.change_from_quantity for c in command.changes]
    if isinstance(command, Move):
        return [t.change_from_quantity for c in command.changes for t in (c.from_, c.to)]
    if isinstance(command, SetQuantities | SetOnHand):
        return [q.change_from_quantity for q in command.quantities]
    return []
