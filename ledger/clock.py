"""``ledger.clock`` keeps working: the module moved to ``ledger.core.clock``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.core.clock import *  # noqa: F403 -- the moved module's public names, re-exported
