"""The live board's Telegram part: post and pin it, edit it in place, finish and unpin it.

Edits go through the bot's pacer like every other call, so they count toward the group's
20 messages a minute. A board that can no longer be edited (deleted, too old) is posted anew;
a post whose answer is lost is never repeated (it may have arrived), as with the outbox.
"""

from __future__ import annotations

import logging

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.scheduler.delivery import Deliverer, provably_unsent
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
        except ChatMigrated as exc:  # the next tick posts it in the supergroup
            await live_board.moved(deliverer.db, item.team.id, item.day, exc.new_chat_id)
        except RetryAfter:
            pass  # the group's turn is later: the board is looked at again after the gap
        except TelegramError as exc:
            log.warning("live board in chat %s: %s", item.chat_id, exc)


async def _serve(deliverer: Deliverer, item: Due) -> None:
    db, now, team = deliverer.db, deliverer.now(), item.team
    if item.step is Step.DROP or (item.step is Step.FINAL and item.message_id is None):
        await live_board.finished(db, team.id, item.day)  # nothing in the group to finish
        return
    board = await live_board.board(db, team, item.day, now, final=item.step is Step.FINAL)
    text = deliverer.renderer.render("live_board", team.locale, board=board, team=team)
    digest = live_board.digest_of(text)
    if item.message_id is None:
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
            elif not _says(exc, _GONE):
                raise
            elif item.step is Step.EDIT:  # deleted or too old: a new one takes its place and pin
                await _unpin(deliverer, item.chat_id, item.message_id)
                await live_board.reposting(db, team.id, item.day)
                await _post(deliverer, item, text, digest)
                return
    if item.step is Step.FINAL:
        await _unpin(deliverer, item.chat_id, item.message_id)
        await live_board.finished(db, team.id, item.day)
    elif digest != item.digest:
        await live_board.edited(db, team.id, item.day, digest, now)


async def _unpin(deliverer: Deliverer, chat_id: int, message_id: int) -> None:
    try:
        await deliverer.bot.unpin_chat_message(chat_id=chat_id, message_id=message_id)
    except (BadRequest, Forbidden) as exc:
        log.info("could not unpin the live board in chat %s: %s", chat_id, exc)


async def _post(deliverer: Deliverer, item: Due, text: str, digest: str) -> None:
    db, now, team = deliverer.db, deliverer.now(), item.team

    async def send(thread_id: int | None) -> Message:
        return await deliverer.bot.send_message(
            chat_id=item.chat_id, text=text, parse_mode=ParseMode.HTML, message_thread_id=thread_id
        )

    try:
        message = await deliverer.post_in_topic(team.id, item.chat_id, Topic.BOARD, send)
    except RetryAfter:
        await live_board.failed(db, team.id, item.day, now)  # refused for now: tried after the gap
        raise
    except (Forbidden, BadRequest) as exc:
        # Kicked from the group, or a board Telegram will never take: no board today.
        log.warning("live board refused in chat %s: %s", item.chat_id, exc)
        await live_board.finished(db, team.id, item.day)
        return
    except NetworkError as exc:
        if provably_unsent(exc):
            await live_board.failed(db, team.id, item.day, now)
        # Otherwise it may have arrived: the POSTING mark stays and it is never sent twice.
        raise
    await live_board.posted(db, team.id, item.day, message.message_id, digest, now)
    try:
        await deliverer.bot.pin_chat_message(
            chat_id=item.chat_id, message_id=message.message_id, disable_notification=True
        )
    except (BadRequest, Forbidden) as exc:
        # The daily post tells the coordinators about missing pin rights; the board just stands.
        log.info("could not pin the live board in chat %s: %s", item.chat_id, exc)
