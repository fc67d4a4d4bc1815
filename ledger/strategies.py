"""``ledger.strategies`` keeps working: the module moved to ``ledger.testing.strategies``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.testing.strategies import *  # noqa: F403 -- the moved module's public names, re-exported
