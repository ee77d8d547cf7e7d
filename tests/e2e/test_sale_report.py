"""The sale-report conversation through the bot: guided and quick reports, refusals, undo, voids, rankings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Sale
from tests.support.botapi import BotApiServer, FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.harness import Harness, running_bot

EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url) as harness:
        yield harness


async def team_of_two(h: Harness, lang: str = "en") -> tuple[FakeUser, FakeUser]:
    boss = h.server.user(1, "Kasia", language_code=lang)
    await h.coordinator(boss)
    rep = h.server.user(2, "Anna", language_code=lang)
    await h.rep(boss, rep)
    return boss, rep


async def sale_count(db: Database) -> int:
    async with db.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Sale).where(Sale.voided_at.is_(None))) or 0
        )


def button(message: SentMessage, startswith: str = "", label: str = "") -> str:
    for text, data in message.buttons():
        if data.startswith(startswith) and label in text:
            return data
    raise AssertionError(f"no button {startswith!r}/{label!r} in {message.buttons()}")


async def test_a_guided_report_moved_to_yesterday_is_saved_and_undone(h: Harness) -> None:
    _, rep = await team_of_two(h)
    step = (await h.say(rep, "/report"))[0]
    assert "Who is the client" in step.shown
    step = (await h.say(rep, "Acme"))[0]
    assert "What is the amount" in step.shown
    step = (await h.say(rep, "12.345"))[0]
    assert "ambiguous" in step.shown and "1 234,50" in step.shown  # re-asked with examples
    step = (await h.say(rep, "1 234,50"))[0]
    assert "product" in step.shown
    await h.tap(rep, step, button(step, label="Skip"))
    card = h.server.last_to(rep.id)
    assert "Check the sale" in card.shown and "Day: today" in card.shown
    await h.tap(rep, card, button(card, label="Yesterday"))
    card = h.server.last_to(rep.id)
    assert "Day: yesterday" in card.shown
    await h.tap(rep, card, button(card, label="Save"))
    saved = h.server.last_to(rep.id)
    assert "Sale saved" in saved.shown and "PLN" in saved.shown
    assert await sale_count(h.db) == 1
    async with h.db.read() as session:
        sale = (await session.scalars(select(Sale))).one()
    assert sale.occurred_at == h.clock() - timedelta(days=1)
    # The next report offers the recent client as a button.
    step = (await h.say(rep, "/report"))[0]
    assert any(text == "Acme" for text, _ in step.buttons())
    await h.say(rep, "/cancel")
    await h.tap(rep, saved, button(saved, "undo:"))
    assert "undone" in saved.shown and saved.edited  # the saved message itself is edited
    assert await sale_count(h.db) == 0


async def test_cancel_saves_nothing_and_report_in_a_group_leads_to_the_private_chat(h: Harness) -> None:
    boss, rep = await team_of_two(h)
    await h.say(rep, "/report")
    await h.say(rep, "Acme")
    assert "Nothing was saved" in (await h.say(rep, "/cancel"))[0].shown
    assert "To report a sale" in (await h.say(rep, "500"))[0].shown
    group = h.server.group(-1003, "Team")
    await h.say(boss, "/linkgroup", group)
    redirect = (await h.say(rep, "/report@salesbot_test_bot", group))[0]
    url = redirect.buttons()[0][1]
    assert url == "https://t.me/salesbot_test_bot?start=report"
    step = (await h.say(rep, "/start report"))[0]
    assert "Who is the client" in step.shown
    assert await sale_count(h.db) == 0


async def test_a_coordinator_reports_sales_and_is_ranked(h: Harness) -> None:
    boss, rep = await team_of_two(h)
    card = (await h.say(boss, "/report 300 Big client"))[0]
    await h.tap(boss, card, button(card, label="Save"))
    card = (await h.say(rep, "/report 100 Small client"))[0]
    await h.tap(rep, card, button(card, label="Save"))
    board = (await h.say(rep, "/top"))[0]
    lines = board.shown.splitlines()
    assert any(line.startswith("1. Kasia") for line in lines) and any(
        line.startswith("2. Anna") for line in lines
    )


async def test_the_quick_form_shows_the_card_or_explains_and_starts_the_guided_report(h: Harness) -> None:
    _, rep = await team_of_two(h, "pl")
    card = (await h.say(rep, "/report 1 234,50 Acme Sp. z o.o."))[0]
    assert "Sprawdź sprzedaż" in card.shown
    assert "Klient: Acme Sp. z o.o." in card.shown and "1\xa0234,50\xa0zł" in card.shown
    why, step = await h.say(rep, "/report abc Acme", replies=2)
    assert "To nie jest kwota" in why.shown
    assert "Kto jest klientem" in step.shown


async def test_refused_amounts_are_asked_again_in_the_users_language(h: Harness) -> None:
    _, rep = await team_of_two(h, "pl")
    await h.say(rep, "/report")
    await h.say(rep, "Acme")
    for text, expected in (
        ("0", "większa od zera"),
        ("-5", "większa od zera"),
        ("NaN", "To nie jest kwota"),
        ("1,234", "niejednoznaczne"),
        ("1,999", "niejednoznaczne"),
        ("12.3456", "dwa miejsca"),
        ("100000000", "przekracza limit 10\xa0000\xa0000,00\xa0zł"),
        ("12 34", "po trzy cyfry"),
    ):
        reply = (await h.say(rep, text))[0]
        assert expected in reply.shown, (text, reply.shown)
        assert "Jaka jest kwota" in reply.shown
    assert "produkt" in (await h.say(rep, "PLN 99"))[0].shown


async def test_coordinator_voids_a_sale_from_the_list_with_a_reason(h: Harness) -> None:
    boss, rep = await team_of_two(h)
    card = (await h.say(rep, f"/report 250 {EVIL}"))[0]
    await h.tap(rep, card, button(card, label="Save"))
    listing = (await h.say(boss, "/sales"))[0]
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; 😀" in str(listing.text)
    await h.tap(boss, listing, button(listing, "sales:void:"))
    ask = h.server.last_to(boss.id)
    assert "reason" in ask.shown
    done = (await h.say(boss, "typed twice <oops>"))[0]
    assert "voided" in done.shown
    assert await sale_count(h.db) == 0
    async with h.db.read() as session:
        sale = (await session.scalars(select(Sale))).one()
    assert (sale.voided_by, sale.void_reason) == (boss.id, "typed twice <oops>")
    # A rep cannot void: their /sales lists their own sales without Void, and a forged button is refused.
    own = (await h.say(rep, "/sales"))[0]
    assert "Your sales" in own.shown and not [d for _, d in own.buttons() if d.startswith("sales:void:")]
    answer = await h.tap(rep, card, f"sales:void:{sale.id}", check=False)
    assert answer is not None and "coordinator" in answer


async def test_the_undo_command_works_within_ten_minutes_only(h: Harness) -> None:
    _, rep = await team_of_two(h)
    card = (await h.say(rep, "/report 250 Acme"))[0]
    await h.tap(rep, card, button(card, label="Save"))
    h.clock.now += timedelta(minutes=11)
    assert "no sale of yours" in (await h.say(rep, "/undo"))[0].shown
    card = (await h.say(rep, "/report 100 Acme"))[0]
    await h.tap(rep, card, button(card, label="Save"))
    assert "undone" in (await h.say(rep, "/undo"))[0].shown
    assert await sale_count(h.db) == 1


async def test_me_and_the_group_leaderboard_show_totals_and_ranks(h: Harness) -> None:
    boss, rep = await team_of_two(h, "pl")
    group = h.server.group(-1004, "Zespół")
    await h.say(boss, "/linkgroup", group)
    for amount in ("100", "200,50"):
        card = (await h.say(rep, f"/report {amount} Acme"))[0]
        await h.tap(rep, card, button(card, label="Zapisz"))
    me = (await h.say(rep, "/me"))[0]
    assert "300,50\xa0zł · 2 sprzedaże" in me.shown and "Miejsce 1 z 1" in me.shown
    board = (await h.say(rep, "/leaderboard week", group))[0]
    assert "Ranking tygodnia" in board.shown and "1. Anna — 300,50\xa0zł (2 sprzedaże)" in board.shown
    refused = (await h.say(rep, "/leaderboard year", group))[0].shown
    assert "Wybierz: dzień, tydzień lub miesiąc" in refused and "week" not in refused


async def test_polish_period_words_work_in_any_case_with_or_without_diacritics(h: Harness) -> None:
    """`/leaderboard tydzień`, `TYDZIEN`, `miesiąc %` and `/me wykres` read as their English twins."""
    boss, rep = await team_of_two(h, "pl")
    card = (await h.say(rep, "/report 100 Acme"))[0]
    await h.tap(rep, card, button(card, label="Zapisz"))
    for words, heading in (
        ("tydzień", "Ranking tygodnia"),
        ("TYDZIEN", "Ranking tygodnia"),
        ("Miesiąc", "Ranking miesiąca"),
        ("miesiac", "Ranking miesiąca"),
        ("dzien", "Ranking dnia"),
        ("DZIEŃ", "Ranking dnia"),
    ):
        assert heading in (await h.say(rep, f"/leaderboard {words}"))[0].shown, words
    assert "celu" in (await h.say(rep, "/leaderboard miesiąc %"))[0].shown
    for who in ("zespół", "ZESPOL"):
        assert "10\xa0000,00\xa0zł" in (await h.say(boss, f"/target {who} 10 000"))[0].shown, who
    h.server.send_message(rep, "/me Wykres")
    await h.server.wait_for(lambda: any(m.method == "sendPhoto" for m in h.server.messages_to(rep.id)))


async def test_names_with_html_and_emoji_are_kept_escaped_and_over_200_characters_refused(h: Harness) -> None:
    _, rep = await team_of_two(h)
    await h.say(rep, "/report")
    refused = (await h.say(rep, "x" * 300))[0]
    assert "at most 200 characters" in refused.shown and "Who is the client" in refused.shown
    long_evil = (EVIL + "y" * 200)[:200]
    step = (await h.say(rep, long_evil))[0]
    assert "What is the amount" in step.shown
    await h.say(rep, "10")
    card = (await h.say(rep, EVIL))[0]  # the product
    assert str(card.text).count("&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; 😀") == 2
    await h.tap(rep, card, button(card, label="Save"))
    async with h.db.read() as session:
        sale = (await session.scalars(select(Sale))).one()
        from storage.models import Client, Product

        assert (await session.get_one(Client, sale.client_id)).name == long_evil
        assert sale.product_id is not None
        assert (await session.get_one(Product, sale.product_id)).name == EVIL
    next_step = (await h.say(rep, "/report"))[0]
    assert next_step.buttons()[0][0] == long_evil[:64]


async def test_a_double_tap_and_a_redelivery_store_one_sale(h: Harness) -> None:
    _, rep = await team_of_two(h)
    card = (await h.say(rep, "/report 100 Acme"))[0]
    save = button(card, label="Save")
    before = len(h.server.callback_answers)
    first = h.server.press(rep, card, save)
    h.server.press(rep, card, save)  # a double tap: two updates
    await h.server.wait_for(lambda: len(h.server.callback_answers) >= before + 2)
    h.server.redeliver(first)  # and Telegram delivering the first one again
    await h.settle(rep)
    assert await sale_count(h.db) == 1
    texts = [m.shown for m in h.server.messages_to(rep.id)]
    assert any("already saved" in t for t in texts) or texts.count("Sale saved") <= 1
    # Redelivered /report quick form: one draft, one sale.
    update_id = h.server.send_message(rep, "/report 5 Beta")
    h.server.redeliver(update_id)
    await h.settle(rep)
    cards = [m for m in h.server.messages_to(rep.id) if "Beta" in m.shown]
    assert len(cards) == 1


async def test_a_replaced_drafts_buttons_stay_stale_and_the_draft_survives_a_restart_until_it_expires(
    db_url: str,
) -> None:
    clock = FakeClock()
    server = BotApiServer().start()
    async with running_bot(db_url, clock, server) as h:
        _, rep = await team_of_two(h)
        card = (await h.say(rep, "/report 100 Acme"))[0]
        await h.say(rep, "/report")  # replaces the first draft
        answer = await h.tap(rep, card, button(card, label="Save"))
        assert answer is not None and "no longer active" in answer
        await h.say(rep, "Acme")  # the new draft is at the amount step
    async with running_bot(db_url, clock, server) as h2:
        rep2 = h2.server.user(2, "Anna", language_code="en")
        # The replaced draft's buttons after a restart: answered, nothing moves.
        for data in (
            button(card, label="Save"),
            button(card, label="Cancel"),
            button(card, label="Yesterday"),
        ):
            answer = await h2.tap(rep2, card, data, check=False)
            assert answer is not None and "no longer active" in answer
        # The draft survived the restart at its step.
        step = (await h2.say(rep2, "77"))[0]
        assert "product" in step.shown
        clock.now += timedelta(minutes=31)
        expired = (await h2.say(rep2, "Gadget"))[0]
        assert "expired" in expired.shown
        assert await sale_count(h2.db) == 0
    server.stop()


async def test_a_sale_at_2330_local_counts_on_its_local_day(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 in Warsaw
    async with running_bot(db_url, clock) as h:
        _, rep = await team_of_two(h, "pl")
        card = (await h.say(rep, "/report 100 Acme"))[0]
        await h.tap(rep, card, button(card, label="Zapisz"))
        assert "27.11.2026" in (await h.say(rep, "/leaderboard"))[0].shown
        clock.now += timedelta(hours=1)  # 00:30 local on the 28th
        today = (await h.say(rep, "/leaderboard"))[0]
        assert "28.11.2026" in today.shown and "Anna" not in today.shown
