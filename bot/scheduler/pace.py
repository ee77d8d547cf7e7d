"""Pace alerts at the nudge time of the first post day on or after the 10th and the 20th."""

from __future__ import annotations

from bot.scheduler.delivery import Deliverer, envelopes_for
from bot.services import digests, outbox, pace_alerts
from bot.services.digests import Recipient
from bot.services.outbox import Envelope
from bot.services.periods import fire_at
from bot.services.schedule import CATCH_UP
from bot.settings import pick_locale


async def pace_alerts_step(deliverer: Deliverer) -> None:
    """Each rep behind pace, one private message per check; claimed even when nobody is behind."""
    db, now = deliverer.db, deliverer.now()
    for schedule in await digests.schedules(db):
        today = now.astimezone(schedule.zone).date()
        check = pace_alerts.check_of(schedule, today)
        if check is None:
            continue
        start = fire_at(today, schedule.nudge_time, schedule.zone)
        key, claim_day = pace_alerts.claim_of(today, check)
        if not start <= now < start + CATCH_UP or await outbox.is_claimed(
            db, schedule.team_id, key, claim_day
        ):
            continue
        if await pace_alerts.is_quiet(db, schedule.team_id, now):
            continue  # a late catch-up into the night: the alert's moment has passed
        team = await digests.team_info(db, schedule.team_id)
        envelopes: list[Envelope] = []
        for rep in await pace_alerts.behind(db, team, schedule, today):
            locale = pick_locale(rep.language_code, team.locale, deliverer.default_locale)
            text = deliverer.renderer.render("pace_alert", locale, rep=rep, team=team)
            envelopes += envelopes_for(Recipient(rep.person_id, rep.person_id, None), text)
        claim_id = await outbox.claim(db, team.id, key, claim_day, envelopes, now, force=False)
        if claim_id is not None and envelopes:
            await deliverer.deliver(claim_id)
