"""Delivery: outbox rows to Telegram, and what each of Telegram's answers means for the row.

Features never call this directly: they queue through `bot.scheduler.notices`, the scheduler
through `bot.scheduler.outputs`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
from telegram import Bot, Message, MessageEntity
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.deps import Deps
from bot.keyboards import keyboard
from bot.pacing import retry_delay
from bot.services import digests, outbox
from bot.services.digests import Recipient
from bot.services.outbox import Envelope, Taken
from bot.settings import pick_locale
from bot.telegram_text import split_message
from storage.models import OutboxStatus

log = logging.getLogger(__name__)

# httpx's failures that happen before a byte of the request is written: nothing reached Telegram.
_BEFORE_WRITE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def provably_unsent(exc: NetworkError) -> bool:
    """Whether the failed request certainly never reached Telegram, so sending again is safe.

    PTB wraps httpx's errors (as `__cause__`); only a connection that could not be opened, or no
    free connection in the pool, proves nothing was written. A timeout while reading, a reset,
    a closed connection and a 5xx may all come after Telegram performed the request.
    """
    return isinstance(exc.__cause__, _BEFORE_WRITE)


def as_entities(entities: list[dict[str, Any]] | None) -> list[MessageEntity] | None:
    """Stored entities (Telegram's JSON) back as PTB's objects; None when the text is HTML."""
    if entities is None:
        return None
    return [MessageEntity.de_json(entity, None) for entity in entities]


def envelopes_for(
    recipient: Recipient, text: str, buttons: list[list[tuple[str, str]]] | None = None, *, pin: bool = False
) -> list[Envelope]:
    """One envelope per part of a long message (see `outbox.envelopes`)."""
    return outbox.envelopes(
        recipient.chat_id, recipient.person_id, split_message(text), buttons or [], pin=pin
    )


class Deliverer:
    """Sends outbox rows; shared by every tick loop and the CLI."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self.deps = deps
        self.db = deps.db
        self.bot = bot
        self.renderer = deps.renderer
        self.default_locale = deps.settings.locale

    def now(self) -> datetime:
        return self.deps.clock()

    async def deliver(self, claim_id: int | None = None) -> None:
        """Send what is pending (of one claim, or all); a chat told to wait is skipped whole."""
        waiting: set[int] = set()
        for outbox_id, chat_id in await outbox.pending(self.db, self.now(), claim_id):
            if chat_id in waiting:
                continue  # its earlier row waits for a 429: keep the chat's order
            taken = await outbox.take(self.db, outbox_id, self.now())
            while taken is not None:
                taken = await self._send(taken, waiting)

    async def _post(self, taken: Taken) -> Message:
        markup = keyboard(taken.buttons) if taken.buttons else None
        if taken.photo is not None:
            return await self.bot.send_photo(
                chat_id=taken.chat_id,
                photo=taken.photo,
                caption=taken.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return await self.bot.send_message(
            chat_id=taken.chat_id,
            text=taken.text,
            # A text kept as typed goes with its entities and no parse mode: "<b>" stays literal.
            parse_mode=ParseMode.HTML if taken.entities is None else None,
            entities=as_entities(taken.entities),
            reply_markup=markup,
        )

    async def _send(self, taken: Taken, waiting: set[int]) -> Taken | None:
        """Send one row and record what happened; returns the row again when it should be retried now.

        Exactly once: a row is sent again only when it provably did not reach Telegram (a 429, a
        connection never opened); anything else after the request may have been written is
        recorded as unknown and left for the coordinator's digest, never resent.
        """
        db, now = self.db, self.now()
        try:
            message = await self._post(taken)
        except Forbidden as exc:
            await outbox.record(db, taken.outbox_id, OutboxStatus.FORBIDDEN, now, error=str(exc))
            if taken.person_id is not None and taken.team_id is not None:
                await outbox.unreachable(db, taken.team_id, taken.person_id, now)
            return None
        except ChatMigrated as exc:
            await outbox.chat_migrated(db, taken, exc.new_chat_id, now)
            return await outbox.take(db, taken.outbox_id, now)
        except RetryAfter as exc:
            # Never slept on here: this chat's rows wait in the outbox, the other chats go on.
            await outbox.defer(db, taken, now + retry_delay(exc), now, str(exc))
            waiting.add(taken.chat_id)
            return None
        except BadRequest as exc:
            # Never retried: the same request would fail the same way (chat not found, bad markup).
            log.warning("sendMessage to chat %s refused: %s", taken.chat_id, exc)
            await outbox.record(db, taken.outbox_id, OutboxStatus.FAILED, now, error=str(exc))
            return None
        except NetworkError as exc:  # TimedOut included
            if provably_unsent(exc):
                await outbox.retry_later(db, taken, now, str(exc))
                return await outbox.take(db, taken.outbox_id, self.now()) if taken.attempts < 2 else None
            # It may have arrived: recorded as unknown rather than risk a second copy.
            log.warning("sendMessage to chat %s may not have arrived: %r", taken.chat_id, exc)
            await outbox.record(db, taken.outbox_id, OutboxStatus.UNKNOWN, now, error=str(exc) or repr(exc))
            return None
        await outbox.record(db, taken.outbox_id, OutboxStatus.SENT, now, message_id=message.message_id)
        if taken.pin and taken.team_id is not None:
            await self._pin(taken, taken.team_id, message.message_id)
        return None

    async def _pin(self, taken: Taken, team_id: int, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(
                chat_id=taken.chat_id, message_id=message_id, disable_notification=True
            )
        except (BadRequest, Forbidden) as exc:
            log.warning("cannot pin in chat %s: %s", taken.chat_id, exc)
            if await outbox.first_pin_refusal(self.db, team_id):
                await self._tell_coordinators_about_pins(team_id)
            return
        previous = await outbox.pinned(self.db, team_id, message_id)
        if previous is not None and previous != message_id:
            try:
                await self.bot.unpin_chat_message(chat_id=taken.chat_id, message_id=previous)
            except (BadRequest, Forbidden) as exc:
                log.info("could not unpin %s in chat %s: %s", previous, taken.chat_id, exc)

    async def _tell_coordinators_about_pins(self, team_id: int) -> None:
        team = await digests.team_info(self.db, team_id)
        envelopes = []
        for coordinator in await digests.coordinators(self.db, team_id):
            locale = pick_locale(coordinator.language_code, team.locale, self.default_locale)
            envelopes += envelopes_for(coordinator, self.renderer.render("pin_rights", locale, team=team))
        now = self.now()
        local_day = now.astimezone(team.zone).date()
        claim_id = await outbox.claim(self.db, team_id, "pin-rights", local_day, envelopes, now, force=False)
        if claim_id is not None:
            await self.deliver(claim_id)
