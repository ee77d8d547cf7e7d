"""Where things may be done: management in the private chat, and a group sees only its own team.

Runs for every update after the gate, before any feature. In a group (linked or not):
- a command meant for the private chat is answered with a pointer there, and goes no further;
- any other command of ours, except those that link or explain, needs the group to be the
  asker's own team's group, so a group never sees another team's (or an unlinked team's) data;
- a button press is refused with the pointer: every button of ours belongs in a private chat,
  and one acting in a group would post its next question there and take the asker's next
  private message as the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.deps import BotContext
from bot.services.access import team_of_group
from bot.services.errors import Reason
from handlers.common import Callback, alert_text, current_actor, keyboard, reply

log = logging.getLogger(__name__)

GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)
# Commands that make sense in any group: linking it, and help.
ANY_GROUP = frozenset({"linkgroup", "help"})


def command_of(text: str, bot_username: str | None) -> str | None:
    """`/name` or `/name@thisbot` → "name"; anything else (or another bot's command) → None."""
    words = text.split(maxsplit=1)
    if not words or not words[0].startswith("/"):
        return None
    name, _, addressee = words[0][1:].partition("@")
    if addressee and addressee.lower() != (bot_username or "").lower():
        return None
    return name.lower() or None


def place_rule(private_commands: Collection[str]) -> Callback:
    """The group -1 handler: stops what does not belong in the chat it came from."""
    private = frozenset(private_commands)

    async def rule(update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        if chat is None or chat.type not in GROUP_CHATS or update.effective_user is None:
            return
        try:
            allowed = await _allowed(update, context, private)
        except ApplicationHandlerStop:
            raise
        except Exception:  # like the gate, a hard stop: the features rely on this check
            log.exception("place check failed for update %s; stopped", update.update_id)
            raise ApplicationHandlerStop from None
        if not allowed:
            raise ApplicationHandlerStop

    return rule


async def _allowed(update: Update, context: BotContext, private: frozenset[str]) -> bool:
    deps = context.deps
    actor = await current_actor(update, context)
    query = update.callback_query
    if query is not None:
        text = deps.renderer.render("refused", actor.locale, reason=Reason.PRIVATE_ONLY)
        await query.answer(alert_text(text), show_alert=True)
        return False
    message = update.effective_message
    name = command_of((message.text or "") if message else "", context.bot.username)
    if name is None or name in ANY_GROUP:
        return True
    if name in private:
        link = f"https://t.me/{context.bot.username}"
        markup = keyboard([[(deps.renderer.label(actor.locale, "continue_private"), link)]])
        await reply(update, context, actor, "refused", markup, reason=Reason.PRIVATE_ONLY)
        return False
    assert update.effective_chat is not None
    group_team = await team_of_group(deps.db, update.effective_chat.id)
    if group_team is not None and actor.team is not None and group_team.id == actor.team.id:
        return True
    reason = Reason.GROUP_NOT_LINKED if group_team is None else Reason.GROUP_TAKEN
    await reply(update, context, actor, "refused", reason=reason)
    return False
