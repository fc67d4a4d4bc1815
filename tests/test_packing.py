"""Commands packed as plain tuples for the records a ledger keeps (ledger.core.packing)."""

from __future__ import annotations

import gc

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Deactivate,
    Move,
    MoveChange,
    MoveTerminal,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.events import EventKind, EventLine, PlatformEvent
from ledger.core.packing import pack, unpack

text = st.text(max_size=8)
maybe_text = st.none() | text
ints = st.integers(-(2**40), 2**40)
change_from = st.none() | st.just(ABSENT) | ints

adjust_changes = st.builds(AdjustChange, item_id=text, location_id=text, delta=ints,
                           ledger_document_uri=maybe_text, change_from_quantity=change_from)
terminals = st.builds(MoveTerminal, location_id=text, name=text, ledger_document_uri=maybe_text,
                      change_from_quantity=change_from)
set_quantities = st.builds(SetQuantity, item_id=text, location_id=text, quantity=ints,
                           change_from_quantity=change_from, compare_quantity=change_from)
commands = st.one_of(
    st.builds(Adjust, name=text, reason=text, reference_document_uri=maybe_text,
              changes=st.lists(adjust_changes, max_size=4)),
    st.builds(Move, reason=text, reference_document_uri=text, changes=st.lists(
        st.builds(MoveChange, item_id=text, quantity=ints, from_=terminals, to=terminals),
        max_size=4)),
    st.builds(SetQuantities, name=text, reason=text, reference_document_uri=maybe_text,
              ignore_compare_quantity=st.none() | st.just(ABSENT) | st.booleans(),
              quantities=st.lists(set_quantities, max_size=4)),
    st.builds(SetOnHand, reason=text, reference_document_uri=maybe_text,
              quantities=st.lists(set_quantities, max_size=4)),
    st.builds(PlatformEvent, kind=st.sampled_from(EventKind), reference_document_uri=text,
              restock=st.booleans(), lines=st.lists(
                  st.builds(EventLine, item_id=text, location_id=text, quantity=ints),
                  max_size=4)),
)


@given(commands)
def test_a_packed_command_unpacks_to_an_equal_one(command: object) -> None:
    packed = pack(command)
    assert type(packed) is tuple
    again = unpack(packed)
    assert type(again) is type(command)
    assert again == command


@given(commands)
def test_a_packed_command_holds_plain_values_only_so_the_collector_lets_it_go(
        command: object) -> None:
    def plain(value: object) -> bool:
        if type(value) is tuple:
            return all(plain(v) for v in value)
        return value is None or value is ... or type(value) in (str, int, bool)

    assert plain(pack(command))


def test_every_field_of_every_packed_class_comes_back() -> None:
    # A field added to a command and left out of its packing would fail here: every field
    # is given a value other than its default and must survive the round trip.
    terminal = MoveTerminal(location_id="L", name="damaged", ledger_document_uri="d:1",
                            change_from_quantity=3)
    samples = [
        Adjust(name="n", reason="r", reference_document_uri="u:1", changes=[AdjustChange(
            item_id="i", location_id="l", delta=2, ledger_document_uri="d:2",
            change_from_quantity=None)]),
        Move(reason="r", reference_document_uri="u:1", changes=[MoveChange(
            item_id="i", quantity=1, from_=terminal, to=attrs.evolve(terminal, name="x"))]),
        SetQuantities(name="n", reason="r", reference_document_uri="u:1",
                      ignore_compare_quantity=True, quantities=[SetQuantity(
                          item_id="i", location_id="l", quantity=4, change_from_quantity=1,
                          compare_quantity=2)]),
        SetOnHand(reason="r", reference_document_uri="u:1", quantities=[SetQuantity(
            item_id="i", location_id="l", quantity=4, change_from_quantity=1,
            compare_quantity=None)]),
        PlatformEvent(kind=EventKind.ORDER_CANCELLED, reference_document_uri="o:1",
                      restock=False, lines=[EventLine(item_id="i", location_id="l",
                                                      quantity=3)]),
    ]
    for command in samples:
        defaults = attrs.evolve(command)  # every field as given
        assert unpack(pack(command)) == defaults
        for field in attrs.fields(type(command)):
            if field.default is not attrs.NOTHING:
                assert getattr(command, field.name) != field.default, field.name


def test_stocking_commands_are_kept_as_they_are() -> None:
    for command in (Activate(item_id="i", location_id="l"), Deactivate(level_id="v"),
                    BulkToggleActivation(item_id="i", updates=[("l", True)])):
        assert pack(command) is command
        assert unpack(command) is command


def test_a_packed_command_is_untracked_once_the_collector_has_seen_it() -> None:
    packed = pack(Adjust(name="available", reason="correction", changes=[AdjustChange(
        item_id="i", location_id="l", delta=1, change_from_quantity=5)]))
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(packed)


def test_a_calls_records_are_let_go_by_the_young_collections_before_they_grow_old() -> None:
    # The op log and the key store are long-lived, so a collection reaches a new record only
    # through them and each pass untracks one level of tuples from the bottom: a record
    # nested deeper than two reached the oldest generation still tracked and brought the
    # next full collection closer (issue 14's long run at 10^6 levels made one of ~0.4 s).
    from ledger import Ledger

    ledger = Ledger.from_snapshot({
        "locations": [{"id": "gid://shopify/Location/1"}],
        "inventoryItems": [{"id": "gid://shopify/InventoryItem/1"}],
        "inventoryLevels": [{"inventoryItemId": "gid://shopify/InventoryItem/1",
                             "locationId": "gid://shopify/Location/1"}]}, "2026-04")
    calls = [
        lambda: ledger.adjust(name="available", reason="correction", idempotency_key="a",
                              changes=[AdjustChange(item_id="gid://shopify/InventoryItem/1",
                                                    location_id="gid://shopify/Location/1",
                                                    delta=2, change_from_quantity=0)]),
        lambda: ledger.move(reason="damaged", reference_document_uri="sim://d/1",
                            idempotency_key="m", changes=[MoveChange(
                                item_id="gid://shopify/InventoryItem/1", quantity=1,
                                from_=MoveTerminal(location_id="gid://shopify/Location/1",
                                                   name="available", change_from_quantity=2),
                                to=MoveTerminal(location_id="gid://shopify/Location/1",
                                                name="damaged", ledger_document_uri="sim://d/1",
                                                change_from_quantity=0))]),
    ]
    for call in calls:
        gc.collect()  # the ledger and its logs are old now, as in a long run
        assert call().ok
        row = ledger._oplog._rows[-1]  # type: ignore[union-attr]
        key = ledger._keys._entries[row[3]]
        level = ledger._state.level("gid://shopify/InventoryItem/1", "gid://shopify/Location/1")
        assert level is not None
        assert isinstance(level.times, tuple)
        assert gc.is_tracked(row)
        assert gc.is_tracked(key)
        gc.collect(0)
        gc.collect(1)
        assert not gc.is_tracked(row)
        assert not gc.is_tracked(key)
        assert not gc.is_tracked(level.times)
