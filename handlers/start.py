"""/start (with invite codes) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.app import deps_of
from bot.services.access import Actor
from bot.services.teams import JoinOutcome, join
from handlers.common import current_actor, reply, with_actor


@with_actor
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, actor: Actor) -> None:
    deps = deps_of(context)
    code = context.args[0] if context.args else ""
    if not code:
        await reply(update, context, actor, "help" if actor.is_member else "stranger", actor=actor)
        return
    if code == "report" and actor.is_member:  # the "continue in private" button from a group
        from handlers.report import start_report

        await start_report(update, context, actor)
        return
    result = await join(deps.db, actor.person_id, code, deps.clock())
    if result.outcome is JoinOutcome.JOINED:
        actor = await current_actor(update, context, fresh=True)
    await reply(update, context, actor, "joined", result=result, actor=actor)


@with_actor
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE, actor: Actor) -> None:
    await reply(update, context, actor, "help", actor=actor)
