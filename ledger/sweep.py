"""``ledger.sweep`` keeps working: the module moved to ``ledger.sim.sweep``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.sim.sweep import *  # noqa: F403 -- the moved module's public names, re-exported
