"""Rankings and personal results over the team's local periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.periods import Period, Span, local_date, period_span
from storage.db import Database
from storage.models import Member, Person, Sale


@dataclass(frozen=True)
class RankRow:
    rank: int
    person_id: int
    name: str
    total_minor: int
    count: int


@dataclass(frozen=True)
class Ranking:
    period: Period
    span: Span
    rows: list[RankRow]
    # The whole team's total, removed reps' sales included.
    team_total_minor: int
    team_count: int
    currency: str


@dataclass(frozen=True)
class PeriodResult:
    period: Period
    span: Span
    total_minor: int
    count: int
    rank: int | None
    ranked: int


async def totals_by_person(session: AsyncSession, team_id: int, span: Span) -> dict[int, tuple[int, int]]:
    """person -> (total, count) of non-voided sales in [start, end): an index-only range scan."""
    rows = await session.execute(
        select(Sale.person_id, func.sum(Sale.amount_minor), func.count())
        .where(
            Sale.team_id == team_id,
            Sale.occurred_at >= span.start,
            Sale.occurred_at < span.end,
            Sale.voided_at.is_(None),
        )
        .group_by(Sale.person_id)
    )
    return {person: (int(total), int(count)) for person, total, count in rows}


def rank_rows(totals: dict[int, tuple[int, int]], names: dict[int, str]) -> list[RankRow]:
    """Competition ranking (1, 1, 3): ties share a rank. Only current members are ranked."""
    ordered = sorted(
        ((pid, t, c) for pid, (t, c) in totals.items() if pid in names),
        key=lambda item: (-item[1], names[item[0]].casefold(), item[0]),
    )
    rows: list[RankRow] = []
    for position, (pid, total, count) in enumerate(ordered, start=1):
        rank = rows[-1].rank if rows and rows[-1].total_minor == total else position
        rows.append(RankRow(rank, pid, names[pid], total, count))
    return rows


async def _member_names(session: AsyncSession, team_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Person.id, Person.first_name, Person.last_name)
        .join(Member, Member.person_id == Person.id)
        .where(Member.team_id == team_id, Member.removed_at.is_(None))
    )
    return {pid: f"{first} {last}" if last else first for pid, first, last in rows}


def team_today(team: TeamInfo, now: datetime) -> date:
    return local_date(now, ZoneInfo(team.timezone))


async def ranking(db: Database, team: TeamInfo, period: Period, now: datetime) -> Ranking:
    span = period_span(period, team_today(team, now), ZoneInfo(team.timezone))
    async with db.read() as session:
        totals = await totals_by_person(session, team.id, span)
        names = await _member_names(session, team.id)
    return Ranking(
        period,
        span,
        rank_rows(totals, names),
        sum(t for t, _ in totals.values()),
        sum(c for _, c in totals.values()),
        team.currency,
    )


async def my_results(db: Database, actor: Actor, now: datetime) -> list[PeriodResult]:
    team = actor.require_member()
    zone = ZoneInfo(team.timezone)
    today = team_today(team, now)
    results = []
    async with db.read() as session:
        names = await _member_names(session, team.id)
        for period in Period:
            span = period_span(period, today, zone)
            rows = rank_rows(await totals_by_person(session, team.id, span), names)
            mine = next((row for row in rows if row.person_id == actor.person_id), None)
            results.append(
                PeriodResult(
                    period,
                    span,
                    mine.total_minor if mine else 0,
                    mine.count if mine else 0,
                    mine.rank if mine else None,
                    len(rows),
                )
            )
    return results
