"""What every handler shares: who is asking, how to answer, and how refusals and errors are shown."""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import wraps
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ApplicationHandlerStop

from bot.callbacks import Callback as CallbackData
from bot.callbacks import Prefix, decode, encode
from bot.deps import BotContext
from bot.keyboards import Rows, pager, rows_of
from bot.keyboards import keyboard as keyboard  # re-exported: every handler builds its buttons with it
from bot.pacing import retry_delay
from bot.services import inbox, outbox
from bot.services.access import Actor, PersonData, admit, identify
from bot.services.errors import Reason, Refused
from bot.services.paging import MAX_PAGE, Page, search_query
from bot.settings import pick_locale
from bot.telegram_text import split_message
from storage.db import is_unavailable

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
ActorCallback = Callable[[Update, BotContext, Actor], Coroutine[Any, Any, None]]

# Commands a stranger may still use: /start carries invite codes; /privacy is for anyone we see.
OPEN_COMMANDS = ("/start", "/privacy")


def command_args(update: Update) -> str:
    """What follows the command in the message ("" when nothing does)."""
    assert update.effective_message is not None
    parts = (update.effective_message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def person_data(user: User) -> PersonData:
    return PersonData(user.id, user.first_name, user.last_name, user.username, user.language_code)


async def current_actor(update: Update, context: BotContext, *, fresh: bool = False) -> Actor:
    """The actor the gate found for this very update; `fresh` looks again (after joining)."""
    cached = context.user_data.get("actor") if context.user_data is not None else None
    if not fresh and cached is not None and cached[0] == update.update_id:
        actor: Actor = cached[1]
        return actor
    assert update.effective_user is not None
    deps = context.deps
    actor = await identify(deps.db, person_data(update.effective_user), deps.clock(), deps.settings.locale)
    if context.user_data is not None:
        context.user_data["actor"] = (update.update_id, actor)
    return actor


async def gate(update: Update, context: BotContext) -> None:
    """Group -2: drop redeliveries, then stop strangers before any feature sees them.

    A hard stop: whatever goes wrong in here (the database, the Bot API answering a stranger)
    is logged and stops the update, since PTB would otherwise run the ordinary handlers after the
    error handler, and they rely on what the gate checked.
    """
    try:
        passed = await _admit(update, context)
    except ApplicationHandlerStop:
        raise
    except Exception as error:
        log.exception("gate failed for update %s; stopped", update.update_id)
        if is_unavailable(error):
            # Stored but not taken: `redeliver_job` hands it out again once the database is back.
            await on_error(update, _with_error(context, error))
        else:
            await _answer_quietly(update)
        raise ApplicationHandlerStop from None
    if not passed:
        raise ApplicationHandlerStop


def _with_error(context: BotContext, error: Exception) -> BotContext:
    context.error = error
    return context


async def _answer_quietly(update: Update) -> None:
    # A pressed button must not spin even when the gate failed; this answer may fail too.
    if update.callback_query is not None:
        with contextlib.suppress(Exception):
            await update.callback_query.answer()


async def _admit(update: Update, context: BotContext) -> bool:
    """True when the update goes on to the features."""
    deps = context.deps
    if update.edited_message is not None or update.edited_channel_post is not None:
        # An edited message must not run its command or answer again (an edited /undo would
        # void a second sale); a correction is sent as a new message.
        return False
    if update.effective_user is None:
        if not await inbox.take(deps.db, update.update_id, deps.clock()):
            log.info("update %s delivered again; ignored", update.update_id)
            return False
        return True
    # One transaction takes the update and finds who sent it (`access.admit`).
    found = await admit(
        deps.db, update.update_id, person_data(update.effective_user), deps.clock(), deps.settings.locale
    )
    if found is None:
        log.info("update %s delivered again; ignored", update.update_id)
        return False
    actor = found
    if context.user_data is not None:
        context.user_data["actor"] = (update.update_id, actor)
    if actor.is_member or actor.is_manager:
        return True
    message = update.effective_message
    text = (message.text or "") if message else ""
    if text.split("@")[0].split(" ")[0] in OPEN_COMMANDS and not update.callback_query:
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(
            alert_text(deps.renderer.render("stranger_short", actor.locale)), show_alert=True
        )
    elif is_private(update) or text.startswith("/"):
        await reply(update, context, actor, "stranger")
    return False


def alert_text(text: str) -> str:
    """A pop-up alert is plain text, not HTML: the templates' escapes would show literally."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


async def settled(update: Update, context: BotContext) -> None:
    """Mark the update handled before its answer goes out.

    Services commit before a handler answers, so from here on the update's effect is stored: a
    process killed while answering must not hand the update out again at its next start (a typed
    answer would be applied twice). At worst the answer itself is lost, never the effect.
    """
    deps = context.deps
    if update.update_id in deps.settled:
        return  # a second answer of the same update: marked already
    await inbox.handled(deps.db, update.update_id, deps.clock())
    deps.settled.add(update.update_id)  # the end of processing need not mark it again


async def reply(
    update: Update,
    context: BotContext,
    actor: Actor,
    template: str,
    markup: InlineKeyboardMarkup | None = None,
    /,
    **values: Any,
) -> Message | None:
    """Render a template in the actor's language and send it to the chat the update came from."""
    text = context.deps.renderer.render(template, actor.locale, **values)
    await settled(update, context)
    chat = update.effective_chat
    assert chat is not None
    return await _send(context, chat.id, split_message(text), markup, topic_of(update))


def topic_of(update: Update) -> int | None:
    """The forum topic the update came from: an answer goes back to it, not to General."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def _send(
    context: BotContext,
    chat_id: int,
    parts: list[str],
    markup: InlineKeyboardMarkup | None,
    thread_id: int | None = None,
) -> Message | None:
    """Send the parts in order, the buttons under the last; from a 429 on, they wait in the outbox."""
    deps = context.deps
    if parts and (waiting := await outbox.answers_waiting(deps.db, chat_id)) is not None:
        # Earlier answers to this chat still wait after a 429: this one goes behind them.
        await _queue(context, chat_id, parts, markup, max(waiting, deps.clock()))
        return None
    sent = None
    for index, part in enumerate(parts):
        try:
            sent = await context.bot.send_message(
                chat_id=chat_id,
                text=part,
                reply_markup=markup if index == len(parts) - 1 else None,
                message_thread_id=thread_id,
            )
        except RetryAfter as exc:
            await _later(context, chat_id, parts[index:], markup, exc)
            return None
    return sent


async def _later(
    context: BotContext, chat_id: int, parts: list[str], markup: InlineKeyboardMarkup | None, exc: RetryAfter
) -> None:
    """Telegram told this chat to wait: the answer waits in the outbox, and nobody sleeps on it."""
    await _queue(context, chat_id, parts, markup, context.deps.clock() + retry_delay(exc))
    log.info("chat %s must wait %s: the answer is queued", chat_id, exc.retry_after)


async def _queue(
    context: BotContext,
    chat_id: int,
    parts: list[str],
    markup: InlineKeyboardMarkup | None,
    not_before: datetime,
) -> None:
    """The answer's parts into the outbox, claim-less, for the scheduler to send from `not_before` on."""
    person_id = chat_id if chat_id > 0 else None
    queued = outbox.envelopes(chat_id, person_id, parts, rows_of(markup))
    await outbox.later(context.deps.db, queued, not_before, context.deps.clock())


async def edit(
    update: Update,
    context: BotContext,
    actor: Actor,
    template: str,
    markup: InlineKeyboardMarkup | None = None,
    /,
    **values: Any,
) -> None:
    """Replace the message under a pressed button; "not modified" is harmless.

    A text too long for one message: the card shows its first part, without buttons, and the
    rest follow as new messages, the buttons under the last one.
    """
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    text = context.deps.renderer.render(template, actor.locale, **values)
    await settled(update, context)
    parts = split_message(text)
    try:
        await query.edit_message_text(text=parts[0], reply_markup=markup if len(parts) == 1 else None)
    except RetryAfter as exc:
        # The card cannot change now: its new state comes as a message once the chat may be sent to.
        await _later(context, chat.id, parts, markup, exc)
        return
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return  # the card shows this already: whoever edited it sent the rest
    await _send(context, chat.id, parts[1:], markup, topic_of(update))


async def respond(
    update: Update,
    context: BotContext,
    actor: Actor,
    template: str,
    markup: InlineKeyboardMarkup | None = None,
    /,
    *,
    editing: bool,
    **values: Any,
) -> None:
    """Replace the message under a pressed button (`editing`), or send a new one."""
    if editing:
        await edit(update, context, actor, template, markup, **values)
    else:
        await reply(update, context, actor, template, markup, **values)


def with_actor(callback: ActorCallback) -> Callback:
    """Resolve the actor, answer a pressed button, and show a Refused as a sentence, not an error."""

    @wraps(callback)
    async def run(update: Update, context: BotContext) -> None:
        actor = await current_actor(update, context)
        query = update.callback_query
        try:
            await callback(update, context, actor)
        except Refused as refusal:
            text = context.deps.renderer.render(
                "refused", actor.locale, reason=refusal.reason, **refusal.details
            )
            if query is not None:
                await query.answer(alert_text(text), show_alert=True)
            else:
                await reply(update, context, actor, "refused", reason=refusal.reason, **refusal.details)
            return
        if query is not None:
            # Answering twice is an error, so only answer what the callback left unanswered.
            with contextlib.suppress(BadRequest):
                await query.answer()

    return run


def pressed(update: Update, prefix: Prefix) -> CallbackData:
    """The pressed button's fields, read through the one codec (data are never trusted)."""
    assert update.callback_query is not None
    return decode(update.callback_query.data, prefix)


def page_buttons(page: Page[Any], prefix: Prefix, *head: str | int) -> Rows:
    """◀ n/N ▶ under a paged list; each carries its page number and the list's search."""
    tail = [page.query] if page.query else []
    return pager(page.number, page.pages, lambda number: encode(prefix, *head, number, *tail))


def pressed_page(button: CallbackData, index: int) -> tuple[int, str]:
    """The page number (range-checked) and the search a page button carries from `index` on."""
    number = button.number(index, 0, MAX_PAGE) if button.has(index) else 0
    query = search_query(button.text(index + 1)) if button.has(index + 1) else ""
    return number, query


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def private_only(callback: ActorCallback) -> ActorCallback:
    """For `with_actor` callbacks that only make sense in the person's private chat with the bot."""

    @wraps(callback)
    async def run(update: Update, context: BotContext, actor: Actor) -> None:
        if not is_private(update):
            raise Refused(Reason.PRIVATE_ONLY)
        await callback(update, context, actor)

    return run


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id on stderr; apologise briefly; the bot goes on serving others."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if is_unavailable(context.error):
            # No database to ask for the person's team: their Telegram language, else the default.
            user = update.effective_user
            locale = pick_locale(user.language_code if user else None, None, context.deps.settings.locale)
            text = context.deps.renderer.render("unavailable", locale)
        else:
            actor = await current_actor(update, context) if update.effective_user else None
            locale = actor.locale if actor else context.deps.settings.locale
            text = context.deps.renderer.render("apology", locale)
        if update.callback_query is not None:
            await update.callback_query.answer(alert_text(text), show_alert=True)
        else:
            await context.bot.send_message(
                chat_id=update.effective_chat.id, text=text, message_thread_id=topic_of(update)
            )
    except Exception:  # the apology is best effort: never let it raise from the error handler
        log.exception("could not apologise for update %s", update_id)


@with_actor
async def stale_button(update: Update, context: BotContext, actor: Actor) -> None:
    raise Refused(Reason.STALE_BUTTON)
