"""/start (with invite codes) and /help."""

from __future__ import annotations

from telegram import Update

from bot import menus
from bot.deps import BotContext
from bot.services import managers
from bot.services.access import Actor
from bot.services.teams import JoinOutcome, join
from handlers.common import current_actor, reply, with_actor
from handlers.report import start_report


@with_actor
async def start(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    code = context.args[0] if context.args else ""
    if not code:
        await reply(
            update, context, actor, "help" if actor.is_member or actor.is_manager else "stranger", actor=actor
        )
        return
    if code == "report" and actor.is_member:  # the "continue in private" button from a group
        await start_report(update, context, actor)
        return
    result = await join(deps.db, actor.person_id, code, deps.clock())
    if result.outcome in (JoinOutcome.JOINED, JoinOutcome.MANAGING):
        actor = await current_actor(update, context, fresh=True)
    if result.outcome in (JoinOutcome.JOINED, JoinOutcome.MANAGING) and (
        actor.is_coordinator or actor.is_manager
    ):
        await menus.set_own_menu(context.bot, deps.renderer, managers.holder_of(actor))
    await reply(update, context, actor, "joined", result=result, actor=actor)


@with_actor
async def help_command(update: Update, context: BotContext, actor: Actor) -> None:
    await reply(update, context, actor, "help", actor=actor)
