"""Clients through the bot: adding, listing, the card, contacts and notes, and who may see and change what."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.callbacks import Prefix, encode
from bot.services import export, teams
from storage.models import Client, ClientContact, ClientNote, Sale
from tests.support.botapi import SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, Roster, button, running_bot

EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def report(h: Harness, t: Roster, who: str, text: str) -> None:
    card = (await h.say(t.user(who), f"/report {text}"))[0]
    await h.tap(t.user(who), card, button(card, "Save"))


async def client_id(h: Harness, name: str) -> int:
    async with h.db.read() as session:
        found = await session.scalar(select(Client.id).where(Client.name == name))
    assert found is not None
    return int(found)


async def rows(h: Harness, model: type[ClientContact] | type[ClientNote] | type[Client]) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_spellings_of_a_client_are_one_client_in_the_list_on_the_card_and_in_the_export(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await report(h, t, "Anna", "100 ACME sp. z o.o.")
    await report(h, t, "Anna", "200 Acme  Sp. z o.o.")
    await report(h, t, "Kasia", "300 ACME Sp z o o")
    listing = (await h.say(t.boss, "/clients"))[0]
    cards = [label for label, data in listing.buttons() if data.startswith("cl:card:")]
    assert cards == ["ACME sp. z o.o."]
    assert "1 client" in listing.shown
    await h.tap(t.boss, listing, button(listing, "ACME"))
    assert "This month: PLN\xa0600.00 · 3 sales" in listing.shown
    assert "Owner: Anna" in listing.shown  # the rep who sold first
    assert "Last contact: sale" in listing.shown  # a sale is a contact
    out = io.StringIO()
    assert await export.write_csv(h.db, await teams.find_team(h.db, "North"), None, None, out) == 3
    lines = out.getvalue().splitlines()[1:]
    assert {line.split(",")[3] for line in lines} == {"ACME sp. z o.o."}
    # Searching by another spelling finds it too.
    found = (await h.say(t.boss, "/clients acme sp z o o"))[0]
    assert [label for label, _ in found.buttons() if "ACME" in label] == ["ACME sp. z o.o."]


async def test_a_client_is_added_by_name_or_asked_for_and_an_html_name_is_shown_literally(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    card = (await h.say(anna, f"/client {EVIL}"))[0]
    assert "Client added." in card.shown and EVIL in card.shown
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt;" in str(card.text)
    assert "Owner: Anna" in card.shown
    ask = (await h.say(anna, "/client"))[0]
    assert "What is the client's name?" in ask.shown
    card = (await h.say(anna, "Beta & Co"))[0]
    assert "Client added." in card.shown and "Beta & Co" in card.shown
    again = (await h.say(anna, "/client BETA  & co."))[0]
    assert "already known" in again.shown and "Beta & Co" in again.shown
    listing = (await h.say(anna, "/clients"))[0]
    assert EVIL in listing.buttons()[0][0] or EVIL in listing.buttons()[1][0]
    assert "&lt;b&gt;" not in "".join(label for label, _ in listing.buttons())
    # The contact wizard and the digest-free card keep it literal too.
    step = (await h.say(anna, "/contact"))[0]
    await h.say(anna, EVIL)
    kind = h.server.last_to(anna.id)
    assert f"Client: {EVIL}" in kind.shown and "&lt;b&gt;x" in str(kind.text)
    await h.tap(anna, kind, button(kind, "Call"))
    await h.say(anna, f"note {EVIL}")
    saved = h.server.last_to(anna.id)
    assert "Contact saved." in saved.shown and f"Anna: note {EVIL}" in saved.shown
    assert step.shown  # the first question was shown


async def test_a_contact_is_logged_from_recent_clients_or_the_card_and_notes_show_newest_first(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await report(h, t, "Anna", "100 Acme")
    step = (await h.say(anna, "/contact"))[0]
    assert "With which client?" in step.shown
    await h.tap(anna, step, button(step, "Acme"))
    assert "What kind of contact was it?" in step.shown
    await h.tap(anna, step, button(step, "Visit"))
    await h.tap(anna, step, button(step, "Skip"))
    assert "Contact saved." in step.shown and "Last contact: visit" in step.shown
    for number in range(1, 7):
        h.clock.now = local(11, 2, 10 + number)
        await h.tap(anna, step, button(step, "Add a note"))
        step = (await h.say(anna, f"note {number}"))[0]
        assert "Note saved." in step.shown
    shown = [line for line in step.shown.splitlines() if "Anna: note" in line]
    assert [line.rsplit(" ", 1)[1] for line in shown] == ["6", "5", "4", "3", "2"]
    assert await rows(h, ClientContact) == 1 and await rows(h, ClientNote) == 6
    unknown = (await h.say(anna, "/contact"))[0]
    again = (await h.say(anna, "Nobody Ltd"))[0]
    assert "I do not know a client of yours" in again.shown and unknown.shown


async def test_a_rep_sees_and_changes_only_their_own_and_the_unowned_clients(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await report(h, t, "Anna", "100 Acme")
    await h.say(t.boss, "/client Team Shared")  # a coordinator's client is the team's
    await h.say(bartek, "/client Bartek Own")
    listing = (await h.say(anna, "/clients"))[0]
    names = [label for label, data in listing.buttons() if data.startswith("cl:card:")]
    assert names == ["Acme", "Team Shared"]
    boss_list = (await h.say(t.boss, "/clients"))[0]
    assert len([d for _, d in boss_list.buttons() if d.startswith("cl:card:")]) == 3
    # Bartek's client by forged data: card, contact, note, and the coordinator's buttons.
    other = await client_id(h, "Bartek Own")
    before = (await rows(h, ClientContact), await rows(h, ClientNote))
    for data in (
        encode(Prefix.CLIENT, "card", other),
        encode(Prefix.CLIENT, "contact", other),
        encode(Prefix.CLIENT, "note", other),
    ):
        answer = await h.tap(anna, listing, data, check=False)
        assert answer == "That is no longer available."
    for data in (
        encode(Prefix.CLIENT, "key", other),
        encode(Prefix.CLIENT, "own", other, anna.id),
        encode(Prefix.CLIENT, "kind", other, "person"),
        encode(Prefix.CLIENT, "owners", other),
    ):
        assert await h.tap(anna, listing, data, check=False) == "Only the team's coordinator can do that."
    # Typing its name in /contact does not find it, nor does /client take it over.
    await h.say(anna, "/contact")
    assert "I do not know a client of yours" in (await h.say(anna, "bartek own"))[0].shown
    assert "another sales rep" in (await h.say(anna, "/client Bartek OWN"))[0].shown
    # A rep's card has no coordinator buttons.
    await h.tap(anna, listing, button(listing, "Acme"))
    assert not [d for _, d in listing.buttons() if d.split(":")[1] in ("key", "owners", "kind")]
    async with h.db.read() as session:
        bartek_own = await session.get(Client, other)
    assert bartek_own is not None and bartek_own.owner_id == bartek.id and not bartek_own.is_key
    assert bartek_own.kind == "company"
    assert (await rows(h, ClientContact), await rows(h, ClientNote)) == before
    # Anyone may still report a sale to any client by name.
    await report(h, t, "Anna", "50 Bartek Own")
    async with h.db.read() as session:
        assert await session.scalar(select(func.count()).where(Sale.client_id == other)) == 1


async def test_another_teams_client_is_refused_even_to_its_coordinator_and_nothing_changes(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await report(h, t, "Anna", "100 Acme")
    acme = await client_id(h, "Acme")
    olek = h.server.user(2, "Olek", language_code="en")
    await h.coordinator(olek, "South", locale="en")
    screen = (await h.say(olek, "/clients"))[0]
    assert "No clients yet" in screen.shown
    for data in (
        encode(Prefix.CLIENT, "card", acme),
        encode(Prefix.CLIENT, "key", acme),
        encode(Prefix.CLIENT, "kind", acme, "person"),
        encode(Prefix.CLIENT, "owners", acme),
        encode(Prefix.CLIENT, "own", acme, olek.id),
        encode(Prefix.CLIENT, "contact", acme),
        encode(Prefix.CLIENT, "note", acme),
    ):
        assert await h.tap(olek, screen, data, check=False) == "That is no longer available."
    async with h.db.read() as session:
        client = await session.get(Client, acme)
    assert client is not None and client.owner_id == t.reps["Anna"].id and not client.is_key
    assert client.kind == "company"


async def test_the_coordinator_marks_a_key_client_sets_its_kind_and_gives_it_to_another_rep(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await report(h, t, "Anna", "100 Acme")
    card = (await h.say(t.boss, "/clients Acme"))[0]
    await h.tap(t.boss, card, button(card, "Acme"))
    await h.tap(t.boss, card, button(card, "Mark as a key client"))
    assert "⭐ Acme" in card.shown and "key client" in card.shown
    await h.tap(t.boss, card, button(card, "individual"))
    assert "Kind: individual client" in card.shown
    await h.tap(t.boss, card, button(card, "Change the owner"))
    assert "Who should look after this client?" in card.shown
    assert button(card, "✅ Anna")
    await h.tap(t.boss, card, button(card, "Bartek"))
    assert "Owner: Bartek" in card.shown
    anna_list = (await h.say(anna, "/clients"))[0]
    assert not [d for _, d in anna_list.buttons() if d.startswith("cl:card:")]
    bartek_list = (await h.say(bartek, "/clients"))[0]
    assert [label for label, d in bartek_list.buttons() if d.startswith("cl:card:")] == ["⭐ Acme"]


async def test_the_client_commands_are_private_and_in_polish_for_a_polish_rep(h: Harness) -> None:
    t = await make_team(h, "Anna")
    group = h.server.group(-1077, "Team")
    pointer = (await h.say(t.reps["Anna"], "/clients", group))[0]
    assert "private" in pointer.shown or "prywat" in pointer.shown
    ola = h.server.user(30, "Ola", language_code="pl")
    await h.rep(t.boss, ola)
    card = (await h.say(ola, "/client Hurtownia Zbyszko"))[0]
    assert "Dodałem klienta." in card.shown and "Opiekun: Ola" in card.shown
    assert "0 sprzedaży" in card.shown
    helped = (await h.say(ola, "/help"))[0]
    assert "/clients" in helped.shown and "/contact" in helped.shown


def labels(message: SentMessage) -> list[str]:
    return [label for label, _ in message.buttons()]


async def test_a_removed_reps_clients_pass_to_the_coordinator_who_is_told_the_list(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await report(h, t, "Anna", "100 Acme")
    await h.say(anna, f"/client {EVIL}")
    await h.say(bartek, "/client Bartek Own")
    await h.remove(t.boss, anna)
    async with h.db.read() as session:
        owners = dict((await session.execute(select(Client.name, Client.owner_id))).all())
    assert owners == {"Acme": t.boss.id, EVIL: t.boss.id, "Bartek Own": bartek.id}
    marker = "Their 2 clients now belong to Kasia:"
    told = [m.shown for m in h.server.messages_to(t.boss.id) if marker in m.shown]
    assert len(told) == 1 and "Anna was removed from the team." in told[0]
    assert f"{EVIL}, Acme" in told[0]
    # The other rep does not see them; the coordinator's card names the new owner.
    listing = (await h.say(bartek, "/clients"))[0]
    assert [label for label, d in listing.buttons() if d.startswith("cl:card:")] == ["Bartek Own"]
    card = (await h.say(t.boss, "/client Acme"))[0]
    assert "Owner: Kasia" in card.shown


def reminders(h: Harness, user_id: int) -> list[str]:
    return [m.shown for m in h.server.messages_to(user_id) if "has had no contact" in m.shown]


async def test_a_quiet_key_client_is_in_the_digest_and_its_owner_is_reminded_once_per_lapse_not_a_removed_rep(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, button(screen, "Key clients"))
    assert "up to 365" in (await h.say(t.boss, "0"))[0].shown
    shown = (await h.say(t.boss, "10"))[0]
    assert "Key clients without contact for 10 days" in shown.shown
    await report(h, t, "Anna", f"100 {EVIL}")  # Monday 2 November, 09:00
    await report(h, t, "Bartek", "100 Beta")
    await report(h, t, "Bartek", "100 Gamma")  # not a key client: never listed
    for name in ("<b>x", "Beta"):
        card = (await h.say(t.boss, f"/clients {name}"))[0]
        await h.tap(t.boss, card, button(card, name.strip("<b>")))
        await h.tap(t.boss, card, button(card, "Mark as a key client"))
    await h.remove(t.boss, anna)
    await t.tick_at(local(11, 12, 8, 30))  # 9 days 23.5 hours: not yet
    assert not reminders(h, t.boss.id) and not reminders(h, bartek.id)
    await t.tick_at(local(11, 13, 8, 0))  # the digest's hour, 10 days on
    digest = [m for m in h.server.messages_to(t.boss.id) if "⭐ Key clients without contact" in m.shown]
    assert len(digest) == 1 and EVIL in digest[0].shown and "Beta" in digest[0].shown
    assert "Gamma" not in digest[0].shown and "&lt;b&gt;x" in str(digest[0].text)
    assert len(reminders(h, t.boss.id)) == 1 and EVIL in reminders(h, t.boss.id)[0]  # Anna's, now Kasia's
    assert len(reminders(h, bartek.id)) == 1 and "Beta" in reminders(h, bartek.id)[0]
    assert not reminders(h, anna.id)
    await t.tick_at(local(11, 13, 9, 0))
    assert len(reminders(h, t.boss.id)) == 1 and len(reminders(h, bartek.id)) == 1  # once per lapse
    # A contact starts a new lapse: reminded again only after another 10 days.
    await h.say(bartek, "/contact")
    step = (await h.say(bartek, "beta"))[0]
    await h.tap(bartek, step, button(step, "Call"))
    await h.tap(bartek, step, button(step, "Skip"))
    await t.tick_at(local(11, 23, 8, 30))
    assert len(reminders(h, bartek.id)) == 1
    await t.tick_at(local(11, 23, 9, 30))
    assert len(reminders(h, bartek.id)) == 2 and not reminders(h, anna.id)
