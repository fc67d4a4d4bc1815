"""Tools for testing apps against the ledger: the pytest plugin and Hypothesis strategies."""
