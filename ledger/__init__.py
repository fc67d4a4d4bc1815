"""Shopify's inventory quantity semantics, exact, in memory, offline.

``Ledger`` is the entry point: ``Ledger(api_version=..., clock=...)`` or
``Ledger.from_snapshot(...)``, then ``execute(operation, variables)`` for Shopify-shaped
calls or the keyword-only ``adjust``/``move``/``set``/``activate``/``deactivate``/
``bulk_toggle_activation`` for embedding.
"""

from ledger.api import Ledger
from ledger.core.commands import (
    ABSENT,
    Activate,
    Adjust,
    AdjustChange,
    BulkToggleActivation,
    Deactivate,
    Move,
    MoveChange,
    MoveTerminal,
    SetOnHand,
    SetQuantities,
    SetQuantity,
)
from ledger.core.errors import ErrorCode, LedgerError, RequestError, RequestErrorKind, UserError
from ledger.core.events import EventErrorCode, EventKind, EventLine, PlatformEvent
from ledger.core.faults import Fault, FaultPlan, FaultSchedule
from ledger.core.journal import AdjustmentGroup, QuantityChange
from ledger.core.results import LevelView, QuantityView, Result
from ledger.core.versions import SUPPORTED as SUPPORTED_VERSIONS

__all__ = [
    "ABSENT",
    "SUPPORTED_VERSIONS",
    "Activate",
    "Adjust",
    "AdjustChange",
    "AdjustmentGroup",
    "BulkToggleActivation",
    "Deactivate",
    "ErrorCode",
    "EventErrorCode",
    "EventKind",
    "EventLine",
    "Fault",
    "FaultPlan",
    "FaultSchedule",
    "Ledger",
    "LedgerError",
    "LevelView",
    "Move",
    "MoveChange",
    "MoveTerminal",
    "PlatformEvent",
    "QuantityChange",
    "QuantityView",
    "RequestError",
    "RequestErrorKind",
    "Result",
    "SetOnHand",
    "SetQuantities",
    "SetQuantity",
    "UserError",
]
__version__ = "0.1.0"
