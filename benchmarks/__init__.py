"""Benchmarks of the ledger against a bare-dict baseline measured in the same run.

Run ``python -m benchmarks`` (``--quick`` for a smoke run); see ``benchmarks/README.md``.
"""
