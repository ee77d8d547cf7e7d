"""The two meeting conversations: /meeting's creation, step by step, and a meeting's new time.

Both are drafts on the one wizard skeleton; the stored steps and data keys are those of the
earlier hand-written drafts, so a conversation begun before an upgrade goes on after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.meetings import (
    MAX_DURATION,
    AttendeeView,
    MeetingDraft,
    MeetingStep,
    MeetingView,
    MoveStep,
    as_view,
    attendees_by_meeting,
    get,
    team_members,
)
from bot.services.paging import pressed_page_value, search_query
from bot.services.parsing import clean_text, is_number, parse_when
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import Attendee, Meeting, MeetingKind
from storage.queries import members

KINDS = frozenset(kind.value for kind in MeetingKind)


@dataclass
class MeetingData(DraftData):
    kind: str | None = None
    title: str | None = None
    starts_at: str | None = None  # ISO text, as JSON holds it
    duration: int | None = None
    place: str | None = None
    attendees: list[int] = field(default_factory=list)
    page: int = 0  # the attendees step's page, and the typed part of a name it is narrowed to
    search: str = ""


@dataclass
class MoveData(DraftData):
    meeting_id: int = 0


MEETING = Wizard(DraftKind.MEETING, MeetingStep, MeetingData)
MOVE = Wizard(DraftKind.MEETING_MOVE, MoveStep, MoveData)

Step = tuple[MeetingStep, MeetingData]


def _shown(state: State[MeetingStep, MeetingData], people: list[AttendeeView]) -> MeetingDraft:
    return MeetingDraft(state.token, state.step, state.data.dump(), people, state.problem)


async def _members(db: Database, team_id: int) -> list[AttendeeView]:
    async with db.read() as session:
        return await team_members(session, team_id)


async def start(db: Database, actor: Actor, now: datetime) -> MeetingDraft:
    team = actor.require_coordinator()
    state = await MEETING.start(db, actor.person_id, now, MeetingStep.KIND, MeetingData())
    return _shown(state, await _members(db, team.id))


def _pick_attendee(data: MeetingData, value: str, person: int | None, known: set[int]) -> Step:
    chosen = set(data.attendees)
    if value == "all":
        return MeetingStep.CONFIRM, replace(data, attendees=sorted(known))
    if value == "done":
        if not chosen:
            raise Refused(Reason.NO_ATTENDEES)
        return MeetingStep.CONFIRM, data
    if person is not None and person in known:
        return MeetingStep.ATTENDEES, replace(data, attendees=sorted(chosen ^ {person}))
    raise Refused(Reason.STALE_BUTTON)


async def advance(
    db: Database,
    actor: Actor,
    token: str | None,
    value: str,
    now: datetime,
    *,
    typed: bool,
    person: int | None = None,
) -> MeetingDraft:
    """The answer to the current step (a pressed value or typed text); a bad one re-asks.

    `person` is the attendee a pressed button names, already range-checked by the codec.
    """
    team = actor.require_coordinator()
    people = await _members(db, team.id)

    async def apply(state: State[MeetingStep, MeetingData]) -> Step:
        step, data = state.step, state.data
        if step is MeetingStep.KIND and not typed and value in KINDS:
            return MeetingStep.TITLE, replace(data, kind=value)
        if step is MeetingStep.TITLE and typed:
            return MeetingStep.WHEN, replace(data, title=clean_text(value))
        if step is MeetingStep.WHEN and typed:
            starts_at = parse_when(value, now, team.zone).isoformat()
            return MeetingStep.DURATION, replace(data, starts_at=starts_at)
        if step is MeetingStep.DURATION:
            minutes = int(value) if is_number(value.strip()) else 0
            if not 0 < minutes <= MAX_DURATION:
                raise Refused(Reason.BAD_DURATION)
            return MeetingStep.PLACE, replace(data, duration=minutes)
        if step is MeetingStep.PLACE:
            # Any button here is Skip.
            place = clean_text(value) if typed else None
            return MeetingStep.ATTENDEES, replace(data, place=place, attendees=[])
        if step is MeetingStep.ATTENDEES and typed:
            return step, replace(data, search=search_query(value), page=0)
        if step is MeetingStep.ATTENDEES and (number := pressed_page_value(value)) is not None:
            return step, replace(data, page=number)
        if step is MeetingStep.ATTENDEES:
            return _pick_attendee(data, value, person, {p.person_id for p in people})
        raise Refused(Reason.USE_BUTTONS if typed else Reason.STALE_BUTTON)

    return _shown(await MEETING.answer(db, actor.person_id, token, now, apply), people)


async def create(db: Database, actor: Actor, token: str, now: datetime) -> MeetingView:
    """Save the confirmed draft as a meeting with its attendees (once, even on a double tap)."""
    team = actor.require_coordinator()
    async with db.write() as session:
        data = (await MEETING.finish(session, actor.person_id, token, MeetingStep.CONFIRM, now)).data
        if data.starts_at is None or data.kind is None or data.title is None or data.duration is None:
            raise Refused(Reason.STALE_BUTTON)  # only a confirmed draft has them all
        starts_at = datetime.fromisoformat(data.starts_at)
        if starts_at <= now:
            raise Refused(Reason.WHEN_PAST)
        meeting = Meeting(
            team_id=team.id,
            kind=data.kind,
            title=data.title,
            starts_at=starts_at,
            duration_min=data.duration,
            place=data.place,
            created_by=actor.person_id,
            created_at=now,
            scheduled_at=now,
        )
        session.add(meeting)
        await session.flush()
        # Someone removed from the team while the draft was open is not invited.
        active = await members.active_ids(session, team.id)
        for person_id in sorted(set(data.attendees) & active):
            session.add(Attendee(meeting_id=meeting.id, person_id=person_id))
        await session.flush()
        attendees = (await attendees_by_meeting(session, [meeting.id]))[meeting.id]
    return as_view(meeting, attendees)


async def ask_move(db: Database, actor: Actor, meeting_id: int, now: datetime) -> MeetingView:
    team = actor.require_coordinator()
    view = await get(db, team, meeting_id)
    if view.cancelled:
        raise Refused(Reason.MEETING_CANCELLED)
    await MOVE.start(db, actor.person_id, now, MoveStep.WHEN, MoveData(meeting_id))
    return view


async def move(db: Database, actor: Actor, text: str, now: datetime) -> tuple[MeetingView, str]:
    """The asked meeting's new start time (typed like at creation); returns it and the move's token
    (one per move: the notice of each move, back to an earlier time too, is news once)."""
    team = actor.require_coordinator()
    # A time that cannot be read is refused before the draft is taken: the person types again.
    new_start = parse_when(text, now, team.zone)
    asked = await MOVE.load(db, actor.person_id, None, now)
    async with db.write() as session:
        # Taken by its token: a draft begun meanwhile (another move) is not this answer's.
        await MOVE.finish(session, actor.person_id, asked.token, MoveStep.WHEN, now)
        meeting_id = asked.data.meeting_id
        meeting = await session.get(Meeting, meeting_id, with_for_update=True)
        if meeting is None or meeting.team_id != team.id:
            raise Refused(Reason.NOT_FOUND)
        if meeting.cancelled_at is not None:
            raise Refused(Reason.MEETING_CANCELLED)
        old = meeting.starts_at
        unchanged = old == new_start
        if not unchanged:
            meeting.starts_at, meeting.scheduled_at = new_start, now
    if unchanged:
        # The draft is done (the answer was understood), but nothing moved and no one is told.
        raise Refused(Reason.MEETING_SAME_TIME)
    return await get(db, team, meeting_id), asked.token
