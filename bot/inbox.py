"""The Telegram side of the inbox (`bot.services.inbox`): store on fetch, mark when handled, resume.

PTB confirms the updates of one getUpdates answer by asking for the next ones. The request used
for getUpdates stores the raw answer first, so by the time Telegram hears the update arrived it
is in our database; the Application marks each update handled once all its handlers ran.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application, ExtBot, JobQueue
from telegram.request import HTTPXRequest, RequestData

from bot.deps import BotContext, Clock, Deps
from bot.services import inbox
from storage.db import Database, is_unavailable

log = logging.getLogger(__name__)

PRUNE_AFTER = timedelta(days=7)
# While the database is away, storing fetched updates is tried again this often.
STORE_RETRY = 2.0


def without_nul(value: Any) -> Any:
    """The update with every NUL character removed from its strings.

    Nothing a person means holds one, and PostgreSQL refuses it in any text, so a forged update
    carrying one would reach a traceback in whichever query first met it.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


# Where the Application keeps its OutageNotice (bot_data), for the webhook's requests.
OUTAGE_NOTICE = "outage_notice"


class OutageNotice:
    """ "Temporarily unavailable" to whoever writes in a private chat while the database is away,
    once per update: their update waits (at Telegram, or in the webhook's retries) and is handled
    when the database is back, but they are not left wondering meanwhile."""

    REMEMBERED = 1000

    def __init__(self) -> None:
        # (chat id, the person's Telegram language): set by the composition root.
        self.send: Callable[[int, str | None], Awaitable[None]] | None = None
        self._told: deque[int] = deque(maxlen=self.REMEMBERED)
        self._tasks: set[asyncio.Task[None]] = set()

    def tell(self, updates: list[dict[str, Any]]) -> None:
        """Started beside the caller, which goes on waiting for the database."""
        task = asyncio.create_task(self._tell(updates))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, updates: list[dict[str, Any]]) -> None:
        for raw in updates:
            message, update_id = raw.get("message"), raw.get("update_id")
            if not isinstance(message, dict) or type(update_id) is not int or update_id in self._told:
                continue
            if self.send is None:
                continue
            chat, sender = message.get("chat") or {}, message.get("from") or {}
            if chat.get("type") != "private" or type(chat.get("id")) is not int:
                continue
            self._told.append(update_id)
            try:
                await self.send(chat["id"], sender.get("language_code"))
            except Exception as exc:  # best effort, as every apology
                log.warning("could not tell chat %s the bot is unavailable: %s", chat["id"], exc)


class InboxRequest(HTTPXRequest):
    """The getUpdates connection: every answer is stored before PTB parses it."""

    def __init__(self, db: Database, clock: Clock, notice: OutageNotice | None = None) -> None:
        super().__init__()
        self._db, self._clock = db, clock
        self._notice = notice

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200 and url.endswith("/getUpdates"):
            try:
                answer = without_nul(json.loads(payload))
                updates = answer.get("result") if answer.get("ok") else None
                await self._store(list(updates or []))
                payload = json.dumps(answer).encode()
            except Exception as exc:
                # Not stored, so not handed on: PTB asks again with the same offset, and Telegram
                # keeps the updates meanwhile.
                log.exception("could not store fetched updates")
                raise NetworkError(f"could not store fetched updates: {exc}") from exc
        return status, payload

    async def _store(self, updates: list[dict[str, Any]]) -> None:
        """Store, waiting out a database outage here: PTB would retry getUpdates at ever longer
        intervals (up to 30 s) and answer nothing sooner; Telegram keeps the updates meanwhile,
        since no later offset confirms them, and a shutdown cancels the wait."""
        waited = 0.0
        while True:
            try:
                await inbox.store(self._db, updates, self._clock())
                break
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                if waited == 0:
                    log.warning("the database is unavailable; %s fetched updates wait for it", len(updates))
                    if self._notice is not None:
                        self._notice.tell(updates)
            await asyncio.sleep(STORE_RETRY)
            waited += STORE_RETRY
        if waited:
            log.info("the database is back; stored the fetched updates after %.0f s", waited)


class InboxApplication(Application[ExtBot[None], BotContext, Any, Any, Any, JobQueue[BotContext]]):
    """Marks each update handled once every handler group has run (or stopped it)."""

    async def stop(self) -> None:
        # Before PTB waits for the running jobs: a fan-out in progress ends after its current send.
        deps = self.bot_data.get("deps")
        if isinstance(deps, Deps):
            deps.stopping = True
        await super().stop()

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if isinstance(update, Update):
            deps = self.bot_data["deps"]
            assert isinstance(deps, Deps)
            if update.update_id in deps.settled:
                # Marked when its answer went out (`handlers.common.settled`): one write, not two.
                deps.settled.discard(update.update_id)
                return
            try:
                await inbox.handled(deps.db, update.update_id, deps.clock())
            except Exception:  # it is handled again at the next start; its effects are idempotent
                log.exception("could not mark update %s handled", update.update_id)


async def resume(app: Application[Any, Any, Any, Any, Any, Any], deps: Deps) -> int:
    """Queue what the last process fetched but did not finish; returns how many."""
    pending = await inbox.resume(deps.db)
    for raw in pending:
        await app.update_queue.put(Update.de_json(raw, app.bot))
    if pending:
        log.info("resuming %s stored updates", len(pending))
    return len(pending)


async def redeliver(app: Application[Any, Any, Any, Any, Any, Any], deps: Deps, update_id: int) -> None:
    """Queue one stored update that nobody took yet (a standby stored it); taking is atomic, so
    one queued twice still runs once."""
    try:
        raw = await inbox.waiting(deps.db, update_id)
    except Exception:  # the half-minute job finds it later
        log.warning("could not read stored update %s", update_id, exc_info=True)
        return
    if raw is not None:
        await app.update_queue.put(Update.de_json(raw, app.bot))


async def prune_job(context: BotContext) -> None:
    deps = context.deps
    await inbox.forget_before(deps.db, deps.clock() - PRUNE_AFTER)


# An update stored this long ago and never taken is handed out again (see `inbox.stranded`).
STRANDED_AFTER = timedelta(seconds=30)


async def redeliver_job(context: BotContext) -> None:
    """Every half minute: updates the gate could not take (a database outage) are tried again."""
    deps = context.deps
    try:
        stranded = await inbox.stranded(deps.db, deps.clock() - STRANDED_AFTER)
    except Exception:  # the database is still away: the next run tries again
        log.warning("could not look for stranded updates", exc_info=True)
        return
    for raw in stranded:
        await context.application.update_queue.put(Update.de_json(raw, context.bot))
    if stranded:
        log.info("handing out %s stranded updates again", len(stranded))
