"""Pausing Python's cyclic garbage collector around a long run of calls (core layer).

A ledger's calls make no reference cycles: every row, group, record and key is freed by
reference counting alone, or kept. The cyclic collector still walks what they keep, again
and again as it grows: issue 14 measured it at a quarter of a simulation's time (a full
collection walks the whole journal). ``paused`` switches it off for one bounded run the
ledger drives itself (a replay, a simulation) and back on after, as it was.

On the way out, what the block made and kept is moved to the oldest generation
(``gc.freeze()`` then ``gc.unfreeze()``: two list splices, O(1)). Left young, it would all be
walked by the first collection after the block, whose count of young objects the pause let
grow unchecked (issue 14: a 30-day simulation left 817,032; that one collection took 0.47 s
of an 11 s run). In the oldest generation it is walked only by a full collection, as
anything long-lived is. Anything cyclic made meanwhile (by a caller's clock, say) is
collected by the next full collection (``gc.collect()`` or the collector's own), not lost.
A caller that has frozen objects itself (``gc.get_freeze_count()``) keeps them frozen: the
move is skipped then, and the first collection walks the young objects as before.
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
        if gc.get_freeze_count() == 0:  # freeze + unfreeze: every generation into the oldest
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()
