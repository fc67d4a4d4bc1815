"""Every worked case in ../shared/spec/cases and ../shared/spec/cases-v2 runs through ``execute``.

The folders are read at collection time, so new case files are picked up without code
changes. A user's clone has no ``../shared``: these tests then skip with the reason, unless
``LEDGER_REQUIRE_SHARED_CASES`` is set (as ``.ci/run`` does), which turns a missing folder
into a failure. (tests/test_graphql_api.py runs every case through ``graphql()`` too.)
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from tests.support import FakeClock

SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "spec"
#: The case folders, in the order the contract added them (v2: December 2026).
CASE_DIRS = (SPEC_DIR / "cases", SPEC_DIR / "cases-v2")
CASES_DIR = CASE_DIRS[0]
CASE_FILES = [path for folder in CASE_DIRS if folder.is_dir()
              for path in sorted(folder.glob("*.json"))]
REQUIRED = bool(os.environ.get("LEDGER_REQUIRE_SHARED_CASES"))


def matches(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Return the mismatches of ``actual`` against the subset pattern ``expected``."""
    if expected == "<any>":
        return [] if actual is not None else [f"{path}: expected a value, got null"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out = []
        for key, value in expected.items():
            if value == "<absent>":
                if key in actual:
                    out.append(f"{path}.{key}: expected absent, got {actual[key]!r}")
            elif key not in actual:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(matches(value, actual[key], f"{path}.{key}"))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(matches(e, a, f"{path}[{i}]"))
        return out
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("folder", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_the_shared_cases_folder_is_present_or_the_skip_is_explained(folder: Path) -> None:
    if not (folder.is_dir() and any(folder.glob("*.json"))):
        message = f"no worked cases found at {folder} (a clone without ../shared)"
        if REQUIRED:
            pytest.fail(message + "; LEDGER_REQUIRE_SHARED_CASES is set")
        pytest.skip(message)


@pytest.mark.parametrize("case_file", CASE_FILES,
                         ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES])
def test_shared_case(case_file: Path) -> None:
    case = json.loads(case_file.read_text())
    clock = FakeClock()
    if case.get("clock"):
        clock.now = datetime.fromisoformat(case["clock"].replace("Z", "+00:00"))
    ledger = Ledger.from_snapshot(case["snapshot"], api_version=case["apiVersion"], clock=clock)
    for n, step in enumerate(case["steps"]):
        clock.advance(step.get("advanceClockSeconds", 0))
        body = ledger.execute(
            step["operation"], step["variables"], idempotency_key=step.get("idempotencyKey")
        )
        expect = step.get("expect", {})
        problems = matches(expect.get("response", {}), body)
        for key, wanted in expect.get("quantities", {}).items():
            item, location = (part.strip() for part in key.split("@"))
            have = ledger.quantities(item, location)
            problems.extend(
                f"quantities[{key}].{name}: expected {value}, got {have[name]}"
                for name, value in wanted.items()
                if have[name] != value
            )
        ledger._check()
        assert not problems, f"step {n} ({step['operation']}):\n" + "\n".join(problems) + (
            "\nbody: " + json.dumps(body, indent=1)
        )
