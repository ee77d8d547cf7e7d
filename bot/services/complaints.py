"""Complaints: the list, the card, and a coordinator's status changes with a note.

Who sees what is one rule (`storage.queries.complaints.visible_to`): a coordinator every complaint
of the team, a rep those they reported or about clients they own. One the actor may not see is
refused exactly like a missing one. Only a coordinator changes a status; each change is stored
with who made it, when and the note, in the same transaction that ends the note's draft, and the
reporter and the client's owner (when still in the team, and not the one changing it) are told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import Client, Complaint, ComplaintChange, ComplaintStatus, Person, Role
from storage.queries import complaints as complaint_rows
from storage.queries import members

NOTE_MAX = 1000
OPEN = (ComplaintStatus.OPEN.value, ComplaintStatus.IN_PROGRESS.value)
CLOSED = (ComplaintStatus.RESOLVED.value, ComplaintStatus.REJECTED.value)
# Where each status may go (a closed complaint stays closed).
NEXT: dict[str, tuple[ComplaintStatus, ...]] = {
    ComplaintStatus.OPEN: (ComplaintStatus.IN_PROGRESS, ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED),
    ComplaintStatus.IN_PROGRESS: (ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED),
}


@dataclass(frozen=True)
class ChangeView:
    status: str
    note: str
    at: datetime
    by: str


@dataclass(frozen=True)
class ComplaintView:
    id: int
    client: str
    reporter: str
    text: str
    status: str
    created_at: datetime
    timezone: str
    file_kind: str | None = None
    file_id: str | None = None
    history: list[ChangeView] = field(default_factory=list)
    # The statuses the actor may move it to (a coordinator's; empty for a rep or once closed).
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplaintRow:
    id: int
    client: str
    status: str
    created_at: datetime
    days: int


# (person id, language code) of someone to tell.
Person_ = tuple[int, str | None]


def _name(first: str, last: str | None) -> str:
    return f"{first} {last}" if last else first


async def listing(db: Database, actor: Actor, now: datetime) -> list[ComplaintRow]:
    """The open complaints the actor may see, oldest first."""
    team = actor.require_member()
    where = complaint_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    async with db.read() as session:
        rows = await session.execute(
            select(Complaint, Client.name)
            .join(Client, Client.id == Complaint.client_id)
            .where(where, Complaint.status.in_(OPEN))
            .order_by(Complaint.created_at, Complaint.id)
        )
        return [
            ComplaintRow(c.id, name, c.status, c.created_at, max(0, (now - c.created_at).days))
            for c, name in rows
        ]


async def _visible(
    session: AsyncSession, actor: Actor, complaint_id: int, *, lock: bool = False
) -> Complaint:
    team = actor.require_member()
    found = await complaint_rows.visible(
        session, complaint_id, team.id, actor.person_id, coordinator=actor.is_coordinator, lock=lock
    )
    if found is None:
        raise Refused(Reason.NOT_FOUND)
    return found


async def _view(session: AsyncSession, actor: Actor, complaint: Complaint) -> ComplaintView:
    team = actor.require_member()
    client = await session.get(Client, complaint.client_id)
    reporter = await session.get(Person, complaint.reported_by)
    assert client is not None and reporter is not None
    changes = await session.execute(
        select(ComplaintChange, Person.first_name, Person.last_name)
        .join(Person, Person.id == ComplaintChange.person_id)
        .where(ComplaintChange.complaint_id == complaint.id)
        .order_by(ComplaintChange.at, ComplaintChange.id)
    )
    history = [ChangeView(c.status, c.note, c.at, _name(f, last)) for c, f, last in changes]
    actions = tuple(s.value for s in NEXT.get(complaint.status, ())) if actor.is_coordinator else ()
    return ComplaintView(
        complaint.id,
        client.name,
        reporter.display_name,
        complaint.text,
        complaint.status,
        complaint.created_at,
        team.timezone,
        complaint.file_kind,
        complaint.file_id,
        history,
        actions,
    )


async def card(db: Database, actor: Actor, complaint_id: int) -> ComplaintView:
    async with db.read() as session:
        return await _view(session, actor, await _visible(session, actor, complaint_id))


async def card_in(session: AsyncSession, actor: Actor, complaint_id: int) -> ComplaintView:
    """The card inside the caller's transaction (just saved)."""
    return await _view(session, actor, await _visible(session, actor, complaint_id))


async def people_to_tell(
    session: AsyncSession, team_id: int, candidates: list[int | None], actor_id: int
) -> list[Person_]:
    """The candidates still active in the team, without the actor, each once."""
    active = await members.active_ids(session, team_id)
    out: list[Person_] = []
    for person_id in dict.fromkeys(candidates):
        if person_id is None or person_id == actor_id or person_id not in active:
            continue
        person = await session.get(Person, person_id)
        if person is not None:
            out.append((person.id, person.language_code))
    return out


async def coordinators_and_owner(
    session: AsyncSession, team_id: int, complaint: Complaint
) -> list[int | None]:
    """Who hears of a new complaint: the team's coordinators and the client's owner."""
    client = await session.get(Client, complaint.client_id)
    coordinators = await members.active_ids(session, team_id, Role.COORDINATOR)
    return [*sorted(coordinators), client.owner_id if client else None]


# --- a coordinator's status change ---------------------------------------------------------


class ChangeStep(StrEnum):
    NOTE = "note"


@dataclass
class ChangeData(DraftData):
    complaint_id: int = 0
    status: str = ""


CHANGE_WIZARD = Wizard(DraftKind.COMPLAINT_NOTE, ChangeStep, ChangeData)


def _check_move(complaint: Complaint, status: str) -> None:
    if complaint.status in CLOSED:
        raise Refused(Reason.COMPLAINT_CLOSED)
    if status not in NEXT.get(complaint.status, ()):
        if not any(status in targets for targets in NEXT.values()):
            raise Refused(Reason.STALE_BUTTON)  # a move no button offers: never ours
        # Another coordinator moved it first (or the card is old): say so, never act twice.
        raise Refused(Reason.COMPLAINT_MOVED)


async def start_change(
    db: Database, actor: Actor, complaint_id: int, status: ComplaintStatus, now: datetime
) -> tuple[ComplaintView, str]:
    """The coordinator pressed a status: the card and the note draft's token (for its Cancel)."""
    actor.require_coordinator()
    async with db.read() as session:
        complaint = await _visible(session, actor, complaint_id)
        _check_move(complaint, status.value)
        view = await _view(session, actor, complaint)
    state = await CHANGE_WIZARD.start(
        db, actor.person_id, now, ChangeStep.NOTE, ChangeData(complaint_id, status.value)
    )
    return view, state.token


@dataclass(frozen=True)
class Changed:
    view: ComplaintView
    change: ChangeView
    change_id: int
    told: list[Person_]


async def finish_change(db: Database, actor: Actor, typed: str, now: datetime) -> Changed:
    """The typed note moves the complaint its draft names, and ends the draft."""
    team = actor.require_coordinator()
    note = clean_text(typed, NOTE_MAX)  # a refused note leaves the draft asking again
    try:
        return await _change(db, actor, team.id, note, now)
    except Refused as refusal:
        if refusal.reason in (
            Reason.COMPLAINT_CLOSED,
            Reason.COMPLAINT_MOVED,
            Reason.NOT_FOUND,
            Reason.DRAFT_EXPIRED,
        ):
            await CHANGE_WIZARD.cancel(db, actor.person_id)  # it cannot go on: the draft ends
        raise


async def _change(db: Database, actor: Actor, team_id: int, note: str, now: datetime) -> Changed:
    async with db.write() as session:
        state = await CHANGE_WIZARD.finish(session, actor.person_id, None, ChangeStep.NOTE, now)
        complaint = await _visible(session, actor, state.data.complaint_id, lock=True)
        _check_move(complaint, state.data.status)
        complaint.status = state.data.status
        if complaint.status in CLOSED:
            complaint.closed_at = now
        change = ComplaintChange(
            complaint_id=complaint.id, person_id=actor.person_id, status=complaint.status, note=note, at=now
        )
        session.add(change)
        await session.flush()
        client = await session.get(Client, complaint.client_id)
        told = await people_to_tell(
            session, team_id, [complaint.reported_by, client.owner_id if client else None], actor.person_id
        )
        view = await _view(session, actor, complaint)
    return Changed(view, view.history[-1], change.id, told)
