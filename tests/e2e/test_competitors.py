"""Competitor notes through the bot: /competitor step by step, /competitors, and the weekly digest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.callbacks import Prefix, encode
from storage.models import Client, Competitor, CompetitorNote, Draft
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, Roster, button, running_bot

EVIL = "<b>x</b> & </a> 😀"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; 😀"
KINDS = {
    "price": "Price",
    "promotion": "Promotion",
    "new_product": "New product",
    "lost_deal": "Lost deal",
    "other": "Other",
}


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 24, 9))) as harness:  # Tuesday
        yield harness


async def note(
    h: Harness,
    user: FakeUser,
    competitor: str,
    kind: str,
    text: str,
    *,
    client: str | None = None,
    pick: bool = False,
    pick_client: bool = False,
) -> SentMessage:
    """One note through the wizard: the competitor typed (or its button, `pick`), the kind, the
    text, the client typed (or its button, `pick_client`, or skipped when None), then Save."""
    card = (await h.say(user, "/competitor"))[0]
    if pick:
        await h.tap(user, card, button(card, competitor))
    else:
        card = (await h.say(user, competitor))[0]
    await h.tap(user, card, button(card, KINDS[kind]))
    card = (await h.say(user, text))[0]
    if client is None:
        await h.tap(user, card, button(card, "Skip"))
    elif pick_client:
        await h.tap(user, card, button(card, client))
    else:
        card = (await h.say(user, client))[0]
    assert "Check the note" in card.shown
    await h.tap(user, card, button(card, "Save"))
    assert "Competitor note saved" in card.shown
    return card


async def count(h: Harness, model: type[Competitor] | type[CompetitorNote] | type[Client]) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def stored(h: Harness) -> list[tuple[str, str, str, str | None, int]]:
    """(competitor, kind, text, client, author) of every note, oldest first."""
    async with h.db.read() as session:
        rows = await session.execute(
            select(
                Competitor.name,
                CompetitorNote.kind,
                CompetitorNote.text,
                Client.name,
                CompetitorNote.person_id,
            )
            .join(Competitor, Competitor.id == CompetitorNote.competitor_id)
            .outerjoin(Client, Client.id == CompetitorNote.client_id)
            .order_by(CompetitorNote.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def report(h: Harness, t: Roster, who: str, text: str) -> None:
    card = (await h.say(t.user(who), f"/report {text}"))[0]
    await h.tap(t.user(who), card, button(card, "Save"))


def weekly(h: Harness, user: FakeUser) -> str:
    texts = [m for m in h.server.messages_to(user.id) if "Weekly summary" in m.shown]
    assert len(texts) == 1
    return str(texts[0].text)


async def test_the_spellings_of_a_competitor_are_one_competitor_in_the_buttons_the_list_and_the_digest(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await note(h, anna, "Rival sp. z o.o.", "price", "10% cheaper at Acme")
    await note(h, bartek, "RIVAL  Sp z o o", "promotion", "two for one")
    await note(h, t.boss, "Rival sp. z o.o.", "price", "cheaper again", pick=True)
    assert await count(h, Competitor) == 1
    assert {row[0] for row in await stored(h)} == {"Rival sp. z o.o."}  # the first spelling kept
    step = (await h.say(bartek, "/competitor"))[0]
    named = [label for label, data in step.buttons() if data.startswith("cm:") and ":c:" in data]
    assert named == ["Rival sp. z o.o."]
    listing = (await h.say(t.boss, "/competitors"))[0]
    assert listing.shown.count("Rival") == 1 and "3 notes" in listing.shown
    assert "Anna — price: 10% cheaper at Acme" in listing.shown
    assert "Bartek — promotion: two for one" in listing.shown
    # Found by another spelling too.
    found = (await h.say(t.boss, "/competitors rival sp z"))[0]
    assert "Rival sp. z o.o." in found.shown and "3 notes" in found.shown
    await t.tick_at(local(11, 30, 8, 0))  # Monday: last week's digest
    digest = weekly(h, t.boss)
    assert "Rival sp. z o.o. — price 2, promotion 1" in digest
    assert "latest: cheaper again" in digest


async def test_a_note_is_saved_for_each_kind_with_a_typed_or_pressed_competitor_and_client_or_none(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await report(h, t, "Anna", "100 Acme")
    await note(h, anna, "Rival", "price", "cheaper", client="Acme", pick_client=True)
    await note(h, anna, "Rival", "promotion", "a promo", client="ACME", pick=True)  # typed, matched
    h.clock.now = local(11, 24, 10)
    await note(h, anna, "Other Co", "new_product", "a new line", client="Fresh Client")  # a new client
    await note(h, anna, "Other Co", "lost_deal", "lost Acme's order", pick=True)
    h.clock.now = local(11, 24, 11)
    await note(h, t.boss, "Third", "other", "heard a rumour", client="Boss Client")
    assert await stored(h) == [
        ("Rival", "price", "cheaper", "Acme", anna.id),
        ("Rival", "promotion", "a promo", "Acme", anna.id),
        ("Other Co", "new_product", "a new line", "Fresh Client", anna.id),
        ("Other Co", "lost_deal", "lost Acme's order", None, anna.id),
        ("Third", "other", "heard a rumour", "Boss Client", t.boss.id),
    ]
    # A typed new client is added as /client NAME adds it: the rep's own, the coordinator's unowned.
    async with h.db.read() as session:
        owners = dict((await session.execute(select(Client.name, Client.owner_id))).all())
    assert owners == {"Acme": anna.id, "Fresh Client": anna.id, "Boss Client": None}
    # The buttons offer the team's most noted competitors first, the latest noted of those first.
    step = (await h.say(anna, "/competitor"))[0]
    assert [label for label, data in step.buttons() if ":c:" in data] == ["Other Co", "Rival", "Third"]


async def test_a_double_tap_on_save_stores_one_note(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    card = (await h.say(anna, "/competitor"))[0]
    card = (await h.say(anna, "Rival"))[0]
    await h.tap(anna, card, button(card, "Price"))
    card = (await h.say(anna, "cheaper"))[0]
    await h.tap(anna, card, button(card, "Skip"))
    save = button(card, "Save")
    h.server.press(anna, card, save)
    await h.tap(anna, card, save, check=False)
    await h.settle(anna)
    assert await count(h, CompetitorNote) == 1
    assert "already saved" in card.shown or "Competitor note saved" in card.shown


async def test_the_weekly_digest_counts_only_that_weeks_notes_within_the_teams_local_days(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    # Warsaw is UTC+1: the week 23-29 November runs from 22 Nov 23:00 UTC to 29 Nov 23:00 UTC.
    for at, kind, text in (
        (local(11, 22, 23, 50), "price", "before the week"),
        (local(11, 23, 0, 10), "price", "first of the week"),
        (local(11, 26, 12, 0), "lost_deal", "lost one"),
        (local(11, 29, 23, 40), "price", "last of the week"),
        (local(11, 30, 0, 20), "promotion", "after the week"),
    ):
        h.clock.now = at
        await note(h, anna, "Rival", kind, text)
    await t.tick_at(local(11, 30, 8, 0))
    digest = weekly(h, t.boss)
    assert "Rival — price 2, lost deal 1" in digest
    assert "latest: last of the week" in digest
    assert "promotion" not in digest and "before the week" not in digest and "after the week" not in digest
    assert weekly(h, t.boss).count("Rival") == 1
    assert not await h.told(anna, "Weekly summary")  # the digest is the coordinator's


async def test_html_in_competitor_names_notes_and_client_names_is_shown_literally(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    card = (await h.say(anna, "/competitor"))[0]
    card = (await h.say(anna, EVIL))[0]
    assert f"Competitor: {EVIL}" in card.shown and ESCAPED in str(card.text)
    await h.tap(anna, card, button(card, "New product"))
    card = (await h.say(anna, f"note {EVIL}"))[0]
    card = (await h.say(anna, f"client {EVIL}"))[0]
    assert f"Note: note {EVIL}" in card.shown and f"Client: client {EVIL}" in card.shown
    assert str(card.text).count(ESCAPED) == 3
    await h.tap(anna, card, button(card, "Save"))
    assert f"Competitor: {EVIL}" in card.shown and f"Client: client {EVIL}" in card.shown
    assert str(card.text).count(ESCAPED) == 3 and "<b>x</b>" not in str(card.text)
    step = (await h.say(anna, "/competitor"))[0]
    assert EVIL in [label for label, _ in step.buttons()]
    listing = (await h.say(t.boss, "/competitors"))[0]
    assert f"new product (client: client {EVIL}): note {EVIL}" in listing.shown
    assert str(listing.text).count(ESCAPED) == 3
    await t.tick_at(local(11, 30, 8, 0))
    digest = weekly(h, t.boss)
    assert f"{ESCAPED} — new product 1" in digest and f"latest: note {ESCAPED}" in digest
    assert "<b>x</b>" not in digest


async def test_forged_competitor_buttons_are_refused_and_store_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    olek = h.server.user(2, "Olek", language_code="en")
    await h.coordinator(olek, "South", locale="en")
    await note(h, olek, "South Rival", "price", "theirs", client="South Client")
    await h.say(bartek, "/client Bartek Own")
    async with h.db.read() as session:
        south_rival = await session.scalar(select(Competitor.id).where(Competitor.name == "South Rival"))
        south_client = await session.scalar(select(Client.id).where(Client.name == "South Client"))
        bartek_own = await session.scalar(select(Client.id).where(Client.name == "Bartek Own"))
    assert south_rival is not None and south_client is not None and bartek_own is not None
    card = (await h.say(anna, "/competitor"))[0]
    token = button(card, "Cancel").split(":")[1]
    before = (await count(h, Competitor), await count(h, CompetitorNote), await count(h, Client))
    stale = "This button is no longer active."

    async def refused(*fields: str | int) -> None:
        data = ":".join([Prefix.COMPETITOR.value, *map(str, fields)])
        assert await h.tap(anna, card, data, check=False) == stale, data

    # At the competitor step: another team's competitor, ids no column holds, wrong field counts.
    for bad in (south_rival, 0, -1, 3_000_000_000, 10**24, "x"):
        await refused(token, "c", bad)
    await refused(token, "c")
    await refused(token, "c", south_rival, 1)
    await refused(token, "save", 1)
    await refused(token)
    await refused(token, "k", "price")  # a later step's button
    await refused(token, "save")
    await refused("AAAAAAAAAAAAAAAA", "c", south_rival)
    # Another person's token and buttons: Bartek presses Anna's.
    assert await h.tap(bartek, card, encode(Prefix.COMPETITOR, token, "skip"), check=False) == stale
    card = (await h.say(anna, "Rival"))[0]
    for bad in ("cheap", "PRICE", "", "price:1"):
        await refused(token, "k", bad)
    await h.tap(anna, card, button(card, "Price"))
    card = (await h.say(anna, "a note"))[0]
    # At the client step: another team's client, another rep's, huge ids.
    for bad in (south_client, bartek_own, 10**24, 2**63):
        await refused(token, "l", bad)
    await refused(token, "skip", 1)
    await refused(token, "l")
    async with h.db.read() as session:
        draft = await session.get(Draft, anna.id)
    assert draft is not None and draft.step == "client" and draft.data["client"] == ""
    assert (await count(h, Competitor), await count(h, CompetitorNote), await count(h, Client)) == before
    # Typing another rep's client's name is refused as /client NAME refuses it, and re-asked.
    again = (await h.say(anna, "BARTEK own"))[0]
    assert "already belongs to another sales rep" in again.shown
    assert "Which client was it about?" in again.shown
    assert (await count(h, Competitor), await count(h, CompetitorNote), await count(h, Client)) == before


async def test_typing_at_the_kind_step_or_a_note_too_long_is_refused_and_asked_again(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(anna, "/competitor")
    kinds = (await h.say(anna, "Rival"))[0]
    typed = (await h.say(anna, "other"))[0]
    assert "What did you see?" in kinds.shown
    assert "Choose what you saw with the buttons below." in typed.shown and "What did you see?" in typed.shown
    await h.tap(anna, typed, button(typed, "Other"))
    again = (await h.say(anna, "x" * 1001))[0]
    assert "at most 1000 characters" in again.shown and "Type a short note" in again.shown
    typed = (await h.say(anna, "a shorter note"))[0]
    assert "Which client was it about?" in typed.shown


async def test_the_competitor_screens_are_in_polish_for_a_polish_rep(h: Harness) -> None:
    t = await make_team(h, "Anna")
    ola = h.server.user(30, "Ola", language_code="pl")
    await h.rep(t.boss, ola)
    card = (await h.say(ola, "/competitor"))[0]
    assert "Nowa notatka o konkurencji" in card.shown and "Który konkurent?" in card.shown
    card = (await h.say(ola, "Hurtownia Konkurent"))[0]
    assert "Co zauważono?" in card.shown
    assert [label for label, _ in card.buttons()] == [
        "Cena",
        "Promocja",
        "Nowy produkt",
        "Utracona transakcja",
        "Inne",
        "Anuluj",
    ]
    await h.tap(ola, card, button(card, "Utracona transakcja"))
    card = (await h.say(ola, "klient wybrał tańszą ofertę"))[0]
    await h.tap(ola, card, button(card, "Pomiń"))
    assert "Sprawdź notatkę" in card.shown and "Klient: brak" in card.shown
    await h.tap(ola, card, button(card, "Zapisz"))
    assert "Zapisałem notatkę o konkurencji" in card.shown
    assert "Zauważone: utracona transakcja" in card.shown
    helped = (await h.say(ola, "/help"))[0]
    assert "/competitor —" in helped.shown and "/competitors" not in helped.shown
    assert "/competitors —" in (await h.say(t.boss, "/help"))[0].shown


async def test_competitors_is_the_coordinators_and_private_and_competitor_is_private(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    assert "Only the team's coordinator" in (await h.say(anna, "/competitors"))[0].shown
    group = h.server.group(-1077, "Team")
    for command in ("/competitor", "/competitors"):
        pointer = (await h.say(anna, command, group))[0]
        assert "private" in pointer.shown
    empty = (await h.say(t.boss, "/competitors"))[0]
    assert "No competitor notes in these days." in empty.shown


async def test_a_removed_reps_notes_stay_in_the_history_and_they_are_told_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna = t.reps["Anna"]
    await note(h, anna, "Rival", "price", "Anna saw it")
    await h.remove(t.boss, anna)
    refused = (await h.say(anna, "/competitor"))[0]
    assert "You are not in a team yet" in refused.shown
    told_before = await h.told(anna, "")
    listing = (await h.say(t.boss, "/competitors"))[0]
    assert "Anna — price: Anna saw it" in listing.shown
    await note(h, t.reps["Bartek"], "Rival", "promotion", "Bartek saw it", pick=True)
    await t.tick_at(local(11, 30, 8, 0))
    assert "Rival — price 1, promotion 1" in weekly(h, t.boss)
    assert await h.told(anna, "") == told_before  # nothing more, sent or queued


async def test_a_long_list_of_notes_comes_in_several_messages_within_telegrams_limit(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await note(h, anna, "Rival", "price", "the first")
    async with h.db.read() as session:
        first = await session.scalar(select(CompetitorNote))
    assert first is not None
    async with h.db.write() as session:  # a busy month, written straight in
        for number in range(12):
            session.add(
                CompetitorNote(
                    team_id=first.team_id,
                    competitor_id=first.competitor_id,
                    person_id=anna.id,
                    kind="other",
                    text=f"note {number} " + "y" * 900,
                    created_at=local(11, 10 + number, 12),
                    draft_token=f"seeded-{number}",
                )
            )
    parts = await h.say(t.boss, "/competitors", replies=3)
    assert all(len(part.shown) <= 4096 for part in parts)
    shown = "\n".join(part.shown for part in parts)
    assert "13 notes" in parts[0].shown and "the first" in shown
    assert all(f"note {number} y" in shown for number in range(12))
