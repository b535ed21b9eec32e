"""The one place that reads the time, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**kwargs)


clock: Clock = Clock()


def utcnow() -> datetime:
    return clock.now()


def set_clock(new_clock: Clock) -> Clock:
    global clock
    previous, clock = clock, new_clock
    return previous


def ensure_utc(value: datetime) -> datetime:
    """Timestamps are stored in UTC; naive values read back from SQLite are UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
