"""Tools for testing apps against the ledger (the testing layer, on top).

``pytest_plugin``: the fixtures; ``strategies``: the Hypothesis strategies (they draw through
``draws``; the state machine is ``machine``). Importing this package imports neither.
"""
