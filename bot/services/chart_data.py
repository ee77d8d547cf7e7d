"""The numbers behind the charts: a team's last four weeks by day, a rep's month so far."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.services.access import Actor, TeamInfo
from bot.services.digests import schedule_of
from bot.services.periods import days_span, local_date
from bot.services.schedule import is_post_day
from bot.services.targets import month_days, month_start, target_of, team_target
from storage.db import Database
from storage.models import Sale

FOUR_WEEKS = 28


@dataclass(frozen=True)
class Series:
    days: list[date]
    values: list[int | None]
    # The target's line: a day's pace (four weeks) or the month's straight line (a rep's month).
    line: list[int | None]


async def _by_day(
    db: Database, team: TeamInfo, first: date, last: date, person_id: int | None
) -> dict[date, int]:
    span = days_span(first, last, team.zone)
    stmt = select(Sale.occurred_at, Sale.amount_minor).where(
        Sale.team_id == team.id,
        Sale.occurred_at >= span.start,
        Sale.occurred_at < span.end,
        Sale.voided_at.is_(None),
    )
    if person_id is not None:
        stmt = stmt.where(Sale.person_id == person_id)
    totals: dict[date, int] = defaultdict(int)
    async with db.read() as session:
        for occurred_at, amount in await session.execute(stmt):
            totals[local_date(occurred_at, team.zone)] += int(amount)
    return totals


async def four_weeks(db: Database, team: TeamInfo, monday: date) -> Series:
    """The 28 days before `monday`: each day's total, and on post days the day's share of the target."""
    days = [monday - timedelta(days=FOUR_WEEKS - i) for i in range(FOUR_WEEKS)]
    totals = await _by_day(db, team, days[0], days[-1], None)
    schedule = await schedule_of(db, team.id)
    pace: list[int | None] = []
    shares: dict[date, int | None] = {}
    async with db.read() as session:
        for day in days:
            month = month_start(day)
            if month not in shares:
                target = await team_target(session, team.id, month)
                post_days = [d for d in month_days(month) if is_post_day(schedule, d)]
                shares[month] = target // len(post_days) if target and post_days else None
            pace.append(shares[month] if is_post_day(schedule, day) else None)
    return Series(days, [totals.get(day, 0) for day in days], pace)


async def my_month(db: Database, actor: Actor, now: datetime) -> Series:
    """A rep's month: sales summed day by day up to today, and the straight line to their target."""
    team = actor.require_member()
    today = now.astimezone(team.zone).date()
    days = month_days(month_start(today))
    totals = await _by_day(db, team, days[0], today, actor.person_id)
    async with db.read() as session:
        target = await target_of(session, team.id, actor.person_id, days[0])
    running, values = 0, []
    for day in days:
        running += totals.get(day, 0)
        values.append(running if day <= today else None)
    line: list[int | None] = (
        [target * (i + 1) // len(days) for i in range(len(days))] if target else [None] * len(days)
    )
    return Series(days, values, line)
