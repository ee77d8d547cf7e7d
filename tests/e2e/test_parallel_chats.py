"""Chats served side by side: a slow or flood-limited chat holds up nobody else, and nothing doubles.

The Bot API test server holds one chat's requests open, answers 429 for one chat, and in the
fan-out test enforces Telegram's rate limits, so the bot's own pacing is what is proven.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from storage.models import Outbox, OutboxStatus, Sale
from tests.support.botapi import FakeChat, FakeUser
from tests.support.clock import FakeClock
from tests.support.harness import Harness, button, running_bot, seed_reps

WARSAW_1800_FRIDAY = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
NUDGE_MONDAY = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(WARSAW_1800_FRIDAY - timedelta(hours=3))) as harness:
        yield harness


async def team_with_group(h: Harness, name: str, group_id: int) -> tuple[FakeUser, FakeChat]:
    boss = h.server.user(abs(group_id) * 10, f"Boss {name}", language_code="en")
    await h.coordinator(boss, name)
    group = h.server.group(group_id, f"Group {name}")
    await h.say(boss, "/linkgroup", group)
    return boss, group


async def test_a_chat_held_by_telegram_holds_up_no_other_rep_and_gets_its_answers_in_order(
    h: Harness,
) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    anna = h.server.user(10, "Anna", language_code="en")
    bartek = h.server.user(11, "Bartek", language_code="en")
    await h.coordinator(boss)
    for rep in (anna, bartek):
        await h.rep(boss, rep)
    before = len(h.server.messages_to(anna.id))
    # Telegram keeps Anna's next two sends open for 4 s each.
    h.server.fail("sendMessage", chat_id=anna.id, kind="hold", seconds=4, times=2)
    h.server.send_message(anna, "/help")
    h.server.send_message(anna, "/me")
    # Bartek's whole report goes through meanwhile.
    card = (await h.say(bartek, "/report 100 Acme"))[0]
    await h.tap(bartek, card, button(card, "Save"))
    async with h.db.read() as session:
        sellers = list((await session.scalars(select(Sale.person_id))).all())
    assert sellers == [bartek.id]
    assert len(h.server.messages_to(anna.id)) == before, "Anna's held chat answered before Bartek's"
    held = (await h.server.wait_for_messages(anna.id, before + 2, timeout=20))[before:]
    assert "/report" in held[0].shown  # the help first, then the results: in the order asked
    assert "/report" not in held[1].shown


async def test_a_nudge_to_300_reps_draws_no_429_and_reaches_each_reachable_rep_once(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    reps = await seed_reps(h, "North", 300, 1000)
    blocked = reps[::50]
    for rep in blocked:
        h.server.set_member_status(rep.id, h.server.bot_user.id, "kicked")
    h.server.enforce_rate_limits = True
    h.clock.now = NUDGE_MONDAY
    await tick(Deliverer(h.deps, h.app.bot))
    assert h.server.rate_limited == []
    for rep in reps:
        nudges = [m for m in h.server.messages_to(rep.id) if "👋" in m.shown]
        assert len(nudges) == (0 if rep in blocked else 1), rep.first_name
    async with h.db.read() as session:
        statuses = list((await session.scalars(select(Outbox.status))).all())
    assert statuses.count(OutboxStatus.SENT) == 300 - len(blocked)
    assert statuses.count(OutboxStatus.FORBIDDEN) == len(blocked)


async def test_a_429_for_one_group_defers_that_group_only_and_its_post_goes_out_once_later(
    h: Harness,
) -> None:
    _, north = await team_with_group(h, "North", -1001)
    _, south = await team_with_group(h, "South", -1002)
    h.server.fail("sendMessage", chat_id=north.id, kind="retry_after", retry_after=1)
    h.clock.now = WARSAW_1800_FRIDAY
    await tick(Deliverer(h.deps, h.app.bot))
    assert [m for m in h.server.messages_to(south.id) if "📊" in m.shown]
    assert not [m for m in h.server.messages_to(north.id) if "📊" in m.shown]
    async with h.db.read() as session:
        waiting = (
            await session.execute(select(Outbox.status, Outbox.not_before).where(Outbox.chat_id == north.id))
        ).one()
    assert waiting[0] == OutboxStatus.PENDING and waiting[1] == h.clock.now + timedelta(seconds=1)
    # Before its time the next tick leaves it waiting; after it, it goes out once.
    await tick(Deliverer(h.deps, h.app.bot))
    assert not [m for m in h.server.messages_to(north.id) if "📊" in m.shown]
    await asyncio.sleep(1.1)  # the pacer's own memory of the 429 runs on real time
    h.clock.now += timedelta(seconds=2)
    await tick(Deliverer(h.deps, h.app.bot))
    h.clock.now += timedelta(minutes=1)
    await tick(Deliverer(h.deps, h.app.bot))
    assert len([m for m in h.server.messages_to(north.id) if "📊" in m.shown]) == 1
    assert len([m for m in h.server.messages_to(south.id) if "📊" in m.shown]) == 1


async def test_answers_that_meet_a_429_wait_in_the_outbox_and_arrive_later_in_order(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    anna = h.server.user(10, "Anna", language_code="en")
    await h.coordinator(boss)
    await h.rep(boss, anna)
    before = len(h.server.messages_to(anna.id))

    def asked() -> int:
        return len([c for m, c in h.server.calls if m == "sendMessage" and c.get("chat_id") == anna.id])

    asked_before = asked()
    h.server.fail("sendMessage", chat_id=anna.id, kind="retry_after", retry_after=1)
    h.server.send_message(anna, "/help")
    h.server.send_message(anna, "/me")
    await h.settle(boss)

    async with h.db.read() as session:
        rows = list(
            (
                await session.scalars(
                    select(Outbox.text).where(Outbox.chat_id == anna.id).order_by(Outbox.id)
                )
            ).all()
        )
    # Both answers wait (the second never asked Telegram while the chat was told to wait).
    assert len(rows) == 2 and "/report" in rows[0] and "/report" not in rows[1]
    assert asked() == asked_before + 1 and len(h.server.messages_to(anna.id)) == before
    await asyncio.sleep(1.1)
    h.clock.now += timedelta(seconds=2)
    await tick(Deliverer(h.deps, h.app.bot))
    arrived = h.server.messages_to(anna.id)[before:]
    assert [m.text for m in arrived] == rows
    # Sent once: a later tick sends nothing more.
    await tick(Deliverer(h.deps, h.app.bot))
    assert len(h.server.messages_to(anna.id)) == before + 2
    assert (await h.say(anna, "/help"))[0].shown  # the chat is served directly again


async def test_an_answer_after_the_wait_is_over_still_goes_behind_the_answers_that_wait(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    anna = h.server.user(10, "Anna", language_code="en")
    await h.coordinator(boss)
    await h.rep(boss, anna)
    before = len(h.server.messages_to(anna.id))
    h.server.fail("sendMessage", chat_id=anna.id, kind="retry_after", retry_after=1)
    h.server.send_message(anna, "/help")
    await h.settle(boss)
    assert len(h.server.messages_to(anna.id)) == before  # the help waits in the outbox
    await asyncio.sleep(1.1)  # Telegram's wait is over, but the scheduler has not sent it yet
    h.server.send_message(anna, "/me")
    await h.settle(boss)
    assert len(h.server.messages_to(anna.id)) == before  # /me's answer did not overtake it
    h.clock.now += timedelta(seconds=2)
    await tick(Deliverer(h.deps, h.app.bot))
    arrived = h.server.messages_to(anna.id)[before:]
    assert len(arrived) == 2 and "/report" in arrived[0].shown and "/report" not in arrived[1].shown


async def test_a_chat_told_to_wait_5_s_holds_up_no_other_rep_and_gets_its_answers_later_in_order(
    h: Harness,
) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    anna = h.server.user(10, "Anna", language_code="en")
    bartek = h.server.user(11, "Bartek", language_code="en")
    await h.coordinator(boss)
    for rep in (anna, bartek):
        await h.rep(boss, rep)
    before = len(h.server.messages_to(anna.id))
    h.server.fail("sendMessage", chat_id=anna.id, kind="retry_after", retry_after=5)
    h.server.send_message(anna, "/help")
    h.server.send_message(anna, "/me")
    # Bartek's whole report goes through while Anna's chat must still wait.
    card = (await h.say(bartek, "/report 100 Acme"))[0]
    await h.tap(bartek, card, button(card, "Save"))
    async with h.db.read() as session:
        sellers = list((await session.scalars(select(Sale.person_id))).all())
    assert sellers == [bartek.id]
    assert len(h.server.messages_to(anna.id)) == before
    await asyncio.sleep(5.1)  # Telegram's wait (the pacer remembers it on real time)
    h.clock.now += timedelta(seconds=6)
    await tick(Deliverer(h.deps, h.app.bot))
    later = h.server.messages_to(anna.id)[before:]
    assert len(later) == 2 and "/report" in later[0].shown and "/report" not in later[1].shown
