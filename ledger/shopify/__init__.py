"""The Shopify adapter: variables and payloads, the GraphQL front, cost, the HTTP backend.

Modules here import the core and each other; a Ledger is only named in type annotations.
Each module imports only those listed before it (no import circle, function-level imports
included):

- ``coercion``: each era's input types and graphql-ruby's coercion of variables;
- ``codec``: coerced variables -> commands, results -> response bodies (``execute``);
- ``search``: the search syntax of ``inventoryItems(query:)``;
- ``_graphql_compat``: graphql-core 3.2 and 3.3 behind one interface;
- ``wording``: graphql-ruby's wording of syntax and validation errors;
- ``graphql_reads``, ``graphql_mutations``: the resolvers of the reads and the mutations;
- ``schema``: each era's SDL, from the era table, and its executable schema;
- ``analysis``: a query to a validated document (cached), its bounds, walks over it;
- ``cost``: the requested and actual cost, and ``findings`` (the 250 limits, depth, cost);
- ``graphql_api``: ``Ledger.graphql``, a request run in graphql-ruby's order;
- ``http``: ``ShopifyBackend``, Shopify's HTTP answers (graphql-core imported on demand);
- ``httpx_transport``, ``requests_adapter``, ``urllib_handler``: the backend plugged into
  one client library each (kept apart: httpx and requests are optional dependencies).

Everything from ``_graphql_compat`` to ``graphql_api`` needs graphql-core (the ``graphql``
extra); ``coercion``, ``codec`` and ``search`` need only the core.
"""
