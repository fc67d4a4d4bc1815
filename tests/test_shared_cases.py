"""Every worked case in ../shared/spec/cases runs through ``Ledger.execute``.

The folder is read at collection time, so new case files are picked up without code changes.
A user's clone has no ``../shared``: these tests then skip with the reason, unless
``LEDGER_REQUIRE_SHARED_CASES`` is set (as ``.ci/run`` does), which turns that into a failure.
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

CASES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "spec" / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json")) if CASES_DIR.is_dir() else []
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


def test_the_shared_cases_folder_is_present_or_the_skip_is_explained() -> None:
    if not CASE_FILES:
        message = f"no worked cases found at {CASES_DIR} (a clone without ../shared)"
        if REQUIRED:
            pytest.fail(message + "; LEDGER_REQUIRE_SHARED_CASES is set")
        pytest.skip(message)


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
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
