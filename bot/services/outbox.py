"""Claims and the outbox: each scheduled output happens once, and its fan-out survives a crash.

A claim row (team, kind, local day, round) is inserted before anything is sent; the same
transaction writes one outbox row per recipient (per part of a long message). Senders take a
row by flipping it from pending to sending in its own committed update, so two schedulers never
send the same row, and a row found still "sending" later was in flight at a crash: it becomes
"unknown" and is never resent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.schedule import CATCH_UP
from storage.db import Database
from storage.models import Claim, Outbox, OutboxStatus, Team
from storage.queries import insert_ignore, members, teams

# A send takes seconds; a row "sending" for longer was in flight when its process died.
IN_FLIGHT_LIMIT = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Envelope:
    """One message to one chat, ready to send."""

    chat_id: int
    person_id: int | None
    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    pin: bool = False
    # Sent as typed: the text with these entities (Telegram's JSON) and no parse mode.
    entities: list[dict[str, Any]] | None = None
    # A PNG sent as a photo, `text` its caption.
    photo: bytes | None = None


@dataclass(frozen=True)
class Taken:
    outbox_id: int
    claim_id: int | None
    # None for a deferred reply (it belongs to a chat, not to a team's output).
    team_id: int | None
    kind: str | None
    chat_id: int
    person_id: int | None
    text: str
    buttons: list[list[tuple[str, str]]]
    pin: bool
    attempts: int
    entities: list[dict[str, Any]] | None = None
    photo: bytes | None = None


async def is_claimed(db: Database, team_id: int, kind: str, day: date) -> bool:
    async with db.read() as session:
        found = await session.scalar(
            select(Claim.id).where(Claim.team_id == team_id, Claim.kind == kind, Claim.day == day).limit(1)
        )
    return found is not None


async def claimed_days(db: Database, kind: str, since: date) -> set[tuple[int, date]]:
    """(team, day) of every claim of `kind` from `since` on, in one query: the tick asks this of
    every team every 30 seconds, which one query per team and day made seconds of CPU at 1,000
    teams."""
    async with db.read() as session:
        rows = await session.execute(
            select(Claim.team_id, Claim.day).where(Claim.kind == kind, Claim.day >= since)
        )
        return {(team_id, day) for team_id, day in rows}


async def claim(
    db: Database, team_id: int, kind: str, day: date, envelopes: list[Envelope], now: datetime, *, force: bool
) -> int | None:
    """Claim the output and queue its messages; None when it was claimed already (and not forced)."""
    async with db.write() as session:
        claim_id = await claim_in(session, team_id, kind, day, now, force=force)
        if claim_id is not None:
            queue_in(session, claim_id, envelopes, now)
    return claim_id


async def claim_in(
    session: AsyncSession, team_id: int, kind: str, day: date, now: datetime, *, force: bool
) -> int | None:
    """The claim inside the caller's transaction, so work done with it commits or fails with it."""
    round_ = 0
    if force:
        last = await session.scalar(
            select(func.max(Claim.round)).where(
                Claim.team_id == team_id, Claim.kind == kind, Claim.day == day
            )
        )
        round_ = 0 if last is None else last + 1
    values = {"team_id": team_id, "kind": kind, "day": day, "round": round_, "claimed_at": now}
    if not await insert_ignore(session, Claim, values, ["team_id", "kind", "day", "round"]):
        return None
    claim_id = await session.scalar(
        select(Claim.id).where(
            Claim.team_id == team_id, Claim.kind == kind, Claim.day == day, Claim.round == round_
        )
    )
    assert claim_id is not None
    return int(claim_id)


def envelopes(
    chat_id: int,
    person_id: int | None,
    parts: list[str],
    buttons: list[list[tuple[str, str]]],
    *,
    pin: bool = False,
) -> list[Envelope]:
    """One envelope per part of a long message; buttons go under the last part, a pin on the first."""
    return [
        Envelope(chat_id, person_id, part, buttons if index == len(parts) - 1 else [], pin and index == 0)
        for index, part in enumerate(parts)
    ]


def queue_in(
    session: AsyncSession,
    claim_id: int | None,
    envelopes: list[Envelope],
    now: datetime,
    not_before: datetime | None = None,
) -> None:
    for envelope in envelopes:
        session.add(
            Outbox(
                claim_id=claim_id,
                chat_id=envelope.chat_id,
                person_id=envelope.person_id,
                text=envelope.text,
                buttons={"rows": envelope.buttons} if envelope.buttons else None,
                pin=envelope.pin,
                entities=envelope.entities,
                photo=envelope.photo,
                status=OutboxStatus.PENDING,
                attempts=0,
                updated_at=now,
                not_before=not_before,
            )
        )


async def later(db: Database, envelopes: list[Envelope], not_before: datetime, now: datetime) -> None:
    """A reply that met a 429: its parts wait here, with no claim, until the chat may be sent to."""
    async with db.write() as session:
        queue_in(session, None, envelopes, now, not_before)


async def answers_waiting(db: Database, chat_id: int) -> datetime | None:
    """The latest `not_before` of answers to this chat that still wait after a 429 (None: none).

    A new answer to the chat must wait behind them, or it would arrive before the older ones.
    """
    async with db.read() as session:
        latest: datetime | None = await session.scalar(
            select(func.max(Outbox.not_before)).where(
                Outbox.status == OutboxStatus.PENDING, Outbox.claim_id.is_(None), Outbox.chat_id == chat_id
            )
        )
        return latest


async def settle_in_flight(db: Database, now: datetime) -> int:
    """Rows left "sending" by a dead process: recorded as unknown, never resent."""
    async with db.write() as session:
        result = await session.execute(
            update(Outbox)
            .where(Outbox.status == OutboxStatus.SENDING, Outbox.updated_at < now - IN_FLIGHT_LIMIT)
            .values(status=OutboxStatus.UNKNOWN, updated_at=now)
        )
        stale = await session.execute(
            update(Outbox)
            .where(
                Outbox.status == OutboxStatus.PENDING,
                Outbox.claim_id.in_(select(Claim.id).where(Claim.claimed_at < now - CATCH_UP)),
            )
            .values(status=OutboxStatus.EXPIRED, updated_at=now)
        )
        return int(result.rowcount or 0) + int(stale.rowcount or 0)  # type: ignore[attr-defined]


async def pending(db: Database, now: datetime, claim_id: int | None = None) -> list[tuple[int, int]]:
    """(row id, chat id) of the rows to send now, oldest first.

    A chat that Telegram told to wait (a pending row with a later `not_before`) is left out
    whole, so its messages keep their order and the other chats do not wait for it.
    """
    waiting = select(Outbox.chat_id).where(Outbox.status == OutboxStatus.PENDING, Outbox.not_before > now)
    async with db.read() as session:
        stmt = (
            select(Outbox.id, Outbox.chat_id)
            .where(Outbox.status == OutboxStatus.PENDING, Outbox.chat_id.not_in(waiting))
            .order_by(Outbox.id)
        )
        if claim_id is not None:
            stmt = stmt.where(Outbox.claim_id == claim_id)
        return [(int(row_id), int(chat_id)) for row_id, chat_id in (await session.execute(stmt)).all()]


async def take(db: Database, outbox_id: int, now: datetime) -> Taken | None:
    """Flip one row from pending to sending; None when another sender took it first."""
    async with db.write() as session:
        result = await session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, attempts=Outbox.attempts + 1, updated_at=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        row, team_id, kind = (
            await session.execute(
                select(Outbox, Claim.team_id, Claim.kind)
                .outerjoin(Claim, Claim.id == Outbox.claim_id)
                .where(Outbox.id == outbox_id)
            )
        ).one()
        buttons: Any = (row.buttons or {}).get("rows", [])
        return Taken(
            row.id,
            row.claim_id,
            team_id,
            kind,
            row.chat_id,
            row.person_id,
            row.text,
            [[(label, data) for label, data in line] for line in buttons],
            row.pin,
            row.attempts,
            row.entities,
            row.photo,
        )


async def record(
    db: Database,
    outbox_id: int,
    status: OutboxStatus,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    async with db.write() as session:
        await session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id)
            .values(status=status, message_id=message_id, error=error, updated_at=now)
        )


async def retry_later(db: Database, taken: Taken, now: datetime, error: str) -> None:
    """It provably never reached Telegram: pending again, until it has failed too often."""
    status = OutboxStatus.PENDING if taken.attempts < MAX_ATTEMPTS else OutboxStatus.FAILED
    await record(db, taken.outbox_id, status, now, error=error)


async def defer(db: Database, taken: Taken, not_before: datetime, now: datetime, error: str) -> None:
    """Telegram answered 429 for this chat: the row waits, pending, until `not_before`.

    A 429 is not a failed attempt (nothing was sent), so it does not count toward the limit.
    """
    async with db.write() as session:
        await session.execute(
            update(Outbox)
            .where(Outbox.id == taken.outbox_id)
            .values(
                status=OutboxStatus.PENDING,
                attempts=Outbox.attempts - 1,
                not_before=not_before,
                error=error,
                updated_at=now,
            )
        )


async def unknown_since(db: Database, team_id: int, since: datetime) -> int:
    """Messages of the team's outputs whose fate is unknown (they may or may not have arrived)."""
    async with db.read() as session:
        count = await session.scalar(
            select(func.count(Outbox.id))
            .join(Claim, Claim.id == Outbox.claim_id)
            .where(
                Claim.team_id == team_id,
                Outbox.status == OutboxStatus.UNKNOWN,
                Outbox.updated_at >= since,
            )
        )
    return int(count or 0)


async def chat_migrated(db: Database, taken: Taken, new_chat_id: int, now: datetime) -> None:
    """The group became a supergroup: store its new id and queue the row again for it."""
    async with db.write() as session:
        await session.execute(
            update(Team).where(Team.group_chat_id == taken.chat_id).values(group_chat_id=new_chat_id)
        )
        await session.execute(
            update(Outbox)
            .where(Outbox.id == taken.outbox_id)
            .values(chat_id=new_chat_id, status=OutboxStatus.PENDING, updated_at=now)
        )


async def unreachable(db: Database, team_id: int, person_id: int, now: datetime) -> None:
    """Telegram refused to deliver to the person: the digests name them until they write again."""
    async with db.write() as session:
        await members.set_unreachable(session, person_id, now, team_id)


async def sent_recipients(db: Database, claim_id: int) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count(func.distinct(Outbox.chat_id))).where(
                Outbox.claim_id == claim_id, Outbox.status == OutboxStatus.SENT
            )
        )
    return int(count or 0)


async def pinned(db: Database, team_id: int, message_id: int) -> int | None:
    """Remember the new pinned post; returns the previous one to unpin."""
    async with db.write() as session:
        team = await teams.by_id(session, team_id)
        previous = team.pinned_message_id
        team.pinned_message_id = message_id
    return previous


async def first_pin_refusal(db: Database, team_id: int) -> bool:
    """True once per team: the coordinators are told the bot cannot pin, once."""
    async with db.write() as session:
        result = await session.execute(
            update(Team).where(Team.id == team_id, Team.pin_warned.is_(False)).values(pin_warned=True)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
