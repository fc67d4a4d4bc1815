"""Pausing Python's cyclic garbage collector around a long run of calls (core layer).

A ledger's calls make no reference cycles: every row, group, record and key is freed by
reference counting alone, or kept. The cyclic collector still walks what they keep, again
and again as it grows: issue 14 measured it at a quarter of a simulation's time (a full
collection walks the whole journal). ``paused`` switches it off for one bounded run the
ledger drives itself (a replay, a simulation) and back on after, as it was; anything cyclic
made meanwhile (by a caller's clock, say) is collected then, not lost.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Switch the cyclic collector off inside the block, and back on after if it was on."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
