"""Tangible rewards: the catalogue, requests with points, and the coordinator's approval.

Approval re-checks everything in one transaction with the redemption row locked: the points
never go below zero, stock never below zero, and a second approve tap finds it decided.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text, is_number
from bot.services.rewards import balance
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import Member, Person, PointEntry, Redemption, RewardItem, Role
from storage.queries import insert_ignore, members


class ItemStep(StrEnum):
    TITLE = "title"
    COST = "cost"
    STOCK = "stock"


@dataclass
class ItemData(DraftData):
    """The item being added (no `item_id`) or edited; the stock, the last answer, saves it."""

    item_id: int | None = None
    title: str = ""
    cost: int = 0


ITEM = Wizard(DraftKind.REWARD_ITEM, ItemStep, ItemData)
MAX_COST = 1_000_000
MAX_STOCK = 100_000


@dataclass(frozen=True)
class ItemView:
    id: int
    title: str
    cost_points: int
    stock: int
    retired: bool


@dataclass(frozen=True)
class RedemptionView:
    id: int
    item: ItemView
    person_id: int
    person_name: str
    language_code: str | None
    status: str


def _item(row: RewardItem) -> ItemView:
    return ItemView(row.id, row.title, row.cost_points, row.stock, row.retired_at is not None)


async def catalogue(db: Database, actor: Actor) -> tuple[int, list[ItemView]]:
    """The person's balance and the active items (a coordinator sees sold-out ones too)."""
    team = actor.require_member()
    async with db.read() as session:
        items = (
            await session.scalars(
                select(RewardItem)
                .where(RewardItem.team_id == team.id, RewardItem.retired_at.is_(None))
                .order_by(RewardItem.cost_points, RewardItem.id)
            )
        ).all()
        points = await balance(session, team.id, actor.person_id)
    return points, [_item(i) for i in items if actor.is_coordinator or i.stock > 0]


async def start_item(db: Database, actor: Actor, now: datetime, item_id: int | None = None) -> ItemStep:
    """Add (or edit) an item: the next messages give title, cost and stock."""
    team = actor.require_coordinator()
    if item_id is not None:
        async with db.read() as session:
            row = await session.get(RewardItem, item_id)
        # A card shown before the item was retired must not edit it.
        if row is None or row.team_id != team.id or row.retired_at is not None:
            raise Refused(Reason.NOT_FOUND)
    await ITEM.start(db, actor.person_id, now, ItemStep.TITLE, ItemData(item_id=item_id))
    return ItemStep.TITLE


def _number(text: str, low: int, limit: int) -> int:
    if not is_number(text) or not low <= int(text) <= limit:
        raise Refused(Reason.BAD_NUMBER, limit=limit)
    return int(text)


async def item_answer(db: Database, actor: Actor, text: str, now: datetime) -> ItemStep | ItemView:
    """One answer of the item conversation: the next step, or the saved item.

    A refused answer is raised with its details (a name's length, a number's limit), and the
    step stays where it was: the person answers again.
    """
    team = actor.require_coordinator()
    state = await ITEM.load(db, actor.person_id, None, now)
    value = text.strip()
    if state.step is ItemStep.TITLE:
        await ITEM.save(
            db, actor.person_id, state, ItemStep.COST, replace(state.data, title=clean_text(value)), now
        )
        return ItemStep.COST
    if state.step is ItemStep.COST:
        cost = _number(value, 1, MAX_COST)
        await ITEM.save(db, actor.person_id, state, ItemStep.STOCK, replace(state.data, cost=cost), now)
        return ItemStep.STOCK
    stock = _number(value, 0, MAX_STOCK)
    async with db.write() as session:
        data = (await ITEM.finish(session, actor.person_id, state.token, ItemStep.STOCK, now)).data
        row = await session.get(RewardItem, data.item_id) if data.item_id is not None else None
        # Retired while its edit was being typed: the conversation ends, the retirement stands.
        dropped = row is not None and row.retired_at is not None
        if not dropped:
            if row is None or row.team_id != team.id:
                row = RewardItem(team_id=team.id, created_at=now)
                session.add(row)
            row.title, row.cost_points, row.stock = data.title, data.cost, stock
            await session.flush()
            saved = _item(row)
    if dropped:
        raise Refused(Reason.NOT_FOUND)
    return saved


async def retire(db: Database, actor: Actor, item_id: int, now: datetime) -> ItemView:
    team = actor.require_coordinator()
    async with db.write() as session:
        row = await session.get(RewardItem, item_id)
        if row is None or row.team_id != team.id or row.retired_at is not None:
            raise Refused(Reason.NOT_FOUND)
        row.retired_at = now
        return _item(row)


async def request(db: Database, actor: Actor, item_id: int, now: datetime) -> RedemptionView:
    team = actor.require_member()
    async with db.write() as session:
        item = await session.get(RewardItem, item_id)
        if item is None or item.team_id != team.id or item.retired_at is not None:
            raise Refused(Reason.NOT_FOUND)
        if item.stock <= 0:
            raise Refused(Reason.OUT_OF_STOCK, title=item.title)
        points = await balance(session, team.id, actor.person_id)
        if points < item.cost_points:
            raise Refused(Reason.NOT_ENOUGH_POINTS, cost=item.cost_points, balance=points)
        row = Redemption(
            team_id=team.id,
            item_id=item.id,
            person_id=actor.person_id,
            cost_points=item.cost_points,
            status="requested",
            requested_at=now,
        )
        session.add(row)
        await session.flush()
        person = await session.get_one(Person, actor.person_id)
        return RedemptionView(
            row.id, _item(item), actor.person_id, person.display_name, person.language_code, row.status
        )


async def decide(
    db: Database, actor: Actor, redemption_id: int, approve: bool, now: datetime
) -> RedemptionView:
    """Approve (deducting points and stock) or reject a request, once."""
    team = actor.require_coordinator()
    async with db.write() as session:
        row = await session.get(Redemption, redemption_id, with_for_update=True)
        if row is None or row.team_id != team.id:
            raise Refused(Reason.NOT_FOUND)
        if row.status != "requested":
            raise Refused(Reason.ALREADY_DECIDED)
        item = await session.get_one(RewardItem, row.item_id, with_for_update=True)
        person = await session.get_one(Person, row.person_id)
        # Locking the rep's membership serialises their approvals: two items approved at once
        # cannot both pass the balance check on PostgreSQL. A rep who left is neither approved
        # nor rejected (nor told): their request simply goes with them.
        if await members.active_member(session, team.id, row.person_id, lock=True) is None:
            raise Refused(Reason.LEFT_TEAM)
        if approve:
            if item.stock <= 0:
                raise Refused(Reason.OUT_OF_STOCK, title=item.title)
            if await balance(session, team.id, row.person_id) < row.cost_points:
                raise Refused(
                    Reason.NOT_ENOUGH_POINTS,
                    cost=row.cost_points,
                    balance=await balance(session, team.id, row.person_id),
                )
            values = {
                "team_id": team.id,
                "person_id": row.person_id,
                "delta": -row.cost_points,
                "reason": "redeem",
                "source": f"redeem:{row.id}",
                "day": None,
                "created_at": now,
            }
            await insert_ignore(session, PointEntry, values, ["team_id", "person_id", "reason", "source"])
            item.stock -= 1
        row.status = "approved" if approve else "rejected"
        row.decided_at, row.decided_by = now, actor.person_id
        return RedemptionView(
            row.id, _item(item), row.person_id, person.display_name, person.language_code, row.status
        )


async def pending(db: Database, actor: Actor) -> list[RedemptionView]:
    """Requests waiting for a decision: shown in /rewards, so none is lost with its message."""
    return await pending_of(db, actor.require_coordinator().id)


async def pending_of(db: Database, team_id: int) -> list[RedemptionView]:
    """A team's requests of current members waiting for the coordinator, oldest first."""
    async with db.read() as session:
        rows = await session.execute(
            select(Redemption, RewardItem, Person)
            .join(RewardItem, RewardItem.id == Redemption.item_id)
            .join(Person, Person.id == Redemption.person_id)
            .join(Member, (Member.team_id == Redemption.team_id) & (Member.person_id == Redemption.person_id))
            .where(Redemption.team_id == team_id, Redemption.status == "requested", members.is_active())
            .order_by(Redemption.requested_at, Redemption.id)
        )
        return [
            RedemptionView(r.id, _item(i), p.id, p.display_name, p.language_code, r.status)
            for r, i, p in rows
        ]


async def coordinators_of(db: Database, team: TeamInfo) -> list[tuple[int, str | None]]:
    async with db.read() as session:
        return [
            (p.id, p.language_code) for p in await members.active_people(session, team.id, Role.COORDINATOR)
        ]
