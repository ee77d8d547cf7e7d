"""Rankings and personal results over the team's local periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.periods import Period, Span, local_date, period_span
from storage.db import Database
from storage.models import Member, Person, Sale
from storage.models.base import display_name
from storage.queries import members


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


def _sold_in(team_id: int, span: Span) -> ColumnElement[bool]:
    """The team's non-voided sales in [start, end): the covering index's range."""
    return and_(
        Sale.team_id == team_id,
        Sale.occurred_at >= span.start,
        Sale.occurred_at < span.end,
        Sale.voided_at.is_(None),
    )


async def totals_by_person(session: AsyncSession, team_id: int, span: Span) -> dict[int, tuple[int, int]]:
    """person -> (total, count) of non-voided sales in [start, end): an index-only range scan."""
    rows = await session.execute(
        select(Sale.person_id, func.sum(Sale.amount_minor), func.count())
        .where(_sold_in(team_id, span))
        .group_by(Sale.person_id)
    )
    return {person: (int(total), int(count)) for person, total, count in rows}


async def member_totals(
    session: AsyncSession, team_id: int, span: Span
) -> tuple[dict[int, tuple[int, int]], dict[int, str]]:
    """`totals_by_person`, and the names of those of them still in the team, in one statement:
    the leaderboard's one round trip (the aggregate stays an index-only range scan; membership
    and names are joined to its few groups). A removed rep's sales stay in the team's total."""
    rows = await session.execute(
        select(
            Sale.person_id,
            func.sum(Sale.amount_minor),
            func.count(),
            Member.id,
            Person.first_name,
            Person.last_name,
        )
        .outerjoin(Member, and_(Member.person_id == Sale.person_id, members.active_in(team_id)))
        .outerjoin(Person, Person.id == Sale.person_id)
        .where(_sold_in(team_id, span))
        .group_by(Sale.person_id, Member.id, Person.first_name, Person.last_name)
    )
    totals: dict[int, tuple[int, int]] = {}
    names: dict[int, str] = {}
    for person, total, count, member_id, first, last in rows:
        totals[person] = (int(total), int(count))
        if member_id is not None:
            names[person] = display_name(first, last)
    return totals, names


def competition_ranks(keys: Sequence[object]) -> list[int]:
    """Ranks of keys sorted best first, ties sharing one (1, 1, 3): every ranking uses this."""
    ranks: list[int] = []
    for position, key in enumerate(keys, start=1):
        ranks.append(ranks[-1] if ranks and keys[position - 2] == key else position)
    return ranks


def rank_rows(totals: dict[int, tuple[int, int]], names: dict[int, str]) -> list[RankRow]:
    """The team ranked by total. Only current members are ranked."""
    ordered = sorted(
        ((pid, t, c) for pid, (t, c) in totals.items() if pid in names),
        key=lambda item: (-item[1], names[item[0]].casefold(), item[0]),
    )
    ranks = competition_ranks([total for _, total, _ in ordered])
    return [
        RankRow(rank, pid, names[pid], total, count)
        for rank, (pid, total, count) in zip(ranks, ordered, strict=True)
    ]


def team_today(team: TeamInfo, now: datetime) -> date:
    return local_date(now, team.zone)


async def ranking(db: Database, team: TeamInfo, period: Period, now: datetime) -> Ranking:
    span = period_span(period, team_today(team, now), team.zone)
    async with db.read() as session:
        totals, names = await member_totals(session, team.id, span)
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
    zone = team.zone
    today = team_today(team, now)
    results = []
    async with db.read() as session:
        names = await members.active_names(session, team.id)
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
