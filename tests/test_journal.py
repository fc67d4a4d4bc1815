"""The journal: adjustment groups in order, their ids, and ``groups()`` filtering.

``groups()`` is checked against a naive filter over ``ledger.journal`` for every
combination of item, location, quantity name and time range over a scripted history.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from ledger import AdjustmentGroup, Ledger, QuantityChange
from ledger.core.journal import GROUP_PREFIX, flatten, group_of
from ledger.store.durable.codec import decode_value, encode_value
from tests.support import ITEM, LOCATION, FakeClock, store

I1, I2, I3, I9 = (ITEM.format(n) for n in (1, 2, 3, 9))
L1, L2 = LOCATION.format(1), LOCATION.format(2)
T0 = datetime(2026, 6, 25, 0, 0, 0, tzinfo=UTC)
ADJUST = "inventoryAdjustQuantities"


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def adjust_input(name: str, *changes: tuple[str, str, int], doc: str | None = None) -> Any:
    return {"input": {"name": name, "reason": "correction", "changes": [
        {"inventoryItemId": item, "locationId": location, "delta": delta,
         **({"ledgerDocumentUri": doc} if doc else {})}
        for item, location, delta in changes]}}


def scripted_history() -> Ledger:
    """Seven groups at five instants, with a rejected call and a no-op in between.

    group 1 at +0s     item 1 @ 1   available, on_hand
    group 2 at +0s     item 2 @ 2   damaged, on_hand
    group 3 at +60s    item 2 @ 1   available, incoming, on_hand   (move)
    group 4 at +120s   item 3 @ 2   available, on_hand             (set on_hand)
    group 5 at +180s   items 1, 2 @ 1   incoming
    group 6 at +3600s  item 1 @ 1, item 3 @ 2   available, on_hand
    group 7 at +3601s  item 1 @ 2   available, on_hand            (activation)
    """
    clock = FakeClock(T0)
    ledger = Ledger.from_snapshot(
        store(items=3, locations=2, stocked={(1, 1): {"available": 5}, (2, 1): {}, (2, 2): {},
                                             (3, 2): {}}),
        api_version="2026-01", clock=clock)

    def ok(operation: str, variables: Any) -> None:
        body = ledger.execute(operation, variables)
        assert body["data"][operation]["userErrors"] == [], body

    ok(ADJUST, adjust_input("available", (I1, L1, 1)))
    ok(ADJUST, adjust_input("damaged", (I2, L2, 2), doc="logistics://rma/1"))
    clock.now = at(60)
    ok("inventoryMoveQuantities", {"input": {
        "reason": "movement_created", "referenceDocumentUri": "logistics://po/1", "changes": [
            {"inventoryItemId": I2, "quantity": 3, "from": {"locationId": L1, "name": "available"},
             "to": {"locationId": L1, "name": "incoming",
                    "ledgerDocumentUri": "logistics://po/1"}}]}})
    clock.now = at(120)
    ok("inventorySetOnHandQuantities", {"input": {"reason": "correction", "setQuantities": [
        {"inventoryItemId": I3, "locationId": L2, "quantity": 4}]}})
    rejected = ledger.execute(ADJUST, adjust_input("available", (I9, L1, 1)))
    assert rejected["data"][ADJUST]["userErrors"]
    clock.now = at(180)
    ok(ADJUST, adjust_input("incoming", (I1, L1, 1), (I2, L1, 1), doc="logistics://po/2"))
    clock.now = at(240)
    ok(ADJUST, adjust_input("available", (I1, L1, 0)))
    clock.now = at(3600)
    ok(ADJUST, adjust_input("available", (I1, L1, -1), (I3, L2, 2)))
    clock.now = at(3601)
    ok("inventoryActivate", {"inventoryItemId": I1, "locationId": L2, "available": 9})
    return ledger


@pytest.fixture(scope="module")
def history() -> Ledger:
    return scripted_history()


def naive_groups(
    ledger: Ledger, item: str | None, location: str | None, name: str | None,
    since: datetime | None, until: datetime | None,
) -> list[AdjustmentGroup]:
    """A straight-line reading of ``groups()``'s contract over the whole journal.

    A group matches when one of its rows matches every key given.
    """
    out = []
    for group in ledger.journal:
        rows = [
            c for c in group.changes
            if (item is None or c.item_id == item)
            and (location is None or c.location_id == location)
            and (name is None or c.name == name)
        ]
        if not rows:
            continue
        if since is not None and group.created_at < since:
            continue
        if until is not None and group.created_at >= until:
            continue
        out.append(group)
    return out


def _number(group: AdjustmentGroup) -> int:
    return int(group.id.removeprefix(GROUP_PREFIX))


WINDOWS = {
    "any time": (None, None),
    "since the first instant": (at(0), None),
    "since +60s": (at(60), None),
    "until +60s": (None, at(60)),
    "until the first instant": (None, at(0)),
    "[+0s, +120s)": (at(0), at(120)),
    "[+120s, +121s)": (at(120), at(121)),
    "[+121s, +3600s)": (at(121), at(3600)),
    "[+3600s, +3600s)": (at(3600), at(3600)),
    "since +3601s": (at(3601), None),
    "after everything": (at(3602), None),
}
FILTERS = [
    pytest.param(item, location, name, window, id=f"item={item and item[-1]} "
                 f"location={location and location[-1]} name={name} {window}")
    for item, location, name, window in itertools.product(
        [None, I1, I2, I3, I9], [None, L1, L2],
        [None, "available", "on_hand", "incoming", "damaged", "committed"], WINDOWS)
]


@pytest.mark.parametrize(("item", "location", "name", "window"), FILTERS)
def test_groups_agree_with_a_naive_filter_over_the_journal(
    history: Ledger, item: str | None, location: str | None, name: str | None, window: str
) -> None:
    since, until = WINDOWS[window]
    got = history.groups(item_id=item, location_id=location, name=name, since=since, until=until)
    assert got == naive_groups(history, item, location, name, since, until)


def test_the_scripted_history_has_the_groups_its_docstring_lists(history: Ledger) -> None:
    assert [(_number(g), g.created_at) for g in history.journal] == [
        (1, at(0)), (2, at(0)), (3, at(60)), (4, at(120)), (5, at(180)), (6, at(3600)),
        (7, at(3601)),
    ]


GROUPS = [
    pytest.param({"item_id": I1}, [1, 5, 6, 7], id="by item"),
    pytest.param({"location_id": L2}, [2, 4, 6, 7], id="by location"),
    pytest.param({"name": "incoming"}, [3, 5], id="by name"),
    pytest.param({"name": "damaged"}, [2], id="by a name one group has"),
    pytest.param({"name": "committed"}, [], id="by a name no group has"),
    pytest.param({"item_id": I1, "location_id": L1, "name": "on_hand"}, [1, 6],
                 id="by item, location and name together"),
    pytest.param({"item_id": I9}, [], id="by an item no group has"),
    pytest.param({"item_id": I3, "name": "incoming"}, [],
                 id="by an item and a name never together"),
    pytest.param({"since": at(60)}, [3, 4, 5, 6, 7], id="since is inclusive"),
    pytest.param({"until": at(60)}, [1, 2], id="until is exclusive"),
    pytest.param({"since": at(120), "until": at(120)}, [], id="an empty range"),
    pytest.param({"since": at(59), "until": at(61)}, [3], id="a range around one instant"),
    pytest.param({"item_id": I2, "since": at(1), "until": at(3600)}, [3, 5],
                 id="by item within a range"),
]


@pytest.mark.parametrize(("filters", "numbers"), GROUPS)
def test_groups_return_the_expected_groups_oldest_first(
    history: Ledger, filters: dict[str, Any], numbers: list[int]
) -> None:
    assert [_number(g) for g in history.groups(**filters)] == numbers


def test_a_group_matches_only_when_one_row_matches_every_key_given() -> None:
    # groups(item, location) is that level's history: a group that changed the item at one
    # location and the location for another item does not belong to it.
    ledger = scripted_history()
    # Group 6 changes item 1 at location 1 and item 3 at location 2; no row of it is
    # item 3 at location 1, or item 1 at location 2.
    assert [_number(g) for g in ledger.groups(item_id=I3, location_id=L1)] == []
    assert [_number(g) for g in ledger.groups(item_id=I1, location_id=L2)] == [7]
    assert [_number(g) for g in ledger.groups(item_id=I3, location_id=L2)] == [4, 6]


def test_time_bounds_in_another_timezone_mean_the_same_instants(history: Ledger) -> None:
    plus_two = timezone(timedelta(hours=2))
    since = at(60).astimezone(plus_two)
    until = at(180).astimezone(plus_two)
    assert [_number(g) for g in history.groups(since=since, until=until)] == [3, 4]


# ---------------------------------------------------------------------- ids and contents


def test_group_ids_count_from_one_and_skip_nothing_for_rejected_or_empty_calls(
    history: Ledger,
) -> None:
    assert [g.id for g in history.journal] == [f"{GROUP_PREFIX}{n}" for n in range(1, 8)]
    assert len(history.journal) == 7
    assert history.journal[0].id == "gid://shopify/InventoryAdjustmentGroup/1"


@pytest.mark.parametrize("ids", [[100, 205, 7], itertools.count(1000, 10)],
                         ids=["a list", "an endless iterator"])
def test_group_ids_are_injectable(ids: Any) -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-01", clock=FakeClock(),
                                  group_ids=ids)
    got = []
    for _ in range(3):
        body = ledger.execute(ADJUST, adjust_input("available", (I1, L1, 1)))
        got.append(body["data"][ADJUST]["inventoryAdjustmentGroup"]["id"])
    expected = [100, 205, 7] if isinstance(ids, list) else [1000, 1010, 1020]
    assert got == [f"{GROUP_PREFIX}{n}" for n in expected]
    assert [g.id for g in ledger.journal] == got


def test_the_payload_and_the_journal_hold_the_same_group() -> None:
    ledger = Ledger.from_snapshot(store(), api_version="2026-01",
                                  clock=FakeClock(datetime(2026, 6, 25, 1, 2, 3, 456, tzinfo=UTC)))
    body = ledger.execute(ADJUST, {"input": {
        "name": "available", "reason": "restock", "referenceDocumentUri": "logistics://r/1",
        "changes": [{"inventoryItemId": I1, "locationId": L1, "delta": 4}]}})
    group = ledger.journal[0]
    payload = body["data"][ADJUST]["inventoryAdjustmentGroup"]
    assert (group.id, group.reason, group.reference_document_uri) == (
        payload["id"], "restock", "logistics://r/1")
    assert group.created_at == datetime(2026, 6, 25, 1, 2, 3, tzinfo=UTC)
    assert [(c.name, c.delta, c.quantity_after_change, c.item_id, c.location_id,
             c.location_name, c.ledger_document_uri) for c in group.changes] == [
        ("available", 4, 9, I1, L1, "Shop location", None),
        ("on_hand", 4, 9, I1, L1, "Shop location", None),
    ]
    assert (group.app, group.staff_member) == (None, None)


def test_an_activation_that_seeds_a_quantity_is_journaled_as_a_correction(
    history: Ledger,
) -> None:
    group = history.journal[6]
    assert group.reason == "correction"
    assert group.reference_document_uri is None
    assert [(c.name, c.delta, c.location_id) for c in group.changes] == [
        ("available", 9, L2), ("on_hand", 9, L2)]


def test_an_activation_without_quantities_records_no_group() -> None:
    ledger = Ledger.from_snapshot(store(), clock=FakeClock())
    ledger.execute("inventoryActivate", {"inventoryItemId": I2, "locationId": L2})
    ledger.execute("inventoryActivate", {"inventoryItemId": I2, "locationId": L1, "available": 0})
    assert len(ledger.journal) == 0


ROWS = [
    pytest.param({}, [("available", I1, L1), ("available", I3, L2), ("on_hand", I1, L1),
                      ("on_hand", I3, L2)], id="no filter"),
    pytest.param({"item_ids": [I3]}, [("available", I3, L2), ("on_hand", I3, L2)],
                 id="by item"),
    pytest.param({"location_ids": [L1, LOCATION.format(9)]},
                 [("available", I1, L1), ("on_hand", I1, L1)], id="by locations"),
    pytest.param({"quantity_names": ["on_hand"]}, [("on_hand", I1, L1), ("on_hand", I3, L2)],
                 id="by name"),
    pytest.param({"item_ids": [I1], "quantity_names": ["available"]}, [("available", I1, L1)],
                 id="by item and name"),
    pytest.param({"item_ids": []}, [], id="by an empty list"),
]


@pytest.mark.parametrize(("filters", "rows"), ROWS)
def test_a_groups_rows_filter_like_shopifys_changes_arguments(
    history: Ledger, filters: dict[str, Any], rows: list[tuple[str, str, str]]
) -> None:
    group = history.journal[5]
    assert [(c.name, c.item_id, c.location_id) for c in group.rows(**filters)] == rows


def test_a_group_is_found_by_its_id_and_an_unknown_id_finds_nothing(history: Ledger) -> None:
    for group in history.journal:
        assert history.journal.get(group.id) == group
    assert history.journal.get(f"{GROUP_PREFIX}999") is None
    assert history.journal.get("not a gid") is None


def _group(number: int, seconds: int, item: str = I1) -> AdjustmentGroup:
    from ledger.core.journal import QuantityChange

    return AdjustmentGroup(
        id=f"{GROUP_PREFIX}{number}", created_at=at(seconds), reason="correction",
        reference_document_uri=None, changes=(QuantityChange(
            name="available", delta=1, quantity_after_change=number, ledger_document_uri=None,
            item_id=item, location_id=L1, location_name="Shop location"),))


def test_appending_a_group_builds_no_index_until_a_read_needs_one() -> None:
    from ledger.core.journal import Journal

    journal = Journal()
    for n in range(1, 4):
        journal.append(_group(n, n))
    segment = journal._segments[-1]
    assert len(segment._by_time) == 0  # nothing indexed yet
    assert segment._by_level == {}
    assert journal.quantity_at(I1, L1, "available", at(2)) == 2
    assert [g.id for g in journal.query(item_id=I1, since=at(2))] == [
        f"{GROUP_PREFIX}2", f"{GROUP_PREFIX}3"]
    journal.append(_group(4, 4, item=I2))  # appended after a read: indexed on the next one
    assert [g.id for g in journal.query(item_id=I2)] == [f"{GROUP_PREFIX}4"]
    journal._check()


def test_a_fork_shares_a_journal_whose_newest_groups_were_never_read() -> None:
    from ledger.core.journal import Journal

    parent = Journal()
    for n in range(1, 4):
        parent.append(_group(n, n))
    child = parent.fork()
    child.append(_group(4, 4))
    parent.append(_group(5, 5, item=I2))
    assert child.quantity_at(I1, L1, "available", at(9)) == 4
    assert parent.quantity_at(I1, L1, "available", at(9)) == 3
    assert [g.id for g in parent.query(item_id=I2)] == [f"{GROUP_PREFIX}5"]
    assert child.query(item_id=I2) == []
    parent._check()
    child._check()


def test_a_group_older_than_the_newest_is_refused_when_appended() -> None:
    from ledger.core.errors import InvariantError
    from ledger.core.journal import Journal

    journal = Journal()
    journal.append(_group(1, 5))
    with pytest.raises(InvariantError, match="out of time order"):
        journal.append(_group(2, 4))


# ---------------------------------------------------------------- groups made flat

def _flat_and_eager() -> tuple[AdjustmentGroup, AdjustmentGroup]:
    rows = (QuantityChange(name="available", delta=2, quantity_after_change=5,
                           ledger_document_uri=None, item_id=I1, location_id=L1,
                           location_name="Shop"),
            QuantityChange(name="on_hand", delta=2, quantity_after_change=9,
                           ledger_document_uri=None, item_id=I1, location_id=L1,
                           location_name="Shop"))
    eager = AdjustmentGroup(id=f"{GROUP_PREFIX}7", created_at=T0, reason="correction",
                            reference_document_uri="sim://1", changes=rows)
    return group_of(flatten(eager)), eager


def test_a_group_made_flat_equals_hashes_prints_and_pickles_as_the_one_built_from_rows() -> None:
    lazy, eager = _flat_and_eager()
    assert lazy._flat is not None
    assert eager._flat is None
    assert repr(lazy) == repr(eager)
    assert hash(group_of(flatten(eager))) == hash(eager)
    assert lazy == eager
    assert eager == group_of(flatten(eager))
    assert pickle.loads(pickle.dumps(group_of(flatten(eager)))) == eager  # noqa: S301 - our own bytes
    assert copy.deepcopy(group_of(flatten(eager))) == eager
    assert attrs.evolve(group_of(flatten(eager)), reason="damaged") == attrs.evolve(
        eager, reason="damaged")


def test_a_group_made_flat_builds_its_rows_once_and_keeps_the_tuple_it_was_made_of() -> None:
    lazy, eager = _flat_and_eager()
    flat = flatten(eager)
    assert flatten(group_of(flat)) is flat
    first = lazy.changes
    assert first is lazy.changes
    assert first == eager.changes
    assert lazy.rows(quantity_names=["on_hand"]) == eager.rows(quantity_names=["on_hand"])
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        lazy.nonsense  # type: ignore[attr-defined]  # the point of the test  # noqa: B018


def test_a_group_fills_its_rows_through_a_descriptor_and_has_no_getattr_hook() -> None:
    # A ``__getattr__`` would send every attribute read of every group through CPython's
    # slow hook; the rows are filled by the ``changes`` descriptor instead.
    assert not hasattr(AdjustmentGroup, "__getattr__")
    lazy, eager = _flat_and_eager()
    assert lazy.changes == eager.changes
    assert "changes" in {f.name for f in attrs.fields(AdjustmentGroup)}
    bare = object.__new__(AdjustmentGroup)  # neither rows nor a flat tuple: nothing to build
    object.__setattr__(bare, "_flat", None)
    with pytest.raises(AttributeError):
        bare.changes  # noqa: B018 - the read is the point


def test_a_group_made_flat_leaves_app_and_staff_member_unset_and_reads_them_as_none() -> None:
    lazy, eager = _flat_and_eager()
    slot = AdjustmentGroup.__dict__["app"]._slot
    with pytest.raises(AttributeError):
        slot.__get__(lazy, AdjustmentGroup)  # unset: a frozen slot set saved per group
    assert (lazy.app, lazy.staff_member) == (eager.app, eager.staff_member) == (None, None)
    public = attrs.filters.exclude(attrs.fields(AdjustmentGroup)._flat)
    assert (attrs.asdict(lazy, recurse=False, filter=public)
            == attrs.asdict(eager, recurse=False, filter=public))
    assert {"app", "staff_member"} <= {f.name for f in attrs.fields(AdjustmentGroup)}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        lazy.app = None  # type: ignore[misc]  # the point of the test


def test_the_durable_codec_stores_a_group_made_flat_as_the_one_built_from_rows() -> None:
    lazy, eager = _flat_and_eager()
    assert encode_value(lazy) == encode_value(eager)
    assert "flat" not in str(encode_value(lazy))
    assert decode_value(encode_value(lazy)) == eager


def test_the_groups_a_ledger_records_and_hands_out_are_made_flat_and_read_the_same() -> None:
    ledger = scripted_history()
    for group in ledger.journal:
        assert group._flat is not None
        rebuilt = AdjustmentGroup(id=group.id, created_at=group.created_at,
                                  reason=group.reason,
                                  reference_document_uri=group.reference_document_uri,
                                  changes=tuple(attrs.evolve(c) for c in group.changes))
        assert rebuilt == group
