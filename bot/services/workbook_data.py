"""What the workbook's sheets hold: plain rows read from the database, streamed where they are many."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.services.access import TeamInfo
from bot.services.periods import Span, days_span
from bot.services.results import totals_by_person
from bot.services.targets import month_days, month_start
from storage.db import Database
from storage.models import (
    Attendee,
    Client,
    ClientContact,
    Contest,
    ContestResult,
    Meeting,
    Member,
    Person,
    PointEntry,
    Product,
    Role,
    Sale,
    Target,
)

Row = Sequence[Any]
# Rows fetched at a time while a sheet is written: without it the ORM reads a whole result first
# (a year of a 300-rep team's sales held ~170 MB; benchmarks/README.md).
STREAM_ROWS = 1000


@dataclass(frozen=True)
class SummaryLine:
    name: str
    total: int
    count: int
    target: int | None
    points: int


@dataclass(frozen=True)
class Summary:
    lines: list[SummaryLine]
    reps: int

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def target(self) -> int | None:
        """The reps' targets summed (None when none of them has one)."""
        return sum(line.target or 0 for line in self.lines) or None


def local_naive(instant: datetime | None, team: TeamInfo) -> datetime | None:
    """Excel has no time zones: the team's wall clock, as the coordinator reads it on screen."""
    return instant.astimezone(team.zone).replace(tzinfo=None) if instant is not None else None


def _span(team: TeamInfo, first: date, last: date) -> Span:
    return days_span(first, last, team.zone)


def _months(first: date, last: date) -> list[tuple[date, int, int]]:
    """Each month touched by [first, last]: its first day, the days covered and its length."""
    out = []
    month = month_start(first)
    while month <= last:
        days = month_days(month)
        covered = sum(1 for d in days if first <= d <= last)
        out.append((month, covered, len(days)))
        month = days[-1] + timedelta(days=1)
    return out


def _in_force(history: list[tuple[date, int]], month: date) -> int | None:
    """As `targets.target_of`: the latest target set for `month` or an earlier one (history sorted)."""
    found = None
    for set_for, amount in history:
        if set_for > month:
            break
        found = amount
    return found


def _name(first: str, last: str | None) -> str:
    return f"{first} {last}" if last else first


async def summary(db: Database, team: TeamInfo, first: date, last: date) -> Summary:
    """Per rep (the active ones, and anyone removed who sold in the range): totals, target, points.

    A month's target counts in proportion to the calendar days of that month in the range.
    """
    span = _span(team, first, last)
    async with db.read() as session:
        sold = await totals_by_person(session, team.id, span)
        points = {
            int(p): int(d)
            for p, d in await session.execute(
                select(PointEntry.person_id, func.sum(PointEntry.delta))
                .where(
                    PointEntry.team_id == team.id,
                    PointEntry.created_at >= span.start,
                    PointEntry.created_at < span.end,
                )
                .group_by(PointEntry.person_id)
            )
        }
        people = await session.execute(
            select(Person, Member)
            .join(Member, Member.person_id == Person.id)
            .where(Member.team_id == team.id, Member.role == Role.REP)
            .order_by(Person.first_name, Person.id)
        )
        # Every target of the team up to the range's last month, once (not a query per rep and month).
        months = _months(first, last)
        targets: dict[int, list[tuple[date, int]]] = {}
        for person_id, month, amount in await session.execute(
            select(Target.person_id, Target.month, Target.amount_minor)
            .where(Target.team_id == team.id, Target.month <= months[-1][0])
            .order_by(Target.month)
        ):
            targets.setdefault(int(person_id), []).append((month, int(amount)))
        lines, reps = [], 0
        for person, member in people:
            active = member.removed_at is None
            if not active and person.id not in sold:
                continue
            reps += active
            target = 0
            has_target = False
            for month, covered, length in months:
                in_force = _in_force(targets.get(person.id, []), month)
                if in_force is not None:
                    has_target = True
                    target += in_force * covered // length
            total, count = sold.get(person.id, (0, 0))
            lines.append(
                SummaryLine(
                    person.display_name,
                    total,
                    count,
                    target if has_target else None,
                    points.get(person.id, 0),
                )
            )
    return Summary(lines, reps)


async def sales(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    span = _span(team, first, last)
    stmt = (
        select(
            Sale.id,
            Sale.occurred_at,
            Person.first_name,
            Person.last_name,
            Client.name,
            Product.name,
            Sale.amount_minor,
        )
        .join(Person, Person.id == Sale.person_id)
        .join(Client, Client.id == Sale.client_id)
        .outerjoin(Product, Product.id == Sale.product_id)
        .where(
            Sale.team_id == team.id,
            Sale.voided_at.is_(None),
            Sale.occurred_at >= span.start,
            Sale.occurred_at < span.end,
        )
        .order_by(Sale.occurred_at, Sale.id)
    )
    async with db.read() as session:
        async for sale_id, at, first_name, last_name, client, product, amount in await session.stream(
            stmt.execution_options(yield_per=STREAM_ROWS)
        ):
            yield (sale_id, local_naive(at, team), _name(first_name, last_name), client, product, amount)


async def reps(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    span = _span(team, first, last)
    async with db.read() as session:
        sold = await totals_by_person(session, team.id, span)
        rows = await session.execute(
            select(Person, Member)
            .join(Member, Member.person_id == Person.id)
            .where(Member.team_id == team.id)
            .order_by(Member.role, Person.first_name, Person.id)
        )
        for person, member in rows:
            total, count = sold.get(person.id, (0, 0))
            joined = local_naive(member.joined_at, team)
            removed = local_naive(member.removed_at, team)
            yield (
                person.display_name,
                f"@{person.username}" if person.username else None,
                member.role,
                joined.date() if joined else None,
                removed.date() if removed else None,
                total,
                count,
            )


async def clients(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    """Every client once, however it was spelled on sales: one row per stored client."""
    span = _span(team, first, last)
    owner = aliased(Person)
    in_range = (
        select(Sale.client_id, func.sum(Sale.amount_minor).label("total"), func.count().label("n"))
        .where(
            Sale.team_id == team.id,
            Sale.occurred_at >= span.start,
            Sale.occurred_at < span.end,
            Sale.voided_at.is_(None),
        )
        .group_by(Sale.client_id)
        .subquery()
    )
    last_sale = (
        select(Sale.client_id, func.max(Sale.occurred_at).label("at"))
        .where(Sale.team_id == team.id, Sale.voided_at.is_(None))
        .group_by(Sale.client_id)
        .subquery()
    )
    last_contact = (
        select(ClientContact.client_id, func.max(ClientContact.at).label("at"))
        .join(Client, Client.id == ClientContact.client_id)
        .where(Client.team_id == team.id)
        .group_by(ClientContact.client_id)
        .subquery()
    )
    stmt = (
        select(
            Client.name,
            Client.kind,
            Client.is_key,
            owner.first_name,
            owner.last_name,
            in_range.c.total,
            in_range.c.n,
            last_sale.c.at,
            last_contact.c.at,
        )
        .outerjoin(owner, owner.id == Client.owner_id)
        .outerjoin(in_range, in_range.c.client_id == Client.id)
        .outerjoin(last_sale, last_sale.c.client_id == Client.id)
        .outerjoin(last_contact, last_contact.c.client_id == Client.id)
        .where(Client.team_id == team.id)
        .order_by(Client.name, Client.id)
    )
    async with db.read() as session:
        async for name, kind, is_key, o_first, o_last, total, n, sold_at, contact_at in await session.stream(
            stmt.execution_options(yield_per=STREAM_ROWS)
        ):
            contacts = [at for at in (sold_at, contact_at) if at is not None]
            yield (
                name,
                kind,
                "yes" if is_key else "no",
                _name(o_first, o_last) if o_first else None,
                int(total or 0),
                int(n or 0),
                local_naive(max(contacts), team) if contacts else None,
            )


async def contests(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    """Contests overlapping the range, a row per place (one row while there are no results)."""
    span = _span(team, first, last)
    async with db.read() as session:
        rows = await session.execute(
            select(Contest, ContestResult, Person)
            .outerjoin(ContestResult, ContestResult.contest_id == Contest.id)
            .outerjoin(Person, Person.id == ContestResult.person_id)
            .where(Contest.team_id == team.id, Contest.starts_at < span.end, Contest.ends_at > span.start)
            .order_by(Contest.starts_at, Contest.id, ContestResult.award, ContestResult.place)
        )
        for contest, result, person in rows:
            winner = None
            if result is not None:
                winner = person.display_name if person is not None else f"#{result.squad}"
            yield (
                contest.title,
                f"contest_{contest.kind}",
                local_naive(contest.starts_at, team),
                local_naive(contest.ends_at, team),
                result.place if result is not None else None,
                winner,
                result.value if result is not None else None,
            )


async def meetings(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    """Meetings in the range that were not cancelled, a row per invited person with their answer."""
    span = _span(team, first, last)
    stmt = (
        select(Meeting, Person, Attendee)
        .outerjoin(Attendee, Attendee.meeting_id == Meeting.id)
        .outerjoin(Person, Person.id == Attendee.person_id)
        .where(
            Meeting.team_id == team.id,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at >= span.start,
            Meeting.starts_at < span.end,
        )
        .order_by(Meeting.starts_at, Meeting.id, Person.first_name, Person.id)
    )
    async with db.read() as session:
        for meeting, person, attendee in await session.execute(stmt):
            attended = None
            if attendee is not None and attendee.attended is not None:
                attended = "yes" if attendee.attended else "no"
            yield (
                meeting.title,
                f"meeting_{meeting.kind}",
                local_naive(meeting.starts_at, team),
                meeting.duration_min,
                meeting.place,
                person.display_name if person is not None else None,
                (f"answer_{attendee.answer}" if attendee.answer else "answer_none") if attendee else None,
                attended,
            )
