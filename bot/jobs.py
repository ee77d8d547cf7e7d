"""Scheduled outputs: one path for the scheduler tick, `salesbot jobs run` and /digest.

`produce` renders an output for its recipients and claims it; `deliver` sends the outbox
through Telegram (PTB's AIORateLimiter keeps within Telegram's limits) and records each outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import Deps
from bot.render import Renderer, pick_locale
from bot.services import celebrations, contests, digests, meetings, outbox, rewards
from bot.services.access import TeamInfo
from bot.services.digests import Recipient
from bot.services.outbox import Envelope, Taken
from bot.services.schedule import Kind, TeamSchedule, days_to_close, due_day
from bot.telegram_text import split_message
from storage.db import Database
from storage.models import OutboxStatus, Person

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY = "already sent"
    NOTHING = "nothing to send"


@dataclass(frozen=True)
class JobResult:
    outcome: Outcome
    recipients: int = 0


def claim_day(kind: Kind, day: date) -> date:
    """The weekly digest is keyed by the Monday of its ISO week; the others by their own day."""
    return day - timedelta(days=day.weekday()) if kind is Kind.DIGEST_WEEKLY else day


def _envelopes(
    recipient: Recipient, text: str, buttons: list[list[tuple[str, str]]] | None = None, *, pin: bool = False
) -> list[Envelope]:
    parts = split_message(text)
    return [
        Envelope(
            recipient.chat_id,
            recipient.person_id,
            part,
            (buttons or []) if index == len(parts) - 1 else [],
            pin and index == 0,
        )
        for index, part in enumerate(parts)
    ]


async def render_output(
    db: Database,
    renderer: Renderer,
    default_locale: str,
    team: TeamInfo,
    schedule: TeamSchedule,
    kind: Kind,
    day: date,
) -> list[Envelope]:
    """The messages of one output, each in its recipient's language; [] when nobody receives it."""
    if kind is Kind.DAILY_POST:
        if team.group_chat_id is None:
            return []
        post = await digests.daily_post(db, team, schedule, day)
        text = renderer.render("daily_post", team.locale, post=post, team=team)
        return _envelopes(Recipient(team.group_chat_id, None, None), text, pin=True)
    if kind is Kind.NUDGE:
        out: list[Envelope] = []
        for rep in await digests.nudge_targets(db, team, day):
            locale = pick_locale(rep.language_code, team.locale, default_locale)
            buttons = [
                [(renderer.label(locale, "report_now"), "nudge:report")],
                [(renderer.label(locale, "no_sales_today"), f"nudge:none:{day.isoformat()}")],
            ]
            out += _envelopes(rep, renderer.render("nudge", locale, day=day), buttons)
        return out
    out = []
    content: object
    if kind is Kind.DIGEST_DAILY:
        content, template = await digests.daily_digest(db, team, schedule, day), "digest_daily"
    else:
        content, template = await digests.weekly_digest(db, team, day), "digest_weekly"
    for coordinator in await digests.coordinators(db, team.id):
        locale = pick_locale(coordinator.language_code, team.locale, default_locale)
        out += _envelopes(coordinator, renderer.render(template, locale, digest=content, team=team))
    return out


async def produce(
    db: Database,
    renderer: Renderer,
    default_locale: str,
    schedule: TeamSchedule,
    kind: Kind,
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> tuple[Outcome, int | None]:
    """Render and claim one output: (SENT, claim id) to deliver, ALREADY, or NOTHING (no claim)."""
    day = claim_day(kind, day)
    if kind is Kind.DAILY_REWARDS:
        return await close_day(db, renderer, default_locale, schedule, day, now, force=force)
    if not force and await outbox.is_claimed(db, schedule.team_id, kind, day):
        return Outcome.ALREADY, None
    team = await digests.team_info(db, schedule.team_id)
    envelopes = await render_output(db, renderer, default_locale, team, schedule, kind, day)
    if not envelopes:
        return Outcome.NOTHING, None
    claim_id = await outbox.claim(db, schedule.team_id, kind, day, envelopes, now, force=force)
    if claim_id is None:
        return Outcome.ALREADY, None
    return Outcome.SENT, claim_id


async def close_day(
    db: Database,
    renderer: Renderer,
    default_locale: str,
    schedule: TeamSchedule,
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> tuple[Outcome, int | None]:
    """The day close: claim, grants, badges and the reps' messages commit together, or not at all.

    It is claimed even when nobody earned anything: the claim is what marks the day closed.
    """
    team = await digests.team_info(db, schedule.team_id)
    async with db.write() as session:
        claim_id = await outbox.claim_in(session, team.id, Kind.DAILY_REWARDS, day, now, force=force)
        if claim_id is None:
            return Outcome.ALREADY, None
        earned = await rewards.close_in(session, team, schedule, day, now)
        people = {
            person.id: person
            for person in (await session.scalars(select(Person).where(Person.id.in_(earned.people)))).all()
        }
        envelopes: list[Envelope] = []
        for person_id in earned.people:
            locale = pick_locale(people[person_id].language_code, team.locale, default_locale)
            text = renderer.render(
                "rewards_earned",
                locale,
                grants=earned.of(person_id),
                badges=earned.badges.get(person_id, []),
                day=day,
            )
            envelopes += _envelopes(Recipient(person_id, person_id, None), text)
        outbox.queue_in(session, claim_id, envelopes, now)
    return Outcome.SENT, claim_id


def _markup(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )


class Deliverer:
    """Sends outbox rows; shared by every tick loop and the CLI."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self.deps = deps
        self.db = deps.db
        self.bot = bot
        self.renderer = deps.renderer
        self.default_locale = deps.settings.locale

    def now(self) -> datetime:
        return self.deps.clock()

    async def deliver(self, claim_id: int | None = None) -> None:
        for outbox_id in await outbox.pending_ids(self.db, claim_id):
            taken = await outbox.take(self.db, outbox_id, self.now())
            while taken is not None:
                taken = await self._send(taken)

    async def _send(self, taken: Taken) -> Taken | None:
        """Send one row and record what happened; returns the row again when it should be retried now."""
        db, now = self.db, self.now()
        try:
            message = await self.bot.send_message(
                chat_id=taken.chat_id,
                text=taken.text,
                parse_mode=ParseMode.HTML,
                reply_markup=_markup(taken.buttons),
            )
        except Forbidden as exc:
            await outbox.record(db, taken.outbox_id, OutboxStatus.FORBIDDEN, now, error=str(exc))
            if taken.person_id is not None:
                await outbox.unreachable(db, taken.team_id, taken.person_id, now)
            return None
        except ChatMigrated as exc:
            await outbox.chat_migrated(db, taken, exc.new_chat_id, now)
            return await outbox.take(db, taken.outbox_id, now)
        except RetryAfter as exc:
            # The rate limiter already waited and retried; wait once more here, then try again.
            await asyncio.sleep(
                exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else exc.retry_after
            )
            await outbox.retry_later(db, taken, now, str(exc))
            return await outbox.take(db, taken.outbox_id, self.now())
        except TimedOut as exc:
            # It may have arrived: record it as unknown rather than risk a second copy.
            await outbox.record(db, taken.outbox_id, OutboxStatus.UNKNOWN, now, error=str(exc))
            return None
        except BadRequest as exc:
            # Never retried: the same request would fail the same way (chat not found, bad markup).
            await outbox.record(db, taken.outbox_id, OutboxStatus.FAILED, now, error=str(exc))
            return None
        except NetworkError as exc:
            await outbox.retry_later(db, taken, now, str(exc))
            return None
        await outbox.record(db, taken.outbox_id, OutboxStatus.SENT, now, message_id=message.message_id)
        if taken.pin:
            await self._pin(taken, message.message_id)
        return None

    async def _pin(self, taken: Taken, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(
                chat_id=taken.chat_id, message_id=message_id, disable_notification=True
            )
        except (BadRequest, Forbidden) as exc:
            log.warning("cannot pin in chat %s: %s", taken.chat_id, exc)
            if await outbox.first_pin_refusal(self.db, taken.team_id):
                await self._tell_coordinators_about_pins(taken.team_id)
            return
        previous = await outbox.pinned(self.db, taken.team_id, message_id)
        if previous is not None and previous != message_id:
            try:
                await self.bot.unpin_chat_message(chat_id=taken.chat_id, message_id=previous)
            except (BadRequest, Forbidden) as exc:
                log.info("could not unpin %s in chat %s: %s", previous, taken.chat_id, exc)

    async def _tell_coordinators_about_pins(self, team_id: int) -> None:
        team = await digests.team_info(self.db, team_id)
        envelopes = []
        for coordinator in await digests.coordinators(self.db, team_id):
            locale = pick_locale(coordinator.language_code, team.locale, self.default_locale)
            envelopes += _envelopes(coordinator, self.renderer.render("pin_rights", locale, team=team))
        now = self.now()
        local_day = now.astimezone(digests.team_zone(team)).date()
        claim_id = await outbox.claim(self.db, team_id, "pin-rights", local_day, envelopes, now, force=False)
        if claim_id is not None:
            await self.deliver(claim_id)


def answer_buttons(renderer: Renderer, locale: str, meeting_id: int) -> list[list[tuple[str, str]]]:
    return [
        [
            (renderer.label(locale, "answer", value=value), f"ma:{meeting_id}:{value}")
            for value in meetings.ANSWERS
        ]
    ]


async def notify_attendees(
    deliverer: Deliverer,
    meeting: meetings.MeetingView,
    team: TeamInfo,
    template: str,
    key: str,
    recipients: list[meetings.AttendeeView],
    *,
    with_answers: bool = False,
) -> int:
    """Tell attendees about a meeting once per `key`, each in their language; returns recipients."""
    renderer, now = deliverer.renderer, deliverer.now()
    envelopes: list[Envelope] = []
    for person in recipients:
        locale = pick_locale(person.language_code, team.locale, deliverer.default_locale)
        text = renderer.render(template, locale, meeting=meeting, team=team, attendee=person)
        buttons = answer_buttons(renderer, locale, meeting.id) if with_answers else None
        envelopes += _envelopes(Recipient(person.person_id, person.person_id, None), text, buttons)
    if not envelopes:
        return 0
    day = meeting.starts_at.astimezone(digests.team_zone(team)).date()
    claim_id = await outbox.claim(deliverer.db, team.id, key, day, envelopes, now, force=False)
    if claim_id is None:
        return 0
    await deliverer.deliver(claim_id)
    return await outbox.sent_recipients(deliverer.db, claim_id)


async def send_reminders(deliverer: Deliverer) -> None:
    for due in await meetings.due_reminders(deliverer.db, deliverer.now()):
        team = await digests.team_info(deliverer.db, due.team_id)
        await notify_attendees(deliverer, due.meeting, team, "meeting_reminder", due.key, due.recipients)


async def notify_people(
    deliverer: Deliverer,
    team: TeamInfo,
    people: list[tuple[int, str | None]],
    key: str,
    template: str,
    buttons: Callable[[str], list[list[tuple[str, str]]]] | None,
    **values: object,
) -> None:
    """One message to each of `people` (id, language) in their private chats, once per `key`."""
    envelopes: list[Envelope] = []
    for person_id, language_code in people:
        locale = pick_locale(language_code, team.locale, deliverer.default_locale)
        text = deliverer.renderer.render(template, locale, team=team, **values)
        envelopes += _envelopes(
            Recipient(person_id, person_id, None), text, buttons(locale) if buttons else None
        )
    claim_id = await outbox.claim(
        deliverer.db, team.id, key, date.min, envelopes, deliverer.now(), force=False
    )
    if claim_id is not None:
        await deliverer.deliver(claim_id)


async def post_to_group(
    deliverer: Deliverer, team_id: int, key: str, template: str, **values: object
) -> bool:
    """One message to the team's group, once per `key`; False when there is no group or it was sent."""
    team = await digests.team_info(deliverer.db, team_id)
    if team.group_chat_id is None or await outbox.is_claimed(deliverer.db, team_id, key, date.min):
        return False
    text = deliverer.renderer.render(template, team.locale, team=team, **values)
    envelopes = _envelopes(Recipient(team.group_chat_id, None, None), text)
    claim_id = await outbox.claim(
        deliverer.db, team_id, key, date.min, envelopes, deliverer.now(), force=False
    )
    if claim_id is None:
        return False
    await deliverer.deliver(claim_id)
    return True


async def contest_events(deliverer: Deliverer) -> None:
    """Starts, leader changes (at most hourly) and ends, each posted in the group once."""
    db, now = deliverer.db, deliverer.now()
    posts = [
        (team_id, f"contest-start:{contest.id}", "contest_started", contest)
        for team_id, contest in await contests.starting(db, now)
    ]
    posts += [
        (team_id, f"contest-lead:{contest.id}:{now:%Y%m%d%H%M}", "contest_leader", contest)
        for team_id, contest in await contests.leader_changes(db, now)
    ]
    await contests.finish_due(db, now)
    # Every contest finished lately is offered for its end post: the claim makes it once, and
    # a crash between the results and the post is mended on the next tick.
    posts += [
        (team_id, f"contest-end:{contest.id}", "contest_ended", contest)
        for team_id, contest in await contests.recently_finished(db, now)
    ]
    for team_id, key, template, contest in posts:
        try:
            await post_to_group(deliverer, team_id, key, template, contest=contest)
        except Exception:  # one group's failure must not cost the others their post
            log.exception("contest post %s failed", key)


async def cheer(deliverer: Deliverer, team_id: int) -> None:
    """At most one cheer a minute per group, combining whatever happened since the last one."""
    now = deliverer.now()
    team = await digests.team_info(deliverer.db, team_id)

    async def queue(session: AsyncSession, cheers: list[celebrations.Cheer]) -> int | None:
        if team.group_chat_id is None:
            return None  # no group to cheer in: the moments pass
        text = deliverer.renderer.render("cheer", team.locale, team=team, cheers=cheers)
        claim_id = await outbox.claim_in(
            session, team_id, f"cheer:{now:%Y%m%d%H%M%S%f}", date.min, now, force=False
        )
        if claim_id is not None:
            outbox.queue_in(
                session, claim_id, _envelopes(Recipient(team.group_chat_id, None, None), text), now
            )
        return claim_id

    claim_id = await celebrations.take_safely(deliverer.db, team_id, now, queue)
    if claim_id is not None:
        await deliverer.deliver(claim_id)


async def run_job(
    deliverer: Deliverer, schedule: TeamSchedule, kind: Kind, day: date, *, force: bool = False
) -> JobResult:
    """`salesbot jobs run`: produce now, on any day, through the scheduler's claim."""
    deps = deliverer.deps
    outcome, claim_id = await produce(
        deps.db, deps.renderer, deps.settings.locale, schedule, kind, day, deps.clock(), force=force
    )
    if claim_id is None:
        return JobResult(outcome)
    await deliverer.deliver(claim_id)
    return JobResult(Outcome.SENT, await outbox.sent_recipients(deps.db, claim_id))


async def tick(deliverer: Deliverer) -> None:
    """What is due now in every team's zone: claim it, then send whatever is pending."""
    deps = deliverer.deps
    now = deps.clock()
    await outbox.settle_in_flight(deps.db, now)
    for schedule in await digests.schedules(deps.db):
        for kind in Kind:
            if kind is Kind.DAILY_REWARDS:
                days = [
                    d
                    for d in days_to_close(schedule, now)
                    if not await outbox.is_claimed(deps.db, schedule.team_id, kind, d)
                ]
            else:
                due = due_day(schedule, kind, now)
                days = [] if due is None else [due]
            for day in days:
                try:
                    await produce(deps.db, deps.renderer, deps.settings.locale, schedule, kind, day, now)
                except Exception:  # one team's failure must not stop the others
                    log.exception("producing %s for team %s failed", kind, schedule.name)
    for step in (send_reminders, contest_events):
        try:
            await step(deliverer)
        except Exception:  # one step failing must not stop the others or the pending fan-outs
            log.exception("scheduler step %s failed", step.__name__)
    for team_id in await celebrations.teams_with_pending(deps.db):
        await cheer(deliverer, team_id)
    await deliverer.deliver()
