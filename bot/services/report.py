"""The sale-report conversation, kept in the `drafts` table so a restart resumes it.

Steps: client -> amount -> product -> confirm. Every button carries the draft's token, so a button
from an ended or replaced draft cannot move the current one. Save turns the draft into a sale in
one transaction and uses the token as the sale's unique `draft_token`: a double tap stores one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from bot.services import drafts
from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import AmountError, clean_text, name_key, parse_amount, split_quick_report
from bot.services.periods import same_time_day_before
from storage.db import Database
from storage.models import Client, Draft, Product, Sale, TeamNamed
from storage.queries import insert_ignore

DRAFT_LIFETIME = timedelta(minutes=30)
RECENT_CHOICES = 5
REPORT = DraftKind.REPORT


class Step(StrEnum):
    CLIENT = "client"
    AMOUNT = "amount"
    PRODUCT = "product"
    CONFIRM = "confirm"


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


@dataclass(frozen=True)
class SavedSale:
    sale_id: int
    client: str
    amount_minor: int
    currency: str
    product: str | None
    occurred_at: datetime
    already_saved: bool = False


def _view(draft: Draft, team: TeamInfo, choices: list[Choice], problem: str | None = None) -> DraftView:
    data = draft.data
    return DraftView(
        token=draft.token,
        step=Step(draft.step),
        client=data.get("client"),
        amount_minor=data.get("amount_minor"),
        product=data.get("product"),
        yesterday=bool(data.get("yesterday")),
        currency=team.currency,
        choices=choices,
        problem=problem,
    )


async def _choices(session: Any, team: TeamInfo, person_id: int, step: Step) -> list[Choice]:
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


async def _start(db: Database, actor: Actor, now: datetime, data: dict[str, Any], step: Step) -> DraftView:
    team = actor.require_member()
    # A new /report replaces whatever the person was doing.
    draft = await drafts.begin(db, actor.person_id, REPORT, step, data, now)
    async with db.read() as session:
        choices = await _choices(session, team, actor.person_id, step)
    return _view(draft, team, choices)


async def start(db: Database, actor: Actor, now: datetime) -> DraftView:
    return await _start(db, actor, now, {}, Step.CLIENT)


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
        draft = await _start(db, actor, now, {"client": client, "amount_minor": amount}, Step.CONFIRM)
        return QuickStart(draft)
    first_word = args.split()[0] if args.split() else ""
    try:
        parse_amount(first_word, max_minor=max_minor)
        problem = "quick_no_client"
    except AmountError as error:
        problem = str(error.problem)
    return QuickStart(await start(db, actor, now), problem)


async def discard(db: Database, person_id: int, token: str | None = None) -> bool:
    return await drafts.end(db, person_id, token)


async def _advance(
    db: Database,
    actor: Actor,
    token: str | None,
    now: datetime,
    expect: set[Step],
    change: dict[str, Any],
    step: Step,
) -> DraftView:
    team = actor.require_member()
    async with db.write() as session:
        draft = await session.get(Draft, actor.person_id, with_for_update=True)
        if draft is None or draft.kind != REPORT or (token is not None and draft.token != token):
            raise Refused(Reason.STALE_BUTTON)
        if now - draft.updated_at > DRAFT_LIFETIME:
            await session.delete(draft)
            expired = True
        else:
            expired = False
            if Step(draft.step) not in expect:
                raise Refused(Reason.STALE_BUTTON)
            draft.data = {**draft.data, **change}
            draft.step = step
            draft.updated_at = now
            choices = await _choices(session, team, actor.person_id, step)
    if expired:
        raise Refused(Reason.DRAFT_EXPIRED)
    return _view(draft, team, choices)


async def reask(db: Database, actor: Actor, draft: Draft, problem: str) -> DraftView:
    team = actor.require_member()
    async with db.read() as session:
        choices = await _choices(session, team, actor.person_id, Step(draft.step))
    return _view(draft, team, choices, problem)


async def answer_text(db: Database, actor: Actor, text: str, max_minor: int, now: datetime) -> DraftView:
    """A typed answer to the current step; a bad one re-asks the same step with the reason."""
    draft = await drafts.current(db, actor.person_id, now)
    if draft is None or draft.kind != REPORT:
        raise Refused(Reason.NO_DRAFT)
    step = Step(draft.step)
    try:
        if step is Step.CLIENT:
            return await _advance(db, actor, None, now, {step}, {"client": clean_text(text)}, Step.AMOUNT)
        if step is Step.AMOUNT:
            try:
                amount = parse_amount(text, max_minor=max_minor)
            except AmountError as error:
                return await reask(db, actor, draft, str(error.problem))
            return await _advance(db, actor, None, now, {step}, {"amount_minor": amount}, Step.PRODUCT)
        if step is Step.PRODUCT:
            return await _advance(db, actor, None, now, {step}, {"product": clean_text(text)}, Step.CONFIRM)
    except Refused as refusal:
        if refusal.reason.startswith("name_"):
            return await reask(db, actor, draft, refusal.reason)
        raise
    # At the confirmation card typing changes nothing: show the card again.
    return await reask(db, actor, draft, "use_buttons")


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
        return await _advance(db, actor, token, now, {Step.CLIENT}, {"client": name}, Step.AMOUNT)
    return await _advance(db, actor, token, now, {Step.PRODUCT}, {"product": name}, Step.CONFIRM)


async def set_yesterday(db: Database, actor: Actor, token: str, yesterday: bool, now: datetime) -> DraftView:
    return await _advance(db, actor, token, now, {Step.CONFIRM}, {"yesterday": yesterday}, Step.CONFIRM)


async def _named(session: Any, model: type[TeamNamed], team_id: int, name: str, now: datetime) -> int:
    key = name_key(name)
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
    saved = await _save(db, actor.require_member(), actor.person_id, token, now)
    if saved is None:
        raise Refused(Reason.DRAFT_EXPIRED)
    return saved


async def _save(db: Database, team: TeamInfo, person_id: int, token: str, now: datetime) -> SavedSale | None:
    """The sale, or None when the draft had expired (it is dropped in the same transaction)."""
    async with db.write() as session:
        # FOR UPDATE: on PostgreSQL a concurrent second tap waits here, then finds no draft.
        draft = await session.get(Draft, person_id, with_for_update=True)
        if draft is None or draft.token != token or draft.kind != REPORT:
            sale = await session.scalar(select(Sale).where(Sale.draft_token == token))
            if sale is None or sale.person_id != person_id:
                raise Refused(Reason.STALE_BUTTON)
            already = True
        elif now - draft.updated_at > DRAFT_LIFETIME:
            await session.delete(draft)
            return None
        elif draft.step != Step.CONFIRM:
            raise Refused(Reason.STALE_BUTTON)
        else:
            sale = await _insert_sale(session, team, person_id, draft, now)
            already = False
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


async def _insert_sale(session: Any, team: TeamInfo, person_id: int, draft: Draft, now: datetime) -> Sale:
    data = draft.data
    occurred = now
    if data.get("yesterday"):
        occurred = same_time_day_before(now, team.zone)
    client_id = await _named(session, Client, team.id, data["client"], now)
    product = data.get("product")
    product_id = await _named(session, Product, team.id, product, now) if product else None
    sale = Sale(
        team_id=team.id,
        person_id=person_id,
        client_id=client_id,
        product_id=product_id,
        amount_minor=int(data["amount_minor"]),
        currency=team.currency,
        occurred_at=occurred,
        created_at=now,
        draft_token=draft.token,
    )
    session.add(sale)
    await session.delete(draft)
    await session.flush()
    return sale
