"""The team's clients: the list, the card, adding one, and the coordinator's changes to a card.

Who sees what is one rule (`storage.queries.clients.visible_to`): a coordinator every client of
the team, a rep their own and the unowned ones. A client the actor may not see is refused exactly
like a missing one, whatever team or rep it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text, client_key
from bot.services.periods import local_date, local_midnight
from storage.db import Database
from storage.models import Client, ClientContact, ClientKind, ClientNote, Person, Role, Sale
from storage.queries import clients as client_rows
from storage.queries import insert_ignore, members

NOTES_SHOWN = 5


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    key: str
    kind: str
    is_key: bool
    owner_id: int | None


@dataclass(frozen=True)
class Totals:
    amount_minor: int
    count: int


@dataclass(frozen=True)
class Contact:
    kind: str  # a ContactKind, or "sale"
    at: datetime
    by: str


@dataclass(frozen=True)
class Note:
    text: str
    at: datetime
    by: str


@dataclass(frozen=True)
class ClientCard:
    client: ClientRow
    owner: str | None
    month: Totals
    year: Totals
    currency: str
    timezone: str
    last_contact: Contact | None
    notes: list[Note] = field(default_factory=list)
    # Whether the actor may change the key flag, the owner and the kind.
    manage: bool = False


def _row(client: Client) -> ClientRow:
    return ClientRow(client.id, client.name, client.key, client.kind, client.is_key, client.owner_id)


def _name(first: str, last: str | None) -> str:
    return f"{first} {last}" if last else first


async def listing(db: Database, actor: Actor) -> list[ClientRow]:
    """The clients the actor may see, by their matching key."""
    team = actor.require_member()
    where = client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    async with db.read() as session:
        rows = await session.scalars(select(Client).where(where).order_by(Client.key, Client.id))
        return [_row(c) for c in rows]


async def _visible(session: AsyncSession, actor: Actor, client_id: int, *, lock: bool = False) -> Client:
    team = actor.require_member()
    client = await client_rows.visible(
        session, client_id, team.id, actor.person_id, coordinator=actor.is_coordinator, lock=lock
    )
    if client is None:
        raise Refused(Reason.NOT_FOUND)
    return client


async def check_visible(db: Database, actor: Actor, client_id: int) -> ClientRow:
    async with db.read() as session:
        return _row(await _visible(session, actor, client_id))


async def _totals(session: AsyncSession, client_id: int, start: datetime, end: datetime) -> Totals:
    row = (
        await session.execute(
            select(func.coalesce(func.sum(Sale.amount_minor), 0), func.count()).where(
                Sale.client_id == client_id,
                Sale.voided_at.is_(None),
                Sale.occurred_at >= start,
                Sale.occurred_at < end,
            )
        )
    ).one()
    return Totals(int(row[0]), int(row[1]))


async def _last_contact(session: AsyncSession, client_id: int) -> Contact | None:
    """The latest logged contact or sale (a sale is a contact too)."""
    logged = (
        await session.execute(
            select(ClientContact.kind, ClientContact.at, Person.first_name, Person.last_name)
            .join(Person, Person.id == ClientContact.person_id)
            .where(ClientContact.client_id == client_id)
            .order_by(ClientContact.at.desc(), ClientContact.id.desc())
            .limit(1)
        )
    ).first()
    sold = (
        await session.execute(
            select(Sale.occurred_at, Person.first_name, Person.last_name)
            .join(Person, Person.id == Sale.person_id)
            .where(Sale.client_id == client_id, Sale.voided_at.is_(None))
            .order_by(Sale.occurred_at.desc(), Sale.id.desc())
            .limit(1)
        )
    ).first()
    found = []
    if logged is not None:
        found.append(Contact(logged[0], logged[1], _name(logged[2], logged[3])))
    if sold is not None:
        found.append(Contact("sale", sold[0], _name(sold[1], sold[2])))
    return max(found, key=lambda c: c.at) if found else None


async def _notes(session: AsyncSession, client_id: int) -> list[Note]:
    """The last notes: typed on their own, or with a logged contact."""
    written = await session.execute(
        select(ClientNote.text, ClientNote.created_at, Person.first_name, Person.last_name)
        .join(Person, Person.id == ClientNote.person_id)
        .where(ClientNote.client_id == client_id)
        .order_by(ClientNote.created_at.desc(), ClientNote.id.desc())
        .limit(NOTES_SHOWN)
    )
    with_contacts = await session.execute(
        select(ClientContact.note, ClientContact.at, Person.first_name, Person.last_name)
        .join(Person, Person.id == ClientContact.person_id)
        .where(ClientContact.client_id == client_id, ClientContact.note.is_not(None))
        .order_by(ClientContact.at.desc(), ClientContact.id.desc())
        .limit(NOTES_SHOWN)
    )
    notes = [Note(str(t), at, _name(f, lst)) for t, at, f, lst in [*written, *with_contacts]]
    return sorted(notes, key=lambda n: n.at, reverse=True)[:NOTES_SHOWN]


def _year_start(day: date) -> date:
    return day.replace(month=1, day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


async def card(db: Database, actor: Actor, client_id: int, now: datetime) -> ClientCard:
    team = actor.require_member()
    zone = team.zone
    today = local_date(now, zone)
    month_start, year_start = today.replace(day=1), _year_start(today)
    async with db.read() as session:
        client = await _visible(session, actor, client_id)
        owner = await session.get(Person, client.owner_id) if client.owner_id is not None else None
        month = await _totals(
            session, client.id, local_midnight(month_start, zone), local_midnight(_next_month(today), zone)
        )
        year = await _totals(
            session,
            client.id,
            local_midnight(year_start, zone),
            local_midnight(date(today.year + 1, 1, 1), zone),
        )
        last = await _last_contact(session, client.id)
        notes = await _notes(session, client.id)
    return ClientCard(
        _row(client),
        owner.display_name if owner else None,
        month,
        year,
        team.currency,
        team.timezone,
        last,
        notes,
        manage=actor.is_coordinator,
    )


@dataclass(frozen=True)
class Added:
    client_id: int
    created: bool


async def add(db: Database, actor: Actor, typed: str, now: datetime) -> Added:
    """A new client of the team (a rep's own, a coordinator's unowned); an existing one is found."""
    team = actor.require_member()
    name = clean_text(typed)
    key = client_key(name)
    owner = None if actor.is_coordinator else actor.person_id
    async with db.write() as session:
        created = await insert_ignore(
            session,
            Client,
            {"team_id": team.id, "name": name, "key": key, "created_at": now, "owner_id": owner},
            ["team_id", "key"],
        )
        client_id = await session.scalar(
            select(Client.id).where(Client.team_id == team.id, Client.key == key)
        )
        assert client_id is not None
        if not created:
            # Known already: shown when the actor may see it, else refused as another rep's.
            where = client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
            if await session.scalar(select(Client.id).where(Client.id == client_id, where)) is None:
                raise Refused(Reason.CLIENT_TAKEN)
    return Added(int(client_id), bool(created))


async def find_by_name(session: AsyncSession, actor: Actor, team: TeamInfo, typed: str) -> Client | None:
    where = client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    return await session.scalar(select(Client).where(where, Client.key == client_key(typed)))


async def toggle_key(db: Database, actor: Actor, client_id: int) -> None:
    actor.require_coordinator()
    async with db.write() as session:
        client = await _visible(session, actor, client_id, lock=True)
        client.is_key = not client.is_key


async def set_kind(db: Database, actor: Actor, client_id: int, kind: ClientKind) -> None:
    actor.require_coordinator()
    async with db.write() as session:
        client = await _visible(session, actor, client_id, lock=True)
        client.kind = kind.value


@dataclass(frozen=True)
class OwnerChoice:
    person_id: int
    name: str
    current: bool


async def owner_choices(db: Database, actor: Actor, client_id: int) -> tuple[ClientRow, list[OwnerChoice]]:
    """The team's active members a coordinator may make the client's owner, reps first."""
    team = actor.require_coordinator()
    async with db.read() as session:
        client = await _visible(session, actor, client_id)
        people = [
            *await members.active_people(session, team.id, Role.REP),
            *await members.active_people(session, team.id, Role.COORDINATOR),
        ]
    choices = [OwnerChoice(p.id, p.display_name, p.id == client.owner_id) for p in people]
    return _row(client), choices


async def set_owner(db: Database, actor: Actor, client_id: int, person_id: int) -> None:
    """A coordinator gives the client to an active member of the team; anyone else is refused."""
    team = actor.require_coordinator()
    async with db.write() as session:
        client = await _visible(session, actor, client_id, lock=True)
        if await members.active_member(session, team.id, person_id) is None:
            raise Refused(Reason.NOT_FOUND)
        client.owner_id = person_id
