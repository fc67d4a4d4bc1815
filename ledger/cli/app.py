"""The ``ledger`` command: its argument parser, and ``main``, which dispatches to a command.

The cli layer, on top of everything. Each command group lives in its own module and adds its
subcommands to the parser with ``register(subparsers)``: ``plan`` (``check``, ``apply``),
``history`` (``history``, ``show``, ``verify``), ``simulate``, ``importing`` (``import``) and
``schema``. What they share is in ``common``; this module imports them all and none of them
imports it. ``main`` also guards the output: a reader that goes away (``ledger check ... |
head -1``) ends the output quietly, and the exit status stays the command's.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO, cast

from ledger.cli import history, importing, plan, schema, simulate
from ledger.cli.common import EXIT_UNUSABLE, UnusableInputError


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``ledger`` command."""
    parser = argparse.ArgumentParser(
        prog="ledger",
        description="Shopify's inventory quantity semantics, offline: check a plan of "
        "calls against a snapshot before sending it.",
    )
    parser.add_argument("--version", action="version", version="ledger 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)
    # In this order: ``ledger --help`` lists the subcommands as they are added.
    for module in (plan, history, simulate, importing, schema):
        module.register(sub)
    return parser


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

