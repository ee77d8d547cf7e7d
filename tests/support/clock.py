"""The injected clock of the tests: they move time themselves, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime


class FakeClock:
    """An injected clock: tests move time, nothing sleeps."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
