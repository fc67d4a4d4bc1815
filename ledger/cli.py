"""The command line: validate a plan of Shopify calls offline, or apply it to a snapshot.

``ledger check PLAN --state SNAPSHOT`` runs every request of PLAN (JSON Lines, one request a
line: ``{"operation": ..., "variables": ..., "idempotencyKey": ...}``) on the snapshot in
memory, prints each request's outcome and a table of every quantity that would change, and
exits 0 when every request would succeed, 1 when any would fail, 2 on unusable input.
``ledger apply`` does the same and writes the resulting snapshot to ``--out``.

A plan line may also carry ``"at": "<ISO 8601 time>"`` to set the ledger's clock for that
request (for idempotency windows and ``createdAt``); the clock never goes backwards. Without
it the clock stays at ``--at`` (default: the current UTC time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ledger import oplog
from ledger.api import Ledger

if TYPE_CHECKING:
    from ledger.durable import DurableLedger
from ledger.errors import OPERATIONS, STOCKING_MUTATIONS, LedgerError, brief
from ledger.versions import DEFAULT, SUPPORTED

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
_REQUEST_KEYS = frozenset({"operation", "variables", "idempotencyKey", "at"})
#: JSON's whitespace (RFC 8259 §2): a line of only these is blank; str.strip would also
#: take U+2028, \x1c and the like, which are no whitespace in JSON.
_JSON_SPACE = " \t\r"


class UnusableInputError(LedgerError):
    """The plan or the snapshot cannot be used; the message says where and why."""


@dataclass
class Request:
    """One line of a plan."""

    line: int
    operation: str
    variables: dict[str, Any]
    idempotency_key: str | None
    at: datetime | None


@dataclass
class Outcome:
    """What one request did: applied, no-op, replayed, failed (user errors) or rejected."""

    request: Request
    status: str
    response: dict[str, Any]
    problems: list[str] = field(default_factory=list)


class _PlanClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _parse_time(text: object, where: str) -> datetime:
    if not isinstance(text, str):
        raise UnusableInputError(f"{where}: a time must be an ISO 8601 string, not {brief(text)}")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UnusableInputError(f"{where}: {brief(text)} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise UnusableInputError(f"{where}: {brief(text)} has no time zone (add Z or +00:00)")
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise UnusableInputError(f"{where}: {brief(text)} is out of range once converted to UTC "
                                 "(years 1 to 9999)") from None


def read_plan(path: Path) -> list[Request]:
    """Read a JSON Lines plan; ``UnusableInputError`` naming the line for anything malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UnusableInputError(f"{path}: cannot read the plan ({e})") from None
    requests = []
    # Lines end at "\n" only: str.splitlines also splits at U+2028, U+2029 and U+0085, which
    # a JSON string may hold unescaped, and at \x1c-\x1e, \x0b and \x0c.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip(_JSON_SPACE):
            continue
        where = f"{path}:{number}"
        try:
            entry = oplog.loads(raw)
        except json.JSONDecodeError as e:
            raise UnusableInputError(
                f"{where}: invalid JSON at column {e.colno} ({e.msg})"
            ) from None
        except RecursionError:
            raise UnusableInputError(f"{where}: JSON nested too deeply to read") from None
        if not isinstance(entry, dict):
            raise UnusableInputError(f"{where}: a request must be a JSON object")
        extra = sorted(set(entry) - _REQUEST_KEYS)
        if extra:
            raise UnusableInputError(f"{where}: unknown key(s) {', '.join(map(brief, extra))}; "
                                "a request has operation, variables, idempotencyKey and at")
        operation = entry.get("operation")
        if operation not in OPERATIONS:
            raise UnusableInputError(f"{where}: operation must be one of {', '.join(OPERATIONS)}, "
                                f"not {brief(operation)}")
        variables = entry.get("variables", {})
        if not isinstance(variables, dict):
            raise UnusableInputError(f"{where}: variables must be a JSON object")
        key = entry.get("idempotencyKey")
        if key is not None and not isinstance(key, str):
            raise UnusableInputError(f"{where}: idempotencyKey must be a string or null")
        at = _parse_time(entry["at"], where) if entry.get("at") is not None else None
        requests.append(Request(number, operation, variables, key, at))
    return requests


def read_json(path: Path) -> Any:
    """Read a snapshot JSON file; ``UnusableInputError`` naming the file and where it breaks."""
    try:
        return oplog.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise UnusableInputError(f"{path}: cannot read the snapshot ({e})") from None
    except json.JSONDecodeError as e:
        raise UnusableInputError(
            f"{path}: invalid JSON at line {e.lineno}, column {e.colno} ({e.msg})"
        ) from None
    except RecursionError:
        raise UnusableInputError(f"{path}: JSON nested too deeply to read") from None


def read_snapshot(path: Path, api_version: str, clock: _PlanClock) -> Ledger:
    """Load a snapshot file into a ledger; ``UnusableInputError`` naming the problem."""
    data = read_json(path)
    try:
        return Ledger.from_snapshot(data, api_version=api_version, clock=clock)
    except ValueError as e:
        raise UnusableInputError(f"{path}: {e}") from None


def _outcome(request: Request, body: dict[str, Any]) -> Outcome:
    if "errors" in body:
        problems = [
            f"{e.get('extensions', {}).get('code', 'ERROR')}: {e.get('message')}"
            for e in body["errors"]
        ]
        return Outcome(request, "rejected", body, problems)
    payload = body["data"][request.operation]
    errors = payload.get("userErrors", [])
    if errors:
        problems = []
        for e in errors:
            where = ".".join(e["field"]) if e.get("field") else "(no field)"
            code = e.get("code") or "ERROR"
            problems.append(f"{code} at {where}: {e['message']}")
        return Outcome(request, "failed", body, problems)
    group = payload.get("inventoryAdjustmentGroup")
    if request.operation in STOCKING_MUTATIONS:
        return Outcome(request, "applied", body)
    return Outcome(request, "applied" if group is not None else "no-op", body)


def run_plan(ledger: Ledger, clock: _PlanClock, plan: Sequence[Request]) -> list[Outcome]:
    """Execute every request of ``plan`` in order and classify what each did.

    A request whose group was already reported is an idempotent replay: it succeeds and
    applies nothing again, and is reported as ``replayed``.
    """
    outcomes = []
    seen_groups: set[str] = set()
    for request in plan:
        if request.at is not None and request.at > clock.now:
            clock.now = request.at
        body = ledger.execute(request.operation, request.variables,
                              idempotency_key=request.idempotency_key)
        outcome = _outcome(request, body)
        group = _group(outcome)
        if group is not None:
            if group["id"] in seen_groups:
                outcome.status = "replayed"
            seen_groups.add(group["id"])
        outcomes.append(outcome)
    return outcomes


def _group(outcome: Outcome) -> dict[str, Any] | None:
    payload = (outcome.response.get("data") or {}).get(outcome.request.operation)
    if isinstance(payload, dict):
        group = payload.get("inventoryAdjustmentGroup")
        return group if isinstance(group, dict) else None
    return None


def _levels(snapshot: dict[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
    out = {}
    for level in snapshot["inventoryLevels"]:
        q = dict(level["quantities"])
        q["on_hand"] = sum(v for k, v in q.items() if k != "incoming")
        out[(level["inventoryItemId"], level["locationId"])] = q
    return out


def changed_quantities(
    before: dict[str, Any], after: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return every (item, location, name) whose quantity differs between two snapshots."""
    old, new = _levels(before), _levels(after)
    rows = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key, {}), new.get(key, {})
        for name in sorted(set(was) | set(now)):
            a, b = was.get(name, 0), now.get(name, 0)
            if a != b:
                rows.append({"inventoryItemId": key[0], "locationId": key[1], "name": name,
                             "before": a, "after": b})
    return rows


def _short(gid: str) -> str:
    return gid.removeprefix("gid://shopify/")


def _print_report(outcomes: list[Outcome], changes: list[dict[str, Any]], out: TextIO) -> None:
    width = max((len(o.request.operation) for o in outcomes), default=0)
    for n, o in enumerate(outcomes, start=1):
        label = {"applied": "applied", "no-op": "no-op", "failed": "FAILED",
                 "rejected": "REJECTED", "replayed": "replayed"}[o.status]
        detail = ""
        group = _group(o)
        if o.status == "replayed":
            detail = "  (idempotent replay: nothing applied again)"
        elif group is not None:
            rows = group["changes"]
            detail = f"  ({len(rows)} row{'s' if len(rows) != 1 else ''})"
        print(f"#{n:<3} line {o.request.line:<4} {o.request.operation:<{width}}  {label}{detail}",
              file=out)
        for problem in o.problems:
            print(f"       - {printable(problem)}", file=out)
    failed = sum(o.status in ("failed", "rejected") for o in outcomes)
    print(file=out)
    print(f"{len(outcomes)} request(s): {len(outcomes) - failed} would succeed, "
          f"{failed} would fail.", file=out)
    print(file=out)
    if not changes:
        print("No quantity would change.", file=out)
        return
    header = ("item", "location", "quantity", "before", "after", "change")
    table = [header] + [
        (_short(c["inventoryItemId"]), _short(c["locationId"]), c["name"], str(c["before"]),
         str(c["after"]), f"{c['after'] - c['before']:+d}")
        for c in changes
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print("Quantities that would change:", file=out)
    for i, row in enumerate(table):
        cells = [cell.ljust(w) if j < 3 else cell.rjust(w)
                 for j, (cell, w) in enumerate(zip(row, widths, strict=True))]
        print("  " + "  ".join(cells).rstrip(), file=out)
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)


def write_json(value: object, out: TextIO) -> None:
    """Print ``value`` as RFC 8259 JSON (indented), whole or not at all.

    ``allow_nan=False``: ``json.dump`` would otherwise write ``NaN``, which is no JSON. The
    codec's bodies never hold one (``ledger.shopify.echo``), so a ``ValueError`` here is a
    bug; the text is built before anything is written, so the reader never gets half a report.
    """
    out.write(json.dumps(value, indent=2, allow_nan=False) + "\n")


def printable(text: str) -> str:
    """Return ``text`` with lone surrogates (``"\\ud800"`` in a plan) escaped, so it prints."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    # Write beside the target and rename, so a crash never leaves half a snapshot.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(snapshot, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _command(args: argparse.Namespace, out: TextIO) -> int:
    start = _parse_time(args.at, "--at") if args.at else datetime.now(UTC).replace(microsecond=0)
    clock = _PlanClock(start)
    if args.command == "apply" and not args.out and not args.journal:
        raise UnusableInputError("apply needs --out (or --journal naming a durable store)")
    plan = read_plan(Path(args.plan))
    store = _open_store(args, clock) if args.journal else None
    ledger: Ledger
    if store is not None:
        # check writes nothing: it runs on an in-memory fork of the store.
        ledger = store.fork() if args.command == "check" else store
    elif args.state is None:
        raise UnusableInputError("--state is required (or --journal naming a durable store)")
    else:
        ledger = read_snapshot(Path(args.state), args.api_version, clock)
    try:
        before = ledger.snapshot()
        outcomes = run_plan(ledger, clock, plan)
        after = ledger.snapshot()
    finally:
        if store is not None:
            store.close()
    return _finish(args, ledger, outcomes, before, after, out)


def _open_store(args: argparse.Namespace, clock: _PlanClock) -> DurableLedger:
    """Open (or create from ``--state``) the durable store ``--journal`` names."""
    from ledger.durable import open_ledger

    initial = read_json(Path(args.state)) if args.state is not None else None
    try:
        return open_ledger(args.journal, snapshot=initial, clock=clock, fsync=args.fsync,
                           api_version=args.api_version)
    except FileNotFoundError:
        raise UnusableInputError(f"{args.journal}: no durable store there; give --state to "
                                 "create one") from None
    except (OSError, ValueError, LedgerError) as e:
        raise UnusableInputError(f"{args.journal}: {e}") from None


def _finish(args: argparse.Namespace, ledger: Ledger, outcomes: list[Outcome],
            before: dict[str, Any], after: dict[str, Any], out: TextIO) -> int:
    changes = changed_quantities(before, after)
    ok = all(o.status in ("applied", "no-op", "replayed") for o in outcomes)
    if args.command == "apply" and args.out:
        try:
            _write_snapshot(Path(args.out), after)
        except OSError as e:
            raise UnusableInputError(f"{args.out}: cannot write the snapshot ({e})") from None
    if args.journal_out:
        try:
            ledger.export_oplog(args.journal_out)
        except OSError as e:
            raise UnusableInputError(f"{args.journal_out}: cannot write the log ({e})") from None
    if args.json:
        write_json({
            "ok": ok,
            "apiVersion": args.api_version,
            "requests": [
                {"line": o.request.line, "operation": o.request.operation, "outcome": o.status,
                 "problems": o.problems, "response": o.response}
                for o in outcomes
            ],
            "changes": changes,
        }, out)
    else:
        _print_report(outcomes, changes, out)
        if args.command == "apply" and args.out:
            print(f"\nWrote the resulting snapshot to {args.out}.", file=out)
        if args.command == "apply" and args.journal:
            print(f"\nJournalled every call to the durable store {args.journal}.", file=out)
    return EXIT_OK if ok else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``ledger`` command."""
    parser = argparse.ArgumentParser(
        prog="ledger",
        description="Shopify's inventory quantity semantics, offline: check a plan of "
        "calls against a snapshot before sending it.",
    )
    parser.add_argument("--version", action="version", version="ledger 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("check", "run PLAN on the snapshot in memory and report; writes nothing"),
        ("apply", "run PLAN on the snapshot and write the resulting snapshot to --out"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("plan", help="JSON Lines file, one request a line")
        p.add_argument("--state", help="snapshot JSON file (interface format); with "
                       "--journal, only needed to create the store")
        p.add_argument("--journal", metavar="PATH",
                       help="a durable store (a directory): created from --state if new, "
                       "else continued; apply journals every call to it, check runs on a copy")
        p.add_argument("--fsync", choices=("always", "batch", "never"), default="always",
                       help="when the durable journal is synced to disk (default: always)")
        p.add_argument("--api-version", default=DEFAULT, choices=SUPPORTED,
                       help=f"API version to reproduce (default {DEFAULT})")
        p.add_argument("--at", help="ISO 8601 time the plan starts at (default: now, UTC)")
        p.add_argument("--json", action="store_true", help="print a JSON report instead")
        p.add_argument("--journal-out", help="write the operation log of the run (JSON Lines; "
                       "'ledger history' and 'ledger show' read it)")
        if name == "apply":
            p.add_argument("--out", help="where to write the new snapshot (required without "
                           "--journal)")
        p.set_defaults(handler=_command)
    # Further commands live beside the modules they drive; each registers its own parser.
    for register in _registrars():
        register(sub)
    return parser


def _registrars() -> list[Callable[[Any], None]]:
    """Return the ``register(subparsers)`` functions of the other commands' modules."""
    from ledger import history_cli, simulate_cli

    return [history_cli.register, simulate_cli.register]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ledger`` command; return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
        return handler(args, sys.stdout)
    except UnusableInputError as e:
        print(f"ledger: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:
        # The reader went away (``ledger check ... | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
