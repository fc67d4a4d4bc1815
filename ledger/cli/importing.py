"""``ledger import``: a snapshot of the live store, from a Shopify bulk operation's output.

* ``ledger import --print-query [--api-version V] [--locations] [--mutation]`` prints the
  bulk query to run (``--locations``: the one exporting every location, for locations that
  stock nothing; ``--mutation``: the whole ``bulkOperationRunQuery`` mutation that starts it);
* ``ledger import FILE [FILE] --out SNAPSHOT`` reads the JSON Lines file(s) the finished
  operations' ``url`` gives and writes the snapshot (interface format) that ``check``,
  ``apply``, ``--journal`` and ``Ledger.from_snapshot`` take.

A line that cannot be read is exit 2 naming its number; the snapshot is written (atomically,
see ``ledger.cli.common.write_atomically``) only once every line has been read and the result loads
as a snapshot. See ``ledger.store.bulk_import`` for the format and the choices made.

The cli layer: ``ledger.cli.app`` registers this command; what it shares with the others
is in ``ledger.cli.common``.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from ledger.api import Ledger
from ledger.cli.common import EXIT_OK, UnusableInputError, check_target, write_atomically
from ledger.core.versions import DEFAULT, SUPPORTED
from ledger.store import bulk_import


def command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``ledger import``; return its exit status."""
    if args.print_query:
        if args.files or args.out is not None:
            raise UnusableInputError("--print-query prints the query and reads no file: give "
                                     "either --print-query or FILE --out SNAPSHOT")
        text = (bulk_import.locations_query() if args.locations
                else bulk_import.query(args.api_version))
        out.write(bulk_import.mutation(text) if args.mutation else text)
        return EXIT_OK
    if args.mutation or args.locations:
        raise UnusableInputError("--mutation and --locations go with --print-query")
    if not args.files:
        raise UnusableInputError("import needs FILE (the bulk operation's JSON Lines output) "
                                 "and --out, or --print-query")
    if args.out is None:
        raise UnusableInputError("import needs --out: where to write the snapshot")
    target = Path(args.out)
    check_target(target, "the snapshot", replaced=True)
    with ExitStack() as stack:
        sources = []
        for name in args.files:
            if name == "-":  # a download piped in: curl -s "$URL" | ledger import - --out s.json
                sources.append(("<stdin>", sys.stdin.buffer))
                continue
            try:
                sources.append((name, stack.enter_context(Path(name).open("rb"))))
            except OSError as e:
                raise UnusableInputError(f"{name}: cannot read the bulk output ({e})") from None
        try:
            found = bulk_import.read_named(sources)
        except OSError as e:
            raise UnusableInputError(f"cannot read the bulk output ({e})") from None
        except bulk_import.BulkFormatError as e:
            raise UnusableInputError(str(e)) from None
    try:
        Ledger.from_snapshot(found.snapshot, api_version=args.api_version)
    except ValueError as e:  # pragma: no cover - a guard: read checks every rule of a snapshot
        raise UnusableInputError(f"the store the bulk output describes does not load: "
                                 f"{e}") from None
    try:
        write_atomically(target, json.dumps(found.snapshot, indent=2) + "\n")
    except OSError as e:
        raise UnusableInputError(f"{target}: cannot write the snapshot ({e})") from None
    for warning in found.warnings:
        print(f"warning: {warning}", file=out)
    print(f"Read {found.lines} line(s) of {', '.join(args.files)}: {found.items} inventory "
          f"item(s), {found.levels} level(s) at {found.locations} location(s).", file=out)
    print(f"Wrote the snapshot to {target}.", file=out)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``import`` to the ``ledger`` command's subparsers."""
    text = "make a snapshot of a live store from a Shopify bulk operation's JSON Lines output"
    p = subparsers.add_parser("import", help=text, description=text)
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="the JSON Lines output of a finished bulkOperationRunQuery of the query "
                   "--print-query prints (and, to keep locations that stock nothing, of the "
                   "one --print-query --locations prints); '-' reads standard input")
    p.add_argument("--out", metavar="SNAPSHOT", help="where to write the snapshot (JSON)")
    p.add_argument("--print-query", action="store_true",
                   help="print the bulk query to run, and read nothing")
    p.add_argument("--locations", action="store_true",
                   help="with --print-query: print the query that exports every location")
    p.add_argument("--mutation", action="store_true",
                   help="with --print-query: print the whole bulkOperationRunQuery mutation")
    p.add_argument("--api-version", default=DEFAULT, choices=SUPPORTED,
                   help=f"API version the query is for (default {DEFAULT}); from 2026-04 it "
                   "also exports inactive levels")
    p.set_defaults(handler=command)
