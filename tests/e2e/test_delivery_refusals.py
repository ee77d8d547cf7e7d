"""A send Telegram refuses (400) is never retried, and the log names the chat and the method."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from storage.models import Outbox, OutboxStatus
from tests.support.clock import FakeClock
from tests.support.harness import Harness, running_bot

FRIDAY_1800_WARSAW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(FRIDAY_1800_WARSAW - timedelta(hours=3))) as harness:
        yield harness


async def test_a_refused_daily_post_is_failed_once_logged_with_its_chat_and_never_retried(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    group = h.server.group(-1005, "Team")
    await h.say(boss, "/linkgroup", group)

    def asked() -> int:
        return len([c for m, c in h.server.calls if m == "sendMessage" and c.get("chat_id") == group.id])

    before = asked()
    h.server.fail("sendMessage", chat_id=group.id, kind="chat_not_found", times=5)
    caplog.set_level(logging.WARNING)
    h.clock.now = FRIDAY_1800_WARSAW
    await tick(Deliverer(h.deps, h.app.bot))
    h.clock.now += timedelta(minutes=1)
    await tick(Deliverer(h.deps, h.app.bot))
    assert asked() == before + 1  # the second tick did not try again
    async with h.db.read() as session:
        rows = (
            await session.execute(select(Outbox.status, Outbox.error).where(Outbox.chat_id == group.id))
        ).all()
    assert [status for status, _ in rows] == [OutboxStatus.FAILED] and "chat not found" in str(
        rows[0][1]
    ).lower()
    refused = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(group.id) in text and "sendMessage" in text for text in refused), refused
