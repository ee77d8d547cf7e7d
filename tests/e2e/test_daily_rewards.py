"""The day close: points for the day's top sellers, pace, best days, first sales and streaks; badges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, run_job
from bot.scheduler.tick import tick
from bot.services import digests, targets
from bot.services.schedule import Kind
from storage.db import Database
from storage.models import Badge, PointEntry
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, running_bot
from tests.support.polish_team import make_team


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


def group_posts_since(h: Harness) -> list[str]:
    return [m.shown for m in h.server.messages_to(-1009) if "Wyniki dnia" in m.shown]


async def test_the_close_rewards_tied_top_sellers_pace_best_day_and_first_sale_and_tells_everyone(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await h.say(t.boss, "/target @anna 20000")  # 20 post days: the daily pace is 1,000
    await t.sale("Anna", 30_000, local(10, 30, 10))  # an earlier day (October)
    await t.sale("Anna", 100_000, local(11, 3, 10))
    await t.sale("Bartek", 100_000, local(11, 3, 11))
    await t.sale("Cezary", 5_000, local(11, 3, 12))
    await t.sale(
        "Cezary", 999_999, local(11, 3, 18, 30), recorded=local(11, 3, 18, 30)
    )  # after the post time
    await t.close(date(2026, 11, 3), local(11, 3, 18, 45))
    # (The catch-up also closed October 30th, Anna's earlier day; only the 3rd matters here.)
    assert [p for p in await t.points("Anna") if p[1] == "day:2026-11-03"] == [
        ("top_seller", "day:2026-11-03"),
        ("pace", "day:2026-11-03"),
        ("personal_best", "day:2026-11-03"),
    ]
    assert await t.points("Bartek") == [("top_seller", "day:2026-11-03"), ("first_sale", "day:2026-11-03")]
    assert await t.points("Cezary") == [
        ("first_sale", "day:2026-11-03")
    ]  # the late sale counts in totals only
    message = h.server.last_to(t.reps["Anna"].id).shown
    assert "Your rewards for 3 Nov 2026" in message and "+50 pts — top seller of the day" in message
    assert "+20 pts — daily pace met" in message and "+30 pts — personal best day" in message
    post = h.server.last_to(-1009).shown  # the group speaks the team's language (pl)
    assert "Anna: najlepszy sprzedawca dnia, dzienne tempo osiągnięte, najlepszy dzień w historii" in post
    assert "Bartek: najlepszy sprzedawca dnia, pierwsza sprzedaż" in post
    # Cezary's late sale ranks him first in the day's totals, but the close decided the top sellers.
    assert "1. Cezary" in post and "Najlepsi sprzedawcy dnia: Anna, Bartek" in post
    points = (await h.say(t.reps["Anna"], "/points"))[0].shown
    assert "You have 160 points" in points  # 100 on the 3rd, 60 on October 30th (top seller, first sale)
    badges = (await h.say(t.reps["Bartek"], "/badges"))[0].shown
    assert "First sale" in badges


async def test_streaks_skip_days_off_and_break_on_a_missed_post_day(h: Harness) -> None:
    t = await make_team(h, "Anna")
    # Thu 5, Fri 6, (weekend), Mon 9, Tue 10, (11th holiday), Thu 12: a 5-day streak on the 12th.
    for day in (5, 6, 9, 10, 12):
        await t.sale("Anna", 1000, local(11, day, 10))
    await t.sale("Anna", 1000, local(11, 7, 10))  # a sale on a Saturday neither counts nor breaks
    for day in (5, 6, 9, 10, 12):
        await t.close(date(2026, 11, day))
    streaks = [reason for reason, _ in await t.points("Anna") if reason.startswith("streak")]
    assert streaks == ["streak_3", "streak_5"]
    # Friday the 13th is missed; Monday the 16th starts again at 1.
    await t.sale("Anna", 1000, local(11, 16, 10))
    await t.sale("Anna", 1000, local(11, 17, 10))
    await t.sale("Anna", 1000, local(11, 18, 10))
    for day in (13, 16, 17, 18):
        await t.close(date(2026, 11, day))
    after_break = [(r, src) for r, src in await t.points("Anna") if r.startswith("streak")]
    assert after_break[-1] == ("streak_3", "day:2026-11-18")
    async with h.db.read() as session:
        badges = set(
            (await session.scalars(select(Badge.badge).where(Badge.person_id == t.reps["Anna"].id))).all()
        )
    assert {"first_sale", "streak_3", "streak_5"} <= badges


async def test_a_sale_voided_before_the_close_earns_nothing_and_after_it_the_day_stands(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    early = await t.sale("Anna", 500_000, local(11, 3, 10))
    await t.sale("Bartek", 1000, local(11, 3, 11))
    h.clock.now = local(11, 3, 12)
    listing = (await h.say(t.boss, "/sales"))[0]
    await h.tap(t.boss, listing, f"sales:void:{early}")
    await h.say(t.boss, "wrong client")
    await t.close(date(2026, 11, 3))
    assert await t.points("Anna") == []
    assert ("top_seller", "day:2026-11-03") in await t.points("Bartek")
    late = await t.sale("Bartek", 2000, local(11, 4, 10))
    await t.close(date(2026, 11, 4))
    h.clock.now = local(11, 4, 19)
    listing = (await h.say(t.boss, "/sales"))[0]
    await h.tap(t.boss, listing, f"sales:void:{late}")
    await h.say(t.boss, "duplicate")
    assert ("top_seller", "day:2026-11-04") in await t.points("Bartek")  # the day stands
    h.clock.now = local(11, 5, 8)
    await tick(Deliverer(h.deps, h.app.bot))
    digest = [m.shown for m in h.server.messages_to(t.boss.id) if "Daily summary" in m.shown][-1]
    assert f"#{late} Bartek" in digest and "Voided after their day was closed" in digest


async def test_a_day_is_granted_once_across_reruns_restarts_and_two_schedulers(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 1000, local(11, 3, 10))
    h.clock.now = local(11, 3, 18)
    second = Database(h.deps.settings.database_url)
    other = type(h.deps)(h.deps.settings, second, h.deps.renderer, h.clock, scheduler=False)
    await asyncio.gather(
        tick(Deliverer(h.deps, h.app.bot)),
        tick(Deliverer(other, h.app.bot)),
        tick(Deliverer(other, h.app.bot)),
    )
    await second.dispose()
    h.clock.now += timedelta(minutes=30)
    await tick(Deliverer(h.deps, h.app.bot))  # "restarted"
    schedule = await digests.schedule_of(h.db, (await t.actor("Anna")).team.id)  # type: ignore[union-attr]
    rerun = await run_job(Deliverer(h.deps, h.app.bot), schedule, Kind.DAILY_REWARDS, date(2026, 11, 3))
    assert rerun.outcome is Outcome.ALREADY
    assert await t.points("Anna") == [("top_seller", "day:2026-11-03"), ("first_sale", "day:2026-11-03")]
    assert len([m for m in h.server.messages_to(t.reps["Anna"].id) if "Your rewards" in m.shown]) == 1
    # `jobs run daily-post` never closes a day.
    await t.sale("Anna", 1000, local(11, 4, 10))
    h.clock.now = local(11, 4, 12)
    await run_job(Deliverer(h.deps, h.app.bot), schedule, Kind.DAILY_POST, date(2026, 11, 4))
    assert not await targets.day_closed(h.db, schedule.team_id, date(2026, 11, 4))
    now_close = await run_job(Deliverer(h.deps, h.app.bot), schedule, Kind.DAILY_REWARDS, date(2026, 11, 4))
    assert (now_close.outcome, now_close.recipients) == (Outcome.SENT, 1)


async def test_points_per_rule_are_a_team_setting(h: Harness) -> None:
    t = await make_team(h, "Anna")
    screen = (await h.say(t.boss, "/settings"))[0]
    assert "top_seller=50" in screen.shown
    await h.tap(t.boss, screen, "set:ask:points")
    assert "rule=number" in (await h.say(t.boss, "top_seller=lots"))[0].shown
    assert "top_seller=70" in (await h.say(t.boss, "top_seller=70 first_sale=5"))[0].shown
    await t.sale("Anna", 1000, local(11, 3, 10))
    await t.close(date(2026, 11, 3))
    async with h.db.read() as session:
        granted = dict(
            (
                await session.execute(
                    select(PointEntry.reason, PointEntry.delta).where(
                        PointEntry.person_id == t.reps["Anna"].id
                    )
                )
            ).all()
        )
    assert granted == {"top_seller": 70, "first_sale": 5}


async def test_a_day_is_closed_after_long_downtime(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 1000, local(11, 3, 10))
    # Down from before 18:00 on the 3rd until 10:00 on the 4th: the post's window has passed,
    # but the day's rewards are still owed.
    await t.tick_at(local(11, 4, 10))
    assert await targets.day_closed(h.db, (await t.actor("Anna")).team.id, date(2026, 11, 3))  # type: ignore[union-attr]
    assert ("top_seller", "day:2026-11-03") in await t.points("Anna")
    assert not group_posts_since(h)  # the late post itself is not sent
