"""The injected clock of the tests: they move time themselves, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class FakeClock:
    """An injected clock: tests move time, nothing sleeps."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


WARSAW = ZoneInfo("Europe/Warsaw")


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    """An instant of Warsaw's wall clock (the test teams' zone), in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)
