"""What `salesbot status` reports: the database, the schema, the active instance, the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from storage import instance
from storage.db import Database, database_missing, schema_is_current
from storage.models import Outbox, OutboxStatus

# Rows that will never be sent: refused, blocked, too old.
NEVER_SENT = (OutboxStatus.FAILED, OutboxStatus.FORBIDDEN, OutboxStatus.EXPIRED)


@dataclass(frozen=True)
class Status:
    reachable: bool
    current: bool = False
    active: str | None = None
    pending: int = 0
    unknown: int = 0
    failed: int = 0


async def status(url: str) -> Status:
    if database_missing(url):
        return Status(reachable=False)
    db = Database(url)
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # any driver's "cannot connect": the answer is the same one line
        await db.dispose()
        return Status(reachable=False)
    try:
        current = await schema_is_current(db)
        counts: dict[str, int] = {}
        if current:
            async with db.read() as session:
                rows = await session.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
                counts = {str(s): int(n) for s, n in rows}
        return Status(
            reachable=True,
            current=current,
            active=await instance.active_holder(url),
            pending=counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0),
            unknown=counts.get(OutboxStatus.UNKNOWN, 0),
            failed=sum(counts.get(s, 0) for s in NEVER_SENT),
        )
    finally:
        await db.dispose()
