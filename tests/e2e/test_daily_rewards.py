"""Targets, the day close, points, badges and streaks (issue: targets and rewards)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, run_job
from bot.scheduler.tick import tick
from bot.services import digests, targets
from bot.services.schedule import Kind
from bot.services.targets import count_days
from storage.db import Database
from storage.models import Badge, PointEntry, Role
from tests.support.clock import FakeClock
from tests.support.harness import Harness, Roster, make_roster, running_bot

WARSAW = ZoneInfo("Europe/Warsaw")


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


class Team(Roster):
    async def close(self, day: date, at: datetime | None = None) -> None:
        await self.tick_at(at or local(day.month, day.day, 18, 0, day.year))

    async def points(self, name: str) -> list[tuple[str, str]]:
        async with self.h.db.read() as session:
            rows = await session.execute(
                select(PointEntry.reason, PointEntry.source)
                .where(PointEntry.person_id == self.user(name).id)
                .order_by(PointEntry.id)
            )
            return [(r, s) for r, s in rows]


async def make_team(h: Harness, *names: str) -> Team:
    roster = await make_roster(h, *names, group_id=-1009)
    return Team(h, roster.boss, roster.reps)


def group_posts_since(h: Harness) -> list[str]:
    return [m.shown for m in h.server.messages_to(-1009) if "Wyniki dnia" in m.shown]


def test_elapsed_and_remaining_count_today_until_the_close() -> None:
    days = [date(2026, 11, d) for d in (2, 3, 4)]
    assert count_days(days, date(2026, 11, 1), closed=False) == (0, 3)
    assert count_days(days, date(2026, 11, 2), closed=False) == (1, 3)
    assert count_days(days, date(2026, 11, 2), closed=True) == (1, 2)
    assert count_days(days, date(2026, 11, 4), closed=True) == (3, 0)


async def test_point1_targets_by_conversation_and_quick_form(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    choose = (await h.say(t.boss, "/target"))[0]
    assert [label for label, _ in choose.buttons()] == ["Anna", "Bartek", "The whole team"]
    await h.tap(t.boss, choose, choose.buttons()[0][1])
    assert "12.345" not in h.server.last_to(t.boss.id).shown
    refused = (await h.say(t.boss, "12.345"))[0]
    assert "not a valid amount" in refused.shown
    done = (await h.say(t.boss, "20 000"))[0]
    assert "Target for Anna from November 2026: PLN\xa020,000.00" in done.shown
    quick = (await h.say(t.boss, "/target @bartek 5 000,50 2026-12"))[0]
    assert "Bartek from December 2026: PLN\xa05,000.50" in quick.shown
    assert "not a sales rep" in (await h.say(t.boss, "/target @kasia 100"))[0].shown
    assert "coordinator" in (await h.say(t.reps["Anna"], "/target @anna 1"))[0].shown
    async with h.db.read() as session:
        team_id = (await t.actor("Anna")).team.id  # type: ignore[union-attr]
        anna, bartek = t.reps["Anna"].id, t.reps["Bartek"].id
        # A target applies to its month and the months after, until changed.
        assert await targets.target_of(session, team_id, anna, date(2027, 3, 1)) == 2_000_000
        assert await targets.target_of(session, team_id, bartek, date(2026, 11, 1)) is None
        assert await targets.team_target(session, team_id, date(2026, 12, 1)) == 2_500_050
    await h.say(t.boss, "/target team 30000")
    async with h.db.read() as session:
        assert await targets.team_target(session, team_id, date(2026, 11, 1)) == 3_000_000


async def test_must_hold_progress_first_and_last_day_and_a_holiday_month(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await h.say(t.boss, "/target @anna 20000")
    # November 2026: Mon-Fri without the 11th (Independence Day): 20 post days; the 1st is a Sunday.
    h.clock.now = local(11, 1, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "Monthly target: PLN\xa020,000.00" in me and "Done: 0%" in me
    assert "At this pace" not in me  # no post day has elapsed yet
    assert "PLN\xa01,000.00 per post day for the 20 post days left" in me
    await t.sale("Anna", 50_000, local(11, 2, 10))
    h.clock.now = local(11, 2, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "Done: 2%" in me and "month ends at PLN\xa010,000.00" in me  # 500 x 20 / 1
    assert "PLN\xa0975.00 per post day for the 20 post days left" in me  # today counts until the close
    await t.close(date(2026, 11, 2))
    h.clock.now = local(11, 2, 19)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "PLN\xa01,026.32 per post day for the 19 post days left" in me  # 19,500 / 19, rounded up
    # The last day of the month, a Monday: one post day left until the close, then none.
    await t.sale("Anna", 1_000_000, local(11, 27, 10))
    h.clock.now = local(11, 30, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "month ends at PLN\xa010,500.00" in me  # 10,500 x 20 / 20 elapsed
    assert "Needed: PLN\xa09,500.00 on the 1 post day left" in me
    await t.close(date(2026, 11, 30))
    h.clock.now = local(11, 30, 20)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "No post days left this month; short of the target by PLN\xa09,500.00" in me
    # A coordinator has no target section; a rep without one is told plainly.
    assert "Monthly target" not in (await h.say(t.boss, "/me"))[0].shown
    newbie = h.server.user(99, "Newbie", language_code="en")
    await h.rep(t.boss, newbie)
    assert "You have no monthly target yet." in (await h.say(newbie, "/me"))[0].shown


async def test_point1_percent_ranking_lets_a_small_target_lead(h: Harness) -> None:
    t = await make_team(h, "Veteran", "Rookie")
    await h.say(t.boss, "/target @veteran 100000")
    await h.say(t.boss, "/target @rookie 2000")
    await t.sale("Veteran", 5_000_000, local(11, 2, 10))
    await t.sale("Rookie", 150_000, local(11, 2, 11))
    h.clock.now = local(11, 2, 12)
    by_total = (await h.say(t.boss, "/leaderboard month"))[0].shown
    assert by_total.index("Veteran") < by_total.index("Rookie")
    by_percent = (await h.say(t.boss, "/leaderboard month %"))[0].shown
    assert "1. Rookie — 75%" in by_percent and "2. Veteran — 50%" in by_percent


async def test_point3_close_rewards_ties_pace_best_first_and_messages(h: Harness) -> None:
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


async def test_must_hold_streaks_skip_days_off_and_break_on_a_missed_post_day(h: Harness) -> None:
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


async def test_must_hold_voided_before_close_earns_nothing_after_close_the_day_stands(h: Harness) -> None:
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


async def test_must_hold_a_day_is_granted_once_across_reruns_restarts_and_two_schedulers(h: Harness) -> None:
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


async def test_point2_targets_in_the_post_and_the_digest(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await h.say(t.boss, "/target @anna 20000")
    await h.say(t.boss, "/target @bartek 10000")
    await t.sale("Anna", 2_000_000, local(11, 2, 10))
    await t.close(date(2026, 11, 2))
    post = h.server.last_to(-1009).shown
    assert "Dzienna część celu zespołu: 1\xa0500,00\xa0zł" in post  # 30,000 / 20 post days
    h.clock.now = local(11, 3, 8)
    await tick(Deliverer(h.deps, h.app.bot))
    digest = [m.shown for m in h.server.messages_to(t.boss.id) if "Daily summary" in m.shown][-1]
    assert "Anna — PLN\xa020,000.00 (1 sale); month PLN\xa020,000.00, pace PLN\xa01,000.00 ✅" in digest
    assert "Bartek — PLN\xa00.00 (0 sales); month PLN\xa00.00, pace PLN\xa0500.00 ⚠️" in digest
    _ = Role  # roles are set through invites above


async def test_point3_points_per_rule_are_a_team_setting(h: Harness) -> None:
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
