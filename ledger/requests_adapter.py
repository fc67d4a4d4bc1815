"""``ledger.requests_adapter`` keeps working: it moved to ``ledger.shopify.requests_adapter``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.shopify.requests_adapter import *  # noqa: F403 -- the moved module's public names, re-exported
