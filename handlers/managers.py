"""Managers: /teams, the teams a manager oversees, and /summary, all of them side by side."""

from __future__ import annotations

from telegram import Update

from bot import chart_pictures
from bot.deps import BotContext
from bot.services import managers, summary
from bot.services.access import Actor
from handlers.common import private_only, reply, with_actor


@with_actor
@private_only
async def teams_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    lines = await managers.my_teams(deps.db, actor, deps.clock())
    await reply(update, context, actor, "teams_list", lines=lines)


@with_actor
@private_only
async def summary_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    teams = actor.require_manager()
    stretch = summary.parse_stretch(context.args or [])
    found = await summary.cross_team(deps.db, teams, stretch, deps.clock())
    await reply(update, context, actor, "summary", summary=found)
    chat = update.effective_chat
    assert chat is not None
    picture = await chart_pictures.teams_against_targets(deps.renderer, actor.locale, found.rows)
    await context.bot.send_photo(chat.id, picture)
