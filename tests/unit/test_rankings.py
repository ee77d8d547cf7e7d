"""Periods, rankings and /me numbers: local days across DST, a sale at 23:30 on its own day, shared ranks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services import results, teams
from bot.services.periods import Period, period_span
from storage.db import Database
from storage.models import Role
from tests.support.factories import T0, add_sale, make_member, make_team

WARSAW = ZoneInfo("Europe/Warsaw")


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


def test_period_spans_use_local_midnights_across_dst() -> None:
    spring = period_span(Period.DAY, date(2026, 3, 29), WARSAW)
    assert spring.end - spring.start == timedelta(hours=23)
    autumn = period_span(Period.DAY, date(2026, 10, 25), WARSAW)
    assert autumn.end - autumn.start == timedelta(hours=25)
    week = period_span(Period.WEEK, date(2026, 3, 29), WARSAW)
    assert (week.first_day, week.last_day) == (date(2026, 3, 23), date(2026, 3, 29))
    assert week.start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    month = period_span(Period.MONTH, date(2026, 2, 14), WARSAW)
    assert (month.first_day, month.last_day) == (date(2026, 2, 1), date(2026, 2, 28))


async def test_sale_at_2330_local_counts_on_its_local_day(db: Database) -> None:
    await make_team(db)
    rep = await make_member(db, "North", 2)
    assert rep.team is not None
    await add_sale(db, rep, 1000, local(2026, 11, 27, 23, 30))  # 22:30 UTC
    await add_sale(db, rep, 7, local(2026, 11, 28, 0, 0))  # the next local day begins
    on_27th = await results.ranking(db, rep.team, Period.DAY, local(2026, 11, 27, 23, 59))
    on_28th = await results.ranking(db, rep.team, Period.DAY, local(2026, 11, 28, 12, 0))
    assert on_27th.team_total_minor == 1000
    assert on_28th.team_total_minor == 7


async def test_dst_weeks_and_months_count_every_sale_once(db: Database) -> None:
    await make_team(db)
    rep = await make_member(db, "North", 2)
    assert rep.team is not None
    instants = [
        local(2026, 3, 28, 23, 59),
        local(2026, 3, 29, 1, 59),  # the hour before the spring gap
        local(2026, 3, 29, 3, 0),  # right after it
        local(2026, 3, 29, 23, 59),
        local(2026, 3, 30, 0, 0),  # Monday: next week
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 local, first time (CEST)
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 local, second time (CET)
        local(2026, 10, 25, 23, 59),
        local(2026, 10, 31, 23, 59),
        local(2026, 11, 1, 0, 0),
    ]
    for cents, at in enumerate(instants, start=1):
        await add_sale(db, rep, cents, at)

    async def total(period: Period, at: datetime) -> int:
        assert rep.team is not None
        return (await results.ranking(db, rep.team, period, at)).team_total_minor

    assert await total(Period.DAY, local(2026, 3, 29, 12, 0)) == 2 + 3 + 4
    assert await total(Period.WEEK, local(2026, 3, 29, 12, 0)) == 1 + 2 + 3 + 4
    assert await total(Period.WEEK, local(2026, 3, 30, 12, 0)) == 5
    assert await total(Period.MONTH, local(2026, 3, 15, 12, 0)) == 1 + 2 + 3 + 4 + 5
    assert await total(Period.DAY, local(2026, 10, 25, 12, 0)) == 6 + 7 + 8
    assert await total(Period.WEEK, local(2026, 10, 25, 12, 0)) == 6 + 7 + 8
    assert await total(Period.MONTH, local(2026, 10, 1, 12, 0)) == 6 + 7 + 8 + 9
    assert await total(Period.MONTH, local(2026, 11, 1, 12, 0)) == 10
    # Every day of October and November once: the days add up to the months.
    day_sum = 0
    day = date(2026, 10, 1)
    while day <= date(2026, 11, 30):
        day_sum += await total(Period.DAY, local(day.year, day.month, day.day, 12, 0))
        day += timedelta(days=1)
    assert day_sum == 6 + 7 + 8 + 9 + 10


async def test_ties_share_a_rank_and_removed_reps_leave_the_board(db: Database) -> None:
    await make_team(db)
    coordinator = await make_member(db, "North", 1, Role.COORDINATOR, "Zoe")
    anna = await make_member(db, "North", 2, first_name="Anna")
    bob = await make_member(db, "North", 3, first_name="Bob")
    cid = await make_member(db, "North", 4, first_name="Cid")
    assert coordinator.team is not None
    for actor, amount in ((anna, 500), (bob, 500), (coordinator, 300), (cid, 900)):
        await add_sale(db, actor, amount, T0)
    board = await results.ranking(db, coordinator.team, Period.DAY, T0)
    assert [(r.rank, r.name) for r in board.rows] == [(1, "Cid"), (2, "Anna"), (2, "Bob"), (4, "Zoe")]
    members = {m.person_id: m.member_id for m in await teams.list_members(db, coordinator)}
    await teams.remove_rep(db, coordinator, members[4], T0)
    board = await results.ranking(db, coordinator.team, Period.DAY, T0)
    assert [(r.rank, r.name) for r in board.rows] == [(1, "Anna"), (1, "Bob"), (3, "Zoe")]
    assert board.team_total_minor == 2200  # the removed rep's sale stays in the team's total


async def test_me_shows_day_week_month_with_rank(db: Database) -> None:
    await make_team(db)
    anna = await make_member(db, "North", 2, first_name="Anna")
    bob = await make_member(db, "North", 3, first_name="Bob")
    now = local(2026, 11, 27, 12, 0)  # a Friday
    await add_sale(db, anna, 100, now)
    await add_sale(db, anna, 200, local(2026, 11, 24, 12, 0))  # Tuesday, same week
    await add_sale(db, anna, 400, local(2026, 11, 2, 12, 0))  # same month
    await add_sale(db, bob, 250, now)
    await add_sale(db, bob, 10_000, local(2026, 10, 31, 12, 0))  # last month: not counted
    mine = {r.period: r for r in await results.my_results(db, anna, now)}
    assert (mine[Period.DAY].total_minor, mine[Period.DAY].count, mine[Period.DAY].rank) == (100, 1, 2)
    assert (mine[Period.WEEK].total_minor, mine[Period.WEEK].rank) == (300, 1)
    assert (mine[Period.MONTH].total_minor, mine[Period.MONTH].count) == (700, 3)
    lonely = await make_member(db, "North", 5)
    assert all(r.rank is None and r.total_minor == 0 for r in await results.my_results(db, lonely, now))
