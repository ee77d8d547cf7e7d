"""Filing a complaint: the client (a recent one or typed), what happened, a photo or a document
(or Skip), then Save.

The client is matched like a sale's (`parsing.client_key`, found or added at Save), so the
spellings of a client are one client. Save turns the draft into a complaint in one transaction,
the draft's token as the complaint's unique `draft_token`: a double tap stores one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import complaints
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text, client_key
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import Client, Complaint, Sale
from storage.queries import clients as client_rows
from storage.queries import insert_ignore

TEXT_MAX = 1000
RECENT_CHOICES = 5
FILE_KINDS = ("photo", "document")


class Step(StrEnum):
    CLIENT = "client"
    TEXT = "text"
    ATTACH = "attach"
    CONFIRM = "confirm"


@dataclass
class FilingData(DraftData):
    client: str = ""
    text: str = ""
    file_id: str | None = None
    file_kind: str | None = None


WIZARD = Wizard(DraftKind.COMPLAINT, Step, FilingData)
FilingState = State[Step, FilingData]


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class FilingView:
    token: str
    step: Step
    client: str = ""
    text: str = ""
    file_kind: str | None = None
    choices: list[Choice] = field(default_factory=list)
    problem: str | None = None


async def _recent(session: AsyncSession, actor: Actor) -> list[Choice]:
    """The clients the actor (a coordinator: the team) sold to last."""
    team = actor.require_member()
    latest = select(Sale.client_id.label("id"), func.max(Sale.occurred_at).label("at")).where(
        Sale.team_id == team.id, Sale.voided_at.is_(None)
    )
    if not actor.is_coordinator:
        latest = latest.where(Sale.person_id == actor.person_id)
    sub = latest.group_by(Sale.client_id).subquery()
    rows = await session.execute(
        select(Client.id, Client.name)
        .join(sub, sub.c.id == Client.id)
        # A client sold to may since have passed to another rep: only those the actor may see.
        .where(client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator))
        .order_by(sub.c.at.desc(), Client.id)
        .limit(RECENT_CHOICES)
    )
    return [Choice(r.id, r.name) for r in rows]


async def _shown(db: Database, actor: Actor, state: FilingState) -> FilingView:
    choices: list[Choice] = []
    if state.step is Step.CLIENT:
        async with db.read() as session:
            choices = await _recent(session, actor)
    data = state.data
    return FilingView(state.token, state.step, data.client, data.text, data.file_kind, choices, state.problem)


async def start(db: Database, actor: Actor, now: datetime, typed_client: str = "") -> FilingView:
    """/complaint (the client asked first) or /complaint CLIENT (straight to what happened)."""
    actor.require_member()
    data, step = FilingData(), Step.CLIENT
    if typed_client.strip():
        data, step = FilingData(client=clean_text(typed_client)), Step.TEXT
    state = await WIZARD.start(db, actor.person_id, now, step, data)
    return await _shown(db, actor, state)


async def choose_client(db: Database, actor: Actor, token: str, client_id: int, now: datetime) -> FilingView:
    team = actor.require_member()

    async def apply(state: FilingState) -> tuple[Step, FilingData]:
        if state.step is not Step.CLIENT:
            raise Refused(Reason.STALE_BUTTON)
        async with db.read() as session:
            client = await client_rows.visible(
                session, client_id, team.id, actor.person_id, coordinator=actor.is_coordinator
            )
        if client is None:  # another team's or another rep's: the button was never ours
            raise Refused(Reason.STALE_BUTTON)
        return Step.TEXT, replace(state.data, client=client.name)

    return await _shown(db, actor, await WIZARD.answer(db, actor.person_id, token, now, apply))


async def answer_text(db: Database, actor: Actor, typed: str, now: datetime) -> FilingView:
    """A typed client or what happened; at the attachment or Save step typing asks for the buttons."""

    async def apply(state: FilingState) -> tuple[Step, FilingData]:
        if state.step is Step.CLIENT:
            return Step.TEXT, replace(state.data, client=clean_text(typed))
        if state.step is Step.TEXT:
            return Step.ATTACH, replace(state.data, text=clean_text(typed, TEXT_MAX))
        if state.step is Step.ATTACH:
            raise Refused(Reason.USE_BUTTONS)  # a file or Skip
        raise Refused(Reason.USE_BUTTONS)

    return await _shown(db, actor, await WIZARD.answer(db, actor.person_id, None, now, apply))


async def attach(
    db: Database, actor: Actor, token: str | None, kind: str | None, file_id: str | None, now: datetime
) -> FilingView:
    """A photo or a document sent at the attachment step (`kind` None: skipped)."""

    async def apply(state: FilingState) -> tuple[Step, FilingData]:
        if state.step is not Step.ATTACH:
            raise Refused(Reason.STALE_BUTTON)
        return Step.CONFIRM, replace(state.data, file_id=file_id, file_kind=kind)

    return await _shown(db, actor, await WIZARD.answer(db, actor.person_id, token, now, apply))


async def waiting_for_file(db: Database, actor: Actor, now: datetime) -> FilingView | None:
    """The person's complaint draft (at any step), or None when they file none."""
    try:
        state = await WIZARD.load(db, actor.person_id, None, now)
    except Refused:
        return None
    return await _shown(db, actor, state)


@dataclass(frozen=True)
class Filed:
    view: complaints.ComplaintView
    already: bool
    told: list[complaints.Person_]


async def save(db: Database, actor: Actor, token: str, now: datetime) -> Filed:
    """Store the complaint once: the draft goes and the complaint comes in one transaction."""
    team = actor.require_member()
    try:
        async with db.write() as session:
            complaint, already = await _complaint_of(session, actor, token, now)
            view = await complaints.card_in(session, actor, complaint.id)
            told: list[complaints.Person_] = []
            if not already:
                candidates = await complaints.coordinators_and_owner(session, team.id, complaint)
                told = await complaints.people_to_tell(session, team.id, candidates, actor.person_id)
            return Filed(view, already, told)
    except Refused as refusal:
        if refusal.reason is Reason.DRAFT_EXPIRED:
            await WIZARD.cancel(db, actor.person_id, token)
        raise


async def _complaint_of(
    session: AsyncSession, actor: Actor, token: str, now: datetime
) -> tuple[Complaint, bool]:
    """The complaint made of the draft now (False), or the one an earlier tap made of it (True)."""
    team = actor.require_member()
    try:
        # FOR UPDATE: a concurrent second tap waits here, then finds no draft.
        state = await WIZARD.finish(session, actor.person_id, token, Step.CONFIRM, now)
    except Refused as refusal:
        if refusal.reason is not Reason.STALE_BUTTON:
            raise
        found = await session.scalar(select(Complaint).where(Complaint.draft_token == token))
        if found is None or found.reported_by != actor.person_id:
            raise
        return found, True
    data = state.data
    if not data.client or not data.text:  # a card that never asked for them
        raise Refused(Reason.STALE_BUTTON)
    key = client_key(data.client)
    await insert_ignore(
        session,
        Client,
        {"team_id": team.id, "name": data.client, "key": key, "created_at": now},
        ["team_id", "key"],
    )
    client_id = await session.scalar(select(Client.id).where(Client.team_id == team.id, Client.key == key))
    assert client_id is not None
    complaint = Complaint(
        team_id=team.id,
        client_id=int(client_id),
        reported_by=actor.person_id,
        text=data.text,
        status="open",
        file_id=data.file_id,
        file_kind=data.file_kind if data.file_kind in FILE_KINDS else None,
        created_at=now,
        draft_token=state.token,
    )
    session.add(complaint)
    await session.flush()
    return complaint, False
