"""The Shopify adapter: variables and payloads, the GraphQL front, cost, the HTTP backend.

Modules here import the core and each other; a Ledger is only named in type annotations.
"""
