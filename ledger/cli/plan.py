"""The command line: validate a plan of Shopify calls offline, or apply it to a snapshot.

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
the output quietly: the exit status stays the command's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from ledger.api import Ledger
from ledger.shopify import codec
from ledger.store import oplog

if TYPE_CHECKING:
    from ledger.api import DurableLedger
    from ledger.core.commands import Command
    from ledger.core.results import Result
from ledger.core.errors import OPERATIONS, STOCKING_MUTATIONS, LedgerError, brief
from ledger.core.versions import DEFAULT, SUPPORTED, era_of

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


def without_bom(text: str) -> str:
    """Return ``text`` without a leading UTF-8 byte-order mark (editors on Windows add one)."""
    return text.removeprefix("\ufeff")


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
        at = _parse_time(entry["at"], where) if entry.get("at") is not None else None
        requests.append(Request(number, operation, variables, key, at))
    return requests


def read_json(path: Path) -> Any:
    """Read a snapshot JSON file; ``UnusableInputError`` naming the file and where it breaks."""
    try:
        return oplog.loads(without_bom(path.read_text(encoding="utf-8")))
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


def run_plan(ledger: Ledger, clock: _PlanClock, plan: Sequence[Request]) -> list[Outcome]:
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


def _short(gid: str) -> str:
    return gid.removeprefix("gid://shopify/")


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


def check_target(path: Path, what: str, *, replaced: bool = False) -> None:
    """Refuse, before any work is done, a file that could not be written there afterwards.

    The directory must exist (it is never created: a typo in it should not make a new
    tree) and be writable; an existing file must not be a directory and, unless it is
    ``replaced`` by a rename (which needs only the directory), must be writable. A refusal
    is ``UnusableInputError`` naming the path and what it is for.
    """
    # A rename replaces what a symlink points to (``write_atomically``): check its directory.
    directory = Path(os.path.realpath(path)).parent if replaced else path.parent
    if path.is_dir():
        raise UnusableInputError(f"cannot write {what} {path}: it is a directory")
    if not directory.is_dir():
        raise UnusableInputError(f"cannot write {what} {path}: no directory {directory} "
                                 "(it is not created; create it first)")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UnusableInputError(f"cannot write {what} {path}: the directory {directory} is "
                                 "not writable")
    if not replaced and path.exists() and not os.access(path, os.W_OK):
        raise UnusableInputError(f"cannot write {what} {path}: permission denied")


def _umask() -> int:
    # The only portable way to read the umask sets it; the command line is single-threaded.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` whole: a crash leaves the old file or the new one.

    The text goes to a temporary file beside the target, synced, then renamed over it. The
    new file keeps an existing file's permission bits (a new one gets ``0o666`` less the
    umask, as ``open`` gives); a symlink stays a link and its target is replaced. The
    directory must exist: it is never created.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable, where the platform can sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse; the rename still happened
        pass
    finally:
        os.close(fd)


def _write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(snapshot, indent=2) + "\n")


def _command(args: argparse.Namespace, out: TextIO) -> int:
    start = _parse_time(args.at, "--at") if args.at else datetime.now(UTC).replace(microsecond=0)
    clock = _PlanClock(start)
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


def _open_store(args: argparse.Namespace, clock: _PlanClock) -> DurableLedger:
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
    from ledger.cli import history as history_cli
    from ledger.cli import importing as import_cli
    from ledger.cli import schema as schema_cli
    from ledger.cli import simulate as simulate_cli

    return [history_cli.register, simulate_cli.register, import_cli.register,
            schema_cli.register]


class _Output(io.TextIOBase):
    """The commands' stdout: once it cannot take more (a closed pipe, a full disk), drop output.

    ``ledger history ... | head -1`` closes the pipe while the command still prints; the
    command then runs to its end and exits with its own status, printing no traceback.
    Any other failure to write (``ENOSPC``) is kept in ``failed`` for ``main`` to report.
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self.gone = False
        self.failed: OSError | None = None

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase's is Optional-typed
        """The target's encoding (rich reads it)."""
        return getattr(self._target, "encoding", None) or "utf-8"

    def isatty(self) -> bool:
        """Tell whether the target is a terminal (rich and the progress bar ask)."""
        return not self.gone and self._target.isatty()

    def writable(self) -> bool:
        """An output stream is writable."""
        return True

    def write(self, text: str) -> int:
        """Write ``text`` to the target, unless it can take no more."""
        if not self.gone:
            try:
                self._target.write(text)
            except OSError as error:
                self._stop(error)
        return len(text)

    def flush(self) -> None:
        """Flush the target, unless it can take no more."""
        if not self.gone:
            try:
                self._target.flush()
            except OSError as error:
                self._stop(error)

    def _stop(self, error: OSError) -> None:
        self.gone = True
        if not isinstance(error, BrokenPipeError):
            self.failed = error
        # Python flushes stdout again at exit, where the same error would print "Exception
        # ignored ..." and exit 120: point the descriptor at devnull (the recipe of the
        # signal module's documentation, "Note on SIGPIPE").
        try:
            fd = self._target.fileno()
        except (OSError, ValueError):  # not a real file (a test's StringIO): nothing to flush
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ledger`` command; return its exit status."""
    args = build_parser().parse_args(argv)
    out = _Output(sys.stdout)
    try:
        handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
        status = handler(args, cast(TextIO, out))
    except UnusableInputError as e:
        print(f"ledger: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    out.flush()  # inside the guard: a pipe closed before the last block is no error either
    if out.failed is not None:
        print(f"ledger: cannot write the output ({out.failed.strerror or out.failed})",
              file=sys.stderr)
        return EXIT_UNUSABLE
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
