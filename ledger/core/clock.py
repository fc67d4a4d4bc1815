"""A clock that stands still until told to move (for tests, simulations and replays), and
Shopify's ``DateTime`` text for a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A settable clock: ``Ledger(clock=ManualClock(...))``, then ``advance(seconds)``.

    >>> clock = ManualClock(datetime(2026, 6, 25, tzinfo=UTC))
    >>> clock.advance(90)
    >>> clock().isoformat()
    '2026-06-25T00:01:30+00:00'
    """

    def __init__(self, start: datetime | None = None) -> None:
        when = start if start is not None else datetime(2026, 1, 1, tzinfo=UTC)
        if when.tzinfo is None:
            raise ValueError("the start time must be timezone-aware")
        self.now = when

    def __call__(self) -> datetime:
        """Return the current time of this clock."""
        return self.now

    def advance(self, seconds: float | timedelta) -> None:
        """Move the clock forward (or back, when negative) by ``seconds`` or a ``timedelta``.

        >>> clock = ManualClock(datetime(2026, 6, 25, tzinfo=UTC))
        >>> clock.advance(timedelta(hours=1))
        >>> clock().isoformat()
        '2026-06-25T01:00:00+00:00'
        """
        self.now += seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)


def timestamp(when: datetime) -> str:
    """Format a time as Shopify's ``DateTime``: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    when = when.astimezone(UTC)
    return (f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:"
            f"{when.minute:02d}:{when.second:02d}Z")
