"""Delegated tasks through the bot: giving one to one rep, several or all, Done, the due-morning
reminder, overdue tasks in the digest, a removed rep's tasks handed over, reassigning, and forgeries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import Prefix, encode
from storage.models import Task
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, button, running_bot, seed_reps

EVIL = "<b>x</b> & </a> 😀"
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; 😀"
NEW = "A new task from"
REMINDER = "Today is the day for this task"
DONE_NOTICE = "has done the task"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:  # Monday 09:00
        yield harness


async def give(
    h: Harness, boss: FakeUser, picks: list[str] | None, text: str, due: str, client: str | None = None
) -> SentMessage:
    """The coordinator gives a task through /task: `picks` toggled (None: All reps); the saved card."""
    step = (await h.say(boss, "/task"))[0]
    if picks is None:
        await h.tap(boss, step, button(step, "All reps"))
    else:
        for name in picks:
            await h.tap(boss, step, button(step, name))
        await h.tap(boss, step, button(step, "Next"))
    assert "What should they do?" in step.shown
    step = (await h.say(boss, text))[0]
    assert "By when?" in step.shown
    step = (await h.say(boss, due))[0]
    assert "Is it about a client?" in step.shown
    if client is None:
        await h.tap(boss, step, button(step, "Skip"))
    else:
        step = (await h.say(boss, client))[0]
    assert "Give the task?" in step.shown
    await h.tap(boss, step, button(step, "Save"))
    return step


async def tasks(h: Harness) -> list[tuple[Any, ...]]:
    """Every task row as (id, assignee, text, due, done_at, given_by), by id."""
    async with h.db.read() as session:
        rows = await session.execute(
            select(Task.id, Task.assignee_id, Task.text, Task.due, Task.done_at, Task.given_by).order_by(
                Task.id
            )
        )
        return [tuple(row) for row in rows]


def told(h: Harness, user: FakeUser, marker: str) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if marker in m.shown]


def done_button(message: SentMessage) -> str:
    return next(data for _, data in message.buttons() if data.startswith("tk:done:"))


async def test_a_task_for_one_rep_reaches_only_them_with_done_and_the_coordinator_is_told_once(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    saved = await give(h, t.boss, ["Anna"], "Call back Acme", "2026-11-04")
    assert "Task given to 1 rep." in saved.shown and "Anna" in saved.shown
    [message] = told(h, anna, NEW)
    assert "Call back Acme" in message.shown and "Due 4 Nov 2026" in message.shown
    assert not told(h, bartek, NEW)
    [row] = await tasks(h)
    assert row[1] == anna.id and row[4] is None
    # Done, twice: one completion, one notice to the coordinator.
    await h.tap(anna, message, done_button(message))
    assert "Task done" in message.shown
    assert await h.tap(anna, message, encode(Prefix.TASK, "done", row[0]), check=False) is None
    [row] = await tasks(h)
    assert row[4] is not None
    notices = told(h, t.boss, DONE_NOTICE)
    assert len(notices) == 1 and "Anna has done the task:" in notices[0].shown
    assert "Call back Acme" in notices[0].shown
    assert "You have no open tasks." in (await h.say(anna, "/tasks"))[0].shown


async def test_several_reps_are_picked_by_a_typed_search_and_across_pages_and_all_takes_every_active_rep(
    h: Harness,
) -> None:
    t = await make_team(h)
    reps = await seed_reps(h, "North", 25, 1000)
    step = (await h.say(t.boss, "/task"))[0]
    assert "Page 1 of 3." in step.shown
    names = [label for label, data in step.buttons() if data.split(":")[-1].isdigit()]
    assert names == [f"▫️ Rep{i:03}" for i in range(10)]
    await h.tap(t.boss, step, button(step, "Rep003"))
    await h.tap(t.boss, step, button(step, "▶"))
    assert "Page 2 of 3." in step.shown
    await h.tap(t.boss, step, button(step, "Rep012"))
    found = (await h.say(t.boss, "rep02"))[0]  # a typed part of a name narrows the list
    assert "5 matches for “rep02”." in found.shown and "2 chosen so far." in found.shown
    await h.tap(t.boss, found, button(found, "Rep024"))
    await h.tap(t.boss, found, button(found, "Next"))
    assert "Rep003, Rep012, Rep024" in found.shown
    for answer in ("Visit two clients", "05.11"):
        found = (await h.say(t.boss, answer))[0]
    await h.tap(t.boss, found, button(found, "Skip"))
    await h.tap(t.boss, found, button(found, "Save"))
    assert "Task given to 3 reps." in found.shown
    assert sorted(r[1] for r in await tasks(h)) == [reps[3].id, reps[12].id, reps[24].id]
    assert all(r[3] == date(2026, 11, 5) for r in await tasks(h))
    # A rep removed: "All reps" gives it to the 24 still in the team.
    await h.remove(t.boss, reps[0])
    saved = await give(h, t.boss, None, "Update the CRM", "tomorrow")
    assert "Task given to 24 reps." in saved.shown
    crm = [r for r in await tasks(h) if r[2] == "Update the CRM"]
    assert sorted(r[1] for r in crm) == sorted(r.id for r in reps[1:])
    assert all(r[3] == date(2026, 11, 3) for r in crm)
    assert not told(h, reps[0], "Update the CRM")
    assert all(len(told(h, rep, "Update the CRM")) == 1 for rep in reps[1:])


async def test_nothing_chosen_a_past_day_or_nonsense_is_asked_again_and_an_unknown_client_too(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    step = (await h.say(t.boss, "/task"))[0]
    await h.tap(t.boss, step, button(step, "Next"))
    assert "Choose at least one sales rep." in step.shown
    await h.tap(t.boss, step, button(step, "Anna"))
    await h.tap(t.boss, step, button(step, "Next"))
    await h.say(t.boss, "Call")
    assert "That day has already passed." in (await h.say(t.boss, "2026-11-01"))[0].shown
    assert "I do not understand that date." in (await h.say(t.boss, "next week"))[0].shown
    assert "I do not understand that date." in (await h.say(t.boss, "31.02"))[0].shown
    step = (await h.say(t.boss, "02.11"))[0]  # today is allowed
    assert "Due 2 Nov 2026" in step.shown
    assert "I do not know a client of the team" in (await h.say(t.boss, "Nobody Ltd"))[0].shown
    assert not await tasks(h)


async def test_the_due_morning_reminder_comes_once_only_to_active_holders_of_open_tasks(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    anna, bartek, celina = t.reps["Anna"], t.reps["Bartek"], t.reps["Celina"]
    await give(h, t.boss, ["Anna", "Bartek", "Celina"], "Send the offer", "03.11")
    await give(h, t.boss, ["Anna"], "Later", "2026-11-04")
    given = told(h, bartek, NEW)[0]
    await h.tap(bartek, given, done_button(given))  # done: not reminded
    await h.remove(t.boss, celina)  # removed: her task is the coordinator's now
    await t.tick_at(local(11, 3, 7, 59))
    assert not told(h, anna, REMINDER)
    await t.tick_at(local(11, 3, 8, 0))
    [reminder] = told(h, anna, REMINDER)
    assert "Send the offer" in reminder.shown and "Later" not in reminder.shown
    assert button(reminder, "Done")
    assert not told(h, bartek, REMINDER) and not told(h, celina, REMINDER)
    assert len(told(h, t.boss, REMINDER)) == 1  # Celina's task, held by the coordinator
    await t.tick_at(local(11, 3, 9, 0))
    await t.tick_at(local(11, 3, 12, 0))
    assert len(told(h, anna, REMINDER)) == 1 and len(told(h, t.boss, REMINDER)) == 1
    # Done from the reminder tells the coordinator; the next day's task is reminded the next day.
    await h.tap(anna, reminder, done_button(reminder))
    assert len(told(h, t.boss, DONE_NOTICE)) == 2
    await t.tick_at(local(11, 4, 8, 0))
    assert [m.shown for m in told(h, anna, REMINDER)][-1].count("Later") == 1


async def test_overdue_tasks_are_in_the_coordinators_daily_digest_with_the_days_late(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await give(h, t.boss, ["Anna"], "Old one", "2026-11-02")
    await give(h, t.boss, ["Bartek"], "Done one", "2026-11-02")
    await give(h, t.boss, ["Bartek"], "Not yet due", "2026-11-05")
    done = told(h, t.reps["Bartek"], "Done one")[0]
    await h.tap(t.reps["Bartek"], done, done_button(done))
    await t.tick_at(local(11, 4, 8, 0))
    [digest] = [m for m in h.server.messages_to(t.boss.id) if "Overdue tasks" in m.shown]
    assert "Anna: Old one — due 2 Nov 2026, 2 days late" in digest.shown
    assert "Done one" not in digest.shown and "Not yet due" not in digest.shown


async def test_a_removed_reps_open_tasks_pass_to_the_coordinator_who_is_told_and_reassigns_them_from_the_card(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await h.say(anna, "/client Acme")
    await give(h, t.boss, ["Anna"], "First open", "2026-11-04")
    await give(h, t.boss, ["Anna"], "Second open", "2026-11-06")
    await give(h, t.boss, ["Anna"], "Finished", "2026-11-06")
    finished = told(h, anna, "Finished")[0]
    await h.tap(anna, finished, done_button(finished))
    await h.remove(t.boss, anna)
    rows = await tasks(h)
    assert {r[2]: r[1] for r in rows} == {
        "First open": t.boss.id,
        "Second open": t.boss.id,
        "Finished": anna.id,
    }
    [notice] = [m for m in h.server.messages_to(t.boss.id) if "open tasks now belong to Kasia" in m.shown]
    assert "Anna was removed from the team." in notice.shown and "Acme" in notice.shown
    assert (
        "• First open — due 4 Nov 2026" in notice.shown and "• Second open — due 6 Nov 2026" in notice.shown
    )
    assert "Finished" not in notice.shown
    # The coordinator's /tasks lists them as theirs; the card gives one to Bartek, who is told.
    listing = (await h.say(t.boss, "/tasks"))[0]
    assert "2 tasks" in listing.shown and "Kasia" in listing.shown
    await h.tap(t.boss, listing, button(listing, "First open"))
    assert "Rep: Kasia" in listing.shown
    await h.tap(t.boss, listing, button(listing, "Give it to another rep"))
    assert [label for label, _ in listing.buttons()] == ["Bartek", "Cancel"]
    await h.tap(t.boss, listing, button(listing, "Bartek"))
    assert "The task now belongs to Bartek" in listing.shown and "Rep: Bartek" in listing.shown
    [given] = told(h, bartek, "First open")
    await h.tap(bartek, given, done_button(given))
    assert len(told(h, t.boss, "Bartek has done the task")) == 1
    assert {r[2]: r[1] for r in await tasks(h)}["First open"] == bartek.id
    # The removed rep's old Done button does nothing.
    first = next(r for r in rows if r[2] == "Second open")
    answer = await h.tap(anna, finished, encode(Prefix.TASK, "done", first[0]), check=False)
    assert answer and "not in a team" in answer
    assert [r[4] for r in await tasks(h) if r[2] == "Second open"] == [None]


async def forged_presses(h: Harness, user: FakeUser, card: SentMessage, data: list[str]) -> list[str | None]:
    return [await h.tap(user, card, one, check=False) for one in data]


async def test_forged_task_buttons_of_another_team_another_rep_or_huge_ids_are_refused_and_change_nothing(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    await give(h, t.boss, ["Anna"], "Anna's", "2026-11-04")
    olek, zosia = h.server.user(2, "Olek", language_code="en"), h.server.user(20, "Zosia", language_code="en")
    await h.coordinator(olek, "South", locale="en")
    await h.rep(olek, zosia)
    await give(h, olek, ["Zosia"], "South's", "2026-11-04")
    rows = await tasks(h)
    north, south = rows[0][0], rows[1][0]
    before = await tasks(h)
    card = (await h.say(bartek, "/tasks"))[0]
    huge = ["0", "-1", str(10**24), "3000000000"]
    refusals = await forged_presses(
        h,
        bartek,
        card,
        [encode(Prefix.TASK, "done", north), encode(Prefix.TASK, "done", south)]
        + [encode(Prefix.TASK, "done", bad) for bad in huge]
        + [encode(Prefix.TASK, "card", north), encode(Prefix.TASK, "to", north, bartek.id)],
    )
    assert refusals[:6] == ["That is no longer available."] * 2 + ["This button is no longer active."] * 4
    assert refusals[6:] == ["Only the team's coordinator can do that."] * 2
    boss_card = (await h.say(t.boss, "/tasks"))[0]
    refusals = await forged_presses(
        h,
        t.boss,
        boss_card,
        [
            encode(Prefix.TASK, "card", south),
            encode(Prefix.TASK, "re", south),
            encode(Prefix.TASK, "to", south, bartek.id),
            encode(Prefix.TASK, "to", north, zosia.id),  # another team's rep
            encode(Prefix.TASK, "to", north, t.boss.id),  # not a rep
            encode(Prefix.TASK, "done", north),  # not the coordinator's to mark
            encode(Prefix.TASK, "card", north, "1"),
            encode(Prefix.TASK, "zz", north),
            encode(Prefix.TASK, "d", "forged-token", "all"),
        ]
        + [encode(Prefix.TASK, "to", north, bad) for bad in (*huge, str(2**52))],
    )
    assert refusals[:6] == ["That is no longer available."] * 6
    assert refusals[6:9] == ["This button is no longer active."] * 3
    # Ids no column holds are stale; one that could be a person's but is no rep of the team, missing.
    assert refusals[9:] == ["This button is no longer active."] * 3 + ["That is no longer available."] * 2
    assert await tasks(h) == before
    assert not told(h, bartek, NEW) and not told(h, zosia, "Anna's") and not told(h, t.boss, DONE_NOTICE)
    assert anna  # Anna's own task stays open


async def test_html_in_the_task_and_the_client_is_shown_literally_everywhere(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await h.say(t.boss, f"/client {EVIL}")
    step = (await h.say(t.boss, "/task"))[0]
    await h.tap(t.boss, step, button(step, "Anna"))
    await h.tap(t.boss, step, button(step, "Next"))
    await h.say(t.boss, f"Call {EVIL}")
    await h.say(t.boss, "2026-11-03")
    confirm = (await h.say(t.boss, EVIL.upper()))[0]  # another spelling of the client
    messages = [confirm]
    await h.tap(t.boss, confirm, button(confirm, "Save"))
    given = told(h, anna, NEW)[0]
    messages.append(given)
    messages.append((await h.say(anna, "/tasks"))[0])
    listing = (await h.say(t.boss, "/tasks"))[0]
    messages.append(listing)
    await h.tap(t.boss, listing, button(listing, "Anna"))
    messages.append(listing)
    await t.tick_at(local(11, 3, 8, 0))
    messages.append(told(h, anna, REMINDER)[0])
    await t.tick_at(local(11, 4, 8, 0))
    messages.append(next(m for m in h.server.messages_to(t.boss.id) if "Overdue tasks" in m.shown))
    for message in messages:
        assert f"Call {EVIL}" in message.shown, message.shown
        assert f"Call {ESCAPED}" in str(message.text) and "<b>x</b>" not in str(message.text)
    for message in (confirm, given, messages[4], messages[5]):
        assert f"Client: {EVIL}" in message.shown
    assert any(EVIL in label for label, _ in messages[2].buttons())  # the rep's Done in /tasks


async def test_a_polish_coordinator_gives_a_task_for_jutro_and_a_polish_rep_reads_it_in_polish(
    h: Harness,
) -> None:
    ola = h.server.user(3, "Ola", language_code="pl")
    await h.coordinator(ola, "Południe", locale="pl")
    rep = h.server.user(31, "Janek", language_code="pl")
    await h.rep(ola, rep)
    step = (await h.say(ola, "/task"))[0]
    assert "Kto ma to zrobić?" in step.shown
    await h.tap(ola, step, button(step, "Janek"))
    await h.tap(ola, step, button(step, "Dalej"))
    await h.say(ola, "Zadzwoń do klienta")
    assert "Termin: 03.11.2026" in (await h.say(ola, "jutro"))[0].shown
    await h.say(ola, "/task")  # again, with a day and month
    step = h.server.last_to(ola.id)
    await h.tap(ola, step, button(step, "Wszyscy handlowcy"))
    await h.say(ola, "Raport")
    step = (await h.say(ola, "1.11"))[0]  # past this year: next year's
    assert "Termin: 01.11.2027" in step.shown
    await h.tap(ola, step, button(step, "Pomiń"))
    await h.tap(ola, step, button(step, "Zapisz"))
    assert "Zleciłem zadanie 1 handlowcowi." in step.shown
    [given] = told(h, rep, "Nowe zadanie. Zlecający: Ola")
    assert "Raport" in given.shown and "Naciśnij Gotowe" in given.shown
    listing = (await h.say(rep, "/tasks"))[0]
    assert "Otwarte zadania" in listing.shown and "1 zadanie" in listing.shown
    helped = (await h.say(ola, "/help"))[0]
    assert "/task —" in helped.shown and "/tasks —" in helped.shown


async def test_all_of_300_reps_get_their_task_once_and_the_picker_pages_stay_within_telegrams_limits(
    h: Harness,
) -> None:
    t = await make_team(h)
    reps = await seed_reps(h, "North", 300, 1000, "Łucja{:03} & Syn".format)
    h.server.enforce_rate_limits = True
    step = (await h.say(t.boss, "/task"))[0]
    assert "Page 1 of 30." in step.shown and len(step.buttons()) <= 100
    token = button(step, "All reps").split(":")[2]
    await h.tap(t.boss, step, encode(Prefix.TASK, "d", token, "p29"), check=False)
    assert "Page 30 of 30." in step.shown and button(step, "Łucja299 & Syn")
    assert all(len(data.encode()) <= 64 for _, data in step.buttons())
    await h.tap(t.boss, step, button(step, "All reps"))
    await h.say(t.boss, "Quarterly review")
    step = (await h.say(t.boss, "2026-11-06"))[0]
    await h.tap(t.boss, step, button(step, "Skip"))
    assert "All reps (300)" in step.shown
    await h.tap(t.boss, step, button(step, "Save"))
    assert "Task given to 300 reps." in step.shown
    assert len(await tasks(h)) == 300
    assert all(len(told(h, rep, "Quarterly review")) == 1 for rep in reps)
    listing = (await h.say(t.boss, "/tasks"))[0]
    assert "300 tasks" in listing.shown and "Page 1 of 30." in listing.shown
    assert len(listing.buttons()) <= 100


async def test_a_handed_over_task_is_seen_by_every_coordinator_and_done_by_the_one_holding_it(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    second = h.server.user(3, "Marta", language_code="en")
    await h.coordinator(second, "North", create=False, locale="en")
    await give(h, t.boss, ["Anna"], "Call them back", "2026-11-06")
    await h.remove(t.boss, anna)
    # The other coordinator was told of it and finds it in /tasks, with the reassign button.
    listing = (await h.say(second, "/tasks"))[0]
    assert "Call them back" in listing.shown
    await h.tap(second, listing, button(listing, "Call them back"))
    assert [label for label, _ in listing.buttons() if "Done" in label] == []  # not theirs to tick
    assert any("another rep" in label for label, _ in listing.buttons())
    # The coordinator holding it marks it done from its card.
    mine = (await h.say(t.boss, "/tasks"))[0]
    await h.tap(t.boss, mine, button(mine, "Call them back"))
    await h.tap(t.boss, mine, button(mine, "Done"))
    assert [r[4] is not None for r in await tasks(h) if r[2] == "Call them back"] == [True]


async def test_save_pressed_again_shows_the_given_task_and_gives_and_tells_nothing_twice(h: Harness) -> None:
    """A second Save (a double tap, or the update handed out again after a crash) answers with the
    saved card; the task exists once and its rep is told once."""
    t = await make_team(h, "Anna")
    card = await give(h, t.boss, ["Anna"], "Visit Acme", "2026-11-06")
    async with h.db.read() as session:
        batch = (await session.scalars(select(Task.batch))).one()
    again = await h.tap(t.boss, card, encode(Prefix.TASK, "d", batch, "save"), check=False)
    assert again is None or "no longer active" not in again
    assert "Visit Acme" in card.shown
    assert len(await tasks(h)) == 1
    assert len(told(h, t.reps["Anna"], "Visit Acme")) == 1
