"""``ledger import``: a snapshot from a Shopify bulk operation's JSON Lines output
(ledger/bulk_import.py, ledger/import_cli.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.cli import main
from ledger.core.versions import SUPPORTED, era_of
from ledger.store import bulk_import

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bulk-inventory.jsonl"
EXAMPLE_STORE = ROOT / "examples" / "store.json"
ITEM_M = "gid://shopify/InventoryItem/44219879620781"
ITEM_L = "gid://shopify/InventoryItem/44219879653549"
SHOP = "gid://shopify/Location/68360421549"
TORONTO = "gid://shopify/Location/71583645869"
ACTIVE_VERSIONS = [v for v in SUPPORTED if era_of(v).is_active_field]
OLD_VERSIONS = [v for v in SUPPORTED if not era_of(v).is_active_field]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def imported(capsys: pytest.CaptureFixture[str], source: Path, out: Path) -> dict[str, Any]:
    status, _, err = run(capsys, "import", str(source), "--out", str(out))
    assert (status, err) == (0, "")
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def without_mutable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot a bulk export can give: ``mutable`` is no InventoryItem field."""
    items = [{k: v for k, v in item.items() if k != "mutable"}
             for item in snapshot["inventoryItems"]]
    return {**snapshot, "inventoryItems": items}


def only_active_levels(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {**snapshot, "inventoryLevels": [lv for lv in snapshot["inventoryLevels"]
                                            if lv["isActive"]]}


def sample_store() -> dict[str, Any]:
    """The shipped example's store, as ``Ledger.snapshot()`` gives it (every attribute)."""
    found = bulk_import.read(EXAMPLE.read_bytes().splitlines(keepends=True))
    return Ledger.from_snapshot(found.snapshot).snapshot()


# ---------------------------------------------------------------------- the shipped example


def test_the_shipped_example_imports_with_real_ids_names_skus_and_every_quantity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "import", str(EXAMPLE), "--out", str(tmp_path / "s.json"))
    assert status == 0
    assert "3 inventory item(s), 5 level(s) at 2 location(s)" in out
    snapshot = json.loads((tmp_path / "s.json").read_text())
    assert [(loc["id"], loc["name"], loc["fulfillsOnlineOrders"])
            for loc in snapshot["locations"]] == [
        (SHOP, "Shop location", True), (TORONTO, "Toronto Warehouse", False)]
    assert [item["sku"] for item in snapshot["inventoryItems"]] == ["TEE-RED-M", "TEE-RED-L",
                                                                    None]
    first = snapshot["inventoryLevels"][0]
    assert first["id"] == "gid://shopify/InventoryLevel/114021580973?inventory_item_id=44219879620781"
    assert first["quantities"] == {"available": 18, "committed": 2, "reserved": 1, "damaged": 1,
                                   "safety_stock": 0, "quality_control": 0, "incoming": 0}
    inactive = [lv for lv in snapshot["inventoryLevels"] if not lv["isActive"]]
    assert [(lv["inventoryItemId"], lv["locationId"], lv["quantities"]["available"])
            for lv in inactive] == [(ITEM_L, TORONTO, 7)]


def test_check_runs_a_plan_on_the_imported_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "store.json"
    imported(capsys, EXAMPLE, state)
    plan = tmp_path / "plan.jsonl"
    plan.write_text(json.dumps({
        "operation": "inventoryAdjustQuantities", "idempotencyKey": "order-1001",
        "variables": {"input": {"name": "available", "reason": "correction", "changes": [{
            "inventoryItemId": ITEM_M, "locationId": SHOP, "delta": -2,
            "changeFromQuantity": 18}]}}}) + "\n")
    status, out, _ = run(capsys, "check", str(plan), "--state", str(state))
    assert status == 0
    assert ("InventoryItem/44219879620781  Location/68360421549  available      18     16      "
            "-2") in out


def test_the_shipped_example_is_what_the_helper_writes_for_its_store() -> None:
    assert EXAMPLE.read_text().splitlines() == bulk_import.to_lines(sample_store(), "2026-04")


# ---------------------------------------------------------------------- round trips


def stores() -> list[Any]:
    example = Ledger.from_snapshot(json.loads(EXAMPLE_STORE.read_text())).snapshot()
    return [pytest.param(example, id="examples-store"),
            pytest.param(sample_store(), id="bulk-example"),
            pytest.param(Ledger.example().snapshot(), id="ledger-example")]


@pytest.mark.parametrize("snapshot", stores())
@pytest.mark.parametrize("version", ["2025-01", "2026-04", "2027-01"])
def test_a_snapshot_written_in_the_bulk_format_imports_back_unchanged(
    snapshot: dict[str, Any], version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, places = tmp_path / "bulk.jsonl", tmp_path / "locations.jsonl"
    source.write_text("\n".join(bulk_import.to_lines(snapshot, version)) + "\n")
    places.write_text("\n".join(bulk_import.location_lines(snapshot)) + "\n")
    status, _, err = run(capsys, "import", str(source), str(places), "--out",
                         str(tmp_path / "out.json"))
    assert (status, err) == (0, "")
    got = json.loads((tmp_path / "out.json").read_text())
    expected = without_mutable(snapshot)
    if not era_of(version).is_active_field:
        expected = only_active_levels(expected)  # Shopify lists only active levels there,
        expected["inventoryLevels"] = [  # and has no isActive: the snapshot's default, true
            {k: v for k, v in lv.items() if k != "isActive"} for lv in expected["inventoryLevels"]]
    assert got == expected
    assert Ledger.from_snapshot(got).snapshot() == Ledger.from_snapshot(expected).snapshot()


def test_lines_in_any_order_import_to_the_same_snapshot() -> None:
    # groupObjects defaults to false from 2026-01: a level may come before its item.
    lines = bulk_import.to_lines(sample_store())
    expected = bulk_import.read(lines).snapshot
    for seed in range(5):
        shuffled = random.Random(seed).sample(lines, len(lines))  # noqa: S311 - no secret
        assert bulk_import.read(shuffled).snapshot == expected


def _with_pages(query: str) -> str:
    # A bulk query takes no page sizes; the ledger's reads, like Shopify's, need one.
    return (query.replace("inventoryItems {", "inventoryItems(first: 250) {")
            .replace("inventoryLevels(includeInactive: true) {",
                     "inventoryLevels(first: 250, includeInactive: true) {")
            .replace("inventoryLevels {", "inventoryLevels(first: 250) {"))


def _flatten(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Lay out a query's response as a bulk operation does: a line per connection node."""
    lines = []
    for edge in data["inventoryItems"]["edges"]:
        item = dict(edge["node"])
        levels = item.pop("inventoryLevels")
        lines.append(item)
        lines += [{**level["node"], "__parentId": item["id"]} for level in levels["edges"]]
    return lines


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_bulk_lines_are_what_the_printed_query_reads_from_the_ledger(version: str) -> None:
    pytest.importorskip("graphql")
    snapshot = sample_store()
    ledger = Ledger.from_snapshot(snapshot, api_version=version)
    body = ledger.graphql(_with_pages(bulk_import.query(version)), max_cost=None)
    assert "errors" not in body
    assert _flatten(body["data"]) == [json.loads(line)
                                      for line in bulk_import.to_lines(snapshot, version)]


# ---------------------------------------------------------------------- the query


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_printed_query_is_valid_in_its_version_and_within_the_bulk_limits(
    version: str,
) -> None:
    graphql = pytest.importorskip("graphql")
    from ledger.shopify import schema as graphql_schema

    text = bulk_import.query(version)
    document = graphql.parse(text)
    assert graphql.validate(graphql_schema.schema(era_of(version)), document) == []
    # At most five connections, nested at most two deep (bulkOperationRunQuery's limits).
    assert text.count("edges {") == 2
    assert "first:" not in text
    assert "last:" not in text
    assert ("includeInactive: true" in text) == era_of(version).is_active_field


def test_the_2026_04_query_asks_for_what_older_versions_do_not_have() -> None:
    graphql = pytest.importorskip("graphql")
    from ledger.shopify import schema as graphql_schema

    errors = graphql.validate(graphql_schema.schema(era_of("2025-10")),
                              graphql.parse(bulk_import.query("2026-04")))
    assert {e.message for e in errors} >= {
        "Unknown argument 'includeInactive' on field 'InventoryItem.inventoryLevels'.",
        "Cannot query field 'isActive' on type 'InventoryLevel'."}


@pytest.mark.parametrize("version", ["2025-10", "2026-04"])
def test_print_query_prints_the_versions_query_and_the_mutation_that_runs_it(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    graphql = pytest.importorskip("graphql")
    status, out, _ = run(capsys, "import", "--print-query", "--api-version", version)
    assert (status, out) == (0, bulk_import.query(version))
    status, out, _ = run(capsys, "import", "--print-query", "--mutation",
                         "--api-version", version)
    assert status == 0
    field = graphql.parse(out).definitions[0].selection_set.selections[0]
    assert field.name.value == "bulkOperationRunQuery"
    (argument,) = field.arguments
    assert argument.name.value == "query"
    # The block string's value is the query itself (GraphQL strips the common indentation).
    assert argument.value.value == bulk_import.query(version).rstrip("\n")


def test_print_query_locations_prints_the_query_of_every_location(
    capsys: pytest.CaptureFixture[str],
) -> None:
    graphql = pytest.importorskip("graphql")
    from ledger.shopify import schema as graphql_schema

    status, out, _ = run(capsys, "import", "--print-query", "--locations")
    assert (status, out) == (0, bulk_import.locations_query())
    for version in SUPPORTED:
        assert graphql.validate(graphql_schema.schema(era_of(version)), graphql.parse(out)) == []


def test_a_location_that_stocks_nothing_needs_the_locations_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = Ledger.example().snapshot()  # its Warehouse stocks nothing
    items = bulk_import.to_lines(snapshot)
    assert [loc["name"] for loc in bulk_import.read(items).snapshot["locations"]] == [
        "Shop location"]
    both = bulk_import.read(items, bulk_import.location_lines(snapshot))
    assert [loc["name"] for loc in both.snapshot["locations"]] == ["Shop location", "Warehouse"]
    mixed = bulk_import.read(bulk_import.location_lines(snapshot) + items)
    assert mixed.snapshot == both.snapshot


def test_the_locations_export_wins_over_a_copy_inline_in_a_level_with_a_warning() -> None:
    snapshot = Ledger.example().snapshot()
    places = [line.replace("Shop location", "Main Street")
              for line in bulk_import.location_lines(snapshot)]
    found = bulk_import.read(bulk_import.to_lines(snapshot), places)
    assert found.snapshot["locations"][0]["name"] == "Main Street"
    assert found.warnings == (
        "line 2: location gid://shopify/Location/1 differs from line 1 (changed while the "
        "operation ran?); line 1 is kept",)


# ---------------------------------------------------------------------- what the reader accepts


def test_a_byte_order_mark_crlf_line_ends_and_blank_lines_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bulk.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + b"\r\n\r\n".join(EXAMPLE.read_bytes().splitlines())
                       + b"\r\n")
    assert imported(capsys, source, tmp_path / "s.json") == imported(capsys, EXAMPLE,
                                                                     tmp_path / "t.json")


def test_an_item_without_levels_and_extra_fields_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bulk.jsonl"
    source.write_text(json.dumps({"__typename": "InventoryItem", "id": ITEM_M, "sku": "A",
                                  "legacyResourceId": "44219879620781",
                                  "updatedAt": "2026-01-01T00:00:00Z"}) + "\n")
    assert imported(capsys, source, tmp_path / "s.json") == {
        "locations": [], "inventoryItems": [{"id": ITEM_M, "sku": "A"}], "inventoryLevels": []}


def test_a_location_that_changed_while_the_operation_ran_keeps_its_first_line_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = EXAMPLE.read_text().splitlines()
    lines[4] = lines[4].replace('"name":"Shop location"', '"name":"Main Street"')
    source = tmp_path / "bulk.jsonl"
    source.write_text("\n".join(lines) + "\n")
    status, out, _ = run(capsys, "import", str(source), "--out", str(tmp_path / "s.json"))
    assert status == 0
    assert (f"warning: {source}: line 5: location {SHOP} differs from line 2 (changed while the "
            "operation ran?); line 2 is kept") in out
    snapshot = json.loads((tmp_path / "s.json").read_text())
    assert snapshot["locations"][0]["name"] == "Shop location"


# ---------------------------------------------------------------------- bad lines


ITEM_LINE = json.dumps({"id": ITEM_M, "sku": "A", "tracked": True})


def level_line(**changes: Any) -> str:
    node: dict[str, Any] = {
        "id": "gid://shopify/InventoryLevel/1?inventory_item_id=44219879620781",
        "location": {"id": SHOP, "name": "Shop location"},
        "quantities": [{"name": n, "quantity": 0} for n in (
            "available", "committed", "damaged", "incoming", "on_hand", "quality_control",
            "reserved", "safety_stock")],
        "__parentId": ITEM_M,
    }
    node.update(changes)
    return json.dumps({k: v for k, v in node.items() if v is not ...})


def quantities(**values: Any) -> list[dict[str, Any]]:
    names = ("available", "committed", "damaged", "incoming", "quality_control", "reserved",
             "safety_stock")
    return [{"name": n, "quantity": values.get(n, 0)} for n in names] + [
        {"name": n, "quantity": v} for n, v in values.items() if n not in names]


BAD_LINES = [
    ("truncated", [ITEM_LINE, level_line()[:40]], "line 2: invalid JSON at column"),
    ("not-an-object", [ITEM_LINE, "[1, 2]"], "line 2: a line must be a JSON object"),
    ("other-type", ['{"id": "gid://shopify/Product/1"}'],
     "line 1: a line without __parentId must be an inventory item"),
    ("duplicate-item", [ITEM_LINE, ITEM_LINE], "line 2: inventory item " + ITEM_M
     + " is also on line 1"),
    ("bad-parent", [ITEM_LINE, level_line(__parentId="gid://shopify/ProductVariant/9")],
     "line 2: __parentId must name an inventory item"),
    ("orphan", [level_line(__parentId="gid://shopify/InventoryItem/5",
                           id="gid://shopify/InventoryLevel/1")],
     "line 1: its __parentId gid://shopify/InventoryItem/5 names no inventory item line"),
    ("no-location", [ITEM_LINE, level_line(location=...)], "line 2: a level needs its location"),
    ("bad-location", [ITEM_LINE, level_line(location={"id": "Shop"})],
     "line 2: location.id must be a location gid"),
    ("missing-names", [ITEM_LINE, level_line(quantities=[{"name": "available", "quantity": 3}])],
     "line 2: quantities lack committed, damaged, incoming, quality_control, reserved, "
     "safety_stock"),
    ("unknown-name", [ITEM_LINE, level_line(quantities=quantities(in_transit=1))],
     "line 2: quantities[7]: unknown quantity name 'in_transit'"),
    ("on-hand-mismatch", [ITEM_LINE, level_line(quantities=quantities(available=2, on_hand=3))],
     "line 2: on_hand 3 does not equal the sum of its parts (2)"),
    ("not-an-integer", [ITEM_LINE, level_line(quantities=quantities(available="5"))],
     "line 2: quantities[0]: quantity of available must be an integer"),
    ("too-large", [ITEM_LINE, level_line(quantities=quantities(available=2**63))],
     "line 2: quantities[0]: quantity of available does not fit in a signed 64-bit integer"),
    ("listed-twice", [ITEM_LINE, level_line(quantities=[*quantities(available=1),
                                                        {"name": "available", "quantity": 1}])],
     "line 2: quantities[7]: available is listed twice"),
    ("duplicate-level", [ITEM_LINE, level_line(), level_line(id=...)],
     f"line 3: item {ITEM_M} has another level at {SHOP} on line 2"),
    ("duplicate-level-id", [ITEM_LINE, level_line(),
                            level_line(location={"id": TORONTO, "name": "T"})],
     "line 3: level gid://shopify/InventoryLevel/1?inventory_item_id=44219879620781 is also "
     "on line 2"),
    ("level-of-another-item", [ITEM_LINE, level_line(
        id="gid://shopify/InventoryLevel/1?inventory_item_id=7")],
     "line 2: level gid://shopify/InventoryLevel/1?inventory_item_id=7 names another item"),
    ("typename", [ITEM_LINE, level_line(__typename="ProductVariant")],
     "line 2: the line has __parentId, so it must be an InventoryLevel, but its __typename "
     "is 'ProductVariant'"),
    ("bad-time", ['{"id": "' + ITEM_M + '", "createdAt": "yesterday"}'],
     "line 1: createdAt is not an ISO 8601 time: 'yesterday'"),
    ("bad-flag", ['{"id": "' + ITEM_M + '", "tracked": "yes"}'],
     "line 1: tracked must be true or false, not 'yes'"),
    ("bad-location-name", [ITEM_LINE, level_line(location={"id": SHOP, "name": 5})],
     "line 2: location: name must be a string, not 5"),
]


@pytest.mark.parametrize(("lines", "message"), [pytest.param(lines, message, id=name)
                                                for name, lines, message in BAD_LINES])
def test_a_bad_line_is_named_and_nothing_is_written(
    lines: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = tmp_path / "bulk.jsonl", tmp_path / "store.json"
    source.write_text("\n".join(lines) + "\n")
    out.write_text("the previous snapshot")
    status, stdout, err = run(capsys, "import", str(source), "--out", str(out))
    assert status == 2
    assert stdout == ""
    assert err.startswith(f"ledger: {source}: {message}"), err
    assert err.count("\n") == 1
    assert out.read_text() == "the previous snapshot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bulk.jsonl", "store.json"]


def test_bytes_that_are_not_utf8_are_named_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bulk.jsonl"
    source.write_bytes(ITEM_LINE.encode() + b"\n" + b'{"id": "\xff"}\n')
    status, _, err = run(capsys, "import", str(source), "--out", str(tmp_path / "s.json"))
    assert status == 2
    assert f"{source}: line 2: not UTF-8" in err
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["import"], "import needs FILE"),
    (["import", "x.jsonl"], "import needs --out"),
    (["import", "--print-query", "x.jsonl"], "--print-query prints the query and reads no file"),
    (["import", "x.jsonl", "--out", "s.json", "--mutation"], "--mutation and --locations go "
     "with --print-query"),
    (["import", "--locations"], "--mutation and --locations go with --print-query"),
    (["import", "missing.jsonl", "--out", "s.json"], "missing.jsonl: cannot read the bulk output"),
    (["import", str(EXAMPLE), "missing.jsonl", "--out", "s.json"],
     "missing.jsonl: cannot read the bulk output"),
    (["import", str(EXAMPLE), "--out", "no/such/dir/s.json"], "cannot write the snapshot"),
])
def test_a_usage_mistake_is_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "s.json").exists()


def test_the_reader_names_the_line_through_the_library_too() -> None:
    with pytest.raises(bulk_import.BulkFormatError, match=r"^line 2: a line must be a JSON"):
        bulk_import.read([ITEM_LINE, "3"])
    with pytest.raises(ValueError, match=r"^line 1: a line without __parentId"):
        bulk_import.read(["{}"])


def test_a_bad_line_of_the_second_file_names_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    places = tmp_path / "locations.jsonl"
    places.write_text(json.dumps({"id": SHOP, "name": "A"}) + "\n"
                      + json.dumps({"id": SHOP, "name": "B"}) + "\n")
    status, _, err = run(capsys, "import", str(EXAMPLE), str(places), "--out",
                         str(tmp_path / "s.json"))
    assert status == 2
    assert err == f"ledger: {places}: line 2: location {SHOP} is also on line 1\n"
    assert not (tmp_path / "s.json").exists()


def test_a_dash_reads_the_bulk_output_from_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EXAMPLE.read_bytes())))
    assert imported(capsys, Path("-"), tmp_path / "s.json") == imported(
        capsys, EXAMPLE, tmp_path / "t.json")
