"""The GraphQL schema of each API era: SDL written from the era table, built once per era.

Part of the Shopify adapter (``ledger.shopify``), on graphql-core. ``sdl(era)`` writes the
schema's text from the era's row of ``ledger.core.versions`` (which fields, arguments,
directives, enum values and deprecations the version has) and from the input types of
``ledger.shopify.coercion``; ``schema(era)`` builds it and attaches the resolvers of
``ledger.shopify.graphql_reads`` (the reads) and ``ledger.shopify.graphql_mutations`` (the
mutations). The read types' fields are listed in ``ledger.shopify.graphql_reads``.

Choices where Shopify's behaviour is a guess ([ours]):

* Introspection: an era's error-code enums hold exactly ``Era.enums``'s values, in Shopify's
  definition order (``ENUM_ORDER``; shopify.dev lists them alphabetically, introspection
  does not); deprecations (``isDeprecated``, ``deprecationReason``) are ``Era.deprecated``'s,
  plus the deprecated value of ``InventoryBulkToggleActivationUserErrorCode``; arguments and
  input fields with a default in Shopify's reference have it (``DEFAULTS``).
* The read types list their fields alphabetically, as Shopify's reference pages and
  ShopifySharp's generated types (read from Shopify's introspection) do; a connection's
  arguments come in ``first, after, last, before, reverse`` order (the 2026-01 pages'), the
  2026-04 ``includeInactive`` last. Descriptions quote the reference where it was read, else
  are ours.
"""

from __future__ import annotations

import functools
import json
from typing import Final

from graphql import GraphQLObjectType, GraphQLSchema

from ledger.core.errors import ADJUST, MOVE, OPERATIONS, SET, SET_ON_HAND
from ledger.core.versions import Era, Presence
from ledger.shopify import coercion, graphql_mutations, graphql_reads
from ledger.shopify._graphql_compat import build_schema

#: Payload and user-error type names of the four quantity mutations.
_TYPE_STEM: Final = {
    ADJUST: "InventoryAdjustQuantities",
    MOVE: "InventoryMoveQuantities",
    SET: "InventorySetQuantities",
    SET_ON_HAND: "InventorySetOnHandQuantities",
}


# ---------------------------------------------------------------------- the read types


_INCLUDE_INACTIVE_ONE: Final = (
    '"""Whether to return the inventory level if it is inactive."""\n'
    "    includeInactive: Boolean = false"
)
_INCLUDE_INACTIVE_MANY: Final = (
    '"""Whether to include inactive inventory levels."""\n'
    "    includeInactive: Boolean = false"
)
_ALERT: Final = ("Describes either the impact of deactivating the inventory level, or why the "
                 "inventory level can't be deactivated.")
_QUANTITIES: Final = ("The quantity of inventory items that are available at the inventory "
                      "level's associated location.")
_PAGE: Final = "first: Int, after: String, last: Int, before: String, reverse: Boolean = false"


def read_sdl(era: Era) -> str:
    """Return the read types and the query root of ``era`` as SDL text."""
    active = era.is_active_field
    one = f",\n    {_INCLUDE_INACTIVE_ONE}" if active else ""
    many = f",\n    {_INCLUDE_INACTIVE_MANY}" if active else ""
    is_active = (
        '  """Whether the inventory level is active."""\n  isActive: Boolean!\n' if active else ""
    )
    return f'''
"""An object with an ID."""
interface Node {{
  """A globally-unique ID."""
  id: ID!
}}

"""A resource that has an ID in the REST Admin API."""
interface LegacyInteroperability {{
  """The ID of the corresponding resource in the REST Admin API."""
  legacyResourceId: UnsignedInt64!
}}

"""An ISO-8601 date and time in UTC, e.g. 2026-06-25T01:33:56Z."""
scalar DateTime

"""An unsigned 64-bit integer, serialised as a string of base-10 digits."""
scalar UnsignedInt64

"""The precision of a count."""
enum CountPrecision {{
  """The count is at least the value. A limit was imposed and reached."""
  AT_LEAST
  """The count is exactly the value. A write may not be reflected instantaneously."""
  EXACT
}}

"""A numeric count with its precision."""
type Count {{
  """The count of elements."""
  count: Int!
  """The count's precision, or the exactness of the value."""
  precision: CountPrecision!
}}

type App {{
  id: ID!
}}

type StaffMember {{
  id: ID!
}}

type PageInfo {{
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}}

type InventoryItem implements LegacyInteroperability & Node {{
  """The date and time when the inventory item was created."""
  createdAt: DateTime!
  """A globally-unique ID."""
  id: ID!
  """The inventory item's quantities at the specified location."""
  inventoryLevel(
    """ID of the location for which the inventory level is requested."""
    locationId: ID!{one}
  ): InventoryLevel
  """A list of the inventory item's quantities for each location that the item can be stocked at."""
  inventoryLevels({_PAGE}{many}): InventoryLevelConnection!
  """The ID of the corresponding resource in the REST Admin API."""
  legacyResourceId: UnsignedInt64!
  """The number of locations where this inventory item is stocked."""
  locationsCount: Count
  """Whether the inventory item requires shipping."""
  requiresShipping: Boolean!
  """Inventory item SKU. Case-sensitive string."""
  sku: String
  """Whether inventory levels are tracked for the item."""
  tracked: Boolean!
  """The date and time when the inventory item was updated."""
  updatedAt: DateTime!
}}

type Location implements LegacyInteroperability & Node {{
  """The date and time when the location was created."""
  createdAt: DateTime!
  """Whether this location can fulfill online orders."""
  fulfillsOnlineOrders: Boolean!
  """A globally-unique ID."""
  id: ID!
  """The quantities of an inventory item at this location."""
  inventoryLevel(
    """The ID of the inventory item to obtain the inventory level for."""
    inventoryItemId: ID!{one}
  ): InventoryLevel
  """A list of the quantities of the inventory items that can be stocked at this location."""
  inventoryLevels({_PAGE}{many}): InventoryLevelConnection!
  """Whether the location is active."""
  isActive: Boolean!
  """The ID of the corresponding resource in the REST Admin API."""
  legacyResourceId: UnsignedInt64!
  """The name of the location."""
  name: String!
}}

type InventoryQuantity implements Node {{
  """A globally-unique ID."""
  id: ID!
  """The name that identifies the inventory quantity."""
  name: String!
  """The quantity for the quantity name."""
  quantity: Int!
  """When the quantity was last updated."""
  updatedAt: DateTime
}}

type InventoryLevel implements Node {{
  """Whether the inventory items associated with the inventory level can be deactivated."""
  canDeactivate: Boolean!
  """The date and time when the inventory level was created."""
  createdAt: DateTime!
  """{_ALERT}"""
  deactivationAlert: String
  """A globally-unique ID."""
  id: ID!
{is_active}  """Inventory item associated with the inventory level."""
  item: InventoryItem!
  """The location associated with the inventory level."""
  location: Location!
  """{_QUANTITIES}"""
  quantities(
    """The names of the requested inventory quantities."""
    names: [String!]!
  ): [InventoryQuantity!]!
  """The date and time when the inventory level was updated."""
  updatedAt: DateTime!
}}

type InventoryLevelEdge {{
  cursor: String!
  node: InventoryLevel!
}}

type InventoryLevelConnection {{
  edges: [InventoryLevelEdge!]!
  nodes: [InventoryLevel!]!
  pageInfo: PageInfo!
}}

type InventoryItemEdge {{
  cursor: String!
  node: InventoryItem!
}}

type InventoryItemConnection {{
  edges: [InventoryItemEdge!]!
  nodes: [InventoryItem!]!
  pageInfo: PageInfo!
}}

type LocationEdge {{
  cursor: String!
  node: Location!
}}

type LocationConnection {{
  edges: [LocationEdge!]!
  nodes: [Location!]!
  pageInfo: PageInfo!
}}

"""The set of valid sort keys for the Location query."""
enum LocationSortKeys {{
  ID
  NAME
  RELEVANCE
}}

"""Details about an individual quantity name."""
type InventoryQuantityName {{
  """List of quantity names that this quantity name belongs to."""
  belongsTo: [String!]!
  """List of quantity names that comprise this quantity name."""
  comprises: [String!]!
  """The display name for quantity names translated into applicable language."""
  displayName: String
  """Whether the quantity name has been used by the merchant."""
  isInUse: Boolean!
  """The name of the inventory quantity. Used by inventory queries and mutations."""
  name: String!
}}

"""General inventory properties for the shop."""
type InventoryProperties {{
  """All the quantity names."""
  quantityNames: [InventoryQuantityName!]!
}}

type QueryRoot {{
  """Returns an InventoryItem object by ID."""
  inventoryItem(id: ID!): InventoryItem
  """Returns a list of inventory items."""
  inventoryItems({_PAGE}, query: String): InventoryItemConnection!
  """Returns an InventoryLevel object by ID."""
  inventoryLevel(id: ID!): InventoryLevel
  """Returns the shop's inventory configuration, including all inventory quantity names."""
  inventoryProperties: InventoryProperties!
  """Returns a location by ID; without one, the shop's primary location."""
  location(id: ID): Location
  """Returns a list of active inventory locations."""
  locations(
    {_PAGE},
    sortKey: LocationSortKeys = NAME,
    """Whether to include the legacy locations of fulfillment services."""
    includeLegacy: Boolean = false,
    """Whether to include the locations that are deactivated."""
    includeInactive: Boolean = false
  ): LocationConnection!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
}}
'''


# ---------------------------------------------------------------------- the mutations' types


_COMMON_SDL: Final = '''
type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  ledgerDocumentUri: String
  item: InventoryItem
  location: Location
}

type InventoryAdjustmentGroup implements Node {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  app: App
  staffMember: StaffMember
  changes(
    inventoryItemIds: [ID!]
    locationIds: [ID!]
    quantityNames: [String!]
  ): [InventoryChange!]!
}

type UserError {
  field: [String!]
  message: String!
}

type InventoryActivatePayload {
  inventoryLevel: InventoryLevel
  userErrors: [UserError!]!
}

type InventoryDeactivatePayload {
  userErrors: [UserError!]!
}

schema {
  query: QueryRoot
  mutation: Mutation
}
'''


def _input_objects(t: coercion.TypeRef, out: dict[str, coercion.InputObject]) -> None:
    if isinstance(t, coercion.NonNull | coercion.ListOf):
        _input_objects(t.of, out)
    elif isinstance(t, coercion.InputObject) and t.name not in out:
        for _, field_type in t.fields:
            _input_objects(field_type, out)
        out[t.name] = t


@functools.cache
def input_types(era: Era) -> dict[str, coercion.TypeRef]:
    """Return every named input type of ``era`` (the codec's, plus the four scalars)."""
    named: dict[str, coercion.TypeRef] = {
        name: coercion.Scalar(name) for name in ("ID", "String", "Int", "Boolean")
    }
    objects: dict[str, coercion.InputObject] = {}
    for arguments in coercion.variable_types(era).values():
        for _, t in arguments:
            _input_objects(t, objects)
    named.update(objects)
    return named


#: The quantity mutations' error-code enums in definition order, which introspection returns
#: (shopify.dev's reference lists values alphabetically): the order of Shopify's 2026-01..2026-07
#: schema as introspected by nozzlegear/ShopifySharp's generator
#: (``ShopifySharp/Entities/GraphQL/Generated/Types/<Enum>.generated.cs``). An older
#: generation of the same files (before 2026-01) lists setOnHand's values in the same order
#: without the newer ones, so an era's enum is this order filtered to ``Era.enums``.
#: IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED (2026-10 on) comes after the other IDEMPOTENCY_ codes
#: ([ours]: no introspection of 2026-10 was found); a value missing here would follow,
#: alphabetically.
ENUM_ORDER: Final[dict[str, tuple[str, ...]]] = {
    ADJUST: (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_TOO_LOW", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "ADJUST_QUANTITIES_FAILED", "MAX_ONE_LEDGER_DOCUMENT",
        "ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    MOVE: (
        "INTERNAL_LEDGER_DOCUMENT", "INVALID_AVAILABLE_DOCUMENT", "INVALID_INVENTORY_ITEM",
        "INVALID_LEDGER_DOCUMENT", "INVALID_LOCATION", "INVALID_QUANTITY_DOCUMENT",
        "INVALID_QUANTITY_NAME", "INVALID_QUANTITY_NEGATIVE", "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "SERVICE_UNAVAILABLE",
        "CHANGE_FROM_QUANTITY_STALE", "MOVE_QUANTITIES_FAILED", "DIFFERENT_LOCATIONS",
        "SAME_QUANTITY_NAME", "MAXIMUM_LEDGER_DOCUMENT_URIS", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    SET: (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "ITEM_NOT_STOCKED_AT_LOCATION",
        "INVALID_QUANTITY_TOO_HIGH", "INVALID_QUANTITY_TOO_LOW", "COMPARE_QUANTITY_REQUIRED",
        "COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE", "INVALID_NAME",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "NON_MUTABLE_INVENTORY_ITEM",
        "IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
    SET_ON_HAND: (
        "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "INVALID_QUANTITY_NEGATIVE",
        "INVALID_REASON", "INVALID_REFERENCE_DOCUMENT", "CHANGE_FROM_QUANTITY_STALE",
        "SET_ON_HAND_QUANTITIES_FAILED", "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM", "INVALID_QUANTITY_TOO_HIGH", "COMPARE_QUANTITY_STALE",
        "SERVICE_UNAVAILABLE", "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
    ),
}


#: ``InventoryBulkToggleActivationUserErrorCode``: every value of Shopify's enum, the same in
#: every version here, in definition order (a copy of its reference ``.md`` in introspection
#: order), each with its deprecation reason or ``None``. The deprecation reason is the one
#: ShopifySharp's generator copied into its ``[Obsolete]`` attribute.
BULK_TOGGLE_ENUM: Final[tuple[tuple[str, str | None], ...]] = (
    ("GENERIC_ERROR", None),
    ("CANNOT_DEACTIVATE_FROM_ONLY_LOCATION", None),
    ("COMMITTED_AND_INCOMING_INVENTORY_AT_LOCATION",
     "This error code is deprecated. Both INCOMING_INVENTORY_AT_LOCATION and "
     "COMMITTED_INVENTORY_AT_LOCATION codes will be returned as individual errors instead."),
    ("INCOMING_INVENTORY_AT_LOCATION", None),
    ("COMMITTED_INVENTORY_AT_LOCATION", None),
    ("RESERVED_INVENTORY_AT_LOCATION", None),
    ("FAILED_TO_UNSTOCK_FROM_LOCATION", None),
    ("INVENTORY_MANAGED_BY_3RD_PARTY", None),
    ("INVENTORY_MANAGED_BY_SHOPIFY", None),
    ("FAILED_TO_STOCK_AT_LOCATION", None),
    ("MISSING_SKU", None),
    ("LOCATION_NOT_FOUND", None),
    ("INVENTORY_ITEM_NOT_FOUND", None),
)


#: Default values of arguments and input fields (``"Type.field"``; a mutation's arguments
#: as ``"<mutation>.<argument>"``), from Shopify's reference: the codec's types carry none.
DEFAULTS: Final[dict[str, str]] = {
    "inventoryActivate.stockAtLegacyLocation": "false",
    "InventorySetQuantitiesInput.ignoreCompareQuantity": "false",
}


def enum_values(operation: str, era: Era) -> tuple[str, ...]:
    """Return a quantity mutation's error codes in ``era`` as introspection lists them.

    Exactly the values of ``Era.enums`` (Shopify's reference for the era), in definition
    order (``ENUM_ORDER``).
    """
    present = set(era.enums[operation])
    ordered = [value for value in ENUM_ORDER[operation] if value in present]
    return (*ordered, *sorted(present - set(ordered)))


def _deprecation(reason: str | None) -> str:
    # A JSON string is a valid GraphQL string (the same escapes).
    return f" @deprecated(reason: {json.dumps(reason)})" if reason is not None else ""


def _default(key: str) -> str:
    value = DEFAULTS.get(key)
    return f" = {value}" if value is not None else ""


# ---------------------------------------------------------------------- the schema


@functools.cache
def sdl(era: Era) -> str:
    """Return the schema of ``era`` as SDL text.

    Deprecations come from ``Era.deprecated``; every entry must name a field of the schema.
    """
    deprecated = dict(era.deprecated)

    def mark(key: str) -> str:
        return _default(key) + _deprecation(deprecated.pop(key, None))

    parts = [read_sdl(era), _COMMON_SDL]
    if era.idempotency is not Presence.UNDEFINED:
        parts.append(
            '"""Makes the mutation idempotent under `key`."""\n'
            "directive @idempotent(key: String!) on FIELD\n"
        )
    for t in input_types(era).values():
        if isinstance(t, coercion.InputObject):
            fields = "\n".join(f"  {name}: {coercion.signature(ft)}{mark(f'{t.name}.{name}')}"
                               for name, ft in t.fields)
            parts.append(f"input {t.name} {{\n{fields}\n}}\n")
    for operation, stem in _TYPE_STEM.items():
        codes = "\n".join(f"  {value}" for value in enum_values(operation, era))
        parts.append(
            f"enum {stem}UserErrorCode {{\n{codes}\n}}\n\n"
            f"type {stem}UserError {{\n  field: [String!]\n  message: String!\n"
            f"  code: {stem}UserErrorCode\n}}\n\n"
            f"type {stem}Payload {{\n  inventoryAdjustmentGroup: InventoryAdjustmentGroup\n"
            f"  userErrors: [{stem}UserError!]!\n}}\n"
        )
    toggle_codes = "\n".join(f"  {value}{_deprecation(reason)}"
                             for value, reason in BULK_TOGGLE_ENUM)
    parts.append(
        f"enum InventoryBulkToggleActivationUserErrorCode {{\n{toggle_codes}\n}}\n\n"
        "type InventoryBulkToggleActivationUserError {\n  field: [String!]\n"
        "  message: String!\n  code: InventoryBulkToggleActivationUserErrorCode\n}\n\n"
        "type InventoryBulkToggleActivationPayload {\n  inventoryItem: InventoryItem\n"
        "  inventoryLevels: [InventoryLevel!]\n"
        "  userErrors: [InventoryBulkToggleActivationUserError!]!\n}\n"
    )
    variables = coercion.variable_types(era)
    mutations = []
    for operation in OPERATIONS:
        arguments = ", ".join(f"{name}: {coercion.signature(t)}{_default(f'{operation}.{name}')}"
                              for name, t in variables[operation])
        payload = _TYPE_STEM.get(operation, operation[0].upper() + operation[1:]) + "Payload"
        mutations.append(f"  {operation}({arguments}): {payload}{mark(f'Mutation.{operation}')}")
    parts.append("type Mutation {\n" + "\n".join(mutations) + "\n}\n")
    if deprecated:  # pragma: no cover - a row of the era table names no field of the schema
        raise AssertionError(f"deprecations of fields the schema lacks: {sorted(deprecated)}")
    return "\n".join(parts)


@functools.cache
def schema(era: Era) -> GraphQLSchema:
    """Return the executable schema of ``era`` (built once per era)."""
    built = build_schema(sdl(era))
    mutation = built.mutation_type
    query = built.query_type
    if mutation is None or query is None:  # pragma: no cover - the SDL defines both
        raise AssertionError("schema without root types")
    for operation in OPERATIONS:
        mutation.fields[operation].resolve = graphql_mutations.mutation_resolver(operation)
    for name, resolve in graphql_reads.QUERY_RESOLVERS.items():
        query.fields[name].resolve = resolve
    for type_name, field_name, resolve in graphql_reads.FIELD_RESOLVERS:
        object_type = built.get_type(type_name)
        if not isinstance(object_type, GraphQLObjectType):  # pragma: no cover
            raise AssertionError(type_name)
        object_type.fields[field_name].resolve = resolve
    return built
