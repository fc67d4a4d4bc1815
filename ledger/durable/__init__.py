"""``ledger.durable`` keeps working: the store is ``ledger.store.durable``, the class and
``open_ledger`` are ``ledger.api``'s (see docs/architecture.md)."""

from ledger.api import DurableLedger, open_ledger
from ledger.store.durable import *  # noqa: F403 -- a re-export of the moved package's public names
from ledger.store.durable import __all__ as _store_all

__all__ = ["DurableLedger", "open_ledger", *_store_all]
