"""The layout is the architecture: the core imports nothing above it, no layer imports one
above it, and no import circle exists anywhere in ``ledger`` (docs/architecture.md).

Imports are read from the source (``ast``), not by importing, so that an import made inside a
function (to defer an optional dependency, say) counts like any other: a circle hidden in a
function is still a circle. Imports under ``if TYPE_CHECKING:`` never run; they count for the
core's boundary (the core may not even name an outer type) but not for circles, where they
let a lower layer annotate with the facade's ``Ledger``. The implicit import of a parent
package (``import ledger.core.engine`` runs ``ledger/__init__.py`` first) is not an edge:
every module would otherwise sit in one circle with the package's public face.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1] / "ledger"

#: Each layer and the layers it may import at run time (itself included).
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "store": frozenset({"core", "store"}),
    "shopify": frozenset({"core", "shopify"}),
    "facade": frozenset({"core", "store", "shopify", "facade"}),
    "sim": frozenset({"core", "store", "shopify", "facade", "sim"}),
    "testing": frozenset({"core", "store", "shopify", "facade", "testing"}),
    "cli": frozenset({"core", "store", "shopify", "facade", "sim", "cli"}),
    # The old import paths: each is a thin re-export of the module that moved.
    "compat": frozenset({"core", "store", "shopify", "facade", "sim", "testing", "cli",
                         "compat"}),
}
#: Top-level modules that are not re-exports of a moved module.
FACADE = frozenset({"ledger", "ledger.api"})
#: The old paths of moved modules, and where each moved (tests below import both).
SHIMS: dict[str, str] = {
    "ledger.clock": "ledger.core.clock",
    "ledger.errors": "ledger.core.errors",
    "ledger.quantities": "ledger.core.quantities",
    "ledger.idempotency": "ledger.core.idempotency",
    "ledger.oplog": "ledger.store.oplog",
    "ledger.durable": "ledger.store.durable",
    "ledger.http": "ledger.shopify.http",
    "ledger.httpx_transport": "ledger.shopify.httpx_transport",
    "ledger.requests_adapter": "ledger.shopify.requests_adapter",
    "ledger.urllib_handler": "ledger.shopify.urllib_handler",
    "ledger.simulation": "ledger.sim.simulation",
    "ledger.sweep": "ledger.sim.sweep",
    "ledger.strategies": "ledger.testing.strategies",
    "ledger.pytest_plugin": "ledger.testing.pytest_plugin",
}
#: What the core may import from outside the standard library.
CORE_THIRD_PARTY = frozenset({"attrs", "sortedcontainers"})


@attrs.frozen
class Import:
    """One import statement's target, where it stands, and whether it only type-checks."""

    source: str
    target: str
    line: int
    type_only: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS and parts[1] not in {"facade", "compat"}:
        return parts[1]
    if module in FACADE:
        return "facade"
    if module == "ledger.__main__":
        return "cli"  # ``python -m ledger`` is the command line
    if module in SHIMS or module.split(".")[:2] == ["ledger", "durable"]:
        return "compat"
    raise AssertionError(f"{module} belongs to no layer: add it to one in tests/test_layers.py")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str) -> Iterator[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, type_only: bool) -> Iterator[Import]:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from visit(child, True)
            for child in node.orelse:
                yield from visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno, type_only)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            for alias in node.names:
                # ``from ledger.store import oplog`` imports the module ledger.store.oplog.
                sub = f"{target}.{alias.name}"
                yield Import(module, sub if sub in MODULES else target, node.lineno, type_only)
        for child in ast.iter_child_nodes(node):
            yield from visit(child, type_only)

    yield from visit(tree, False)


ALL: list[Import] = [found for module in MODULES for found in imports_of(module)]


def test_every_module_of_the_package_belongs_to_a_layer() -> None:
    for module in MODULES:
        layer_of(module)  # raises naming the module


def test_the_core_imports_only_the_standard_library_attrs_sortedcontainers_and_itself() -> None:
    wrong = []
    for found in ALL:
        if layer_of(found.source) != "core":
            continue
        top = found.target.split(".")[0]
        if top == "ledger":
            if not found.target.startswith("ledger.core"):
                wrong.append(found)
        elif top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY and top:
            wrong.append(found)
    assert not wrong, "\n".join(f"{f.source}:{f.line} imports {f.target}" for f in wrong)


def test_no_layer_imports_a_layer_above_it_at_run_time() -> None:
    wrong = [
        f"{found.source}:{found.line} ({layer_of(found.source)}) imports {found.target} "
        f"({layer_of(found.target)})"
        for found in ALL
        if not found.type_only and found.target in MODULES
        and layer_of(found.target) not in LAYERS[layer_of(found.source)]
    ]
    assert not wrong, "\n".join(wrong)


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def runtime_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL:
        if not found.type_only and found.target in MODULES and found.target != found.source:
            edges[found.source].add(found.target)
    return edges


def test_there_is_no_import_circle_anywhere_in_the_package() -> None:
    circles = _circles(runtime_edges())
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def test_the_circle_finder_finds_a_circle_hidden_in_a_function() -> None:
    # The finder itself, on a made-up graph: a -> b at the top, b -> a inside a function.
    assert _circles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_an_import_inside_a_function_is_read(tmp_path: Path) -> None:
    # ``imports_of`` sees deferred imports and marks TYPE_CHECKING ones, on a real module.
    found = list(imports_of("ledger.api"))
    assert any(f.target == "ledger.shopify.graphql_api" and not f.type_only for f in found)


@pytest.mark.parametrize(("old", "new"), sorted(SHIMS.items()))
def test_an_old_import_path_gives_the_same_objects_as_the_new_one(old: str, new: str) -> None:
    if old in {"ledger.http", "ledger.httpx_transport", "ledger.requests_adapter",
               "ledger.urllib_handler"}:
        pytest.importorskip("graphql")
    if old == "ledger.httpx_transport":
        pytest.importorskip("httpx")
    if old == "ledger.requests_adapter":
        pytest.importorskip("requests")
    if old in {"ledger.strategies", "ledger.pytest_plugin"}:
        pytest.importorskip("hypothesis")
    before, after = importlib.import_module(old), importlib.import_module(new)
    public = getattr(after, "__all__", None) or [
        name for name in vars(after) if not name.startswith("_")
        and getattr(getattr(after, name), "__module__", new) == new]
    assert public, f"{new} exports nothing"
    for name in public:
        assert getattr(before, name) is getattr(after, name), f"{old}.{name}"


def test_the_durable_path_keeps_the_class_and_the_opener() -> None:
    from ledger import api, durable

    assert durable.DurableLedger is api.DurableLedger
    assert durable.open_ledger is api.open_ledger
    assert issubclass(durable.DurableLedger, api.Ledger)
