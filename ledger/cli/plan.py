"""``ledger check`` and ``apply``: validate a plan of Shopify calls offline, or apply it.

The cli layer (``ledger.cli.app`` adds these commands to the parser; ``ledger.cli.common``
holds what they share with the other commands).

``ledger check PLAN --state SNAPSHOT`` runs every request of PLAN (JSON Lines, one request a
line: ``{"operation": ..., "variables": ..., "idempotencyKey": ...}``) on the snapshot in
memory, prints each request's outcome and a table of every quantity that would change, and
exits 0 when every request would succeed, 1 when any would fail, 2 on unusable input.
``ledger apply`` does the same and writes the resulting snapshot to ``--out``.

A plan line may also carry ``"at": "<ISO 8601 time>"`` to set the ledger's clock for that
request (for idempotency windows and ``createdAt``); the clock never goes backwards, and a
line whose ``at`` is earlier than the clock gets a warning naming it. Without it the clock
stays at ``--at`` (default: the current UTC time).

A request whose idempotency key the engine replays is reported as ``replayed (from <time>)``,
the time of the call it repeats, whether that call was in this plan or in an earlier run
into the same store; nothing is applied again. (``--json``: its ``outcome`` is
``"replayed"``, ``replayedOutcome`` what the first call did and ``replayedFrom`` when; the
report's ``warnings`` lists the warnings.) A replayed failure returns the first call's
errors again and still counts as a failure. A UTF-8 byte-order mark at the start of a
plan or a snapshot is accepted. A reader that goes away (``ledger check ... | head -1``) ends
the output quietly (``ledger.cli.app.main``): the exit status stays the command's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ledger.api import Ledger
from ledger.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    PlanClock,
    UnusableInputError,
    check_target,
    parse_time,
    printable,
    read_json,
    short,
    without_bom,
    write_atomically,
    write_json,
)
from ledger.core.errors import OPERATIONS, STOCKING_MUTATIONS, LedgerError, brief
from ledger.core.versions import DEFAULT, SUPPORTED, era_of
from ledger.shopify import codec
from ledger.store import oplog

if TYPE_CHECKING:
    from ledger.api import DurableLedger
    from ledger.core.commands import Command
    from ledger.core.results import Result
_REQUEST_KEYS = frozenset({"operation", "variables", "idempotencyKey", "at"})
#: JSON's whitespace (RFC 8259 §2): a line of only these is blank; str.strip would also
#: take U+2028, \x1c and the like, which are no whitespace in JSON.
_JSON_SPACE = " \t\r"


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
    """What one request did: applied, no-op, replayed, failed (user errors) or rejected.

    A replay (``status == "replayed"``) repeats the response of the first call made with its
    idempotency key: ``replayed_outcome`` is what that call did (applied, no-op or failed,
    with the same ``problems``), ``replayed_from`` when it ran (``None`` when no record of it
    is at hand).
    """

    request: Request
    status: str
    response: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    replayed_outcome: str | None = None
    replayed_from: datetime | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the response is a success (a replayed failure is still a failure)."""
        return self.status in ("applied", "no-op") or (
            self.status == "replayed" and self.replayed_outcome != "failed")


def read_plan(path: Path) -> list[Request]:
    """Read a JSON Lines plan; ``UnusableInputError`` naming the line for anything malformed."""
    try:
        text = without_bom(path.read_text(encoding="utf-8"))
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
        at = parse_time(entry["at"], where) if entry.get("at") is not None else None
        requests.append(Request(number, operation, variables, key, at))
    return requests


def read_snapshot(path: Path, api_version: str, clock: PlanClock) -> Ledger:
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


def _execute(ledger: Ledger, request: Request) -> tuple[dict[str, Any], Result | None]:
    """Run one request as ``Ledger.execute`` does, and keep the engine's ``Result`` of it.

    The body cannot tell a replay from a first call (Shopify replays the first response word
    for word); the ``Result``'s ``replayed`` flag can. The ``Result`` is ``None`` when the
    variables did not coerce and nothing ran.
    """
    results: list[Result] = []

    def run(command: Command, key: str | None) -> Result:
        result = ledger.run(command, key)
        results.append(result)
        return result

    body = codec.execute(run, era_of(ledger.api_version), request.operation,
                           request.variables, request.idempotency_key,
                           quantity_after_change=ledger.report_quantity_after_change)
    return body, results[-1] if results else None


def run_plan(ledger: Ledger, clock: PlanClock, plan: Sequence[Request]) -> list[Outcome]:
    """Execute every request of ``plan`` in order and classify what each did.

    A request the engine answers from its idempotency key (a replay of a call made earlier
    in the plan, or in an earlier run into the same durable store) applies nothing again
    and is reported as ``replayed``, with what the first call did and when. A line whose
    ``at`` is earlier than the clock runs at the clock's time, with a warning.
    """
    outcomes = []
    for request in plan:
        warnings = []
        if request.at is not None and request.at < clock.now:
            warnings.append(
                f"line {request.line}: at {codec.timestamp(request.at)} is earlier than the "
                f"clock ({codec.timestamp(clock.now)}); the clock never goes back, so the "
                f"request ran at {codec.timestamp(clock.now)}")
        elif request.at is not None:
            clock.now = request.at
        body, result = _execute(ledger, request)
        outcome = _outcome(request, body)
        outcome.warnings = warnings
        if result is not None and result.replayed:
            outcome.replayed_outcome, outcome.status = outcome.status, "replayed"
            if result.group is not None:
                outcome.replayed_from = result.group.created_at
        outcomes.append(outcome)
    if any(o.status == "replayed" and o.replayed_from is None for o in outcomes):
        _date_replays(ledger, outcomes)
    return outcomes


#: Outcomes of logged calls that may be a key's first call (a replay repeats one of these).
_FIRST_CALL_STATUSES = frozenset({"applied", "no-op", "user-errors"})


def _date_replays(ledger: Ledger, outcomes: list[Outcome]) -> None:
    """Date the replays whose first call made no group, from the log of the ledger's calls.

    The call a replay repeats is the latest logged call before it with the same key that ran
    to an outcome (an idempotency error is never remembered as a key's outcome). One pass
    over the log dates every replayed record; this run's replays are the last ones of their
    key. A first call older than the log (a durable store's log starts at its latest
    snapshot), or a ledger that keeps no log, leaves the time unknown.
    """
    mine: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.status == "replayed" and o.request.idempotency_key is not None:
            mine.setdefault(o.request.idempotency_key, []).append(o)
    wanted = {key for key, os in mine.items() if any(o.replayed_from is None for o in os)}
    first: dict[str, datetime] = {}
    dated: dict[str, list[datetime | None]] = {}
    for record in ledger.oplog:
        key = record.idempotency_key
        if key is None or key not in wanted:
            continue
        if record.outcome.status == "replayed":
            dated.setdefault(key, []).append(first.get(key))
        elif (record.at is not None and record.outcome.status in _FIRST_CALL_STATUSES
              and not any(e.startswith("IDEMPOTENCY_") for e in record.outcome.errors)):
            first[key] = record.at
    for key in wanted:
        replays, times = mine[key], dated.get(key, [])
        if len(times) < len(replays):
            continue  # the log does not hold this run's calls: leave the times unknown
        for o, at in zip(replays, times[len(times) - len(replays):], strict=True):
            if o.replayed_from is None:
                o.replayed_from = at


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


def _label(o: Outcome) -> str:
    """Return the report's word for what ``o`` did, with its row count or replay."""
    if o.status == "replayed":
        when = (f"from {codec.timestamp(o.replayed_from)}" if o.replayed_from is not None
                else "from an earlier call")
        then = {"failed": "the first call FAILED: its errors are returned again",
                "no-op": "the first call changed nothing"}.get(
                    o.replayed_outcome or "", "nothing applied again")
        return f"replayed ({when})  ({then})"
    label = {"applied": "applied", "no-op": "no-op", "failed": "FAILED",
             "rejected": "REJECTED"}[o.status]
    group = _group(o)
    if group is not None:
        rows = group["changes"]
        return f"{label}  ({len(rows)} row{'s' if len(rows) != 1 else ''})"
    return label


def _print_report(outcomes: list[Outcome], changes: list[dict[str, Any]], out: TextIO) -> None:
    width = max((len(o.request.operation) for o in outcomes), default=0)
    for n, o in enumerate(outcomes, start=1):
        print(f"#{n:<3} line {o.request.line:<4} {o.request.operation:<{width}}  {_label(o)}",
              file=out)
        for problem in o.problems:
            print(f"       - {printable(problem)}", file=out)
    warnings = [w for o in outcomes for w in o.warnings]
    if warnings:
        print("\nWarnings:", file=out)
        for warning in warnings:
            print(f"  - {warning}", file=out)
    failed = sum(not o.ok for o in outcomes)
    replayed = sum(o.status == "replayed" for o in outcomes)
    print(file=out)
    print(f"{len(outcomes)} request(s): {len(outcomes) - failed} would succeed, "
          f"{failed} would fail."
          + (f" {replayed} replayed an earlier call and applied nothing again."
             if replayed else ""), file=out)
    print(file=out)
    if not changes:
        print("No quantity would change.", file=out)
        return
    header = ("item", "location", "quantity", "before", "after", "change")
    table = [header] + [
        (short(c["inventoryItemId"]), short(c["locationId"]), c["name"], str(c["before"]),
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


def _write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(snapshot, indent=2) + "\n")


def _command(args: argparse.Namespace, out: TextIO) -> int:
    start = parse_time(args.at, "--at") if args.at else datetime.now(UTC).replace(microsecond=0)
    clock = PlanClock(start)
    if args.command == "apply" and not args.out and not args.journal:
        raise UnusableInputError("apply needs --out (or --journal naming a durable store)")
    # Before the run: a store must not take the calls and then the snapshot fail to be written.
    if args.command == "apply" and args.out:
        check_target(Path(args.out), "the snapshot", replaced=True)
    if args.journal_out:
        check_target(Path(args.journal_out), "the log")
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


def _open_store(args: argparse.Namespace, clock: PlanClock) -> DurableLedger:
    """Open (or create from ``--state``) the durable store ``--journal`` names."""
    from ledger.api import open_ledger

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
    ok = all(o.ok for o in outcomes)
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
                 **({"replayedOutcome": o.replayed_outcome,
                     "replayedFrom": codec.timestamp(o.replayed_from)}
                    if o.status == "replayed" else {}),
                 "problems": o.problems, "response": o.response}
                for o in outcomes
            ],
            "warnings": [w for o in outcomes for w in o.warnings],
            "changes": changes,
        }, out)
    else:
        _print_report(outcomes, changes, out)
        if args.command == "apply" and args.out:
            print(f"\nWrote the resulting snapshot to {args.out}.", file=out)
        if args.command == "apply" and args.journal:
            print(f"\nJournalled every call to the durable store {args.journal}.", file=out)
    return EXIT_OK if ok else EXIT_FAILED


def register(subparsers: Any) -> None:
    """Add ``check`` and ``apply`` to the ``ledger`` command's subparsers."""
    for name, text in (
        ("check", "run PLAN on the snapshot in memory and report; writes nothing"),
        ("apply", "run PLAN on the snapshot and write the resulting snapshot to --out"),
    ):
        p = subparsers.add_parser(name, help=text, description=text)
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
