"""The search syntax of ``inventoryItems(query:)``: a query string to a predicate on items.

Part of the Shopify adapter (``ledger.shopify``), used by the read resolvers
(``ledger.shopify.graphql_reads``); it imports the core only and needs no graphql-core.

What it understands, where Shopify's syntax is richer ([ours]):

* ``sku:<value>`` (exact, case-insensitive; ``sku:"a b"`` quotes, a trailing ``*`` matches
  a prefix) and ``id:<n>`` (also ``id:>n``, ``id:>=n``, ``id:<n``, ``id:<=n``); terms are
  ANDed (an ``AND`` between them is allowed), ``OR`` separates alternatives, ``-term`` or
  ``NOT term`` negates one.
* Any other term (another field such as ``created_at``, a bare word) is ignored: Shopify
  answers an unknown search field with a warning, not an error, and does not filter by it;
  we give no warning.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.core.model import Item, item_number


def _tokens(query: str) -> list[str]:
    """Split a search query into words; a double-quoted run (``\\"`` escapes) is one word."""
    out: list[str] = []
    word: list[str] = []
    quoted = escaped = False
    for ch in query:
        if escaped:
            word.append(ch)
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch.isspace() and not quoted:
            if word:
                out.append("".join(word))
                word = []
        else:
            word.append(ch)
    if word:
        out.append("".join(word))
    return out


Predicate = Callable[[str, Item], bool]


def _sku_term(value: str) -> Predicate:
    wanted = value.casefold()
    if wanted.endswith("*"):
        prefix = wanted[:-1]
        return lambda _id, item: (item.attributes.sku or "").casefold().startswith(prefix)
    return lambda _id, item: item.attributes.sku is not None and (
        item.attributes.sku.casefold() == wanted)


def _id_term(value: str) -> Predicate:
    op = next(o for o in (">=", "<=", ">", "<", "") if value.startswith(o))
    digits = value[len(op):]
    if not digits.isdigit():
        return lambda _id, _item: False  # [ours] an id that is not a number matches nothing
    bound = int(digits)
    compare: Callable[[int], bool] = {
        ">=": lambda n: n >= bound, "<=": lambda n: n <= bound, ">": lambda n: n > bound,
        "<": lambda n: n < bound, "": lambda n: n == bound,
    }[op]
    return lambda item_id, _item: compare(item_number(item_id) or 0)


def _term(word: str) -> Predicate | None:
    """The predicate of one ``field:value`` term; ``None`` for a term that is ignored."""
    field, colon, value = word.partition(":")
    if not colon:
        return None
    if field == "sku":
        return _sku_term(value)
    if field == "id":
        return _id_term(value)
    return None


def search(query: str | None) -> Predicate:
    """Return the predicate ``inventoryItems(query:)`` filters by (the module's syntax)."""
    if query is None:
        return lambda _id, _item: True
    alternatives: list[list[tuple[bool, Predicate]]] = [[]]
    negate = False
    for word in _tokens(query):
        if word == "OR":
            alternatives.append([])
            negate = False
            continue
        if word == "AND":
            continue
        if word == "NOT":
            negate = not negate
            continue
        if word.startswith("-") and len(word) > 1:
            negate, word = not negate, word[1:]
        predicate = _term(word)
        if predicate is not None:
            alternatives[-1].append((negate, predicate))
        negate = False

    def matches(item_id: str, item: Item) -> bool:
        return any(all(p(item_id, item) != negated for negated, p in terms)
                   for terms in alternatives)

    return matches
