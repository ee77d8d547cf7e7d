"""Webhook mode (`salesbot run --webhook`): one web server, Telegram posts the updates to it.

One ASGI application (Starlette under uvicorn, in the Application's own event loop, as PTB's
custom-webhook example runs it) serves `POST /telegram` and `GET /healthz`; it will carry the
other web pages too. An update posted to `/telegram` is stored in the inbox (`bot.services.inbox`,
the same store getUpdates answers go to) and only then answered 200, so Telegram forgets nothing
that is not in our database; it is handled from there by the Application, not inside the request,
and one not handled when the process dies is resumed at the next start, as in polling mode.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.deps import Deps
from bot.inbox import OUTAGE_NOTICE, OutageNotice, without_nul
from bot.services import inbox
from bot.settings import Settings, listen_address
from storage.db import is_unavailable

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is not from it
PING_TIMEOUT = 5.0
# What Telegram allows in a secret token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Role:
    """Whether this instance is the one Telegram talks to ("active") or waits ("standby").

    A webhook instance is a standby until it holds the active lock (`bot.app.become_active`),
    then `activate` points Telegram here.
    """

    def __init__(self) -> None:
        self.active = False

    @property
    def name(self) -> str:
        return "active" if self.active else "standby"

    def stand_by(self) -> None:
        self.active = False


def settings_problem(settings: Settings) -> str | None:
    """Why webhook mode cannot start with these settings (one line), or None."""
    if not settings.webhook_url:
        return "--webhook needs SALESBOT_WEBHOOK_URL (the public HTTPS URL Telegram posts to)"
    if not settings.webhook_secret:
        return "--webhook needs SALESBOT_WEBHOOK_SECRET (1-256 characters of A-Za-z0-9_-)"
    if not _SECRET.fullmatch(settings.webhook_secret):
        return "SALESBOT_WEBHOOK_SECRET must be 1-256 characters of A-Za-z0-9_- (as Telegram allows)"
    return None


async def activate(app: App, settings: Settings, role: Role) -> None:
    """Become the active instance: Telegram posts every update type the bot handles here."""
    await app.bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=Update.ALL_TYPES,  # message_reaction and chat_member included
        max_connections=settings.webhook_max_connections,
    )
    role.active = True
    log.info("webhook set; this instance is active")


async def _body(request: Request) -> bytes | None:
    """The body, or None when it is over MAX_BODY (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _secret_matches(given: str | None, secret: str) -> bool:
    if given is None:
        return False
    # Headers arrive as latin-1 text; compared as bytes, in constant time.
    return hmac.compare_digest(given.encode("latin-1"), secret.encode("latin-1"))


def web_app(app: App, deps: Deps, role: Role) -> Starlette:
    """The ASGI application: `/telegram` for Telegram, `/healthz` for whoever watches."""
    secret = deps.settings.webhook_secret

    async def telegram(request: Request) -> Response:
        if not _secret_matches(request.headers.get(SECRET_HEADER), secret):
            return Response(status_code=403)
        body = await _body(request)
        if body is None:
            return Response(status_code=413)
        try:
            raw = without_nul(json.loads(body))
            if not isinstance(raw, dict) or type(raw.get("update_id")) is not int:
                raise ValueError("not an update")
            # Parsed before it is stored: one PTB cannot read would fail again at every resume.
            update = Update.de_json(raw, app.bot)
        except Exception:
            return Response(status_code=400)
        active = role.active
        try:
            if active:
                await inbox.store(deps.db, [raw], deps.clock())
            else:
                # Telegram still posting here (the webhook is set before a takeover, or a proxy
                # sends to every instance): stored all the same, and the active instance is told.
                await inbox.store_for_active(deps.db, raw, deps.clock())
        except Exception as exc:
            log.exception("could not store posted update %s", raw["update_id"])
            notice = app.bot_data.get(OUTAGE_NOTICE)
            if is_unavailable(exc) and isinstance(notice, OutageNotice):
                notice.tell([raw])  # once, however often Telegram posts it again meanwhile
            return Response(status_code=500)  # Telegram posts it again later
        # Committed: now Telegram may forget it. A repost is stopped by the gate (inbox.take).
        if active:
            await app.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(_request: Request) -> Response:
        try:
            await asyncio.wait_for(deps.db.ping(), PING_TIMEOUT)
        except Exception as exc:
            log.warning("health check: the database is unreachable: %s", exc)
            return JSONResponse({"role": role.name, "database": "unreachable"}, status_code=503)
        return JSONResponse({"role": role.name, "database": "ok"})

    return Starlette(
        routes=[Route("/telegram", telegram, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens (Telegram is pointed here only then)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        except SystemExit:  # uvicorn ends the process when it cannot listen (having logged why)
            self.should_exit = True
            return
        if self.started:
            self.listening.set()


async def serve(app: App, deps: Deps, role: Role | None = None) -> None:
    """Run the web server and the Application in this loop until SIGINT or SIGTERM.

    The server listens first, as a standby (`/healthz` says so, `/telegram` stores what it is
    given for the active instance); post_init waits for the active lock (`bot.app.become_active`) and
    resumes the stored updates; then the Application starts and Telegram is pointed here.
    """
    role = role or Role()
    host, port = listen_address(deps.settings.listen)
    config = uvicorn.Config(
        web_app(app, deps, role), host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = _Server(config)

    def stop(_sig: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    # uvicorn catches these while it serves and raises them again when it is done: ours then
    # lets the Application stop cleanly (the default ones would kill it or raise mid-shutdown).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    # PTB's stop_running stops the loop run_polling runs; here it ends the server instead (the
    # active lock's watch calls it when the lock is lost).
    app.stop_running = lambda: stop(signal.SIGTERM, None)  # type: ignore[method-assign]
    await app.initialize()
    try:
        serving = await _listen(server, deps.settings)
        try:
            await _serve(app, deps.settings, role, server, serving)
        finally:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _listen(server: _Server, settings: Settings) -> asyncio.Task[None]:
    serving = asyncio.create_task(server.serve())
    listening = asyncio.create_task(server.listening.wait())
    await asyncio.wait([serving, listening], return_when=asyncio.FIRST_COMPLETED)
    if not listening.done():  # it could not listen
        listening.cancel()
        await serving
        raise OSError(f"cannot listen on {settings.listen}")
    return serving


async def _serve(
    app: App, settings: Settings, role: Role, server: _Server, serving: asyncio.Task[None]
) -> None:
    if app.post_init is not None:
        # As a standby this waits for the active lock; a signal meanwhile ends the server.
        init = asyncio.create_task(app.post_init(app))
        await asyncio.wait([init, serving], return_when=asyncio.FIRST_COMPLETED)
        if not init.done():
            init.cancel()
            await asyncio.gather(init, return_exceptions=True)
            return
        await init
    await app.start()
    await activate(app, settings, role)
    await serving
