"""The live board's Telegram part: post and pin it, edit it in place, finish and unpin it.

Edits go through the bot's pacer like every other call, so they count toward the group's
20 messages a minute. A board that can no longer be edited (deleted, too old) is posted anew.
"""

from __future__ import annotations

import logging

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.scheduler.delivery import Deliverer
from bot.services import live_board
from bot.services.live_board import Due, Step
from bot.services.topics import Topic

log = logging.getLogger(__name__)

# Telegram's answers to an edit of a message that is gone or can no longer be changed.
_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


def _says(exc: TelegramError, phrases: tuple[str, ...]) -> bool:
    text = exc.message.lower()
    return any(phrase in text for phrase in phrases)


async def live_boards(deliverer: Deliverer) -> None:
    """Every board that needs Telegram now; one group's failure never stops the others."""
    for item in await live_board.due(deliverer.db, deliverer.now()):
        try:
            await _serve(deliverer, item)
        except RetryAfter:
            pass  # the pacer refused this group for now: the board is looked at again next tick
        except (Forbidden, NetworkError, BadRequest) as exc:
            log.warning("live board in chat %s: %s", item.chat_id, exc)


async def _serve(deliverer: Deliverer, item: Due) -> None:
    db, now, team = deliverer.db, deliverer.now(), item.team
    board = await live_board.board(db, team, item.day, now, final=item.step is Step.FINAL)
    text = deliverer.renderer.render("live_board", team.locale, board=board, team=team)
    digest = live_board.digest_of(text)
    if item.step is Step.POST or item.message_id is None:
        if item.step is Step.FINAL:  # never posted, and the daily post has the day now
            await live_board.finished(db, team.id, item.day)
            return
        await _post(deliverer, item, text, digest)
        return
    if digest != item.digest:
        try:
            await deliverer.bot.edit_message_text(
                chat_id=item.chat_id, message_id=item.message_id, text=text, parse_mode=ParseMode.HTML
            )
        except BadRequest as exc:
            if _says(exc, ("message is not modified",)):
                pass  # it already shows this (an edit whose answer was lost): nothing to log
            elif _says(exc, _GONE) and item.step is Step.EDIT:
                await _post(deliverer, item, text, digest)
                return
            elif not _says(exc, _GONE):
                raise
    if item.step is Step.FINAL:
        try:
            await deliverer.bot.unpin_chat_message(chat_id=item.chat_id, message_id=item.message_id)
        except (BadRequest, Forbidden) as exc:
            log.info("could not unpin the live board in chat %s: %s", item.chat_id, exc)
        await live_board.finished(db, team.id, item.day)
    elif digest != item.digest:
        await live_board.edited(db, team.id, item.day, digest, now)
    else:
        await live_board.unchanged(db, team.id, item.day, now)


async def _post(deliverer: Deliverer, item: Due, text: str, digest: str) -> None:
    db, now, team = deliverer.db, deliverer.now(), item.team

    async def send(thread_id: int | None) -> Message:
        return await deliverer.bot.send_message(
            chat_id=item.chat_id, text=text, parse_mode=ParseMode.HTML, message_thread_id=thread_id
        )

    try:
        message = await deliverer.post_in_topic(team.id, item.chat_id, Topic.BOARD, send)
    except (BadRequest, Forbidden):
        await live_board.failed(db, team.id, item.day, now)
        raise
    await live_board.posted(db, team.id, item.day, message.message_id, digest, now)
    try:
        await deliverer.bot.pin_chat_message(
            chat_id=item.chat_id, message_id=message.message_id, disable_notification=True
        )
    except (BadRequest, Forbidden) as exc:
        # The daily post tells the coordinators about missing pin rights; the board just stands.
        log.info("could not pin the live board in chat %s: %s", item.chat_id, exc)
