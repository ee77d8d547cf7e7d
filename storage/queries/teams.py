"""Teams: lookups and the team's time zone, the one place a zone name becomes a ZoneInfo."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Team, TeamManager


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A team's zone by its stored IANA name (cached: zoneinfo reads a file per new name)."""
    return ZoneInfo(name)


async def by_id(session: AsyncSession, team_id: int) -> Team:
    return await session.get_one(Team, team_id)


async def by_group(session: AsyncSession, chat_id: int) -> Team | None:
    return await session.scalar(select(Team).where(Team.group_chat_id == chat_id))


async def by_name(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(Team.name == name))


async def move_group(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """The team's group became a supergroup with a new id; False when no team had the old one.

    Idempotent: Telegram announces an upgrade twice (in the old chat and in the new one).
    """
    result = await session.execute(
        update(Team).where(Team.group_chat_id == old_chat_id).values(group_chat_id=new_chat_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def managed_by(session: AsyncSession, person_id: int) -> Sequence[Team]:
    """The teams a person oversees as a manager, in the order they were given them."""
    found = await session.scalars(
        select(Team)
        .join(TeamManager, TeamManager.team_id == Team.id)
        .where(TeamManager.person_id == person_id)
        .order_by(TeamManager.added_at, Team.name)
    )
    return found.all()
