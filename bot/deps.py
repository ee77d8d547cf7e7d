"""The leaf every Telegram-facing layer leans on: shared dependencies, the clock, the typed context.

It imports nothing of `handlers/`, the scheduler or the composition root (`bot/app.py`), so any
of them can use it without an import circle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.background import Background
from bot.render import Renderer
from bot.settings import Settings
from storage.db import Database
from storage.instance import ActiveLock

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    """What handlers and the scheduler need; created once, closed in post_shutdown."""

    settings: Settings
    db: Database
    renderer: Renderer
    clock: Clock = utc_now
    # The scheduler tick runs inside `salesbot run`; tests drive ticks themselves.
    scheduler: bool = True
    # Notices a handler sends beside its answer (awaited before the database closes).
    background: Background = field(default_factory=Background)
    # `salesbot run` holds it: one active instance per database (None in tests and one-shot commands).
    active_lock: ActiveLock | None = None
    # Set when the Application begins to stop (SIGTERM): deliveries finish the send in flight
    # and leave the rest pending for the next start, instead of holding the shutdown up.
    stopping: bool = False
    # Set while the active lock is lost and cannot be taken again (the database is away): the
    # scheduler does not tick then (`bot.app.become_active`); cleared when the lock is held again.
    lock_lost: bool = False
    # Updates already marked handled when their answer went out, until their processing ends.
    settled: set[int] = field(default_factory=set)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with our dependencies one attribute away (registered through ContextTypes)."""

    @property
    def deps(self) -> Deps:
        deps = self.bot_data["deps"]
        assert isinstance(deps, Deps)
        return deps
