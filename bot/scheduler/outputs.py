"""Scheduled outputs: one path for the scheduler tick, `salesbot jobs run` and /digest.

`produce` renders an output for its recipients and claims it; the delivery then sends the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from bot import chart_pictures
from bot.callbacks import Prefix, encode
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer, envelopes_for
from bot.services import chart_data, digests, outbox, rewards
from bot.services.access import TeamInfo
from bot.services.digests import Nudge, Recipient
from bot.services.outbox import Envelope
from bot.services.schedule import Kind, TeamSchedule
from bot.settings import pick_locale
from storage.db import Database
from storage.models import Person


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
        return envelopes_for(Recipient(team.group_chat_id, None, None), text, pin=True)
    if kind is Kind.NUDGE:
        out: list[Envelope] = []
        for rep in await digests.nudge_targets(db, team, day):
            locale = pick_locale(rep.language_code, team.locale, default_locale)
            report, none = renderer.label(locale, "report_now"), renderer.label(locale, "no_sales_today")
            buttons = [
                [(report, encode(Prefix.NUDGE, Nudge.REPORT))],
                [(none, encode(Prefix.NUDGE, Nudge.NO_SALES, day.isoformat()))],
            ]
            out += envelopes_for(rep, renderer.render("nudge", locale, day=day), buttons)
        return out
    out = []
    content: object
    if kind is Kind.DIGEST_DAILY:
        content, template = await digests.daily_digest(db, team, schedule, day), "digest_daily"
    else:
        content, template = await digests.weekly_digest(db, team, day), "digest_weekly"
    series = await chart_data.four_weeks(db, team, day) if kind is Kind.DIGEST_WEEKLY else None
    charts: dict[str, bytes] = {}
    for coordinator in await digests.coordinators(db, team.id):
        locale = pick_locale(coordinator.language_code, team.locale, default_locale)
        out += envelopes_for(coordinator, renderer.render(template, locale, digest=content, team=team))
        if series is not None:
            # The chart goes in the same claim as the text: sent once, after it.
            if locale not in charts:
                charts[locale] = await chart_pictures.team_weeks(renderer, locale, team, series)
            caption = renderer.label(locale, "chart_caption")
            out.append(Envelope(coordinator.chat_id, coordinator.person_id, caption, photo=charts[locale]))
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
            envelopes += envelopes_for(Recipient(person_id, person_id, None), text)
        outbox.queue_in(session, claim_id, envelopes, now)
    return Outcome.SENT, claim_id


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
