"""What the commands of the ``ledger`` command line share (the cli layer, on top).

Exit statuses; ``UnusableInputError``, whose message names the file and line (or the option)
and which ``ledger.cli.app.main`` turns into exit 2; the clock a command sets by hand; reading
JSON files and ISO 8601 options; printing JSON; and writing an output file whole
(``check_target`` before the work, ``write_atomically`` after it). Every command module
imports this one and no command module imports another.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ledger.core.errors import LedgerError, brief
from ledger.store import oplog

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UnusableInputError(LedgerError):
    """A command's input (a file, an option) cannot be used; the message says where and why."""


class PlanClock:
    """The commands' clock: it reads ``now``, which the command sets (a plan line's ``at``)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        """Return the time the command set last."""
        return self.now


def parse_time(text: object, where: str) -> datetime:
    """Read an ISO 8601 time with a zone, as UTC; ``UnusableInputError`` naming ``where``."""
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


def short(gid: str) -> str:
    """Return ``gid`` without ``gid://shopify/`` (``InventoryItem/101``), for the tables."""
    return gid.removeprefix("gid://shopify/")


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
