"""The command menus: a rep's in every private chat, a coordinator's or manager's in their own chat.

Telegram picks the narrowest scope it has for a chat, so the rep's menu is the private default and
each coordinator and manager gets their own chat's menu (set when they join and at every start).
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
from bot.services.managers import MenuHolder
from bot.settings import SUPPORTED_LOCALES
from storage.models import Role

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
    "competitor",
    "tasks",
    "complaint",
    "complaints",
    "duel",
    "kudos",
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
    "competitor",
    "competitors",
    "task",
    "tasks",
    "complaint",
    "complaints",
    "announce",
    "duel",
    "kudos",
    "digest",
    "export",
    "settings",
    "holiday",
    "help",
    "cancel",
)
# A manager's own commands, after those of their role in a team (if they have one).
MANAGER_COMMANDS = ("summary", "teams", "export")
GROUP_COMMANDS = ("leaderboard", "report", "linkgroup", "help")


def commands_of(holder: MenuHolder) -> tuple[str, ...]:
    names: tuple[str, ...]
    if holder.role is Role.COORDINATOR:
        names = COORDINATOR_COMMANDS
    elif holder.role is Role.REP:
        names = REP_COMMANDS
    else:
        names = ("help", "cancel")
    return (*names, *(n for n in MANAGER_COMMANDS if n not in names)) if holder.manager else names


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


async def set_own_menu(bot: Bot, renderer: Renderer, holder: MenuHolder) -> None:
    """A coordinator's or manager's own menu; a failure is logged, never a reason to fail the caller."""
    try:
        await _set(bot, renderer, BotCommandScopeChat(holder.person_id), commands_of(holder), holder.locale)
    except TelegramError:
        # The shared menu stays: every command works whatever the menu shows.
        log.warning("could not set the menu of %s", holder.person_id, exc_info=True)


async def set_own_menus(bot: Bot, renderer: Renderer, holders: Sequence[MenuHolder]) -> None:
    for holder in holders:
        await set_own_menu(bot, renderer, holder)


async def drop_own_menu(bot: Bot, chat_id: int) -> None:
    """Back to the shared menu (a manager removed who is nobody's coordinator)."""
    for locale in (None, *SUPPORTED_LOCALES):
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id), language_code=locale)
