"""Correcting a sale: Edit on the report card, a rep's own open sales, the coordinator's any, with history."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.services import export, teams
from storage.models import Client, Draft, Sale, SaleCorrection
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, Roster, make_roster, running_bot

EVIL = "<b>x</b> & </a> 😀"
# Friday 20 November 2026, noon in Warsaw.
NOON = local(11, 20, 12)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(NOON)) as harness:
        yield harness


def data_of(message: SentMessage, startswith: str, label: str = "") -> str:
    for text, data in message.buttons():
        if data.startswith(startswith) and label in text:
            return data
    raise AssertionError(f"no button {startswith!r}/{label!r} in {message.buttons()}")


async def saved_sale(h: Harness, rep: FakeUser, args: str) -> int:
    card = (await h.say(rep, f"/report {args}"))[0]
    await h.tap(rep, card, data_of(card, "rp:", "Save"))
    async with h.db.read() as session:
        found = await session.scalar(select(func.max(Sale.id)).where(Sale.person_id == rep.id))
    assert found is not None
    return int(found)


async def open_card(h: Harness, user: FakeUser, sale_id: int) -> SentMessage:
    """/sales, then the Edit button of `sale_id`: the sale's card comes as a new message."""
    listing = (await h.say(user, "/sales"))[0]
    await h.tap(user, listing, f"sales:edit:{sale_id}")
    return h.server.last_to(user.id)


async def csv_amounts(h: Harness) -> dict[int, str]:
    team = await teams.find_team(h.db, "North")
    out = io.StringIO()
    await export.write_csv(h.db, team, None, None, out)
    rows = [line.split(",") for line in out.getvalue().splitlines()[1:]]
    return {int(row[0]): row[5] for row in rows}


async def roster(h: Harness) -> Roster:
    return await make_roster(h, "Anna", "Bartek", group_id=-1010)


async def test_edit_on_the_confirmation_card_goes_back_to_any_step_and_returns_to_the_card(
    h: Harness,
) -> None:
    t = await roster(h)
    anna = t.reps["Anna"]
    card = (await h.say(anna, "/report 100 Acme"))[0]
    await h.tap(anna, card, data_of(card, "rp:", "Edit"))
    assert "What do you want to change?" in card.shown
    assert [label for label, _ in card.buttons()][:3] == ["The client", "The amount", "The product"]
    await h.tap(anna, card, data_of(card, "rp:", "The amount"))
    assert "What is the amount?" in card.shown
    back = (await h.say(anna, "250"))[0]
    assert "Check the sale" in back.shown and "PLN\xa0250.00" in back.shown  # straight back, no product step
    await h.tap(anna, back, data_of(back, "rp:", "Edit"))
    await h.tap(anna, back, data_of(back, "rp:", "The client"))
    back = (await h.say(anna, EVIL))[0]
    assert "Check the sale" in back.shown and "&lt;b&gt;x&lt;/b&gt;" in str(back.text)
    await h.tap(anna, back, data_of(back, "rp:", "Save"))
    async with h.db.read() as session:
        sale = (await session.scalars(select(Sale))).one()
        client = await session.get(Client, sale.client_id)
    assert sale.amount_minor == 25_000 and client is not None and client.name == EVIL


async def test_a_sale_corrected_from_100_to_1000_moves_the_rep_in_the_leaderboard_me_and_export(
    h: Harness,
) -> None:
    """The sale row changes in place, so every reading follows; its history shows both values."""
    t = await roster(h)
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    sale_id = await saved_sale(h, anna, "100 Acme")
    await saved_sale(h, bartek, "500 Beta")
    board = (await h.say(anna, "/leaderboard"))[0].shown
    assert board.index("Bartek") < board.index("Anna")
    assert (await csv_amounts(h))[sale_id] == "100.00"

    card = await open_card(h, anna, sale_id)
    assert f"Sale #{sale_id}" in card.shown and "What do you want to correct?" in card.shown
    await h.tap(anna, card, data_of(card, "fix:", "The amount"))
    assert "Type the new amount" in card.shown
    refused = (await h.say(anna, "12.345"))[0]
    assert "ambiguous" in refused.shown  # asked again, nothing changed
    done = (await h.say(anna, "1000"))[0]
    assert f"Sale #{sale_id} corrected." in done.shown
    assert "amount: PLN\xa0100.00 → PLN\xa01,000.00" in done.shown and "Anna" in done.shown

    board = (await h.say(anna, "/leaderboard"))[0].shown
    assert board.index("Anna") < board.index("Bartek") and "PLN\xa01,000.00" in board
    me = (await h.say(anna, "/me"))[0].shown
    assert "PLN\xa01,000.00" in me and "Rank 1 of" in me
    assert (await csv_amounts(h))[sale_id] == "1000.00"
    async with h.db.read() as session:
        change = (await session.scalars(select(SaleCorrection))).one()
    assert (change.field, change.before, change.after, change.changed_by) == (
        "amount",
        "10000",
        "100000",
        anna.id,
    )
    assert change.reason is None  # a rep's own correction of an open day needs none
    # The rep's /sales shows the sale with its new amount and its Edit button.
    listing = (await h.say(anna, "/sales"))[0]
    assert "PLN\xa01,000.00" in listing.shown and f"sales:edit:{sale_id}" in [d for _, d in listing.buttons()]


async def test_a_rep_cannot_correct_another_reps_sale_or_a_closed_day_by_button_or_forged_data(
    h: Harness,
) -> None:
    t = await roster(h)
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    old = await t.sale("Anna", 10_000, local(11, 19, 10))
    await t.close(date(2026, 11, 19))
    h.clock.now = NOON
    theirs = await saved_sale(h, bartek, "500 Beta")
    mine = await saved_sale(h, anna, "100 Acme")

    listing = (await h.say(anna, "/sales"))[0]
    edits = [d for _, d in listing.buttons()]
    assert f"sales:edit:{mine}" in edits and f"sales:edit:{old}" not in edits
    assert f"#{old}" in listing.shown and "🔒" in listing.shown and f"#{theirs}" not in listing.shown
    # Forged Edit buttons: refused with a reason, answered, and no draft is started.
    answer = await h.tap(anna, listing, f"sales:edit:{theirs}", check=False)
    assert answer is not None and "only your own sales" in answer
    answer = await h.tap(anna, listing, f"sales:edit:{old}", check=False)
    assert answer is not None and "already closed" in answer
    answer = await h.tap(anna, listing, "sales:edit:99999", check=False)
    assert answer is not None and "no longer available" in answer
    answer = await h.tap(anna, listing, "fix:forged:f:amount", check=False)
    assert answer is not None and "no longer active" in answer
    async with h.db.read() as session:
        assert (await session.scalars(select(Draft).where(Draft.person_id == anna.id))).first() is None

    # A card opened while the day was open refuses the value once the day has closed meanwhile.
    h.clock.now = local(11, 20, 17, 55)
    card = await open_card(h, anna, mine)
    await h.tap(anna, card, data_of(card, "fix:", "The amount"))
    await t.close(date(2026, 11, 20))
    h.clock.now = local(11, 20, 18, 1)
    refused = (await h.say(anna, "1000"))[0]
    assert "already closed" in refused.shown
    async with h.db.read() as session:
        assert (await session.get(Sale, mine)).amount_minor == 10_000  # type: ignore[union-attr]
        assert await session.scalar(select(func.count()).select_from(SaleCorrection)) == 0


async def test_the_coordinator_corrects_a_closed_days_sale_with_a_reason_and_the_next_digest_lists_it(
    h: Harness,
) -> None:
    t = await roster(h)
    boss = t.boss
    old = await t.sale("Anna", 10_000, local(11, 19, 10))
    await t.close(date(2026, 11, 19))
    h.clock.now = NOON
    listing = (await h.say(boss, "/sales"))[0]
    assert f"sales:void:{old}" in [d for _, d in listing.buttons()]
    await h.tap(boss, listing, f"sales:edit:{old}")
    card = h.server.last_to(boss.id)
    assert "already closed" in card.shown
    await h.tap(boss, card, data_of(card, "fix:", "The client"))
    ask = (await h.say(boss, "Gamma"))[0]
    assert "New client: Gamma" in ask.shown and "reason" in ask.shown
    done = (await h.say(boss, f"wrong client {EVIL}"))[0]
    assert f"Sale #{old} corrected." in done.shown and "next digest" in done.shown
    assert "client: Acme → Gamma" in done.shown and "&lt;b&gt;x&lt;/b&gt;" in str(done.text)
    # Monday's digest covers Friday to Sunday: the late correction is listed like a late void.
    h.clock.now = local(11, 23, 9)
    digest = (await h.say(boss, "/digest"))[0].shown
    assert "Corrected after their day was closed" in digest
    assert f"#{old} Anna, 19 Nov 2026: client: Acme → Gamma" in digest
    # The card shows the history to whoever opens it again.
    again = await open_card(h, boss, old)
    assert "Changes" in again.shown and "Kasia: client: Acme → Gamma" in again.shown
