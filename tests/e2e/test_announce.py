"""Announcements through the bot: the coordinator's text, kept as typed, to the group, the reps or both,
delivered once at Telegram's pace, and the coordinator told who received it and who could not be reached."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import Prefix, encode
from bot.pacing import Pacer
from storage.models import Announcement
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, make_team
from tests.support.harness import Harness, button, running_bot, seed_reps

REPORT_MARK = re.compile(r"Your announcement has gone out|Twoje ogłoszenie zostało wysłane")
EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def write(
    h: Harness, user: FakeUser, text: str, entities: list[dict[str, Any]] | None = None, *, replies: int
) -> list[SentMessage]:
    """`user` writes `text` with `entities` (as a Telegram client formats it); the bot's replies."""
    before = len(h.server.messages_to(user.id))
    extra = {"entities": entities} if entities is not None else None
    h.server.send_message(user, text, extra=extra)
    messages = await h.server.wait_for_messages(user.id, before + replies)
    await h.deps.background.wait()
    return messages[before:]


async def prepare(
    h: Harness, boss: FakeUser, text: str, entities: list[dict[str, Any]] | None = None
) -> tuple[SentMessage, SentMessage]:
    """/announce, then the text: the preview and the card under it."""
    ask = (await h.say(boss, "/announce"))[0]
    assert ask.buttons() and "Type the announcement" in ask.shown
    preview, card = await write(h, boss, text, entities, replies=2)
    return preview, card


async def send(h: Harness, boss: FakeUser, card: SentMessage, audience: str) -> SentMessage:
    """Pick the audience on the card and press Send; the report the coordinator gets at the end."""
    if not button(card, audience).startswith("✅"):
        await h.tap(boss, card, button(card, audience))
    chosen = [label for label, _ in card.buttons() if label.startswith("✅")]
    assert len(chosen) == 1 and audience in chosen[0]
    before = len(h.server.messages_to(boss.id))
    await h.tap(boss, card, button(card, "Send"))  # waits for the delivery handed off, and the report
    assert card.shown.startswith("✅")  # the card now says it is on its way, in either language
    # The report comes last, once everything settled: wait for it rather than trust the timing.
    await h.server.wait_for(
        lambda: any(
            m.message_id for m in h.server.messages_to(boss.id)[before:] if REPORT_MARK.search(m.shown)
        ),
        timeout=120,
    )
    return h.server.last_to(boss.id)


def copies(h: Harness, chat_id: int, text: str) -> list[SentMessage]:
    return [m for m in h.server.messages_to(chat_id) if m.text == text]


async def announcements(h: Harness) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Announcement)) or 0)


def label_of(card: SentMessage, part: str) -> str:
    return next(label for label, _ in card.buttons() if part in label)


async def test_an_announcement_goes_to_the_group_only_to_the_reps_only_or_to_both(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    boss, reps = t.boss, list(t.reps.values())
    _, card = await prepare(h, boss, "Group only")
    assert [label for label, _ in card.buttons()] == [
        "▫️ Group",
        "▫️ Sales reps",
        "✅ Both",
        "📣 Send",
        "Cancel",
    ]
    report = await send(h, boss, card, "Group")
    assert len(copies(h, GROUP, "Group only")) == 1
    assert all(not copies(h, rep.id, "Group only") for rep in reps)
    assert "Group: posted." in report.shown and "Sales reps:" not in report.shown

    _, card = await prepare(h, boss, "Reps only")
    assert "It goes to the team's group and privately to each of 2 sales reps." in card.shown
    report = await send(h, boss, card, "Sales reps")
    assert "It goes privately to each of 2 sales reps." in str(card.history[-1])
    assert not copies(h, GROUP, "Reps only")
    assert all(len(copies(h, rep.id, "Reps only")) == 1 for rep in reps)
    assert "Sales reps: 2 of 2 received it." in report.shown and "Group:" not in report.shown

    _, card = await prepare(h, boss, "For everyone")
    report = await send(h, boss, card, "Both")
    assert len(copies(h, GROUP, "For everyone")) == 1
    assert all(len(copies(h, rep.id, "For everyone")) == 1 for rep in reps)
    assert "Group: posted." in report.shown and "Sales reps: 2 of 2 received it." in report.shown
    assert "Could not be reached" not in report.shown
    assert await announcements(h) == 3
    # The coordinator is not a rep: no copy in their own chat but the preview.
    assert len(copies(h, boss.id, "For everyone")) == 1


async def test_formatting_is_kept_and_html_typed_in_the_text_arrives_literally(h: Harness) -> None:
    t = await make_team(h, "Anna")
    boss, anna = t.boss, t.reps["Anna"]
    text = f"{EVIL} Big news: read the plan"
    bold = {"type": "bold", "offset": utf16(f"{EVIL} "), "length": utf16("Big news")}
    link = {
        "type": "text_link",
        "offset": utf16(f"{EVIL} Big news: read "),
        "length": utf16("the plan"),
        "url": "https://example.com/plan",
    }
    preview, card = await prepare(h, boss, text, [bold, link])
    # The preview is the announcement exactly as it will go: the text, its entities, no HTML.
    assert preview.text == text and preview.parse_mode is None and preview.entities == [bold, link]
    assert not preview.buttons() and card.parse_mode == "HTML"
    await send(h, boss, card, "Both")
    for chat_id in (GROUP, anna.id):
        [sent] = copies(h, chat_id, text)
        assert sent.shown == text and sent.parse_mode is None
        assert sent.entities == [bold, link]

    # /announce TEXT: the command is cut off, the entities moved back past it in UTF-16 units.
    typed = f"/announce {EVIL} bold"
    after = {"type": "bold", "offset": utf16(f"/announce {EVIL} "), "length": 4}
    command = {"type": "bot_command", "offset": 0, "length": 9}
    preview, card = await write(h, boss, typed, [command, after], replies=2)
    moved = {"type": "bold", "offset": utf16(f"{EVIL} "), "length": 4}
    assert preview.text == f"{EVIL} bold" and preview.entities == [moved]
    await send(h, boss, card, "Sales reps")
    [sent] = copies(h, anna.id, f"{EVIL} bold")
    assert sent.entities == [moved] and sent.parse_mode is None


async def test_an_announcement_of_4096_characters_passes_with_its_card_sent_apart(h: Harness) -> None:
    t = await make_team(h, "Anna")
    text = "😀" * 1000 + "a" * 2096  # 4096 UTF-16 units, Telegram's limit
    assert utf16(text) == 4096
    preview, card = await prepare(h, t.boss, text)
    assert preview.text == text and "Above: your announcement" in card.shown
    await send(h, t.boss, card, "Both")
    assert len(copies(h, t.reps["Anna"].id, text)) == 1 and len(copies(h, GROUP, text)) == 1


async def test_a_double_tap_on_send_sends_one_announcement(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    boss = t.boss
    _, card = await prepare(h, boss, "Once only")
    data = button(card, "Send")
    before = len(h.server.callback_answers)
    h.server.press(boss, card, data)
    h.server.press(boss, card, data, check=False)
    await h.server.wait_for(lambda: len(h.server.callback_answers) >= before + 2)
    await h.deps.background.wait()
    assert await announcements(h) == 1
    for chat_id in (GROUP, *(rep.id for rep in t.reps.values())):
        assert len(copies(h, chat_id, "Once only")) == 1
    reports = [m for m in h.server.messages_to(boss.id) if "Your announcement has gone out" in m.shown]
    assert len(reports) == 1
    assert any(alert and text for _, text, alert in h.server.callback_answers[before:])


async def test_a_rep_who_blocked_the_bot_is_counted_unreachable_and_named(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    bartek = t.reps["Bartek"]
    h.server.set_member_status(bartek.id, h.server.bot_user.id, "kicked")  # Bartek blocked the bot
    h.server.fail("sendMessage", kind="chat_not_found", chat_id=t.reps["Celina"].id)
    _, card = await prepare(h, t.boss, "Heads up")
    report = await send(h, t.boss, card, "Sales reps")
    assert len(copies(h, t.reps["Anna"].id, "Heads up")) == 1
    assert not copies(h, bartek.id, "Heads up")
    assert "Sales reps: 1 of 3 received it." in report.shown
    assert "Could not be reached (2): Bartek, Celina" in report.shown


async def test_a_removed_rep_gets_no_announcement(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await h.remove(t.boss, t.reps["Bartek"])
    _, card = await prepare(h, t.boss, "After the change")
    assert "It goes to the team's group and privately to 1 sales rep." in card.shown
    report = await send(h, t.boss, card, "Sales reps")
    assert len(copies(h, t.reps["Anna"].id, "After the change")) == 1
    assert not copies(h, t.reps["Bartek"].id, "After the change")
    assert "Sales reps: 1 of 1 received it." in report.shown


async def test_only_a_coordinator_announces_and_only_in_the_private_chat(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    refused = (await h.say(anna, "/announce Free cake"))[0]
    assert "Only the team's coordinator can do that." in refused.shown
    refused = (await h.say(anna, "/announce"))[0]
    assert "Only the team's coordinator can do that." in refused.shown
    group = h.server.group(GROUP, "Team")
    pointer = (await h.say(t.boss, "/announce Hello", group))[0]
    assert "private" in pointer.shown.lower()
    assert not copies(h, GROUP, "Hello") and await announcements(h) == 0
    # Typed after a refused /announce, a text is no announcement.
    await h.say(anna, "Free cake")
    assert not copies(h, GROUP, "Free cake") and await announcements(h) == 0


async def test_forged_announcement_buttons_are_refused_and_send_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna")
    boss, anna = t.boss, t.reps["Anna"]
    olek = h.server.user(2, "Olek", language_code="en")
    await h.coordinator(olek, "South", locale="en")
    _, card = await prepare(h, boss, "Secret plan")
    token = button(card, "Send").split(":")[1]
    own_text = "Olek's own"
    await write(h, olek, "/announce", replies=1)
    _, olek_card = await write(h, olek, own_text, replies=2)
    forged = [
        encode(Prefix.ANNOUNCE, token, "send"),  # the boss's draft, pressed by others
        encode(Prefix.ANNOUNCE, token, "to", "group"),
        encode(Prefix.ANNOUNCE, token, "cancel"),
    ]
    for who, on in ((anna, h.server.last_to(anna.id)), (olek, olek_card)):
        for data in forged:
            answer = await h.tap(who, on, data, check=False)
            assert "no longer active" in str(answer) or "Only the team's coordinator" in str(answer)
    for data in (
        encode(Prefix.ANNOUNCE, token, "to", "nobody"),
        encode(Prefix.ANNOUNCE, token, "send", "1"),
        encode(Prefix.ANNOUNCE, token),
        encode(Prefix.ANNOUNCE, "x" * 16, "send"),
    ):
        answer = await h.tap(boss, card, data, check=False)
        assert answer and "no longer active" in answer
    assert await announcements(h) == 0 and not copies(h, GROUP, "Secret plan")
    # The boss's draft survived every forgery: the real Send still works, once.
    await send(h, boss, card, "Both")
    assert len(copies(h, GROUP, "Secret plan")) == 1 and await announcements(h) == 1
    # A team without a group: no group button is offered, and a forged one is refused.
    assert [label for label, _ in olek_card.buttons()] == ["✅ Sales reps", "📣 Send", "Cancel"]
    olek_token = button(olek_card, "Send").split(":")[1]
    answer = await h.tap(olek, olek_card, encode(Prefix.ANNOUNCE, olek_token, "to", "both"), check=False)
    assert answer and "no longer active" in answer
    answer = await h.tap(olek, olek_card, button(olek_card, "Send"))
    assert answer and "Nobody would get this announcement" in answer  # no reps and no group
    assert await announcements(h) == 1


async def test_the_screens_speak_polish(h: Harness) -> None:
    ola = h.server.user(5, "Ola", language_code="pl")
    await h.coordinator(ola, "Zachód", locale="pl")
    zosia = h.server.user(50, "Zosia", language_code="pl")
    await h.rep(ola, zosia)
    ask = (await h.say(ola, "/announce"))[0]
    assert "Napisz ogłoszenie." in ask.shown and button(ask, "Anuluj")
    _, card = await write(h, ola, "Zebranie o 10:00", replies=2)
    assert "Trafi prywatnie do 1 handlowca." in card.shown
    assert [label for label, _ in card.buttons()] == ["✅ Handlowcy", "📣 Wyślij", "Anuluj"]
    await h.tap(ola, card, button(card, "Wyślij"))
    assert "Wysyłam ogłoszenie do 1 handlowca." in card.shown
    report = h.server.last_to(ola.id)
    assert (
        "Twoje ogłoszenie zostało wysłane" in report.shown and "Handlowcy: dotarło do 1 z 1." in report.shown
    )
    assert len(copies(h, zosia.id, "Zebranie o 10:00")) == 1
    help_text = (await h.say(ola, "/help"))[0]
    assert "/announce — ogłoszenie do grupy" in help_text.shown


async def test_an_announcement_to_300_reps_draws_no_429_and_reaches_each_reachable_rep_once(
    h: Harness,
) -> None:
    t = await make_team(h)
    reps = await seed_reps(h, "North", 300, 1000)
    blocked = reps[::60]  # five reps who blocked the bot
    for rep in blocked:
        h.server.set_member_status(rep.id, h.server.bot_user.id, "kicked")
    h.server.enforce_rate_limits = True  # Telegram's limits: past them the server answers 429
    text = "Quarter closes Friday: report everything by 16:00."
    _, card = await prepare(h, t.boss, text)
    assert "privately to each of 300 sales reps" in card.shown
    report = await send(h, t.boss, card, "Both")
    assert h.server.rate_limited == []
    reached = [rep for rep in reps if copies(h, rep.id, text)]
    for rep in reps:
        assert len(copies(h, rep.id, text)) == (0 if rep in blocked else 1), rep.first_name
    assert len(copies(h, GROUP, text)) == 1
    # What the coordinator is told is what the server recorded.
    found = re.search(r"Sales reps: (\d+) of (\d+) received it\.", report.shown)
    assert found is not None and (int(found[1]), int(found[2])) == (len(reached), 300) == (295, 300)
    unreached = re.search(r"Could not be reached \((\d+)\): (.*)", report.shown)
    assert unreached is not None and int(unreached[1]) == len(blocked)
    assert unreached[2].split(", ") == [rep.first_name for rep in blocked]
    assert "Group: posted." in report.shown


async def test_a_report_waits_for_messages_held_by_a_429_and_comes_once_from_the_tick(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna = t.reps["Anna"]
    h.server.fail("sendMessage", kind="retry_after", chat_id=anna.id, retry_after=1)
    _, card = await prepare(h, t.boss, "Held back")
    await h.tap(t.boss, card, button(card, "Send"))
    assert not copies(h, anna.id, "Held back")
    assert not [m for m in h.server.messages_to(t.boss.id) if "Your announcement has gone out" in m.shown]
    pacer = h.app.bot.rate_limiter
    assert isinstance(pacer, Pacer)
    await h.server.wait_for(lambda: pacer.blocked_for(anna.id) == 0)  # Telegram's wait is over
    await t.tick_at(local(11, 2, 9, 5))  # Anna's message goes, then the report
    await t.tick_at(local(11, 2, 9, 6))
    assert len(copies(h, anna.id, "Held back")) == 1
    reports = [m for m in h.server.messages_to(t.boss.id) if "Your announcement has gone out" in m.shown]
    assert len(reports) == 1 and "Sales reps: 2 of 2 received it." in reports[0].shown


async def test_cancel_ends_the_announcement_and_a_forged_cancel_ends_no_other_conversation(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    boss = t.boss
    _, card = await prepare(h, boss, "Never mind")
    await h.tap(boss, card, button(card, "Cancel"))
    assert "Cancelled. Nothing was saved." in card.shown
    assert await announcements(h) == 0 and not copies(h, GROUP, "Never mind")
    # The coordinator's next conversation is a client's; an announcement's Cancel with its token ends nothing.
    ask = (await h.say(boss, "/client"))[0]
    token = button(ask, "Cancel").split(":")[1]
    answer = await h.tap(boss, ask, encode(Prefix.ANNOUNCE, token, "cancel"), check=False)
    assert answer and "no longer active" in answer
    card = (await h.say(boss, "Acme"))[0]
    assert "Client added." in card.shown
