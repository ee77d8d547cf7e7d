"""A team's competitors: found by their matching key, never across teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Competitor
from storage.queries.dialect import insert_ignore


async def of_team(session: AsyncSession, team_id: int, competitor_id: int) -> Competitor | None:
    """The team's competitor; another team's is None, like a missing one."""
    return await session.scalar(
        select(Competitor).where(Competitor.id == competitor_id, Competitor.team_id == team_id)
    )


async def by_key(session: AsyncSession, team_id: int, key: str) -> Competitor | None:
    return await session.scalar(
        select(Competitor).where(Competitor.team_id == team_id, Competitor.key == key)
    )


async def find_or_add(session: AsyncSession, team_id: int, name: str, key: str, now: datetime) -> Competitor:
    """The team's competitor with `key`; a new one keeps `name` as its spelling."""
    await insert_ignore(
        session,
        Competitor,
        {"team_id": team_id, "name": name, "key": key, "created_at": now},
        ["team_id", "key"],
    )
    found = await by_key(session, team_id, key)
    assert found is not None
    return found
