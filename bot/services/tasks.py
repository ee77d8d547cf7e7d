"""Delegated tasks: a rep's open tasks and Done, the coordinator's list, cards and reassignment,
the due-morning reminders and the overdue ones of the coordinators' digest.

Who may act on which task is one rule (`storage.queries.tasks.visible_to`): a rep their own, a
coordinator those they gave or hold; any other id is refused exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.access import Actor
from bot.services.errors import Reason, Refused
from bot.services.periods import fire_at, local_date
from bot.services.schedule import DIGEST_TIME
from storage.db import Database
from storage.models import Claim, Client, Member, Person, Role, Task, Team
from storage.queries import members, teams
from storage.queries import tasks as task_rows

Assignee = aliased(Person)
Giver = aliased(Person)


@dataclass(frozen=True)
class TaskView:
    id: int
    text: str
    due: date
    assignee_id: int
    assignee: str
    given_by_id: int
    given_by: str
    client: str | None
    done_at: datetime | None
    assignee_language: str | None = None
    giver_language: str | None = None
    team_id: int = 0

    def days_late(self, day: date) -> int:
        return (day - self.due).days


@dataclass(frozen=True)
class RepChoice:
    person_id: int
    name: str


def _views_stmt() -> Select[Task, Person, Person, str]:
    return (
        select(Task, Assignee, Giver, Client.name)
        .join(Assignee, Assignee.id == Task.assignee_id)
        .join(Giver, Giver.id == Task.given_by)
        .outerjoin(Client, Client.id == Task.client_id)
    )


def _view(task: Task, assignee: Person, giver: Person, client: str | None) -> TaskView:
    return TaskView(
        task.id,
        task.text,
        task.due,
        assignee.id,
        assignee.display_name,
        giver.id,
        giver.display_name,
        client,
        task.done_at,
        assignee.language_code,
        giver.language_code,
        task.team_id,
    )


async def views(session: AsyncSession, *where: ColumnElement[bool]) -> list[TaskView]:
    stmt = _views_stmt().where(*where).order_by(Assignee.first_name, Task.assignee_id, Task.due, Task.id)
    return [_view(task, a, g, c) for task, a, g, c in (await session.execute(stmt)).all()]


async def active_reps(session: AsyncSession, team_id: int) -> list[RepChoice]:
    return [RepChoice(p.id, p.display_name) for p in await members.active_people(session, team_id, Role.REP)]


async def rep_choices(db: Database, actor: Actor) -> list[RepChoice]:
    """The reps a coordinator may give a task to: the team's active ones, by name."""
    team = actor.require_coordinator()
    async with db.read() as session:
        return await active_reps(session, team.id)


async def open_tasks(db: Database, actor: Actor) -> list[TaskView]:
    """The actor's open tasks (a coordinator's: those they gave or hold), by rep, then due day."""
    team = actor.require_member()
    where = task_rows.visible_to(team.id, actor.person_id, coordinator=actor.is_coordinator)
    async with db.read() as session:
        return await views(session, where, task_rows.is_open())


async def _one(session: AsyncSession, task_id: int) -> TaskView:
    return (await views(session, Task.id == task_id))[0]


async def card(db: Database, actor: Actor, task_id: int) -> TaskView:
    team = actor.require_coordinator()
    async with db.read() as session:
        if await task_rows.visible(session, task_id, team.id, actor.person_id, coordinator=True) is None:
            raise Refused(Reason.NOT_FOUND)
        return await _one(session, task_id)


async def complete(db: Database, actor: Actor, task_id: int, now: datetime) -> tuple[TaskView, bool]:
    """The actor's own task marked done; True when this press did it and the giver is to be told.

    A double tap stores one completion; anyone's press but the holder's is refused as a forgery.
    """
    team = actor.require_member()
    async with db.write() as session:
        task = await task_rows.visible(
            session, task_id, team.id, actor.person_id, coordinator=False, lock=True
        )
        if task is None:
            raise Refused(Reason.NOT_FOUND)
        newly = task.done_at is None
        if newly:
            task.done_at = now
        await session.flush()
        giver = await members.active_member(session, team.id, task.given_by)
        view = await _one(session, task_id)
    return view, newly and giver is not None and task.given_by != actor.person_id


async def reassign_choices(db: Database, actor: Actor, task_id: int) -> tuple[TaskView, list[RepChoice]]:
    view = await card(db, actor, task_id)
    async with db.read() as session:
        reps = await active_reps(session, actor.require_coordinator().id)
    return view, [rep for rep in reps if rep.person_id != view.assignee_id]


async def reassign(
    db: Database, actor: Actor, task_id: int, person_id: int, now: datetime
) -> tuple[TaskView, bool]:
    """An open task given to another active rep of the team; True when it moved."""
    team = actor.require_coordinator()
    async with db.write() as session:
        task = await task_rows.visible(
            session, task_id, team.id, actor.person_id, coordinator=True, lock=True
        )
        if task is None or await members.active_member(session, team.id, person_id, Role.REP) is None:
            raise Refused(Reason.NOT_FOUND)
        if task.done_at is not None:
            raise Refused(Reason.TASK_DONE)
        moved = task.assignee_id != person_id
        if moved:
            task.assignee_id, task.assigned_at = person_id, now
        await session.flush()
        return await _one(session, task_id), moved


async def overdue(db: Database, team_id: int, day: date) -> list[TaskView]:
    """The team's open tasks due before `day`, for the coordinators' digest."""
    async with db.read() as session:
        found = await views(session, Task.team_id == team_id, task_rows.is_open(), Task.due < day)
    return sorted(found, key=lambda t: (t.due, t.assignee.casefold(), t.id))


@dataclass(frozen=True)
class Due:
    task: TaskView
    timezone: str

    @property
    def key(self) -> str:
        """The reminder's claim: once per task."""
        return f"task-due:{self.task.id}"


async def due_reminders(db: Database, now: datetime) -> list[Due]:
    """Open tasks due today (each team's day), past its digest time, held by an active member.

    A task given on its own due day after the reminder hour was just received: not reminded.
    """
    utc_today = now.date()
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Task.id, Team.timezone, Task.due, Task.created_at)
                .join(Team, Team.id == Task.team_id)
                .join(Member, (Member.team_id == Task.team_id) & (Member.person_id == Task.assignee_id))
                .where(
                    task_rows.is_open(),
                    members.is_active(),
                    Task.due >= utc_today - timedelta(days=1),
                    Task.due <= utc_today + timedelta(days=1),
                )
            )
        ).all()
        wanted = []
        for task_id, timezone, due, created_at in rows:
            zone = teams.zone(timezone)
            start = fire_at(due, DIGEST_TIME, zone)
            if local_date(now, zone) == due and start <= now and created_at < start:
                wanted.append((task_id, timezone))
        keys = [f"task-due:{task_id}" for task_id, _ in wanted]
        claimed = set((await session.scalars(select(Claim.kind).where(Claim.kind.in_(keys)))).all())
        wanted = [(t, tz) for t, tz in wanted if f"task-due:{t}" not in claimed]
        found = {v.id: v for v in await views(session, Task.id.in_([t for t, _ in wanted]))}
    return [Due(found[task_id], timezone) for task_id, timezone in wanted if task_id in found]
