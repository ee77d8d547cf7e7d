"""Meetings: team meetings, integration events, trainings, audits and client meetings.

Creation and moves are conversations (`bot.services.meeting_drafts`); their steps and the shown
draft live here with the other views. Answers and cancellations change the meeting; reminders
are claimed per (meeting, offset, start time), so a moved meeting gets fresh ones and the old
ones can never fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from storage.db import Database
from storage.models import Attendee, Meeting, Member, Person
from storage.queries import members

REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=1))
DURATIONS = (30, 60, 90)
MAX_DURATION = 24 * 60
ANSWERS = ("yes", "no", "maybe")


class MeetingStep(StrEnum):
    KIND = "kind"
    TITLE = "title"
    WHEN = "when"
    DURATION = "duration"
    PLACE = "place"
    ATTENDEES = "attendees"
    CONFIRM = "confirm"


class MoveStep(StrEnum):
    WHEN = "when"


STEPS = tuple(step.value for step in MeetingStep)


@dataclass(frozen=True)
class AttendeeView:
    person_id: int
    name: str
    answer: str | None
    attended: bool | None
    language_code: str | None = None


@dataclass(frozen=True)
class MeetingView:
    id: int
    kind: str
    title: str
    starts_at: datetime
    duration_min: int
    place: str | None
    cancelled: bool
    attendees: list[AttendeeView]

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)

    def count(self, answer: str | None) -> int:
        return sum(1 for a in self.attendees if a.answer == answer)


@dataclass(frozen=True)
class MeetingDraft:
    """A creation draft as `meeting_step` shows it: its data as stored, and whom it may invite."""

    token: str
    step: str
    data: dict[str, Any]
    members: list[AttendeeView]
    problem: str | None = None

    @property
    def starts_at(self) -> datetime | None:
        value = self.data.get("starts_at")
        return datetime.fromisoformat(value) if value else None

    @property
    def chosen(self) -> set[int]:
        return set(self.data.get("attendees", []))


def as_view(meeting: Meeting, attendees: list[AttendeeView]) -> MeetingView:
    return MeetingView(
        meeting.id,
        meeting.kind,
        meeting.title,
        meeting.starts_at,
        meeting.duration_min,
        meeting.place,
        meeting.cancelled_at is not None,
        attendees,
    )


async def attendees_by_meeting(
    session: AsyncSession, meeting_ids: list[int]
) -> dict[int, list[AttendeeView]]:
    """The meetings' attendees who are still active members of the meeting's team.

    Every meeting view is built here, so a rep removed from the team is told of no move,
    cancellation or reminder, and is counted in no list, answer tally or attendance.
    """
    rows = await session.execute(
        select(Attendee, Person)
        .join(Person, Person.id == Attendee.person_id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Member, (Member.team_id == Meeting.team_id) & (Member.person_id == Attendee.person_id))
        .where(Attendee.meeting_id.in_(meeting_ids), members.is_active())
        .order_by(Person.first_name, Person.id)
    )
    out: dict[int, list[AttendeeView]] = {mid: [] for mid in meeting_ids}
    for attendee, person in rows:
        out[attendee.meeting_id].append(
            AttendeeView(
                person.id, person.display_name, attendee.answer, attendee.attended, person.language_code
            )
        )
    return out


async def team_members(session: AsyncSession, team_id: int) -> list[AttendeeView]:
    """Whom a new meeting may invite: the team's active members, coordinators first."""
    return [
        AttendeeView(p.id, p.display_name, None, None, p.language_code)
        for p in await members.active_people(session, team_id)
    ]


# --- answers, lists, moves, cancellations, attendance --------------------------------------


async def get(db: Database, team: TeamInfo, meeting_id: int) -> MeetingView:
    async with db.read() as session:
        meeting = await session.get(Meeting, meeting_id)
        # Another team's meeting is treated exactly like a missing one.
        if meeting is None or meeting.team_id != team.id:
            raise Refused(Reason.NOT_FOUND)
        return as_view(meeting, (await attendees_by_meeting(session, [meeting.id]))[meeting.id])


async def answer(db: Database, actor: Actor, meeting_id: int, value: str, now: datetime) -> MeetingView:
    team = actor.require_member()
    if value not in ANSWERS:
        raise Refused(Reason.STALE_BUTTON)
    async with db.write() as session:
        meeting = await session.get(Meeting, meeting_id)
        attendee = await session.get(Attendee, (meeting_id, actor.person_id))
        if meeting is None or meeting.team_id != team.id or attendee is None:
            raise Refused(Reason.NOT_INVITED)
        if meeting.cancelled_at is not None:
            raise Refused(Reason.MEETING_CANCELLED)
        attendee.answer, attendee.answered_at = value, now
    return await get(db, team, meeting_id)


async def upcoming(db: Database, actor: Actor, now: datetime) -> list[MeetingView]:
    """The person's meetings not yet over (a coordinator sees all of the team's)."""
    team = actor.require_member()
    async with db.read() as session:
        stmt = select(Meeting).where(
            Meeting.team_id == team.id,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at > now - timedelta(minutes=MAX_DURATION),
        )
        if not actor.is_coordinator:
            stmt = stmt.join(Attendee, Attendee.meeting_id == Meeting.id).where(
                Attendee.person_id == actor.person_id
            )
        meetings = [
            m
            for m in (await session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id))).all()
            if m.starts_at + timedelta(minutes=m.duration_min) > now
        ]
        people = await attendees_by_meeting(session, [m.id for m in meetings])
    return [as_view(m, people[m.id]) for m in meetings]


async def recent_past(db: Database, actor: Actor, now: datetime, days: int = 7) -> list[MeetingView]:
    """Meetings that began in the last `days` days: the coordinator marks attendance on them."""
    team = actor.require_coordinator()
    return await between(db, team.id, now - timedelta(days=days), now)


async def between(db: Database, team_id: int, start: datetime, end: datetime) -> list[MeetingView]:
    async with db.read() as session:
        meetings = (
            await session.scalars(
                select(Meeting)
                .where(
                    Meeting.team_id == team_id,
                    Meeting.cancelled_at.is_(None),
                    Meeting.starts_at >= start,
                    Meeting.starts_at < end,
                )
                .order_by(Meeting.starts_at, Meeting.id)
            )
        ).all()
        people = await attendees_by_meeting(session, [m.id for m in meetings])
    return [as_view(m, people[m.id]) for m in meetings]


async def cancel(db: Database, actor: Actor, meeting_id: int, now: datetime) -> MeetingView:
    team = actor.require_coordinator()
    async with db.write() as session:
        meeting = await session.get(Meeting, meeting_id, with_for_update=True)
        if meeting is None or meeting.team_id != team.id:
            raise Refused(Reason.NOT_FOUND)
        if meeting.cancelled_at is not None:
            raise Refused(Reason.MEETING_CANCELLED)
        meeting.cancelled_at = now
    return await get(db, team, meeting_id)


async def toggle_attended(
    db: Database, actor: Actor, meeting_id: int, person_id: int, now: datetime
) -> MeetingView:
    team = actor.require_coordinator()
    async with db.write() as session:
        meeting = await session.get(Meeting, meeting_id)
        attendee = await session.get(Attendee, (meeting_id, person_id))
        if meeting is None or meeting.team_id != team.id or attendee is None:
            raise Refused(Reason.NOT_FOUND)
        if meeting.starts_at > now:
            raise Refused(Reason.MEETING_NOT_STARTED)
        attendee.attended = not attendee.attended
    return await get(db, team, meeting_id)


# --- reminders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    meeting: MeetingView
    team_id: int
    offset: timedelta

    @property
    def key(self) -> str:
        """The claim key: meeting, offset and start time, so a moved meeting is reminded afresh."""
        minutes = int(self.offset.total_seconds() // 60)
        return f"remind:{self.meeting.id}:{minutes}:{self.meeting.starts_at.astimezone(UTC):%Y%m%d%H%M}"

    @property
    def recipients(self) -> list[AttendeeView]:
        return [a for a in self.meeting.attendees if a.answer != "no"]


def due_offset(starts_at: datetime, scheduled_at: datetime, now: datetime) -> timedelta | None:
    """The reminder due now: its moment passed, the meeting has not begun, and the moment came
    after the start time was set. When several are due (after downtime) only the latest is."""
    due = [offset for offset in REMINDER_OFFSETS if scheduled_at <= starts_at - offset <= now < starts_at]
    return min(due) if due else None


async def due_reminders(db: Database, now: datetime) -> list[DueReminder]:
    horizon = max(REMINDER_OFFSETS)
    async with db.read() as session:
        meetings = (
            await session.scalars(
                select(Meeting).where(
                    Meeting.cancelled_at.is_(None),
                    Meeting.starts_at > now,
                    Meeting.starts_at <= now + horizon,
                )
            )
        ).all()
        people = await attendees_by_meeting(session, [m.id for m in meetings])
    out = []
    for meeting in meetings:
        offset = due_offset(meeting.starts_at, meeting.scheduled_at, now)
        if offset is None:
            continue
        out.append(DueReminder(as_view(meeting, people[meeting.id]), meeting.team_id, offset))
    return out
