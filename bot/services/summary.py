"""The cross-team view for managers: each team's period so far against its target and the stretch before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.services import complaint_stats, tasks
from bot.services.access import TeamInfo
from bot.services.digests import schedule_of
from bot.services.errors import Reason, Refused
from bot.services.periods import Period, days_span, local_midnight, period_word
from bot.services.results import totals_by_person
from bot.services.schedule import is_post_day
from bot.services.targets import month_days, month_start, team_target
from storage.db import Database
from storage.models import Person


class Stretch(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class TeamRow:
    name: str
    currency: str
    total: int
    target: int | None
    before: int
    best: str | None
    complaints: int
    overdue: int

    @property
    def percent(self) -> int | None:
        return self.total * 100 // self.target if self.target else None

    @property
    def change(self) -> int | None:
        """Against the same stretch of the period before, in whole percent (None: nothing then)."""
        return (self.total - self.before) * 100 // self.before if self.before else None


@dataclass(frozen=True)
class Summary:
    stretch: Stretch
    first: date
    last: date
    rows: list[TeamRow]
    # A whole period gone by (the Monday digest's last week), not one still running.
    finished: bool = False


def parse_stretch(args: list[str]) -> Stretch:
    if not args:
        return Stretch.WEEK
    period = period_word(args[0]) if len(args) == 1 else None
    if period not in (Period.WEEK, Period.MONTH):
        raise Refused(Reason.SUMMARY_USAGE)
    return Stretch(period)


def _spans(stretch: Stretch, today: date) -> tuple[date, date, date, date]:
    """This period's first day and today; the period before's first day and the same stretch's end."""
    if stretch is Stretch.WEEK:
        first = today - timedelta(days=today.weekday())
        return first, today, first - timedelta(days=7), today - timedelta(days=7)
    first = month_start(today)
    before = month_start(first - timedelta(days=1))
    length = len(month_days(before))
    return first, today, before, before + timedelta(days=min(today.day, length) - 1)


async def _target(db: Database, team: TeamInfo, stretch: Stretch, first: date) -> int | None:
    """The month's target; for a week, each of its post days' share of its month's target."""
    async with db.read() as session:
        if stretch is Stretch.MONTH:
            return await team_target(session, team.id, first)
        schedule = await schedule_of(db, team.id)
        total, any_target = 0, False
        for day in (first + timedelta(days=i) for i in range(7)):
            month = month_start(day)
            target = await team_target(session, team.id, month)
            post_days = [d for d in month_days(month) if is_post_day(schedule, d)]
            if target and post_days:
                any_target = True
                if is_post_day(schedule, day):
                    total += target // len(post_days)
        return total if any_target else None


async def team_row(db: Database, team: TeamInfo, stretch: Stretch, today: date) -> TeamRow:
    first, last, before_first, before_last = _spans(stretch, today)
    zone = team.zone
    async with db.read() as session:
        now_totals = await totals_by_person(session, team.id, days_span(first, last, zone))
        before_totals = await totals_by_person(session, team.id, days_span(before_first, before_last, zone))
        best = None
        if now_totals:
            best_id = max(now_totals, key=lambda p: (now_totals[p][0], -p))
            person = await session.get(Person, best_id)
            best = person.display_name if person is not None else None
    opened = await complaint_stats.open_at(db, team.id, local_midnight(today + timedelta(days=1), zone))
    late = await tasks.overdue(db, team.id, today)
    return TeamRow(
        team.name,
        team.currency,
        sum(t for t, _ in now_totals.values()),
        await _target(db, team, stretch, first),
        sum(t for t, _ in before_totals.values()),
        best,
        opened.count,
        len(late),
    )


async def cross_team(
    db: Database, teams: tuple[TeamInfo, ...], stretch: Stretch, now: datetime, *, today: date | None = None
) -> Summary:
    """Each team's period to date in its own zone (`today` overrides: a finished week's digest)."""
    rows = []
    for team in teams:
        day = today or now.astimezone(team.zone).date()
        rows.append(await team_row(db, team, stretch, day))
    home = today or now.astimezone(teams[0].zone).date()
    first, last, _, _ = _spans(stretch, home)
    return Summary(stretch, first, last, rows, finished=today is not None)
