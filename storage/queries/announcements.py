"""Announcements and the fate of their messages (the outbox rows of each announcement's claim)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Announcement, Outbox, Person


async def by_id(session: AsyncSession, announcement_id: int) -> Announcement | None:
    return await session.get(Announcement, announcement_id)


async def unreported(session: AsyncSession) -> list[int]:
    """Announcements whose author has not been told yet who received them, oldest first."""
    rows = await session.scalars(
        select(Announcement.id)
        .where(Announcement.reported_at.is_(None), Announcement.claim_id.is_not(None))
        .order_by(Announcement.id)
    )
    return [int(row) for row in rows]


async def messages(session: AsyncSession, claim_id: int) -> Sequence[tuple[int, int | None, str, str | None]]:
    """(chat id, person id, status, the person's name) of each message of the announcement."""
    rows = await session.execute(
        select(Outbox.chat_id, Outbox.person_id, Outbox.status, Person.first_name, Person.last_name)
        .outerjoin(Person, Person.id == Outbox.person_id)
        .where(Outbox.claim_id == claim_id)
        .order_by(Person.first_name, Outbox.id)
    )
    return [
        (int(chat_id), person_id, status, f"{first} {last}" if last else first)
        for chat_id, person_id, status, first, last in rows
    ]


async def mark_reported(session: AsyncSession, announcement_id: int, now: datetime) -> bool:
    """Take the report: True once, for the one caller that sets `reported_at`."""
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.reported_at.is_(None))
        .values(reported_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
