"""Sales contests: highest total (revenue or number of sales), race to a target, squads.

Standings are computed from the sales ledger over the contest's UTC window, so a contest that
spans a DST change counts every sale once. The rules freeze at the start (there is no edit); the
end is computed once: a conditional update of `finished_at` is the claim, in the same
transaction as the results and points.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.errors import Reason, Refused
from bot.services.periods import fire_at, local_date, local_midnight
from bot.services.quiet_hours import team_is_quiet
from bot.services.results import competition_ranks
from bot.services.targets import month_start, target_of
from storage.db import Database
from storage.models import Contest, ContestResult, ContestSquad, PointEntry, Sale
from storage.queries import insert_ignore, members, teams

# "percent": by % of each rep's own monthly target (of the month the round starts in), fair to juniors.
KINDS = ("amount", "count", "race", "squads", "percent")
REPEATS = ("day", "week", "month")
# Rounds this long or longer get countdown posts: at the start, at half time and on the last day.
COUNTDOWN_FROM = timedelta(days=7)
PHASES = ("start", "half", "last")
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
    repeat: str | None = None
    round_no: int = 1

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
        c.repeat,
        c.round_no,
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
    elif contest.kind == "percent":
        team = await teams.by_id(session, contest.team_id)
        month = month_start(local_date(contest.starts_at, teams.zone(team.timezone)))
        shares: dict[int, int] = {}
        for pid, total in totals.items():
            target = await target_of(session, contest.team_id, pid, month)
            if target:  # a rep without a target has no share to rank by
                shares[pid] = total * 100 // target
        standings = _rank([(-value, people[pid], value, {"person_id": pid}) for pid, value in shares.items()])
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
            if contest.repeat in REPEATS:
                # In the same transaction as the round's end: the next round is made exactly once.
                await _next_round(session, contest, now)
        out.append((contest.team_id, view))
    return out


def _shift(instant: datetime, repeat: str, zone: ZoneInfo, times: int) -> datetime:
    """The same local wall time `times` days, weeks or months later (a month keeps the day if it can)."""
    local = instant.astimezone(zone)
    day = local.date()
    if repeat == "day":
        day += timedelta(days=times)
    elif repeat == "week":
        day += timedelta(weeks=times)
    else:
        month = day.month - 1 + times
        year, month = day.year + month // 12, month % 12 + 1
        day = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    if local.time() == datetime.min.time():
        return local_midnight(day, zone)
    return fire_at(day, local.time().replace(tzinfo=None), zone)


async def _next_round(session: AsyncSession, contest: Contest, now: datetime) -> None:
    """The next round: the same rules, shifted by the repeat; rounds missed while down are skipped."""
    assert contest.repeat is not None
    zone = teams.zone((await teams.by_id(session, contest.team_id)).timezone)
    times = 1
    while _shift(contest.ends_at, contest.repeat, zone, times) <= now:
        times += 1
    series = contest.series_id or contest.id
    following = Contest(
        team_id=contest.team_id,
        title=contest.title,
        kind=contest.kind,
        target_minor=contest.target_minor,
        starts_at=_shift(contest.starts_at, contest.repeat, zone, times),
        ends_at=_shift(contest.ends_at, contest.repeat, zone, times),
        prizes=contest.prizes,
        most_improved=contest.most_improved,
        created_by=contest.created_by,
        created_at=now,
        repeat=contest.repeat,
        series_id=series,
        round_no=contest.round_no + 1,
    )
    session.add(following)
    await session.flush()
    if contest.series_id is None:
        contest.series_id = series
    for squad in (
        await session.scalars(select(ContestSquad).where(ContestSquad.contest_id == contest.id))
    ).all():
        session.add(ContestSquad(contest_id=following.id, person_id=squad.person_id, squad=squad.squad))


async def stop_series(db: Database, actor: Actor, contest_id: int) -> ContestView:
    """The coordinator stops a recurring contest: the running round ends as planned, no next one."""
    team = actor.require_coordinator()
    async with db.write() as session:
        contest = await session.get(Contest, contest_id)
        if contest is None or contest.team_id != team.id:
            raise Refused(Reason.STALE_BUTTON)
        if contest.repeat is None:
            raise Refused(Reason.ALREADY_DECIDED)
        series = contest.series_id or contest.id
        await session.execute(
            update(Contest)
            .where(
                Contest.team_id == team.id,
                (Contest.series_id == series) | (Contest.id == series),
                Contest.finished_at.is_(None),
            )
            .values(repeat=None)
        )
        await session.refresh(contest)
        return view_of(contest)


def phase_of(contest: Contest, now: datetime, zone: ZoneInfo) -> str | None:
    """Which countdown post is due now for a long round: the latest of start, half time, last day."""
    if contest.ends_at - contest.starts_at < COUNTDOWN_FROM or not contest.starts_at <= now < contest.ends_at:
        return None
    last_day = local_date(contest.ends_at - timedelta(microseconds=1), zone)
    if now >= local_midnight(last_day, zone):
        return "last"
    if now >= contest.starts_at + (contest.ends_at - contest.starts_at) / 2:
        return "half"
    return "start"


async def countdowns(db: Database, now: datetime) -> list[tuple[int, str, ContestView]]:
    """(team, phase, the round with its standings) of every long round whose countdown post is due."""
    out = []
    async with db.read() as session:
        running = (
            await session.scalars(select(Contest).where(Contest.starts_at <= now, Contest.ends_at > now))
        ).all()
        for contest in running:
            zone = teams.zone((await teams.by_id(session, contest.team_id)).timezone)
            phase = phase_of(contest, now, zone)
            if phase is not None:
                out.append(
                    (contest.team_id, phase, view_of(contest, (await compute(session, contest, now))[0]))
                )
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


async def is_quiet(db: Database, team_id: int, now: datetime) -> bool:
    """Whether the team is in its quiet hours (countdowns falling inside are dropped)."""
    async with db.read() as session:
        return team_is_quiet(await teams.by_id(session, team_id), now)
