"""Notices: what features queue to tell someone, each once per key, each in its reader's language.

Handlers call these, never the delivery machinery; each notice is claimed and queued in the
outbox before it is sent, so a crash cannot double it. A handler passes `spawn`
(`Deps.background.spawn`): the notices then go out beside the handler's answer to its own chat,
so an invitation to 300 people (12 s at Telegram's pace) never keeps a button spinning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bot.callbacks import Prefix, encode
from bot.deps import Deps
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer, envelopes_for
from bot.services import announcements, celebrations, complaints, digests, meetings, outbox
from bot.services.access import TeamInfo
from bot.services.digests import Recipient
from bot.services.outbox import Envelope
from bot.services.tasks import TaskView
from bot.settings import pick_locale

log = logging.getLogger(__name__)

# Runs a delivery beside the caller (`Background.spawn`).
Spawn = Callable[[Coroutine[Any, Any, None]], object]


async def _deliver(deliverer: Deliverer, claim_id: int, spawn: Spawn | None) -> None:
    if spawn is None:
        await deliverer.deliver(claim_id)
    else:
        spawn(deliverer.deliver(claim_id))


def answer_buttons(renderer: Renderer, locale: str, meeting_id: int) -> list[list[tuple[str, str]]]:
    return [
        [
            (renderer.label(locale, "answer", value=value), encode(Prefix.MEETING_ANSWER, meeting_id, value))
            for value in meetings.ANSWERS
        ]
    ]


async def notify_attendees(
    deps: Deps,
    bot: Bot,
    meeting: meetings.MeetingView,
    team: TeamInfo,
    template: str,
    key: str,
    recipients: list[meetings.AttendeeView],
    *,
    with_answers: bool = False,
    spawn: Spawn | None = None,
) -> None:
    """Tell attendees about a meeting once per `key`, each in their language."""
    deliverer = Deliverer(deps, bot)
    renderer, now = deliverer.renderer, deliverer.now()
    envelopes: list[Envelope] = []
    for person in recipients:
        locale = pick_locale(person.language_code, team.locale, deliverer.default_locale)
        text = renderer.render(template, locale, meeting=meeting, team=team, attendee=person)
        buttons = answer_buttons(renderer, locale, meeting.id) if with_answers else None
        envelopes += envelopes_for(Recipient(person.person_id, person.person_id, None), text, buttons)
    if not envelopes:
        return
    day = meeting.starts_at.astimezone(team.zone).date()
    claim_id = await outbox.claim(deliverer.db, team.id, key, day, envelopes, now, force=False)
    if claim_id is not None:
        await _deliver(deliverer, claim_id, spawn)


async def notify_people(
    deps: Deps,
    bot: Bot,
    team: TeamInfo,
    people: list[tuple[int, str | None]],
    key: str,
    template: str,
    buttons: Callable[[str], list[list[tuple[str, str]]]] | None,
    *,
    spawn: Spawn | None = None,
    **values: object,
) -> None:
    """One message to each of `people` (id, language) in their private chats, once per `key`."""
    deliverer = Deliverer(deps, bot)
    envelopes: list[Envelope] = []
    for person_id, language_code in people:
        locale = pick_locale(language_code, team.locale, deliverer.default_locale)
        text = deliverer.renderer.render(template, locale, team=team, **values)
        envelopes += envelopes_for(
            Recipient(person_id, person_id, None), text, buttons(locale) if buttons else None
        )
    claim_id = await outbox.claim(
        deliverer.db, team.id, key, date.min, envelopes, deliverer.now(), force=False
    )
    if claim_id is not None:
        await _deliver(deliverer, claim_id, spawn)


async def post_to_group(
    deps: Deps, bot: Bot, team_id: int, key: str, template: str, **values: object
) -> bool:
    """One message to the team's group, once per `key`; False when there is no group or it was sent."""
    deliverer = Deliverer(deps, bot)
    team = await digests.team_info(deliverer.db, team_id)
    if team.group_chat_id is None or await outbox.is_claimed(deliverer.db, team_id, key, date.min):
        return False
    text = deliverer.renderer.render(template, team.locale, team=team, **values)
    envelopes = envelopes_for(Recipient(team.group_chat_id, None, None), text)
    claim_id = await outbox.claim(
        deliverer.db, team_id, key, date.min, envelopes, deliverer.now(), force=False
    )
    if claim_id is None:
        return False
    await deliverer.deliver(claim_id)
    return True


async def cheer(deps: Deps, bot: Bot, team_id: int, *, spawn: Spawn | None = None) -> None:
    """At most one cheer a minute per group, combining whatever happened since the last one."""
    deliverer = Deliverer(deps, bot)
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
                session, claim_id, envelopes_for(Recipient(team.group_chat_id, None, None), text), now
            )
            celebrations.name_people(session, claim_id, cheers)
        return claim_id

    claim_id = await celebrations.take_safely(deliverer.db, team_id, now, queue)
    if claim_id is not None:
        # From a sale's handler: a group at its 20-a-minute limit must not keep the rep waiting.
        await _deliver(deliverer, claim_id, spawn)


def task_buttons(renderer: Renderer, locale: str, task_id: int) -> list[list[tuple[str, str]]]:
    return [[(renderer.label(locale, "task_done"), encode(Prefix.TASK, "done", task_id))]]


async def tell_assignees(
    deps: Deps,
    bot: Bot,
    team: TeamInfo,
    given: list[TaskView],
    key: str,
    *,
    spawn: Spawn | None = None,
) -> None:
    """Each task to the rep holding it, in their language, with its Done button; once per `key`."""
    deliverer = Deliverer(deps, bot)
    envelopes: list[Envelope] = []
    for task in given:
        locale = pick_locale(task.assignee_language, team.locale, deliverer.default_locale)
        text = deliverer.renderer.render("task_given", locale, task=task, team=team, reminder=False)
        buttons = task_buttons(deliverer.renderer, locale, task.id)
        envelopes += envelopes_for(Recipient(task.assignee_id, task.assignee_id, None), text, buttons)
    if not envelopes:
        return
    claim_id = await outbox.claim(
        deliverer.db, team.id, key, date.min, envelopes, deliverer.now(), force=False
    )
    if claim_id is not None:
        await _deliver(deliverer, claim_id, spawn)


async def announcement_report(deliverer: Deliverer, announcement_id: int) -> None:
    """Tell the author who received the announcement, once, when every message of it has settled."""
    result = await announcements.outcome(deliverer.db, announcement_id)
    if result is None:
        return  # still being sent (a chat told to wait), or reported already
    team = await digests.team_info(deliverer.db, result.team_id)
    locale = pick_locale(result.author_language, team.locale, deliverer.default_locale)
    text = deliverer.renderer.render("announce_report", locale, outcome=result)
    envelopes = envelopes_for(Recipient(result.author_id, result.author_id, None), text)
    claim_id = await announcements.report(deliverer.db, result, envelopes, deliverer.now())
    if claim_id is not None:
        await deliverer.deliver(claim_id)


async def announcement_reports(deliverer: Deliverer) -> None:
    """The scheduler's step: the reports of announcements whose last messages went out since."""
    for announcement_id in await announcements.unreported(deliverer.db):
        await announcement_report(deliverer, announcement_id)


async def announce(deps: Deps, bot: Bot, queued: announcements.Queued, *, spawn: Spawn | None = None) -> None:
    """Send a queued announcement at Telegram's pace, then tell its author who received it."""
    deliverer = Deliverer(deps, bot)

    async def run() -> None:
        await deliverer.deliver(queued.claim_id)
        await announcement_report(deliverer, queued.announcement_id)

    if spawn is None:
        await run()
    else:
        spawn(run())


def _complaint_button(renderer: Renderer, complaint_id: int) -> Callable[[str], list[list[tuple[str, str]]]]:
    def rows(locale: str) -> list[list[tuple[str, str]]]:
        return [[(renderer.label(locale, "open_complaint"), encode(Prefix.COMPLAINT, "card", complaint_id))]]

    return rows


async def complaint_filed(
    deps: Deps,
    bot: Bot,
    team: TeamInfo,
    people: list[tuple[int, str | None]],
    complaint: complaints.ComplaintView,
    *,
    spawn: Spawn | None = None,
) -> None:
    """The team's coordinators and the client's owner hear of a new complaint, once."""
    if people:
        await notify_people(
            deps,
            bot,
            team,
            people,
            f"complaint:{complaint.id}:filed",
            "complaint_filed",
            _complaint_button(deps.renderer, complaint.id),
            spawn=spawn,
            complaint=complaint,
        )


async def complaint_changed(
    deps: Deps,
    bot: Bot,
    team: TeamInfo,
    changed: complaints.Changed,
    *,
    spawn: Spawn | None = None,
) -> None:
    """The reporter and the client's owner (active, not the one who changed it) hear of a change, once."""
    if changed.told:
        await notify_people(
            deps,
            bot,
            team,
            changed.told,
            f"complaint:{changed.view.id}:change:{changed.change_id}",
            "complaint_changed",
            _complaint_button(deps.renderer, changed.view.id),
            spawn=spawn,
            complaint=changed.view,
            change=changed.change,
        )


async def topic_gone(deps: Deps, bot: Bot, team_id: int, thread_id: int) -> None:
    """The coordinators are told once that a topic of the group no longer takes posts."""
    await Deliverer(deps, bot).tell_coordinators_about_topic(team_id, thread_id)
