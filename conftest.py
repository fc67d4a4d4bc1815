"""Root test configuration: plugins for the suite, and doctest collection of optional adapters.

A module of ``ledger`` whose optional dependency (graphql-core, httpx, requests, Hypothesis)
is not installed is not collected for doctests, so pytest runs on an install without the
extras. Which modules those are is found by importing each one, not from a list: a module
that moves, or a new one, needs no entry here.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

# pytester runs the pytest plugin's own tests (and the README's oracle example) in scratch
# directories.
pytest_plugins = ["pytester"]

_ROOT = Path(__file__).resolve().parent
#: The extras' packages: a module that cannot import one of them is skipped, not an error.
_OPTIONAL = frozenset({"graphql", "httpx", "requests", "hypothesis"})
#: Modules that import without their extra but whose examples run a request through it.
_EXAMPLES_NEED = {"ledger.shopify.urllib_handler": "graphql", "ledger.urllib_handler": "graphql"}


def _missing(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is None
    except ImportError:
        return True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip a ``ledger`` module whose optional dependency is missing (see the docstring)."""
    if (collection_path.suffix != ".py" or collection_path.name == "__main__.py"
            or _ROOT / "ledger" not in collection_path.parents):
        return None  # pytest never imports a __main__.py for doctests; running it would exit
    parts = collection_path.relative_to(_ROOT).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    needed = _EXAMPLES_NEED.get(name)
    if needed is not None and _missing(needed):
        return True
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] in _OPTIONAL:
            return True
        raise
    return None
