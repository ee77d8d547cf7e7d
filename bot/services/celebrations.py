"""Cheers in the group: a big deal, a rep crossing 100% of the monthly target, a rep's day total
first passing their personal best (once per rep per day).

Events are stored once by key when a sale is saved; the group gets at most one cheer a minute,
several events combined into one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.periods import Period, days_span, local_date, period_span
from bot.services.quiet_hours import team_is_quiet
from bot.services.targets import month_start, target_of
from storage.db import Database
from storage.models import Celebration, CheerPerson, Person, Sale
from storage.queries import insert_ignore, members, teams

GAP = timedelta(minutes=1)


@dataclass(frozen=True)
class Cheer:
    kind: str
    name: str
    amount_minor: int
    person_id: int = 0


async def after_sale(db: Database, team_id: int, person_id: int, sale_id: int, now: datetime) -> int:
    """Note what this sale is worth cheering; returns how many new events it made."""
    async with db.write() as session:
        team = await teams.by_id(session, team_id)
        sale = await session.get_one(Sale, sale_id)
        zone = teams.zone(team.timezone)
        day = local_date(sale.occurred_at, zone)
        events: list[tuple[str, str, int]] = []
        if team.big_deal_minor and sale.amount_minor >= team.big_deal_minor:
            events.append(("big_deal", f"big:{sale.id}", sale.amount_minor))

        async def total(start: datetime, end: datetime, before_this: bool) -> int:
            stmt = select(func.coalesce(func.sum(Sale.amount_minor), 0)).where(
                Sale.team_id == team_id,
                Sale.person_id == person_id,
                Sale.occurred_at >= start,
                Sale.occurred_at < end,
                Sale.voided_at.is_(None),
            )
            if before_this:
                stmt = stmt.where(Sale.id != sale.id)
            return int(await session.scalar(stmt) or 0)

        month = period_span(Period.MONTH, day, zone)
        target = await target_of(session, team_id, person_id, month_start(day))
        if target:
            after = await total(month.start, month.end, False)
            if after >= target > await total(month.start, month.end, True):
                events.append(("target", f"target:{person_id}:{day:%Y-%m}", after))
        today = days_span(day, day, zone)
        day_total = await total(today.start, today.end, False)
        earlier = await session.execute(
            select(Sale.occurred_at, Sale.amount_minor).where(
                Sale.team_id == team_id,
                Sale.person_id == person_id,
                Sale.occurred_at < today.start,
                Sale.voided_at.is_(None),
            )
        )
        days: dict[date, int] = {}
        for at, amount in earlier:
            earlier_day = local_date(at, zone)
            days[earlier_day] = days.get(earlier_day, 0) + amount
        if days and day_total > max(days.values()):
            events.append(("personal_best", f"best:{person_id}:{day}", day_total))
        made = 0
        for kind, event_key, amount in events:
            values = {
                "team_id": team_id,
                "person_id": person_id,
                "kind": kind,
                "key": event_key,
                "amount_minor": amount,
                "created_at": now,
            }
            made += await insert_ignore(session, Celebration, values, ["team_id", "key"])
    return made


def name_people(session: AsyncSession, claim_id: int, cheers: list[Cheer]) -> None:
    """Remember whom the cheer of `claim_id` names: a 🔥 on its message thanks them (kudos)."""
    for person_id in sorted({c.person_id for c in cheers}):
        session.add(CheerPerson(claim_id=claim_id, person_id=person_id))


Queue = Callable[[AsyncSession, list[Cheer]], Awaitable[int | None]]


async def take(db: Database, team_id: int, now: datetime, queue: Queue) -> int | None:
    """Mark the events to cheer now as posted and queue their one message in the same transaction.

    Returns what `queue` returned (the outbox claim), or None while the group's last cheer is
    under a minute old or nothing waits for a rep still in the team. Marking and queueing
    commit together, so a crash cannot lose a cheer between them.
    """
    async with db.write() as session:
        last = await session.scalar(
            select(func.max(Celebration.posted_at)).where(Celebration.team_id == team_id)
        )
        if last is not None and now - last < GAP:
            return None
        rows = (
            await session.execute(
                select(Celebration, Person)
                .join(Person, Person.id == Celebration.person_id)
                .where(Celebration.team_id == team_id, Celebration.posted_at.is_(None))
                .order_by(Celebration.id)
            )
        ).all()
        if not rows:
            return None
        ids = [c.id for c, _ in rows]
        taken = await session.execute(
            update(Celebration)
            .where(Celebration.id.in_(ids), Celebration.posted_at.is_(None))
            .values(posted_at=now)
        )
        if taken.rowcount != len(ids):  # type: ignore[attr-defined]
            # Another process took some of them first: let it cheer; roll ours back.
            raise _Lost
        team = await teams.by_id(session, team_id)
        if team_is_quiet(team, now):
            # Quiet hours: the moments are taken and pass unsaid, never kept for the morning.
            return None
        # A rep removed since the sale is not cheered: their moments are taken and pass unsaid.
        # So is a moment of the quiet hours found only now (the bot was down overnight).
        active = await members.active_ids(session, team_id)
        cheers = [
            Cheer(c.kind, p.display_name, c.amount_minor, p.id)
            for c, p in rows
            if p.id in active and not team_is_quiet(team, c.created_at)
        ]
        return await queue(session, cheers) if cheers else None


class _Lost(Exception):
    pass


async def take_safely(db: Database, team_id: int, now: datetime, queue: Queue) -> int | None:
    try:
        return await take(db, team_id, now, queue)
    except _Lost:
        return None


async def teams_with_pending(db: Database) -> list[int]:
    async with db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Celebration.team_id).where(Celebration.posted_at.is_(None)).distinct()
                )
            ).all()
        )
