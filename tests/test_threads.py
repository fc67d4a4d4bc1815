"""Threads: a shared ledger applies every call atomically, and a keyed call only once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ledger import AdjustChange, ErrorCode, Ledger, SetQuantity

ITEM = "gid://shopify/InventoryItem/1"
LOCATION = "gid://shopify/Location/1"


def _ledger(**options: object) -> Ledger:
    return Ledger.from_snapshot({
        "locations": [{"id": LOCATION, "name": "Shop location"}],
        "inventoryItems": [{"id": ITEM}],
        "inventoryLevels": [{"inventoryItemId": ITEM, "locationId": LOCATION,
                             "quantities": {"available": 0}}],
    }, "2026-04", **options)  # type: ignore[arg-type]


def test_compare_and_swap_increments_from_many_threads_all_land_exactly_once() -> None:
    ledger = _ledger()
    threads, increments = 8, 150
    conflicts = [0] * threads

    def worker(n: int) -> None:
        for i in range(increments):
            while True:
                seen = ledger.quantities(ITEM, LOCATION)["available"]
                result = ledger.set(
                    name="available", reason="correction", idempotency_key=f"t{n}-{i}-{seen}",
                    quantities=[SetQuantity(item_id=ITEM, location_id=LOCATION,
                                            quantity=seen + 1, change_from_quantity=seen)])
                if result.ok:
                    break
                assert [e.code for e in result.user_errors] == [
                    ErrorCode.CHANGE_FROM_QUANTITY_STALE]
                conflicts[n] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert ledger.quantities(ITEM, LOCATION)["available"] == threads * increments
    assert len(ledger.journal) == threads * increments
    ledger._check()


def test_adjustments_from_many_threads_sum_exactly() -> None:
    ledger = _ledger()

    def worker(n: int) -> None:
        for i in range(200):
            assert ledger.adjust(
                name="available", reason="correction", idempotency_key=f"a{n}-{i}",
                changes=[AdjustChange(item_id=ITEM, location_id=LOCATION, delta=1,
                                      change_from_quantity=None)]).ok

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert ledger.quantities(ITEM, LOCATION)["available"] == 1200
    assert len(ledger.oplog) == 1200
    ledger._check()


def test_concurrent_duplicates_of_one_keyed_call_apply_once_and_the_rest_are_told_so() -> None:
    entered = threading.Event()
    release = threading.Event()
    first_call = threading.get_ident()

    def slow_clock() -> datetime:
        # The first call holds its key while it waits here; the duplicates arrive meanwhile.
        if threading.get_ident() != first_call and not entered.is_set():
            entered.set()
            release.wait(timeout=10)
        return datetime(2026, 6, 1, tzinfo=UTC)

    ledger = _ledger(clock=slow_clock)
    change = [AdjustChange(item_id=ITEM, location_id=LOCATION, delta=5,
                           change_from_quantity=None)]
    results: dict[str, object] = {}

    def call(name: str) -> None:
        results[name] = ledger.adjust(name="available", reason="correction", changes=change,
                                      idempotency_key="order-42")

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert entered.wait(timeout=10)
    duplicates = [threading.Thread(target=call, args=(f"dup{n}",)) for n in range(5)]
    for t in duplicates:
        t.start()
    for t in duplicates:
        t.join(timeout=10)
        assert not t.is_alive(), "a duplicate waited for the first call instead of answering"
    release.set()
    first.join(timeout=10)
    for n in range(5):
        dup = results[f"dup{n}"]
        assert [e.code for e in dup.user_errors] == [  # type: ignore[attr-defined]
            ErrorCode.IDEMPOTENCY_CONCURRENT_REQUEST]
    assert results["first"].ok  # type: ignore[attr-defined]
    assert ledger.quantities(ITEM, LOCATION)["available"] == 5
    # Once the first call is done, the key replays: still one application.
    again = ledger.adjust(name="available", reason="correction", changes=change,
                          idempotency_key="order-42")
    assert again.ok
    assert again.replayed
    assert ledger.quantities(ITEM, LOCATION)["available"] == 5
    assert len(ledger.journal) == 1
    ledger._check()


def test_reads_during_writes_never_see_a_torn_state() -> None:
    ledger = _ledger()
    stop = threading.Event()
    problems: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            snap = ledger.snapshot()
            for level in snap["inventoryLevels"]:
                q = level["quantities"]
                if q["available"] + q["damaged"] != 100:
                    problems.append(f"torn: {q}")

    ledger.adjust(name="available", reason="correction", idempotency_key="seed",
                  changes=[AdjustChange(item_id=ITEM, location_id=LOCATION, delta=100,
                                        change_from_quantity=None)])
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    from ledger import MoveChange, MoveTerminal
    for i in range(300):
        src, dst = ("available", "damaged") if i % 2 == 0 else ("damaged", "available")
        assert ledger.move(reason="damaged", reference_document_uri="logistics://m/1",
                           idempotency_key=f"m{i}", changes=[MoveChange(
                               item_id=ITEM, quantity=3,
                               from_=MoveTerminal(location_id=LOCATION, name=src,
                                                  change_from_quantity=None,
                                                  ledger_document_uri=None if src == "available"
                                                  else "logistics://m/1/d"),
                               to=MoveTerminal(location_id=LOCATION, name=dst,
                                               change_from_quantity=None,
                                               ledger_document_uri=None if dst == "available"
                                               else "logistics://m/1/d"))]).ok
    stop.set()
    for t in readers:
        t.join()
    assert problems == []
