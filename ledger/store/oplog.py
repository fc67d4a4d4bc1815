"""The operation log file: JSON Lines, one checksummed record per call a ledger ran.

The journal of adjustment groups says what changed; the operation log says what was asked,
which is what a replay needs. A ``Ledger`` appends one ``OpRecord`` per call that got past
the Python type checks (user errors, request errors, replays and injected faults included):
everything needed to run it again and get the same result, ids and timestamps included.

The JSON Lines format (version 1) — one JSON object per line, UTF-8:

* line 1, the header: ``{"format": "ledger-oplog", "version": 1, "apiVersion": V}``
  (``V``: the ledger's own version; each record names the version its call pinned);
* then one line per call, in the order the calls ran, each framed with a checksum so that
  a torn or corrupted line is detected: ``{"crc32":"<8 hex digits>","record":<RECORD>}``,
  where the checksum is zlib's CRC-32 of the exact UTF-8 bytes of ``<RECORD>`` as written,
  and ``<RECORD>`` is::

    {"seq": 1, "at": "2026-11-02T08:00:00.000000+00:00", "operation": "inventoryAdjustQuantities",
     "apiVersion": "2026-04", "idempotencyKey": "k-1", "fault": null,
     "input": {...the command...},
     "outcome": {"status": "applied", "groupId": "gid://shopify/InventoryAdjustmentGroup/1",
                 "errors": []}}

  ``at`` is the ledger clock's reading for the call, to the microsecond (``null`` when the
  call was refused before the clock was read); ``fault`` the injected fault (``ledger.faults``)
  or ``null``; ``status`` one of ``applied``, ``no-op``, ``user-errors``,
  ``request-error``, ``replayed``, ``fault``; ``errors`` the user-error codes (or messages,
  for errors without a code) or the request error's kind. ``input`` holds the command's
  fields by their Python names (``from_`` included); a field left out is one that was not
  given at all (``ABSENT``), which is distinct from ``null``.

Readers refuse unknown versions and name the line of anything malformed (``NaN``,
``Infinity``, an integer past Python's 4,300-digit limit, a time outside the years 1 to 9999
in UTC, bytes that are not UTF-8 included); nothing in a file is executed (plain RFC 8259
JSON, no pickle, no eval).
"""

from __future__ import annotations

import json
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO, Any, Final

from ledger.core.errors import brief
from ledger.core.oplog import (
    STATUSES,
    OpLog,
    OpRecord,
    Outcome,
    ReplayMismatchError,
    decode_command,
    encode_command,
    parse_time,
    record_from_json,
)
from ledger.core.versions import SUPPORTED

__all__ = [
    "FORMAT",
    "MAX_LINE",
    "STATUSES",
    "VERSION",
    "OpLog",
    "OpRecord",
    "Outcome",
    "ReplayMismatchError",
    "base_seq",
    "check_header",
    "decode_command",
    "encode_command",
    "frame",
    "header",
    "loads",
    "open_text",
    "parse_time",
    "read",
    "read_ahead",
    "record_from_json",
    "stream",
    "unframe",
    "write",
]

FORMAT: Final = "ledger-oplog"
VERSION: Final = 1
#: A line longer than this is refused before it is parsed (no unbounded reads).
MAX_LINE: Final = 16 * 1024 * 1024


class _NotJsonConstant(Exception):  # noqa: N818 -- internal signal, never escapes loads()
    """``parse_constant`` met ``NaN``, ``Infinity`` or ``-Infinity``."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstant(name)


#: A JSON string, or a number (group 1), or one of Python's non-standard constants (group 2).


_TOKEN: Final = re.compile(
    r'"(?:[^"\\]|\\.)*"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)'
    r"|(NaN|-?Infinity)", re.DOTALL)


def _offending(text: str) -> tuple[int, str] | None:
    """Return where ``text`` holds its first non-RFC-8259 constant or over-long integer."""
    limit = sys.get_int_max_str_digits()
    for m in _TOKEN.finditer(text):
        number, constant = m.group(1), m.group(2)
        if constant is not None:
            return m.start(), f"{constant} is not JSON: RFC 8259 has no NaN or Infinity"
        if number is not None and limit and not any(c in number for c in ".eE"):
            digits = len(number.lstrip("-"))
            if digits > limit:
                return m.start(), (f"an integer of {digits} digits, over the {limit} this reader "
                                   "takes")
    return None


#: One decoder for every line: ``json.loads`` with an option builds a new one per call.
_DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant)


def loads(text: str) -> Any:
    """Read one RFC 8259 JSON value; ``json.JSONDecodeError`` (with its line) if it is not one.

    Stricter than ``json.loads``: ``NaN``, ``Infinity`` and ``-Infinity`` are refused (they are
    not JSON), and an integer longer than Python's int-to-str limit (4,300 digits by default),
    where ``json.loads`` raises a bare ``ValueError`` with no position, is refused as a
    ``JSONDecodeError`` at that number. ``RecursionError`` (nesting too deep) passes through.
    """
    try:
        if isinstance(text, str) and not text.startswith("\ufeff"):
            # What json.loads does past its BOM check, without building a decoder per call.
            return _DECODER.decode(text)
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        raise
    except (ValueError, _NotJsonConstant):
        found = _offending(text)
        if found is None:  # pragma: no cover - json.loads raises nothing else
            raise json.JSONDecodeError("unreadable number", text, 0) from None
        position, message = found
        raise json.JSONDecodeError(message, text, position) from None


def header(api_version: str, base: Mapping[str, Any] | None = None,
           loaded_at: datetime | None = None) -> dict[str, Any]:
    """Return the header object of a version-1 log for a ledger of ``api_version``.

    ``base`` (``{"seq": N, "crc32": "<8 hex>"}``) says the log starts after record ``N``, from
    the durable snapshot whose body has that CRC-32 (see ``ledger.durable``); a log without it
    starts at record 1, from the state its reader is given. ``loaded_at`` is the time that
    state's entries without a ``createdAt`` were given, so that a replay gives them it too.
    """
    head: dict[str, Any] = {"format": FORMAT, "version": VERSION, "apiVersion": api_version}
    if base is not None:
        head["base"] = {"seq": base["seq"], "crc32": base["crc32"]}
    if loaded_at is not None:
        # The createdAt that the starting snapshot's entries without one got (interface.md).
        head["loadedAt"] = loaded_at.isoformat()
    return head


def base_seq(head: Mapping[str, Any]) -> int:
    """Return the seq a log's records start after (0 unless its header names a ``base``)."""
    base = head.get("base")
    return int(base["seq"]) if isinstance(base, dict) else 0


def check_header(head: object, where: str) -> dict[str, Any]:
    """Return a log's header object if it is a version-1 header; ``ValueError`` naming ``where``."""
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise ValueError(f"{where}: not a ledger operation log (no {FORMAT} header)")
    if head.get("version") != VERSION:
        raise ValueError(f"{where}: unsupported log version {head.get('version')!r}; "
                         f"this ledger reads version {VERSION}")
    if not isinstance(head.get("apiVersion"), str):
        raise ValueError(f"{where}: the header's apiVersion must be a string")
    if head["apiVersion"] not in SUPPORTED:
        raise ValueError(f"{where}: unsupported API version {brief(head['apiVersion'])} "
                         "in the header")
    if "loadedAt" in head:
        parse_time(head["loadedAt"], f"{where}: the header's loadedAt")
    if "base" in head:
        base = head["base"]
        if (not isinstance(base, dict) or set(base) != {"seq", "crc32"}
                or not isinstance(base["seq"], int) or isinstance(base["seq"], bool)
                or base["seq"] < 0 or not isinstance(base["crc32"], str)
                or not _HEX8.fullmatch(base["crc32"])):
            raise ValueError(f"{where}: the header's base must be "
                             '{"seq": <integer >= 0>, "crc32": "<8 hex digits>"}')
    return head


_HEX8: Final = re.compile(r"[0-9a-f]{8}")


_FRAME: Final = re.compile(r'\{"crc32":"([0-9a-f]{8})","record":(.*)\}\n?', re.DOTALL)


def frame(record: OpRecord) -> str:
    """Return the line of ``record``: its JSON framed with its CRC-32, newline included."""
    # ASCII only: a key holding a lone surrogate still round-trips, and encodes to bytes.
    text = json.dumps(record.to_json(), separators=(",", ":"))
    crc = zlib.crc32(text.encode())
    return f'{{"crc32":"{crc:08x}","record":{text}}}\n'


def unframe(line: str, where: str) -> object:
    """Return the record JSON of one framed line; ``ValueError`` if the frame or CRC is bad."""
    m = _FRAME.fullmatch(line)
    if m is None:
        raise ValueError(f"{where}: not a framed record")
    text = m.group(2)
    try:
        data = text.encode()
    except UnicodeEncodeError:  # bytes that are not UTF-8, read with errors="surrogateescape"
        raise ValueError(f"{where}: not UTF-8 text (the line is corrupt)") from None
    if zlib.crc32(data) != int(m.group(1), 16):
        raise ValueError(f"{where}: checksum mismatch (the line is corrupt)")
    return _json(text, where, column=m.start(2))


def write(records: Iterable[OpRecord], out: IO[str], api_version: str,
          base: Mapping[str, Any] | None = None, loaded_at: datetime | None = None) -> int:
    """Write the header and ``records`` as JSON Lines to ``out``; return the record count."""
    out.write(json.dumps(header(api_version, base, loaded_at)) + "\n")
    count = 0
    for record in records:
        out.write(frame(record))
        count += 1
    return count


def read(source: IO[str]) -> tuple[dict[str, Any], list[OpRecord]]:
    """Read a log written by ``write``: its header and records, checked line by line.

    Raises ``ValueError`` naming the line for anything malformed: a bad header, an unknown
    version, a line over ``MAX_LINE`` characters, bad JSON, a bad record, or sequence
    numbers that do not run 1, 2, 3, ...
    """
    head, records = stream(source)
    return head, list(records)


def stream(source: IO[str]) -> tuple[dict[str, Any], Iterator[OpRecord]]:
    """Like ``read``, but the records come one at a time as they are read (flat memory).

    The header is checked at once; each record as it is reached. Open a file with
    ``open_text`` so that bytes that are not UTF-8 are refused naming their line.
    """
    lines = _lines(source)
    try:
        number, text = next(lines)
    except StopIteration:
        raise ValueError("line 1: empty file, expected the ledger-oplog header") from None
    try:
        text.encode()
    except UnicodeEncodeError:  # see open_text
        raise ValueError(f"line {number}: not UTF-8 text") from None
    head = check_header(_json(text, f"line {number}"), f"line {number}")
    return head, _records(lines, base_seq(head) + 1)


def read_ahead(records: Iterator[OpRecord], size: int = 256) -> Iterator[OpRecord]:
    """Yield ``records`` unchanged, reading (decoding) them ``size`` at a time.

    A replay that decodes a block of lines and then runs it is measurably faster than one
    that alternates line by line (``from_oplog`` of the benchmark's journal: about a fifth
    less time per record; the two workloads keep out of each other's caches), and memory
    stays flat. An error reading a record is raised where that record would have come,
    after the records before it: a consumer sees the same sequence either way.
    """
    while True:
        batch: list[OpRecord] = []
        failure: Exception | None = None
        try:
            for record in records:
                batch.append(record)
                if len(batch) == size:
                    break
        except Exception as error:  # re-raised below, in its place
            failure = error
        yield from batch
        if failure is not None:
            raise failure
        if len(batch) < size:
            return


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a log file for ``read``/``stream``: bytes that are not UTF-8 then fail their line.

    (A strict decoder raises ``UnicodeDecodeError`` a chunk ahead, naming no line; with
    ``surrogateescape`` the bad bytes reach ``unframe``, which refuses them at their line.)
    """
    return open(path, encoding="utf-8", errors="surrogateescape")


def _records(lines: Iterator[tuple[int, str]], expected: int) -> Iterator[OpRecord]:
    for number, text in lines:
        if not text.strip(" \t\r\n"):  # JSON's whitespace: U+2028 or \x1c is no blank line
            continue
        where = f"line {number}"
        if not text.endswith("\n"):
            raise ValueError(f"{where}: the last line is incomplete (a torn write)")
        record = record_from_json(unframe(text, where), where)
        if record.seq != expected:
            raise ValueError(f"line {number}: seq {record.seq} out of order, expected "
                             f"{expected}")
        expected += 1
        yield record


def _lines(source: IO[str]) -> Iterator[tuple[int, str]]:
    number = 0
    while True:
        try:
            text = source.readline(MAX_LINE + 1)
        except UnicodeDecodeError as error:
            # A strict text stream decodes ahead in chunks: the bad byte is here or later.
            raise ValueError(f"line {number + 1}: not UTF-8 text, at or after this line "
                             f"({error.reason})") from None
        if not text:
            return
        number += 1
        if len(text) > MAX_LINE:
            raise ValueError(f"line {number}: longer than {MAX_LINE} characters")
        yield number, text


def _json(text: str, where: str, column: int = 0) -> Any:
    """Read one line's JSON (``column``: where ``text`` starts in the line, for the message)."""
    try:
        return loads(text)
    except json.JSONDecodeError as error:
        at = f"column {error.colno + column}" if error.lineno == 1 else f"char {error.pos}"
        raise ValueError(f"{where}: not valid JSON at {at} ({error.msg})") from None
    except RecursionError:
        raise ValueError(f"{where}: not valid JSON (nested too deeply to read)") from None
