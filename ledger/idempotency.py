"""``ledger.idempotency`` keeps working: the module moved to ``ledger.core.idempotency``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.core.idempotency import *  # noqa: F403 -- the moved module's public names, re-exported
