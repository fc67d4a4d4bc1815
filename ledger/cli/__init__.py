"""The ``ledger`` command line: one module per command group."""

from ledger.cli.plan import main

__all__ = ["main"]
