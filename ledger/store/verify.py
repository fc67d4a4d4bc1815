"""``ledger verify``: recompute every level from a snapshot plus its log, and report drift.

Three independent checks, each reported separately:

1. **replay**: every record of the operation log runs again onto the starting snapshot,
   through the whole pipeline (``Engine.replay(verify=True)``, not the trusting replay that
   opening a store uses), and gives the outcome it recorded (status, group id, error codes);
2. **journal**: every level's stored quantities equal the starting snapshot's plus the sum
   of the journal's deltas for it (recomputed here from the rows alone, not by the engine),
   every row's ``quantityAfterChange`` equals the running value at that row, and no group
   is stamped before the one before it;
3. **expected** (optional): the replayed state equals a snapshot the caller holds (say, the
   one ``ledger apply`` wrote, or a durable store's live state).

Each difference names the level, the quantity, and both values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ledger.core.engine import Engine
from ledger.core.quantities import STORED
from ledger.store import snapshot
from ledger.store.durable.codec import check_body, ledger_from_body
from ledger.store.oplog import OpRecord


@attrs.frozen(kw_only=True)
class VerifyReport:
    """What ``verify`` found: records replayed, levels checked, and every difference."""

    records: int
    levels: int
    rows: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Tell whether nothing differed."""
        return not self.problems


def _levels(snapshot: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
    out = {}
    for level in snapshot.get("inventoryLevels", []):
        q = {name: int(level.get("quantities", {}).get(name, 0)) for name in STORED}
        out[(level["inventoryItemId"], level["locationId"])] = q
    return out


def _on_hand(q: Mapping[str, int]) -> int:
    return sum(v for name, v in q.items() if name != "incoming")


def verify(
    start: Mapping[str, Any],
    records: Iterable[OpRecord],
    *,
    api_version: str,
    expected: Mapping[str, Any] | None = None,
) -> VerifyReport:
    """Run the three checks of the module docstring.

    ``start`` is a public snapshot or a durable store's snapshot body (``snapshot-N.json``).
    Differences are reported, never raised; a malformed ``start`` or ``expected`` snapshot
    raises ``ValueError`` naming the entry, as ``Ledger.from_snapshot`` does.
    """
    problems: list[str] = []
    records = list(records)
    if "engine" in start:
        # A durable store's snapshot body: the state its journal starts from, keys and all.
        body = check_body(start, "the starting snapshot")
        ledger: Engine = ledger_from_body(Engine, body, api_version, None, {},
                                          "the starting snapshot")
        start = body["snapshot"]
    else:
        ledger = snapshot.engine_from(Engine, start, api_version)
    if expected is not None:
        expected = snapshot.dump(snapshot.engine_from(Engine, expected, api_version)._state)
    try:
        ledger.replay(records, verify=True)  # re-run every call, compare
    except ValueError as error:
        problems.append(f"replay: {error}")
    try:
        ledger._check()
    except AssertionError as error:
        problems.append(f"invariant: {error}")
    final = snapshot.dump(ledger._state)
    # The journal, re-added by hand from the starting snapshot.
    running = _levels(start)
    # on_hand is summed from its own rows: a group's on_hand rows follow all its named rows,
    # each carrying the value right after its own change was applied.
    on_hand = {key: _on_hand(q) for key, q in running.items()}
    rows = 0
    previous = None
    for group in ledger.journal:
        # Time never runs backwards in the journal (semantics §14): as-of reads rely on it.
        if previous is not None and group.created_at < previous.created_at:
            problems.append(f"journal: {group.id} is stamped {group.created_at.isoformat()}, "
                            f"before {previous.id} ({previous.created_at.isoformat()})")
        previous = group
        for change in group.changes:
            rows += 1
            key = (change.item_id, change.location_id)
            q = running.setdefault(key, dict.fromkeys(STORED, 0))
            if change.name == "on_hand":
                on_hand[key] = on_hand.get(key, 0) + change.delta
                value = on_hand[key]
            else:
                q[change.name] += change.delta
                value = q[change.name]
            if value != change.quantity_after_change:
                problems.append(
                    f"journal: {group.id} row {change.name} at {key[0]} @ {key[1]} says "
                    f"{change.quantity_after_change} after the change; the running sum is "
                    f"{value}")
    for key, value in sorted(on_hand.items()):
        parts = _on_hand(running.get(key, dict.fromkeys(STORED, 0)))
        if value != parts:
            problems.append(f"journal: {key[0]} @ {key[1]} on_hand rows add up to {value}; "
                            f"its parts add up to {parts}")
    now = _levels(final)
    for key in sorted(set(now) | set(running)):
        have = now.get(key, dict.fromkeys(STORED, 0))
        want = running.get(key, dict.fromkeys(STORED, 0))
        for name in STORED:
            if have[name] != want[name]:
                problems.append(f"journal: {key[0]} @ {key[1]} {name} is {have[name]}; the "
                                f"snapshot plus the journal's deltas give {want[name]}")
    if expected is not None:
        exp = _levels(expected)
        for key in sorted(set(now) | set(exp)):
            if key not in exp or key not in now:
                where = "expected snapshot" if key not in exp else "replayed state"
                problems.append(f"expected: {key[0]} @ {key[1]} is missing from the {where}")
                continue
            for name in STORED:
                if now[key][name] != exp[key][name]:
                    problems.append(f"expected: {key[0]} @ {key[1]} {name} is "
                                    f"{exp[key][name]} there but {now[key][name]} replayed")
    return VerifyReport(records=len(records), levels=len(now), rows=rows,
                        problems=tuple(problems))
