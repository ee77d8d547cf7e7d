"""The desk's sheets of the workbook: complaints and tasks that were live at any time in the range."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from bot.services.access import TeamInfo
from bot.services.periods import days_span
from bot.services.workbook_data import STREAM_ROWS, Row, local_naive
from storage.db import Database
from storage.models import Client, Complaint, Person, Task


def _name(person: Person | None) -> str | None:
    return person.display_name if person is not None else None


async def complaints(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    """Filed before the range ended and not closed before it began."""
    span = days_span(first, last, team.zone)
    reporter = aliased(Person)
    stmt = (
        select(Complaint, Client.name, reporter)
        .join(Client, Client.id == Complaint.client_id)
        .join(reporter, reporter.id == Complaint.reported_by)
        .where(
            Complaint.team_id == team.id,
            Complaint.created_at < span.end,
            or_(Complaint.closed_at.is_(None), Complaint.closed_at >= span.start),
        )
        .order_by(Complaint.created_at, Complaint.id)
    )
    async with db.read() as session:
        async for complaint, client, person in await session.stream(
            stmt.execution_options(yield_per=STREAM_ROWS)
        ):
            yield (
                complaint.id,
                local_naive(complaint.created_at, team),
                client,
                _name(person),
                complaint.text,
                f"complaint_{complaint.status}",
                local_naive(complaint.closed_at, team),
            )


async def tasks(db: Database, team: TeamInfo, first: date, last: date) -> AsyncIterator[Row]:
    """Given before the range ended and not done before it began."""
    span = days_span(first, last, team.zone)
    assignee, giver = aliased(Person), aliased(Person)
    stmt = (
        select(Task, assignee, giver, Client.name)
        .join(assignee, assignee.id == Task.assignee_id)
        .join(giver, giver.id == Task.given_by)
        .outerjoin(Client, Client.id == Task.client_id)
        .where(
            Task.team_id == team.id,
            Task.created_at < span.end,
            or_(Task.done_at.is_(None), Task.done_at >= span.start),
        )
        .order_by(Task.due, Task.id)
    )
    async with db.read() as session:
        async for task, holder, given_by, client in await session.stream(
            stmt.execution_options(yield_per=STREAM_ROWS)
        ):
            given = local_naive(task.created_at, team)
            yield (
                task.text,
                _name(holder),
                client,
                given.date() if given else None,
                task.due,
                local_naive(task.done_at, team),
                _name(given_by),
            )
