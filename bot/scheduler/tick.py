"""The scheduler tick: what is due now in every team's zone is claimed, then the outbox is sent."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from bot.deps import BotContext
from bot.scheduler.delivery import Deliverer
from bot.scheduler.live_boards import live_boards
from bot.scheduler.manager_digests import manager_digests
from bot.scheduler.notices import announcement_reports, cheer, notify_attendees, notify_people, post_to_group
from bot.scheduler.outputs import produce
from bot.scheduler.pace import pace_alerts_step
from bot.scheduler.play import duel_events
from bot.scheduler.retention import daily_prune
from bot.scheduler.task_reminders import task_reminders
from bot.services import celebrations, client_lapses, contests, digests, meetings, outbox
from bot.services.access import TeamInfo
from bot.services.schedule import DIGEST_TIME, Kind, days_to_close, due_day
from storage.db import is_unavailable

log = logging.getLogger(__name__)

TICK_INTERVAL = timedelta(seconds=30)
# Key-client reminders go out in the team's daytime: a lapse noticed at night waits for the morning.
REMINDERS_UNTIL = time(20, 0)


async def send_reminders(deliverer: Deliverer) -> None:
    for due in await meetings.due_reminders(deliverer.db, deliverer.now()):
        team = await digests.team_info(deliverer.db, due.team_id)
        await notify_attendees(
            deliverer.deps, deliverer.bot, due.meeting, team, "meeting_reminder", due.key, due.recipients
        )


async def key_client_reminders(deliverer: Deliverer) -> None:
    """Each lapsed key client's owner, once per lapse (the claim key holds the lapse's start)."""
    db, now = deliverer.db, deliverer.now()
    teams: dict[int, TeamInfo] = {}
    for lapse in await client_lapses.due_reminders(db, now):
        if lapse.team_id not in teams:
            teams[lapse.team_id] = await digests.team_info(db, lapse.team_id)
        team = teams[lapse.team_id]
        if not DIGEST_TIME <= now.astimezone(team.zone).time() < REMINDERS_UNTIL or lapse.owner_id is None:
            continue
        if await outbox.is_claimed(db, team.id, lapse.key, date.min):
            continue
        await notify_people(
            deliverer.deps,
            deliverer.bot,
            team,
            [(lapse.owner_id, lapse.owner_language)],
            lapse.key,
            "key_client_reminder",
            None,
            lapse=lapse,
        )


async def contest_events(deliverer: Deliverer) -> None:
    """Starts, leader changes (at most hourly), countdowns and ends, each posted in the group once."""
    db, now = deliverer.db, deliverer.now()
    Post = tuple[int, str, str, contests.ContestView, dict[str, object]]
    posts: list[Post] = [
        (team_id, f"contest-start:{contest.id}", "contest_started", contest, {})
        for team_id, contest in await contests.starting(db, now)
    ]
    posts += [
        (team_id, f"contest-lead:{contest.id}:{now:%Y%m%d%H%M}", "contest_leader", contest, {})
        for team_id, contest in await contests.leader_changes(db, now)
    ]
    # Long rounds count down in the group: at the start, at half time and on the last day, once each.
    posts += [
        (team_id, f"contest-countdown:{contest.id}:{phase}", "contest_countdown", contest, {"phase": phase})
        for team_id, phase, contest in await contests.countdowns(db, now)
    ]
    await contests.finish_due(db, now)
    # Every contest finished lately is offered for its end post: the claim makes it once, and
    # a crash between the results and the post is mended on the next tick.
    posts += [
        (team_id, f"contest-end:{contest.id}", "contest_ended", contest, {})
        for team_id, contest in await contests.recently_finished(db, now)
    ]
    for team_id, key, template, contest, extra in posts:
        if key.startswith("contest-countdown:") and await contests.is_quiet(db, team_id, now):
            # A countdown is about a day (the start, half time, the last day), not a moment: one
            # due in the quiet hours (the last day begins at midnight) waits for the morning.
            continue
        try:
            await post_to_group(
                deliverer.deps, deliverer.bot, team_id, key, template, contest=contest, now=now, **extra
            )
        except Exception:  # one group's failure must not cost the others their post
            log.exception("contest post %s failed", key)


async def tick(deliverer: Deliverer) -> None:
    """What is due now in every team's zone: claim it, then send whatever is pending."""
    deps = deliverer.deps
    now = deps.clock()
    await outbox.settle_in_flight(deps.db, now)
    schedules = await digests.schedules(deps.db)
    to_close = {s.team_id: days_to_close(s, now) for s in schedules}
    earliest = min((days[0] for days in to_close.values() if days), default=None)
    closed = set() if earliest is None else await outbox.claimed_days(deps.db, Kind.DAILY_REWARDS, earliest)
    for schedule in schedules:
        for kind in Kind:
            if kind is Kind.DAILY_REWARDS:
                days = [d for d in to_close[schedule.team_id] if (schedule.team_id, d) not in closed]
            else:
                due = due_day(schedule, kind, now)
                days = [] if due is None else [due]
            for day in days:
                try:
                    await produce(deps.db, deps.renderer, deps.settings.locale, schedule, kind, day, now)
                except Exception:  # one team's failure must not stop the others
                    log.exception("producing %s for team %s failed", kind, schedule.name)
    steps = (
        send_reminders,
        key_client_reminders,
        contest_events,
        duel_events,
        task_reminders,
        manager_digests,
        live_boards,
        pace_alerts_step,
        daily_prune,
    )
    for step in steps:
        try:
            await step(deliverer)
        except Exception:  # one step failing must not stop the others or the pending fan-outs
            log.exception("scheduler step %s failed", step.__name__)
    for team_id in await celebrations.teams_with_pending(deps.db):
        await cheer(deliverer.deps, deliverer.bot, team_id)
    await deliverer.deliver()
    try:  # announcements whose last messages went out just now: their authors are told
        await announcement_reports(deliverer)
    except Exception:
        log.exception("announcement reports failed")


async def scheduler_job(context: BotContext) -> None:
    """The JobQueue's repeating job: one tick; a failing tick must not stop the schedule."""
    if context.deps.lock_lost:
        return  # not active for now (see Deps.lock_lost)
    try:
        await tick(Deliverer(context.deps, context.bot))
    except Exception as exc:  # the next tick tries again
        if is_unavailable(exc):  # an outage skips ticks: said in one line, not a traceback each time
            log.warning("the database is unavailable; scheduler tick skipped: %s", exc)
        else:
            log.exception("scheduler tick failed")
