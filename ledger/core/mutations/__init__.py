"""The mutations, one module each (core layer): what a call checks, in order, then writes.

Each mutation's module reads top to bottom: its docstring lists its checks in their fixed
order (citing semantics §), ``check`` runs them without writing, and ``run`` then marks
"From here on the mutation must succeed" and writes. ``checks`` holds the checks several
mutations share (item and location lookup, reason, reference and ledger documents,
bounds), ``writes`` the writes they share (a level materialised, a delta applied, a journal
row, the group recorded), ``calls`` the Pythonic methods that build each command.

=====================  ===============================================================
module                 mutation
=====================  ===============================================================
``adjust``             ``inventoryAdjustQuantities`` (semantics §6)
``move``               ``inventoryMoveQuantities`` (§7)
``set_quantities``     ``inventorySetQuantities``, ``inventorySetOnHandQuantities`` (§8)
``activate``           ``inventoryActivate`` (§9)
``deactivate``         ``inventoryDeactivate`` (§9)
``bulk_toggle``        ``inventoryBulkToggleActivation``
``platform_events``    orders, returns and receipts (``ledger.core.events``)
=====================  ===============================================================
"""
