"""``ledger.errors`` keeps working: the module moved to ``ledger.core.errors``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.core.errors import *  # noqa: F403 -- the moved module's public names, re-exported
