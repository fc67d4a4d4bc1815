"""``python -m ledger``: the ``ledger`` command, for when the console script is not on PATH."""

import sys

from ledger.cli import main

sys.exit(main())
