"""Sales contests: start, live standings, leader changes and the end with places, prizes and points."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.services import contests, teams
from storage.db import Database
from storage.models import Contest, ContestResult, ContestSquad, PointEntry, Sale
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import group_posts, make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def create_contest(
    h: Harness,
    boss: FakeUser,
    kind: str,
    start: str,
    end: str,
    *,
    target: str | None = None,
    prizes: str = "Voucher; Dinner",
    squads: dict[FakeUser, int] | None = None,
    improved: bool = False,
) -> SentMessage:
    listing = (await h.say(boss, "/contest"))[0]
    await h.tap(boss, listing, "ct:new")
    step = (await h.say(boss, "November <b>Cup</b>"))[0]
    await h.tap(
        boss,
        step,
        button(step, {"amount": "Highest", "count": "Most", "race": "Race", "squads": "Squads"}[kind]),
    )
    if target is not None:
        await h.say(boss, target)
    await h.say(boss, start)
    await h.say(boss, end)
    step = (await h.say(boss, prizes))[0]
    for user, squad in (squads or {}).items():
        for _ in range(squad - 1):
            await h.tap(boss, step, button(step, user.first_name))
    if squads is not None:
        await h.tap(boss, step, button(step, "Done"))
    await h.tap(boss, step, button(step, "Yes" if improved else "No"))
    await h.tap(boss, step, button(step, "Save"))
    assert "Contest saved" in step.shown
    return step


async def test_highest_total_contest_starts_shows_standings_and_ends_once_with_prizes_and_points(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-04")
    await t.tick_at(local(11, 3, 0, 1))
    assert len(group_posts(h, "A sales contest starts now!")) == 1
    await t.sale("Anna", 10_000, local(11, 3, 9))
    await t.sale("Bartek", 30_000, local(11, 3, 10))
    h.clock.now = local(11, 3, 12)
    standings = (await h.say(t.reps["Anna"], "/contest"))[0].shown
    assert "1. Bartek — PLN\xa0300.00" in standings and "2. Anna — PLN\xa0100.00" in standings
    assert "Time left: 1 day 12 hours." in standings
    await t.tick_at(local(11, 4, 23, 59))
    await t.tick_at(local(11, 5, 0, 0))  # the date alone means the whole day: ends at midnight after the 4th
    await t.tick_at(local(11, 5, 0, 1))
    ended = group_posts(h, "is over")
    assert len(ended) == 1
    assert (
        "1. Bartek — PLN\xa0300.00 🎁 Voucher" in ended[0] and "2. Anna — PLN\xa0100.00 🎁 Dinner" in ended[0]
    )
    async with h.db.read() as session:
        places = (
            await session.execute(
                select(ContestResult.place, ContestResult.prize).order_by(ContestResult.place)
            )
        ).all()
        points = dict(
            (
                await session.execute(
                    select(PointEntry.person_id, PointEntry.delta).where(PointEntry.source.like("contest:%"))
                )
            ).all()
        )
    assert places == [(1, "Voucher"), (2, "Dinner")]
    assert points == {t.reps["Bartek"].id: 100, t.reps["Anna"].id: 60}


async def test_a_race_is_won_by_who_reaches_the_target_first_not_counting_voided_or_late_sales(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await create_contest(h, t.boss, "race", "2026-11-03 09:00", "2026-11-03 18:00", target="1000")
    await t.sale("Anna", 60_000, local(11, 3, 9, 30))
    bartek_big = await t.sale("Bartek", 100_000, local(11, 3, 10))  # Bartek reaches first...
    await t.sale("Anna", 40_000, local(11, 3, 11))  # ...Anna at 11:00
    await t.sale("Anna", 500_000, local(11, 3, 20))  # after the end: does not count
    h.clock.now = local(11, 3, 12)
    listing = (await h.say(t.boss, "/sales"))[0]
    await h.tap(t.boss, listing, f"sales:void:{bartek_big}")  # ...but his sale is voided before the end
    await h.say(t.boss, "entered twice")
    await t.tick_at(local(11, 3, 18, 0))
    ended = group_posts(h, "is over")[0]
    assert "1. Anna — PLN\xa01,000.00" in ended


async def test_a_contest_across_the_dst_change_counts_each_sale_once(h: Harness) -> None:
    t = await make_team(h, "Anna")
    h.clock.now = local(10, 20, 9)
    await create_contest(h, t.boss, "count", "2026-10-24", "2026-10-25", prizes="-")
    # 02:30 local happens twice on the 25th; both sales count, once each, on their local day.
    await t.sale("Anna", 100, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    await t.sale("Anna", 100, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    await t.sale("Anna", 100, local(10, 24, 0, 0))
    await t.sale("Anna", 100, local(10, 25, 23, 59))
    await t.sale("Anna", 100, local(10, 26, 0, 0))  # the next day: outside
    await t.sale("Anna", 100, local(10, 23, 23, 59))  # the day before: outside
    await t.tick_at(local(10, 26, 0, 1))
    assert "1. Anna — 4 sales" in group_posts(h, "is over")[0]


async def test_squad_totals_are_their_members_sums_and_a_leaver_drops_out(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await create_contest(
        h, t.boss, "squads", "2026-11-03", "2026-11-03", squads={t.reps["Bartek"]: 2, t.reps["Cezary"]: 2}
    )
    await t.sale("Anna", 50_000, local(11, 3, 9))
    await t.sale("Bartek", 20_000, local(11, 3, 10))
    await t.sale("Cezary", 25_000, local(11, 3, 11))
    h.clock.now = local(11, 3, 12)
    standings = (await h.say(t.boss, "/contest"))[0].shown
    assert "1. Squad 1 — PLN\xa0500.00" in standings and "2. Squad 2 — PLN\xa0450.00" in standings
    async with h.db.read() as session:
        contest = (await session.scalars(select(Contest))).one()
        squads = {row.person_id: row.squad for row in (await session.scalars(select(ContestSquad))).all()}
        live, _ = await contests.compute(session, contest, h.clock())
    totals: dict[int, int] = {}
    async with h.db.read() as session:
        for pid, amount in (await session.execute(select(Sale.person_id, Sale.amount_minor))).all():
            totals[squads[pid]] = totals.get(squads[pid], 0) + amount
    assert {e.squad: e.value for e in live} == totals
    # A rep who left drops out of the standings.
    boss = await t.actor("Kasia")
    members = {m.name: m.member_id for m in await teams.list_members(h.db, boss)}
    await teams.remove_rep(h.db, boss, members["Anna"], h.clock())
    standings = (await h.say(t.boss, "/contest"))[0].shown
    # Squad 1 was Anna alone: with her gone it has nobody left to rank.
    assert "1. Squad 2 — PLN\xa0450.00" in standings and "Squad 1" not in standings


async def test_most_improved_compares_with_the_previous_period_of_the_same_length(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await create_contest(h, t.boss, "amount", "2026-11-10", "2026-11-10", improved=True, prizes="-")
    await t.sale("Anna", 10_000, local(11, 9, 10))  # the previous day (the same length)
    await t.sale("Anna", 15_000, local(11, 10, 10))  # +50%
    await t.sale("Bartek", 10_000, local(11, 9, 10))
    await t.sale("Bartek", 30_000, local(11, 10, 10))  # +200%
    await t.sale("Cezary", 90_000, local(11, 10, 10))  # nothing before: left out
    await t.tick_at(local(11, 11, 0, 1))
    ended = group_posts(h, "is over")[0]
    assert "Most improved: Bartek (+200%)" in ended


async def test_a_contest_ends_once_across_restarts_and_two_schedulers(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-03")
    await t.sale("Anna", 1000, local(11, 3, 10))
    second = Database(h.deps.settings.database_url)
    h.clock.now = local(11, 4, 0, 5)
    await asyncio.gather(
        t.tick_at(h.clock.now), t.tick_at(h.clock.now, second), t.tick_at(h.clock.now, second)
    )
    await t.tick_at(local(11, 4, 0, 30))  # restarted
    await second.dispose()
    assert len(group_posts(h, "is over")) == 1
    async with h.db.read() as session:
        assert len((await session.scalars(select(ContestResult))).all()) == 1
        grants = (await session.scalars(select(PointEntry).where(PointEntry.source.like("contest:%")))).all()
    assert len(grants) == 1


async def test_a_new_leader_is_announced_at_most_hourly(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-03")
    await t.sale("Anna", 1000, local(11, 3, 9))
    await t.tick_at(local(11, 3, 9, 1))
    await t.sale("Bartek", 2000, local(11, 3, 9, 10))
    await t.tick_at(local(11, 3, 9, 11))  # changed within the hour: not posted yet
    await t.sale("Anna", 5000, local(11, 3, 9, 20))
    await t.tick_at(local(11, 3, 9, 21))
    await t.tick_at(local(11, 3, 10, 0))  # Anna leads again, as at the last post: nothing to post
    await t.sale("Bartek", 9000, local(11, 3, 10, 5))
    await t.tick_at(local(11, 3, 10, 6))  # an hour after the last post, a new leader: posted
    await t.tick_at(local(11, 3, 10, 7))
    leaders = group_posts(h, "New leader")
    assert len(leaders) == 2 and "Anna" in leaders[0] and "Bartek" in leaders[1]


async def test_a_lost_end_post_is_mended_on_the_next_tick(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-03")
    await t.sale("Anna", 1000, local(11, 3, 10))
    await contests.finish_due(h.db, local(11, 4, 0, 1))  # results recorded, then the process died
    assert group_posts(h, "is over") == []
    await t.tick_at(local(11, 4, 0, 2))
    await t.tick_at(local(11, 4, 0, 3))
    assert len(group_posts(h, "is over")) == 1


async def test_ties_share_a_place_and_its_prize(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await create_contest(h, t.boss, "count", "2026-11-03", "2026-11-03", prizes="Gold; Silver; Bronze")
    for name in ("Anna", "Bartek"):
        await t.sale(name, 100, local(11, 3, 9))
        await t.sale(name, 100, local(11, 3, 10))
    await t.sale("Cezary", 100, local(11, 3, 11))
    await t.tick_at(local(11, 4, 0, 1))
    ended = group_posts(h, "is over")[0]
    assert "1. Anna — 2 sales 🎁 Gold" in ended and "1. Bartek — 2 sales 🎁 Gold" in ended
    assert "3. Cezary — 1 sale 🎁 Bronze" in ended


async def test_forged_ids_in_reward_and_squad_buttons_are_stale(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    listing = (await h.say(t.boss, "/rewards"))[0]
    for data in ("rw:edit:" + "9" * 25, "rw:ok:0", "rw:retire:-1", "rw:what:1"):
        answer = await h.tap(t.boss, listing, data, check=False)
        assert answer is not None and "no longer active" in answer
    await create_contest(h, t.boss, "squads", "2026-11-03", "2026-11-03", squads={t.reps["Bartek"]: 2})
    listing = (await h.say(t.boss, "/contest"))[0]
    await h.tap(t.boss, listing, "ct:new")
    token = button(h.server.last_to(t.boss.id), "Cancel").split(":")[1]
    for data in (f"ct:{token}:" + "9" * 25, f"ct:{token}:{t.reps['Anna'].id}"):  # not at the squads step
        answer = await h.tap(t.boss, listing, data, check=False)
        assert answer is not None and "no longer active" in answer


async def contest_points(h: Harness) -> dict[int, int]:
    async with h.db.read() as session:
        rows = await session.execute(
            select(PointEntry.person_id, PointEntry.delta).where(PointEntry.source.like("contest:%"))
        )
        return dict(rows.all())


async def test_a_rep_removed_during_a_squad_contest_gets_none_of_the_winning_squads_points(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    anna, bartek, cezary = (t.reps[name] for name in ("Anna", "Bartek", "Cezary"))
    await create_contest(h, t.boss, "squads", "2026-11-03", "2026-11-03", squads={cezary: 2})
    await t.sale("Anna", 50_000, local(11, 3, 9))
    await t.sale("Bartek", 20_000, local(11, 3, 10))
    await t.sale("Cezary", 25_000, local(11, 3, 11))
    h.clock.now = local(11, 3, 12)
    await h.remove(t.boss, bartek)
    await t.tick_at(local(11, 4, 0, 1))
    ended = group_posts(h, "is over")[0]
    # Squad 1 wins on Anna's sales alone: Bartek's no longer count, and he earns nothing.
    assert "1. Squad 1 — PLN\xa0500.00" in ended and "2. Squad 2 — PLN\xa0250.00" in ended
    assert await contest_points(h) == {anna.id: 100, cezary.id: 60}


async def test_a_removed_leader_drops_out_of_a_contest_and_earns_no_place(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-03")
    await t.sale("Anna", 90_000, local(11, 3, 9))
    await t.sale("Bartek", 20_000, local(11, 3, 10))
    await t.sale("Cezary", 10_000, local(11, 3, 11))
    h.clock.now = local(11, 3, 12)
    await h.remove(t.boss, t.reps["Anna"])
    await t.tick_at(local(11, 4, 0, 1))
    ended = group_posts(h, "is over")[0]
    assert "1. Bartek — PLN\xa0200.00 🎁 Voucher" in ended and "Anna" not in ended
    assert await contest_points(h) == {t.reps["Bartek"].id: 100, t.reps["Cezary"].id: 60}


async def test_a_leader_change_in_the_quiet_hours_is_never_posted_then_or_in_the_morning(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-04")
    await t.sale("Anna", 1000, local(11, 3, 9))
    await t.tick_at(local(11, 3, 9, 1))
    await t.sale("Bartek", 2000, local(11, 3, 22, 30))  # a new leader at 22:30, in the quiet hours
    for at in (local(11, 3, 22, 31), local(11, 4, 1, 0), local(11, 4, 8, 0), local(11, 4, 9, 0)):
        await t.tick_at(at)
    assert not any("Bartek" in post for post in group_posts(h, "New leader"))
    await t.sale("Anna", 5000, local(11, 4, 10, 0))  # in the day a change is posted as ever
    await t.tick_at(local(11, 4, 10, 1))
    leaders = group_posts(h, "New leader")
    assert len(leaders) == 2 and all("Anna" in post for post in leaders)
