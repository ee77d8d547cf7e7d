"""The managers' Monday digest: last week across their teams, the table and the chart, once a week each."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from bot import chart_pictures
from bot.scheduler.delivery import Deliverer, envelopes_for
from bot.services import managers, outbox, summary
from bot.services.digests import Recipient
from bot.services.outbox import Envelope
from bot.settings import pick_locale

log = logging.getLogger(__name__)

# Monday morning in the manager's zone (their first team's).
MANAGER_DIGEST_TIME = time(8, 30)
UNTIL = time(20, 0)  # a digest missed all day (the bot was down) is not sent at night


async def manager_digests(deliverer: Deliverer) -> None:
    db, now = deliverer.db, deliverer.now()
    for manager in await managers.every_manager(db):
        home = manager.teams[0]
        local = now.astimezone(home.zone)
        if local.isoweekday() != 1 or not MANAGER_DIGEST_TIME <= local.time() < UNTIL:
            continue
        monday = local.date()
        key = f"manager-weekly:{manager.person_id}"
        if await outbox.is_claimed(db, home.id, key, monday):
            continue
        try:
            locale = pick_locale(manager.language_code, home.locale, deliverer.default_locale)
            # Last week, Monday to Sunday, whole.
            found = await summary.cross_team(
                db, manager.teams, summary.Stretch.WEEK, now, today=monday - timedelta(days=1)
            )
            text = deliverer.renderer.render("summary", locale, summary=found)
            picture = await chart_pictures.teams_against_targets(deliverer.renderer, locale, found.rows)
            recipient = Recipient(manager.person_id, manager.person_id, manager.language_code)
            envelopes = [
                *envelopes_for(recipient, text),
                Envelope(manager.person_id, manager.person_id, "", photo=picture),
            ]
            claim_id = await outbox.claim(db, home.id, key, monday, envelopes, now, force=False)
            if claim_id is not None:
                await deliverer.deliver(claim_id)
        except Exception:  # one manager's failure must not cost the others their digest
            log.exception("manager digest for %s failed", manager.person_id)
