"""Announcements: /announce, the typed text, its preview with the audience, Send and Cancel."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, MessageEntity, Update
from telegram.error import RetryAfter

from bot.callbacks import Prefix
from bot.deps import BotContext
from bot.pacing import retry_delay
from bot.scheduler import notices
from bot.services import announcements, outbox
from bot.services.access import Actor
from bot.services.announcements import AnnounceStep, Audience, Preview
from bot.services.drafts import DraftKind
from bot.services.outbox import Envelope
from handlers.common import edit, pressed, private_only, reply, settled, with_actor
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed

SEND = "send"
CHOOSE = "to"


def entities_of(entities: tuple[MessageEntity, ...]) -> list[dict[str, Any]]:
    """A message's entities as Telegram's JSON, to be stored and sent again as they came."""
    return [entity.to_dict() for entity in entities]


def _card_markup(context: BotContext, actor: Actor, preview: Preview) -> InlineKeyboardMarkup:
    label = context.deps.renderer.label
    button = DraftButtons(Prefix.ANNOUNCE, preview.token, label(actor.locale, "cancel"))
    choices = [Audience.GROUP, Audience.REPS, Audience.BOTH] if preview.has_group else [Audience.REPS]
    audience = [
        button(
            label(actor.locale, "announce_to", audience=a.value, on=a is preview.audience), CHOOSE, a.value
        )
        for a in choices
    ]
    return button.keyboard([audience, [button(label(actor.locale, "announce_send"), SEND)]])


async def _send_as_typed(
    context: BotContext, chat_id: int, text: str, entities: list[dict[str, Any]]
) -> None:
    """The announcement exactly as it will be delivered: its entities and no parse mode."""
    deps = context.deps
    envelope = Envelope(chat_id, chat_id, text, entities=entities)
    waiting = await outbox.answers_waiting(deps.db, chat_id)
    if waiting is None:
        try:
            await context.bot.send_message(
                chat_id=chat_id,
                text=text,
                parse_mode=None,
                entities=[MessageEntity.de_json(entity, None) for entity in entities],
            )
            return
        except RetryAfter as exc:
            waiting = deps.clock() + retry_delay(exc)
    # Telegram told this chat to wait: the preview waits in the outbox, the card behind it.
    await outbox.later(deps.db, [envelope], max(waiting, deps.clock()), deps.clock())


async def show(update: Update, context: BotContext, actor: Actor, preview: Preview) -> None:
    """Ask for the text, or show the announcement as it will look and then its card."""
    label = context.deps.renderer.label
    if preview.step is AnnounceStep.TEXT:
        markup = DraftButtons(Prefix.ANNOUNCE, preview.token, label(actor.locale, "cancel")).keyboard([])
        await reply(update, context, actor, "announce_ask", markup)
        return
    await settled(update, context)
    chat = update.effective_chat
    assert chat is not None
    await _send_as_typed(context, chat.id, preview.text, preview.entities)
    await reply(
        update, context, actor, "announce_card", _card_markup(context, actor, preview), preview=preview
    )


@with_actor
@private_only
async def announce_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/announce asks for the text; /announce TEXT keeps TEXT's formatting and shows its preview."""
    deps = context.deps
    message = update.effective_message
    assert message is not None
    text, entities = announcements.after_command(message.text or "", entities_of(message.entities))
    preview = await announcements.start(deps.db, actor, deps.clock(), text, entities)
    await show(update, context, actor, preview)


@with_actor
async def announce_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.ANNOUNCE)
    token, action = button.text(0), button.choice(1, (CANCEL, SEND, CHOOSE))
    button.exactly(3 if action == CHOOSE else 2)
    actor.require_coordinator()
    if action == CANCEL:
        # Only an announcement's draft: a forged token of another conversation's must not end it.
        await announcements.check_draft(deps.db, actor, token, deps.clock())
        await cancel_pressed(update, context, actor, token)
        return
    if action == CHOOSE:
        audience = Audience(button.choice(2, [a.value for a in Audience]))
        preview = await announcements.choose(deps.db, actor, token, audience, deps.clock())
        markup = _card_markup(context, actor, preview)
        await edit(update, context, actor, "announce_card", markup, preview=preview)
        return
    queued = await announcements.send(deps.db, actor, token, deps.clock())
    # Handed off before the card changes: whoever sees the answer sees the sending under way.
    await notices.announce(deps, context.bot, queued, spawn=deps.background.spawn)
    await edit(update, context, actor, "announce_queued", queued=queued)


async def typed_announcement(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    message = update.effective_message
    assert message is not None
    preview = await announcements.typed(deps.db, actor, text, entities_of(message.entities), deps.clock())
    await show(update, context, actor, preview)


CONVERSATIONS = [Conversation(DraftKind.ANNOUNCE, AnnounceStep, typed_announcement)]
