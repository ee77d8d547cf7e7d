"""The daily prune, claimed once per UTC day so several processes do not each run it."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from bot.scheduler.delivery import Deliverer
from bot.services import outbox, retention
from storage.models import Team

log = logging.getLogger(__name__)


async def daily_prune(deliverer: Deliverer) -> None:
    db, now = deliverer.db, deliverer.now()
    day = now.date()
    async with db.read() as session:
        # A claim belongs to a team; the prune is everyone's, so it is held by the oldest team.
        holder = await session.scalar(select(func.min(Team.id)))
    if holder is None or await outbox.is_claimed(db, holder, retention.DAILY_KIND, day):
        return
    if await outbox.claim(db, holder, retention.DAILY_KIND, day, [], now, force=False) is None:
        return  # another process took today's
    pruned = await retention.prune(db, now, timedelta(days=deliverer.deps.settings.retention_days))
    log.info("pruned %s", pruned)
