"""One-to-one duels: a member challenges another for the rest of a day or an ISO week.

Every move is one conditional update of the duel's status, so two presses (or two processes)
cannot both accept, and the end is decided once: the flip to "finished" commits with the totals
and the points. Only the rival may answer, within `ANSWER_WITHIN` of the challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from bot.services.paging import fold
from bot.services.periods import Period, local_date, period_span
from storage.db import Database
from storage.models import Duel, DuelStatus, Person, PointEntry, Sale
from storage.queries import insert_ignore, members, teams

ANSWER_WITHIN = timedelta(hours=2)
# Results and expiries are offered for their notices this long after (the claims make them once).
NOTICE_WINDOW = timedelta(days=1)
SPANS = {"day": "day", "dzien": "day", "week": "week", "tydzien": "week"}
OPEN = (DuelStatus.PENDING, DuelStatus.ACCEPTED)


@dataclass(frozen=True)
class Side:
    person_id: int
    name: str
    language_code: str | None
    minor: int | None = None


@dataclass(frozen=True)
class DuelView:
    id: int
    team_id: int
    span: str
    status: str
    points: int
    challenger: Side
    rival: Side
    expires_at: datetime
    accepted_at: datetime | None = None
    ends_at: datetime | None = None
    winner_id: int | None = None

    @property
    def winner(self) -> Side | None:
        return next((s for s in (self.challenger, self.rival) if s.person_id == self.winner_id), None)

    @property
    def loser(self) -> Side | None:
        return next((s for s in (self.challenger, self.rival) if s.person_id != self.winner_id), None)

    @property
    def tie(self) -> bool:
        return self.status == DuelStatus.FINISHED and self.winner_id is None

    @property
    def people(self) -> list[tuple[int, str | None]]:
        return [(s.person_id, s.language_code) for s in (self.challenger, self.rival)]


@dataclass(frozen=True)
class Rival:
    person_id: int
    name: str
    username: str | None


def parse_args(args: str) -> tuple[str | None, str]:
    """`@username [day|week]` (Polish `dzień|tydzień`, any case): who (None: pick) and the span."""
    who: str | None = None
    span = "day"
    for word in args.split():
        folded = fold(word)
        if folded in SPANS:
            span = SPANS[folded]
        elif who is None:
            who = word.removeprefix("@")
        else:
            raise Refused(Reason.DUEL_USAGE)
    if who is not None and not who:
        raise Refused(Reason.DUEL_USAGE)
    return who, span


async def rivals(db: Database, actor: Actor) -> list[Rival]:
    """Everyone in the actor's team but the actor, by name."""
    team = actor.require_member()
    async with db.read() as session:
        people = await members.active_people(session, team.id)
    people = sorted(people, key=lambda p: (fold(p.display_name), p.id))
    return [Rival(p.id, p.display_name, p.username) for p in people if p.id != actor.person_id]


async def _view(session: AsyncSession, duel: Duel) -> DuelView:
    both = select(Person).where(Person.id.in_([duel.challenger_id, duel.rival_id]))
    people = {p.id: p for p in await session.scalars(both)}

    def side(person_id: int, minor: int | None) -> Side:
        person = people.get(person_id)
        name = person.display_name if person else str(person_id)
        return Side(person_id, name, person.language_code if person else None, minor)

    return DuelView(
        duel.id,
        duel.team_id,
        duel.span,
        duel.status,
        duel.points,
        side(duel.challenger_id, duel.challenger_minor),
        side(duel.rival_id, duel.rival_minor),
        duel.expires_at,
        duel.accepted_at,
        duel.ends_at,
        duel.winner_id,
    )


async def challenge(db: Database, actor: Actor, rival: int | str, span: str, now: datetime) -> DuelView:
    """A challenge to `rival` (a person id, or a username): pending until answered or expired."""
    team = actor.require_member()
    if span not in SPANS.values():
        raise Refused(Reason.STALE_BUTTON)
    async with db.write() as session:
        stmt = members.people_stmt(team.id)
        if isinstance(rival, str):
            stmt = stmt.where(func.lower(Person.username) == rival.casefold())
        else:
            stmt = stmt.where(Person.id == rival)
        person = await session.scalar(stmt)
        if person is None:
            raise Refused(Reason.NOT_IN_TEAM)
        if person.id == actor.person_id:
            raise Refused(Reason.DUEL_SELF)
        pair = (actor.person_id, person.id)
        running = await session.scalar(
            select(Duel.id).where(
                Duel.team_id == team.id,
                Duel.status.in_(OPEN),
                Duel.challenger_id.in_(pair),
                Duel.rival_id.in_(pair),
                or_(Duel.status != DuelStatus.PENDING, Duel.expires_at > now),
            )
        )
        if running is not None:
            raise Refused(Reason.DUEL_OPEN, rival=person.display_name)
        team_row = await teams.by_id(session, team.id)
        duel = Duel(
            team_id=team.id,
            challenger_id=actor.person_id,
            rival_id=person.id,
            span=span,
            status=DuelStatus.PENDING,
            points=team_row.duel_points,
            created_at=now,
            expires_at=now + ANSWER_WITHIN,
        )
        session.add(duel)
        await session.flush()
        return await _view(session, duel)


async def answer(db: Database, actor: Actor, duel_id: int, accept: bool, now: datetime) -> DuelView:
    """The rival accepts (the duel runs from now) or declines; anyone else, or too late, is refused."""
    team = actor.require_member()
    async with db.write() as session:
        duel = await session.get(Duel, duel_id)
        if duel is None or duel.team_id != team.id:
            raise Refused(Reason.STALE_BUTTON)
        if duel.rival_id != actor.person_id:
            raise Refused(Reason.DUEL_NOT_YOURS)
        values: dict[str, object] = {"status": DuelStatus.DECLINED, "decided_at": now}
        if accept:
            span = period_span(Period(duel.span), local_date(now, team.zone), team.zone)
            values = {"status": DuelStatus.ACCEPTED, "accepted_at": now, "ends_at": span.end}
        taken = await session.execute(
            update(Duel)
            .where(Duel.id == duel_id, Duel.status == DuelStatus.PENDING, Duel.expires_at > now)
            .values(**values)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            await session.refresh(duel)
            if duel.status == DuelStatus.PENDING or duel.status == DuelStatus.EXPIRED:
                raise Refused(Reason.DUEL_EXPIRED)
            raise Refused(Reason.ALREADY_DECIDED)
        await session.refresh(duel)
        return await _view(session, duel)


async def expire_due(db: Database, now: datetime) -> int:
    """Challenges unanswered for `ANSWER_WITHIN` expire; they award nothing."""
    async with db.write() as session:
        result = await session.execute(
            update(Duel)
            .where(Duel.status == DuelStatus.PENDING, Duel.expires_at <= now)
            .values(status=DuelStatus.EXPIRED, decided_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _total(session: AsyncSession, duel: Duel, person_id: int) -> int:
    assert duel.accepted_at is not None and duel.ends_at is not None
    total = await session.scalar(
        select(func.coalesce(func.sum(Sale.amount_minor), 0)).where(
            Sale.team_id == duel.team_id,
            Sale.person_id == person_id,
            Sale.occurred_at >= duel.accepted_at,
            Sale.occurred_at < duel.ends_at,
            Sale.voided_at.is_(None),
        )
    )
    return int(total or 0)


async def finish_due(db: Database, now: datetime) -> int:
    """Decide every running duel whose span ended: by amount, the points to the winner or split."""
    async with db.read() as session:
        due = list(
            (
                await session.scalars(
                    select(Duel.id).where(Duel.status == DuelStatus.ACCEPTED, Duel.ends_at <= now)
                )
            ).all()
        )
    finished = 0
    for duel_id in due:
        async with db.write() as session:
            taken = await session.execute(
                update(Duel)
                .where(Duel.id == duel_id, Duel.status == DuelStatus.ACCEPTED)
                .values(status=DuelStatus.FINISHED, decided_at=now)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                continue  # another process decided it
            duel = await session.get_one(Duel, duel_id)
            await session.refresh(duel)
            mine, theirs = (
                await _total(session, duel, duel.challenger_id),
                await _total(session, duel, duel.rival_id),
            )
            duel.challenger_minor, duel.rival_minor = mine, theirs
            if mine != theirs:
                duel.winner_id = duel.challenger_id if mine > theirs else duel.rival_id
                grants = [(duel.winner_id, duel.points)]
            else:
                grants = [(duel.challenger_id, duel.points // 2), (duel.rival_id, duel.points // 2)]
            assert duel.ends_at is not None
            team = await teams.by_id(session, duel.team_id)
            day = local_date(duel.ends_at - timedelta(microseconds=1), teams.zone(team.timezone))
            for person_id, points in grants:
                if points:
                    values = {
                        "team_id": duel.team_id,
                        "person_id": person_id,
                        "delta": points,
                        "reason": "duel",
                        "source": f"duel:{duel.id}",
                        "day": day,
                        "created_at": now,
                    }
                    key = ["team_id", "person_id", "reason", "source"]
                    await insert_ignore(session, PointEntry, values, key)
            finished += 1
    return finished


async def recently(db: Database, status: DuelStatus, now: datetime) -> list[tuple[TeamInfo, DuelView]]:
    """Duels that reached `status` lately, for their notices (each claimed once by its key)."""
    async with db.read() as session:
        rows = (
            await session.scalars(
                select(Duel)
                .where(Duel.status == status, Duel.decided_at > now - NOTICE_WINDOW)
                .order_by(Duel.id)
            )
        ).all()
        out = []
        for duel in rows:
            team = TeamInfo.of(await teams.by_id(session, duel.team_id))
            out.append((team, await _view(session, duel)))
        return out
