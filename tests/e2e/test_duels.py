"""Duels: a challenge answered by the rival only, once, within 2 hours; decided by amount once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Duel, PointEntry
from tests.support.clock import FakeClock, local
from tests.support.english_team import group_posts, make_team
from tests.support.harness import Harness, Roster, button, running_bot

MONDAY = local(11, 30, 9)  # Monday 30 November 2026, 09:00 in Warsaw


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(MONDAY)) as harness:
        yield harness


async def duel_points(h: Harness) -> list[tuple[int, int]]:
    async with h.db.read() as session:
        rows = await session.execute(
            select(PointEntry.person_id, PointEntry.delta)
            .where(PointEntry.reason == "duel")
            .order_by(PointEntry.id)
        )
        return [(int(p), int(d)) for p, d in rows]


async def challenge(h: Harness, t: Roster, who: str, args: str) -> None:
    sent = await h.say(t.reps[who], f"/duel {args}")
    assert "Challenge sent" in sent[0].shown, sent[0].shown


async def test_only_the_rival_accepts_once_and_the_week_is_decided_once_by_amount(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    anna, bartek, celina = t.reps["Anna"], t.reps["Bartek"], t.reps["Celina"]
    await t.sale("Bartek", 900_00, MONDAY - timedelta(hours=1))  # before the duel: not counted
    await challenge(h, t, "Bartek", "@ANNA TYDZIEŃ")
    card = h.server.last_to(anna.id)
    assert "Bartek challenges you" in card.shown and "end of this week" in card.shown
    accept = button(card, "Accept")
    # A third person pressing the rival's button (forged) is refused, and the duel stays pending.
    refused = await h.tap(celina, card, accept)
    assert refused is not None and "not addressed to you" in refused
    assert await h.tap(anna, card, accept) is None
    assert "The duel is on" in card.shown
    again = await h.tap(anna, card, accept, check=False)
    assert again is not None and "already decided" in again
    assert await h.told(bartek, "The duel is on")
    await t.sale("Anna", 300_00, MONDAY + timedelta(hours=1))
    await t.sale("Bartek", 200_00, MONDAY + timedelta(days=2))
    await t.sale("Anna", 50_00, local(12, 6, 23, 30))  # Sunday night: still this ISO week
    await t.sale("Bartek", 999_00, local(12, 7, 0, 30))  # next week: not counted
    await t.tick_at(local(12, 6, 23, 59))
    assert await duel_points(h) == []  # the week is not over
    await t.tick_at(local(12, 7, 0, 1))
    assert await duel_points(h) == [(anna.id, 20)]
    assert group_posts(h, "The duel is over") == []  # decided at midnight, told after the quiet hours
    await t.tick_at(local(12, 7, 8, 0))
    await t.tick_at(local(12, 7, 8, 1))  # a second tick (a restart, another process) adds nothing
    assert await duel_points(h) == [(anna.id, 20)]
    results = group_posts(h, "The duel is over")
    assert len(results) == 1 and "Anna wins 20 points" in results[0]
    for rep in (anna, bartek):
        assert len([m for m in h.server.messages_to(rep.id) if "The duel is over" in m.shown]) == 1


async def test_an_unanswered_challenge_expires_after_two_hours_and_awards_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await challenge(h, t, "Bartek", "@anna")
    card = h.server.last_to(anna.id)
    await t.tick_at(MONDAY + timedelta(hours=2, minutes=1))
    assert await h.told(bartek, "did not answer your challenge")
    refused = await h.tap(anna, card, button(card, "Accept"))
    assert refused is not None and "expired" in refused
    await t.sale("Anna", 100_00, MONDAY + timedelta(hours=3))
    await t.tick_at(local(12, 1, 0, 5))
    assert await duel_points(h) == []
    assert group_posts(h, "The duel is over") == []


async def test_a_press_after_two_hours_is_refused_even_before_the_scheduler_expires_it(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await challenge(h, t, "Bartek", "@anna day")
    card = h.server.last_to(t.reps["Anna"].id)
    h.clock.now = MONDAY + timedelta(hours=2)
    refused = await h.tap(t.reps["Anna"], card, button(card, "Accept"))
    assert refused is not None and "expired" in refused
    async with h.db.read() as session:
        assert (await session.scalars(select(Duel.status))).all() == ["pending"]


async def test_a_declined_duel_awards_nothing_and_a_tie_splits_the_points(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await challenge(h, t, "Bartek", "@anna dzien")
    card = h.server.last_to(anna.id)
    await h.tap(anna, card, button(card, "Decline"))
    assert await h.told(bartek, "Anna declined the duel")
    await t.sale("Bartek", 100_00, MONDAY + timedelta(hours=1))
    await t.tick_at(local(12, 1, 0, 5))
    assert await duel_points(h) == []
    # The team's duel points are a setting; a day duel with equal amounts splits them.
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:duel_points")
    assert "A duel's winner gets 30 points" in (await h.say(t.boss, "30"))[0].shown
    await challenge(h, t, "Anna", "@bartek DZIEŃ")
    card = h.server.last_to(bartek.id)
    await h.tap(bartek, card, button(card, "Accept"))
    await t.sale("Anna", 70_00, local(12, 1, 12))
    await t.sale("Bartek", 70_00, local(12, 1, 13))
    await t.tick_at(local(12, 2, 0, 1))
    assert sorted(await duel_points(h)) == sorted([(anna.id, 15), (bartek.id, 15)])
    await t.tick_at(local(12, 2, 8, 0))
    assert "A tie" in group_posts(h, "The duel is over")[0]


async def test_duel_alone_picks_the_rival_from_buttons_and_refuses_self_and_strangers(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna = t.reps["Anna"]
    listing = (await h.say(anna, "/duel week"))[0]
    assert "Anna" not in [label for label, _ in listing.buttons()]
    await h.tap(anna, listing, button(listing, "Bartek"))
    assert "Challenge sent to Bartek" in listing.shown and "this week" in listing.shown
    assert "Anna challenges you" in h.server.last_to(t.reps["Bartek"].id).shown
    assert "cannot challenge yourself" in (await h.say(anna, "/duel @anna"))[0].shown
    assert "not in your team" in (await h.say(anna, "/duel @nobody"))[0].shown
    assert "already have a duel" in (await h.say(anna, "/duel @bartek"))[0].shown
    forged = await h.tap(anna, listing, "du:r:week:999999", check=False)
    assert forged is not None and "not in your team" in forged
    assert "Send /duel @username" in (await h.say(anna, "/duel @bartek week extra"))[0].shown
