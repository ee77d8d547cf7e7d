"""/start (with invite codes) and /help."""

from __future__ import annotations

from telegram import Update

from bot import menus
from bot.deps import BotContext
from bot.services.access import Actor
from bot.services.teams import JoinOutcome, join
from handlers.common import current_actor, reply, with_actor
from handlers.report import start_report


@with_actor
async def start(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    code = context.args[0] if context.args else ""
    if not code:
        await reply(update, context, actor, "help" if actor.is_member else "stranger", actor=actor)
        return
    if code == "report" and actor.is_member:  # the "continue in private" button from a group
        await start_report(update, context, actor)
        return
    result = await join(deps.db, actor.person_id, code, deps.clock())
    if result.outcome is JoinOutcome.JOINED:
        actor = await current_actor(update, context, fresh=True)
    await reply(update, context, actor, "joined", result=result, actor=actor)
    if result.outcome is JoinOutcome.JOINED and actor.is_coordinator and actor.team is not None:
        await menus.set_coordinator_menu(context.bot, deps.renderer, actor.person_id, actor.team.locale)


@with_actor
async def help_command(update: Update, context: BotContext, actor: Actor) -> None:
    await reply(update, context, actor, "help", actor=actor)
