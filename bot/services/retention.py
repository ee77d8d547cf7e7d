"""Nothing kept longer than needed: the scheduler's daily prune.

Processed updates go after a week (enough to catch Telegram's redeliveries); settled outbox rows,
celebrations, drafts, and used, revoked or expired invites after the retention period. A claim
goes after the retention period too, unless it still guards a repeat: every scheduled output
looks back at most a week (the day close catches up seven days, a weekly digest's claim is its
Monday, a contest's end is offered for a day), except two that are offered again for as long as
their cause lasts: a running contest's start, and a key client's lapse. Their claims stay while
the contest runs and while the client is a key client. People who wrote but never joined leave
after a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, not_, or_, select

from bot.services import inbox
from bot.services.schedule import Kind
from storage.db import Database
from storage.models import (
    Announcement,
    Celebration,
    Claim,
    Client,
    Contest,
    Draft,
    Invite,
    LiveBoard,
    Outbox,
    OutboxStatus,
    Person,
    Role,
)
from storage.queries import people

UPDATES_KEPT = timedelta(days=7)
# A stranger's row lives as long as the conversation that might still make them join.
STRANGERS_KEPT = timedelta(days=1)
DAILY_KIND = "retention-prune"
_UNSETTLED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True)
class Pruned:
    outbox: int
    celebrations: int
    drafts: int
    invites: int
    claims: int
    strangers: int


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def prune(db: Database, now: datetime, retention: timedelta) -> Pruned:
    cutoff = now - retention
    await inbox.forget_before(db, now - UPDATES_KEPT)
    async with db.write() as session:
        outbox = await session.execute(
            delete(Outbox).where(Outbox.status.not_in(_UNSETTLED), Outbox.updated_at < cutoff)
        )
        cheers = await session.execute(delete(Celebration).where(Celebration.created_at < cutoff))
        # A day's live board is done with once finished; its row only guards that day.
        await session.execute(
            delete(LiveBoard).where(LiveBoard.final.is_(True), LiveBoard.checked_at < cutoff)
        )
        drafts = await session.execute(delete(Draft).where(Draft.updated_at < cutoff))
        invites = await session.execute(
            delete(Invite).where(
                or_(
                    Invite.expires_at < cutoff,
                    Invite.revoked_at < cutoff,
                    # A rep link is used again and again until it expires; the others once.
                    and_(Invite.role != Role.REP, Invite.used_at < cutoff),
                )
            )
        )
        claims = 0
        old = (await session.execute(select(Claim.id, Claim.kind).where(Claim.claimed_at < cutoff))).all()
        if old:
            running = {
                f"contest-start:{c}"
                for c in (await session.scalars(select(Contest.id).where(Contest.ends_at > now))).all()
            }
            key_clients = {
                str(c)
                for c in (await session.scalars(select(Client.id).where(Client.is_key.is_(True)))).all()
            }
            waiting = set(
                (
                    await session.scalars(
                        select(Outbox.claim_id).where(Outbox.claim_id.in_([i for i, _ in old]))
                    )
                ).all()
            )
            unreported = set(
                (
                    await session.scalars(
                        select(Announcement.claim_id).where(
                            Announcement.reported_at.is_(None), Announcement.claim_id.is_not(None)
                        )
                    )
                ).all()
            )
            doomed = [
                claim_id
                for claim_id, kind in old
                if claim_id not in waiting
                and claim_id not in unreported
                and kind not in running
                and not (kind.startswith("key-lapse:") and kind.split(":")[1] in key_clients)
                # A day close marks its day closed for good (late voids and corrections read it):
                # one small row a team a day, kept.
                and kind != Kind.DAILY_REWARDS
            ]
            for start in range(0, len(doomed), 500):
                chunk = doomed[start : start + 500]
                claims += _count(await session.execute(delete(Claim).where(Claim.id.in_(chunk))))
        referenced = [
            exists().where(people.column(table, name) == Person.id) for table, name in people.PERSON_COLUMNS
        ]
        strangers = await session.execute(
            delete(Person).where(
                Person.id > 0, Person.updated_at < now - STRANGERS_KEPT, not_(or_(*referenced))
            )
        )
    return Pruned(_count(outbox), _count(cheers), _count(drafts), _count(invites), claims, _count(strangers))
