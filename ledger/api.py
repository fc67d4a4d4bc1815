"""The facade: ``Ledger`` (the engine with interface.md's Shopify-shaped interface on top)
and ``DurableLedger`` (a ``Ledger`` journaled on disk by ``ledger.store.durable``).

This is the one module that joins the layers: the core's engine, the Shopify codec and the
storage formats. Nothing below it imports it at run time (``tests/test_layers.py``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

from ledger.core.engine import Clock, Engine, synchronized
from ledger.core.versions import DEFAULT, era_of
from ledger.shopify import codec
from ledger.store import oplog, snapshot
from ledger.store.durable.codec import check_body, ledger_from_body
from ledger.store.durable.log import DurableMixin
from ledger.store.durable.recovery import open_store

if TYPE_CHECKING:
    from ledger.core.commands import Command
    from ledger.core.results import Result


class Ledger(Engine):
    """One store's inventory, in memory: Shopify's semantics, exact, for one API version.

    >>> ledger = Ledger.example()
    >>> body = ledger.execute("inventoryAdjustQuantities", {"input": {
    ...     "name": "available", "reason": "correction", "changes": [{
    ...         "inventoryItemId": "gid://shopify/InventoryItem/1",
    ...         "locationId": "gid://shopify/Location/1", "delta": -4, "changeFromQuantity": 10}]}},
    ...     idempotency_key="order-1001")
    >>> body["data"]["inventoryAdjustQuantities"]["userErrors"]
    []
    >>> ledger.quantities("gid://shopify/InventoryItem/1", "gid://shopify/Location/1")["available"]
    6
    """

    @classmethod
    def from_snapshot(
        cls,
        snapshot_: object,
        api_version: str = DEFAULT,
        clock: Clock | None = None,
        **options: Any,
    ) -> Ledger:
        """Return a ledger holding the state of ``snapshot_`` (interface.md's format).

        Raises ``ValueError`` naming the offending entry when the snapshot breaks a rule.
        """
        return snapshot.engine_from(cls, snapshot_, api_version, clock, **options)

    @classmethod
    def example(cls, api_version: str = DEFAULT, clock: Clock | None = None,
                **options: Any) -> Ledger:
        """Return a small store: one item with 10 available at "Shop location" (for examples).

        ``options`` go to ``Ledger`` (``faults=``, ``group_ids=``, ...).
        """
        return cls.from_snapshot({
            "locations": [{"id": "gid://shopify/Location/1", "name": "Shop location"},
                          {"id": "gid://shopify/Location/2", "name": "Warehouse"}],
            "inventoryItems": [{"id": "gid://shopify/InventoryItem/1"}],
            "inventoryLevels": [{"inventoryItemId": "gid://shopify/InventoryItem/1",
                                 "locationId": "gid://shopify/Location/1",
                                 "quantities": {"available": 10}}],
        }, api_version, clock, **options)

    @classmethod
    def open(cls, path: str | os.PathLike[str], **options: Any) -> DurableLedger:
        """Open (or, given ``snapshot=``, create) a durable ledger journalled at ``path``.

        Every call is appended to a checksummed journal on disk before it returns; state is
        rebuilt on open from the newest snapshot plus the journal. See ``ledger.durable``
        for the options (``fsync``, ``snapshot_every``, ``repair``, ...).
        """
        return open_ledger(path, **options)

    @classmethod
    def from_oplog(
        cls,
        snapshot_: object,
        source: str | os.PathLike[str] | IO[str],
        *,
        api_version: str | None = None,
        clock: Clock | None = None,
        **options: Any,
    ) -> Ledger:
        """Return the ledger that replaying a log (``export_oplog``'s file) onto a snapshot gives.

        ``snapshot_`` must be the state the log started from. The ledger's version is the
        log header's unless ``api_version`` is given; ``clock`` serves the calls made after
        the replay. Raises ``ValueError`` naming the line of a malformed log, and
        ``ReplayMismatchError`` (a ``ValueError``) if a call does not replay as recorded.
        The log is trusted (``Engine.replay`` without ``verify``); ``ledger verify``
        re-runs every call instead.
        """
        if isinstance(source, str | os.PathLike):
            with oplog.open_text(source) as f:
                try:
                    return cls.from_oplog(snapshot_, f, api_version=api_version, clock=clock,
                                          **options)
                except oplog.ReplayMismatchError as error:
                    raise oplog.ReplayMismatchError(f"{os.fspath(source)}: {error}") from None
                except ValueError as error:  # every reader's error names the line; add the file
                    raise ValueError(f"{os.fspath(source)}: {error}") from None
        head, records = oplog.stream(source)
        start = oplog.base_seq(head)
        if "loadedAt" in head and "loaded_at" not in options:
            options = {**options,
                       "loaded_at": oplog.parse_time(head["loadedAt"], "the header's loadedAt")}
        if isinstance(snapshot_, dict) and "engine" in snapshot_:
            # A durable store's snapshot body (``snapshot-<seq>.json``): its engine part too.
            body = check_body(snapshot_, "the starting snapshot")
            if body["seq"] != start:
                raise ValueError(f"the starting snapshot follows record {body['seq']}, but the "
                                 f"log starts after record {start}")
            ledger: Ledger = ledger_from_body(cls, body, api_version or head["apiVersion"],
                                              clock, options, "the starting snapshot")
        elif start:
            raise ValueError(f"the log starts after record {start}: replay it onto the body of "
                             f"its store's snapshot-{start}.json, not onto a public snapshot")
        else:
            ledger = cls.from_snapshot(snapshot_, api_version or head["apiVersion"], clock,
                                       **options)
        if ledger._oplog is not None and start:
            ledger._oplog = oplog.OpLog(None, start, head.get("base"))
        # Streams, a block of records at a time: a log of any length replays in flat memory.
        # A checksummed log is trusted: its applied records skip the stages before their
        # mutation (``Engine.replay``).
        ledger.replay(oplog.read_ahead(records), verify=False)
        return ledger

    @synchronized
    def export_oplog(self, target: str | os.PathLike[str] | IO[str]) -> int:
        """Write every call this ledger ran as a JSON Lines log (``ledger.oplog``'s format).

        Returns the number of records written. ``from_oplog`` with the starting snapshot
        gives back the same state, journal, ids and timestamps. Records stream from where the
        ledger keeps them (a durable store's journal file), so memory stays flat.
        """
        log = self._oplog
        records = iter(log) if log is not None else iter(())
        base = log.base if log is not None else None
        if isinstance(target, str | os.PathLike):
            with open(target, "w", encoding="utf-8") as f:
                return oplog.write(records, f, self.api_version, base, self.loaded_at)
        return oplog.write(records, target, self.api_version, base, self.loaded_at)

    @synchronized
    def snapshot(self) -> dict[str, Any]:
        """Return the state in the snapshot format; ``from_snapshot`` of it gives it back."""
        return snapshot.dump(self._state)

    def execute(
        self,
        operation: str,
        variables: object,
        *,
        idempotency_key: str | None = None,
        api_version: str | None = None,
    ) -> dict[str, Any]:
        """Run one mutation from its GraphQL variables; return Shopify's response body.

        ``idempotency_key`` is the value of ``@idempotent(key:)`` (``None``: no directive);
        ``api_version`` overrides the ledger's version for this call. Never raises for
        anything inside ``variables``; an unknown ``operation`` or ``api_version`` raises
        ``ValueError``.
        """
        era = self._era if api_version is None else era_of(api_version)
        return codec.execute(self._run_at(api_version), era, operation, variables,
                             idempotency_key,
                             quantity_after_change=self.report_quantity_after_change)

    def _run_at(self, api_version: str | None) -> Callable[[Command, str | None], Result]:
        """``run`` for calls pinned to ``api_version``: ``run`` itself for the ledger's own
        version (a ``functools.partial`` with a keyword builds a dict on every call)."""
        if api_version is None:
            return self.run
        return functools.partial(self.run, api_version=api_version)

    @synchronized
    def graphql(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        api_version: str | None = None,
        max_cost: int | None = 1000,
    ) -> dict[str, Any]:
        """Execute a GraphQL document as Shopify's Admin API does; return the response body.

        Mutations give exactly what ``execute`` gives for the same variables and
        ``@idempotent(key:)`` (errors tied to the document also carry ``locations``);
        reads, aliases, fragments and introspection work. ``api_version`` overrides the
        ledger's version for this request (an unsupported one raises ``ValueError``).
        A document whose requested cost exceeds ``max_cost`` (Shopify's single-query maximum,
        1000) gets Shopify's ``MAX_COST_EXCEEDED`` and runs nothing; ``None`` lifts the cap
        (every other bound of a request stays). Needs graphql-core: install the ``graphql``
        extra (``pip install 'shopify-inventory-ledger[graphql]'``).
        """
        return _graphql_run()(
            self, query, variables, operation_name=operation_name, api_version=api_version,
            max_cost=max_cost,
        )


@functools.cache
def _graphql_run() -> Callable[..., dict[str, Any]]:
    """Return ``ledger.shopify.graphql_api.run``, imported (with graphql-core) on first use.

    Once: an ``import`` statement run on every ``graphql()`` call goes through importlib's
    Python-level ``_handle_fromlist`` each time.
    """
    try:
        from ledger.shopify import graphql_api
    except ImportError as error:  # pragma: no cover - graphql-core is a dev dependency
        raise ImportError(
            "Ledger.graphql needs graphql-core; install the 'graphql' extra: "
            "pip install 'shopify-inventory-ledger[graphql]'"
        ) from error
    return graphql_api.run


class DurableLedger(DurableMixin, Ledger):
    """A ``Ledger`` whose every call is journaled on disk (``open_ledger`` makes one)."""

    def export_oplog(self, target: str | os.PathLike[str] | IO[str]) -> int:
        """Write the store's whole journal as an operation log (``Ledger.export_oplog``).

        Every record since the journal's base, read back from disk (so memory stays flat);
        the header names that base (``snapshot-0``'s, for a store never rebased), so that
        ``Ledger.from_oplog`` with the store's initial snapshot gives this ledger back.
        """
        return super().export_oplog(target)


def open_ledger(path: str | os.PathLike[str], **options: Any) -> DurableLedger:
    """Open (or, given ``snapshot=``, create) the durable store at ``path``.

    The options are ``ledger.store.durable.recovery.open_store``'s (``snapshot``,
    ``api_version``, ``clock``, ``fsync``, ``snapshot_every``, ``repair``, ``read_only``, ...);
    the rest go to ``Ledger``.
    """
    return open_store(DurableLedger, path, **options)
