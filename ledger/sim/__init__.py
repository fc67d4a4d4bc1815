"""Simulation on top of the library (the sim layer): seeded days of orders, receipts and counts.

``simulation``: the day model; ``report``: what a run takes and gives (its configuration and
report); ``sweep``: one run per seed, in this process, a pool or on Dask.
"""
