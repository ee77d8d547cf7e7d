"""The inbox: every update is stored before Telegram is told it arrived, and handled from there.

Telegram forgets an update once the next getUpdates moves the offset past it, so a process
killed between that and handling the update would lose it for good. Here the raw updates are
committed as they are fetched (before PTB even parses them, let alone asks for more); a handler
takes one by claiming it, and it is marked handled just before its answer goes out (services
have committed its effect by then) or, at the latest, when every handler is done. At start, what
was taken but not handled is handed out again: its effect had not been answered for, and the
effects that could still run twice are idempotent (draft tokens, claims; a typed answer is
checked against the draft it was first given to, `answering`). A redelivery of a handled or
taken update is not taken again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import InboxUpdate
from storage.queries import insert_ignore, notify

# A standby's webhook stores what Telegram posts to it anyway and names it here; the active
# instance listens (on its active-lock connection) and hands the update out at once.
STANDBY_CHANNEL = "salesbot_inbox"


async def store(db: Database, updates: list[dict[str, Any]], now: datetime) -> None:
    """Keep the raw updates of one getUpdates answer (a redelivered one keeps its first row)."""
    if not updates:
        return
    async with db.write() as session:
        for raw in updates:
            values = {"update_id": int(raw["update_id"]), "payload": raw, "received_at": now}
            await insert_ignore(session, InboxUpdate, values, ["update_id"])


async def store_for_active(db: Database, raw: dict[str, Any], now: datetime) -> None:
    """An update a standby received: stored, and the active instance told at commit (on
    PostgreSQL). Missed notices are caught by `stranded` (and by `resume` at the next start)."""
    async with db.write() as session:
        values = {"update_id": int(raw["update_id"]), "payload": raw, "received_at": now}
        await insert_ignore(session, InboxUpdate, values, ["update_id"])
        await notify(session, STANDBY_CHANNEL, str(values["update_id"]))


async def waiting(db: Database, update_id: int) -> dict[str, Any] | None:
    """The stored update when it is neither taken nor handled yet, else None."""
    async with db.read() as session:
        row = await session.get(InboxUpdate, update_id)
        if row is None or row.started_at is not None or row.handled_at is not None or not row.payload:
            return None
        return dict(row.payload)


async def take(db: Database, update_id: int, now: datetime) -> bool:
    """Claim the update for handling; False when it was taken or handled before (a redelivery)."""
    async with db.write() as session:
        return await take_in(session, update_id, now)


async def take_in(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """`take` inside the caller's write transaction (the gate identifies the person in the same one)."""
    # Every update fetched by getUpdates is stored already, so the common case is one statement.
    result = await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.update_id == update_id,
            InboxUpdate.started_at.is_(None),
            InboxUpdate.handled_at.is_(None),
        )
        .values(started_at=now)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    # No row free to take: taken or handled before (a redelivery), or an update that did not
    # come through getUpdates (a test feeding the Application), recorded here, taken at once.
    return await insert_ignore(
        session,
        InboxUpdate,
        {"update_id": update_id, "payload": {}, "received_at": now, "started_at": now},
        ["update_id"],
    )


async def handled(db: Database, update_id: int, now: datetime) -> None:
    async with db.write() as session:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == update_id).values(handled_at=now)
        )


async def resume(db: Database) -> list[dict[str, Any]]:
    """At start: the stored updates not handled yet, oldest first, free to be taken again.

    One process polls a token at a time (a second poller gets 409 Conflict from Telegram), so
    what was taken and not handled belonged to a process that is gone.
    """
    async with db.write() as session:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.handled_at.is_(None)).values(started_at=None)
        )
        rows = await session.scalars(
            select(InboxUpdate.payload)
            .where(InboxUpdate.handled_at.is_(None))
            .order_by(InboxUpdate.received_at, InboxUpdate.update_id)
        )
        return [payload for payload in rows.all() if payload]


async def stranded(db: Database, before: datetime) -> list[dict[str, Any]]:
    """Stored before `before` and never taken: the gate failed on them (the database went away
    between storing and taking), or a standby stored them. Taking is atomic, so handing them out
    again can only make them run once."""
    async with db.read() as session:
        rows = await session.scalars(
            select(InboxUpdate.payload)
            .where(
                InboxUpdate.handled_at.is_(None),
                InboxUpdate.started_at.is_(None),
                InboxUpdate.received_at < before,
            )
            .order_by(InboxUpdate.received_at, InboxUpdate.update_id)
            .limit(500)
        )
        return [dict(p) for p in rows if p]


async def forget_before(db: Database, cutoff: datetime) -> None:
    # Telegram keeps undelivered updates for 24 hours; a week of ids is plenty to catch repeats.
    async with db.write() as session:
        await session.execute(
            delete(InboxUpdate).where(InboxUpdate.received_at < cutoff, InboxUpdate.handled_at.is_not(None))
        )


async def answering(db: Database, update_id: int, fingerprint: str) -> bool:
    """Record that this typed answer is given to the draft in state `fingerprint`.

    False when the update was given to another state of the draft before (a process died after
    the answer took effect and before the update was marked handled): the draft has moved on
    because of this very answer, which must not answer the next step too.
    """
    async with db.write() as session:
        row = await session.get(InboxUpdate, update_id, with_for_update=True)
        if row is None:
            return True  # not from getUpdates (a test feeding the Application): nothing to compare
        if row.answers is not None and row.answers != fingerprint:
            return False
        row.answers = fingerprint
        return True
