"""Local calendar periods turned into UTC ranges.

Period boundaries are the team's local midnights; the database is queried with the UTC instants
of those midnights, so a sale at 23:30 local counts on its local day whatever the UTC date, and
DST days (23 or 25 hours long) count every sale once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def fold_word(word: str) -> str:
    """A typed word as matched: any letter case, with or without Polish diacritics ("Tydzień" = "tydzien")."""
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Every word a person may type for a period, in either language, folded.
PERIOD_WORDS: dict[str, Period] = {
    "day": Period.DAY,
    "dzien": Period.DAY,
    "week": Period.WEEK,
    "tydzien": Period.WEEK,
    "month": Period.MONTH,
    "miesiac": Period.MONTH,
}


def period_word(word: str) -> Period | None:
    """The period a typed word names (`dzień`, `TYDZIEN`, `month`, …), None for any other word."""
    return PERIOD_WORDS.get(fold_word(word))


@dataclass(frozen=True)
class Span:
    """[start, end) in UTC, with the local dates it covers (first and last inclusive)."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (midnight exists on every day in real zones' data)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def days_span(first_day: date, last_day: date, zone: ZoneInfo) -> Span:
    return Span(
        local_midnight(first_day, zone),
        local_midnight(last_day + timedelta(days=1), zone),
        first_day,
        last_day,
    )


def period_span(period: Period, today: date, zone: ZoneInfo) -> Span:
    """The calendar day, the ISO week from Monday, or the calendar month that holds `today`."""
    if period is Period.DAY:
        first = last = today
    elif period is Period.WEEK:
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=6)
    else:
        first = today.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        last = next_month - timedelta(days=1)
    return days_span(first, last, zone)


def same_time_day_before(instant: datetime, zone: ZoneInfo) -> datetime:
    """The same local wall time one local day earlier (for a sale moved to yesterday)."""
    local = instant.astimezone(zone)
    earlier = datetime.combine(local.date() - timedelta(days=1), local.timetz().replace(tzinfo=None))
    moved = earlier.replace(tzinfo=zone).astimezone(UTC)
    # A wall time inside a DST gap does not exist yesterday; keep it on yesterday's date anyway.
    if local_date(moved, zone) != local.date() - timedelta(days=1):
        moved = local_midnight(local.date(), zone) - timedelta(minutes=1)
    return moved


def fire_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first instant the local clock reaches or passes `at` on `day`, in UTC.

    In an autumn overlap that is the first of the two occurrences; in a spring gap (a local time
    that does not exist) it is the moment the clock jumps over it.
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second or _wall(first, zone) == wall:
        return min(first, second) if _wall(second, zone) == wall else first
    # A gap: search the minute the local clock first shows `at` or later (transitions fall on minutes).
    instant = min(first, second).replace(second=0, microsecond=0)
    while _wall(instant, zone) < wall:
        instant += timedelta(minutes=1)
    return instant


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)
