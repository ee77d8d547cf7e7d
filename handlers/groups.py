"""Service messages about the team's group itself (not commands): an upgrade to a supergroup."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.deps import BotContext
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
