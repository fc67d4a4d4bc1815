"""``ledger.httpx_transport`` keeps working: the module moved to ``ledger.shopify.httpx_transport``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.shopify.httpx_transport import *  # noqa: F403 -- the moved module's public names, re-exported
