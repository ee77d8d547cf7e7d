"""The reward catalogue: coordinators list items, reps spend their points on them, coordinators decide."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.services import teams
from tests.support.botapi import FakeUser
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def add_item(h: Harness, boss: FakeUser, title: str, cost: str, stock: str) -> None:
    listing = (await h.say(boss, "/rewards"))[0]
    await h.tap(boss, listing, "rw:add")
    await h.say(boss, title)
    await h.say(boss, cost)
    saved = (await h.say(boss, stock))[0]
    assert "Saved" in saved.shown


async def test_an_approved_request_deducts_points_and_stock_once(h: Harness) -> None:
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


async def test_requests_beyond_the_balance_or_the_stock_or_of_a_rep_who_left_are_refused(h: Harness) -> None:
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


async def test_coordinator_edits_rejects_and_retires_items_and_a_rep_cannot(h: Harness) -> None:
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
