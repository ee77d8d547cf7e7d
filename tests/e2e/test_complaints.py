"""Complaints through the bot: filing (typed or recent client, a photo, a document or Skip), the
coordinator's status changes with notes, who is told, who may see and act, and the digests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.callbacks import Prefix, encode
from storage.models import Client, Complaint, ComplaintChange
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, Roster, button, running_bot

EVIL = "<b>x</b> & </a> 😀"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt;"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def report(h: Harness, t: Roster, who: str, text: str) -> None:
    card = (await h.say(t.user(who), f"/report {text}"))[0]
    await h.tap(t.user(who), card, button(card, "Save"))


async def send_file(h: Harness, user: FakeUser, kind: str, **details: object) -> SentMessage:
    """`user` sends a photo or a document; the bot's one answer."""
    before = len(h.server.messages_to(user.id))
    h.server.send_file(user, kind, **details)  # type: ignore[arg-type]
    answer = (await h.server.wait_for_messages(user.id, before + 1))[before]
    await h.deps.background.wait()
    return answer


async def file_complaint(
    h: Harness, user: FakeUser, client: str, what: str, *, attach: str | None = None
) -> SentMessage:
    """/complaint with a typed client, what happened, a file of `attach` kind (or Skip), then Save."""
    await h.say(user, "/complaint")
    await h.say(user, client)
    step = (await h.say(user, what))[0]
    if attach is None:
        await h.tap(user, step, button(step, "Skip"))
    else:
        step = await send_file(h, user, attach)
    await h.tap(user, step, button(step, "Save"))
    return step


def sent_to(h: Harness, user: FakeUser, marker: str) -> list[str]:
    """What the bot sent to `user`'s private chat containing `marker` (h.told: sent or queued)."""
    return [m.shown for m in h.server.messages_to(user.id) if marker in m.shown]


async def count(h: Harness, model: type[Complaint] | type[ComplaintChange] | type[Client]) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def only_complaint(h: Harness) -> Complaint:
    async with h.db.read() as session:
        rows = (await session.scalars(select(Complaint))).all()
    assert len(rows) == 1
    return rows[0]


async def test_a_complaint_with_a_typed_spelling_of_a_known_client_is_filed_about_that_one_client(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await report(h, t, "Anna", "100 ACME sp. z o.o.")
    ask = (await h.say(anna, "/complaint"))[0]
    assert "Which client is complaining?" in ask.shown
    step = (await h.say(anna, "acme SP z o o"))[0]
    assert "What happened?" in step.shown
    step = (await h.say(anna, "The pallet came broken"))[0]
    assert "Send a photo or a document of it, or press Skip." in step.shown
    again = (await h.say(anna, "no photo, sorry"))[0]  # typing here asks for a file or Skip
    assert "Send a photo or a document, or press Skip." in again.shown
    await h.tap(anna, again, button(again, "Skip"))
    assert "Attachment: none" in again.shown and "Save the complaint?" in again.shown
    await h.tap(anna, again, button(again, "Save"))
    assert "Complaint saved." in again.shown
    assert "Complaint #" in again.shown and "— open" in again.shown
    assert "Client: ACME sp. z o.o." in again.shown  # the known spelling, not the typed one
    assert "Reported by Anna, 2 Nov 2026, 09:00" in again.shown
    assert "What happened: The pallet came broken" in again.shown
    assert await count(h, Client) == 1
    complaint = await only_complaint(h)
    assert complaint.file_id is None and complaint.status == "open" and complaint.reported_by == anna.id
    # The coordinator hears of it, with a button to open it; the filer is not told her own.
    told = sent_to(h, t.boss, "New complaint #")
    assert len(told) == 1 and "about ACME sp. z o.o." in told[0] and "Anna" in told[0]
    assert not await h.told(anna, "New complaint #")
    notice = next(m for m in h.server.messages_to(t.boss.id) if "New complaint #" in m.shown)
    await h.tap(t.boss, notice, encode(Prefix.COMPLAINT, "card", complaint.id))
    assert "What happened: The pallet came broken" in notice.shown and button(notice, "Resolved")


async def test_a_complaint_about_a_recent_client_with_a_photo_shows_the_photo_again_by_its_file_id(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await report(h, t, "Anna", "100 Beta")
    step = (await h.say(anna, "/complaint"))[0]
    await h.tap(anna, step, button(step, "Beta"))
    assert "Client: Beta" in step.shown and "What happened?" in step.shown
    await h.say(anna, "Wrong colour")
    confirm = await send_file(h, anna, "photo")
    assert "Attachment: a photo" in confirm.shown
    await h.tap(anna, confirm, button(confirm, "Save"))
    complaint = await only_complaint(h)
    sent = [u["message"] for u in h.server.updates.values() if "photo" in u.get("message", {})]
    largest = sent[-1]["photo"][-1]["file_id"]
    assert complaint.file_kind == "photo" and complaint.file_id == largest
    await h.tap(anna, confirm, button(confirm, "Show the attachment"))
    photo = h.server.last_to(anna.id)
    assert photo.method == "sendPhoto" and photo.file_id == largest
    assert f"Complaint #{complaint.id} — Beta" in photo.shown
    # A document is kept and sent again as a document.
    await h.say(anna, "/complaint Beta")
    await h.say(anna, "The invoice is wrong")
    confirm = await send_file(h, anna, "document", filename="invoice.pdf", content=b"%PDF-1.4")
    assert "Attachment: a document" in confirm.shown
    await h.tap(anna, confirm, button(confirm, "Save"))
    await h.tap(anna, confirm, button(confirm, "Show the attachment"))
    document = h.server.last_to(anna.id)
    assert document.method == "sendDocument" and document.filename == "invoice.pdf"
    assert document.document == b"%PDF-1.4"


async def test_a_file_sent_before_the_attachment_step_is_not_taken_and_the_step_is_asked_again(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(anna, "/complaint Acme")
    again = await send_file(h, anna, "photo")
    assert "after you describe what happened" in again.shown and "What happened?" in again.shown
    await h.say(anna, "Late delivery")
    confirm = await send_file(h, anna, "photo")
    await h.tap(anna, confirm, button(confirm, "Save"))
    assert (await only_complaint(h)).file_kind == "photo"


async def test_status_changes_keep_notes_and_tell_the_reporter_and_the_owner_but_not_a_removed_rep(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await report(h, t, "Anna", "100 Acme")  # Anna owns Acme
    await file_complaint(h, bartek, "Acme", "Broken seal")
    complaint = await only_complaint(h)
    assert len(sent_to(h, anna, "New complaint #")) == 1  # the owner hears of it too
    h.clock.now = local(11, 3, 10)
    listing = (await h.say(t.boss, "/complaints"))[0]
    assert "Open complaints" in listing.shown and "1 complaint" in listing.shown
    assert [label for label, _ in listing.buttons()] == [f"#{complaint.id} Acme · 1 day"]
    await h.tap(t.boss, listing, button(listing, "Acme"))
    card = listing
    assert {label for label, _ in card.buttons()} >= {"🔧 In progress", "✅ Resolved", "❌ Rejected"}
    await h.tap(t.boss, card, button(card, "In progress"))
    assert "New status: in progress" in card.shown and "Type a note" in card.shown
    changed = (await h.say(t.boss, "Calling the warehouse"))[0]
    assert "Status changed." in changed.shown and "— in progress" in changed.shown
    assert "3 Nov 2026, 10:00, Kasia: in progress — Calling the warehouse" in changed.shown
    assert "In progress" not in "".join(label for label, _ in changed.buttons())
    marker = f"Complaint #{complaint.id} about Acme: in progress"
    for person in (anna, bartek):
        told = sent_to(h, person, marker)
        assert len(told) == 1 and "Kasia: Calling the warehouse" in told[0]
    assert not await h.told(t.boss, marker)
    # Bartek leaves; the resolution reaches the owner only.
    await h.remove(t.boss, bartek)
    h.clock.now = local(11, 4, 12)
    card = (await h.say(t.boss, "/complaints"))[0]
    await h.tap(t.boss, card, button(card, "Acme"))
    await h.tap(t.boss, card, button(card, "Resolved"))
    closed = (await h.say(t.boss, "Replaced the seal"))[0]
    assert "— resolved" in closed.shown and "Kasia: resolved — Replaced the seal" in closed.shown
    assert [label for label, _ in closed.buttons()] == ["All open complaints"]  # closed: no actions
    marker = f"Complaint #{complaint.id} about Acme: resolved"
    assert len(sent_to(h, anna, marker)) == 1
    assert not await h.told(bartek, marker)
    stored = await only_complaint(h)
    assert stored.status == "resolved" and stored.closed_at == local(11, 4, 12)
    assert await count(h, ComplaintChange) == 2
    # A closed complaint cannot change again, even through an old button.
    answer = await h.tap(
        t.boss, closed, encode(Prefix.COMPLAINT, "act", complaint.id, "rejected"), check=False
    )
    assert answer == "This complaint is already closed."
    assert "No open complaints." in (await h.say(t.boss, "/complaints"))[0].shown


async def test_a_rep_sees_only_complaints_they_reported_or_about_their_clients_read_only(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Cezary")
    anna, bartek, cezary = t.reps["Anna"], t.reps["Bartek"], t.reps["Cezary"]
    await report(h, t, "Anna", "100 Acme")
    await file_complaint(h, bartek, "Acme", "Broken seal")  # about Anna's client
    await file_complaint(h, bartek, "Nobody's Ltd", "Rude driver")  # unowned
    for rep, expected in ((anna, ["Acme"]), (bartek, ["Acme", "Nobody's Ltd"]), (cezary, [])):
        listing = (await h.say(rep, "/complaints"))[0]
        assert [label.split(" ", 1)[1].rsplit(" · ", 1)[0] for label, _ in listing.buttons()] == expected
    listing = (await h.say(anna, "/complaints"))[0]
    await h.tap(anna, listing, button(listing, "Acme"))
    assert "Broken seal" in listing.shown
    assert [label for label, _ in listing.buttons()] == ["All open complaints"]  # read-only


async def test_forged_complaint_buttons_of_another_team_or_rep_and_a_reps_status_press_change_nothing(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Cezary")
    anna, cezary = t.reps["Anna"], t.reps["Cezary"]
    await file_complaint(h, anna, "Acme", "Broken seal", attach="photo")
    complaint = await only_complaint(h)
    olek = h.server.user(2, "Olek", language_code="en")
    await h.coordinator(olek, "South", locale="en")
    screen = (await h.say(olek, "/complaints"))[0]
    assert "No open complaints." in screen.shown
    sent = len(h.server.sent)
    for data in (
        encode(Prefix.COMPLAINT, "card", complaint.id),
        encode(Prefix.COMPLAINT, "file", complaint.id),
        *(encode(Prefix.COMPLAINT, "act", complaint.id, s) for s in ("in_progress", "resolved", "rejected")),
    ):
        assert await h.tap(olek, screen, data, check=False) == "That is no longer available."
    # Cezary neither reported it nor owns its client: he cannot open it either.
    mine = (await h.say(cezary, "/complaints"))[0]
    for data in (
        encode(Prefix.COMPLAINT, "card", complaint.id),
        encode(Prefix.COMPLAINT, "file", complaint.id),
    ):
        assert await h.tap(cezary, mine, data, check=False) == "That is no longer available."
    # The reporting rep may not change the status.
    card = h.server.last_to(anna.id)
    for status in ("in_progress", "resolved", "rejected"):
        data = encode(Prefix.COMPLAINT, "act", complaint.id, status)
        assert await h.tap(anna, card, data, check=False) == "Only the team's coordinator can do that."
    assert await h.tap(t.boss, card, encode(Prefix.COMPLAINT, "act", complaint.id, "open"), check=False) == (
        "This button is no longer active."
    )
    stored = await only_complaint(h)
    assert stored.status == "open" and stored.closed_at is None
    assert await count(h, ComplaintChange) == 0
    assert not [m for m in h.server.sent[sent:] if m.method != "sendMessage" or m.chat_id != cezary.id]


async def test_html_in_the_client_what_happened_and_the_notes_is_shown_literally_everywhere(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await report(h, t, "Anna", f"100 {EVIL}")
    card = await file_complaint(h, anna, EVIL, f"what {EVIL}")
    assert f"Client: {EVIL}" in card.shown and f"What happened: what {EVIL}" in card.shown
    assert ESCAPED in str(card.text)
    filed = next(m for m in h.server.messages_to(t.boss.id) if "New complaint #" in m.shown)
    assert f"about {EVIL}" in filed.shown and f"what {EVIL}" in filed.shown and ESCAPED in str(filed.text)
    listing = (await h.say(t.boss, "/complaints"))[0]
    assert EVIL in listing.buttons()[0][0]
    await h.tap(t.boss, listing, button(listing, EVIL))
    await h.tap(t.boss, listing, button(listing, "Rejected"))
    assert EVIL in listing.shown and ESCAPED in str(listing.text)
    changed = (await h.say(t.boss, f"note {EVIL}"))[0]
    assert f"Kasia: rejected — note {EVIL}" in changed.shown
    told = next(m for m in h.server.messages_to(anna.id) if "about" in m.shown and "rejected" in m.shown)
    assert f"Kasia: note {EVIL}" in told.shown and ESCAPED in str(told.text)
    # A second one stays open for the daily digest, which names its client.
    await file_complaint(h, anna, EVIL, "again")
    await Roster.tick_at(t, local(11, 4, 8, 0))
    digest = next(m for m in h.server.messages_to(t.boss.id) if "Daily summary" in m.shown)
    assert f"The oldest, {EVIL}, is 1 day old." in digest.shown and ESCAPED in str(digest.text)


async def test_the_complaint_screens_speak_polish_to_a_polish_rep(h: Harness) -> None:
    t = await make_team(h, "Anna")
    ola = h.server.user(30, "Ola", language_code="pl")
    await h.rep(t.boss, ola)
    ask = (await h.say(ola, "/complaint"))[0]
    assert "Nowa reklamacja" in ask.shown and "Który klient składa reklamację?" in ask.shown
    await h.say(ola, "Hurtownia Zbyszko")
    step = (await h.say(ola, "Uszkodzona paczka"))[0]
    assert "Co się stało: Uszkodzona paczka" in step.shown
    await h.tap(ola, step, button(step, "Pomiń"))
    await h.tap(ola, step, button(step, "Zapisz"))
    assert "Zapisałem reklamację." in step.shown and "— otwarta" in step.shown
    assert "Zgłaszający: Ola, 02.11.2026 09:00" in step.shown
    listing = (await h.say(ola, "/complaints"))[0]
    assert "Otwarte reklamacje" in listing.shown and "1 reklamacja" in listing.shown
    helped = (await h.say(ola, "/help"))[0]
    assert "/complaint" in helped.shown and "zgłoś reklamację klienta" in helped.shown
    commands = h.server.commands
    assert any(c["command"] == "complaint" for key, cmds in commands.items() if key[1] == "pl" for c in cmds)


async def test_the_digests_count_open_complaints_the_oldest_and_the_weeks_opened_closed_and_median(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    for day, client in ((2, "Acme"), (3, "Beta"), (4, "Gamma"), (5, "Delta")):
        h.clock.now = local(11, day, 9)
        await file_complaint(h, anna, client, "broken")

    async def close(client: str, status: str, at: int, hour: int) -> None:
        h.clock.now = local(11, at, hour)
        card = (await h.say(t.boss, "/complaints"))[0]
        await h.tap(t.boss, card, button(card, client))
        await h.tap(t.boss, card, button(card, status))
        await h.say(t.boss, "done")

    await close("Beta", "Resolved", 4, 9)  # 24 hours
    await close("Gamma", "Rejected", 6, 9)  # 48 hours
    await close("Delta", "In progress", 6, 10)  # still open
    await Roster.tick_at(t, local(11, 9, 8, 0))  # Monday: the daily and the weekly digests
    daily = next(m.shown for m in h.server.messages_to(t.boss.id) if "Daily summary" in m.shown)
    assert "2 complaints are open. The oldest, Acme, is 6 days old." in daily  # Acme and Delta
    weekly = next(m.shown for m in h.server.messages_to(t.boss.id) if "Weekly summary" in m.shown)
    assert "Complaints: 4 opened, 2 closed. Median time to resolve: 36 hours." in weekly


async def test_a_double_tap_on_save_stores_one_complaint(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(anna, "/complaint Acme")
    step = (await h.say(anna, "Broken"))[0]
    await h.tap(anna, step, button(step, "Skip"))
    save = button(step, "Save")
    before = len(h.server.callback_answers)
    h.server.press(anna, step, save)
    h.server.press(anna, step, save, check=False)
    await h.server.wait_for(lambda: len(h.server.callback_answers) >= before + 2)
    await h.deps.background.wait()
    assert await count(h, Complaint) == 1
    assert "This complaint is already saved." in step.shown  # the second tap found the first's
    assert len(sent_to(h, t.boss, "New complaint #")) == 1


async def test_the_open_complaints_list_pages_ten_at_a_time_oldest_first_and_finds_a_client(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    team_id = (await t.actor("Kasia")).require_member().id
    async with h.db.write() as session:  # stored directly: 48 screens would meet the chat's pace
        for number in range(12):
            client = Client(
                team_id=team_id, name=f"Client {number:02}", key=f"client {number:02}", created_at=h.clock()
            )
            session.add(client)
            await session.flush()
            at = local(11, 2, 9, number)
            session.add(
                Complaint(
                    team_id=team_id, client_id=client.id, reported_by=t.boss.id, text="late", created_at=at
                )
            )
    h.clock.now = local(11, 2, 10)
    listing = (await h.say(t.boss, "/complaints"))[0]
    assert "12 complaints" in listing.shown and "Page 1 of 2." in listing.shown
    cards = [label for label, data in listing.buttons() if data.startswith("cp:card:")]
    assert len(cards) == 10 and "Client 00" in cards[0] and "Client 09" in cards[-1]
    await h.tap(t.boss, listing, button(listing, "▶"))
    cards = [label for label, data in listing.buttons() if data.startswith("cp:card:")]
    assert len(cards) == 2 and "Client 11" in cards[-1] and "Page 2 of 2." in listing.shown
    found = (await h.say(t.boss, "/complaints client 07"))[0]
    assert [label for label, data in found.buttons() if data.startswith("cp:card:")] == [
        "#8 Client 07 · 0 days"
    ]


async def test_a_forged_client_button_cannot_file_against_another_reps_client(h: Harness) -> None:
    """Another rep's client, named by its real id in a forged button, is refused and never shown."""
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await h.say(bartek, "/client Bartek Secret")
    async with h.db.read() as session:
        secret = await session.scalar(select(Client.id).where(Client.name == "Bartek Secret"))
    assert secret is not None
    step = (await h.say(anna, "/complaint"))[0]
    token = next(d for _, d in step.buttons() if d.endswith(":cancel")).split(":")[1]
    answer = await h.tap(anna, step, encode(Prefix.COMPLAINT, token, "c", secret), check=False)
    assert answer and "no longer active" in answer
    assert "Bartek Secret" not in step.shown
    assert all("Bartek Secret" not in m.shown for m in h.server.messages_to(anna.id))


async def test_a_second_coordinator_s_note_after_the_first_moved_it_is_told_and_ends(h: Harness) -> None:
    """Two coordinators press In progress; the second one's note is refused once, with why, and
    the draft ends (no stuck conversation), and the complaint moved once."""
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    second = h.server.user(3, "Marta", language_code="en")
    await h.coordinator(second, "North", create=False, locale="en")
    await h.say(anna, "/complaint")
    await h.say(anna, "Acme")
    step = (await h.say(anna, "Broken"))[0]
    await h.tap(anna, step, button(step, "Skip"))
    await h.tap(anna, step, button(step, "Save"))
    async with h.db.read() as session:
        complaint = await session.scalar(select(Complaint))
    assert complaint is not None
    cards = []
    for boss in (t.boss, second):
        card = (await h.say(boss, "/complaints"))[0]
        await h.tap(boss, card, encode(Prefix.COMPLAINT, "card", complaint.id))
        cards.append(card)
    for boss, card in zip((t.boss, second), cards, strict=True):
        await h.tap(boss, card, button(card, "In progress"))
    await h.say(t.boss, "on it")
    refused = (await h.say(second, "me too"))[0].shown
    assert "Someone else has changed this complaint" in refused
    after = (await h.say(second, "hello?"))[0].shown
    assert "Someone else" not in after and "no longer active" not in after  # the draft ended
    async with h.db.read() as session:
        changes = await session.scalar(select(func.count()).select_from(ComplaintChange))
    assert changes == 1
