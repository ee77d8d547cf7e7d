"""/start (with invite codes) and /help."""

from __future__ import annotations

from telegram import Update

from bot import menus
from bot.deps import BotContext
from bot.services import managers
from bot.services.access import Actor
from bot.services.teams import JoinOutcome, join
from handlers.common import current_actor, is_private, reply, with_actor
from handlers.report import start_report


@with_actor
async def start(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    code = context.args[0] if context.args else ""
    if not code:
        if actor.is_member or actor.is_manager:
            await reply(update, context, actor, "help", actor=actor, sections=help_sections(update, actor))
        else:
            await reply(update, context, actor, "stranger", actor=actor)
        return
    if code == "report" and actor.is_member:  # the "continue in private" button from a group
        await start_report(update, context, actor)
        return
    result = await join(deps.db, actor.person_id, code, deps.clock())
    if result.outcome in (JoinOutcome.JOINED, JoinOutcome.MANAGING):
        actor = await current_actor(update, context, fresh=True)
        holder = managers.holder_of(actor)
        # A rep promoted by a coordinator link, a new coordinator or manager: their own menu now.
        # A new rep needs no call: the private default is theirs (removals drop own menus).
        if menus.has_own_menu(holder):
            await menus.set_own_menu(context.bot, deps.renderer, holder)
    await reply(update, context, actor, "joined", result=result, actor=actor)


@with_actor
async def help_command(update: Update, context: BotContext, actor: Actor) -> None:
    await reply(update, context, actor, "help", actor=actor, sections=help_sections(update, actor))


def help_sections(update: Update, actor: Actor) -> list[tuple[str, tuple[str, ...]]]:
    """The commands /help lists: exactly the menu of the chat it is asked in."""
    if not is_private(update):
        return [("group", menus.GROUP_COMMANDS)]
    if not (actor.is_member or actor.is_manager):
        return []
    return menus.help_sections(managers.holder_of(actor))
