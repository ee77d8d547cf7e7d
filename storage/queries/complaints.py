"""A team's complaints: who may see which, written once here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Client, Complaint


def visible_to(team_id: int, person_id: int, *, coordinator: bool) -> ColumnElement[bool]:
    """A coordinator sees all the team's complaints; a rep those they reported or about their own clients."""
    team = Complaint.team_id == team_id
    if coordinator:
        return team
    # Its own alias: a query joining the complaint's client must not swallow this one's.
    client = aliased(Client)
    owned = exists().where(client.id == Complaint.client_id, client.owner_id == person_id)
    return and_(team, or_(Complaint.reported_by == person_id, owned))


async def visible(
    session: AsyncSession,
    complaint_id: int,
    team_id: int,
    person_id: int,
    *,
    coordinator: bool,
    lock: bool = False,
) -> Complaint | None:
    """The complaint, when the person may see it; another team's or rep's is None, like a missing one."""
    stmt = select(Complaint).where(
        Complaint.id == complaint_id, visible_to(team_id, person_id, coordinator=coordinator)
    )
    return await session.scalar(stmt.with_for_update() if lock else stmt)
