"""Storage beside the core: snapshots, the operation-log file, the durable store, verify.

Modules here import the core and each other, never the Shopify adapter or the tools above.
"""
