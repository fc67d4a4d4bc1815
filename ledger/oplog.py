"""``ledger.oplog`` keeps working: the module moved to ``ledger.store.oplog``.

docs/architecture.md maps the old paths to the new; tests/test_layers.py checks this one.
"""

from ledger.store.oplog import *  # noqa: F403 -- the moved module's public names, re-exported
