"""Tangible rewards, sales contests and celebrations (issue: rewards, contests, celebrations)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.services import contests, parsing, teams
from storage.db import Database
from storage.models import Contest, ContestResult, ContestSquad, PointEntry, Sale
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.harness import Harness, Roster, make_roster, running_bot

WARSAW = ZoneInfo("Europe/Warsaw")
GROUP = -1077


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


class Team(Roster):
    async def give_points(self, name: str, points: int) -> None:
        actor = await self.actor(name)
        assert actor.team is not None
        async with self.h.db.write() as session:
            session.add(
                PointEntry(
                    team_id=actor.team.id,
                    person_id=actor.person_id,
                    delta=points,
                    reason="top_seller",
                    source=f"test:{points}",
                    created_at=self.h.clock(),
                )
            )


async def make_team(h: Harness, *names: str) -> Team:
    roster = await make_roster(h, *names, group_id=GROUP, locale="en")  # the group speaks English
    return Team(h, roster.boss, roster.reps)


def button(message: SentMessage, label: str) -> str:
    return next(data for text, data in message.buttons() if label in text)


def group_posts(h: Harness, marker: str) -> list[str]:
    return [m.shown for m in h.server.messages_to(GROUP) if marker in m.shown]


# --- the catalogue -------------------------------------------------------------------------


async def add_item(h: Harness, boss: FakeUser, title: str, cost: str, stock: str) -> None:
    listing = (await h.say(boss, "/rewards"))[0]
    await h.tap(boss, listing, "rw:add")
    await h.say(boss, title)
    await h.say(boss, cost)
    saved = (await h.say(boss, stock))[0]
    assert "Saved" in saved.shown


async def test_point1_catalogue_request_approve_deducts_points_and_stock(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Cinema <tickets> 🎬", "100", "1")
    await t.give_points("Anna", 150)
    catalogue = (await h.say(t.reps["Anna"], "/rewards"))[0]
    assert "You have 150 points" in catalogue.shown and "Cinema &lt;tickets&gt; 🎬" in str(catalogue.text)
    await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Cinema"))
    assert "Requested" in h.server.last_to(t.reps["Anna"].id).shown
    review = h.server.last_to(t.boss.id)
    approve = button(review, "Approve")
    # Two approve taps: one deduction.
    before = len(h.server.callback_answers)
    h.server.press(t.boss, review, approve)
    h.server.press(t.boss, review, approve)
    await h.server.wait_for(lambda: len(h.server.callback_answers) >= before + 2)
    answers = [text for _, text, _ in h.server.callback_answers[before:]]
    assert any(a and "already decided" in a for a in answers)
    await h.server.wait_for(lambda: "approved" in h.server.last_to(t.reps["Anna"].id).shown)
    points = (await h.say(t.reps["Anna"], "/points"))[0].shown
    assert "You have 50 points" in points and "reward redeemed" in points
    # Sold out: the rep no longer sees it; the coordinator sees 0 in stock.
    assert "Cinema" not in (await h.say(t.reps["Anna"], "/rewards"))[0].shown
    assert "in stock: 0" in (await h.say(t.boss, "/rewards"))[0].shown


async def test_must_hold_requests_beyond_balance_or_stock_and_a_rep_who_left(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await add_item(h, t.boss, "Gadget & Co", "100", "1")
    await t.give_points("Anna", 99)
    catalogue = (await h.say(t.reps["Anna"], "/rewards"))[0]
    answer = await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Gadget"))
    assert answer is not None and "Not enough points: it costs 100, you have 99" in answer
    await t.give_points("Anna", 1)
    await t.give_points("Bartek", 500)
    await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Gadget"))
    anna_review = h.server.last_to(t.boss.id)
    bartek_catalogue = (await h.say(t.reps["Bartek"], "/rewards"))[0]
    await h.tap(t.reps["Bartek"], bartek_catalogue, button(bartek_catalogue, "Gadget"))
    bartek_review = h.server.last_to(t.boss.id)
    await h.tap(t.boss, bartek_review, button(bartek_review, "Approve"))
    # The last one went to Bartek: Anna's request finds no stock, and nothing is deducted.
    answer = await h.tap(t.boss, anna_review, button(anna_review, "Approve"))
    assert answer == "Gadget & Co is out of stock."  # an alert is plain text: no HTML escapes
    assert "You have 100 points" in (await h.say(t.reps["Anna"], "/points"))[0].shown
    # A rep who left cannot redeem.
    await add_item(h, t.boss, "Mug", "10", "5")
    catalogue = (await h.say(t.reps["Anna"], "/rewards"))[0]
    await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Mug"))
    review = h.server.last_to(t.boss.id)
    boss = await t.actor("Kasia")
    members = {m.name: m.member_id for m in await teams.list_members(h.db, boss)}
    await teams.remove_rep(h.db, boss, members["Anna"], h.clock())
    answer = await h.tap(t.boss, review, button(review, "Approve"))
    assert answer is not None and "left the team" in answer


# --- contests -------------------------------------------------------------------------------


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


async def test_point2_highest_total_start_standings_leader_end_and_prizes(h: Harness) -> None:
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


async def test_must_hold_race_first_by_time_and_voids_before_the_end(h: Harness) -> None:
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


async def test_must_hold_contest_across_dst_counts_each_sale_once(h: Harness) -> None:
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


async def test_must_hold_squad_totals_are_sums_and_a_leaver_drops_out(h: Harness) -> None:
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


async def test_point2_most_improved_against_the_previous_period(h: Harness) -> None:
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


async def test_must_hold_end_once_across_restarts_and_two_schedulers(h: Harness) -> None:
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


async def test_must_hold_leader_changes_at_most_hourly(h: Harness) -> None:
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


# --- celebrations --------------------------------------------------------------------------


async def test_point3_must_hold_celebrations_combined_and_throttled(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:big_deal")
    await h.say(t.boss, "5 000")
    await h.say(t.boss, "/target @anna 1000")
    await t.sale("Anna", 10_000, local(11, 2, 9))  # an earlier day: her best is 100 so far

    async def report(user: FakeUser, text: str) -> None:
        card = (await h.say(user, text))[0]
        await h.tap(user, card, button(card, "Save"))

    h.clock.now = local(
        11,
        3,
        10,
        0,
    )
    await report(t.reps["Anna"], "/report 6000 Big client")  # big deal + target crossed + best day
    cheers = group_posts(h, "🎉")
    assert len(cheers) == 1
    assert "Big deal! Anna just closed" in cheers[0] and "100% of the monthly target" in cheers[0]
    assert "beaten their best day" in cheers[0]
    h.clock.now += timedelta(seconds=20)
    await report(t.reps["Bartek"], "/report 7000 Other client")  # within the minute: waits
    await report(t.reps["Anna"], "/report 10 Small")  # her best again today: not twice a day
    assert len(group_posts(h, "Big deal!")) == 1
    await t.tick_at(h.clock.now + timedelta(seconds=30))  # still within the minute
    assert len(group_posts(h, "Big deal!")) == 1
    await t.tick_at(h.clock.now + timedelta(seconds=15))  # a minute after the first cheer
    later = group_posts(h, "Big deal!")
    assert len(later) == 2 and "Bartek" in later[1] and "Anna" not in later[1]
    _ = update  # the big-deal threshold went through /settings above


async def test_point1_edit_retire_and_reject(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Mug", "10", "5")
    listing = (await h.say(t.boss, "/rewards"))[0]
    await h.tap(t.boss, listing, button(listing, "✏️"))
    await h.say(t.boss, "Big mug")
    assert "number" in (await h.say(t.boss, "ten"))[0].shown  # refused, asked again
    await h.say(t.boss, "20")
    saved = (await h.say(t.boss, "3"))[0]
    assert "Saved: Big mug, 20 points, 3 in stock." in saved.shown
    await t.give_points("Anna", 50)
    catalogue = (await h.say(t.reps["Anna"], "/rewards"))[0]
    await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Big mug"))
    review = h.server.last_to(t.boss.id)
    await h.tap(t.boss, review, button(review, "Reject"))
    assert "Rejected" in review.shown
    await h.server.wait_for(lambda: "not approved" in h.server.last_to(t.reps["Anna"].id).shown)
    assert "You have 50 points" in (await h.say(t.reps["Anna"], "/points"))[0].shown
    # A rep cannot manage the catalogue, even with forged buttons.
    for data in ("rw:add", f"rw:retire:{1}", "rw:ok:1"):
        answer = await h.tap(t.reps["Anna"], catalogue, data, check=False)
        assert answer is not None and "coordinator" in answer
    listing = (await h.say(t.boss, "/rewards"))[0]
    await h.tap(t.boss, listing, button(listing, "🗑"))
    assert "Retired: Big mug." in h.server.last_to(t.boss.id).shown
    assert "Big mug" not in (await h.say(t.reps["Anna"], "/rewards"))[0].shown


def test_contest_moments_in_every_form() -> None:
    now = local(11, 27, 12)
    zone = WARSAW
    assert parsing.parse_moment("tomorrow 10:00", now, zone, end=False) == local(11, 28, 10)
    assert parsing.parse_moment("jutro 9:00", now, zone, end=False) == local(11, 28, 9)
    assert parsing.parse_moment("01.12 9:00", now, zone, end=False) == local(12, 1, 9)
    assert parsing.parse_moment("2026-11-27", now, zone, end=False) == local(11, 27, 0)  # today, begun
    assert parsing.parse_moment("2026-11-27", now, zone, end=True) == local(11, 28, 0)  # the whole day


async def test_a_lost_end_post_is_mended_on_the_next_tick(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await create_contest(h, t.boss, "amount", "2026-11-03", "2026-11-03")
    await t.sale("Anna", 1000, local(11, 3, 10))
    await contests.finish_due(h.db, local(11, 4, 0, 1))  # results recorded, then the process died
    assert group_posts(h, "is over") == []
    await t.tick_at(local(11, 4, 0, 2))
    await t.tick_at(local(11, 4, 0, 3))
    assert len(group_posts(h, "is over")) == 1


async def test_edited_messages_do_not_run_again(h: Harness) -> None:
    t = await make_team(h, "Anna")
    card = (await h.say(t.reps["Anna"], "/report 100 Acme"))[0]
    await h.tap(t.reps["Anna"], card, button(card, "Save"))
    card = (await h.say(t.reps["Anna"], "/report 200 Beta"))[0]
    await h.tap(t.reps["Anna"], card, button(card, "Save"))
    undo = h.server.send_message(t.reps["Anna"], "/undo")
    await h.server.wait_for(lambda: "undone" in h.server.last_to(t.reps["Anna"].id).shown)
    edited = dict(h.server.updates[undo]["message"], edit_date=1)
    h.server.push_update({"edited_message": edited})
    await h.settle(t.reps["Anna"])
    async with h.db.read() as session:
        voided = (await session.scalars(select(Sale).where(Sale.voided_at.is_not(None)))).all()
    assert len(voided) == 1


async def test_point2_ties_share_a_place_and_its_prize(h: Harness) -> None:
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


async def test_pending_requests_stay_listed_for_the_coordinator(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Mug", "10", "5")
    await t.give_points("Anna", 50)
    catalogue = (await h.say(t.reps["Anna"], "/rewards"))[0]
    await h.tap(t.reps["Anna"], catalogue, button(catalogue, "Mug"))
    listing = (await h.say(t.boss, "/rewards"))[0]
    assert "Waiting for your decision:" in listing.shown and "Anna: Mug (10)" in listing.shown
    await h.tap(t.boss, listing, button(listing, "✅ Anna: Mug"))
    assert "Waiting" not in (await h.say(t.boss, "/rewards"))[0].shown
    assert "You have 40 points" in (await h.say(t.reps["Anna"], "/points"))[0].shown
