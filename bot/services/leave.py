"""Personal days off (/leave): a rep's own, or any rep's set by the coordinator.

Dates are the team's local days, typed as YYYY-MM-DD or DD.MM (the next such date from today; a
DD.MM end is the next such date from the start, so 30.12 02.01 spans the new year). Overlapping
or touching ranges of one person are merged into one when stored. On those days the person is
not nudged, their streak skips the day as it skips a team holiday, their pace and "needed per
day" leave the day out, and the digest lists them as away rather than as reporting nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from bot.services.periods import local_date
from storage.db import Database
from storage.models import DayOff, Person, Role
from storage.queries import members

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SHORT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?$")
# How far ahead a day off may be set, and how long one range may be.
AHEAD = timedelta(days=366)
LONGEST = timedelta(days=92)


def parse_day(text: str, after: date) -> date:
    """YYYY-MM-DD, or DD.MM as the first such date on or after `after`."""
    text = text.strip()
    try:
        if found := _ISO.match(text):
            return date(int(found[1]), int(found[2]), int(found[3]))
        if found := _SHORT.match(text):
            day, month = int(found[1]), int(found[2])
            for year in (after.year, after.year + 1, after.year + 2, after.year + 3, after.year + 4):
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue  # 29.02 in a common year: the next leap year's
                if candidate >= after:
                    return candidate
    except ValueError:
        pass
    raise Refused(Reason.LEAVE_USAGE)


def parse_range(words: list[str], today: date) -> tuple[date, date]:
    """FROM [TO]: not in the past, TO not before FROM, within a year ahead and at most 92 days."""
    if not 1 <= len(words) <= 2:
        raise Refused(Reason.LEAVE_USAGE)
    first = parse_day(words[0], today)
    last = parse_day(words[1], first) if len(words) == 2 else first
    if first < today:
        raise Refused(Reason.LEAVE_PAST)
    short_end = len(words) == 2 and _SHORT.match(words[1].strip()) is not None
    # "25.11 24.11" means an end before the start, not the 24th of next year.
    if last < first or (short_end and last - first >= LONGEST):
        raise Refused(Reason.LEAVE_ORDER)
    if last > today + AHEAD or last - first >= LONGEST:
        raise Refused(Reason.LEAVE_TOO_LONG)
    return first, last


@dataclass(frozen=True)
class Leave:
    id: int
    person_id: int
    name: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class LeaveSet:
    """The days off just stored (merged with any they touched) and whose they are."""

    leave: Leave
    merged: int  # how many earlier ranges it absorbed
    for_other: bool


def today_of(team: TeamInfo, now: datetime) -> date:
    return local_date(now, team.zone)


async def _person(session: AsyncSession, team: TeamInfo, person_id: int) -> Person:
    person = await session.scalar(members.people_stmt(team.id).where(Person.id == person_id))
    if person is None:
        raise Refused(Reason.NOT_A_REP)
    return person


async def add(db: Database, actor: Actor, person_id: int, first: date, last: date, now: datetime) -> LeaveSet:
    """Store `first`..`last` for the person, merged with their ranges it overlaps or touches."""
    team = actor.require_member()
    if person_id != actor.person_id:
        actor.require_coordinator()
    today = today_of(team, now)
    # No picker of ours offers such a range: a forged or day-old button.
    if first < today or last < first or last > today + AHEAD or last - first >= LONGEST:
        raise Refused(Reason.STALE_BUTTON)
    async with db.write() as session:
        person = await _person(session, team, person_id)
        touching = (
            await session.scalars(
                select(DayOff).where(
                    DayOff.team_id == team.id,
                    DayOff.person_id == person_id,
                    DayOff.last_day >= first - timedelta(days=1),
                    DayOff.first_day <= last + timedelta(days=1),
                )
            )
        ).all()
        start = min([first, *(d.first_day for d in touching)])
        end = max([last, *(d.last_day for d in touching)])
        if touching:
            await session.execute(delete(DayOff).where(DayOff.id.in_([d.id for d in touching])))
        row = DayOff(
            team_id=team.id,
            person_id=person_id,
            first_day=start,
            last_day=end,
            created_by=actor.person_id,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        leave = Leave(row.id, person_id, person.display_name, start, end)
    return LeaveSet(leave, len(touching), person_id != actor.person_id)


async def add_for_username(
    db: Database, actor: Actor, username: str, first: date, last: date, now: datetime
) -> LeaveSet:
    """The coordinator's `/leave @username FROM [TO]`."""
    team = actor.require_coordinator()
    wanted = username.removeprefix("@").casefold()
    async with db.read() as session:
        people = (await session.scalars(members.people_stmt(team.id))).all()
    person = next((p for p in people if (p.username or "").casefold() == wanted), None)
    if person is None:
        raise Refused(Reason.NOT_A_REP)
    return await add(db, actor, person.id, first, last, now)


async def upcoming(db: Database, actor: Actor, now: datetime) -> list[Leave]:
    """Days off not yet over: the person's own, or the whole team's for the coordinator."""
    team = actor.require_member()
    today = today_of(team, now)
    async with db.read() as session:
        stmt = (
            select(DayOff, Person)
            .join(Person, Person.id == DayOff.person_id)
            .where(DayOff.team_id == team.id, DayOff.last_day >= today)
            .order_by(DayOff.first_day, Person.first_name, DayOff.id)
        )
        if not actor.is_coordinator:
            stmt = stmt.where(DayOff.person_id == actor.person_id)
        active = await members.active_ids(session, team.id)
        rows = (await session.execute(stmt)).all()
    return [
        Leave(d.id, d.person_id, p.display_name, d.first_day, d.last_day)
        for d, p in rows
        if d.person_id in active
    ]


async def cancel(db: Database, actor: Actor, leave_id: int, now: datetime) -> Leave:
    """Cancel one range: the person's own, or any of the team's for the coordinator."""
    team = actor.require_member()
    async with db.write() as session:
        row = await session.get(DayOff, leave_id)
        # Another team's range, or another rep's for a rep, is treated like a missing one.
        if row is None or row.team_id != team.id:
            raise Refused(Reason.NOT_FOUND)
        if row.person_id != actor.person_id and not actor.is_coordinator:
            raise Refused(Reason.NOT_FOUND)
        person = await session.get(Person, row.person_id)
        leave = Leave(
            row.id, row.person_id, person.display_name if person else "?", row.first_day, row.last_day
        )
        today = today_of(team, now)
        if row.first_day < today:
            # Begun already: the days gone by stay days off (streaks and pace were counted with
            # them); only today and what is ahead is cancelled.
            if row.last_day < today:
                raise Refused(Reason.NOT_FOUND)
            row.last_day = today - timedelta(days=1)
        else:
            await session.delete(row)
    return leave


async def reps(db: Database, actor: Actor) -> list[Person]:
    """The team's reps, by name, for the coordinator's picker."""
    team = actor.require_coordinator()
    async with db.read() as session:
        return list((await session.scalars(members.people_stmt(team.id, Role.REP))).all())
