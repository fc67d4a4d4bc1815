"""The files of a durable store: atomic writes, snapshot files, the sync mark, the lock.

Every write that replaces a file goes through a temporary file that is synced, renamed over
the target and followed by a sync of the directory, so a crash leaves the old file or the new
one, never a mixture. Reading checks every frame and checksum and names the file for
anything wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, Final

import attrs

from ledger.core.errors import LedgerError
from ledger.store.durable.codec import check_body

try:  # flock keeps two processes from writing one store; absent on Windows
    import fcntl
except ImportError:  # pragma: no cover - POSIX is what this is tested on
    fcntl = None  # type: ignore[assignment]

JOURNAL: Final = "journal.jsonl"
#: The sync mark: the last record known to be on disk (see ``Mark``).
MARK: Final = "journal.mark"
#: Stores made before the directory itself was locked kept an empty file of this name.
LOCK: Final = "lock"
#: A journal set aside by a repair that rebased the store (``journal-damaged-<n>.jsonl``).
DAMAGED: Final = "journal-damaged-{}.jsonl"
#: A snapshot file larger than this is refused before it is read.
MAX_SNAPSHOT_BYTES: Final = 1 << 30

_SNAPSHOT_NAME: Final = re.compile(r"snapshot-(\d+)\.json")
_SNAPSHOT_PREFIX: Final = re.compile(rb'\{"crc32":"([0-9a-f]{8})","body":')
#: Where the CRC-32 of a snapshot file sits: after ``{"crc32":"``.
_CRC_AT: Final = len(b'{"crc32":"')


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (POSIX needs the directory synced)."""
    if os.name != "posix":  # pragma: no cover - directories cannot be opened elsewhere
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Replace ``target`` with what ``write`` writes, all at once (a crash: old file or new).

    A temporary file beside it is written, synced and renamed over it, then the directory
    is synced; a failure leaves the target untouched and removes the temporary file.
    """
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def write_atomically(target: Path, pieces: Iterable[bytes]) -> None:
    """Replace ``target`` with the concatenated ``pieces`` all at once (crash: old or new)."""

    def write(f: BinaryIO) -> None:
        for piece in pieces:
            f.write(piece)

    _replace(target, write)


def snapshot_path(root: Path, seq: int) -> Path:
    """Return the path of the snapshot after record ``seq``."""
    return root / f"snapshot-{seq}.json"


def write_snapshot(root: Path, seq: int, pieces: Iterable[str]) -> tuple[Path, str]:
    """Write a snapshot body, streamed in ``pieces``, as ``snapshot-<seq>.json``, atomically.

    The file is one line, ``{"crc32":"<8 hex>","body":<BODY>}``, the CRC taken over the UTF-8
    bytes of ``<BODY>``. The body is written as it comes and the CRC filled in afterwards, so
    memory holds one piece at a time. Returns the path and the CRC.
    """
    target = snapshot_path(root, seq)
    crc = 0

    def write(f: BinaryIO) -> None:
        nonlocal crc
        f.write(b'{"crc32":"00000000","body":')
        for piece in pieces:
            data = piece.encode()
            crc = zlib.crc32(data, crc)
            f.write(data)
        f.write(b"}\n")
        f.seek(_CRC_AT)
        f.write(b"%08x" % crc)

    _replace(target, write)
    return target, f"{crc:08x}"


def read_snapshot_file(path: Path) -> tuple[dict[str, Any], str]:
    """Read and check a snapshot file: its body and CRC; ``ValueError`` naming the file."""
    size = path.stat().st_size
    if size > MAX_SNAPSHOT_BYTES:
        raise ValueError(f"{path.name}: {size} bytes, over the {MAX_SNAPSHOT_BYTES}-byte bound")
    data = path.read_bytes()
    m = _SNAPSHOT_PREFIX.match(data)
    if m is None or not data.endswith(b"}\n"):
        raise ValueError(f"{path.name}: not a framed snapshot (torn or foreign)")
    text = data[m.end():-2]
    if zlib.crc32(text) != int(m.group(1), 16):
        raise ValueError(f"{path.name}: checksum mismatch (the file is corrupt)")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{path.name}: not valid JSON ({error})") from None
    body = check_body(body, path.name)
    name = _SNAPSHOT_NAME.fullmatch(path.name)
    if name is None or int(name.group(1)) != body["seq"]:
        raise ValueError(f"{path.name}: its seq {body['seq']!r} does not match its name")
    return body, m.group(1).decode()


def read_snapshot(path: Path) -> dict[str, Any]:
    """Read and check a snapshot file; ``ValueError`` naming the file for anything wrong."""
    return read_snapshot_file(path)[0]


def snapshot_files(root: Path) -> list[tuple[int, Path]]:
    """The snapshot files of ``root``, newest first."""
    found = []
    for path in root.iterdir():
        m = _SNAPSHOT_NAME.fullmatch(path.name)
        if m is not None:
            found.append((int(m.group(1)), path))
    return sorted(found, reverse=True)


def damaged_path(root: Path) -> Path:
    """Return the first free ``journal-damaged-<n>.jsonl`` name in ``root``."""
    n = 1
    while (root / DAMAGED.format(n)).exists():
        n += 1
    return root / DAMAGED.format(n)


# ---------------------------------------------------------------------- the sync mark

_MARK_LINE: Final = re.compile(rb"LEDGERMARK1 (\d{20}) (\d{20}) ([0-9a-f]{8}) ([0-9a-f]{8})\n")


@attrs.frozen(kw_only=True)
class Mark:
    """The newest journal record known to be on disk: its seq, where it ends, its CRC-32.

    Written (in place, one fixed-size line with its own CRC) after every sync of the journal,
    so a journal that later ends before it has lost records that had been synced: tail loss
    is detected and named rather than taken for a crash mid-write. It may lag behind the
    journal (it is updated after the sync), never run ahead of it.
    """

    seq: int
    end: int
    crc: str

    def encode(self) -> bytes:
        """Return the mark's line, self-checksummed."""
        text = b"LEDGERMARK1 %020d %020d %s" % (self.seq, self.end, self.crc.encode())
        return text + b" %08x\n" % zlib.crc32(text)


def read_mark(root: Path) -> Mark | str | None:
    """Return the store's sync mark, ``None`` if it has none, or what is wrong with it."""
    try:
        data = (root / MARK).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"{MARK}: cannot be read ({error})"
    m = _MARK_LINE.fullmatch(data)
    if m is None or zlib.crc32(data[: m.start(4) - 1]) != int(m.group(4), 16):
        return f"{MARK}: damaged (bad frame or checksum)"
    return Mark(seq=int(m.group(1)), end=int(m.group(2)), crc=m.group(3).decode())


class MarkWriter:
    """Rewrites the sync mark in place; ``write`` never syncs, ``sync`` does."""

    def __init__(self, root: Path) -> None:
        self._fd = os.open(root / MARK, os.O_RDWR | os.O_CREAT, 0o644)

    def write(self, mark: Mark) -> None:
        """Put ``mark`` in the file (one positioned write: it replaces the old line whole)."""
        os.pwrite(self._fd, mark.encode(), 0)

    def sync(self) -> None:
        """Flush the mark to stable storage."""
        getattr(os, "fdatasync", os.fsync)(self._fd)

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)


# ---------------------------------------------------------------------- the lock


def lock_directory(root: Path) -> int:
    """Hold an exclusive ``flock`` on the store's directory itself; return its descriptor.

    The directory is locked rather than a file in it, so deleting a file cannot let a second
    writer in. A second opener fails at once (no waiting).
    """
    fd = os.open(root, os.O_RDONLY)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise LedgerError(f"{root} is open in another ledger (its lock is held)") from None
    return fd
