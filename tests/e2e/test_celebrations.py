"""Celebrations: a big deal, a target crossed and a best day make one cheer in the group, one a minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.support.botapi import FakeUser
from tests.support.clock import FakeClock, local
from tests.support.english_team import group_posts, make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def test_one_sale_makes_one_cheer_of_all_its_reasons_and_cheers_come_a_minute_apart(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:big_deal")
    await h.say(t.boss, "5 000")
    await h.say(t.boss, "/target @anna 1000")
    await t.sale("Anna", 10_000, local(11, 2, 9))  # an earlier day: her best is 100 so far

    async def report(user: FakeUser, text: str) -> None:
        card = (await h.say(user, text))[0]
        await h.tap(user, card, button(card, "Save"))

    h.clock.now = local(
        11,
        3,
        10,
        0,
    )
    await report(t.reps["Anna"], "/report 6000 Big client")  # big deal + target crossed + best day
    cheers = group_posts(h, "🎉")
    assert len(cheers) == 1
    assert "Big deal! Anna just closed" in cheers[0] and "100% of the monthly target" in cheers[0]
    assert "beaten their best day" in cheers[0]
    h.clock.now += timedelta(seconds=20)
    await report(t.reps["Bartek"], "/report 7000 Other client")  # within the minute: waits
    await report(t.reps["Anna"], "/report 10 Small")  # her best again today: not twice a day
    assert len(group_posts(h, "Big deal!")) == 1
    await t.tick_at(h.clock.now + timedelta(seconds=30))  # still within the minute
    assert len(group_posts(h, "Big deal!")) == 1
    await t.tick_at(h.clock.now + timedelta(seconds=15))  # a minute after the first cheer
    later = group_posts(h, "Big deal!")
    assert len(later) == 2 and "Bartek" in later[1] and "Anna" not in later[1]
