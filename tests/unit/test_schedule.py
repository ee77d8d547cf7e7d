"""Fire times: local times across DST, post days and holidays, and a catch-up window of three hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.parsing import parse_hhmm
from bot.services.periods import fire_at
from bot.services.schedule import Kind, TeamSchedule, due_day, is_post_day, next_fire, previous_post_day

WARSAW = ZoneInfo("Europe/Warsaw")
EVERY_DAY = frozenset(range(1, 8))
WORKDAYS = frozenset(range(1, 6))


def schedule(
    days: frozenset[int] = WORKDAYS, post: str = "18:00", country: str | None = "PL"
) -> TeamSchedule:
    return TeamSchedule(1, "North", "Europe/Warsaw", parse_hhmm(post), time(17), days, country, frozenset())


def fires_between(s: TeamSchedule, kind: Kind, start: datetime, end: datetime) -> list[datetime]:
    """Minute by minute, the instants at which `kind` becomes due (claims make the rest no-ops)."""
    out: list[datetime] = []
    claimed: set[date] = set()
    now = start
    while now < end:
        day = due_day(s, kind, now)
        if day is not None and day not in claimed:
            claimed.add(day)
            out.append(now)
        now += timedelta(minutes=1)
    return out


def test_every_day_team_posts_at_1800_warsaw_across_dst() -> None:
    s = schedule(EVERY_DAY, country=None)
    expected = {
        date(2026, 3, 28): datetime(2026, 3, 28, 17, 0, tzinfo=UTC),
        date(2026, 3, 29): datetime(2026, 3, 29, 16, 0, tzinfo=UTC),
        date(2026, 10, 25): datetime(2026, 10, 25, 17, 0, tzinfo=UTC),
    }
    for day, instant in expected.items():
        assert fire_at(day, s.post_time, WARSAW) == instant
        start = datetime.combine(day, time(0), tzinfo=UTC)
        assert fires_between(s, Kind.DAILY_POST, start, start + timedelta(days=1)) == [instant]


def test_workday_team_skips_the_weekend() -> None:
    s = schedule(WORKDAYS)
    start = datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    fired = fires_between(s, Kind.DAILY_POST, start, start + timedelta(days=4))
    assert fired == [datetime(2026, 3, 27, 17, 0, tzinfo=UTC), datetime(2026, 3, 30, 16, 0, tzinfo=UTC)]


def test_time_in_gap_or_overlap_fires_once_at_first_instant() -> None:
    s = schedule(EVERY_DAY, post="02:30", country=None)
    # Spring: 02:30 does not exist; the clock jumps from 02:00 CET (01:00 UTC) to 03:00 CEST.
    assert fire_at(date(2026, 3, 29), time(2, 30), WARSAW) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # Autumn: 02:30 happens twice; the first is 00:30 UTC (CEST).
    assert fire_at(date(2026, 10, 25), time(2, 30), WARSAW) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = datetime.combine(day - timedelta(days=1), time(22), tzinfo=UTC)
        assert len(fires_between(s, Kind.DAILY_POST, start, start + timedelta(hours=12))) == 1


def test_catch_up_within_three_hours_only() -> None:
    s = schedule(EVERY_DAY, country=None)
    fired = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert due_day(s, Kind.DAILY_POST, fired - timedelta(seconds=1)) is None
    assert due_day(s, Kind.DAILY_POST, fired) == date(2026, 11, 27)
    assert due_day(s, Kind.DAILY_POST, fired + timedelta(hours=2, minutes=59)) == date(2026, 11, 27)
    assert due_day(s, Kind.DAILY_POST, fired + timedelta(hours=3)) is None


def test_late_post_catch_up_crosses_midnight() -> None:
    s = schedule(EVERY_DAY, post="23:30", country=None)
    after_midnight = datetime(2026, 11, 28, 0, 15, tzinfo=WARSAW).astimezone(UTC)
    assert due_day(s, Kind.DAILY_POST, after_midnight) == date(2026, 11, 27)


def test_holidays_are_days_off() -> None:
    s = schedule(WORKDAYS)
    assert not is_post_day(s, date(2026, 11, 11))  # Independence Day, a Wednesday
    assert is_post_day(s, date(2026, 11, 12))
    assert is_post_day(schedule(WORKDAYS, country=None), date(2026, 11, 11))
    own = TeamSchedule(
        1, "N", "Europe/Warsaw", time(18), time(17), WORKDAYS, None, frozenset({date(2026, 11, 12)})
    )
    assert not is_post_day(own, date(2026, 11, 12))
    nudge_at = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)
    assert due_day(s, Kind.NUDGE, nudge_at) is None


def test_previous_post_day_spans_the_weekend() -> None:
    s = schedule(WORKDAYS)
    assert previous_post_day(s, date(2026, 11, 30)) == date(2026, 11, 27)  # Monday -> Friday
    assert previous_post_day(s, date(2026, 11, 12)) == date(2026, 11, 10)  # across the 11th


def test_weekly_digest_on_monday_and_next_fire() -> None:
    s = schedule(WORKDAYS)
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 Warsaw
    assert due_day(s, Kind.DIGEST_WEEKLY, monday) == date(2026, 11, 30)
    assert due_day(s, Kind.DIGEST_WEEKLY, monday + timedelta(days=1)) is None
    friday_night = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    assert next_fire(s, Kind.DAILY_POST, friday_night) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert next_fire(s, Kind.DIGEST_WEEKLY, friday_night) == monday
