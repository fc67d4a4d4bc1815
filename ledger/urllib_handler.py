"""``ledger.urllib_handler`` keeps working: the module moved to ``ledger.shopify.urllib_handler``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.shopify.urllib_handler import *  # noqa: F403 -- the moved module's public names, re-exported
