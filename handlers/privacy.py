"""/privacy: what the bot stores about the person asking, for how long, and who can export or erase it."""

from __future__ import annotations

from telegram import Update

from bot.deps import BotContext
from bot.services.access import Actor
from handlers.common import reply, with_actor


@with_actor
async def privacy_command(update: Update, context: BotContext, actor: Actor) -> None:
    days = context.deps.settings.retention_days
    await reply(update, context, actor, "privacy", actor=actor, days=days)
