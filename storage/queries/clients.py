"""A team's clients: who may see which (written once here), and handing a rep's clients over."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Client


def visible_to(team_id: int, person_id: int, *, coordinator: bool) -> ColumnElement[bool]:
    """The team's clients a person may open and act on: a coordinator all, a rep their own and the unowned."""
    team = Client.team_id == team_id
    if coordinator:
        return team
    return and_(team, or_(Client.owner_id.is_(None), Client.owner_id == person_id))


async def visible(
    session: AsyncSession,
    client_id: int,
    team_id: int,
    person_id: int,
    *,
    coordinator: bool,
    lock: bool = False,
) -> Client | None:
    """The client, when the person may see it; another team's or another rep's is None, like a missing one."""
    stmt = select(Client).where(
        Client.id == client_id, visible_to(team_id, person_id, coordinator=coordinator)
    )
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def hand_over(session: AsyncSession, team_id: int, from_person: int, to_person: int) -> list[str]:
    """Give every client of `from_person` in the team to `to_person`; their names, by key."""
    owned = Client.team_id == team_id, Client.owner_id == from_person
    names = (await session.scalars(select(Client.name).where(*owned).order_by(Client.key, Client.id))).all()
    await session.execute(update(Client).where(*owned).values(owner_id=to_person))
    return list(names)
