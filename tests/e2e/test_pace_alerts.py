"""Pace alerts: on the first post day from the 10th and the 20th, reps behind their pace are told once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time

import pytest

from bot.services.pace_alerts import check_of
from bot.services.schedule import TeamSchedule
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


def alerts(h: Harness, user_id: int) -> list[str]:
    return [m.shown for m in h.server.messages_to(user_id) if "📉" in m.shown]


async def test_a_rep_behind_pace_is_told_once_at_the_nudge_time_and_the_digest_names_them(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    await h.say(t.boss, "/target @anna 10000")
    await h.say(t.boss, "/target @bartek 10000")
    await h.say(t.boss, "/target @celina 10000")
    await h.say(t.boss, "/leave @celina 2026-11-10")  # behind too, but away on the check day
    await t.sale("Anna", 50_000, local(11, 3, 10))  # 500 of 10 000: far behind
    await t.sale("Bartek", 600_000, local(11, 4, 10))  # 6 000: ahead
    await t.tick_at(local(11, 10, 16, 59))
    assert alerts(h, t.reps["Anna"].id) == []  # not before the nudge time
    await t.tick_at(local(11, 10, 17))
    await t.tick_at(local(11, 10, 17, 30))
    [alert] = alerts(h, t.reps["Anna"].id)
    # November 2026 has 20 post days (11 November is a public holiday); 6 are over by the 10th.
    assert "PLN\xa0500.00 so far this month, 16%" in alert
    assert "you need PLN\xa0678.58 on each of the 14 selling days left" in alert
    assert alerts(h, t.reps["Bartek"].id) == [] and alerts(h, t.reps["Celina"].id) == []
    await t.tick_at(local(11, 12, 8))  # the next post day's digest (the 11th is a holiday)
    digest = next(m.shown for m in h.server.messages_to(t.boss.id) if "Daily summary" in m.shown)
    assert "Behind their target's pace (I told them privately): Anna" in digest
    await t.tick_at(local(11, 12, 17))
    assert len(alerts(h, t.reps["Anna"].id)) == 1  # the 12th is not a check day


def test_the_check_falls_on_the_first_post_day_on_or_after_the_10th_and_the_20th() -> None:
    weekdays = TeamSchedule(
        1, "North", "Europe/Warsaw", time(18), time(17), frozenset(range(1, 6)), "PL", frozenset()
    )
    # October 2026: the 10th is a Saturday, so Monday the 12th; the 20th is a Tuesday.
    checks = {day: check_of(weekdays, date(2026, 10, day)) for day in range(1, 32)}
    assert {day: c for day, c in checks.items() if c} == {12: 10, 20: 20}
