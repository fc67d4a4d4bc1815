"""Reading a store's journal back: every line checked, damage located to the byte and line.

A journal line is good when it is complete (ends in a newline), framed, its CRC-32 matches
and its record decodes with the next ``seq``. ``scan_journal`` reads the good prefix and, at
the first bad line, records where it is and why. When the bad line lies inside what a
snapshot already covers, it goes on reading after it ("resyncs") to find the records the
snapshot does not cover, so that damage before a snapshot need not cost the calls after it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

import attrs

from ledger.store import oplog
from ledger.store.durable.files import JOURNAL
from ledger.store.oplog import OpRecord

_FRAME_CRC: Final = re.compile(rb'\{"crc32":"([0-9a-f]{8})","record":')


class JournalCorruptError(ValueError):
    """The journal is damaged in a way opening does not repair by itself.

    ``offset`` and ``line`` locate the first damaged byte and its line.
    """

    def __init__(self, message: str, *, offset: int | None = None, line: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.line = line


@attrs.define
class Bad:
    """A bad journal line: where it starts, its line number, what is wrong, what follows."""

    offset: int
    line: int
    reason: str
    #: It ends in a newline: a whole line that is wrong (corruption), not a cut-off write.
    complete: bool
    lines_after: int = 0
    bytes_after: int = 0

    @property
    def torn(self) -> bool:
        """An incomplete last line: the write a crash cut short."""
        return not self.complete and self.lines_after == 0


@attrs.define
class Scan:
    """What ``scan_journal`` found."""

    api_version: str
    base_seq: int
    #: The CRC-32 of the base snapshot's body, from the header (``None`` in older stores).
    base_crc: str | None
    header_end: int
    #: The header's ``loadedAt``: when the initial state's entries without one were created.
    loaded_at: datetime | None = None
    size: int = 0
    #: The good prefix: its last seq, the byte offset and line number where it ends.
    last_seq: int = 0
    good_end: int = 0
    last_line: int = 1
    #: The frame CRC-32 of the prefix's last record ("00000000" if it has none).
    last_crc: str = "00000000"
    #: Records of the good prefix after ``keep_after``, decoded, in order.
    records: list[OpRecord] = attrs.Factory(list)
    #: The frame CRC-32 of each wanted seq that was found on a good line.
    crcs: dict[int, str] = attrs.Factory(dict)
    bad: Bad | None = None
    #: After a bad line at or before ``keep_after``: the records ``keep_after + 1, ...``
    #: found later in the file, contiguous, with the byte range they occupy.
    run: list[OpRecord] = attrs.Factory(list)
    run_start: int | None = None
    run_end: int | None = None
    run_last_crc: str = "00000000"
    #: What ended that run before the end of the file, if anything did.
    run_bad: Bad | None = None
    lines: int = 1


def raw_lines(f: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (offset, line, too_long) per line; a line over ``MAX_LINE`` is skipped, not kept."""
    offset = 0
    while True:
        raw = f.readline(oplog.MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > oplog.MAX_LINE and not raw.endswith(b"\n"):
            # Skip to the end of the line in bounded chunks: its length only is needed.
            length = len(raw)
            while True:
                chunk = f.readline(1 << 20)
                length += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield offset, b"", True
            offset += length
            continue
        yield offset, raw, False
        offset += len(raw)


def read_header(path: Path, first: tuple[int, bytes, bool] | None) -> dict[str, Any]:
    """Return the header of a journal from its first line; ``JournalCorruptError`` if bad."""
    if first is None or first[2] or not first[1].endswith(b"\n"):
        raise JournalCorruptError(f"{path}: line 1: no complete ledger-oplog header",
                                  offset=0, line=1)
    try:
        return oplog.check_header(json.loads(first[1]), "line 1")
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise JournalCorruptError(f"{path}: {error}", offset=0, line=1) from None


def _reason(error: Exception, number: int) -> str:
    """The loaders' message without its ``line N:`` prefix (callers say where)."""
    text = str(error)
    prefix = f"line {number}"
    return text[len(prefix):].lstrip(": ") if text.startswith(prefix) else text


def _frame(raw: bytes, too_long: bool, number: int) -> tuple[int, str, Any] | str:
    """Return (seq, frame CRC, record JSON) of a framed line, or what is wrong with it."""
    if too_long:
        return f"longer than {oplog.MAX_LINE} bytes"
    if not raw.endswith(b"\n"):
        return "no trailing newline (an incomplete write)"
    try:
        data = oplog.unframe(raw.decode("utf-8"), f"line {number}")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except ValueError as error:
        return _reason(error, number)
    seq = data.get("seq") if isinstance(data, dict) else None
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "the record has no integer seq"
    m = _FRAME_CRC.match(raw)
    if m is None:  # pragma: no cover - unframe matched the same frame
        return "not a framed record"
    return seq, m.group(1).decode(), data


def _decode(data: Any, number: int) -> OpRecord | str:
    try:
        return oplog.record_from_json(data, f"line {number}")
    except ValueError as error:
        return _reason(error, number)


def scan_journal(path: Path, keep_after: int = 0, want: Collection[int] = ()) -> Scan:
    """Check every line of a journal; keep the decoded records whose ``seq`` is past ``keep_after``.

    ``want`` names seqs whose frame CRC-32 to note (a snapshot's, the sync mark's). Raises
    ``JournalCorruptError`` for a bad header; any other damage is reported in the result.
    """
    with open(path, "rb") as f:
        lines = raw_lines(f)
        first = next(lines, None)
        head = read_header(path, first)
        assert first is not None  # noqa: S101 - read_header refuses a missing first line
        base = head.get("base")
        scan = Scan(api_version=head["apiVersion"], base_seq=oplog.base_seq(head),
                    base_crc=base["crc32"] if isinstance(base, dict) else None,
                    header_end=len(first[1]))
        scan.good_end = scan.header_end
        if "loadedAt" in head:
            scan.loaded_at = oplog.parse_time(head["loadedAt"], "line 1: loadedAt")
        number = 1
        expected = scan.base_seq + 1
        scan.last_seq = scan.base_seq
        resync = False
        run_next = keep_after + 1
        for offset, raw, too_long in lines:
            number += 1
            parsed = _frame(raw, too_long, number)
            if scan.bad is None:
                problem = parsed if isinstance(parsed, str) else None
                record: OpRecord | str | None = None
                if not isinstance(parsed, str):
                    seq, crc, data = parsed
                    if seq != expected:
                        problem = f"seq {seq} out of order, expected {expected}"
                    elif seq > keep_after:
                        record = _decode(data, number)
                        if isinstance(record, str):
                            problem = record
                if problem is None and not isinstance(parsed, str):
                    seq, crc, _ = parsed
                    if seq in want:
                        scan.crcs[seq] = crc
                    if isinstance(record, OpRecord):
                        scan.records.append(record)
                    scan.last_seq, scan.last_crc, expected = seq, crc, seq + 1
                    scan.good_end, scan.last_line = offset + len(raw), number
                    continue
                scan.bad = Bad(offset=offset, line=number, reason=str(problem),
                               complete=raw.endswith(b"\n") and not too_long)
                # Damage inside what the snapshot covers: read on for what it does not.
                resync = expected <= keep_after
                continue
            if not resync:
                continue
            if isinstance(parsed, str):
                if scan.run_start is not None and scan.run_bad is None:
                    scan.run_bad = Bad(offset=offset, line=number, reason=parsed,
                                       complete=raw.endswith(b"\n") and not too_long)
                continue
            seq, crc, data = parsed
            if seq in want and seq not in scan.crcs:
                scan.crcs[seq] = crc
            if scan.run_bad is not None or (seq <= keep_after and scan.run_start is None):
                continue
            problem = None if seq == run_next else (
                f"seq {seq} out of order, expected {run_next}")
            record = _decode(data, number) if problem is None else problem
            if isinstance(record, str):
                scan.run_bad = Bad(offset=offset, line=number, reason=record, complete=True)
                continue
            if scan.run_start is None:
                scan.run_start = offset
            scan.run.append(record)
            scan.run_end, scan.run_last_crc = offset + len(raw), crc
            run_next += 1
        f.seek(0, os.SEEK_END)
        scan.size = f.tell()
        scan.lines = number
    for bad in (scan.bad, scan.run_bad):
        if bad is not None:
            bad.bytes_after = scan.size - bad.offset
            bad.lines_after = number - bad.line
    return scan


def read_journal(path: str | os.PathLike[str]) -> Iterator[OpRecord]:
    """Yield every record of a store's journal (or journal file), checked, with bounded memory.

    Raises ``JournalCorruptError`` at the first bad line, torn or not.
    """
    target = Path(path)
    if target.is_dir():
        target = target / JOURNAL
    with open(target, "rb") as f:
        lines = raw_lines(f)
        head = read_header(target, next(lines, None))
        expected = oplog.base_seq(head) + 1
        for number, (offset, raw, too_long) in enumerate(lines, start=2):
            where = f"{target}: line {number} (byte offset {offset})"
            parsed = _frame(raw, too_long, number)
            if isinstance(parsed, str):
                raise JournalCorruptError(f"{where}: {parsed}", offset=offset, line=number)
            record = _decode(parsed[2], number)
            if isinstance(record, str):
                raise JournalCorruptError(f"{where}: {record}", offset=offset, line=number)
            if record.seq != expected:
                raise JournalCorruptError(f"{where}: seq {record.seq} out of order, expected "
                                          f"{expected}", offset=offset, line=number)
            expected += 1
            yield record
