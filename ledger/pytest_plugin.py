"""``ledger.pytest_plugin`` keeps working: the module moved to ``ledger.testing.pytest_plugin``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.testing.pytest_plugin import *  # noqa: F403 -- the moved module's public names, re-exported
