"""The live board: the team group's pinned "today" message, kept current as sales come in.

It starts with the day's first sale, is edited at most once a minute and only when what it shows
changed, and gets its final edit at the post time, when the daily post takes over. The rules are
here; `bot.scheduler.live_boards` does the Telegram part and reports back what happened.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import contests, digests
from bot.services.access import TeamInfo
from bot.services.contests import Entry
from bot.services.periods import Period, days_span, fire_at, local_date, local_midnight, period_span
from bot.services.quiet_hours import team_is_quiet
from bot.services.results import RankRow, rank_rows, totals_by_person
from bot.services.schedule import CATCH_UP, Kind, TeamSchedule, is_post_day
from bot.services.targets import month_start, team_target
from storage.db import Database
from storage.models import Claim, Contest, LiveBoard, Outbox, OutboxStatus, Sale, Team
from storage.queries import insert_ignore, members

# Telegram counts edits toward a group's 20 messages a minute; a board busier than this would
# crowd out the cheers and posts that share the budget.
EDIT_GAP = timedelta(minutes=1)
# A post begun but never confirmed (a crash, a refusal) is tried again after this long.
RETRY_GAP = timedelta(minutes=1)
# The board's rows: a group message of 300 names is not read; the daily post has them all.
TOP_ROWS = 10
# Leaders tied for first shown per contest: a tie of 300 in a count contest must still fit.
LEADERS_SHOWN = 3


@dataclass(frozen=True)
class ContestLead:
    title: str
    kind: str
    leaders: list[Entry]


@dataclass(frozen=True)
class Board:
    day: date
    rows: list[RankRow]
    ranked: int
    total_minor: int
    count: int
    month_total_minor: int
    month_target_minor: int | None
    contests: list[ContestLead] = field(default_factory=list)
    final: bool = False

    @property
    def month_percent(self) -> int | None:
        if not self.month_target_minor:
            return None
        return self.month_total_minor * 100 // self.month_target_minor


def digest_of(text: str) -> str:
    """What the board shows, as a short fingerprint: an edit happens only when it changes."""
    return hashlib.sha256(text.encode()).hexdigest()


class Step(StrEnum):
    POST = "post"  # no message yet (or the last one is gone): send one and pin it
    EDIT = "edit"  # what it shows changed and a minute has passed
    FINAL = "final"  # the post time came: the last edit, then unpin
    DROP = "drop"  # its group is no longer the team's: finished without a word


# `digest` of a board whose post is under way: if its answer is lost (a timeout, a crash), the
# post may have arrived, so it is never sent again; a refused post clears the mark.
POSTING = "posting"


@dataclass(frozen=True)
class Due:
    step: Step
    team: TeamInfo
    day: date
    chat_id: int
    message_id: int | None
    digest: str | None


async def board(db: Database, team: TeamInfo, day: date, now: datetime, *, final: bool = False) -> Board:
    """The day's ranking (top rows), team totals, the month against the target, contest leaders."""
    async with db.read() as session:
        names = {person.id: person.display_name for person in await members.active_people(session, team.id)}
        totals = await totals_by_person(session, team.id, days_span(day, day, team.zone))
        month = await totals_by_person(session, team.id, period_span(Period.MONTH, day, team.zone))
        target = await team_target(session, team.id, month_start(day))
        leads = await _contest_leads(session, team.id, now)
    rows = rank_rows(totals, names)
    return Board(
        day,
        rows[:TOP_ROWS],
        len(rows),
        sum(total for total, _ in totals.values()),
        sum(count for _, count in totals.values()),
        sum(total for total, _ in month.values()),
        target,
        leads,
        final,
    )


async def _contest_leads(session: AsyncSession, team_id: int, now: datetime) -> list[ContestLead]:
    running = (
        await session.scalars(
            select(Contest)
            .where(Contest.team_id == team_id, Contest.starts_at <= now, Contest.ends_at > now)
            .order_by(Contest.ends_at, Contest.id)
        )
    ).all()
    leads = []
    for contest in running:
        standings, _ = await contests.compute(session, contest, now)
        leaders = [entry for entry in standings if entry.place == 1][:LEADERS_SHOWN]
        if leaders:
            leads.append(ContestLead(contest.title, contest.kind, leaders))
    return leads


def _post_at(schedule: TeamSchedule, day: date) -> datetime:
    return fire_at(day, schedule.post_time, schedule.zone)


async def due(db: Database, now: datetime) -> list[Due]:
    """Every board that needs Telegram now: to be posted, edited (if changed) or finished.

    Each one returned is taken here (its `checked_at` moved by a compare-and-set), so two ticks
    or two processes never both edit, re-post or finish the same board.
    """
    out: list[Due] = []
    schedules = {s.team_id: s for s in await digests.schedules(db)}
    async with db.read() as session:
        open_boards = (await session.scalars(select(LiveBoard).where(LiveBoard.final.is_(False)))).all()
        open_teams = {row.team_id for row in open_boards}
        rows = (
            await session.scalars(
                select(Team).where(or_(Team.group_chat_id.is_not(None), Team.id.in_(open_teams)))
            )
        ).all()
    teams_by_id = {team.id: team for team in rows}
    # In the quiet hours the board stands still (its final edit comes at the post time, never quiet).
    quiet = {team.id for team in rows if team_is_quiet(team, now)}
    started = set()
    for row in open_boards:
        started.add((row.team_id, row.day))
        schedule, team_row = schedules.get(row.team_id), teams_by_id.get(row.team_id)
        if schedule is None or team_row is None:
            continue
        team = TeamInfo.of(team_row)
        step: Step | None = None
        if team.group_chat_id != row.chat_id:
            step = Step.DROP  # the group was unlinked or replaced: the old board is left alone
        elif now >= _post_at(schedule, row.day):
            if await _daily_post_done(db, schedule, row.day, now):
                step = Step.FINAL
        elif row.team_id in quiet:
            continue
        elif row.message_id is None:
            # Posting now, or a post whose answer was lost: only a refused post is tried again.
            if row.digest != POSTING and row.checked_at <= now - RETRY_GAP:
                step = Step.POST
        elif row.checked_at <= now - EDIT_GAP:
            step = Step.EDIT
        if step is not None and await _take(db, row, now, posting=step is Step.POST):
            out.append(Due(step, team, row.day, row.chat_id, row.message_id, row.digest))
    for team_id, team_row in teams_by_id.items():
        schedule = schedules.get(team_id)
        if schedule is None or team_row.group_chat_id is None:
            continue
        today = local_date(now, schedule.zone)
        # Only on post days: the board gives way to the daily post, and other days have none.
        if (
            (team_id, today) in started
            or team_id in quiet
            or not is_post_day(schedule, today)
            or now >= _post_at(schedule, today)
        ):
            continue
        if not await _sold_since(db, team_id, local_midnight(today, schedule.zone)):
            continue
        if await begin(db, team_id, today, team_row.group_chat_id, now):
            out.append(Due(Step.POST, TeamInfo.of(team_row), today, team_row.group_chat_id, None, None))
    return out


async def _take(db: Database, row: LiveBoard, now: datetime, *, posting: bool) -> bool:
    """Compare-and-set on `checked_at`: True for the one caller that may act on the board now."""
    values: dict[str, object] = {"checked_at": now}
    if posting:
        values["digest"] = POSTING
    async with db.write() as session:
        result = await session.execute(
            update(LiveBoard)
            .where(
                LiveBoard.team_id == row.team_id,
                LiveBoard.day == row.day,
                LiveBoard.checked_at == row.checked_at,
                LiveBoard.final.is_(False),
            )
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def _sold_since(db: Database, team_id: int, start: datetime) -> bool:
    """One index seek (team, occurred_at): cheap enough for every linked team on every tick."""
    async with db.read() as session:
        found = await session.scalar(
            select(Sale.person_id)
            .where(Sale.team_id == team_id, Sale.occurred_at >= start, Sale.voided_at.is_(None))
            .limit(1)
        )
    return found is not None


async def _daily_post_done(db: Database, schedule: TeamSchedule, day: date, now: datetime) -> bool:
    """Whether the day's daily post went out (so the board may give way), or never will."""
    if not is_post_day(schedule, day) or now >= _post_at(schedule, day) + CATCH_UP:
        return True
    async with db.read() as session:
        claim_id = await session.scalar(
            select(Claim.id).where(
                Claim.team_id == schedule.team_id, Claim.kind == Kind.DAILY_POST, Claim.day == day
            )
        )
        if claim_id is None:
            return False
        waiting = await session.scalar(
            select(Outbox.id).where(
                Outbox.claim_id == claim_id,
                Outbox.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
        )
    return waiting is None


async def begin(db: Database, team_id: int, day: date, chat_id: int, now: datetime) -> bool:
    """Take the day's board before posting it: True for the one caller that may post."""
    values = {
        "team_id": team_id,
        "day": day,
        "chat_id": chat_id,
        "checked_at": now,
        "digest": POSTING,
        "final": False,
    }
    async with db.write() as session:
        return await insert_ignore(session, LiveBoard, values, ["team_id", "day"])


async def posted(db: Database, team_id: int, day: date, message_id: int, digest: str, now: datetime) -> None:
    await _set(db, team_id, day, message_id=message_id, digest=digest, checked_at=now)


async def edited(db: Database, team_id: int, day: date, digest: str, now: datetime) -> None:
    await _set(db, team_id, day, digest=digest, checked_at=now)


async def reposting(db: Database, team_id: int, day: date) -> None:
    """The board is gone from the group: a new one is posted, under the same never-twice mark."""
    await _set(db, team_id, day, message_id=None, digest=POSTING)


async def failed(db: Database, team_id: int, day: date, now: datetime) -> None:
    """The post provably did not arrive (refused for now, never sent): tried again after the gap."""
    await _set(db, team_id, day, message_id=None, digest=None, checked_at=now)


async def moved(db: Database, team_id: int, day: date, chat_id: int) -> None:
    """The group became a supergroup: the board goes on in the new chat."""
    await _set(db, team_id, day, chat_id=chat_id, message_id=None, digest=None)


async def finished(db: Database, team_id: int, day: date) -> None:
    await _set(db, team_id, day, final=True)


async def _set(db: Database, team_id: int, day: date, **values: object) -> None:
    async with db.write() as session:
        await session.execute(
            update(LiveBoard).where(LiveBoard.team_id == team_id, LiveBoard.day == day).values(**values)
        )
