"""The competitor-note conversation: /competitor, its buttons and typed answers, and Save.

Steps: competitor -> kind -> note -> client (optional) -> confirm. A competitor is the team's,
matched by `parsing.client_key` like a client (the first spelling kept); a typed one is added at
Save. The client follows the clients' rules (`services.clients`): a rep names their own or the
team's unowned clients, a coordinator any of the team's; an unknown name becomes a new client at
Save, as `/client NAME` would add it. Save stores one note, the draft's token its unique key, so a
double tap stores one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import clients
from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text, client_key
from bot.services.wizard import Answer, DraftData, State, Wizard
from storage.db import Database
from storage.models import Client, Competitor, CompetitorKind, CompetitorNote, Sale
from storage.queries import clients as client_rows
from storage.queries import competitors as competitor_rows

NOTE_MAX = 1000
# The team's competitors offered as buttons, and the actor's recent clients.
COMPETITOR_CHOICES = 8
CLIENT_CHOICES = 5
# "Most used" counts the notes of this many days; the latest note breaks ties.
USED_DAYS = 90


class Step(StrEnum):
    COMPETITOR = "competitor"
    KIND = "kind"
    NOTE = "note"
    CLIENT = "client"
    CONFIRM = "confirm"


@dataclass
class NoteData(DraftData):
    competitor: str = ""
    kind: str = ""
    note: str = ""
    # A known client's id, or 0 with a typed new name in `client` (added at Save).
    client_id: int = 0
    client: str = ""


WIZARD = Wizard(DraftKind.COMPETITOR, Step, NoteData)
NoteState = State[Step, NoteData]


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class NoteView:
    token: str
    step: Step
    competitor: str = ""
    kind: str = ""
    note: str = ""
    client: str = ""
    choices: list[Choice] = field(default_factory=list)
    problem: str | None = None


@dataclass(frozen=True)
class SavedNote:
    competitor: str
    kind: str
    note: str
    client: str | None
    at: datetime
    already_saved: bool = False


async def _competitors(session: AsyncSession, team: TeamInfo, now: datetime) -> list[Choice]:
    """The team's most used competitors of late, then the most recent."""
    since = now - timedelta(days=USED_DAYS)
    recent = func.sum(case((CompetitorNote.created_at >= since, 1), else_=0))
    latest = func.max(CompetitorNote.created_at)
    rows = await session.execute(
        select(Competitor.id, Competitor.name)
        .join(CompetitorNote, CompetitorNote.competitor_id == Competitor.id)
        .where(Competitor.team_id == team.id)
        .group_by(Competitor.id, Competitor.name)
        .order_by(recent.desc(), latest.desc(), Competitor.id)
        .limit(COMPETITOR_CHOICES)
    )
    return [Choice(r.id, r.name) for r in rows]


async def _clients(session: AsyncSession, actor: Actor, team: TeamInfo) -> list[Choice]:
    """The clients the actor sold to last (as the sale report offers them), of those they may see."""
    where = client_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    latest = (
        select(Sale.client_id.label("id"), func.max(Sale.occurred_at).label("at"))
        .where(Sale.team_id == team.id, Sale.person_id == actor.person_id, Sale.voided_at.is_(None))
        .group_by(Sale.client_id)
        .subquery()
    )
    rows = await session.execute(
        select(Client.id, Client.name)
        .join(latest, latest.c.id == Client.id)
        .where(where)
        .order_by(latest.c.at.desc(), Client.id)
        .limit(CLIENT_CHOICES)
    )
    return [Choice(r.id, r.name) for r in rows]


async def _shown(db: Database, actor: Actor, state: NoteState, now: datetime) -> NoteView:
    team = actor.require_member()
    choices: list[Choice] = []
    if state.step in (Step.COMPETITOR, Step.CLIENT):
        async with db.read() as session:
            if state.step is Step.COMPETITOR:
                choices = await _competitors(session, team, now)
            else:
                choices = await _clients(session, actor, team)
    data = state.data
    return NoteView(
        state.token, state.step, data.competitor, data.kind, data.note, data.client, choices, state.problem
    )


async def start(db: Database, actor: Actor, now: datetime) -> NoteView:
    """A new note (any member of the team), replacing whatever the person was doing."""
    actor.require_member()
    state = await WIZARD.start(db, actor.person_id, now, Step.COMPETITOR, NoteData())
    return await _shown(db, actor, state, now)


async def _answer(
    db: Database, actor: Actor, token: str | None, now: datetime, apply: Answer[Step, NoteData]
) -> NoteView:
    state = await WIZARD.answer(db, actor.person_id, token, now, apply)
    return await _shown(db, actor, state, now)


def _at(state: NoteState, step: Step) -> None:
    if state.step is not step:
        raise Refused(Reason.STALE_BUTTON)


async def choose_competitor(
    db: Database, actor: Actor, token: str, competitor_id: int, now: datetime
) -> NoteView:
    team = actor.require_member()

    async def apply(state: NoteState) -> tuple[Step, NoteData]:
        _at(state, Step.COMPETITOR)
        async with db.read() as session:
            found = await competitor_rows.of_team(session, team.id, competitor_id)
        if found is None:  # another team's or no competitor: the button was never ours
            raise Refused(Reason.STALE_BUTTON)
        return Step.KIND, replace(state.data, competitor=found.name)

    return await _answer(db, actor, token, now, apply)


async def choose_kind(
    db: Database, actor: Actor, token: str, kind: CompetitorKind, now: datetime
) -> NoteView:
    async def apply(state: NoteState) -> tuple[Step, NoteData]:
        _at(state, Step.KIND)
        return Step.NOTE, replace(state.data, kind=kind.value)

    return await _answer(db, actor, token, now, apply)


async def choose_client(
    db: Database, actor: Actor, token: str, client_id: int | None, now: datetime
) -> NoteView:
    """A recent client pressed, or the client skipped (`client_id` None)."""
    team = actor.require_member()

    async def apply(state: NoteState) -> tuple[Step, NoteData]:
        _at(state, Step.CLIENT)
        if client_id is None:
            return Step.CONFIRM, replace(state.data, client_id=0, client="")
        async with db.read() as session:
            client = await client_rows.visible(
                session, client_id, team.id, actor.person_id, coordinator=actor.is_coordinator
            )
        if client is None:  # another team's or another rep's client: the button was never ours
            raise Refused(Reason.STALE_BUTTON)
        return Step.CONFIRM, replace(state.data, client_id=client.id, client=client.name)

    return await _answer(db, actor, token, now, apply)


async def _typed_client(session: AsyncSession, actor: Actor, team: TeamInfo, name: str) -> tuple[int, str]:
    """A known client the actor may name (its id and spelling), or a new name (id 0)."""
    found = await clients.find_by_name(session, actor, team, name)
    if found is not None:
        return found.id, found.name
    taken = await session.scalar(
        select(Client.id).where(Client.team_id == team.id, Client.key == client_key(name))
    )
    if taken is not None:  # another rep's client, as /client NAME would refuse it
        raise Refused(Reason.CLIENT_TAKEN)
    return 0, name


async def answer_text(db: Database, actor: Actor, typed: str, now: datetime) -> NoteView:
    """A typed competitor, note or client; a bad one re-asks the same step with the reason."""
    team = actor.require_member()

    async def apply(state: NoteState) -> tuple[Step, NoteData]:
        if state.step is Step.COMPETITOR:
            name = clean_text(typed)
            async with db.read() as session:
                known = await competitor_rows.by_key(session, team.id, client_key(name))
            return Step.KIND, replace(state.data, competitor=known.name if known else name)
        if state.step is Step.NOTE:
            return Step.CLIENT, replace(state.data, note=clean_text(typed, NOTE_MAX))
        if state.step is Step.CLIENT:
            async with db.read() as session:
                client_id, name = await _typed_client(session, actor, team, clean_text(typed))
            return Step.CONFIRM, replace(state.data, client_id=client_id, client=name)
        raise Refused(Reason.USE_BUTTONS)  # the kind and the confirmation are buttons

    return await _answer(db, actor, None, now, apply)


async def _already(session: AsyncSession, actor: Actor, token: str) -> SavedNote | None:
    """The note an earlier tap on this draft's Save stored, if it was the actor's."""
    row = (
        await session.execute(
            select(CompetitorNote, Competitor.name, Client.name)
            .join(Competitor, Competitor.id == CompetitorNote.competitor_id)
            .outerjoin(Client, Client.id == CompetitorNote.client_id)
            .where(CompetitorNote.draft_token == token, CompetitorNote.person_id == actor.person_id)
        )
    ).first()
    if row is None:
        return None
    note, competitor, client = row
    return SavedNote(competitor, note.kind, note.text, client, note.created_at, already_saved=True)


async def save(db: Database, actor: Actor, token: str, now: datetime) -> SavedNote:
    """Store the note once: the draft goes and the note comes in one transaction."""
    team = actor.require_member()
    try:
        state = await WIZARD.load(db, actor.person_id, token, now)
    except Refused as refusal:
        if refusal.reason is Reason.STALE_BUTTON:
            async with db.read() as session:
                if (done := await _already(session, actor, token)) is not None:
                    return done
        raise
    _at(state, Step.CONFIRM)
    client_id = state.data.client_id or None
    if client_id is None and state.data.client:
        # A new client, added as /client NAME adds it (its own transaction; found if it exists).
        client_id = (await clients.add(db, actor, state.data.client, now)).client_id
    async with db.write() as session:
        try:
            # FOR UPDATE: on PostgreSQL a concurrent second tap waits here, then finds no draft.
            state = await WIZARD.finish(session, actor.person_id, token, Step.CONFIRM, now)
        except Refused as refusal:
            if refusal.reason is Reason.STALE_BUTTON and (done := await _already(session, actor, token)):
                return done
            raise
        data = state.data
        if not data.competitor or data.kind not in set(CompetitorKind):  # a card that never asked
            raise Refused(Reason.STALE_BUTTON)
        client_name = None
        if client_id is not None:
            client = await client_rows.visible(
                session, client_id, team.id, actor.person_id, coordinator=actor.is_coordinator
            )
            if client is None:  # given to another rep meanwhile
                raise Refused(Reason.CLIENT_TAKEN)
            client_name = client.name
        competitor = await competitor_rows.find_or_add(
            session, team.id, data.competitor, client_key(data.competitor), now
        )
        kind = CompetitorKind(data.kind)
        session.add(
            CompetitorNote(
                team_id=team.id,
                competitor_id=competitor.id,
                person_id=actor.person_id,
                kind=kind.value,
                text=data.note,
                client_id=client_id,
                created_at=now,
                draft_token=state.token,
            )
        )
    return SavedNote(competitor.name, kind.value, data.note, client_name, now)
