"""Monthly targets (sales norms) per rep and for the team, and progress against them.

A target applies to its month and the months after, until changed. Progress counts post days:
elapsed and remaining both count today until the day closes (the day-close claim exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor, TeamInfo
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import AmountError, parse_amount
from bot.services.periods import Period, fold_word, local_date, period_span
from bot.services.results import competition_ranks, totals_by_person
from bot.services.schedule import TeamSchedule, is_post_day
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import TEAM_TARGET, Claim, Member, Person, Role, Target
from storage.queries import days_off, members, upsert

DAY_CLOSE = "daily-rewards"
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class TargetStep(StrEnum):
    AMOUNT = "amount"


@dataclass
class TargetData(DraftData):
    """Whose target the typed amount sets (TEAM_TARGET for the team's own)."""

    person_id: int = TEAM_TARGET


WIZARD = Wizard(DraftKind.TARGET, TargetStep, TargetData)


def month_start(day: date) -> date:
    return day.replace(day=1)


def this_month(team: TeamInfo, now: datetime) -> date:
    return month_start(local_date(now, team.zone))


def parse_target_amount(text: str, max_minor: int) -> int:
    """A typed amount, or a refusal that says what is wrong with it."""
    try:
        return parse_amount(text, max_minor=max_minor)
    except AmountError as error:
        raise Refused(Reason.TARGET_AMOUNT, problem=str(error.problem)) from error


def month_days(first: date) -> list[date]:
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((following - first).days)]


def post_days_in_month(schedule: TeamSchedule, day: date) -> list[date]:
    return [d for d in month_days(month_start(day)) if is_post_day(schedule, d)]


async def target_of(session: AsyncSession, team_id: int, person_id: int, month: date) -> int | None:
    """The target in force for `month`: the latest one set for it or an earlier month."""
    amount = await session.scalar(
        select(Target.amount_minor)
        .where(Target.team_id == team_id, Target.person_id == person_id, Target.month <= month)
        .order_by(Target.month.desc())
        .limit(1)
    )
    return int(amount) if amount is not None else None


async def rep_targets(session: AsyncSession, team_id: int, month: date) -> dict[int, int]:
    """Every current rep's target in force for `month` (reps without one are left out).

    One statement for the team (each rep's rows newest month first, the first one kept), not one
    per rep: the digest, the daily rewards and the pace alerts all ask for the whole team."""
    rows = await session.execute(
        select(Target.person_id, Target.amount_minor)
        .join(Member, and_(Member.person_id == Target.person_id, members.active_in(team_id, Role.REP)))
        .where(Target.team_id == team_id, Target.month <= month)
        .order_by(Target.person_id, Target.month.desc())
    )
    out: dict[int, int] = {}
    for person_id, amount in rows:
        out.setdefault(person_id, int(amount))
    return out


async def team_target(session: AsyncSession, team_id: int, month: date) -> int | None:
    """The team's own target when set, else the sum of its reps' targets."""
    own = await target_of(session, team_id, TEAM_TARGET, month)
    if own is not None:
        return own
    targets = await rep_targets(session, team_id, month)
    return sum(targets.values()) if targets else None


@dataclass(frozen=True)
class TargetSubject:
    person_id: int  # TEAM_TARGET for the team
    name: str


@dataclass(frozen=True)
class SetTarget:
    subject: TargetSubject
    amount_minor: int
    month: date


async def set_target(
    db: Database, actor: Actor, person_id: int, amount_minor: int, month: date, now: datetime
) -> SetTarget:
    team = actor.require_coordinator()
    async with db.write() as session:
        return await _set_in(session, team, actor.person_id, person_id, amount_minor, month, now)


async def _set_in(
    session: AsyncSession,
    team: TeamInfo,
    set_by: int,
    person_id: int,
    amount_minor: int,
    month: date,
    now: datetime,
) -> SetTarget:
    if person_id == TEAM_TARGET:
        subject = TargetSubject(TEAM_TARGET, team.name)
    else:
        rep = await session.scalar(members.people_stmt(team.id, Role.REP).where(Person.id == person_id))
        # Targets are for reps; another team's person is treated like a missing one.
        if rep is None:
            raise Refused(Reason.NOT_A_REP)
        subject = TargetSubject(rep.id, rep.display_name)
    await upsert(
        session,
        Target,
        {
            "team_id": team.id,
            "person_id": person_id,
            "month": month,
            "amount_minor": amount_minor,
            "set_by": set_by,
            "set_at": now,
        },
        conflict=["team_id", "person_id", "month"],
        update=["amount_minor", "set_by", "set_at"],
    )
    return SetTarget(subject, amount_minor, month)


async def begin(db: Database, actor: Actor, person_id: int, now: datetime) -> date:
    """The coordinator picked whose target to set: the next typed message is its amount.

    Returns the month the target will start in.
    """
    team = actor.require_coordinator()
    if person_id != TEAM_TARGET:
        # Refused now, not after the amount is typed: a forged id must not replace the open draft.
        async with db.read() as session:
            stmt = members.people_stmt(team.id, Role.REP).where(Person.id == person_id)
            if await session.scalar(stmt) is None:
                raise Refused(Reason.NOT_A_REP)
    await WIZARD.start(db, actor.person_id, now, TargetStep.AMOUNT, TargetData(person_id))
    return this_month(team, now)


async def answer(db: Database, actor: Actor, text: str, max_minor: int, now: datetime) -> SetTarget:
    """The typed amount: the target is set and the draft ended in one transaction.

    A refused amount (or person) leaves the draft, so the coordinator can type again.
    """
    amount = parse_target_amount(text, max_minor)
    team = actor.require_coordinator()
    token = (await WIZARD.load(db, actor.person_id, None, now)).token
    async with db.write() as session:
        state = await WIZARD.finish(session, actor.person_id, token, TargetStep.AMOUNT, now)
        return await _set_in(
            session, team, actor.person_id, state.data.person_id, amount, this_month(team, now), now
        )


async def quick(db: Database, actor: Actor, args: str, max_minor: int, now: datetime) -> SetTarget:
    """`/target @username AMOUNT [YYYY-MM]` or `/target team AMOUNT [YYYY-MM]`."""
    team = actor.require_coordinator()
    words = args.split()
    if len(words) < 2:
        raise Refused(Reason.TARGET_USAGE)
    month = this_month(team, now)
    if _MONTH.match(words[-1]):
        try:
            month = date.fromisoformat(words[-1] + "-01")
        except ValueError as exc:
            raise Refused(Reason.TARGET_USAGE) from exc
        words = words[:-1]
    who, amount_text = words[0], " ".join(words[1:])
    amount = parse_target_amount(amount_text, max_minor)
    if fold_word(who) in ("team", "zespol"):
        return await set_target(db, actor, TEAM_TARGET, amount, month, now)
    username = who.removeprefix("@").casefold()
    async with db.read() as session:
        person = await session.scalar(
            members.people_stmt(team.id).where(func.lower(Person.username) == username)
        )
    if person is None:
        raise Refused(Reason.NOT_A_REP)
    return await set_target(db, actor, person.id, amount, month, now)


async def day_closed(db: Database, team_id: int, day: date) -> bool:
    async with db.read() as session:
        found = await session.scalar(
            select(Claim.id)
            .where(Claim.team_id == team_id, Claim.kind == DAY_CLOSE, Claim.day == day)
            .limit(1)
        )
    return found is not None


async def close_times(session: AsyncSession, team_id: int) -> dict[date, datetime]:
    """When each of the team's days was first closed: a void or correction after it is late."""
    rows = await session.execute(
        select(Claim.day, func.min(Claim.claimed_at))
        .where(Claim.team_id == team_id, Claim.kind == DAY_CLOSE)
        .group_by(Claim.day)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class Progress:
    target_minor: int | None
    total_minor: int
    elapsed: int
    remaining: int
    post_days: int

    @property
    def percent(self) -> int | None:
        if not self.target_minor:
            return None
        return self.total_minor * 100 // self.target_minor

    @property
    def projected_minor(self) -> int | None:
        """The month's end at the current average per elapsed post day (none before one elapses)."""
        if self.elapsed == 0:
            return None
        return self.total_minor * self.post_days // self.elapsed

    @property
    def short_minor(self) -> int:
        return max(0, (self.target_minor or 0) - self.total_minor)

    @property
    def needed_per_day_minor(self) -> int | None:
        if self.target_minor is None or self.remaining == 0:
            return None
        return -(-self.short_minor // self.remaining)  # rounded up: a grosz short is still short


def count_days(post_days: list[date], today: date, closed: bool) -> tuple[int, int]:
    """(elapsed, remaining) post days; today counts in both until the day closes."""
    elapsed = sum(1 for d in post_days if d <= today)
    remaining = sum(1 for d in post_days if d > today) + (1 if today in post_days and not closed else 0)
    return elapsed, remaining


async def progress(
    db: Database, team: TeamInfo, schedule: TeamSchedule, person_id: int, now: datetime
) -> Progress:
    zone = team.zone
    today = local_date(now, zone)
    month = month_start(today)
    span = period_span(Period.MONTH, today, zone)
    days = post_days_in_month(schedule, today)
    async with db.read() as session:
        target = await target_of(session, team.id, person_id, month)
        total = (await totals_by_person(session, team.id, span)).get(person_id, (0, 0))[0]
        if days:
            # The person's own days off are no post days for their pace and "needed per day".
            off = (await days_off.away(session, team.id, days[0], days[-1], [person_id])).get(
                person_id, set()
            )
            days = [d for d in days if d not in off]
    elapsed, remaining = count_days(days, today, await day_closed(db, team.id, today))
    return Progress(target, total, elapsed, remaining, len(days))


@dataclass(frozen=True)
class PercentRow:
    rank: int
    person_id: int
    name: str
    percent: int
    total_minor: int
    target_minor: int


async def percent_ranking(db: Database, team: TeamInfo, now: datetime) -> list[PercentRow]:
    """The month ranked by % of target: a new rep with a small target can lead."""
    zone = team.zone
    today = local_date(now, zone)
    span = period_span(Period.MONTH, today, zone)
    async with db.read() as session:
        targets = await rep_targets(session, team.id, month_start(today))
        totals = await totals_by_person(session, team.id, span)
        names = {
            p.id: p.display_name
            for p in (await session.scalars(select(Person).where(Person.id.in_(list(targets))))).all()
        }
    rows = sorted(
        (
            (totals.get(pid, (0, 0))[0] * 100 // target, pid, totals.get(pid, (0, 0))[0], target)
            for pid, target in targets.items()
            if target > 0
        ),
        key=lambda r: (-r[0], names[r[1]].casefold()),
    )
    ranks = competition_ranks([percent for percent, *_ in rows])
    return [
        PercentRow(rank, pid, names[pid], percent, total, target)
        for rank, (percent, pid, total, target) in zip(ranks, rows, strict=True)
    ]
