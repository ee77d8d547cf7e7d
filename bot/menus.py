"""The command menus: a rep's in every private chat, a coordinator's in their own chat, the group's.

Telegram picks the narrowest scope it has for a chat, so the rep's menu is the private default and
each coordinator gets their own chat's menu (set when they join and again at every start).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.render import Renderer
from bot.settings import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

REP_COMMANDS = (
    "report",
    "undo",
    "me",
    "leaderboard",
    "points",
    "badges",
    "rewards",
    "contest",
    "meetings",
    "clients",
    "client",
    "contact",
    "help",
    "cancel",
)
COORDINATOR_COMMANDS = (
    "report",
    "undo",
    "me",
    "leaderboard",
    "sales",
    "team",
    "invite",
    "target",
    "meeting",
    "meetings",
    "contest",
    "rewards",
    "clients",
    "client",
    "contact",
    "digest",
    "settings",
    "holiday",
    "help",
    "cancel",
)
GROUP_COMMANDS = ("leaderboard", "report", "linkgroup", "help")


async def _set(
    bot: Bot, renderer: Renderer, scope: BotCommandScope, names: Sequence[str], fallback: str
) -> None:
    # One list per language we speak, and the fallback for every other language.
    for locale in (None, *SUPPORTED_LOCALES):
        commands = [
            BotCommand(name, renderer.label(locale or fallback, "command", name=name)) for name in names
        ]
        await bot.set_my_commands(commands=commands, scope=scope, language_code=locale)


async def set_shared_menus(bot: Bot, renderer: Renderer) -> None:
    """The menus every private chat and every group sees."""
    await _set(bot, renderer, BotCommandScopeAllPrivateChats(), REP_COMMANDS, "en")
    await _set(bot, renderer, BotCommandScopeAllGroupChats(), GROUP_COMMANDS, "en")


async def set_coordinator_menu(bot: Bot, renderer: Renderer, chat_id: int, team_locale: str) -> None:
    """A coordinator's own menu; a failure is logged, never a reason to fail what called it."""
    try:
        await _set(bot, renderer, BotCommandScopeChat(chat_id), COORDINATOR_COMMANDS, team_locale)
    except TelegramError:
        # The shared menu stays: every command works whatever the menu shows.
        log.warning("could not set the coordinator menu of %s", chat_id, exc_info=True)


async def set_coordinator_menus(
    bot: Bot, renderer: Renderer, coordinators: Sequence[tuple[int, str]]
) -> None:
    for chat_id, team_locale in coordinators:
        await set_coordinator_menu(bot, renderer, chat_id, team_locale)
