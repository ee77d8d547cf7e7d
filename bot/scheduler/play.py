"""Duel and kudos notices: each one claimed by its key, so it is told once whoever sends it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from telegram import Bot

from bot.callbacks import Prefix, encode
from bot.deps import Deps
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer
from bot.scheduler.notices import Spawn, notify_people, post_to_group
from bot.services import duels, kudos, outbox
from bot.services.access import TeamInfo
from bot.services.duels import DuelView
from bot.services.quiet_hours import team_is_quiet
from storage.models import DuelStatus

log = logging.getLogger(__name__)

ACCEPT, DECLINE = "a", "d"


def answer_buttons(renderer: Renderer, duel_id: int) -> Callable[[str], list[list[tuple[str, str]]]]:
    def rows(locale: str) -> list[list[tuple[str, str]]]:
        return [
            [
                (renderer.label(locale, "duel_accept"), encode(Prefix.DUEL, ACCEPT, duel_id)),
                (renderer.label(locale, "duel_decline"), encode(Prefix.DUEL, DECLINE, duel_id)),
            ]
        ]

    return rows


async def duel_challenged(
    deps: Deps, bot: Bot, team: TeamInfo, duel: DuelView, *, spawn: Spawn | None = None
) -> None:
    """The rival gets the challenge with Accept and Decline."""
    await notify_people(
        deps,
        bot,
        team,
        [(duel.rival.person_id, duel.rival.language_code)],
        f"duel:{duel.id}:challenge",
        "duel_challenge",
        answer_buttons(deps.renderer, duel.id),
        spawn=spawn,
        duel=duel,
    )


async def duel_answered(
    deps: Deps, bot: Bot, team: TeamInfo, duel: DuelView, *, spawn: Spawn | None = None
) -> None:
    """The challenger hears the rival's answer."""
    await notify_people(
        deps,
        bot,
        team,
        [(duel.challenger.person_id, duel.challenger.language_code)],
        f"duel:{duel.id}:{duel.status}",
        "duel_answered",
        None,
        spawn=spawn,
        duel=duel,
    )


async def duel_events(deliverer: Deliverer) -> None:
    """The scheduler's step: expire unanswered challenges, decide ended duels, tell them once."""
    deps, bot, db, now = deliverer.deps, deliverer.bot, deliverer.db, deliverer.now()
    await duels.expire_due(db, now)
    await duels.finish_due(db, now)
    # Everything decided lately is offered again: the claims make each notice once, and a crash
    # between the decision and its notice is mended on the next tick.
    for team, duel in await duels.recently(db, DuelStatus.EXPIRED, now):
        key = f"duel:{duel.id}:expired"
        if not await outbox.is_claimed(db, team.id, key, date.min):
            people = [(duel.challenger.person_id, duel.challenger.language_code)]
            await notify_people(deps, bot, team, people, key, "duel_expired", None, duel=duel)
    for team, duel in await duels.recently(db, DuelStatus.FINISHED, now):
        if team_is_quiet(team, now):
            # A day's duel ends at midnight: its result waits for the morning (the claim is not
            # taken, and the notice window is a day), where a cheer's moment would simply pass.
            continue
        try:
            key = f"duel:{duel.id}:result"
            if not await outbox.is_claimed(db, team.id, key, date.min):
                await notify_people(deps, bot, team, duel.people, key, "duel_result", None, duel=duel)
            await post_to_group(deps, bot, team.id, f"duel:{duel.id}:group", "duel_result", duel=duel)
        except Exception:  # one group's failure must not cost the others their notices
            log.exception("duel %s notices failed", duel.id)


async def kudos_received(
    deps: Deps, bot: Bot, team: TeamInfo, given: list[kudos.Given], *, spawn: Spawn | None = None
) -> None:
    """Each receiver hears who thanked them, once per kudos; not in the quiet hours (the kudos
    and its points stand, /points shows them)."""
    if team_is_quiet(team, deps.clock()):
        return
    for one in given:
        await notify_people(
            deps,
            bot,
            team,
            [(one.receiver_id, one.receiver_language)],
            f"kudos:{one.id}",
            "kudos_received",
            None,
            spawn=spawn,
            given=one,
        )
