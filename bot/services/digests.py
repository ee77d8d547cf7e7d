"""What the scheduled outputs say: the daily post, the coordinators' digests, who to nudge.

Plain data from the database; the scheduler renders it and hands it to the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import (
    catalogue,
    client_lapses,
    complaint_stats,
    corrections,
    kudos,
    outbox,
    pace_alerts,
    rewards,
    tasks,
)
from bot.services.access import TeamInfo
from bot.services.competitors import WeekSummary, week_summary
from bot.services.errors import Reason, Refused
from bot.services.meetings import MeetingView, between
from bot.services.parsing import parse_hhmm
from bot.services.periods import Span, days_span, local_date, local_midnight
from bot.services.results import RankRow, rank_rows, totals_by_person
from bot.services.schedule import TeamSchedule, parse_days, previous_post_day
from bot.services.targets import (
    close_times,
    month_start,
    post_days_in_month,
    rep_targets,
    team_target,
)
from storage.db import Database
from storage.models import DayMark, Person, Role, Sale, Team, TeamHoliday
from storage.queries import days_off, insert_ignore, teams
from storage.queries import members as member_queries

NO_SALES = "no_sales"


class Nudge(StrEnum):
    """The nudge's buttons: report now, or say there were no sales that day."""

    REPORT = "report"
    NO_SALES = "none"


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    person_id: int | None
    language_code: str | None


@dataclass(frozen=True)
class DailyPost:
    day: date
    rows: list[RankRow]
    total_minor: int
    count: int
    # The day's top sellers: as the day close decided them, or by the day's totals before a close.
    top: list[str]
    # The day's share of the team's monthly target (None without one).
    day_target_minor: int | None = None
    # Who earned what at the day close (empty when the day was not closed).
    winners: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class RepLine:
    person_id: int
    name: str
    total_minor: int
    count: int
    unreachable: bool
    # Month to date against the pace of the monthly target (None without a target).
    month_minor: int = 0
    pace_minor: int | None = None


@dataclass(frozen=True)
class VoidedLate:
    """A sale voided after its day was closed: the day's rewards stand."""

    sale_id: int
    name: str
    amount_minor: int
    day: date


@dataclass(frozen=True)
class DailyDigest:
    day: date
    first_day: date
    last_day: date
    lines: list[RepLine]
    silent: list[str]
    unreachable: list[str]
    total_minor: int
    # The day's meetings with their answers.
    meetings: list[MeetingView] = field(default_factory=list)
    voided_late: list[VoidedLate] = field(default_factory=list)
    # Messages of the team sent since the span began that may or may not have arrived.
    unknown: int = 0
    # Key clients without contact for the team's threshold, as the day begins.
    quiet_clients: list[client_lapses.Lapse] = field(default_factory=list)
    # Open tasks past their due day, as the day begins.
    overdue_tasks: list[tasks.TaskView] = field(default_factory=list)
    # The team's open complaints as the day begins.
    complaints: complaint_stats.OpenComplaints | None = None
    # Reps told in the span that they are behind their target's pace.
    behind_pace: list[str] = field(default_factory=list)
    # Reps without a sale who said "no sales" for a day of the span, and reps away on a day of it:
    # neither is among those who reported nothing (`silent`).
    no_sales: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    # Reps on a day off on the digest's own day.
    away_today: list[str] = field(default_factory=list)
    corrected_late: list[corrections.CorrectedLate] = field(default_factory=list)
    # Reward requests waiting for the coordinator's decision.
    reward_requests: list[catalogue.RedemptionView] = field(default_factory=list)


@dataclass(frozen=True)
class WeekLine:
    name: str
    last_week_minor: int
    week_before_minor: int

    @property
    def change_minor(self) -> int:
        return self.last_week_minor - self.week_before_minor


@dataclass(frozen=True)
class WeeklyDigest:
    monday: date
    lines: list[WeekLine]
    up: WeekLine | None
    down: WeekLine | None
    total_minor: int
    total_before_minor: int
    # Last week's meetings with who attended.
    meetings: list[MeetingView] = field(default_factory=list)
    # Last week's competitor notes by competitor and kind.
    competitors: list[WeekSummary] = field(default_factory=list)
    # Complaints opened and closed last week.
    complaints: complaint_stats.WeekComplaints | None = None
    # Who got the most kudos last week (all tied at the top).
    thanked: list[kudos.Thanked] = field(default_factory=list)

    @property
    def first_day(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def last_day(self) -> date:
        return self.monday - timedelta(days=1)


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    role: Role
    language_code: str | None
    unreachable: bool


async def team_info(db: Database, team_id: int) -> TeamInfo:
    async with db.read() as session:
        return TeamInfo.of(await teams.by_id(session, team_id))


_SCHEDULE_COLUMNS = (
    Team.id,
    Team.name,
    Team.timezone,
    Team.post_time,
    Team.nudge_time,
    Team.post_days,
    Team.holiday_country,
)


async def schedules(db: Database, team_id: int | None = None) -> list[TeamSchedule]:
    """Every team's schedule (or one team's): columns, not `Team` objects, since the tick reads
    all of them every 30 seconds."""
    teams_stmt = select(*_SCHEDULE_COLUMNS).order_by(Team.id)
    holidays_stmt = select(TeamHoliday.team_id, TeamHoliday.day)
    if team_id is not None:
        teams_stmt = teams_stmt.where(Team.id == team_id)
        holidays_stmt = holidays_stmt.where(TeamHoliday.team_id == team_id)
    async with db.read() as session:
        rows = (await session.execute(teams_stmt)).all()
        own: dict[int, set[date]] = {}
        for holiday_team, day in await session.execute(holidays_stmt):
            own.setdefault(holiday_team, set()).add(day)
    return [
        TeamSchedule(
            row_id,
            name,
            timezone,
            parse_hhmm(post_time),
            parse_hhmm(nudge_time),
            parse_days(post_days),
            holiday_country,
            frozenset(own.get(row_id, set())),
        )
        for row_id, name, timezone, post_time, nudge_time, post_days, holiday_country in rows
    ]


async def schedule_of(db: Database, team_id: int) -> TeamSchedule:
    found = await schedules(db, team_id)
    if not found:
        raise LookupError(f"no team {team_id}")
    return found[0]


async def members(session: AsyncSession, team_id: int) -> list[MemberRow]:
    return [
        MemberRow(p.id, p.display_name, Role(m.role), p.language_code, m.unreachable_at is not None)
        for p, m in await member_queries.by_name(session, team_id)
    ]


async def coordinators(db: Database, team_id: int) -> list[Recipient]:
    async with db.read() as session:
        rows = await members(session, team_id)
    return [Recipient(m.person_id, m.person_id, m.language_code) for m in rows if m.role is Role.COORDINATOR]


async def daily_post(db: Database, team: TeamInfo, schedule: TeamSchedule, day: date) -> DailyPost:
    span = days_span(day, day, team.zone)
    async with db.read() as session:
        totals = await totals_by_person(session, team.id, span)
        names = {m.person_id: m.name for m in await members(session, team.id)}
        month_target = await team_target(session, team.id, month_start(day))
    rows = rank_rows(totals, names)
    post_days = post_days_in_month(schedule, day)
    winners = await rewards.winners(db, team.id, day)
    closed_top = [name for name, reasons in winners if "top_seller" in reasons]
    return DailyPost(
        day,
        rows,
        sum(t for t, _ in totals.values()),
        sum(c for _, c in totals.values()),
        closed_top or [row.name for row in rows if row.rank == 1],
        month_target // len(post_days) if month_target and post_days else None,
        winners,
    )


async def daily_digest(db: Database, team: TeamInfo, schedule: TeamSchedule, day: date) -> DailyDigest:
    """The previous post day and any days off since, up to the day before `day`."""
    first = previous_post_day(schedule, day) or day - timedelta(days=1)
    last = day - timedelta(days=1)
    span = days_span(first, last, team.zone)
    zone = team.zone
    month_days = post_days_in_month(schedule, last)
    async with db.read() as session:
        totals = await totals_by_person(session, team.id, span)
        people = await members(session, team.id)
        month_totals = await totals_by_person(session, team.id, days_span(month_start(last), last, zone))
        targets = await rep_targets(session, team.id, month_start(last))
        month_end = month_days[-1] if month_days else last
        off = await days_off.away(session, team.id, min(first, month_start(last)), max(month_end, day))
        marked = set(
            (
                await session.scalars(
                    select(DayMark.person_id).where(
                        DayMark.team_id == team.id,
                        DayMark.day >= first,
                        DayMark.day <= last,
                        DayMark.kind == NO_SALES,
                    )
                )
            ).all()
        )

    def pace(person_id: int) -> int | None:
        # The rep's own post days: their days off are left out of the month's pace.
        own = [d for d in month_days if d not in off.get(person_id, set())]
        return _pace(targets.get(person_id), sum(1 for d in own if d <= last), len(own))

    def away_in_span(person_id: int) -> bool:
        return any(first <= d <= last for d in off.get(person_id, set()))

    lines = [
        RepLine(
            m.person_id,
            m.name,
            *totals.get(m.person_id, (0, 0)),
            m.unreachable,
            month_totals.get(m.person_id, (0, 0))[0],
            pace(m.person_id),
        )
        for m in people
        if m.person_id in totals or m.person_id in targets
    ]
    lines.sort(key=lambda line: (-line.total_minor, line.name.casefold()))
    quiet = [m for m in people if m.role is Role.REP and m.person_id not in totals]
    today = days_span(day, day, zone)
    names = {m.person_id: m.name for m in people}
    return DailyDigest(
        day,
        first,
        last,
        lines,
        [m.name for m in quiet if not away_in_span(m.person_id) and m.person_id not in marked],
        [m.name for m in people if m.unreachable],
        sum(t for t, _ in totals.values()),
        await between(db, team.id, today.start, today.end),
        await voided_late(db, team, span),
        await outbox.unknown_since(db, team.id, span.start),
        await client_lapses.quiet_key_clients(db, team.id, local_midnight(day, zone)),
        await tasks.overdue(db, team.id, day),
        await complaint_stats.open_at(db, team.id, local_midnight(day, zone)),
        [names[pid] for pid in await pace_alerts.alerted(db, team.id, span.start, span.end) if pid in names],
        no_sales=[m.name for m in quiet if not away_in_span(m.person_id) and m.person_id in marked],
        away=[m.name for m in quiet if away_in_span(m.person_id)],
        away_today=[m.name for m in people if m.role is Role.REP and day in off.get(m.person_id, set())],
        corrected_late=await corrections.corrected_late(db, team, span),
        reward_requests=await catalogue.pending_of(db, team.id),
    )


def _pace(target: int | None, elapsed: int, post_days: int) -> int | None:
    """What the month should have reached by now at an even pace over its post days."""
    return target * elapsed // post_days if target and post_days else None


async def voided_late(db: Database, team: TeamInfo, span: Span) -> list[VoidedLate]:
    """Sales voided within `span` after their own day had been closed."""
    zone = team.zone
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Sale.id, Sale.amount_minor, Sale.occurred_at, Sale.voided_at, Person)
                .join(Person, Person.id == Sale.person_id)
                .where(Sale.team_id == team.id, Sale.voided_at >= span.start, Sale.voided_at < span.end)
                .order_by(Sale.voided_at)
            )
        ).all()
        closes = await close_times(session, team.id)
    out = []
    for sale_id, amount, occurred_at, voided_at, person in rows:
        day = local_date(occurred_at, zone)
        if day in closes and voided_at is not None and voided_at >= closes[day]:
            out.append(VoidedLate(sale_id, person.display_name, amount, day))
    return out


async def weekly_digest(db: Database, team: TeamInfo, monday: date) -> WeeklyDigest:
    zone = team.zone
    last_week = days_span(monday - timedelta(days=7), monday - timedelta(days=1), zone)
    week_before = days_span(monday - timedelta(days=14), monday - timedelta(days=8), zone)
    async with db.read() as session:
        now_totals = await totals_by_person(session, team.id, last_week)
        before_totals = await totals_by_person(session, team.id, week_before)
        people = await members(session, team.id)
    lines = [
        WeekLine(m.name, now_totals.get(m.person_id, (0, 0))[0], before_totals.get(m.person_id, (0, 0))[0])
        for m in people
        if m.person_id in now_totals or m.person_id in before_totals
    ]
    lines.sort(key=lambda line: (-line.last_week_minor, line.name.casefold()))
    rising = [line for line in lines if line.change_minor > 0]
    falling = [line for line in lines if line.change_minor < 0]
    return WeeklyDigest(
        monday,
        lines,
        max(rising, key=lambda line: line.change_minor, default=None),
        min(falling, key=lambda line: line.change_minor, default=None),
        sum(t for t, _ in now_totals.values()),
        sum(t for t, _ in before_totals.values()),
        await between(db, team.id, last_week.start, last_week.end),
        await week_summary(db, team, last_week),
        await complaint_stats.week(db, team.id, last_week.start, last_week.end),
        await kudos.most_thanked(db, team.id, last_week.start, last_week.end),
    )


async def nudge_targets(db: Database, team: TeamInfo, day: date) -> list[Recipient]:
    """Reps with no sale on `day` who did not say "no sales today" and are not on a day off."""
    span = days_span(day, day, team.zone)
    async with db.read() as session:
        people = await members(session, team.id)
        sold = set(
            (
                await session.scalars(
                    select(Sale.person_id)
                    .where(
                        Sale.team_id == team.id,
                        Sale.occurred_at >= span.start,
                        Sale.occurred_at < span.end,
                        Sale.voided_at.is_(None),
                    )
                    .distinct()
                )
            ).all()
        )
        marked = set(
            (
                await session.scalars(
                    select(DayMark.person_id).where(
                        DayMark.team_id == team.id, DayMark.day == day, DayMark.kind == NO_SALES
                    )
                )
            ).all()
        )
        # A rep on their own day off is not reminded of it.
        off = set(await days_off.away(session, team.id, day, day))
    return [
        Recipient(m.person_id, m.person_id, m.language_code)
        for m in people
        if m.role is Role.REP and m.person_id not in sold | marked | off
    ]


# A nudge's "no sales" button still counts a few days later (a rep back after a weekend).
NO_SALES_DAYS = 7


async def mark_no_sales(db: Database, team: TeamInfo, person_id: int, day: date, now: datetime) -> None:
    """Note that the rep sold nothing on `day`: a day of the last week, never one ahead."""
    today = now.astimezone(team.zone).date()
    if not today - timedelta(days=NO_SALES_DAYS) <= day <= today:
        raise Refused(Reason.STALE_BUTTON)  # no nudge of ours names such a day
    team_id = team.id
    async with db.write() as session:
        await insert_ignore(
            session,
            DayMark,
            {"team_id": team_id, "person_id": person_id, "day": day, "kind": NO_SALES, "created_at": now},
            ["team_id", "person_id", "day", "kind"],
        )
