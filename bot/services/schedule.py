"""When a team's outputs fire: post days, local times across DST, and catch-up after downtime.

Everything here is pure: a `TeamSchedule` and an injected `now` in, instants out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.services.periods import fire_at
from storage.queries import teams

CATCH_UP = timedelta(hours=3)
DIGEST_TIME = time(8, 0)
WEEKDAYS = range(1, 8)  # ISO: 1 = Monday ... 7 = Sunday


class Kind(StrEnum):
    # The day close comes first: the daily post of the same tick names its winners.
    DAILY_REWARDS = "daily-rewards"
    DAILY_POST = "daily-post"
    DIGEST_DAILY = "digest-daily"
    DIGEST_WEEKLY = "digest-weekly"
    NUDGE = "nudge"


@dataclass(frozen=True)
class TeamSchedule:
    team_id: int
    name: str
    timezone: str
    post_time: time
    nudge_time: time
    post_days: frozenset[int]
    holiday_country: str | None
    own_holidays: frozenset[date]

    @property
    def zone(self) -> ZoneInfo:
        return teams.zone(self.timezone)


def parse_days(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


def format_days(days: frozenset[int]) -> str:
    return ",".join(str(day) for day in sorted(days))


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_public_holiday(country: str | None, day: date) -> bool:
    return country is not None and day in _public_holidays(country, day.year)


def is_post_day(schedule: TeamSchedule, day: date) -> bool:
    return (
        day.isoweekday() in schedule.post_days
        and day not in schedule.own_holidays
        and not is_public_holiday(schedule.holiday_country, day)
    )


def previous_post_day(schedule: TeamSchedule, day: date) -> date | None:
    """The last post day before `day` (within a month: a team always has some)."""
    for back in range(1, 32):
        candidate = day - timedelta(days=back)
        if is_post_day(schedule, candidate):
            return candidate
    return None


def _applies(schedule: TeamSchedule, kind: Kind, day: date) -> bool:
    if kind is Kind.DIGEST_WEEKLY:
        return day.isoweekday() == 1
    return is_post_day(schedule, day)


def time_of(schedule: TeamSchedule, kind: Kind) -> time:
    if kind in (Kind.DAILY_POST, Kind.DAILY_REWARDS):
        return schedule.post_time
    if kind is Kind.NUDGE:
        return schedule.nudge_time
    return DIGEST_TIME


def due_day(schedule: TeamSchedule, kind: Kind, now: datetime) -> date | None:
    """The local day whose `kind` output is due at `now` (fired, and within the catch-up window)."""
    today = now.astimezone(schedule.zone).date()
    for day in (today, today - timedelta(days=1)):
        if not _applies(schedule, kind, day):
            continue
        start = fire_at(day, time_of(schedule, kind), schedule.zone)
        if start <= now < start + CATCH_UP:
            return day
    return None


CLOSE_LOOKBACK = 7


def days_to_close(schedule: TeamSchedule, now: datetime) -> list[date]:
    """Post days of the last week whose close time has passed, oldest first.

    Unlike a message, a day's rewards are owed whenever the bot comes back, so the close is
    not limited to the catch-up window; the claims skip the days already closed.
    """
    today = now.astimezone(schedule.zone).date()
    days = [today - timedelta(days=back) for back in range(CLOSE_LOOKBACK, -1, -1)]
    # A day before today closed at its post time on that day, which is past: only today's close
    # time needs working out (the tick asks this of every team every 30 seconds).
    return [
        d
        for d in days
        if is_post_day(schedule, d) and (d < today or fire_at(d, schedule.post_time, schedule.zone) <= now)
    ]


def next_fire(schedule: TeamSchedule, kind: Kind, now: datetime) -> datetime | None:
    """The next instant at or after `now` when `kind` fires (looking up to two months ahead)."""
    today = now.astimezone(schedule.zone).date()
    for ahead in range(62):
        day = today + timedelta(days=ahead)
        if _applies(schedule, kind, day):
            instant = fire_at(day, time_of(schedule, kind), schedule.zone)
            if instant >= now:
                return instant
    return None
