"""Personal days off (/leave): no nudge, the streak kept, pace without them, the digest shows who is away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select

from bot.services import digests, targets
from storage.models import DayOff, Redemption, RewardItem
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, Roster, running_bot
from tests.support.polish_team import make_team

# Friday 20 November 2026, 9:00 in Warsaw.
FRIDAY = local(11, 20, 9)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(FRIDAY)) as harness:
        yield harness


def nudges(h: Harness, user: FakeUser) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if "👋" in m.shown]


async def ranges(h: Harness, user: FakeUser) -> list[tuple[date, date]]:
    async with h.db.read() as session:
        rows = await session.execute(
            select(DayOff.first_day, DayOff.last_day)
            .where(DayOff.person_id == user.id)
            .order_by(DayOff.first_day)
        )
        return [(first, last) for first, last in rows]


async def with_cezary(h: Harness, t: Roster) -> FakeUser:
    """A third rep without a username: only the picker can name him."""
    cezary = h.server.user(30, "Cezary", language_code="en")
    await h.rep(t.boss, cezary)
    return cezary


async def test_a_rep_on_leave_for_tuesday_is_not_nudged_on_tuesday_and_keeps_a_monday_to_wednesday_streak(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    cezary = await with_cezary(h, t)
    assert "You are off on 24 Nov 2026." in (await h.say(anna, "/leave 24.11"))[0].shown
    for day in (20, 23, 25):  # Friday, Monday, (Tuesday off), Wednesday
        await t.sale("Anna", 1000, local(11, day, 10))
    await t.tick_at(local(11, 24, 17, 0))  # Tuesday's 17:00 nudge
    assert not nudges(h, anna)
    assert len(nudges(h, bartek)) == 1 and len(nudges(h, cezary)) == 1
    nudge = nudges(h, bartek)[0]
    await h.tap(bartek, nudge, next(d for _, d in nudge.buttons() if d.startswith("nudge:none:")))
    for day in (24, 25):
        await t.close(date(2026, 11, day))
    streaks = [(reason, source) for reason, source in await t.points("Anna") if reason.startswith("streak")]
    # Friday, Monday and Wednesday: three post days in a row once her own day off is skipped.
    assert streaks == [("streak_3", "day:2026-11-25")]
    # Wednesday's digest covers Tuesday: Anna is away, Bartek said "no sales", Cezary said nothing.
    h.clock.now = local(11, 25, 9)
    digest = (await h.say(t.boss, "/digest"))[0].shown
    assert "On days off: Anna" in digest
    assert "Said they had no sales: Bartek" in digest
    assert "Reported nothing: Cezary" in digest


async def test_days_off_merge_leave_pace_and_needed_per_day_and_are_cancelled_by_button(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(t.boss, "/target @anna 20000")
    team = (await t.actor("Anna")).team
    assert team is not None

    async def progress() -> targets.Progress:
        schedule = await digests.schedule_of(h.db, team.id)
        return await targets.progress(h.db, team, schedule, anna.id, h.clock())

    before = await progress()
    await h.say(anna, "/leave 2026-11-23 25.11")  # Monday to Wednesday
    merged = (await h.say(anna, "/leave 25.11 27.11"))[0].shown  # overlaps Wednesday
    assert "You are off from 23 Nov 2026 to 27 Nov 2026." in merged and "Joined" in merged
    assert await ranges(h, anna) == [(date(2026, 11, 23), date(2026, 11, 27))]
    after = await progress()
    # Five of the month's post days are hers off: neither elapsed nor left for her pace.
    assert (after.post_days, after.remaining) == (before.post_days - 5, before.remaining - 5)
    assert after.needed_per_day_minor is not None and before.needed_per_day_minor is not None
    assert after.needed_per_day_minor > before.needed_per_day_minor
    listing = (await h.say(anna, "/leave"))[0]
    assert "Your days off" in listing.shown and "23 Nov 2026 to 27 Nov 2026 (5 days)" in listing.shown
    cancel = next(d for _, d in listing.buttons() if d.startswith("lv:x:"))
    await h.tap(anna, listing, cancel)
    assert "Days off cancelled" in listing.shown and "None planned." in listing.shown
    assert await ranges(h, anna) == []
    assert (await progress()).remaining == before.remaining
    # Refusals: the past, an end before the start, nonsense.
    assert "already passed" in (await h.say(anna, "/leave 2026-11-19"))[0].shown
    assert "cannot be before" in (await h.say(anna, "/leave 25.11 24.11"))[0].shown
    assert "/leave 24.12 31.12" in (await h.say(anna, "/leave soon"))[0].shown


async def test_the_coordinator_sets_a_reps_days_off_by_username_or_picker_and_a_rep_cannot(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    cezary = await with_cezary(h, t)
    boss = t.boss
    assert "Bartek is off on 24 Nov 2026." in (await h.say(boss, "/leave @bartek 24.11"))[0].shown
    picker = (await h.say(boss, "/leave 26.11 27.11"))[0]
    assert "Whose days off are 26 Nov 2026 to 27 Nov 2026?" in picker.shown
    pick = next(d for label, d in picker.buttons() if label == "Cezary")
    await h.tap(boss, picker, pick)
    assert "Cezary is off from 26 Nov 2026 to 27 Nov 2026." in picker.shown
    assert await ranges(h, cezary) == [(date(2026, 11, 26), date(2026, 11, 27))]
    team_list = (await h.say(boss, "/leave"))[0].shown
    assert (
        "The team's days off" in team_list and "Bartek: 24 Nov 2026" in team_list and "Cezary: " in team_list
    )
    # A rep cannot set or cancel another's days off, typed or by forged buttons; each press is answered.
    assert "coordinator" in (await h.say(anna, "/leave @bartek 25.11"))[0].shown
    own = (await h.say(anna, "/leave"))[0]
    answer = await h.tap(anna, own, f"lv:for:2026-11-30:2026-11-30:{bartek.id}", check=False)
    assert answer is not None and "coordinator" in answer
    async with h.db.read() as session:
        theirs = await session.scalar(select(DayOff.id).where(DayOff.person_id == bartek.id))
    answer = await h.tap(anna, own, f"lv:x:{theirs}", check=False)
    assert answer is not None and "no longer available" in answer
    answer = await h.tap(anna, own, "lv:for:2026-13-01:2026-11-30:1", check=False)
    assert answer is not None and "no longer active" in answer
    assert await ranges(h, bartek) == [(date(2026, 11, 24), date(2026, 11, 24))]
    assert await ranges(h, anna) == []


async def test_the_daily_digest_lists_the_reward_requests_waiting_for_the_coordinator(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    team = (await t.actor("Anna")).team
    assert team is not None
    async with h.db.write() as session:
        item = RewardItem(team_id=team.id, title="Kino", cost_points=120, stock=3, created_at=FRIDAY)
        session.add(item)
        await session.flush()
        session.add(
            Redemption(
                team_id=team.id,
                item_id=item.id,
                person_id=t.reps["Anna"].id,
                cost_points=120,
                status="requested",
                requested_at=FRIDAY,
            )
        )
    digest = (await h.say(t.boss, "/digest"))[0].shown
    assert "Reward requests waiting for you" in digest and "Anna: Kino (120 points)" in digest
    assert "Decide in /rewards." in digest


async def test_cancelling_days_off_already_begun_keeps_the_days_gone_by(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(anna, "/leave 2026-11-23 27.11")  # Monday to Friday
    h.clock.now = local(11, 25, 9)  # Wednesday: Monday and Tuesday are behind her
    listing = (await h.say(anna, "/leave"))[0]
    await h.tap(anna, listing, next(d for _, d in listing.buttons() if d.startswith("lv:x:")))
    assert await ranges(h, anna) == [(date(2026, 11, 23), date(2026, 11, 24))]
