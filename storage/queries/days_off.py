"""People's own days off (leave): which days of a range each person is away."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DayOff


async def away(
    session: AsyncSession, team_id: int, first: date, last: date, people: Iterable[int] | None = None
) -> dict[int, set[date]]:
    """Each person's days off within `first`..`last` (people with none are left out)."""
    stmt = select(DayOff.person_id, DayOff.first_day, DayOff.last_day).where(
        DayOff.team_id == team_id, DayOff.last_day >= first, DayOff.first_day <= last
    )
    if people is not None:
        stmt = stmt.where(DayOff.person_id.in_(list(people)))
    out: dict[int, set[date]] = {}
    for person_id, start, end in await session.execute(stmt):
        day = max(start, first)
        while day <= min(end, last):
            out.setdefault(person_id, set()).add(day)
            day += timedelta(days=1)
    return out
