"""Tasks: who may act on which (written once here), and handing a removed rep's open ones over."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Role, Task
from storage.queries.members import active_in


def is_open() -> ColumnElement[bool]:
    return Task.done_at.is_(None)


def visible_to(team_id: int, person_id: int, *, coordinator: bool) -> ColumnElement[bool]:
    """The team's tasks a person may open: a rep their own; a coordinator those they gave or hold,
    and any the coordinators hold (a removed rep's, handed over: every coordinator is told of them)."""
    team = Task.team_id == team_id
    if coordinator:
        coordinators = select(Member.person_id).where(active_in(team_id, Role.COORDINATOR))
        return and_(
            team,
            or_(
                Task.given_by == person_id, Task.assignee_id == person_id, Task.assignee_id.in_(coordinators)
            ),
        )
    return and_(team, Task.assignee_id == person_id)


async def visible(
    session: AsyncSession,
    task_id: int,
    team_id: int,
    person_id: int,
    *,
    coordinator: bool,
    lock: bool = False,
) -> Task | None:
    """The task, when the person may act on it; another team's or rep's is None, like a missing one."""
    stmt = select(Task).where(Task.id == task_id, visible_to(team_id, person_id, coordinator=coordinator))
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def hand_over(
    session: AsyncSession, team_id: int, from_person: int, to_person: int, now: datetime
) -> list[tuple[str, date]]:
    """Give every open task of `from_person` in the team to `to_person`; their texts and days, by due day."""
    held = Task.team_id == team_id, Task.assignee_id == from_person, is_open()
    rows = await session.execute(select(Task.text, Task.due).where(*held).order_by(Task.due, Task.id))
    handed = [(text, due) for text, due in rows]
    await session.execute(update(Task).where(*held).values(assignee_id=to_person, assigned_at=now))
    return handed
