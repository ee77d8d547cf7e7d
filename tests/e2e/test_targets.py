"""Monthly targets: setting them, progress and pace, the percent ranking, the post and the digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services import targets
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, running_bot
from tests.support.polish_team import make_team


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def test_coordinator_sets_targets_by_conversation_or_quick_form_and_a_target_lasts_until_changed(
    h: Harness,
) -> None:
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


async def test_progress_and_pace_on_the_first_and_last_day_of_a_month_with_a_holiday(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await h.say(t.boss, "/target @anna 20000")
    # November 2026: Mon-Fri without the 11th (Independence Day): 20 post days; the 1st is a Sunday.
    h.clock.now = local(11, 1, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "Monthly target: PLN\xa020,000.00" in me and "Done: 0%" in me
    assert "At this pace" not in me  # no post day has elapsed yet
    assert "PLN\xa01,000.00 per working day for the 20 working days left" in me
    await t.sale("Anna", 50_000, local(11, 2, 10))
    h.clock.now = local(11, 2, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "Done: 2%" in me and "month ends at PLN\xa010,000.00" in me  # 500 x 20 / 1
    assert "PLN\xa0975.00 per working day for the 20 working days left" in me  # today counts until the close
    await t.close(date(2026, 11, 2))
    h.clock.now = local(11, 2, 19)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "PLN\xa01,026.32 per working day for the 19 working days left" in me  # 19,500 / 19, rounded up
    # The last day of the month, a Monday: one post day left until the close, then none.
    await t.sale("Anna", 1_000_000, local(11, 27, 10))
    h.clock.now = local(11, 30, 12)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "month ends at PLN\xa010,500.00" in me  # 10,500 x 20 / 20 elapsed
    assert "Needed: PLN\xa09,500.00 on the 1 working day left" in me
    await t.close(date(2026, 11, 30))
    h.clock.now = local(11, 30, 20)
    me = (await h.say(t.reps["Anna"], "/me"))[0].shown
    assert "No working days left this month; short of the target by PLN\xa09,500.00" in me
    # A coordinator has no target section; a rep without one is told plainly.
    assert "Monthly target" not in (await h.say(t.boss, "/me"))[0].shown
    newbie = h.server.user(99, "Newbie", language_code="en")
    await h.rep(t.boss, newbie)
    assert "You have no monthly target yet." in (await h.say(newbie, "/me"))[0].shown


async def test_the_percent_ranking_lets_a_small_target_lead(h: Harness) -> None:
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


async def test_targets_show_in_the_daily_post_and_the_digest(h: Harness) -> None:
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
