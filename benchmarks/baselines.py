"""What a user would pick instead of the ledger: SQLite in memory, and a bare-dict floor.

Both baselines have the same methods, so a workload runs the very same loop on either:
``adjust`` (one change), ``adjust_many`` (many changes, one transaction), ``move``, ``set``,
``replay_rows`` (apply recorded rows, trusting them), ``copy`` and ``available``. Every
write is a compare-and-set on the value the caller last knew (``changeFromQuantity``) plus a
change row under a unique idempotency key, all or nothing; each returns ``OK``, ``STALE``
(the compare-and-set found another value: nothing written) or ``DUPLICATE`` (the key was
used before: nothing written). The statements below are quoted verbatim in
benchmarks/README.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Final

OK: Final = "ok"
STALE: Final = "stale"
DUPLICATE: Final = "duplicate"

#: The stored quantities of a level (``on_hand`` is derived, so it has no column).
STORED: Final = ("available", "committed", "reserved", "damaged", "safety_stock",
                 "quality_control", "incoming")

SCHEMA: Final = """\
CREATE TABLE levels (
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    available INTEGER NOT NULL DEFAULT 0,
    committed INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0,
    damaged INTEGER NOT NULL DEFAULT 0,
    safety_stock INTEGER NOT NULL DEFAULT 0,
    quality_control INTEGER NOT NULL DEFAULT 0,
    incoming INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item, location)
);
CREATE TABLE changes (
    idempotency_key TEXT NOT NULL,
    line INTEGER NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    name TEXT NOT NULL,
    delta INTEGER NOT NULL,
    quantity_after INTEGER NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (idempotency_key, line)
);
"""
LOAD: Final = "INSERT INTO levels (item, location, available) VALUES (?, ?, ?)"
ADJUST: Final = ("UPDATE levels SET available = available + ? "
                 "WHERE item = ? AND location = ? AND available = ?")
MOVE: Final = ("UPDATE levels SET available = available - ?, damaged = damaged + ? "
               "WHERE item = ? AND location = ? AND available = ? AND damaged = ?")
SET: Final = "UPDATE levels SET available = ? WHERE item = ? AND location = ? AND available = ?"
INSERT: Final = ("INSERT INTO changes (idempotency_key, line, item, location, name, delta, "
                 "quantity_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
#: Replay of trusted rows: one statement per stored name (a column name cannot be a parameter).
REPLAY: Final = {
    name: f"UPDATE levels SET {name} = {name} + ? WHERE item = ? AND location = ?"  # noqa: S608 - our column names
    for name in STORED}
AS_OF_INDEX: Final = "CREATE INDEX changes_as_of ON changes (item, location, name, created_at)"
AS_OF: Final = ("SELECT quantity_after FROM changes WHERE item = ? AND location = ? "
                "AND name = 'available' AND created_at <= ? "
                "ORDER BY created_at DESC LIMIT 1")

#: A change of a batch: (item, location, delta, changeFromQuantity).
Change = tuple[str, str, int, int]
#: A recorded row: (key, line, item, location, name, delta, quantity after, created at).
Row = tuple[str, int, str, str, str, int, int, float]


class SqliteBaseline:
    """Levels and change rows in stdlib ``sqlite3`` at ``:memory:``, a transaction per call."""

    def __init__(self, levels: Iterable[tuple[str, str, int]]) -> None:
        # isolation_level=None: no implicit transactions; every call says BEGIN and COMMIT.
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.executescript(SCHEMA)
        self.conn.execute("BEGIN")
        self.conn.executemany(LOAD, levels)
        self.conn.execute("COMMIT")

    def adjust(self, key: str, item: str, location: str, delta: int, cas: int,
               now: float) -> str:
        conn = self.conn
        conn.execute("BEGIN")
        if conn.execute(ADJUST, (delta, item, location, cas)).rowcount != 1:
            conn.execute("ROLLBACK")
            return STALE
        try:
            conn.execute(INSERT, (key, 0, item, location, "available", delta, cas + delta, now))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return DUPLICATE
        conn.execute("COMMIT")
        return OK

    def adjust_many(self, key: str, changes: Sequence[Change], now: float) -> str:
        conn = self.conn
        conn.execute("BEGIN")
        # rowcount of executemany is the sum over the rows: all matched iff it is the count.
        updated = conn.executemany(ADJUST, [(d, i, loc, c) for i, loc, d, c in changes]).rowcount
        if updated != len(changes):
            conn.execute("ROLLBACK")
            return STALE
        try:
            conn.executemany(INSERT, [(key, n, i, loc, "available", d, c + d, now)
                                      for n, (i, loc, d, c) in enumerate(changes)])
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return DUPLICATE
        conn.execute("COMMIT")
        return OK

    def move(self, key: str, item: str, location: str, quantity: int, cas_from: int,
             cas_to: int, now: float) -> str:
        """Move ``quantity`` from ``available`` to ``damaged`` at one level."""
        conn = self.conn
        conn.execute("BEGIN")
        if conn.execute(MOVE, (quantity, quantity, item, location, cas_from,
                               cas_to)).rowcount != 1:
            conn.execute("ROLLBACK")
            return STALE
        try:
            conn.executemany(INSERT, (
                (key, 0, item, location, "available", -quantity, cas_from - quantity, now),
                (key, 1, item, location, "damaged", quantity, cas_to + quantity, now)))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return DUPLICATE
        conn.execute("COMMIT")
        return OK

    def set(self, key: str, item: str, location: str, quantity: int, cas: int,
            now: float) -> str:
        conn = self.conn
        conn.execute("BEGIN")
        if conn.execute(SET, (quantity, item, location, cas)).rowcount != 1:
            conn.execute("ROLLBACK")
            return STALE
        try:
            conn.execute(INSERT, (key, 0, item, location, "available", quantity - cas,
                                  quantity, now))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return DUPLICATE
        conn.execute("COMMIT")
        return OK

    def replay_rows(self, rows: Sequence[Row]) -> None:
        """Apply recorded rows without checks, in one transaction (a log that is trusted)."""
        conn = self.conn
        conn.execute("BEGIN")
        for name, statement in REPLAY.items():
            conn.executemany(statement, [(r[5], r[2], r[3]) for r in rows if r[4] == name])
        conn.executemany(INSERT, rows)
        conn.execute("COMMIT")

    def available(self, item: str, location: str) -> int:
        row = self.conn.execute("SELECT available FROM levels WHERE item = ? AND location = ?",
                                (item, location)).fetchone()
        if row is None:
            raise KeyError((item, location))
        return int(row[0])

    def count_changes(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM changes").fetchone()[0])

    def copy(self) -> SqliteBaseline:
        """Return an independent copy (SQLite's online backup into a new ``:memory:``)."""
        twin = SqliteBaseline.__new__(SqliteBaseline)
        twin.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.backup(twin.conn)
        return twin

    def index_as_of(self) -> None:
        self.conn.execute(AS_OF_INDEX)

    def available_at(self, item: str, location: str, when: float, initial: int) -> int:
        row = self.conn.execute(AS_OF, (item, location, when)).fetchone()
        return initial if row is None else int(row[0])

    def bytes(self) -> int:
        """Return the database's size: ``page_count`` times ``page_size``."""
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return int(pages) * int(size)

    def close(self) -> None:
        self.conn.close()


class DictBaseline:
    """The floor: the same work in plain dicts (no validation beyond the CAS and the key)."""

    def __init__(self, levels: Iterable[tuple[str, str, int]]) -> None:
        self.levels: dict[tuple[str, str], dict[str, int]] = {}
        for item, location, available in levels:
            q = dict.fromkeys(STORED, 0)
            q["available"] = available
            self.levels[(item, location)] = q
        self.changes: dict[tuple[str, int], Row] = {}

    def adjust(self, key: str, item: str, location: str, delta: int, cas: int,
               now: float) -> str:
        q = self.levels[(item, location)]
        if q["available"] != cas:
            return STALE
        if (key, 0) in self.changes:
            return DUPLICATE
        q["available"] = cas + delta
        self.changes[(key, 0)] = (key, 0, item, location, "available", delta, cas + delta, now)
        return OK

    def adjust_many(self, key: str, changes: Sequence[Change], now: float) -> str:
        levels = self.levels
        targets = [levels[(i, loc)] for i, loc, _, _ in changes]
        if any(q["available"] != c for q, (_, _, _, c) in zip(targets, changes, strict=True)):
            return STALE
        if (key, 0) in self.changes:
            return DUPLICATE
        for n, (q, (i, loc, d, c)) in enumerate(zip(targets, changes, strict=True)):
            q["available"] = c + d
            self.changes[(key, n)] = (key, n, i, loc, "available", d, c + d, now)
        return OK

    def move(self, key: str, item: str, location: str, quantity: int, cas_from: int,
             cas_to: int, now: float) -> str:
        """Move ``quantity`` from ``available`` to ``damaged`` at one level."""
        q = self.levels[(item, location)]
        if q["available"] != cas_from or q["damaged"] != cas_to:
            return STALE
        if (key, 0) in self.changes:
            return DUPLICATE
        q["available"] = cas_from - quantity
        q["damaged"] = cas_to + quantity
        self.changes[(key, 0)] = (key, 0, item, location, "available", -quantity,
                                  cas_from - quantity, now)
        self.changes[(key, 1)] = (key, 1, item, location, "damaged", quantity,
                                  cas_to + quantity, now)
        return OK

    def set(self, key: str, item: str, location: str, quantity: int, cas: int,
            now: float) -> str:
        q = self.levels[(item, location)]
        if q["available"] != cas:
            return STALE
        if (key, 0) in self.changes:
            return DUPLICATE
        q["available"] = quantity
        self.changes[(key, 0)] = (key, 0, item, location, "available", quantity - cas,
                                  quantity, now)
        return OK

    def replay_rows(self, rows: Sequence[Row]) -> None:
        """Apply recorded rows without checks (a log that is trusted)."""
        levels, changes = self.levels, self.changes
        for row in rows:
            levels[(row[2], row[3])][row[4]] += row[5]
            changes[(row[0], row[1])] = row

    def available(self, item: str, location: str) -> int:
        return self.levels[(item, location)]["available"]

    def count_changes(self) -> int:
        return len(self.changes)

    def copy(self) -> DictBaseline:
        """Return an independent copy: a dict of copied level dicts (O(levels))."""
        twin = DictBaseline(())
        twin.levels = {key: q.copy() for key, q in self.levels.items()}
        twin.changes = dict(self.changes)
        return twin

    def close(self) -> None:
        self.levels.clear()
        self.changes.clear()


Baseline = SqliteBaseline | DictBaseline
