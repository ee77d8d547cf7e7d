"""Voiding sales: a rep's own undo within 10 minutes, a coordinator's void with a reason.

Voided sales stay stored with who, when and why, and count nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text
from bot.services.periods import local_date, local_midnight
from bot.services.targets import DAY_CLOSE
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import Claim, Client, Person, Product, Sale

UNDO_WINDOW = timedelta(minutes=10)
PAGE_SIZE = 8
REASON_MAX = 500


class VoidStep(StrEnum):
    REASON = "reason"


@dataclass
class VoidData(DraftData):
    sale_id: int = 0


VOID_WIZARD = Wizard(DraftKind.VOID, VoidStep, VoidData)


@dataclass(frozen=True)
class SaleLine:
    sale_id: int
    rep: str
    client: str
    product: str | None
    amount_minor: int
    currency: str
    occurred_at: datetime
    voided: bool


@dataclass(frozen=True)
class SalesPage:
    lines: list[SaleLine]
    offset: int
    total: int

    @property
    def has_older(self) -> bool:
        return self.offset + len(self.lines) < self.total


def _line(sale: Sale, rep: str, client: str, product: str | None) -> SaleLine:
    return SaleLine(
        sale.id,
        rep,
        client,
        product,
        sale.amount_minor,
        sale.currency,
        sale.occurred_at,
        sale.voided_at is not None,
    )


def _lines_query() -> Select[Sale, str, str | None, str, str]:
    return (
        select(Sale, Person.first_name, Person.last_name, Client.name, Product.name)
        .join(Person, Person.id == Sale.person_id)
        .join(Client, Client.id == Sale.client_id)
        .outerjoin(Product, Product.id == Sale.product_id)
    )


def _name(first: str, last: str | None) -> str:
    return f"{first} {last}" if last else first


async def undo(db: Database, actor: Actor, now: datetime, sale_id: int | None = None) -> SaleLine:
    """Void the actor's own sale (the last one, or the one named) saved in the last 10 minutes."""
    team = actor.require_member()
    async with db.write() as session:
        stmt = _lines_query().where(
            Sale.team_id == team.id,
            Sale.person_id == actor.person_id,
            Sale.created_at > now - UNDO_WINDOW,
        )
        if sale_id is None:
            stmt = stmt.where(Sale.voided_at.is_(None)).order_by(Sale.created_at.desc(), Sale.id.desc())
        else:
            stmt = stmt.where(Sale.id == sale_id)
        row = (await session.execute(stmt.limit(1))).first()
        if row is None:
            raise Refused(Reason.UNDO_EXPIRED)
        sale = row[0]
        if sale.voided_at is not None:
            raise Refused(Reason.ALREADY_VOIDED)
        sale.voided_at, sale.voided_by, sale.void_reason = now, actor.person_id, "undo"
        return _line(sale, _name(row[1], row[2]), row[3], row[4])


async def recent(db: Database, actor: Actor, offset: int) -> SalesPage:
    team = actor.require_coordinator()
    offset = max(0, offset)
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(Sale).where(Sale.team_id == team.id))
        rows = await session.execute(
            _lines_query()
            .where(Sale.team_id == team.id)
            .order_by(Sale.occurred_at.desc(), Sale.id.desc())
            .offset(offset)
            .limit(PAGE_SIZE)
        )
        lines = [_line(r[0], _name(r[1], r[2]), r[3], r[4]) for r in rows]
    return SalesPage(lines, offset, int(total or 0))


async def sale_of_team(db: Database, actor: Actor, sale_id: int) -> SaleLine:
    team = actor.require_coordinator()
    async with db.read() as session:
        row = (
            await session.execute(_lines_query().where(Sale.id == sale_id, Sale.team_id == team.id))
        ).first()
    # Another team's sale is treated exactly like a missing one.
    if row is None:
        raise Refused(Reason.NOT_FOUND)
    return _line(row[0], _name(row[1], row[2]), row[3], row[4])


async def ask_void_reason(db: Database, actor: Actor, sale_id: int, now: datetime) -> SaleLine:
    """Remember which sale the coordinator is voiding; the reason comes as the next message."""
    line = await sale_of_team(db, actor, sale_id)
    if line.voided:
        raise Refused(Reason.ALREADY_VOIDED)
    await VOID_WIZARD.start(db, actor.person_id, now, VoidStep.REASON, VoidData(sale_id))
    return line


async def void_with_reason(db: Database, actor: Actor, reason: str, now: datetime) -> SaleLine:
    """The typed reason voids the sale the coordinator's draft names, and ends the draft."""
    team = actor.require_coordinator()
    reason = clean_text(reason, REASON_MAX)
    async with db.write() as session:
        # A typed answer carries no token: the person's one live draft is the one answered.
        state = await VOID_WIZARD.finish(session, actor.person_id, None, VoidStep.REASON, now)
        sale_id = state.data.sale_id
        row = (
            await session.execute(_lines_query().where(Sale.id == sale_id, Sale.team_id == team.id))
        ).first()
        if row is None:
            raise Refused(Reason.NOT_FOUND)
        sale = row[0]
        if sale.voided_at is None:
            sale.voided_at, sale.voided_by, sale.void_reason = now, actor.person_id, reason
            already = False
        else:
            already = True
    if already:
        raise Refused(Reason.ALREADY_VOIDED)
    return _line(sale, _name(row[1], row[2]), row[3], row[4])


async def line_in(session: AsyncSession, team_id: int, sale_id: int) -> tuple[Sale, SaleLine] | None:
    """A team's sale with its line as lists show it (another team's sale is None, like a missing one)."""
    row = (await session.execute(_lines_query().where(Sale.id == sale_id, Sale.team_id == team_id))).first()
    if row is None:
        return None
    return row[0], _line(row[0], _name(row[1], row[2]), row[3], row[4])


# A rep's /sales goes back this many local days (today included).
OWN_DAYS = 7


@dataclass(frozen=True)
class OwnLine:
    line: SaleLine
    # The rep may still correct it: not voided and its day not closed.
    editable: bool


async def own_recent(db: Database, actor: Actor, now: datetime) -> list[OwnLine]:
    """The rep's own sales of the last 7 local days, newest first, each marked editable or not."""
    team = actor.require_member()
    first = local_date(now, team.zone) - timedelta(days=OWN_DAYS - 1)
    start = local_midnight(first, team.zone)
    async with db.read() as session:
        rows = await session.execute(
            _lines_query()
            .where(Sale.team_id == team.id, Sale.person_id == actor.person_id, Sale.occurred_at >= start)
            .order_by(Sale.occurred_at.desc(), Sale.id.desc())
            .limit(OWN_LIMIT)
        )
        lines = [_line(r[0], _name(r[1], r[2]), r[3], r[4]) for r in rows]
        closed = await closed_days(
            session, team.id, {local_date(line.occurred_at, team.zone) for line in lines}
        )
    return [
        OwnLine(line, not line.voided and local_date(line.occurred_at, team.zone) not in closed)
        for line in lines
    ]


# Buttons under one message stay well under Telegram's 100.
OWN_LIMIT = 40


async def closed_days(session: AsyncSession, team_id: int, days: set[date]) -> set[date]:
    """Which of `days` the team's day close has run for (its rewards are granted)."""
    if not days:
        return set()
    found = await session.scalars(
        select(Claim.day).where(Claim.team_id == team_id, Claim.kind == DAY_CLOSE, Claim.day.in_(days))
    )
    return set(found.all())
