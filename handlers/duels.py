"""/duel: challenge a colleague (by @username, or picked from paged buttons), and the answer buttons."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.scheduler.play import ACCEPT, DECLINE, duel_answered, duel_challenged
from bot.services import duels
from bot.services.access import Actor
from bot.services.paging import matching, page_of
from handlers.common import (
    command_args,
    edit,
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    respond,
    with_actor,
)

PICK, PAGE = "r", "p"  # after `du:`: a rival picked from the list, a page of the list


async def _choose(
    update: Update, context: BotContext, actor: Actor, span: str, *, number: int, query: str, editing: bool
) -> None:
    deps = context.deps
    found = matching(await duels.rivals(deps.db, actor), query, lambda r: f"{r.name} {r.username or ''}")
    page = page_of(found, number, query)
    rows = [[(r.name[:64], encode(Prefix.DUEL, PICK, span, r.person_id))] for r in page.items]
    rows += page_buttons(page, Prefix.DUEL, PAGE, span)
    markup = keyboard(rows)
    await respond(update, context, actor, "duel_choose", markup, editing=editing, page=page, span=span)


async def _challenge(
    update: Update, context: BotContext, actor: Actor, rival: int | str, span: str, *, editing: bool
) -> None:
    deps = context.deps
    team = actor.require_member()
    duel = await duels.challenge(deps.db, actor, rival, span, deps.clock())
    # Queued before the answer: once the challenger reads "sent", the challenge is on its way.
    await duel_challenged(deps, context.bot, team, duel, spawn=deps.background.spawn)
    await respond(update, context, actor, "duel_sent", editing=editing, duel=duel, team=team)


@with_actor
@private_only
async def duel_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/duel @username [day|week]; /duel [day|week] alone lists the team to pick from."""
    actor.require_member()
    who, span = duels.parse_args(command_args(update))
    if who is None:
        await _choose(update, context, actor, span, number=0, query="", editing=False)
    else:
        await _challenge(update, context, actor, who, span, editing=False)


@with_actor
async def duel_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_member()
    button = pressed(update, Prefix.DUEL)
    action = button.choice(0, (PICK, PAGE, ACCEPT, DECLINE))
    if action == PAGE:
        span = button.choice(1, duels.SPANS.values())
        number, query = pressed_page(button.exactly(3, 4), 2)
        await _choose(update, context, actor, span, number=number, query=query, editing=True)
        return
    if action == PICK:
        button.exactly(3)
        span = button.choice(1, duels.SPANS.values())
        await _challenge(update, context, actor, button.person(2), span, editing=True)
        return
    button.exactly(2)
    duel = await duels.answer(deps.db, actor, button.id(1), action == ACCEPT, deps.clock())
    await edit(update, context, actor, "duel_answered", duel=duel, team=team)
    await duel_answered(deps, context.bot, team, duel, spawn=deps.background.spawn)
