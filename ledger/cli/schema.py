"""``ledger schema``: print the GraphQL schema of an API version, for code generators offline.

``ledger schema --api-version V`` prints the schema the ledger serves for ``V`` as SDL (what
``ariadne-codegen``'s ``schema_path``, ``graphql-codegen``'s ``schema:`` and ``gql``'s
``Client(schema=...)`` read); ``--introspection`` prints the introspection result instead,
as JSON ``{"__schema": ...}`` (what ``graphql.build_client_schema`` and ``gql``'s
``Client(introspection=...)`` take; ``graphql-codegen`` reads it too). The schema is the
ledger's: the inventory reads and mutations, with each version's arguments, enums,
deprecations and ``@idempotent`` directive; not the rest of Shopify's Admin API.
Needs graphql-core (the ``graphql`` extra).

The cli layer: ``ledger.cli.app`` registers this command; what it shares with the others
is in ``ledger.cli.common``.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ledger.cli.common import EXIT_OK, UnusableInputError, write_json
from ledger.core.versions import DEFAULT, SUPPORTED, era_of

INSTALL_HINT = ("ledger schema needs graphql-core; install the 'graphql' extra: "
                "pip install 'shopify-inventory-ledger[graphql]'")


def introspection_query() -> str:
    """Return the introspection query whose answer ``--introspection`` prints.

    Every field of the GraphQL specification (October 2021): descriptions, ``specifiedByURL``,
    ``isRepeatable``, the schema's description and deprecated arguments and input fields.
    No draft fields (``isOneOf``), which older code generators do not know.
    """
    from graphql import get_introspection_query

    return get_introspection_query(descriptions=True, specified_by_url=True,
                                   directive_is_repeatable=True, schema_description=True,
                                   input_value_deprecation=True)


def command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``ledger schema``; return its exit status."""
    try:
        from graphql import graphql_sync, print_schema

        from ledger.shopify import schema as graphql_schema
    except ImportError:
        raise UnusableInputError(INSTALL_HINT) from None
    schema = graphql_schema.schema(era_of(args.api_version))
    if args.introspection:
        result = graphql_sync(schema, introspection_query())
        if result.errors:  # pragma: no cover - introspection of a valid schema cannot fail
            raise result.errors[0]
        write_json(result.data, out)
    else:
        out.write(print_schema(schema) + "\n")
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``schema`` to the ``ledger`` command's subparsers."""
    text = "print the GraphQL schema of an API version (SDL, or introspection JSON)"
    p = subparsers.add_parser("schema", help=text, description=text)
    p.add_argument("--api-version", default=DEFAULT, choices=SUPPORTED,
                   help=f"the version whose schema to print (default {DEFAULT})")
    p.add_argument("--introspection", action="store_true",
                   help='print the introspection result as JSON {"__schema": ...} instead')
    p.set_defaults(handler=command)
