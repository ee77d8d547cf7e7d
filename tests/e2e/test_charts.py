"""Charts through the bot: the weekly digest's chart goes out once with it, /me chart draws a rep's month."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services import teams
from storage.models import Target
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(datetime(2026, 11, 20, 10, tzinfo=UTC))) as harness:
        yield harness


def png_size(message: SentMessage) -> tuple[int, int]:
    data = message.document
    assert data is not None and data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def photos(h: Harness, user: FakeUser) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if m.method == "sendPhoto"]


async def team(h: Harness) -> tuple[FakeUser, FakeUser]:
    boss = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(boss)
    rep = h.server.user(2, "Ola", language_code="en")
    await h.rep(boss, rep)
    card = (await h.say(rep, "/report 1 234,50 Acme"))[0]
    await h.tap(rep, card, button(card, "Save"))
    return boss, rep


async def test_the_weekly_digest_carries_one_chart_of_1200_by_600_sent_once(h: Harness) -> None:
    boss, _ = await team(h)
    deliverer = Deliverer(h.deps, h.app.bot)
    h.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Warsaw
    await tick(deliverer)
    await tick(deliverer)  # a second tick of the same minute claims nothing new
    h.clock.now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    await tick(deliverer)
    charts = photos(h, boss)
    assert len(charts) == 1
    assert png_size(charts[0]) == (1200, 600)
    assert "tempa" in charts[0].shown  # the caption in the coordinator's language
    texts = [m for m in h.server.messages_to(boss.id) if "Podsumowanie tygodnia" in m.shown]
    assert len(texts) == 1 and texts[0].message_id < charts[0].message_id  # the text first


async def test_me_chart_sends_the_rep_their_month_as_a_picture(h: Harness) -> None:
    boss, rep = await team(h)
    north = await teams.find_team(h.db, "North")
    async with h.db.write() as session:
        session.add(
            Target(
                team_id=north.id,
                person_id=rep.id,
                month=date(2026, 11, 1),
                amount_minor=3_000_000,
                set_by=boss.id,
                set_at=h.clock(),
            )
        )
    await h.say(rep, "/me chart")
    await h.server.wait_for(lambda: bool(photos(h, rep)))
    picture = photos(h, rep)[0]
    assert png_size(picture) == (1200, 600)
    assert (
        "This month so far: PLN\xa01,234.50." in picture.shown
        and "Target: PLN\xa030,000.00." in picture.shown
    )
    await h.say(boss, "/me wykres")
    await h.server.wait_for(lambda: bool(photos(h, boss)))
    assert "W tym miesiącu do dziś" in photos(h, boss)[0].shown
