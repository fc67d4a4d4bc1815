"""Every Python block of docs/clients.md, run exactly as written, with the network cut off.

A block whose first line is ``# test_<name>.py`` is a test module: it runs through pytester
with the pytest plugin; every other block is run as a script in a fresh namespace. Throughout,
every way to reach the network (``socket.getaddrinfo``, ``socket.create_connection``,
``socket.socket.connect``) raises, so a recipe that resolved a host or opened a connection
would fail.
"""

from __future__ import annotations

import re
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("graphql")

DOC = Path(__file__).resolve().parent.parent / "docs" / "clients.md"
# Load the plugin by module; block the entry point so an installed copy is not loaded twice.
PLUGIN = ("-p", "no:ledger", "-p", "ledger.pytest_plugin")
_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_TEST_MODULE = re.compile(r"# (test_\w+)\.py\n")


def recipes() -> list[tuple[str, str]]:
    """Each Python block of the page with the heading of its section, in page order."""
    text = DOC.read_text(encoding="utf-8")
    headings = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    out = []
    for block in _FENCE.finditer(text):
        heading = next((h for start, h in reversed(headings) if start < block.start()), "")
        out.append((heading, block.group(1)))
    return out


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


RECIPES = recipes()


class _NetworkUseError(AssertionError):
    """A recipe tried to reach the network."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every host lookup and connection fail; return what was attempted."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args!r}")
            raise _NetworkUseError(f"{name} called with {args!r}")

        return refused

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


@pytest.fixture
def restored_opener() -> Any:
    """Put back whatever opener ``urlopen`` used, whatever a recipe installs."""
    previous = getattr(urllib.request, "_opener", None)
    yield
    urllib.request.install_opener(previous)


def test_the_page_has_a_recipe_for_every_client() -> None:
    text = "\n".join(code for _, code in RECIPES)
    for client in ("httpx.Client(", "httpx.AsyncClient(", "HTTPXTransport(",
                   "HTTPXAsyncTransport(", "RequestsHTTPTransport(", "requests.Session(",
                   "shopify.GraphQL()", "shopify_httpx_async_client", "shopify_urllib_opener"):
        assert client in text, client


@pytest.mark.parametrize(
    "code", [code for _, code in RECIPES if not _TEST_MODULE.match(code)],
    ids=[_slug(h) for h, code in RECIPES if not _TEST_MODULE.match(code)],
)
@pytest.mark.usefixtures("restored_opener")
def test_a_recipe_runs_as_pasted_without_the_network(
    code: str, no_network: list[str]
) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("requests")
    for module in re.findall(r"^(?:from|import) (\w+)", code, re.MULTILINE):
        if module in ("gql", "shopify"):
            pytest.importorskip(module)
    exec(compile(code, str(DOC), "exec"), {"__name__": "__main__"})  # noqa: S102 -- the doc's own code
    assert no_network == []


@pytest.mark.parametrize(
    "code", [code for _, code in RECIPES if _TEST_MODULE.match(code)],
    ids=[_slug(h) for h, code in RECIPES if _TEST_MODULE.match(code)],
)
@pytest.mark.usefixtures("restored_opener")
def test_a_test_module_recipe_passes_under_the_plugin_without_the_network(
    code: str, pytester: pytest.Pytester, no_network: list[str]
) -> None:
    pytest.importorskip("httpx")
    pytest.importorskip("anyio")
    pytest.importorskip("shopify")
    match = _TEST_MODULE.match(code)
    assert match is not None
    pytester.makepyfile(**{match.group(1): code})
    result = pytester.runpytest(*PLUGIN)
    tests = len(re.findall(r"^(?:async )?def test_", code, re.MULTILINE))
    result.assert_outcomes(passed=tests)
    assert no_network == []
