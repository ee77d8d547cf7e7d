"""Service messages about the team's group itself (not commands): an upgrade, a topic closed."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.deps import BotContext
from bot.scheduler import notices
from bot.services import groups

log = logging.getLogger(__name__)


async def group_migrated(update: Update, context: BotContext) -> None:
    """`migrate_to_chat_id` in the old group, `migrate_from_chat_id` in the new supergroup: either
    one re-links the team. Runs before the gate: the upgrade may be announced by anyone's hand."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, chat.id
    else:
        return
    team = await groups.group_upgraded(context.deps.db, old, new)
    if team is not None:
        log.info("team %s: group %s is now supergroup %s", team.name, old, new)
    raise ApplicationHandlerStop


async def topic_closed(update: Update, context: BotContext) -> None:
    """A topic of the team's group was closed: what was routed there goes to the default topic.

    Telegram still lets an administrator bot write in a closed topic, so the refusal alone would
    never tell; the service message does. Before the gate: anyone may close a topic.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.message_thread_id is None:
        return
    team_id = await groups.topic_closed(context.deps.db, chat.id, message.message_thread_id)
    if team_id is not None:
        await notices.topic_gone(context.deps, context.bot, team_id, message.message_thread_id)
    raise ApplicationHandlerStop
