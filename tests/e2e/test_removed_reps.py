"""A removed rep is gone from the scheduled outputs: no nudge, no digest line, no place in the
daily post and no cheer in the group; their sales before the removal stay in the team's totals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, run_job
from bot.services import digests, teams
from bot.services.schedule import Kind
from tests.e2e.test_catalogue import add_item
from tests.support.botapi import FakeUser
from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, group_posts, make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 27, 9))) as harness:  # Friday
        yield harness


async def test_a_removed_rep_is_not_nudged(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await h.remove(t.boss, t.reps["Anna"])
    await t.tick_at(local(11, 27, 17, 0))  # the nudge time: neither has reported today
    assert await h.told(t.reps["Bartek"], "👋")
    assert await h.told(t.reps["Anna"], "👋") == []


async def test_digests_name_no_removed_rep_though_their_earlier_sales_stay_in_the_total(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await t.sale("Anna", 30_000, local(11, 27, 10))
    await t.sale("Bartek", 10_000, local(11, 27, 11))
    await t.sale("Anna", 5_000, local(11, 24, 10))  # last week, for the weekly digest
    h.clock.now = local(11, 28, 12)  # Saturday: Anna and Cezary (who sold nothing) are removed
    await h.remove(t.boss, t.reps["Anna"])
    await h.remove(t.boss, t.reps["Cezary"])
    await t.tick_at(local(11, 30, 8, 0))  # Monday: the daily and the weekly digest
    boss_sees = [m.shown for m in h.server.messages_to(t.boss.id)]
    daily = next(text for text in boss_sees if "Daily summary" in text)
    weekly = next(text for text in boss_sees if "Weekly summary" in text)
    assert "Bartek — PLN\xa0100.00" in daily and "Team total: PLN\xa0400.00" in daily
    assert "Bartek — PLN\xa0100.00" in weekly
    for text in (daily, weekly):
        assert "Anna" not in text and "Cezary" not in text


async def test_the_daily_post_names_no_removed_rep_among_the_sellers_or_the_rewarded(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await t.sale("Anna", 30_000, local(11, 27, 10))
    await t.sale("Bartek", 10_000, local(11, 27, 11))
    await t.close(date(2026, 11, 27))  # the close rewards Anna as top seller; the post names her
    assert "Anna" in h.server.last_to(GROUP).shown
    h.clock.now = local(11, 27, 19, 0)
    await h.remove(t.boss, t.reps["Anna"])
    # `salesbot jobs run daily-post --force` for the same day, after the removal.
    schedule = await digests.schedule_of(h.db, (await teams.find_team(h.db, "North")).id)
    deliverer = Deliverer(h.deps, h.app.bot)
    again = await run_job(deliverer, schedule, Kind.DAILY_POST, date(2026, 11, 27), force=True)
    assert again.outcome is Outcome.SENT
    post = h.server.last_to(GROUP).shown
    assert "1. Bartek — PLN\xa0100.00" in post and "Team total: PLN\xa0400.00" in post
    assert "Anna" not in post


async def test_a_cheer_waiting_for_its_minute_is_not_posted_for_a_rep_removed_meanwhile(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:big_deal")
    await h.say(t.boss, "5 000")

    async def report(user: FakeUser, text: str) -> None:
        card = (await h.say(user, text))[0]
        await h.tap(user, card, button(card, "Save"))

    h.clock.now = local(11, 27, 10, 0)
    await report(t.reps["Bartek"], "/report 6000 First client")  # cheered at once
    h.clock.now += timedelta(seconds=20)
    await report(t.reps["Anna"], "/report 7000 Big client")  # within the minute: waits
    await report(t.reps["Bartek"], "/report 8000 Second client")  # waits as well
    await h.remove(t.boss, t.reps["Anna"])
    await t.tick_at(h.clock.now + timedelta(minutes=1))
    cheers = group_posts(h, "Big deal!")
    assert len(cheers) == 2 and "Bartek" in cheers[1]
    assert group_posts(h, "Anna") == []


async def test_a_removed_reps_reward_request_is_neither_listed_nor_decided_nor_reported_to_them(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await add_item(h, t.boss, "Cinema", "100", "3")
    await t.give_points("Anna", 150)
    catalogue = (await h.say(anna, "/rewards"))[0]
    await h.tap(anna, catalogue, button(catalogue, "Cinema"))
    review = h.server.last_to(t.boss.id)
    assert "Waiting for your decision" in (await h.say(t.boss, "/rewards"))[0].shown
    await h.remove(t.boss, anna)
    assert "Waiting for your decision" not in (await h.say(t.boss, "/rewards"))[0].shown
    for label in ("Reject", "Approve"):
        answer = await h.tap(t.boss, review, button(review, label))
        assert answer is not None and "left the team" in answer
    assert await h.told(anna, "approved") == []  # neither "approved" nor "not approved"
