"""/privacy: what the bot stores about the person asking, for how long, and who can export or erase it."""

from __future__ import annotations

from telegram import Update

from bot.deps import BotContext
from bot.services import privacy
from bot.services.access import Actor
from handlers.common import reply, with_actor


@with_actor
async def privacy_command(update: Update, context: BotContext, actor: Actor) -> None:
    days = context.deps.settings.retention_days
    # A removed member's sales and points stay with the team: they are told so, not "nothing".
    recorded = (
        actor.is_member or actor.is_manager or await privacy.was_member(context.deps.db, actor.person_id)
    )
    await reply(update, context, actor, "privacy", actor=actor, days=days, recorded=recorded)
