"""Managers: /teams, the teams a manager oversees."""

from __future__ import annotations

from telegram import Update

from bot.deps import BotContext
from bot.services import managers
from bot.services.access import Actor
from handlers.common import private_only, reply, with_actor


@with_actor
@private_only
async def teams_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    lines = await managers.my_teams(deps.db, actor, deps.clock())
    await reply(update, context, actor, "teams_list", lines=lines)
