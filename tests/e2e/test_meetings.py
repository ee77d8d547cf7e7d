"""Meetings through the bot: creating, inviting, answering, moving, cancelling, reminders and attendance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from storage.db import Database
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.harness import Harness, running_bot

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 10:00 in Warsaw


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(NOW)) as harness:
        yield harness


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


def tap_data(message: SentMessage, label: str) -> str:
    return next(data for text, data in message.buttons() if label in text)


async def team(h: Harness) -> tuple[FakeUser, list[FakeUser]]:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    reps = [
        h.server.user(10 + i, name, language_code="en") for i, name in enumerate(("Anna", "Bartek", "Cezary"))
    ]
    for rep in reps:
        await h.rep(boss, rep)
    return boss, reps


async def create_meeting(
    h: Harness,
    boss: FakeUser,
    when: str,
    *,
    who: list[FakeUser] | None = None,
    title: str = "Weekly",
    before_save: Callable[[], Awaitable[None]] | None = None,
) -> SentMessage:
    step = (await h.say(boss, "/meeting"))[0]
    await h.tap(boss, step, tap_data(step, "Team meeting"))
    await h.say(boss, title)
    step = (await h.say(boss, when))[0]
    await h.tap(boss, step, tap_data(step, "60"))
    step = (await h.say(boss, "Room 3"))[0]
    if who is None:
        await h.tap(boss, step, tap_data(step, "The whole team"))
    else:
        for person in who:
            await h.tap(boss, step, tap_data(step, person.first_name))
        await h.tap(boss, step, tap_data(step, "Done"))
    assert "Save the meeting" in step.shown
    if before_save is not None:
        await before_save()
    await h.tap(boss, step, tap_data(step, "Save"))
    assert "Meeting saved" in step.shown
    return step


def deliverer(h: Harness, db: Database | None = None) -> Deliverer:
    deps = (
        h.deps if db is None else type(h.deps)(h.deps.settings, db, h.deps.renderer, h.clock, scheduler=False)
    )
    return Deliverer(deps, h.app.bot)


def reminders(h: Harness, user: FakeUser) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if m.shown.startswith("⏰")]


async def reminder_times(h: Harness, user: FakeUser, start: datetime, end: datetime) -> list[datetime]:
    """Tick minute by minute (every 15 minutes far from the hour marks) and note when reminders arrive."""
    seen: list[datetime] = []
    h.clock.now = start
    d = deliverer(h)
    while h.clock.now < end:
        before = len(reminders(h, user))
        await tick(d)
        if len(reminders(h, user)) > before:
            seen.append(h.clock.now)
        h.clock.now += timedelta(minutes=1 if h.clock.now.minute >= 50 or h.clock.now.minute < 5 else 5)
    return seen


async def test_a_coordinator_creates_a_meeting_invitees_answer_and_the_lists_show_the_answers(
    h: Harness,
) -> None:
    boss, (anna, bartek, cezary) = await team(h)
    step = (await h.say(boss, "/meeting"))[0]
    await h.tap(boss, step, tap_data(step, "Integration event"))
    await h.say(boss, "<b>Bowling</b> & pizza 🎳")
    past = (await h.say(boss, "2026-11-27 09:00"))[0]
    assert "already passed" in past.shown
    step = (await h.say(boss, "jutro 18:00"))[0]
    assert "28 Nov 2026, 18:00" in step.shown
    assert "minutes" in (await h.say(boss, "0"))[0].shown  # a bad duration is refused
    step = (await h.say(boss, "120"))[0]
    await h.tap(boss, step, tap_data(step, "Skip"))
    await h.tap(boss, step, tap_data(step, "Anna"))
    await h.tap(boss, step, tap_data(step, "Bartek"))
    await h.tap(boss, step, tap_data(step, "Done"))
    assert "2 attendees" in step.shown
    await h.tap(boss, step, tap_data(step, "Save"))
    invite_a = h.server.last_to(anna.id)
    assert "&lt;b&gt;Bowling&lt;/b&gt; &amp; pizza 🎳" in str(invite_a.text)
    assert [text for text, _ in invite_a.buttons()] == ["✅ Yes", "❌ No", "🤔 Maybe"]
    assert not any("invited" in m.shown for m in h.server.messages_to(cezary.id))
    await h.tap(anna, invite_a, tap_data(invite_a, "No"))
    await h.tap(anna, invite_a, tap_data(invite_a, "Yes"))  # changed her mind
    assert "Your answer: yes" in invite_a.shown
    invite_b = h.server.last_to(bartek.id)
    await h.tap(bartek, invite_b, tap_data(invite_b, "Maybe"))
    listing = (await h.say(boss, "/meetings"))[0]
    assert "Yes: 1 · No: 0 · Maybe: 1 · No answer: 0" in listing.shown
    assert "Anna — yes" in listing.shown and "Bartek — maybe" in listing.shown
    mine = (await h.say(anna, "/meetings"))[0]
    assert "Your answer: yes" in mine.shown and not mine.buttons()
    assert "No upcoming meetings" in (await h.say(cezary, "/meetings"))[0].shown
    # Someone not invited cannot answer.
    answer = await h.tap(cezary, invite_a, tap_data(invite_a, "Yes"), check=False)
    assert answer is not None and "not invited" in answer


async def test_who_declined_gets_no_reminder_until_they_say_yes(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    invite = h.server.last_to(bartek.id)
    await h.tap(bartek, invite, tap_data(invite, "No"))
    times = await reminder_times(h, anna, local(2026, 11, 30, 9, 30), local(2026, 11, 30, 10, 30))
    assert times == [local(2026, 11, 30, 10, 0)]
    assert reminders(h, bartek) == []
    await h.tap(bartek, invite, tap_data(invite, "Yes"))
    times = await reminder_times(h, bartek, local(2026, 12, 1, 8, 30), local(2026, 12, 1, 10, 0))
    assert times == [local(2026, 12, 1, 9, 0)]
    assert len(reminders(h, anna)) == 2


async def test_a_moved_meeting_gets_fresh_reminders(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    listing = (await h.say(boss, "/meetings"))[0]
    await h.tap(boss, listing, tap_data(listing, "🔁"))
    assert "new date" in h.server.last_to(boss.id).shown
    moved = (await h.say(boss, "2026-12-01 12:00"))[0]
    assert "moved" in moved.shown and "12:00" in moved.shown
    # The attendees are told (after the coordinator's answer, so wait for it).
    await h.server.wait_for(lambda: "moved" in h.server.last_to(anna.id).shown)
    times = await reminder_times(h, anna, local(2026, 11, 30, 9, 0), local(2026, 12, 1, 12, 30))
    assert times == [local(2026, 11, 30, 12, 0), local(2026, 12, 1, 11, 0)]
    assert len(reminders(h, bartek)) == 2


async def test_reminders_keep_their_hours_across_the_spring_dst_change(db_url: str) -> None:
    async with running_bot(db_url, FakeClock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))) as h:
        boss, (anna, _, _) = await team(h)
        await create_meeting(h, boss, "2026-03-29 10:00", who=[anna])
        times = await reminder_times(
            h, anna, datetime(2026, 3, 28, 7, 0, tzinfo=UTC), local(2026, 3, 29, 10, 0)
        )
        # 24 hours before 10:00 CEST is 09:00 CET on the 28th; one hour before is 09:00 CEST.
        assert times == [datetime(2026, 3, 28, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)]


async def test_reminders_missed_in_downtime_go_out_late_only_before_the_start_and_none_before_creation(
    h: Harness,
) -> None:
    boss, (anna, _, _) = await team(h)
    h.clock.now = local(2026, 11, 30, 15, 0)
    await create_meeting(h, boss, "2026-12-01 09:00", who=[anna])  # 18 hours ahead: no 24-hour reminder
    times = await reminder_times(h, anna, local(2026, 11, 30, 15, 0), local(2026, 12, 1, 9, 30))
    assert times == [local(2026, 12, 1, 8, 0)]
    # Created on the 1st at 09:30 for the 2nd at 09:00: its 24-hour moment is already past.
    await create_meeting(h, boss, "2026-12-02 09:00", who=[anna], title="Later")
    await create_meeting(h, boss, "2026-12-03 09:00", who=[anna], title="Third")
    h.clock.now = local(2026, 12, 2, 7, 59)
    await tick(deliverer(h))
    # Down from 07:59 to 09:05: "Later" has begun, so its missed reminder is not sent.
    h.clock.now = local(2026, 12, 2, 9, 5)
    await tick(deliverer(h))
    assert not any("Later" in m.shown for m in reminders(h, anna))
    # Down through Third's 24-hour moment but back before it begins: sent once, late.
    assert any("Third" in m.shown for m in reminders(h, anna))
    h.clock.now = local(2026, 12, 3, 8, 30)  # down over the 1-hour moment, back before the start
    await tick(deliverer(h))
    await tick(deliverer(h))
    assert len([m for m in reminders(h, anna) if "Third" in m.shown]) == 2


async def test_each_reminder_is_sent_once_across_restarts_and_two_tick_loops(h: Harness) -> None:
    boss, reps = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    second_db = Database(h.deps.settings.database_url)
    h.clock.now = local(2026, 12, 1, 9, 0)
    await asyncio.gather(tick(deliverer(h)), tick(deliverer(h, second_db)), tick(deliverer(h, second_db)))
    h.clock.now += timedelta(minutes=3)  # "restarted": a new deliverer ticks again
    await tick(deliverer(h))
    await second_db.dispose()
    for person in [boss, *reps]:
        assert len(reminders(h, person)) == 1, person.first_name


async def test_only_coordinators_create_move_or_cancel_and_a_cancelled_meeting_sends_no_reminder(
    h: Harness,
) -> None:
    boss, (anna, _, _) = await team(h)
    assert "coordinator" in (await h.say(anna, "/meeting"))[0].shown
    await create_meeting(h, boss, "2026-12-01 10:00")
    listing = (await h.say(boss, "/meetings"))[0]
    forged = [
        tap_data(listing, "🔁"),
        tap_data(listing, "❌"),
        tap_data(listing, "❌").replace("cancel", "cancelok"),
    ]
    anna_message = h.server.last_to(anna.id)
    for data in forged:
        answer = await h.tap(anna, anna_message, data, check=False)
        assert answer is not None and "coordinator" in answer
    assert "Weekly" in (await h.say(anna, "/meetings"))[0].shown  # not cancelled
    # The coordinator cancels: attendees are told, and no reminder follows.
    await h.tap(boss, listing, tap_data(listing, "❌"))
    await h.tap(boss, listing, tap_data(listing, "Yes, cancel"))
    await h.server.wait_for(lambda: "cancelled" in h.server.last_to(anna.id).shown)
    await reminder_times(h, anna, local(2026, 11, 30, 9, 30), local(2026, 11, 30, 10, 30))
    assert reminders(h, anna) == []


async def test_digests_show_the_answers_and_the_marked_attendance(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    await create_meeting(h, boss, "2026-11-30 11:00", who=[anna, bartek], title="Audit prep")
    invite = h.server.last_to(anna.id)
    await h.tap(anna, invite, tap_data(invite, "Yes"))
    # Monday 08:00: the daily digest lists today's meeting with its answers.
    h.clock.now = local(2026, 11, 30, 8, 0)
    await tick(deliverer(h))
    digest = next(m.shown for m in h.server.messages_to(boss.id) if "Daily summary" in m.shown)
    assert "Audit prep — yes 1, no 0, maybe 0, no answer 1" in digest
    # After the meeting the coordinator marks who attended.
    h.clock.now = local(2026, 11, 30, 13, 0)
    listing = (await h.say(boss, "/meetings"))[0]
    await h.tap(boss, listing, tap_data(listing, "✔️"))
    await h.tap(boss, listing, tap_data(listing, "Anna"))
    assert "1 of 2 attended" in listing.shown
    # The weekly digest of the next Monday reports last week's attendance.
    h.clock.now = local(2026, 12, 7, 8, 0)
    await tick(deliverer(h))
    weekly = [m.shown for m in h.server.messages_to(boss.id) if "Weekly summary" in m.shown][-1]
    assert "30 Nov 2026 – 6 Dec 2026" in weekly
    assert "Audit prep — 1 of 2 attended (absent: Bartek)" in weekly


async def test_unicode_digits_are_refused_not_crashed_on(h: Harness) -> None:
    boss, _ = await team(h)
    step = (await h.say(boss, "/meeting"))[0]
    await h.tap(boss, step, tap_data(step, "Audit"))
    await h.say(boss, "Q4 audit")
    await h.say(boss, "2026-12-01 10:00")
    refused = (await h.say(boss, "²"))[0]  # str.isdigit() says yes, int() says no
    assert "minutes, from 1 to 1440" in refused.shown


async def test_a_meeting_for_the_whole_team_created_after_a_removal_does_not_invite_the_removed_rep(
    h: Harness,
) -> None:
    boss, (anna, bartek, _) = await team(h)
    await h.remove(boss, anna)
    saved = await create_meeting(h, boss, "2026-12-01 10:00")
    assert "3 attendees" in saved.shown  # Kasia, Bartek, Cezary
    assert await h.told(bartek, "You are invited") and await h.told(anna, "You are invited") == []


async def test_a_rep_removed_while_the_meeting_draft_is_open_is_not_invited(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    # The whole team, Anna included, is chosen; she is removed before the coordinator saves.
    await create_meeting(h, boss, "2026-12-01 10:00", before_save=lambda: h.remove(boss, anna))
    assert await h.told(bartek, "You are invited") and await h.told(anna, "You are invited") == []


async def test_a_removed_rep_is_not_told_of_a_move_nor_listed_among_the_attendees(h: Harness) -> None:
    boss, (anna, bartek, cezary) = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    await h.remove(boss, anna)
    listing = (await h.say(boss, "/meetings"))[0]
    assert "Bartek" in listing.shown and "Anna" not in listing.shown
    await h.tap(boss, listing, tap_data(listing, "🔁"))
    await h.say(boss, "2026-12-01 12:00")
    await h.server.wait_for(lambda: "moved" in h.server.last_to(cezary.id).shown)
    assert await h.told(bartek, "moved") and await h.told(anna, "moved") == []


async def test_a_removed_rep_is_not_told_of_a_cancellation(h: Harness) -> None:
    boss, (anna, bartek, cezary) = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    await h.remove(boss, anna)
    listing = (await h.say(boss, "/meetings"))[0]
    await h.tap(boss, listing, tap_data(listing, "❌"))
    await h.tap(boss, listing, tap_data(listing, "Yes, cancel"))
    await h.server.wait_for(lambda: "cancelled" in h.server.last_to(cezary.id).shown)
    assert await h.told(bartek, "cancelled") and await h.told(anna, "cancelled") == []


async def test_a_removed_rep_gets_no_reminder_of_a_meeting_they_were_invited_to(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    await create_meeting(h, boss, "2026-12-01 10:00")
    await h.remove(boss, anna)
    for moment in (local(2026, 11, 30, 10, 0), local(2026, 12, 1, 9, 0)):  # 24 hours and 1 hour before
        h.clock.now = moment
        await tick(deliverer(h))
    assert len(reminders(h, bartek)) == 2
    assert await h.told(anna, "Reminder") == []


async def test_digests_neither_count_nor_name_a_removed_rep_among_a_meetings_attendees(h: Harness) -> None:
    boss, (anna, bartek, _) = await team(h)
    await create_meeting(h, boss, "2026-11-30 11:00", who=[anna, bartek], title="Audit prep")
    invite = h.server.last_to(bartek.id)
    await h.tap(bartek, invite, tap_data(invite, "Yes"))
    await h.remove(boss, anna)
    h.clock.now = local(2026, 11, 30, 8, 0)
    await tick(deliverer(h))
    digest = next(m.shown for m in h.server.messages_to(boss.id) if "Daily summary" in m.shown)
    assert "Audit prep — yes 1, no 0, maybe 0, no answer 0" in digest  # Anna's missing answer is gone
    h.clock.now = local(2026, 11, 30, 13, 0)
    listing = (await h.say(boss, "/meetings"))[0]
    await h.tap(boss, listing, tap_data(listing, "✔️"))
    assert "Anna" not in listing.shown and "0 of 1 attended" in listing.shown
    h.clock.now = local(2026, 12, 7, 8, 0)
    await tick(deliverer(h))
    weekly = [m.shown for m in h.server.messages_to(boss.id) if "Weekly summary" in m.shown][-1]
    assert "Audit prep — 0 of 1 attended (absent: Bartek)" in weekly and "Anna" not in weekly
