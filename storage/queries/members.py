"""Team members. "Active" is written here once: a member row whose `removed_at` is empty."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Person, Role, Team
from storage.models.base import display_name


def is_active() -> ColumnElement[bool]:
    """The predicate itself, for queries that join members into something larger."""
    return Member.removed_at.is_(None)


def active_in(team_id: int, role: Role | None = None) -> ColumnElement[bool]:
    """Active members of one team (of one role, when given)."""
    clause = and_(Member.team_id == team_id, is_active())
    return and_(clause, Member.role == role) if role is not None else clause


def people_stmt(team_id: int, role: Role | None = None) -> Select[Person]:
    """Active members' people, by role (coordinators first), then first name, then id."""
    return (
        select(Person)
        .join(Member, Member.person_id == Person.id)
        .where(active_in(team_id, role))
        .order_by(Member.role, Person.first_name, Person.id)
    )


async def active(session: AsyncSession, team_id: int, role: Role | None = None) -> Sequence[Member]:
    rows = await session.scalars(select(Member).where(active_in(team_id, role)).order_by(Member.id))
    return rows.all()


async def active_people(session: AsyncSession, team_id: int, role: Role | None = None) -> Sequence[Person]:
    return (await session.scalars(people_stmt(team_id, role))).all()


async def active_names(session: AsyncSession, team_id: int) -> dict[int, str]:
    """Active members' names by person id: two columns, no `Person` objects (every ranking
    reads these; loading 50 ORM objects cost more than the aggregate itself)."""
    rows = await session.execute(
        people_stmt(team_id).with_only_columns(Person.id, Person.first_name, Person.last_name)
    )
    return {person_id: display_name(first, last) for person_id, first, last in rows}


async def active_ids(session: AsyncSession, team_id: int, role: Role | None = None) -> set[int]:
    rows = await session.scalars(select(Member.person_id).where(active_in(team_id, role)))
    return set(rows.all())


async def membership(session: AsyncSession, person_id: int) -> Member | None:
    """The person's active membership (a person is in at most one team at a time)."""
    return await session.scalar(select(Member).where(Member.person_id == person_id, is_active()))


async def person_in_team(
    session: AsyncSession, person_id: int
) -> tuple[Person | None, Member | None, Team | None]:
    """The person, their active membership and its team, in one statement (the gate's read on
    every update: one round trip instead of three)."""
    row = (
        await session.execute(
            select(Person, Member, Team)
            .outerjoin(Member, and_(Member.person_id == Person.id, is_active()))
            .outerjoin(Team, Team.id == Member.team_id)
            .where(Person.id == person_id)
        )
    ).first()
    if row is None:
        return None, None, None  # never seen: no membership either (members refer to people)
    return row[0], row[1], row[2]


async def active_member(
    session: AsyncSession, team_id: int, person_id: int, role: Role | None = None, *, lock: bool = False
) -> Member | None:
    stmt = select(Member).where(active_in(team_id, role), Member.person_id == person_id)
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def set_unreachable(
    session: AsyncSession, person_id: int, at: datetime | None, team_id: int | None = None
) -> None:
    """Mark the person's active membership unreachable since `at` (None: reachable again)."""
    stmt = update(Member).where(Member.person_id == person_id, is_active())
    if team_id is not None:
        stmt = stmt.where(Member.team_id == team_id)
    await session.execute(stmt.values(unreachable_at=at))


async def by_name(session: AsyncSession, team_id: int) -> list[tuple[Person, Member]]:
    """Active members with their people, by first name then id (how digests list a team)."""
    rows = await session.execute(
        select(Person, Member)
        .join(Member, Member.person_id == Person.id)
        .where(active_in(team_id))
        .order_by(Person.first_name, Person.id)
    )
    return [(person, member) for person, member in rows]
