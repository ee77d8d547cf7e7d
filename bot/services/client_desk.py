"""The clients' conversations: /client without a name, /contact, and a note from the card.

Each is a `Wizard`; every step re-checks that the actor may still see the client (a coordinator
may have given it to someone else meanwhile), and a contact or note is stored in the same
transaction that ends the draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import clients
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import Client, ClientContact, ClientNote, ContactKind, Sale
from storage.queries import clients as client_rows

NOTE_MAX = 1000
RECENT_CHOICES = 5


class AddStep(StrEnum):
    NAME = "name"


@dataclass
class AddData(DraftData):
    pass


ADD_WIZARD = Wizard(DraftKind.CLIENT, AddStep, AddData)


class NoteStep(StrEnum):
    TEXT = "text"


@dataclass
class NoteData(DraftData):
    client_id: int = 0


NOTE_WIZARD = Wizard(DraftKind.CLIENT_NOTE, NoteStep, NoteData)


class ContactStep(StrEnum):
    CLIENT = "client"
    KIND = "kind"
    NOTE = "note"


@dataclass
class ContactData(DraftData):
    client_id: int = 0
    client: str = ""
    kind: str = ""


CONTACT_WIZARD = Wizard(DraftKind.CONTACT, ContactStep, ContactData)
ContactState = State[ContactStep, ContactData]


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class ContactView:
    token: str
    step: ContactStep
    client: str = ""
    kind: str = ""
    choices: list[Choice] = field(default_factory=list)
    problem: str | None = None


# --- /client without a name ------------------------------------------------------------------


async def start_add(db: Database, actor: Actor, now: datetime) -> str:
    actor.require_member()
    state = await ADD_WIZARD.start(db, actor.person_id, now, AddStep.NAME, AddData())
    return state.token


async def finish_add(db: Database, actor: Actor, typed: str, now: datetime) -> clients.Added:
    name = clean_text(typed)  # a refused name leaves the draft asking again
    async with db.write() as session:
        await ADD_WIZARD.finish(session, actor.person_id, None, AddStep.NAME, now)
    return await clients.add(db, actor, name, now)


# --- a note from the card --------------------------------------------------------------------


async def start_note(
    db: Database, actor: Actor, client_id: int, now: datetime
) -> tuple[clients.ClientRow, str]:
    """The note's client and the draft's token (for its Cancel button)."""
    row = await clients.check_visible(db, actor, client_id)
    state = await NOTE_WIZARD.start(db, actor.person_id, now, NoteStep.TEXT, NoteData(client_id))
    return row, state.token


async def _visible_in(session: AsyncSession, actor: Actor, client_id: int) -> Client:
    team = actor.require_member()
    client = await client_rows.visible(
        session, client_id, team.id, actor.person_id, coordinator=actor.is_coordinator
    )
    if client is None:
        raise Refused(Reason.NOT_FOUND)
    return client


async def save_note(db: Database, actor: Actor, typed: str, now: datetime) -> int:
    text = clean_text(typed, NOTE_MAX)
    async with db.write() as session:
        state = await NOTE_WIZARD.finish(session, actor.person_id, None, NoteStep.TEXT, now)
        client = await _visible_in(session, actor, state.data.client_id)
        session.add(ClientNote(client_id=client.id, person_id=actor.person_id, text=text, created_at=now))
    return client.id


# --- /contact --------------------------------------------------------------------------------


async def _recent(session: AsyncSession, actor: Actor) -> list[Choice]:
    """The clients the actor sold to or contacted last, of those they may still see."""
    team = actor.require_member()
    where = client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    sold = (
        select(Sale.client_id.label("id"), func.max(Sale.occurred_at).label("at"))
        .where(Sale.team_id == team.id, Sale.person_id == actor.person_id, Sale.voided_at.is_(None))
        .group_by(Sale.client_id)
    )
    met = (
        select(ClientContact.client_id.label("id"), func.max(ClientContact.at).label("at"))
        .where(ClientContact.person_id == actor.person_id)
        .group_by(ClientContact.client_id)
    )
    latest = sold.union_all(met).subquery()
    rows = await session.execute(
        select(Client.id, Client.name, func.max(latest.c.at).label("at"))
        .join(latest, latest.c.id == Client.id)
        .where(where)
        .group_by(Client.id, Client.name)
        .order_by(func.max(latest.c.at).desc(), Client.id)
        .limit(RECENT_CHOICES)
    )
    return [Choice(r.id, r.name) for r in rows]


async def _shown(db: Database, actor: Actor, state: ContactState) -> ContactView:
    choices: list[Choice] = []
    if state.step is ContactStep.CLIENT:
        async with db.read() as session:
            choices = await _recent(session, actor)
    data = state.data
    return ContactView(state.token, state.step, data.client, data.kind, choices, state.problem)


async def start_contact(
    db: Database, actor: Actor, now: datetime, client_id: int | None = None
) -> ContactView:
    """/contact (the client asked first), or the card's button (straight to the kind)."""
    actor.require_member()
    data, step = ContactData(), ContactStep.CLIENT
    if client_id is not None:
        row = await clients.check_visible(db, actor, client_id)
        data, step = ContactData(row.id, row.name), ContactStep.KIND
    state = await CONTACT_WIZARD.start(db, actor.person_id, now, step, data)
    return await _shown(db, actor, state)


async def _client_chosen(
    db: Database, actor: Actor, state: ContactState, client: Client | None
) -> ContactData:
    if state.step is not ContactStep.CLIENT:
        raise Refused(Reason.STALE_BUTTON)
    if client is None:
        raise Refused(Reason.CLIENT_UNKNOWN)
    return replace(state.data, client_id=client.id, client=client.name)


async def choose_client(db: Database, actor: Actor, token: str, client_id: int, now: datetime) -> ContactView:
    async def apply(state: ContactState) -> tuple[ContactStep, ContactData]:
        async with db.read() as session:
            client = await client_rows.visible(
                session,
                client_id,
                actor.require_member().id,
                actor.person_id,
                coordinator=actor.is_coordinator,
            )
        if client is None:  # another team's or another rep's client: the button was never ours
            raise Refused(Reason.STALE_BUTTON)
        return ContactStep.KIND, await _client_chosen(db, actor, state, client)

    state = await CONTACT_WIZARD.answer(db, actor.person_id, token, now, apply)
    return await _shown(db, actor, state)


async def choose_kind(
    db: Database, actor: Actor, token: str, kind: ContactKind, now: datetime
) -> ContactView:
    async def apply(state: ContactState) -> tuple[ContactStep, ContactData]:
        if state.step is not ContactStep.KIND:
            raise Refused(Reason.STALE_BUTTON)
        return ContactStep.NOTE, replace(state.data, kind=kind.value)

    state = await CONTACT_WIZARD.answer(db, actor.person_id, token, now, apply)
    return await _shown(db, actor, state)


async def answer_text(db: Database, actor: Actor, typed: str, now: datetime) -> ContactView | int:
    """A typed client name (re-asked when unknown) or the note (the contact saved: its client's id)."""
    state = await CONTACT_WIZARD.load(db, actor.person_id, None, now)
    if state.step is ContactStep.NOTE:
        return await save_contact(db, actor, None, typed, now)
    team = actor.require_member()

    async def apply(state: ContactState) -> tuple[ContactStep, ContactData]:
        if state.step is not ContactStep.CLIENT:
            raise Refused(Reason.USE_BUTTONS)
        async with db.read() as session:
            client = await clients.find_by_name(session, actor, team, clean_text(typed))
        return ContactStep.KIND, await _client_chosen(db, actor, state, client)

    state = await CONTACT_WIZARD.answer(db, actor.person_id, None, now, apply)
    return await _shown(db, actor, state)


async def save_contact(
    db: Database, actor: Actor, token: str | None, typed: str | None, now: datetime
) -> int:
    """Store the contact (with the typed note, or none when skipped) and end the draft."""
    note = clean_text(typed, NOTE_MAX) if typed is not None else None
    async with db.write() as session:
        state = await CONTACT_WIZARD.finish(session, actor.person_id, token, ContactStep.NOTE, now)
        client = await _visible_in(session, actor, state.data.client_id)
        kind = ContactKind(state.data.kind)
        session.add(
            ClientContact(client_id=client.id, person_id=actor.person_id, kind=kind, note=note, at=now)
        )
    return client.id
