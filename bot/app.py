"""Application assembly: the one place that builds PTB's Application and its long-lived parts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ContextTypes, Defaults

from bot.render import Renderer
from bot.settings import SUPPORTED_LOCALES, Settings
from storage.db import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    """What handlers need; created once, closed in post_shutdown."""

    settings: Settings
    db: Database
    renderer: Renderer
    clock: Clock = utc_now
    # The scheduler tick runs inside `salesbot run`; tests drive ticks themselves.
    scheduler: bool = True


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    deps = context.bot_data["deps"]
    assert isinstance(deps, Deps)
    return deps


def file_base_url(api_base_url: str) -> str:
    # ".../bot" -> ".../file/bot", as Telegram and the self-hosted Bot API server lay them out.
    head, _, tail = api_base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


# Private-chat and group menus; the descriptions are translated in templates/labels.j2.
PRIVATE_COMMANDS = (
    "report",
    "undo",
    "me",
    "points",
    "badges",
    "rewards",
    "contest",
    "leaderboard",
    "sales",
    "invite",
    "team",
    "help",
    "cancel",
)
GROUP_COMMANDS = ("leaderboard", "report", "linkgroup", "help")


async def set_command_menus(app: Application, renderer: Renderer) -> None:  # type: ignore[type-arg]
    for scope, names in (
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
    ):
        for locale in (None, *SUPPORTED_LOCALES):
            commands = [
                BotCommand(name, renderer.label(locale or "en", "command", name=name)) for name in names
            ]
            await app.bot.set_my_commands(commands=commands, scope=scope, language_code=locale)


def build_application(deps: Deps) -> Application:  # type: ignore[type-arg]
    from handlers import register  # handlers import bot.*, so the import waits until here

    settings = deps.settings

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await set_command_menus(app, deps.renderer)
        if app.job_queue is not None:
            app.job_queue.run_repeating(_prune_updates, interval=timedelta(hours=6), first=60)
            if deps.scheduler:
                app.job_queue.run_repeating(_tick, interval=TICK_INTERVAL, first=1, name="scheduler")

    async def post_shutdown(_app: Application) -> None:  # type: ignore[type-arg]
        await deps.db.dispose()

    app = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_base_url(settings.api_base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Within Telegram's limits: 30 msg/s overall, 20/min per group; a 429 is waited out twice.
        .rate_limiter(AIORateLimiter(max_retries=2))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["deps"] = deps
    register(app)
    return app


TICK_INTERVAL = timedelta(seconds=30)


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.jobs import Deliverer, tick

    try:
        await tick(Deliverer(deps_of(context), context.bot))
    except Exception:  # the next tick tries again; a failing tick must not stop the schedule
        log.exception("scheduler tick failed")


async def _prune_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
    from bot.services.updates import forget_before

    deps = deps_of(context)
    await forget_before(deps.db, deps.clock() - timedelta(days=7))
