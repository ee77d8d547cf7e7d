"""The live board: one pinned "today" message in the group, edited in place as sales come in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, make_team
from tests.support.harness import Harness, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 3, 9))) as harness:
        yield harness


def boards(h: Harness) -> list[int]:
    """The message ids of every live board the group was sent, oldest first."""
    return [m.message_id for m in h.server.messages_to(GROUP) if "📈" in m.shown]


def edits(h: Harness) -> int:
    return len([c for c in h.server.calls_of("editMessageText") if int(c["chat_id"]) == GROUP])


async def test_the_first_sale_starts_a_pinned_board_that_later_sales_edit_in_place(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    await t.tick_at(local(11, 3, 10))
    assert boards(h) == []  # no sale today yet, no board

    await t.sale("Anna", 12_000, local(11, 3, 10, 5))
    await t.tick_at(local(11, 3, 10, 6))
    [board] = boards(h)
    assert h.server.pinned[GROUP] == board
    shown = h.server.last_to(GROUP).shown
    assert "1. Anna — PLN\xa0120.00" in shown and "Team total: PLN\xa0120.00" in shown

    await t.sale("Bartek", 30_000, local(11, 3, 10, 7))
    await t.tick_at(local(11, 3, 10, 8))
    assert boards(h) == [board] and edits(h) == 1  # the same message, edited
    text = next(m for m in h.server.messages_to(GROUP) if m.message_id == board).shown
    assert text.index("1. Bartek — PLN\xa0300.00") < text.index("2. Anna — PLN\xa0120.00")
    assert "Team total: PLN\xa0420.00 · 2 sales" in text


async def test_ten_sales_in_a_minute_give_at_most_one_edit_and_nothing_changed_gives_none(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 1_000, local(11, 3, 10))
    await t.tick_at(local(11, 3, 10) + timedelta(seconds=30))
    assert len(boards(h)) == 1
    start = local(11, 3, 10, 1)
    for i in range(10):  # ten sales within one minute, a tick after each (ticks are 30 s apart in production)
        at = start + timedelta(seconds=5 * i)
        await t.sale("Anna", 1_000, at)
        await t.tick_at(at + timedelta(seconds=1))
    assert edits(h) == 1  # the minute's sales: one edit, not ten
    await t.tick_at(local(11, 3, 10, 3))
    made = edits(h)
    assert made == 2
    assert "11 sales" in next(m for m in h.server.messages_to(GROUP) if m.message_id == boards(h)[0]).shown
    caplog.set_level(logging.INFO)
    for minute in range(4, 10):  # nothing changes: never an edit, never "message is not modified"
        await t.tick_at(local(11, 3, 10, minute))
    assert edits(h) == made
    assert "not modified" not in caplog.text
    assert len(boards(h)) == 1


async def test_at_the_post_time_the_board_gets_its_final_edit_and_gives_the_pin_to_the_daily_post(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 5_000, local(11, 3, 11))
    await t.tick_at(local(11, 3, 11, 1))
    [board] = boards(h)
    await t.tick_at(local(11, 3, 18))  # the post time: the daily post goes out and is pinned
    post = next(m for m in h.server.messages_to(GROUP) if "📊" in m.shown)
    assert set(h.server.pins[GROUP]) == {board, post.message_id}  # both stand for a moment
    await t.tick_at(local(11, 3, 18, 1))
    assert h.server.pins[GROUP] == [post.message_id]
    final = next(m for m in h.server.messages_to(GROUP) if m.message_id == board)
    assert "Today, 3 Nov 2026: the final score" in final.shown and final.edited
    # Later that evening nothing brings it back; the next day starts a board of its own.
    await t.sale("Anna", 1_000, local(11, 3, 19))
    await t.tick_at(local(11, 3, 19, 1))
    assert boards(h) == [board]
    await t.sale("Anna", 2_000, local(11, 4, 9))
    await t.tick_at(local(11, 4, 9, 1))
    assert len(boards(h)) == 2 and h.server.pinned[GROUP] == boards(h)[1]


async def test_a_deleted_board_is_posted_again_and_pinned(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 5_000, local(11, 3, 11))
    await t.tick_at(local(11, 3, 11, 1))
    [board] = boards(h)
    h.server.delete_message(GROUP, board)
    await t.sale("Anna", 6_000, local(11, 3, 11, 2))
    await t.tick_at(local(11, 3, 11, 3))
    again = boards(h)
    assert len(again) == 2 and h.server.pinned[GROUP] == again[1]
    assert "Team total: PLN\xa0110.00 · 2 sales" in h.server.last_to(GROUP).shown


async def test_in_the_quiet_hours_the_board_neither_starts_nor_changes(h: Harness) -> None:
    t = await make_team(h, "Anna")  # quiet hours by default 21:00-08:00
    await t.sale("Anna", 5_000, local(11, 3, 7, 30))
    await t.tick_at(local(11, 3, 7, 31))
    assert boards(h) == []
    await t.tick_at(local(11, 3, 8, 1))
    assert len(boards(h)) == 1
    assert "Team total: PLN\xa050.00" in h.server.last_to(GROUP).shown
    assert edits(h) == 0


async def test_a_board_whose_post_answer_was_lost_is_never_posted_twice(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 5_000, local(11, 3, 11))
    h.server.fail("sendMessage", kind="reset", chat_id=GROUP)  # it arrives, the answer does not
    await t.tick_at(local(11, 3, 11, 1))
    for minute in range(2, 8):
        await t.sale("Anna", 1_000, local(11, 3, 11, minute))
        await t.tick_at(local(11, 3, 11, minute) + timedelta(seconds=30))
    assert len(boards(h)) == 1


async def test_a_day_that_is_not_a_post_day_has_no_board(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 5_000, local(11, 7, 11))  # a Saturday: the team posts Monday to Friday
    await t.tick_at(local(11, 7, 11, 1))
    await t.tick_at(local(11, 7, 18, 1))
    assert boards(h) == []
