"""Daily rewards at the day close, points and badges.

The close counts the sales of a local day recorded before the earlier of the post time and the
moment it runs. Every grant is a ledger row unique by (person, reason, source), and the close
itself is a claim taken in the same transaction: a day is granted once, whoever runs it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.periods import days_span, fire_at, local_date
from bot.services.schedule import TeamSchedule, is_post_day
from bot.services.targets import month_start, post_days_in_month, rep_targets
from storage.db import Database
from storage.models import Badge, Member, Person, PointEntry, Sale, Team
from storage.queries import days_off, insert_ignore, teams
from storage.queries import members as member_queries

DEFAULT_POINTS = {
    "top_seller": 50,
    "pace": 20,
    "personal_best": 30,
    "first_sale": 10,
    "streak_3": 15,
    "streak_5": 25,
    "streak_10": 50,
    "streak_20": 100,
}
STREAK_LEVELS = (3, 5, 10, 20)
SALE_COUNT_BADGES = (10, 50, 100)
# How far back a streak is followed; a longer one keeps its last level (20) anyway.
STREAK_LOOKBACK = timedelta(days=60)


@dataclass(frozen=True)
class Grant:
    person_id: int
    reason: str
    points: int


@dataclass
class DayRewards:
    day: date
    grants: list[Grant] = field(default_factory=list)
    badges: dict[int, list[str]] = field(default_factory=dict)

    def of(self, person_id: int) -> list[Grant]:
        return [g for g in self.grants if g.person_id == person_id]

    @property
    def people(self) -> list[int]:
        return sorted({g.person_id for g in self.grants} | set(self.badges))


def points_table(team: Team) -> dict[str, int]:
    table = dict(DEFAULT_POINTS)
    for key, value in (team.reward_points or {}).items():
        if key in table and isinstance(value, int):
            table[key] = value
    return table


@dataclass
class _Person:
    counted_minor: int = 0
    counted_sales: int = 0
    earlier_days: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    earlier_sales: int = 0


async def close_in(
    session: AsyncSession, team: TeamInfo, schedule: TeamSchedule, day: date, now: datetime
) -> DayRewards:
    """Compute and grant `day`'s rewards inside the caller's write transaction; only new grants return."""
    zone = team.zone
    span = days_span(day, day, zone)
    cutoff = min(fire_at(day, schedule.post_time, zone), now)
    members = await member_queries.active_ids(session, team.id)
    people: dict[int, _Person] = defaultdict(_Person)
    today_rows = await session.execute(
        select(Sale.person_id, Sale.amount_minor).where(
            Sale.team_id == team.id,
            Sale.occurred_at >= span.start,
            Sale.occurred_at < span.end,
            Sale.created_at < cutoff,
            Sale.voided_at.is_(None),
        )
    )
    for person_id, amount in today_rows:
        if person_id in members:
            people[person_id].counted_minor += amount
            people[person_id].counted_sales += 1
    sellers = [pid for pid, p in people.items() if p.counted_minor > 0]
    if sellers:
        earlier = await session.execute(
            select(Sale.person_id, Sale.occurred_at, Sale.amount_minor).where(
                Sale.team_id == team.id,
                Sale.person_id.in_(sellers),
                Sale.occurred_at < span.start,
                Sale.voided_at.is_(None),
            )
        )
        for person_id, occurred_at, amount in earlier:
            people[person_id].earlier_days[local_date(occurred_at, zone)] += amount
            people[person_id].earlier_sales += 1

    table = points_table(await teams.by_id(session, team.id))
    month = month_start(day)
    targets = await rep_targets(session, team.id, month)
    month_days = post_days_in_month(schedule, day)
    off = await days_off.away(
        session,
        team.id,
        min(day - STREAK_LOOKBACK, month_start(day)),
        month_days[-1] if month_days else day,
        sellers,
    )
    candidates: list[Grant] = []
    badges: dict[int, list[str]] = defaultdict(list)
    top = max((people[pid].counted_minor for pid in sellers), default=0)
    for pid in sorted(sellers):
        person = people[pid]

        def grant(reason: str, pid: int = pid) -> None:
            candidates.append(Grant(pid, reason, table[reason]))

        if person.counted_minor == top:
            grant("top_seller")  # ties all win
        target = targets.get(pid)
        own_days = [d for d in month_days if d not in off.get(pid, set())]  # leave is no post day
        if target and own_days and person.counted_minor * len(own_days) >= target:
            grant("pace")  # today at least the monthly target divided by the month's post days
        if person.earlier_days and person.counted_minor > max(person.earlier_days.values()):
            grant("personal_best")
        if not person.earlier_sales:
            grant("first_sale")
            badges[pid].append("first_sale")
        streak = _streak(schedule, day, set(person.earlier_days), frozenset(off.get(pid, set())))
        if streak in STREAK_LEVELS:
            grant(f"streak_{streak}")
            badges[pid].append(f"streak_{streak}")
        count = person.earlier_sales + person.counted_sales
        badges[pid] += [f"sales_{n}" for n in SALE_COUNT_BADGES if count >= n]
        if target:
            month_span = days_span(month, day, zone)
            month_total = await session.scalar(
                select(func.coalesce(func.sum(Sale.amount_minor), 0)).where(
                    Sale.team_id == team.id,
                    Sale.person_id == pid,
                    Sale.occurred_at >= month_span.start,
                    Sale.occurred_at < month_span.end,
                    Sale.created_at < cutoff,
                    Sale.voided_at.is_(None),
                )
            )
            if int(month_total or 0) >= target:
                badges[pid].append(f"target_{month:%Y_%m}")

    result = DayRewards(day)
    source = f"day:{day.isoformat()}"
    for candidate in candidates:
        values = {
            "team_id": team.id,
            "person_id": candidate.person_id,
            "delta": candidate.points,
            "reason": candidate.reason,
            "source": source,
            "day": day,
            "created_at": now,
        }
        if await insert_ignore(session, PointEntry, values, ["team_id", "person_id", "reason", "source"]):
            result.grants.append(candidate)
    for pid, names in badges.items():
        for name in names:
            values = {"team_id": team.id, "person_id": pid, "badge": name, "earned_at": now, "day": day}
            if await insert_ignore(session, Badge, values, ["team_id", "person_id", "badge"]):
                result.badges.setdefault(pid, []).append(name)
    return result


def _streak(
    schedule: TeamSchedule, day: date, sale_days: set[date], own_days_off: frozenset[date] = frozenset()
) -> int:
    """Consecutive post days with a sale, ending today (which has one); days off are skipped.

    The team's days off and the person's own (leave) are skipped alike.
    """
    streak, cursor = 1, day - timedelta(days=1)
    while cursor >= day - STREAK_LOOKBACK:
        if is_post_day(schedule, cursor) and cursor not in own_days_off:
            if cursor not in sale_days:
                break
            streak += 1
        cursor -= timedelta(days=1)
    return streak


async def winners(db: Database, team_id: int, day: date) -> list[tuple[str, list[str]]]:
    """Who earned what at `day`'s close, for the daily post: members still in the team only."""
    async with db.read() as session:
        rows = await session.execute(
            select(Person.first_name, Person.last_name, PointEntry.reason)
            .join(Person, Person.id == PointEntry.person_id)
            .join(Member, Member.person_id == PointEntry.person_id)
            .where(
                member_queries.active_in(team_id),
                PointEntry.team_id == team_id,
                PointEntry.day == day,
                PointEntry.source == f"day:{day}",
            )
            .order_by(Person.first_name, Person.id, PointEntry.id)
        )
        out: dict[str, list[str]] = {}
        for first, last, reason in rows:
            out.setdefault(f"{first} {last}" if last else first, []).append(reason)
    return list(out.items())


async def balance(session: AsyncSession, team_id: int, person_id: int) -> int:
    """A person's points: the sum of their ledger."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.team_id == team_id, PointEntry.person_id == person_id
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class PointsView:
    balance: int
    history: list[tuple[datetime, int, str, str]]


async def points(db: Database, actor: Actor, limit: int = 15) -> PointsView:
    team = actor.require_member()
    async with db.read() as session:
        points = await balance(session, team.id, actor.person_id)
        rows = await session.execute(
            select(PointEntry.created_at, PointEntry.delta, PointEntry.reason, PointEntry.source)
            .where(PointEntry.team_id == team.id, PointEntry.person_id == actor.person_id)
            .order_by(PointEntry.created_at.desc(), PointEntry.id.desc())
            .limit(limit)
        )
        return PointsView(points, [tuple(row) for row in rows])  # type: ignore[misc]


async def badges_of(db: Database, actor: Actor) -> list[tuple[str, datetime]]:
    team = actor.require_member()
    async with db.read() as session:
        rows = await session.execute(
            select(Badge.badge, Badge.earned_at)
            .where(Badge.team_id == team.id, Badge.person_id == actor.person_id)
            .order_by(Badge.earned_at, Badge.badge)
        )
        return [(name, at) for name, at in rows]
