"""The domain core: Shopify's inventory quantity semantics, with no adapter or storage.

Modules here import only the standard library, ``attrs``, ``sortedcontainers`` and each
other (``tests/test_layers.py`` holds them to it). ``versions`` is the era table every other
layer reads; ``engine`` runs the call pipeline; each mutation's checks and writes are in
``mutations``.
"""
