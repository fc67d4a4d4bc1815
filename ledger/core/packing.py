"""Commands packed as plain tuples, for the records a ledger keeps of its calls (core layer).

The operation log keeps every call's command, and the idempotency store keeps it for a day
of the clock. Kept as the caller's frozen objects, a single-change adjust is three objects
(``Adjust``, its tuple of changes, the ``AdjustChange``) that the cyclic collector walks
again and again for as long as they live; issue 14 measured the collector at about a
tenth of a call once the journal was flat (3.2 of 26.6 µs), and at 10^6 levels packing
spared a Pythonic run of 10^5 calls its one full collection (0.4 s). Packed, it is one
tuple of strings, ints and ``None``, which the collector stops tracking once it has seen
it, in fewer bytes. ``unpack`` gives back an equal command (its constructor checks it again), so
what a record or a key hands out is unchanged.

A packing is **one flat tuple**: the command's own fields, then every element of its input
list field by field, never a tuple inside. Depth matters to the collector: a record (the op
log's row, a key's row) is reachable from the long-lived log, so a collection finds its
parts only through it and puts each part after its holder; a tuple is let go only once
its parts are, so each collection untracks one level from the bottom. Nested three deep,
a record reached the oldest generation still tracked and counted towards the next full
collection (issue 14: about three tracked tuples per call reached it, and an ``execute``
run of 10^5 calls at 10^6 levels, or the benchmark's long run, still made a full
collection of about 0.4 s); flat, the young collections let the record and its packing go
before they get there.

Layouts (the tag first, then the command's own fields, then each element's fields in turn;
``ABSENT`` is kept as ``...``, an event's kind as its value):

* ``Adjust``: ``(0, name, reason, referenceDocumentUri, item, location, delta,
  ledgerDocumentUri, changeFromQuantity, ...)``;
* ``Move``: ``(1, reason, referenceDocumentUri, item, quantity, then location, name,
  ledgerDocumentUri and changeFromQuantity of from and then of to, ...)``;
* ``SetQuantities``: ``(2, name, reason, referenceDocumentUri, ignoreCompareQuantity,
  item, location, quantity, changeFromQuantity, compareQuantity, ...)``;
* ``SetOnHand``: ``(3, reason, referenceDocumentUri, item, location, quantity,
  changeFromQuantity, compareQuantity, ...)``;
* ``PlatformEvent``: ``(4, kind, referenceDocumentUri, restock, item, location,
  quantity, ...)``.

The stocking commands (activate, deactivate, the bulk toggle) are rare and kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ledger.core.commands import (
    ABSENT,
    Adjust,
    AdjustChange,
    Move,
    MoveChange,
    MoveTerminal,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.events import EventKind, EventLine, PlatformEvent

#: A command as a record keeps it: a packed tuple, or a stocking command as it is.
Packed = Any
_ADJUST, _MOVE, _SET, _SET_ON_HAND, _EVENT = range(5)


def _mark(value: object) -> object:
    return ... if value is ABSENT else value


def _unmark(value: object) -> Any:
    return ABSENT if value is ... else value


def _pack_adjust(c: Adjust) -> Packed:
    values: list[object] = [_ADJUST, c.name, c.reason, c.reference_document_uri]
    for ch in c.changes:
        values += (ch.item_id, ch.location_id, ch.delta, ch.ledger_document_uri,
                   _mark(ch.change_from_quantity))
    return tuple(values)


def _pack_move(c: Move) -> Packed:
    values: list[object] = [_MOVE, c.reason, c.reference_document_uri]
    for ch in c.changes:
        f, t = ch.from_, ch.to
        values += (ch.item_id, ch.quantity,
                   f.location_id, f.name, f.ledger_document_uri, _mark(f.change_from_quantity),
                   t.location_id, t.name, t.ledger_document_uri, _mark(t.change_from_quantity))
    return tuple(values)


def _quantities(values: list[object], quantities: tuple[SetQuantity, ...]) -> Packed:
    for q in quantities:
        values += (q.item_id, q.location_id, q.quantity, _mark(q.change_from_quantity),
                   _mark(q.compare_quantity))
    return tuple(values)


def _pack_set(c: SetQuantities) -> Packed:
    return _quantities([_SET, c.name, c.reason, c.reference_document_uri,
                        _mark(c.ignore_compare_quantity)], c.quantities)


def _pack_set_on_hand(c: SetOnHand) -> Packed:
    return _quantities([_SET_ON_HAND, c.reason, c.reference_document_uri], c.quantities)


def _pack_event(c: PlatformEvent) -> Packed:
    # ``_value_``: Enum's own slot, where ``.value`` is a Python-level property.
    values: list[object] = [_EVENT, c.kind._value_, c.reference_document_uri, c.restock]
    for line in c.lines:
        values += (line.item_id, line.location_id, line.quantity)
    return tuple(values)


_PACKERS: Final[dict[type, Callable[[Any], Packed]]] = {
    Adjust: _pack_adjust, Move: _pack_move, SetQuantities: _pack_set,
    SetOnHand: _pack_set_on_hand, PlatformEvent: _pack_event,
}
#: The last command packed and its packing: a call packs once for its key and its record.
_last: tuple[object, Packed] = (None, None)


def pack(command: object) -> Packed:
    """Return ``command`` packed (see the module docstring); a stocking command as it is."""
    global _last
    last = _last  # one read of the pair: another thread may replace it, never tear it
    if last[0] is command:
        return last[1]
    packer = _PACKERS.get(type(command))
    packed = packer(command) if packer is not None else command
    _last = (command, packed)
    return packed


def _set_quantities(packed: tuple[Any, ...], start: int) -> list[SetQuantity]:
    return [SetQuantity(item_id=packed[k], location_id=packed[k + 1], quantity=packed[k + 2],
                        change_from_quantity=_unmark(packed[k + 3]),
                        compare_quantity=_unmark(packed[k + 4]))
            for k in range(start, len(packed), 5)]


def _move_terminal(packed: tuple[Any, ...], k: int) -> MoveTerminal:
    return MoveTerminal(location_id=packed[k], name=packed[k + 1],
                        ledger_document_uri=packed[k + 2],
                        change_from_quantity=_unmark(packed[k + 3]))


def unpack(packed: Packed) -> Any:
    """Return the command ``packed`` was made of (an equal one); anything else as it is."""
    if type(packed) is not tuple:
        return packed
    tag = packed[0]
    if tag == _ADJUST:
        return Adjust(name=packed[1], reason=packed[2], reference_document_uri=packed[3],
                      changes=[AdjustChange(item_id=packed[k], location_id=packed[k + 1],
                                            delta=packed[k + 2],
                                            ledger_document_uri=packed[k + 3],
                                            change_from_quantity=_unmark(packed[k + 4]))
                               for k in range(4, len(packed), 5)])
    if tag == _MOVE:
        return Move(reason=packed[1], reference_document_uri=packed[2], changes=[
            MoveChange(item_id=packed[k], quantity=packed[k + 1],
                       from_=_move_terminal(packed, k + 2), to=_move_terminal(packed, k + 6))
            for k in range(3, len(packed), 10)])
    if tag == _SET:
        return SetQuantities(name=packed[1], reason=packed[2],
                             reference_document_uri=packed[3],
                             ignore_compare_quantity=_unmark(packed[4]),
                             quantities=_set_quantities(packed, 5))
    if tag == _SET_ON_HAND:
        return SetOnHand(reason=packed[1], reference_document_uri=packed[2],
                         quantities=_set_quantities(packed, 3))
    return PlatformEvent(kind=EventKind(packed[1]), reference_document_uri=packed[2],
                         restock=packed[3],
                         lines=[EventLine(item_id=packed[k], location_id=packed[k + 1],
                                          quantity=packed[k + 2])
                                for k in range(4, len(packed), 3)])
