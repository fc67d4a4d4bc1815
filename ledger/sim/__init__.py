"""Simulation on top of the library: seeded days of orders, receipts and counts; sweeps."""
