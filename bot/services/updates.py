"""Exactly-once handling of updates: Telegram may deliver one update twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.db import Database
from storage.models import ProcessedUpdate
from storage.queries import insert_ignore


async def first_delivery(db: Database, update_id: int, now: datetime) -> bool:
    """Record the update id; False when it was handled before (a redelivery)."""
    async with db.write() as session:
        return await insert_ignore(
            session, ProcessedUpdate, {"update_id": update_id, "seen_at": now}, ["update_id"]
        )


async def forget_before(db: Database, cutoff: datetime) -> None:
    # Telegram keeps undelivered updates for 24 hours; a week of ids is plenty to catch repeats.
    async with db.write() as session:
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < cutoff))
