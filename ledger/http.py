"""``ledger.http`` keeps working: the module moved to ``ledger.shopify.http``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.shopify.http import *  # noqa: F403 -- the moved module's public names, re-exported
