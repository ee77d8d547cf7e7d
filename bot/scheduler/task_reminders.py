"""The due-morning reminder of each open task: at the digest time of its due day, once per task."""

from __future__ import annotations

from datetime import date

from bot.scheduler.delivery import Deliverer, envelopes_for
from bot.scheduler.notices import task_buttons
from bot.services import digests, outbox, tasks
from bot.services.access import TeamInfo
from bot.services.digests import Recipient
from bot.settings import pick_locale


async def task_reminders(deliverer: Deliverer) -> None:
    """Claim and queue every reminder due now in one transaction; the tick then sends the outbox.

    Only tasks held by an active member are due (a removed rep's were handed over, and a done
    task is not reminded); the claim key holds the task, so a reminder is never sent twice.
    """
    db, now, renderer = deliverer.db, deliverer.now(), deliverer.renderer
    due = await tasks.due_reminders(db, now)
    teams: dict[int, TeamInfo] = {}
    for one in due:
        if one.task.team_id not in teams:
            teams[one.task.team_id] = await digests.team_info(db, one.task.team_id)
    if not due:
        return
    async with db.write() as session:
        for one in due:
            task, team = one.task, teams[one.task.team_id]
            claim_id = await outbox.claim_in(session, team.id, one.key, date.min, now, force=False)
            if claim_id is None:
                continue
            locale = pick_locale(task.assignee_language, team.locale, deliverer.default_locale)
            text = renderer.render("task_given", locale, task=task, team=team, reminder=True)
            recipient = Recipient(task.assignee_id, task.assignee_id, None)
            outbox.queue_in(
                session,
                claim_id,
                envelopes_for(recipient, text, task_buttons(renderer, locale, task.id)),
                now,
            )
