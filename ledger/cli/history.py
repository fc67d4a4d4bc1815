"""``ledger history``, ``show`` and ``verify``: read a store's past from a snapshot and its log.

Both load the starting snapshot, replay the operation log written by ``ledger apply
--journal-out`` (or ``Ledger.export_oplog``) onto it, then answer from the journal's sorted
indices:

* ``ledger history --state S --journal LOG [--item I] [--location L] [--name N]
  [--since T] [--until T] [--json]`` lists every quantity change matching the filters, oldest
  first;
* ``ledger show --state S [--journal LOG] [--at T] [--item I] [--location L] [--json]``
  prints the quantities of every level (or the chosen ones) as they were at ``T`` (default:
  after the last operation).

* ``ledger verify --state S --journal LOG [--against SNAPSHOT]`` replays and recomputes
  every level (``ledger.verify``), exit 1 if anything differs.

``--journal`` may also name a durable store (``ledger apply --journal DIR``); its initial
snapshot is then the default ``--state``.

Ids may be given whole (``gid://shopify/InventoryItem/101``) or as their number (``101``).
Exit 0 on success, 2 on unusable input (naming the file and line or entry).

The cli layer: ``ledger.cli.app`` registers this command; what it shares with the others
is in ``ledger.cli.common``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ledger.api import Ledger
from ledger.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    PlanClock,
    UnusableInputError,
    parse_time,
    read_json,
    short,
    write_json,
)
from ledger.core.errors import LedgerError
from ledger.core.model import ITEM_PREFIX, LOCATION_PREFIX
from ledger.core.quantities import API_NAMES
from ledger.core.versions import DEFAULT, SUPPORTED
from ledger.shopify.codec import timestamp


def _gid(value: str | None, prefix: str) -> str | None:
    if value is None:
        return None
    return prefix + value if value.isdigit() else value


def sources(state: str | None, journal: str | None) -> tuple[Any, str | None]:
    """Return the starting snapshot and the log file for ``--state`` and ``--journal``.

    ``--journal`` may name a log file or a durable store (a directory made by
    ``ledger apply --journal`` or ``Ledger.open``): then its ``journal.jsonl`` is the log and,
    unless ``--state`` is given, the snapshot its journal starts from (its base: the initial
    state, for a store never rebased) is the starting state.
    """
    log = journal
    start: Any = None
    if journal is not None and Path(journal).is_dir():
        from ledger.store import durable

        log = str(Path(journal) / durable.JOURNAL)
        if state is None:
            start = _open_store(journal, None)[1]
    if start is None:
        if state is None:
            raise UnusableInputError("--state is required unless --journal names a store")
        start = read_json(Path(state))
    return start, log


def _open_store(journal: str, api_version: str | None,
                clock: Any = None) -> tuple[Ledger, dict[str, Any]]:
    """Open a durable store read-only and whole; return it and the snapshot body it starts from.

    Nothing is written to the store, however damaged (read-only media and stores another
    process is writing are fine). What opening finds (a torn last record of a store being
    written, a skipped snapshot) is printed to stderr as a note; damage that would need a
    repair is unusable input.
    """
    from ledger.api import open_ledger
    from ledger.store import durable

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ledger = open_ledger(journal, read_only=True, full_replay=True,
                                         clock=clock, api_version=api_version)
        except FileNotFoundError:
            raise UnusableInputError(f"{journal}: no durable store there") from None
        except (OSError, ValueError, LedgerError) as e:
            raise UnusableInputError(f"{journal}: {e}") from None
    for warning in caught:
        print(f"note: {warning.message}", file=sys.stderr)
    base = ledger.report.snapshot_seq if ledger.report is not None else 0
    try:
        body = durable.read_snapshot(Path(journal) / f"snapshot-{base}.json")
    except (OSError, ValueError) as e:
        raise UnusableInputError(f"{journal}: cannot read its base snapshot ({e})") from None
    return ledger, body


def load(state: str | None, journal: str | None, api_version: str | None) -> Ledger:
    """Return the ledger of the starting snapshot with the log replayed (see ``sources``)."""
    from ledger.store import oplog

    clock = PlanClock(datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
    if state is None and journal is not None and Path(journal).is_dir():
        return _open_store(journal, api_version, clock)[0]
    start, log = sources(state, journal)
    head: dict[str, Any] = {"apiVersion": api_version or DEFAULT}
    records: list[oplog.OpRecord] = []
    if log is not None:
        try:
            with oplog.open_text(log) as f:
                head, records = oplog.read(f)
        except OSError as e:
            raise UnusableInputError(f"{log}: cannot read the log ({e})") from None
        except (ValueError, UnicodeDecodeError) as e:
            raise UnusableInputError(f"{log}: {e}") from None
    try:
        ledger = Ledger.from_snapshot(start, api_version or head["apiVersion"], clock)
    except ValueError as e:
        raise UnusableInputError(f"{state or journal}: {e}") from None
    try:
        ledger.replay(records)
    except ValueError as e:
        raise UnusableInputError(f"{log}: does not replay onto the snapshot: {e}") from None
    return ledger


def _history(args: argparse.Namespace, out: TextIO) -> int:
    ledger = load(args.state, args.journal, args.api_version)
    item = _gid(args.item, ITEM_PREFIX)
    location = _gid(args.location, LOCATION_PREFIX)
    _known(ledger, item, location)
    if args.name is not None and args.name not in API_NAMES:
        raise UnusableInputError(f"--name {args.name!r} is not a quantity name; names are "
                                 + ", ".join(API_NAMES))
    since = parse_time(args.since, "--since") if args.since else None
    until = parse_time(args.until, "--until") if args.until else None
    rows = ledger.history(item_id=item, location_id=location, name=args.name, since=since,
                          until=until)
    if args.json:
        write_json([r.to_json() for r in rows], out)
        return EXIT_OK
    table: list[tuple[str, ...]] = [
        ("time", "group", "reason", "item", "location", "quantity", "delta", "after")]
    table += [
        (timestamp(r.at) or "", short(r.group_id), r.reason, short(r.item_id),
         short(r.location_id), r.name, f"{r.delta:+d}", str(r.quantity_after_change))
        for r in rows
    ]
    _print_table(table, out, numeric_from=6)
    print(f"\n{len(rows)} change(s).", file=out)
    return EXIT_OK


def _show(args: argparse.Namespace, out: TextIO) -> int:
    ledger = load(args.state, args.journal, args.api_version)
    item = _gid(args.item, ITEM_PREFIX)
    location = _gid(args.location, LOCATION_PREFIX)
    at = parse_time(args.at, "--at") if args.at else None
    _known(ledger, item, location)
    levels: list[dict[str, Any]] = []
    for entry in ledger.snapshot()["inventoryLevels"]:
        i, loc = entry["inventoryItemId"], entry["locationId"]
        if (item is not None and i != item) or (location is not None and loc != location):
            continue
        q = (ledger.quantities_at(i, loc, at) if at is not None else ledger.quantities(i, loc))
        levels.append({"inventoryItemId": i, "locationId": loc, "quantities": q})
    if args.json:
        write_json({"at": args.at, "levels": levels}, out)
        return EXIT_OK
    names = list(API_NAMES)
    table: list[tuple[str, ...]] = [("item", "location", *names)]
    table += [(short(lv["inventoryItemId"]), short(lv["locationId"]),
               *(str(lv["quantities"][n]) for n in names)) for lv in levels]
    print(f"Quantities {'as of ' + args.at if args.at else 'now'}:", file=out)
    _print_table(table, out, numeric_from=2)
    return EXIT_OK


def _known(ledger: Ledger, item: str | None, location: str | None) -> None:
    """Refuse an item or location the store does not have (a typo, not an empty history)."""
    if item is not None and not ledger.has_item(item):
        raise UnusableInputError(f"unknown inventory item {item!r}")
    if location is not None and ledger.location(location) is None:
        raise UnusableInputError(f"unknown location {location!r}")


def _print_table(table: list[tuple[str, ...]], out: TextIO, *, numeric_from: int) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for n, row in enumerate(table):
        cells = [c.rjust(w) if j >= numeric_from else c.ljust(w)
                 for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  " + "  ".join(cells).rstrip(), file=out)
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    from ledger.store import oplog
    from ledger.store.verify import verify

    expected = read_json(Path(args.against)) if args.against else None
    if expected is not None:
        try:
            Ledger.from_snapshot(expected)
        except ValueError as e:
            raise UnusableInputError(f"{args.against}: {e}") from None
    if args.state is None and Path(args.journal).is_dir():
        # A store: its journal from its base snapshot, checked as opening checks it.
        store, start = _open_store(args.journal, args.api_version)
        records, version = store.oplog, store.api_version
    else:
        start, log = sources(args.state, args.journal)
        try:
            with oplog.open_text(str(log)) as f:
                head, records = oplog.read(f)
        except OSError as e:
            raise UnusableInputError(f"{log}: cannot read the log ({e})") from None
        except (ValueError, UnicodeDecodeError) as e:
            raise UnusableInputError(f"{log}: {e}") from None
        version = args.api_version or head["apiVersion"]
    try:
        report = verify(start, records, api_version=version, expected=expected)
    except ValueError as e:
        raise UnusableInputError(f"{args.state or args.journal}: {e}") from None
    if args.json:
        write_json({"ok": report.ok, "records": report.records, "levels": report.levels,
                    "rows": report.rows, "problems": list(report.problems)}, out)
    else:
        for problem in report.problems:
            print(f"- {problem}", file=out)
        verdict = "verified" if report.ok else f"{len(report.problems)} difference(s)"
        print(f"{report.records} record(s) replayed, {report.levels} level(s) and "
              f"{report.rows} journal row(s) checked: {verdict}.", file=out)
    return EXIT_OK if report.ok else EXIT_FAILED


def _source_arguments(p: argparse.ArgumentParser, *, journal_required: bool) -> None:
    """Add the arguments every reading command shares: where the history comes from."""
    p.add_argument("--state", help="the starting snapshot (JSON file; default: the "
                   "initial snapshot of the durable store --journal names)")
    p.add_argument("--journal", required=journal_required,
                   help="operation log ('ledger apply --journal-out') or durable store")
    p.add_argument("--api-version", choices=SUPPORTED, help="default: the log's")
    p.add_argument("--json", action="store_true", help="print JSON instead")


def _level_filters(p: argparse.ArgumentParser) -> None:
    """Add ``--item`` and ``--location``, which narrow a command to some levels."""
    p.add_argument("--item", help="only this inventory item (gid or number)")
    p.add_argument("--location", help="only this location (gid or number)")


def register(subparsers: Any) -> None:
    """Add ``history``, ``show`` and ``verify`` to the ``ledger`` command's subparsers."""
    text = "list the quantity changes of a snapshot plus its operation log"
    p = subparsers.add_parser("history", help=text, description=text)
    _source_arguments(p, journal_required=True)
    _level_filters(p)
    p.add_argument("--name", help="only this quantity name")
    p.add_argument("--since", help="only changes at or after this ISO 8601 time")
    p.add_argument("--until", help="only changes before this ISO 8601 time")
    p.set_defaults(handler=_history)
    text = "print quantities as they were at a time (time travel)"
    p = subparsers.add_parser("show", help=text, description=text)
    _source_arguments(p, journal_required=False)
    p.add_argument("--at", help="ISO 8601 time (default: now, after the whole log)")
    _level_filters(p)
    p.set_defaults(handler=_show)
    text = "replay a log onto its snapshot and recompute every level; report any difference"
    p = subparsers.add_parser("verify", help=text, description=text)
    _source_arguments(p, journal_required=True)
    p.add_argument("--against", help="a snapshot the result must equal (e.g. apply's --out)")
    p.set_defaults(handler=_verify)
