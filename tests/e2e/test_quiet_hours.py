"""Quiet hours: cheers and leader changes inside them are never sent; reminders and replies always are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services import teams
from storage.models import Celebration
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import group_posts, make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def big_deals_from(h: Harness, boss: FakeUser, amount: str) -> None:
    screen = (await h.say(boss, "/settings"))[0]
    await h.tap(boss, screen, "set:ask:big_deal")
    await h.say(boss, amount)


async def report(h: Harness, user: FakeUser, text: str) -> SentMessage:
    card = (await h.say(user, text))[0]
    await h.tap(user, card, button(card, "Save"))
    return card


async def test_a_cheer_due_at_22_30_is_never_sent_then_or_in_the_morning(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await big_deals_from(h, t.boss, "5 000")
    h.clock.now = local(11, 3, 22, 30)
    card = await report(h, t.reps["Anna"], "/report 6000 Night client")
    assert "Sale saved" in card.shown  # the rep's own conversation is answered at once, quiet or not
    for at in (local(11, 3, 22, 31), local(11, 3, 23, 59), local(11, 4, 8, 0), local(11, 4, 9, 0)):
        await t.tick_at(at)
    assert group_posts(h, "Big deal!") == []
    # Outside the quiet hours the same kind of sale is cheered as ever.
    h.clock.now = local(11, 4, 10, 0)
    await report(h, t.reps["Anna"], "/report 7000 Day client")
    cheers = group_posts(h, "Big deal!")
    assert len(cheers) == 1 and "7,000.00" in cheers[0] and "6,000.00" not in cheers[0]


async def test_a_meeting_reminder_due_at_22_30_is_sent_at_22_30(h: Harness) -> None:
    t = await make_team(h, "Anna")
    h.clock.now = local(11, 3, 10, 0)
    step = (await h.say(t.boss, "/meeting"))[0]
    await h.tap(t.boss, step, next(d for text, d in step.buttons() if "Team meeting" in text))
    await h.say(t.boss, "Late call")
    step = (await h.say(t.boss, "2026-11-03 23:30"))[0]
    await h.tap(t.boss, step, next(d for text, d in step.buttons() if "60" in text))
    step = (await h.say(t.boss, "Online"))[0]
    await h.tap(t.boss, step, next(d for text, d in step.buttons() if "The whole team" in text))
    await h.tap(t.boss, step, next(d for text, d in step.buttons() if "Save" in text))
    anna = t.reps["Anna"]

    def reminders() -> list[SentMessage]:
        return [m for m in h.server.messages_to(anna.id) if m.shown.startswith("⏰")]

    deliverer = Deliverer(h.deps, h.app.bot)
    h.clock.now = local(11, 3, 22, 0)
    seen = []
    while h.clock.now <= local(11, 3, 22, 40):
        before = len(reminders())
        await tick(deliverer)
        if len(reminders()) > before:
            seen.append(h.clock.now)
        h.clock.now += timedelta(minutes=1)
    assert seen == [local(11, 3, 22, 30)]


async def test_a_ranking_or_reminder_time_inside_the_quiet_hours_is_refused(h: Harness) -> None:
    t = await make_team(h, "Anna")
    screen = (await h.say(t.boss, "/settings"))[0]
    assert "Quiet hours (no cheers, no contest leader changes): 21:00–08:00" in screen.shown
    await h.tap(t.boss, screen, "set:ask:nudge_time")
    refused = (await h.say(t.boss, "22:15"))[0].shown
    assert "quiet hours (21:00–08:00)" in refused
    assert "at 17:00" in (await h.say(t.boss, "/settings"))[0].shown  # unchanged
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:post_time")
    assert "quiet hours" in (await h.say(t.boss, "7:30"))[0].shown
    assert "at 20:30" in (await h.say(t.boss, "20:30"))[0].shown  # asked again, now outside
    # Quiet hours that would cover the ranking at 20:30 are refused too.
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:quiet_hours")
    assert (
        "would cover the ranking or the reminder time (20:30)"
        in (await h.say(t.boss, "20:00-07:00"))[0].shown
    )
    assert "22:00–06:30" in (await h.say(t.boss, "22:00–06:30"))[0].shown
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:quiet_hours")
    assert "FROM-TO" in (await h.say(t.boss, "late"))[0].shown
    assert "No quiet hours" in (await h.say(t.boss, "-"))[0].shown


async def test_a_ranking_time_set_before_quiet_hours_existed_does_not_block_other_settings(
    h: Harness,
) -> None:
    from sqlalchemy import update

    from storage.models import Team

    t = await make_team(h, "Anna")
    async with h.db.write() as session:
        await session.execute(update(Team).values(post_time="07:00"))  # as set before this release
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:nudge_time")
    assert "at 16:00" in (await h.say(t.boss, "16:00"))[0].shown


async def test_a_cheer_of_the_night_found_only_in_the_morning_is_not_sent(h: Harness) -> None:
    """The bot was down at 22:30: the moment it finds at 08:00 is of the quiet hours, and passes."""
    t = await make_team(h, "Anna")
    info = await teams.find_team(h.db, "North")
    async with h.db.write() as session:
        session.add(
            Celebration(
                team_id=info.id,
                person_id=t.reps["Anna"].id,
                kind="big_deal",
                key="big:night",
                amount_minor=600_000,
                created_at=local(11, 3, 22, 30),
            )
        )
    await t.tick_at(local(11, 4, 8, 1))
    assert group_posts(h, "Big deal!") == []
