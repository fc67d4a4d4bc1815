"""A durable ledger: every call appended to a checksummed journal on disk, state rebuilt on open.

``ledger.api.open_ledger(path, snapshot=...)`` (``Ledger.open``; also ``ledger.durable``)
returns a ``DurableLedger``: a ``Ledger`` whose operation log is written to a directory as
it grows. This package is the storage; the ``DurableLedger`` class itself is the facade's.
The directory holds:

* ``journal.jsonl`` — an operation log in ``ledger.oplog``'s format (version 1): the header
  line, then one CRC-32-framed record per call, in ``seq`` order. The header names the
  journal's *base*, ``{"seq": B, "crc32": C}``: its records start after record ``B``, from
  the snapshot ``snapshot-B.json`` whose body has CRC-32 ``C`` (``B`` is 0, the initial
  state, unless a repair rebased the store). It is append-only and never compacted, so it is
  the whole audit trail since its base, and a valid ``export_oplog`` file:
  ``Ledger.from_oplog(<the initial state>, journal.jsonl)`` replays it.
* ``snapshot-<seq>.json`` — the ledger as it stood after record ``seq``, written atomically
  (temporary file, fsync, rename, fsync of the directory) and streamed, so writing one never
  holds the whole ledger twice in memory. The base snapshot is the journal's start and is
  never rewritten; of the later ones only the newest ``KEEP_SNAPSHOTS`` are kept. A snapshot
  is one line, ``{"crc32":"<8 hex>","body":<BODY>}``, the CRC taken over the UTF-8 bytes of
  ``<BODY>``, which is::

    {"format": "ledger-durable-snapshot", "version": 2, "seq": 120, "apiVersion": "2026-04",
     "follows": "<the CRC-32 of journal record 120's frame>" | null (the base snapshot),
     "snapshot": <the public snapshot of interface.md, as Ledger.snapshot() gives it>,
     "engine": {"nextGroupNumber": 41, "nextLevelNumber": 9,
                "lastNow": "<ISO time>" | null,
                "updated": {"<level id>": ["<ISO time>" | null, ...one per stored name]},
                "keys": [{"key": "k-1", "operation": "...", "command": {...}, "firstAt": "...",
                          "failed": false, "result": <tagged Result>}, ...]}}

  ``follows`` binds the snapshot to its journal: opening uses a snapshot only if the journal's
  record ``seq`` has that checksum, so a snapshot from another store's history is never
  taken for this one's (``ledger.durable.codec`` describes the ``engine`` part).
* ``journal.mark`` — the sync mark: the newest record known to be on disk (its seq, where it
  ends, its CRC-32), rewritten in place after each sync of the journal, so that a journal
  that later ends before it is known to have lost synced records (``Mark``).
* ``journal-damaged-<n>.jsonl`` — a journal that a repair set aside when it rebased the store.

The directory itself is locked with ``flock`` while a ledger has the store open: a second
opener fails at once rather than interleave writes, whatever files are deleted meanwhile.
``read_only=True`` opens without the lock and writes nothing (for ``ledger history``, ``show``
and ``verify``, read-only media, or a store another process is writing).

Opening (``ledger.durable.recovery``) loads the newest snapshot that reads back and belongs to
the journal, checks every line of the journal (frame, CRC, JSON, ``seq`` order; lines are
read with ``oplog.MAX_LINE`` as the bound) and replays the records after the snapshot. A torn
last line (no trailing newline: a crash mid-write) is dropped and reported
(``TornRecordWarning``, ``DurableLedger.report``). Anything else wrong — a whole line with a
bad checksum, a line with others after it, records missing before the snapshot or before the
sync mark — refuses with ``JournalCorruptError`` naming its byte offset and line, unless
``repair=True``, which truncates or rebases the journal and reports (``RepairWarning``)
exactly what it dropped or set aside.

Durability of a call: its record is written to the file (one ``os.write`` loop, no user-space
buffer) before the call returns, under every policy, so a crash of the *process* loses no
returned call. ``fsync`` decides what survives a crash of the *machine*: ``"always"`` syncs
before each call returns (a returned call is on disk); ``"batch"`` syncs once ``batch_records``
records or ``batch_seconds`` have gone by since the last sync (checked when a call is
recorded, and on ``sync``/``close``); ``"never"`` leaves it to the operating system. The
journal is always synced before a snapshot is written, so no snapshot runs ahead of it. A
record that cannot be written (a full disk, a file-size limit, an I/O error) is cut off the
file, the ledger reloads the acknowledged state (so no read, key or snapshot ever shows the
unacknowledged call), the call raises ``DurabilityError`` and the ledger takes no more calls
until reopened.
"""

from ledger.store.durable.codec import (
    SNAPSHOT_FORMAT,
    SNAPSHOT_VERSION,
    capture,
    decode_value,
    encode_value,
)
from ledger.store.durable.files import (
    JOURNAL,
    LOCK,
    MARK,
    MAX_SNAPSHOT_BYTES,
    Mark,
    read_mark,
    read_snapshot,
    read_snapshot_file,
    snapshot_files,
    write_snapshot,
)
from ledger.store.durable.log import (
    KEEP_SNAPSHOTS,
    DurabilityError,
    DurableMixin,
    DurableOpLog,
    FsyncPolicy,
    JournalPrefix,
    SnapshotWarning,
)
from ledger.store.durable.recovery import (
    DroppedTail,
    Rebase,
    RecoveryReport,
    RepairWarning,
    TornRecordWarning,
    open_store,
)
from ledger.store.durable.scan import JournalCorruptError, read_journal, scan_journal

__all__ = [
    "JOURNAL",
    "KEEP_SNAPSHOTS",
    "LOCK",
    "MARK",
    "MAX_SNAPSHOT_BYTES",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "DroppedTail",
    "DurabilityError",
    "DurableMixin",
    "DurableOpLog",
    "FsyncPolicy",
    "JournalCorruptError",
    "JournalPrefix",
    "Mark",
    "Rebase",
    "RecoveryReport",
    "RepairWarning",
    "SnapshotWarning",
    "TornRecordWarning",
    "capture",
    "decode_value",
    "encode_value",
    "open_store",
    "read_journal",
    "read_mark",
    "read_snapshot",
    "read_snapshot_file",
    "scan_journal",
    "snapshot_files",
    "write_snapshot",
]
