"""/summary and the managers' Monday digest: one phone-wide table of their teams, then the chart."""

from __future__ import annotations

import asyncio
import html
import re
import struct
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services import teams
from storage.db import Database
from storage.models import Target, TeamManager
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.harness import Harness, button, running_bot

EVIL = "<b>x</b> & </a> 😀"
WEDNESDAY = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(datetime(2026, 11, 24, 10, tzinfo=UTC))) as harness:
        yield harness


def table(message: SentMessage) -> list[str]:
    assert message.text is not None
    found = re.search(r"<pre>(.*?)</pre>", message.text, re.S)
    assert found, message.text
    return html.unescape(found.group(1)).split("\n")


def photos(h: Harness, user: FakeUser) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if m.method == "sendPhoto"]


def png_size(message: SentMessage) -> tuple[int, int]:
    assert message.document is not None and message.document[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", message.document[16:24])
    return width, height


async def sell(h: Harness, rep: FakeUser, amount: str, when: datetime) -> None:
    h.clock.now = when
    card = (await h.say(rep, f"/report {amount} Acme"))[0]
    await h.tap(rep, card, button(card, "Zapisz" if rep.language_code == "pl" else "Save"))


async def setup(h: Harness) -> tuple[FakeUser, FakeUser, FakeUser]:
    north = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(north, "North")
    south = h.server.user(2, "Marek", language_code="en")
    await h.coordinator(south, EVIL, locale="en")
    west = h.server.user(3, "Olek", language_code="en")
    await h.coordinator(west, "West", locale="en")
    anna = h.server.user(11, "Anna", language_code="pl")
    await h.rep(north, anna)
    ewa = h.server.user(12, "Ewa", language_code="en")
    await h.rep(south, ewa)
    await sell(h, anna, "100", datetime(2026, 11, 24, 10, tzinfo=UTC))  # last week's Tuesday
    await sell(h, anna, "300", datetime(2026, 12, 1, 10, tzinfo=UTC))  # this week's Tuesday
    await sell(h, ewa, "50", datetime(2026, 12, 1, 11, tzinfo=UTC))
    boss = h.server.user(20, "Zofia", language_code="en")
    await h.say(boss, "/help")
    async with h.db.write() as session:
        for name in ("North", EVIL):
            team = await teams.find_team(h.db, name)
            session.add(TeamManager(team_id=team.id, person_id=boss.id, added_at=h.clock()))
        north_team = await teams.find_team(h.db, "North")
        session.add(
            Target(
                team_id=north_team.id,
                person_id=0,
                month=date(2026, 12, 1),
                amount_minor=2_300_000,  # 23 post days in December 2026
                set_by=north.id,
                set_at=h.clock(),
            )
        )
    return boss, anna, west


async def test_summary_is_one_phone_wide_table_of_the_manager_s_teams_then_a_chart(h: Harness) -> None:
    boss, anna, west = await setup(h)
    h.clock.now = WEDNESDAY
    answer = (await h.say(boss, "/summary"))[0]
    lines = table(answer)
    assert all(len(line) <= 40 for line in lines), lines
    text = "\n".join(lines)
    assert "North" in text and EVIL in text and "West" not in text  # only the manager's teams
    north = lines[lines.index("North") + 1]
    # This week so far: 300.00 of a week's share (Mon-Fri: 5 x 1,000.00) = 6 %; last week's
    # same days (Monday to Wednesday) had 100.00: +200 %.
    assert "PLN\xa0300.00" in north and "6%" in north and "+200%" in north
    assert "best: Anna" in text
    await h.server.wait_for(lambda: bool(photos(h, boss)))
    assert png_size(photos(h, boss)[0]) == (1200, 600)
    assert "tylko kierownik" in (await h.say(anna, "/summary"))[0].shown
    assert "Only a manager" in (await h.say(west, "/summary month"))[0].shown


async def test_summary_month_and_the_polish_words(h: Harness) -> None:
    boss, _, _ = await setup(h)
    h.clock.now = WEDNESDAY
    month = table((await h.say(boss, "/summary month"))[0])
    assert "PLN\xa0300.00" in month[month.index("North") + 1] and "1%" in month[month.index("North") + 1]
    await h.server.wait_for(lambda: len(photos(h, boss)) == 1)  # the table's chart comes after it
    refused = (await h.say(boss, "/summary year"))[0].shown
    assert "/summary month" in refused
    assert (await h.say(boss, "/summary miesiąc"))[0].shown.startswith("Your teams this month")


async def test_managers_get_last_week_on_monday_morning_once(h: Harness) -> None:
    boss, _, _ = await setup(h)
    deliverer = Deliverer(h.deps, h.app.bot)
    h.clock.now = datetime(2026, 11, 30, 7, 29, tzinfo=UTC)  # 08:29 in Warsaw
    await tick(deliverer)
    assert not [m for m in h.server.messages_to(boss.id) if "last week" in m.shown]
    h.clock.now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    await tick(deliverer)
    await tick(deliverer)
    h.clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    await tick(deliverer)
    digests = [m for m in h.server.messages_to(boss.id) if "Your teams last week" in m.shown]
    assert len(digests) == 1
    lines = table(digests[0])
    assert (
        "23 Nov 2026 – 29 Nov 2026" in digests[0].shown and "PLN\xa0100.00" in lines[lines.index("North") + 1]
    )
    assert len(photos(h, boss)) == 1 and png_size(photos(h, boss)[0]) == (1200, 600)


async def test_two_processes_ticking_together_send_the_manager_digest_once(h: Harness) -> None:
    boss, _, _ = await setup(h)
    other = Database(h.deps.settings.database_url)  # a second process's own connections
    try:
        first = Deliverer(h.deps, h.app.bot)
        second = Deliverer(replace(h.deps, db=other), h.app.bot)
        h.clock.now = datetime(2026, 11, 30, 7, 45, tzinfo=UTC)
        await asyncio.gather(tick(first), tick(second), tick(first), tick(second))
    finally:
        await other.dispose()
    assert len([m for m in h.server.messages_to(boss.id) if "Your teams last week" in m.shown]) == 1
    assert len(photos(h, boss)) == 1
