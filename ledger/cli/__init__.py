"""The ``ledger`` command line (the cli layer, on top): one module per command group.

``app`` holds the parser and ``main``; ``common`` what the commands share; ``plan``
(``check``, ``apply``), ``history`` (``history``, ``show``, ``verify``), ``simulate``,
``importing`` (``import``) and ``schema`` one command group each.
"""

from ledger.cli.app import main

__all__ = ["main"]
