"""The sale-report conversation, kept in the `drafts` table so a restart resumes it.

Steps: client -> amount -> product -> confirm. Every button carries the draft's token, so a button
from an ended or replaced draft cannot move the current one. Save turns the draft into a sale in
one transaction and uses the token as the sale's unique `draft_token`: a double tap stores one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import (
    AmountError,
    clean_text,
    client_key,
    name_key,
    parse_amount,
    split_quick_report,
)
from bot.services.periods import same_time_day_before
from bot.services.wizard import Answer, DraftData, State, Wizard
from storage.db import Database
from storage.models import Client, Product, Sale, TeamNamed
from storage.queries import insert_ignore

RECENT_CHOICES = 5


class Step(StrEnum):
    CLIENT = "client"
    AMOUNT = "amount"
    PRODUCT = "product"
    CONFIRM = "confirm"


@dataclass
class ReportData(DraftData):
    client: str | None = None
    amount_minor: int | None = None
    product: str | None = None
    yesterday: bool = False
    # Gone back from the confirmation card to one step: its answer returns to the card.
    back: bool = False


WIZARD = Wizard(DraftKind.REPORT, Step, ReportData)
ReportState = State[Step, ReportData]


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class DraftView:
    token: str
    step: Step
    client: str | None = None
    amount_minor: int | None = None
    product: str | None = None
    yesterday: bool = False
    currency: str = "PLN"
    choices: list[Choice] = field(default_factory=list)
    # Why the last input was refused, to re-ask with a reason (an AmountProblem or "name_*").
    problem: str | None = None
    # The confirmation card shows the steps to go back to instead of Save.
    choosing_step: bool = False


@dataclass(frozen=True)
class SavedSale:
    sale_id: int
    client: str
    amount_minor: int
    currency: str
    product: str | None
    occurred_at: datetime
    already_saved: bool = False


async def _choices(session: AsyncSession, team: TeamInfo, person_id: int, step: Step) -> list[Choice]:
    """The rep's recent clients, or the team's recent products, newest first."""
    if step is Step.CLIENT:
        latest = (
            select(Sale.client_id.label("id"), func.max(Sale.occurred_at).label("at"))
            .where(Sale.team_id == team.id, Sale.person_id == person_id, Sale.voided_at.is_(None))
            .group_by(Sale.client_id)
            .subquery()
        )
        stmt = select(Client.id, Client.name).join(latest, latest.c.id == Client.id)
    elif step is Step.PRODUCT:
        latest = (
            select(Sale.product_id.label("id"), func.max(Sale.occurred_at).label("at"))
            .where(Sale.team_id == team.id, Sale.product_id.is_not(None), Sale.voided_at.is_(None))
            .group_by(Sale.product_id)
            .subquery()
        )
        stmt = select(Product.id, Product.name).join(latest, latest.c.id == Product.id)
    else:
        return []
    rows = await session.execute(stmt.order_by(latest.c.at.desc(), latest.c.id).limit(RECENT_CHOICES))
    return [Choice(row.id, row.name) for row in rows]


async def _shown(db: Database, team: TeamInfo, person_id: int, state: ReportState) -> DraftView:
    """The card for where the draft stands, with the recent choices of its step."""
    async with db.read() as session:
        choices = await _choices(session, team, person_id, state.step)
    data = state.data
    return DraftView(
        token=state.token,
        step=state.step,
        client=data.client,
        amount_minor=data.amount_minor,
        product=data.product,
        yesterday=bool(data.yesterday),
        currency=team.currency,
        choices=choices,
        problem=state.problem,
    )


async def _start(db: Database, actor: Actor, now: datetime, data: ReportData, step: Step) -> DraftView:
    team = actor.require_member()
    # A new /report replaces whatever the person was doing.
    state = await WIZARD.start(db, actor.person_id, now, step, data)
    return await _shown(db, team, actor.person_id, state)


async def start(db: Database, actor: Actor, now: datetime) -> DraftView:
    return await _start(db, actor, now, ReportData(), Step.CLIENT)


@dataclass(frozen=True)
class QuickStart:
    draft: DraftView
    # Set when the words after /report held no amount: the guided form starts instead.
    problem: str | None = None


async def start_quick(db: Database, actor: Actor, args: str, max_minor: int, now: datetime) -> QuickStart:
    """`/report AMOUNT CLIENT` straight to the confirmation card, or the guided form with a reason."""
    parsed = split_quick_report(args, max_minor=max_minor)
    if parsed is not None:
        amount, client_text = parsed
        try:
            client = clean_text(client_text)
        except Refused as refusal:
            return QuickStart(await start(db, actor, now), refusal.reason)
        draft = await _start(db, actor, now, ReportData(client=client, amount_minor=amount), Step.CONFIRM)
        return QuickStart(draft)
    first_word = args.split()[0] if args.split() else ""
    try:
        parse_amount(first_word, max_minor=max_minor)
        problem = "quick_no_client"
    except AmountError as error:
        problem = str(error.problem)
    return QuickStart(await start(db, actor, now), problem)


def _next(state: ReportState, step: Step) -> Step:
    """The step after an answer: the card again when the person came back from it to correct one."""
    return Step.CONFIRM if state.data.back and step is not Step.CONFIRM else step


def _move(at: Step, to: Step, **change: Any) -> Answer[Step, ReportData]:
    """A pressed button's answer: valid at step `at` only, it sets `change` and goes to `to`."""

    async def apply(state: ReportState) -> tuple[Step, ReportData]:
        if state.step is not at:
            raise Refused(Reason.STALE_BUTTON)
        return _next(state, to), replace(state.data, **change)

    return apply


async def _pressed(
    db: Database, actor: Actor, token: str, now: datetime, apply: Answer[Step, ReportData]
) -> DraftView:
    team = actor.require_member()
    state = await WIZARD.answer(db, actor.person_id, token, now, apply)
    return await _shown(db, team, actor.person_id, state)


async def answer_text(db: Database, actor: Actor, text: str, max_minor: int, now: datetime) -> DraftView:
    """A typed answer to the current step; a bad one re-asks the same step with the reason."""
    team = actor.require_member()

    async def apply(state: ReportState) -> tuple[Step, ReportData]:
        if state.step is Step.CLIENT:
            return _next(state, Step.AMOUNT), replace(state.data, client=clean_text(text))
        if state.step is Step.AMOUNT:
            amount = parse_amount(text, max_minor=max_minor)
            return _next(state, Step.PRODUCT), replace(state.data, amount_minor=amount)
        if state.step is Step.PRODUCT:
            return Step.CONFIRM, replace(state.data, product=clean_text(text))
        # At the confirmation card typing changes nothing: show the card again.
        raise Refused(Reason.USE_BUTTONS)

    state = await WIZARD.answer(db, actor.person_id, None, now, apply)
    return await _shown(db, team, actor.person_id, state)


async def choose(
    db: Database, actor: Actor, token: str, kind: str, choice_id: int | None, now: datetime
) -> DraftView:
    """A recent client or product pressed (or the product skipped, `choice_id` None)."""
    team = actor.require_member()
    model: type[TeamNamed] = Client if kind == "c" else Product
    name: str | None = None
    if choice_id is not None:
        async with db.read() as session:
            row = await session.get(model, choice_id)
        # Another team's id is treated exactly like a missing one.
        if row is None or row.team_id != team.id:
            raise Refused(Reason.STALE_BUTTON)
        name = row.name
    if kind == "c":
        if name is None:
            raise Refused(Reason.STALE_BUTTON)
        return await _pressed(db, actor, token, now, _move(Step.CLIENT, Step.AMOUNT, client=name))
    return await _pressed(db, actor, token, now, _move(Step.PRODUCT, Step.CONFIRM, product=name))


async def set_yesterday(db: Database, actor: Actor, token: str, yesterday: bool, now: datetime) -> DraftView:
    return await _pressed(db, actor, token, now, _move(Step.CONFIRM, Step.CONFIRM, yesterday=yesterday))


async def edit_menu(
    db: Database, actor: Actor, token: str, now: datetime, *, choosing: bool = True
) -> DraftView:
    """The confirmation card's Edit: the same card, offering the steps to go back to (or not)."""
    team = actor.require_member()
    state = await WIZARD.load(db, actor.person_id, token, now)
    if state.step is not Step.CONFIRM:
        raise Refused(Reason.STALE_BUTTON)
    return replace(await _shown(db, team, actor.person_id, state), choosing_step=choosing)


async def go_back(db: Database, actor: Actor, token: str, step: Step, now: datetime) -> DraftView:
    """Back from the confirmation card to `step`; its answer returns to the card."""
    if step is Step.CONFIRM:
        raise Refused(Reason.STALE_BUTTON)

    async def apply(state: ReportState) -> tuple[Step, ReportData]:
        if state.step is not Step.CONFIRM:
            raise Refused(Reason.STALE_BUTTON)
        return step, replace(state.data, back=True)

    return await _pressed(db, actor, token, now, apply)


async def named(session: AsyncSession, model: type[TeamNamed], team_id: int, name: str, now: datetime) -> int:
    """The id of the team's client or product of that name, added when new (in the caller's transaction)."""
    # Clients fold punctuation too ("ACME sp. z o.o." is "ACME Sp z o o"); products case and spaces.
    key = client_key(name) if model is Client else name_key(name)
    await insert_ignore(
        session,
        model,
        {"team_id": team_id, "name": name, "key": key, "created_at": now},
        ["team_id", "key"],
    )
    found = await session.scalar(select(model.id).where(model.team_id == team_id, model.key == key))
    assert found is not None
    return int(found)


async def save(db: Database, actor: Actor, token: str, now: datetime) -> SavedSale:
    """Store the sale once: the draft goes and the sale comes in one transaction."""
    team = actor.require_member()
    try:
        async with db.write() as session:
            sale, already = await _sale_of(session, team, actor.person_id, token, now)
            return await _saved(session, sale, already)
    except Refused as refusal:
        if refusal.reason is Reason.DRAFT_EXPIRED:
            # An expired draft goes, as every kind's does when next seen.
            await WIZARD.cancel(db, actor.person_id, token)
        raise


async def _sale_of(
    session: AsyncSession, team: TeamInfo, person_id: int, token: str, now: datetime
) -> tuple[Sale, bool]:
    """The sale made of the draft now (False), or the one an earlier tap made of it (True)."""
    try:
        # FOR UPDATE: on PostgreSQL a concurrent second tap waits here, then finds no draft.
        state = await WIZARD.finish(session, person_id, token, Step.CONFIRM, now)
    except Refused as refusal:
        if refusal.reason is not Reason.STALE_BUTTON:
            raise
        sale = await session.scalar(select(Sale).where(Sale.draft_token == token))
        if sale is None or sale.person_id != person_id:
            raise
        return sale, True
    return await _insert_sale(session, team, person_id, state, now), False


async def _saved(session: AsyncSession, sale: Sale, already: bool) -> SavedSale:
    client_name = await session.scalar(select(Client.name).where(Client.id == sale.client_id))
    product_name = None
    if sale.product_id is not None:
        product_name = await session.scalar(select(Product.name).where(Product.id == sale.product_id))
    return SavedSale(
        sale.id,
        str(client_name),
        sale.amount_minor,
        sale.currency,
        product_name,
        sale.occurred_at,
        already_saved=already,
    )


async def _insert_sale(
    session: AsyncSession, team: TeamInfo, person_id: int, state: ReportState, now: datetime
) -> Sale:
    data = state.data
    if data.client is None or data.amount_minor is None:  # a card that never asked for them
        raise Refused(Reason.STALE_BUTTON)
    occurred = same_time_day_before(now, team.zone) if data.yesterday else now
    client_id = await named(session, Client, team.id, data.client, now)
    # The first to sell to a client nobody owns becomes its owner.
    await session.execute(
        update(Client).where(Client.id == client_id, Client.owner_id.is_(None)).values(owner_id=person_id)
    )
    product_id = await named(session, Product, team.id, data.product, now) if data.product else None
    sale = Sale(
        team_id=team.id,
        person_id=person_id,
        client_id=client_id,
        product_id=product_id,
        amount_minor=int(data.amount_minor),
        currency=team.currency,
        occurred_at=occurred,
        created_at=now,
        draft_token=state.token,
    )
    session.add(sale)
    await session.flush()
    return sale
