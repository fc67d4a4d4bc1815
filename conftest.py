"""Root test configuration: plugins for the suite, and doctest collection of optional adapters.

Adapters whose optional dependency is missing are not collected for doctests, so pytest
runs on an install without the extras.
"""

from __future__ import annotations

import importlib.util

# pytester runs the pytest plugin's own tests (and the README's oracle example) in scratch
# directories.
pytest_plugins = ["pytester"]

_OPTIONAL = {
    "ledger/cost.py": "graphql",
    "ledger/graphql_api.py": "graphql",
    "ledger/httpx_transport.py": "httpx",
    "ledger/requests_adapter.py": "requests",
    "ledger/strategies.py": "hypothesis",
    "ledger/urllib_handler.py": "graphql",
}
collect_ignore = [
    path for path, module in _OPTIONAL.items() if importlib.util.find_spec(module) is None
]
