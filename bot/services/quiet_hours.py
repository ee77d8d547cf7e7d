"""Quiet hours: the team's night, when nothing about a passing moment is sent.

Cheers, leader changes, contest countdowns and pace alerts that fall inside are dropped, not
deferred: by morning the moment has passed, and the daily post and digests count everything
anyway. Meeting reminders and a person's own conversation replies never ask this module.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_START = time(21, 0)
DEFAULT_END = time(8, 0)


def is_quiet_at(start: time, end: time, local: time) -> bool:
    """Whether a local wall-clock time is inside [start, end); a window may cross midnight.

    start == end means no quiet hours at all (an empty window, not a whole day of silence).
    """
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def is_quiet(start: time, end: time, zone: ZoneInfo, moment: datetime) -> bool:
    """Whether an aware `moment` falls inside the quiet hours [start, end) of the team's `zone`."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return is_quiet_at(start, end, moment.astimezone(zone).time().replace(tzinfo=None))


class HasQuietHours(Protocol):
    """A team row or view: its zone and its quiet hours as stored ("HH:MM")."""

    @property
    def timezone(self) -> str: ...
    @property
    def quiet_start(self) -> str: ...
    @property
    def quiet_end(self) -> str: ...


def window_of(team: HasQuietHours) -> tuple[time, time]:
    return time.fromisoformat(team.quiet_start), time.fromisoformat(team.quiet_end)


def team_is_quiet(team: HasQuietHours, moment: datetime) -> bool:
    """Whether `moment` falls in this team's quiet hours."""
    start, end = window_of(team)
    return is_quiet(start, end, ZoneInfo(team.timezone), moment)
