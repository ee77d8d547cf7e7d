"""Kudos: a member thanks a peer, by /kudos or by a 🔥 or 👏 on a cheer in the group.

Each member gives at most the team's allowance a month (counted under a lock on the giver's
membership, so two quick reactions cannot both take the last one), each worth the team's kudos
points to the receiver, never to oneself. A reaction's kudos is unique per giver, receiver and
message while it stands; removing the reaction revokes it and takes its points back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.paging import fold
from bot.services.periods import local_date
from bot.services.targets import month_start
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import CheerPerson, Claim, Kudos, Outbox, Person, PointEntry
from storage.queries import members, teams

REASON_MAX = 300
THANKS = frozenset({"🔥", "👏"})


class KudosStep(StrEnum):
    REASON = "reason"


@dataclass
class KudosData(DraftData):
    """Whom the typed reason thanks."""

    receiver_id: int = 0


WIZARD = Wizard(DraftKind.KUDOS, KudosStep, KudosData)


@dataclass(frozen=True)
class Peer:
    person_id: int
    name: str
    username: str | None


@dataclass(frozen=True)
class Given:
    id: int
    giver_name: str
    receiver_id: int
    receiver_name: str
    receiver_language: str | None
    reason: str | None
    points: int
    left: int


@dataclass(frozen=True)
class Thanked:
    name: str
    count: int


def parse_args(args: str) -> tuple[str | None, str]:
    """`@username reason...`: who (None: pick from the list) and the reason ("" when none)."""
    words = args.split(maxsplit=1)
    if not words:
        return None, ""
    who = words[0].removeprefix("@")
    if not who:
        raise Refused(Reason.KUDOS_REASON, max=REASON_MAX)
    return who, words[1].strip() if len(words) > 1 else ""


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason or len(reason) > REASON_MAX:
        raise Refused(Reason.KUDOS_REASON, max=REASON_MAX)
    return reason


async def peers(db: Database, actor: Actor) -> list[Peer]:
    """Everyone in the actor's team but the actor, by name."""
    team = actor.require_member()
    async with db.read() as session:
        people = await members.active_people(session, team.id)
    ordered = sorted(people, key=lambda p: (fold(p.display_name), p.id))
    return [Peer(p.id, p.display_name, p.username) for p in ordered if p.id != actor.person_id]


async def _receiver(session: AsyncSession, team_id: int, giver_id: int, who: int | str) -> Person:
    stmt = members.people_stmt(team_id)
    if isinstance(who, str):
        stmt = stmt.where(func.lower(Person.username) == who.casefold())
    else:
        stmt = stmt.where(Person.id == who)
    person = await session.scalar(stmt)
    if person is None:
        raise Refused(Reason.NOT_IN_TEAM)
    if person.id == giver_id:
        raise Refused(Reason.KUDOS_SELF)
    return person


async def _used(session: AsyncSession, team_id: int, giver_id: int, month: date) -> int:
    used = await session.scalar(
        select(func.count(Kudos.id)).where(
            Kudos.team_id == team_id,
            Kudos.giver_id == giver_id,
            Kudos.month == month,
            Kudos.revoked_at.is_(None),
        )
    )
    return int(used or 0)


async def _give_in(
    session: AsyncSession,
    team: TeamInfo,
    giver_id: int,
    receiver: Person,
    reason: str | None,
    message_key: str | None,
    now: datetime,
) -> Given:
    """Refused beyond the allowance; the giver's membership row is locked while counting."""
    giver = await members.active_member(session, team.id, giver_id, lock=True)
    if giver is None:
        raise Refused(Reason.NOT_MEMBER)
    row = await teams.by_id(session, team.id)
    month = month_start(local_date(now, team.zone))
    used = await _used(session, team.id, giver_id, month)
    if used >= row.kudos_allowance:
        raise Refused(Reason.KUDOS_NONE_LEFT, allowance=row.kudos_allowance)
    kudos = Kudos(
        team_id=team.id,
        giver_id=giver_id,
        receiver_id=receiver.id,
        reason=reason,
        month=month,
        points=row.kudos_points,
        message_key=message_key,
        created_at=now,
    )
    session.add(kudos)
    await session.flush()
    if kudos.points:
        session.add(
            _entry(team.id, receiver.id, kudos.points, "kudos", kudos.id, local_date(now, team.zone), now)
        )
    giver_person = await session.get_one(Person, giver_id)
    return Given(
        kudos.id,
        giver_person.display_name,
        receiver.id,
        receiver.display_name,
        receiver.language_code,
        reason,
        kudos.points,
        row.kudos_allowance - used - 1,
    )


def _entry(
    team_id: int, person_id: int, delta: int, reason: str, kudos_id: int, day: date, now: datetime
) -> PointEntry:
    return PointEntry(
        team_id=team_id,
        person_id=person_id,
        delta=delta,
        reason=reason,
        source=f"kudos:{kudos_id}",
        day=day,
        created_at=now,
    )


async def check(db: Database, actor: Actor, who: int | str, now: datetime) -> Peer:
    """Whether `who` may be thanked by the actor now (in the team, not oneself, kudos left)."""
    team = actor.require_member()
    async with db.read() as session:
        person = await _receiver(session, team.id, actor.person_id, who)
        row = await teams.by_id(session, team.id)
        month = month_start(local_date(now, team.zone))
        if await _used(session, team.id, actor.person_id, month) >= row.kudos_allowance:
            raise Refused(Reason.KUDOS_NONE_LEFT, allowance=row.kudos_allowance)
    return Peer(person.id, person.display_name, person.username)


async def give(db: Database, actor: Actor, who: int | str, reason: str, now: datetime) -> Given:
    """/kudos @username reason."""
    team = actor.require_member()
    text = _reason(reason)
    async with db.write() as session:
        person = await _receiver(session, team.id, actor.person_id, who)
        return await _give_in(session, team, actor.person_id, person, text, None, now)


async def begin(db: Database, actor: Actor, who: int | str, now: datetime) -> Peer:
    """The receiver is chosen: the next typed message is the reason."""
    peer = await check(db, actor, who, now)
    await WIZARD.start(db, actor.person_id, now, KudosStep.REASON, KudosData(peer.person_id))
    return peer


async def answer(db: Database, actor: Actor, text: str, now: datetime) -> Given:
    """The typed reason: kudos given and the draft ended together (a refused reason keeps it)."""
    team = actor.require_member()
    reason = _reason(text)
    token = (await WIZARD.load(db, actor.person_id, None, now)).token
    async with db.write() as session:
        state = await WIZARD.finish(session, actor.person_id, token, KudosStep.REASON, now)
        person = await _receiver(session, team.id, actor.person_id, state.data.receiver_id)
        return await _give_in(session, team, actor.person_id, person, reason, None, now)


def thanks_in(emojis: list[str]) -> bool:
    return bool(THANKS.intersection(emojis))


async def _cheer_people(session: AsyncSession, chat_id: int, message_id: int) -> list[int]:
    """The reps the cheer sent as `message_id` in `chat_id` names (none: not a cheer of ours)."""
    claim_id = await session.scalar(
        select(Outbox.claim_id)
        .join(Claim, Claim.id == Outbox.claim_id)
        .where(Outbox.chat_id == chat_id, Outbox.message_id == message_id, Claim.kind.startswith("cheer:"))
        .limit(1)
    )
    if claim_id is None:
        return []
    rows = await session.scalars(select(CheerPerson.person_id).where(CheerPerson.claim_id == claim_id))
    return sorted(int(p) for p in rows)


async def reacted(
    db: Database, chat_id: int, message_id: int, giver_id: int, thanking: bool, now: datetime
) -> list[Given]:
    """A thanks reaction set (`thanking`) or removed on a message in a team's group.

    Set: each rep the cheer names (but the giver) gets one kudos, while the allowance lasts; a
    second thanks on the same message adds nothing. Removed: those kudos are revoked and their
    points taken back. Returns the kudos given now (for their notices).
    """
    key = f"{chat_id}:{message_id}"
    given: list[Given] = []
    async with db.write() as session:
        team_row = await teams.by_group(session, chat_id)
        if team_row is None or await members.active_member(session, team_row.id, giver_id) is None:
            return []  # not a team's group, or not one of its members: nobody thanks here
        team = TeamInfo.of(team_row)
        live = select(Kudos).where(
            Kudos.team_id == team.id,
            Kudos.giver_id == giver_id,
            Kudos.message_key == key,
            Kudos.revoked_at.is_(None),
        )
        standing = {k.receiver_id: k for k in (await session.scalars(live)).all()}
        if not thanking:
            for kudos in standing.values():
                kudos.revoked_at = now
                if kudos.points:
                    day = local_date(now, team.zone)
                    session.add(
                        _entry(team.id, kudos.receiver_id, -kudos.points, "kudos_back", kudos.id, day, now)
                    )
            return []
        active = await members.active_ids(session, team.id)
        for person_id in await _cheer_people(session, chat_id, message_id):
            if person_id == giver_id or person_id in standing or person_id not in active:
                continue
            receiver = await session.get_one(Person, person_id)
            try:
                given.append(await _give_in(session, team, giver_id, receiver, None, key, now))
            except Refused:
                break  # the allowance is used up: the rest of this cheer's reps get none
    return given


async def most_thanked(db: Database, team_id: int, start: datetime, end: datetime) -> list[Thanked]:
    """Who got the most kudos in [start, end) (all tied at the top), for the weekly digest."""
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Kudos.receiver_id, func.count(Kudos.id))
                .where(
                    Kudos.team_id == team_id,
                    Kudos.created_at >= start,
                    Kudos.created_at < end,
                    Kudos.revoked_at.is_(None),
                )
                .group_by(Kudos.receiver_id)
            )
        ).all()
        if not rows:
            return []
        top = max(int(count) for _, count in rows)
        ids = [int(person_id) for person_id, count in rows if int(count) == top]
        people = (await session.scalars(select(Person).where(Person.id.in_(ids)))).all()
    return sorted((Thanked(p.display_name, top) for p in people), key=lambda t: fold(t.name))
