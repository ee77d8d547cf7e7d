"""Recurring contests (each round its own results, closed once), ranking by % of target, countdowns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Contest, ContestResult, PointEntry
from tests.support.botapi import FakeUser
from tests.support.clock import FakeClock, local
from tests.support.english_team import group_posts, make_team
from tests.support.harness import Harness, button, running_bot

LABELS = {"amount": "Highest", "percent": "Share"}


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 30, 9))) as harness:
        yield harness


async def new_contest(
    h: Harness, boss: FakeUser, kind: str, start: str, end: str, *, repeats: int = 0
) -> None:
    """Through /contest: `repeats` taps on the repeat button (1 daily, 2 weekly, 3 monthly)."""
    listing = (await h.say(boss, "/contest"))[0]
    await h.tap(boss, listing, "ct:new")
    step = (await h.say(boss, "Cup"))[0]
    await h.tap(boss, step, button(step, LABELS[kind]))
    await h.say(boss, start)
    await h.say(boss, end)
    step = (await h.say(boss, "Voucher"))[0]
    await h.tap(boss, step, button(step, "No"))
    for _ in range(repeats):
        await h.tap(boss, step, button(step, "Repeats"))
    await h.tap(boss, step, button(step, "Save"))
    assert "Contest saved" in step.shown


async def rounds(h: Harness) -> list[tuple[int, int | None, str | None]]:
    async with h.db.read() as session:
        rows = await session.execute(
            select(Contest.round_no, Contest.series_id, Contest.repeat).order_by(Contest.id)
        )
        return [(r, s, p) for r, s, p in rows]


async def winners(h: Harness) -> list[tuple[int, int | None]]:
    async with h.db.read() as session:
        rows = await session.execute(
            select(ContestResult.contest_id, ContestResult.person_id)
            .where(ContestResult.place == 1)
            .order_by(ContestResult.contest_id, ContestResult.id)
        )
        return [(c, p) for c, p in rows]


async def test_each_round_of_a_daily_contest_closes_once_with_its_own_winner_across_processes(
    h: Harness, db_url: str
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await new_contest(h, t.boss, "amount", "2026-12-01", "2026-12-01", repeats=1)
    await t.sale("Anna", 100_00, local(12, 1, 12))
    await t.sale("Bartek", 200_00, local(12, 2, 12))
    await t.sale("Anna", 50_00, local(12, 2, 13))
    await t.tick_at(local(12, 1, 10))
    other = Database(db_url)  # a second process with its own connections, ticking at the same moment
    try:
        await asyncio.gather(t.tick_at(local(12, 2, 0, 1)), t.tick_at(local(12, 2, 0, 1), db=other))
    finally:
        await other.dispose()
    await t.tick_at(local(12, 2, 0, 2))  # and again after a restart: nothing more
    first = (await rounds(h))[0]
    assert [r[0] for r in await rounds(h)] == [1, 2] and first[1] is not None
    assert [p for _, p in await winners(h)] == [anna.id]
    assert len(group_posts(h, "is over")) == 1
    # The coordinator stops the series: the running round still closes, with its own winner.
    listing = (await h.say(t.boss, "/contest"))[0]
    await h.tap(t.boss, listing, button(listing, "Stop the series"))
    assert "no new round starts" in h.server.last_to(t.boss.id).shown
    await t.tick_at(local(12, 3, 0, 1))
    await t.tick_at(local(12, 4, 0, 1))
    assert [r[0] for r in await rounds(h)] == [1, 2]
    assert [p for _, p in await winners(h)] == [anna.id, bartek.id]
    ended = group_posts(h, "is over")
    assert len(ended) == 2 and "Bartek" in ended[1].split("\n")[1]
    async with h.db.read() as session:
        sources = (
            await session.scalars(select(PointEntry.source).where(PointEntry.reason == "contest_place_1"))
        ).all()
    assert len(sources) == len(set(sources)) == 2
    assert group_posts(h, "⏳") == []  # day-long rounds have no countdown


async def test_a_contest_by_percent_of_own_target_is_won_by_the_best_share_not_the_biggest_amount(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    await h.say(t.boss, "/target @anna 1000")
    await h.say(t.boss, "/target @bartek 100")
    await new_contest(h, t.boss, "percent", "2026-12-01", "2026-12-01")
    await t.sale("Anna", 500_00, local(12, 1, 12))  # 50% of her target
    await t.sale("Bartek", 80_00, local(12, 1, 12))  # 80% of his
    await t.sale("Celina", 5_000_00, local(12, 1, 12))  # no target: not ranked
    await t.tick_at(local(12, 2, 0, 1))
    assert [p for _, p in await winners(h)] == [t.reps["Bartek"].id]
    ended = group_posts(h, "is over")[0]
    assert "Bartek — 80%" in ended and "Celina" not in ended


async def test_a_week_long_round_counts_down_at_the_start_at_half_time_and_on_the_last_day_once_each(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await new_contest(h, t.boss, "amount", "2026-12-01", "2026-12-07", repeats=2)
    for at in (
        local(12, 1, 9),
        local(12, 1, 10),
        local(12, 4, 11),  # before half time (4 December, 12:00): nothing new
        local(12, 4, 13),
        local(12, 4, 14),
        local(12, 7, 0, 30),
    ):
        await t.tick_at(at)
    assert len(group_posts(h, "⏳")) == 2  # the last day begins in the quiet hours: not yet
    await t.tick_at(local(12, 7, 10))
    countdown = group_posts(h, "⏳")
    assert len(countdown) == 3
    assert "The contest is on!" in countdown[0]
    assert "Half time" in countdown[1] and "The last day" in countdown[2]
    assert "A new round every week" in countdown[0]
