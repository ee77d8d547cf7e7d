"""The command menus: a rep's in every private chat, a coordinator's or manager's in their own chat.

Telegram picks the narrowest scope it has for a chat, so the rep's menu is the private default and
each coordinator and manager gets their own chat's menu: set at every start and whenever someone
joins, is promoted or is removed (then dropped, so the rep's default shows again). /help lists the
same commands (`help_sections`), so the menu and the help never tell two stories.
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
    "sales",
    "leave",
    "privacy",
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
    "points",
    "badges",
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
    "leave",
    "privacy",
    "help",
    "cancel",
)
# A manager's own commands, after those of their role in a team (if they have one).
MANAGER_COMMANDS = ("summary", "teams", "export")
GROUP_COMMANDS = ("leaderboard", "report", "linkgroup", "topic", "help")


# A manager who is nobody's member: only what a manager does, and help.
OUTSIDER_COMMANDS = ("privacy", "help", "cancel")


def _base(role: Role | None) -> tuple[str, ...]:
    if role is Role.COORDINATOR:
        return COORDINATOR_COMMANDS
    if role is Role.REP:
        return REP_COMMANDS
    return OUTSIDER_COMMANDS


def commands_of(holder: MenuHolder) -> tuple[str, ...]:
    """Exactly the commands of this person's role (and of their managing, if they manage)."""
    names = _base(holder.role)
    return (*names, *(n for n in MANAGER_COMMANDS if n not in names)) if holder.manager else names


def has_own_menu(holder: MenuHolder) -> bool:
    """Whether the person's chat needs a menu of its own (everyone else sees the rep's default)."""
    return commands_of(holder) != REP_COMMANDS


def help_sections(holder: MenuHolder) -> list[tuple[str, tuple[str, ...]]]:
    """The menu's commands in /help's sections: everyone's, the coordinator's, the manager's."""
    names = commands_of(holder)
    if holder.role is None:  # a manager who is nobody's member: one section
        return [("manager", names)]
    management = set(COORDINATOR_COMMANDS) - set(REP_COMMANDS)
    managing = set(names) - set(_base(holder.role))
    sections = [
        ("team", tuple(n for n in names if n not in management and n not in managing)),
        ("coordinator", tuple(n for n in names if n in management and n not in managing)),
        ("manager", tuple(n for n in names if n in managing)),
    ]
    return [(title, section) for title, section in sections if section]


async def _set(
    bot: Bot, renderer: Renderer, scope: BotCommandScope, names: Sequence[str], fallback: str
) -> None:
    # One list per language we speak, and the fallback for every other language.
    for locale in (None, *SUPPORTED_LOCALES):
        commands = [
            BotCommand(name, renderer.label(locale or fallback, "command", name=name)) for name in names
        ]
        await bot.set_my_commands(commands=commands, scope=scope, language_code=locale)


async def set_shared_menus(bot: Bot, renderer: Renderer, fallback: str = "en") -> None:
    """The menus every private chat and every group sees (`fallback`: for languages we do not speak)."""
    await _set(bot, renderer, BotCommandScopeAllPrivateChats(), REP_COMMANDS, fallback)
    await _set(bot, renderer, BotCommandScopeAllGroupChats(), GROUP_COMMANDS, fallback)


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


async def follow_role(bot: Bot, renderer: Renderer, person_id: int, holder: MenuHolder | None) -> None:
    """The person's menu after a role changed: their own one, or the rep's default again.

    `holder` is None for someone with no role left that needs a menu of their own. A failure is
    logged: every command works whatever the menu shows, and the next start sets it again.
    """
    if holder is not None and has_own_menu(holder):
        await set_own_menu(bot, renderer, holder)
        return
    try:
        await drop_own_menu(bot, person_id)
    except TelegramError:
        log.warning("could not drop the menu of %s", person_id, exc_info=True)
