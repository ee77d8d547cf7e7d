"""Correcting a saved sale: its amount, client or product, with the history of every change.

A rep corrects their own sale until its day closes (the day-close claim exists) and within the
last 7 days; a coordinator corrects any sale of the team, giving a reason. The sale row is updated
in place, so rankings, rewards not yet closed, contests and exports follow it; each change is
kept in `sale_corrections` (who, when, before, after, why). Who may correct is checked when the
card opens and again in the transaction that changes the sale: a forged button, or a day that
closed while the rep typed, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import AmountError, clean_text, parse_amount
from bot.services.periods import Span, local_date
from bot.services.report import named
from bot.services.sales import OWN_DAYS, REASON_MAX, SaleLine, closed_days, line_in
from bot.services.targets import close_times
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import Client, Person, Product, Sale, SaleCorrection


class Field(StrEnum):
    AMOUNT = "amount"
    CLIENT = "client"
    PRODUCT = "product"


class CorrectStep(StrEnum):
    FIELD = "field"
    VALUE = "value"
    REASON = "reason"


@dataclass
class CorrectData(DraftData):
    sale_id: int = 0
    field: str = ""
    # The new value as stored in the history: minor units for an amount, else the name.
    value: str | None = None


WIZARD = Wizard(DraftKind.CORRECT, CorrectStep, CorrectData)
CorrectState = State[CorrectStep, CorrectData]


@dataclass(frozen=True)
class Change:
    field: Field
    before: str | None
    after: str | None
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class SaleCard:
    """A sale with its history, and where its correction stands."""

    line: SaleLine
    history: list[Change]
    token: str | None = None
    step: CorrectStep | None = None
    field: Field | None = None
    # The typed value waiting for the coordinator's reason.
    value: str | None = None
    # Why the last typed answer was refused (an AmountProblem or a Reason value).
    problem: str | None = None
    # Set once a change was stored.
    changed: Change | None = None
    # The sale's day was already closed: the coordinator's change is listed in the next digest.
    late: bool = False
    coordinator: bool = False


async def _may_correct(
    session: AsyncSession, actor: Actor, team: TeamInfo, sale: Sale, now: datetime
) -> bool:
    """Refuse who may not correct `sale` now; True when its day is closed (a late correction)."""
    if sale.voided_at is not None:
        raise Refused(Reason.ALREADY_VOIDED)
    day = local_date(sale.occurred_at, team.zone)
    closed = day in await closed_days(session, team.id, {day})
    if actor.is_coordinator:
        return closed
    if sale.person_id != actor.person_id:
        raise Refused(Reason.NOT_YOUR_SALE)
    if closed or day < local_date(now, team.zone) - timedelta(days=OWN_DAYS - 1):
        raise Refused(Reason.SALE_CLOSED)
    return False


async def _history(session: AsyncSession, sale_id: int) -> list[Change]:
    rows = await session.execute(
        select(SaleCorrection, Person.first_name, Person.last_name)
        .outerjoin(Person, Person.id == SaleCorrection.changed_by)
        .where(SaleCorrection.sale_id == sale_id)
        .order_by(SaleCorrection.changed_at, SaleCorrection.id)
    )
    return [
        Change(
            Field(c.field),
            c.before,
            c.after,
            f"{first} {last}" if last else str(first or c.changed_by),
            c.changed_at,
            c.reason,
        )
        for c, first, last in rows
    ]


async def _card(
    db: Database, actor: Actor, sale_id: int, now: datetime, state: CorrectState | None = None
) -> SaleCard:
    team = actor.require_member()
    async with db.read() as session:
        found = await line_in(session, team.id, sale_id)
        if found is None:
            raise Refused(Reason.NOT_FOUND)
        sale, line = found
        late = await _may_correct(session, actor, team, sale, now)
        history = await _history(session, sale_id)
    if state is None:
        return SaleCard(line, history, late=late, coordinator=actor.is_coordinator)
    data = state.data
    return SaleCard(
        line,
        history,
        state.token,
        state.step,
        Field(data.field) if data.field else None,
        data.value,
        state.problem,
        late=late,
        coordinator=actor.is_coordinator,
    )


async def begin(db: Database, actor: Actor, sale_id: int, now: datetime) -> SaleCard:
    """The sale's card with its history and the choice of what to correct (refused when not allowed)."""
    await _card(db, actor, sale_id, now)  # refused here, before any draft replaces the person's
    state = await WIZARD.start(db, actor.person_id, now, CorrectStep.FIELD, CorrectData(sale_id))
    return await _card(db, actor, sale_id, now, state)


async def pick(db: Database, actor: Actor, token: str, chosen: Field, now: datetime) -> SaleCard:
    """What to correct was pressed: the next typed message is its new value."""
    actor.require_member()

    async def apply(state: CorrectState) -> tuple[CorrectStep, CorrectData]:
        if state.step is not CorrectStep.FIELD:
            raise Refused(Reason.STALE_BUTTON)
        return CorrectStep.VALUE, replace(state.data, field=chosen.value)

    state = await WIZARD.answer(db, actor.person_id, token, now, apply)
    return await _card(db, actor, state.data.sale_id, now, state)


def _value(chosen: Field, text: str, max_minor: int) -> str:
    if chosen is Field.AMOUNT:
        return str(parse_amount(text, max_minor=max_minor))
    return clean_text(text)


async def answer_text(db: Database, actor: Actor, text: str, max_minor: int, now: datetime) -> SaleCard:
    """A typed new value (a rep's is stored at once) or the coordinator's reason (then stored)."""
    actor.require_member()
    state = await WIZARD.load(db, actor.person_id, None, now)
    data = state.data
    if state.step is CorrectStep.FIELD:
        return await _card(db, actor, data.sale_id, now, replace(state, problem=Reason.USE_BUTTONS.value))
    if state.step is CorrectStep.VALUE:
        try:
            value = _value(Field(data.field), text, max_minor)
        except AmountError as error:
            return await _card(db, actor, data.sale_id, now, replace(state, problem=str(error.problem)))
        except Refused as refusal:
            return await _card(db, actor, data.sale_id, now, replace(state, problem=refusal.reason.value))
        if actor.is_coordinator:
            moved = await WIZARD.save(
                db, actor.person_id, state, CorrectStep.REASON, replace(data, value=value), now
            )
            return await _card(db, actor, data.sale_id, now, moved)
        return await _apply(db, actor, state.step, value, None, now)
    try:
        reason = clean_text(text, REASON_MAX)
    except Refused as refusal:
        return await _card(db, actor, data.sale_id, now, replace(state, problem=refusal.reason.value))
    return await _apply(db, actor, state.step, data.value, reason, now)


async def _apply(
    db: Database, actor: Actor, step: CorrectStep, value: str | None, reason: str | None, now: datetime
) -> SaleCard:
    """Change the sale and keep the change, in one transaction that checks the right again."""
    team = actor.require_member()
    async with db.write() as session:
        state = await WIZARD.finish(session, actor.person_id, None, step, now)
        data = state.data
        sale = await session.get(Sale, data.sale_id, with_for_update=True)
        if sale is None or sale.team_id != team.id or value is None:
            raise Refused(Reason.NOT_FOUND)
        late = await _may_correct(session, actor, team, sale, now)
        chosen = Field(data.field)
        before: str | None
        if chosen is Field.AMOUNT:
            before = str(sale.amount_minor)
            sale.amount_minor = int(value)
        elif chosen is Field.CLIENT:
            before = await session.scalar(select(Client.name).where(Client.id == sale.client_id))
            sale.client_id = await named(session, Client, team.id, value, now)
            await session.execute(
                update(Client)
                .where(Client.id == sale.client_id, Client.owner_id.is_(None))
                .values(owner_id=sale.person_id)
            )
        else:
            before = None
            if sale.product_id is not None:
                before = await session.scalar(select(Product.name).where(Product.id == sale.product_id))
            sale.product_id = await named(session, Product, team.id, value, now)
        unchanged = before == value
        if not unchanged:
            session.add(
                SaleCorrection(
                    sale_id=sale.id,
                    team_id=team.id,
                    changed_by=actor.person_id,
                    changed_at=now,
                    field=chosen.value,
                    before=before,
                    after=value,
                    reason=reason,
                )
            )
    if unchanged:
        raise Refused(Reason.SALE_UNCHANGED)
    card = await _card(db, actor, data.sale_id, now)
    return replace(card, changed=card.history[-1], late=late)


@dataclass(frozen=True)
class CorrectedLate:
    """A sale corrected after its day was closed: that day's rewards stand."""

    sale_id: int
    name: str
    field: Field
    before: str | None
    after: str | None
    day: date
    reason: str | None = None
    currency: str = "PLN"


async def corrected_late(db: Database, team: TeamInfo, span: Span) -> list[CorrectedLate]:
    """Corrections made within `span` after their sale's day had been closed (as late voids are)."""
    zone = team.zone
    async with db.read() as session:
        rows = (
            await session.execute(
                select(SaleCorrection, Sale.occurred_at, Sale.currency, Person)
                .join(Sale, Sale.id == SaleCorrection.sale_id)
                .join(Person, Person.id == Sale.person_id)
                .where(
                    SaleCorrection.team_id == team.id,
                    SaleCorrection.changed_at >= span.start,
                    SaleCorrection.changed_at < span.end,
                )
                .order_by(SaleCorrection.changed_at, SaleCorrection.id)
            )
        ).all()
        closes = await close_times(session, team.id)
    out = []
    for change, occurred_at, currency, person in rows:
        day = local_date(occurred_at, zone)
        if day in closes and change.changed_at >= closes[day]:
            out.append(
                CorrectedLate(
                    change.sale_id,
                    person.display_name,
                    Field(change.field),
                    change.before,
                    change.after,
                    day,
                    change.reason,
                    currency,
                )
            )
    return out
