"""Sales contests: highest total (revenue or number of sales), race to a target, squads.

Standings are computed from the sales ledger over the contest's UTC window, so a contest that
spans a DST change counts every sale once. The rules freeze at the start (there is no edit); the
end is computed once: a conditional update of `finished_at` is the claim, in the same
transaction as the results and points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.quiet_hours import team_is_quiet
from bot.services.results import competition_ranks
from storage.db import Database
from storage.models import Contest, ContestResult, ContestSquad, PointEntry, Sale
from storage.queries import insert_ignore, members, teams

KINDS = ("amount", "count", "race", "squads")
PLACE_POINTS = (100, 60, 30)
OTHER_PRIZE_POINTS = 10
IMPROVED_POINTS = 50
LEADER_POST_GAP = timedelta(hours=1)


@dataclass(frozen=True)
class Entry:
    place: int
    name: str
    value: int
    person_id: int | None = None
    squad: int | None = None
    reached_at: datetime | None = None


@dataclass(frozen=True)
class ContestView:
    id: int
    title: str
    kind: str
    target_minor: int | None
    starts_at: datetime
    ends_at: datetime
    prizes: list[str]
    most_improved: bool
    standings: list[Entry] = field(default_factory=list)
    improved: list[Entry] = field(default_factory=list)

    def prize(self, place: int) -> str | None:
        return self.prizes[place - 1] if 0 < place <= len(self.prizes) else None


def view_of(
    c: Contest, standings: list[Entry] | None = None, improved: list[Entry] | None = None
) -> ContestView:
    return ContestView(
        c.id,
        c.title,
        c.kind,
        c.target_minor,
        c.starts_at,
        c.ends_at,
        list(c.prizes.get("list", [])),
        c.most_improved,
        standings or [],
        improved or [],
    )


@dataclass(frozen=True)
class ContestDraft:
    """A contest being created, as its step's message shows it (the data as stored)."""

    token: str
    step: str
    data: dict[str, Any]
    reps: list[tuple[int, str]]
    problem: str | None = None

    def squad_of(self, person_id: int) -> int:
        return int(self.data.get("squads", {}).get(str(person_id), 1))


# --- standings -----------------------------------------------------------------------------


def _rank(values: list[tuple[Any, str, int, dict[str, Any]]]) -> list[Entry]:
    """Competition ranking (1, 1, 3) over (sort key, name, value, extra), best first."""
    values.sort(key=lambda v: (v[0], v[1].casefold()))
    places = competition_ranks([key for key, *_ in values])
    return [
        Entry(place, name, value, **extra)
        for place, (_, name, value, extra) in zip(places, values, strict=True)
    ]


async def _sales(
    session: AsyncSession, team_id: int, start: datetime, end: datetime
) -> list[tuple[int, int, datetime]]:
    rows = await session.execute(
        select(Sale.person_id, Sale.amount_minor, Sale.occurred_at)
        .where(
            Sale.team_id == team_id,
            Sale.occurred_at >= start,
            Sale.occurred_at < end,
            Sale.voided_at.is_(None),
        )
        .order_by(Sale.occurred_at, Sale.id)
    )
    return [(pid, amount, at) for pid, amount, at in rows]


async def compute(session: AsyncSession, contest: Contest, now: datetime) -> tuple[list[Entry], list[Entry]]:
    """(standings, most improved) as of `now` (at most the end). Removed reps drop out."""
    end = min(now, contest.ends_at)
    people = {p.id: p.display_name for p in await members.active_people(session, contest.team_id)}
    totals: dict[int, int] = {}
    counts: dict[int, int] = {}
    reached: dict[int, datetime] = {}
    for pid, amount, at in await _sales(session, contest.team_id, contest.starts_at, end):
        if pid not in people:
            continue
        totals[pid] = totals.get(pid, 0) + amount
        counts[pid] = counts.get(pid, 0) + 1
        if contest.target_minor and pid not in reached and totals[pid] >= contest.target_minor:
            reached[pid] = at  # the first to reach it by time wins
    standings: list[Entry]
    if contest.kind == "squads":
        squads: dict[int, int] = {}
        for squad_row in (
            await session.scalars(select(ContestSquad).where(ContestSquad.contest_id == contest.id))
        ).all():
            if squad_row.person_id in people:
                squads[squad_row.squad] = squads.get(squad_row.squad, 0) + totals.get(squad_row.person_id, 0)
        standings = _rank([(-total, str(squad), total, {"squad": squad}) for squad, total in squads.items()])
    elif contest.kind == "race":
        far = datetime.max.replace(tzinfo=now.tzinfo)
        standings = _rank(
            [
                (
                    (reached.get(pid, far), -totals[pid]),
                    people[pid],
                    totals[pid],
                    {"person_id": pid, "reached_at": reached.get(pid)},
                )
                for pid in totals
            ]
        )
    else:
        values = counts if contest.kind == "count" else totals
        standings = _rank([(-value, people[pid], value, {"person_id": pid}) for pid, value in values.items()])
    improved: list[Entry] = []
    if contest.most_improved:
        length = contest.ends_at - contest.starts_at
        before: dict[int, int] = {}
        for pid, amount, _ in await _sales(
            session, contest.team_id, contest.starts_at - length, contest.starts_at
        ):
            before[pid] = before.get(pid, 0) + amount
        rises = [
            (
                -((totals.get(pid, 0) - prev) * 100 // prev),
                people[pid],
                (totals.get(pid, 0) - prev) * 100 // prev,
                {"person_id": pid},
            )
            for pid, prev in before.items()
            if prev > 0 and pid in people  # reps with nothing in the previous period are left out
        ]
        improved = [e for e in _rank(rises) if e.place == 1]
    return standings, improved


async def live(db: Database, actor: Actor, now: datetime) -> list[ContestView]:
    """Running and upcoming contests with live standings, for anyone in the team."""
    team = actor.require_member()
    async with db.read() as session:
        contests = (
            await session.scalars(
                select(Contest)
                .where(Contest.team_id == team.id, Contest.ends_at > now)
                .order_by(Contest.starts_at, Contest.id)
            )
        ).all()
        return [view_of(c, *await compute(session, c, now)) for c in contests]


# --- the scheduler's part ------------------------------------------------------------------


async def starting(db: Database, now: datetime) -> list[tuple[int, ContestView]]:
    async with db.read() as session:
        rows = (
            await session.scalars(select(Contest).where(Contest.starts_at <= now, Contest.ends_at > now))
        ).all()
        return [(c.team_id, view_of(c)) for c in rows]


async def leader_changes(db: Database, now: datetime) -> list[tuple[int, ContestView]]:
    """Running contests whose leader changed, at most one post an hour per contest (claimed here)."""
    out = []
    async with db.read() as session:
        running = (
            await session.scalars(select(Contest).where(Contest.starts_at <= now, Contest.ends_at > now))
        ).all()
        computed = [(c, *await compute(session, c, now)) for c in running]
        quiet = {c.team_id: team_is_quiet(await teams.by_id(session, c.team_id), now) for c in running}
    for contest, standings, _ in computed:
        leaders = [e for e in standings if e.place == 1]
        key = ",".join(sorted(str(e.person_id or f"s{e.squad}") for e in leaders))
        if not key or key == contest.leader_key:
            continue
        same_leader = (
            Contest.leader_key.is_(None)
            if contest.leader_key is None
            else Contest.leader_key == contest.leader_key
        )
        async with db.write() as session:
            if quiet[contest.team_id]:
                # Quiet hours: the new leader is noted, never posted (by morning it is old news).
                await session.execute(
                    update(Contest).where(Contest.id == contest.id, same_leader).values(leader_key=key)
                )
                continue
            result = await session.execute(
                update(Contest)
                .where(
                    Contest.id == contest.id,
                    same_leader,
                    (Contest.leader_posted_at.is_(None))
                    | (Contest.leader_posted_at <= now - LEADER_POST_GAP),
                )
                .values(leader_key=key, leader_posted_at=now)
            )
        if result.rowcount:  # type: ignore[attr-defined]
            out.append((contest.team_id, view_of(contest, standings)))
    return out


async def finish_due(db: Database, now: datetime) -> list[tuple[int, ContestView]]:
    """End every contest past its end: results, prizes and points, once (the update is the claim)."""
    async with db.read() as session:
        ids = (
            await session.scalars(
                select(Contest.id).where(Contest.ends_at <= now, Contest.finished_at.is_(None))
            )
        ).all()
    out = []
    for contest_id in ids:
        async with db.write() as session:
            claimed = await session.execute(
                update(Contest)
                .where(Contest.id == contest_id, Contest.finished_at.is_(None))
                .values(finished_at=now)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            contest = await session.get_one(Contest, contest_id)
            standings, improved = await compute(session, contest, contest.ends_at)
            view = view_of(contest, standings, improved)
            await _record(session, contest, view, now)
        out.append((contest.team_id, view))
    return out


async def recently_finished(db: Database, now: datetime) -> list[tuple[int, ContestView]]:
    """Contests finished in the last day, with their final standings (from the end's data)."""
    async with db.read() as session:
        finished = (
            await session.scalars(
                select(Contest).where(
                    Contest.finished_at.is_not(None), Contest.finished_at > now - timedelta(days=1)
                )
            )
        ).all()
        return [(c.team_id, view_of(c, *await compute(session, c, c.ends_at))) for c in finished]


async def _record(session: AsyncSession, contest: Contest, view: ContestView, now: datetime) -> None:
    places = max(len(view.prizes), 1)
    winners = [e for e in view.standings if e.place <= places]
    squads: dict[int, list[int]] = {}
    if contest.kind == "squads":
        # A squad's points go to its members still in the team: a removed rep earns nothing.
        active = await members.active_ids(session, contest.team_id)
        for row in (
            await session.scalars(select(ContestSquad).where(ContestSquad.contest_id == contest.id))
        ).all():
            if row.person_id in active:
                squads.setdefault(row.squad, []).append(row.person_id)
    for entry in winners:
        session.add(
            ContestResult(
                contest_id=contest.id,
                place=entry.place,
                person_id=entry.person_id,
                squad=entry.squad,
                value=entry.value,
                prize=view.prize(entry.place),
                award="place",
            )
        )
        points = PLACE_POINTS[entry.place - 1] if entry.place <= len(PLACE_POINTS) else OTHER_PRIZE_POINTS
        people = squads.get(entry.squad or 0, []) if entry.squad is not None else [entry.person_id or 0]
        for pid in people:
            await _points(session, contest, pid, points, f"place_{entry.place}", now)
    for entry in view.improved:
        session.add(
            ContestResult(
                contest_id=contest.id,
                place=1,
                person_id=entry.person_id,
                value=entry.value,
                award="most_improved",
            )
        )
        await _points(session, contest, entry.person_id or 0, IMPROVED_POINTS, "most_improved", now)


async def _points(
    session: AsyncSession, contest: Contest, person_id: int, points: int, what: str, now: datetime
) -> None:
    values = {
        "team_id": contest.team_id,
        "person_id": person_id,
        "delta": points,
        "reason": f"contest_{what}"[:32],
        "source": f"contest:{contest.id}",
        "day": None,
        "created_at": now,
    }
    await insert_ignore(session, PointEntry, values, ["team_id", "person_id", "reason", "source"])
