"""Pace alerts: early in the month, a rep falling behind their target's pace is told privately.

On the first post day on or after the 10th and on or after the 20th, at the nudge time, each rep
below the team's threshold (default 70%) of the pace their month's target needs gets one message
with what is needed per remaining post day; the coordinators' next digest names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bot.services.access import TeamInfo
from bot.services.periods import days_span
from bot.services.quiet_hours import team_is_quiet
from bot.services.results import totals_by_person
from bot.services.schedule import TeamSchedule, is_post_day
from bot.services.targets import month_start, post_days_in_month, rep_targets
from storage.db import Database
from storage.models import Claim, Outbox, OutboxStatus, Role
from storage.queries import days_off, members, teams

DEFAULT_THRESHOLD = 70
# The days of the month from which the first post day brings the check.
CHECK_DAYS = (10, 20)
KEY_PREFIX = "pace:"


@dataclass(frozen=True)
class Behind:
    person_id: int
    name: str
    language_code: str | None
    # The month's sales so far against what an even pace would have reached by yesterday.
    percent: int
    total_minor: int
    target_minor: int
    needed_per_day_minor: int
    days_left: int


def check_of(schedule: TeamSchedule, day: date) -> int | None:
    """10 or 20 when `day` is the first post day on or after that day of its month, else None."""
    if not is_post_day(schedule, day):
        return None
    for start in sorted(CHECK_DAYS, reverse=True):
        if day.day >= start:
            earlier = [d for d in post_days_in_month(schedule, day) if start <= d.day < day.day]
            return None if earlier else start
    return None


def claim_of(day: date, check: int) -> tuple[str, date]:
    """The claim of a month's check: keyed by the check's own day (the 10th or the 20th), so a
    change of post days that moves the first post day cannot bring the same check twice."""
    return f"{KEY_PREFIX}{check}", day.replace(day=check)


async def behind(db: Database, team: TeamInfo, schedule: TeamSchedule, day: date) -> list[Behind]:
    """Reps with a target whose month so far is below the threshold of an even pace by yesterday.

    Each rep's own days off are no post days for their pace, and a rep away today is not told.
    """
    month = month_start(day)
    days = post_days_in_month(schedule, day)
    if not days:
        return []
    async with db.read() as session:
        threshold = (await teams.by_id(session, team.id)).pace_threshold
        targets = await rep_targets(session, team.id, month)
        totals = await totals_by_person(session, team.id, days_span(month, day, team.zone))
        people = [
            (person, member)
            for person, member in await members.by_name(session, team.id)
            if member.role == Role.REP
        ]
        off = await days_off.away(session, team.id, days[0], days[-1])
    out = []
    for person, _ in people:
        target = targets.get(person.id)
        away = off.get(person.id, set())
        if not target or day in away:
            continue
        own = [d for d in days if d not in away]
        done = sum(1 for d in own if d < day)  # the post days already over
        left = len(own) - done  # today still counts: it is the nudge time, not the close
        if done == 0 or left == 0:
            continue
        total = totals.get(person.id, (0, 0))[0]
        expected = target * done // len(own)
        percent = total * 100 // expected if expected else 100
        if percent >= threshold:
            continue
        needed = -(-max(0, target - total) // left)  # rounded up: a grosz short is still short
        out.append(
            Behind(person.id, person.display_name, person.language_code, percent, total, target, needed, left)
        )
    return out


async def is_quiet(db: Database, team_id: int, now: datetime) -> bool:
    """The team's quiet hours hold pace alerts too (a catch-up after an outage may reach them)."""
    async with db.read() as session:
        return team_is_quiet(await teams.by_id(session, team_id), now)


async def alerted(db: Database, team_id: int, start: datetime, end: datetime) -> list[int]:
    """Who was told of their pace in [start, end): for the coordinators' digest (delivered only)."""
    async with db.read() as session:
        rows = await session.scalars(
            select(Outbox.person_id)
            .join(Claim, Claim.id == Outbox.claim_id)
            .where(
                Claim.team_id == team_id,
                Claim.kind.startswith(KEY_PREFIX),
                Claim.claimed_at >= start,
                Claim.claimed_at < end,
                Outbox.status == OutboxStatus.SENT,
            )
            .distinct()
        )
        return [person_id for person_id in rows.all() if person_id is not None]
