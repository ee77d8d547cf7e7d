"""Odd text after a command: every command answers once in the person's language, with no traceback,
and changes nothing (huge and negative numbers, dates out of range, markup, control characters)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_forged_buttons import dump
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import make_team
from tests.support.harness import Harness, running_bot

ODD = (
    "9" * 25,
    "-1 3000000000",
    str(2**63),
    "0001-01-01",
    "9999-12-31 25:61",
    "<b>x</b> & </a> 😀😀😀",
    "\u202e\u200b\x00",
    "@" + "x" * 300,
    "team " + "9" * 25,
    "@anna -5 1e400",
)
# Commands whose arguments are read; those that would add something whatever follows them
# (/invite, /meeting, a quick /report that is well formed) are proven elsewhere.
COMMANDS = (
    "/start",
    "/target",
    "/holiday",
    "/leaderboard",
    "/top",
    "/team",
    "/me",
    "/sales",
    "/undo",
    "/report",
)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:
        yield harness


async def say(h: Harness, user: FakeUser, text: str) -> list[SentMessage]:
    """Like `Harness.say`, waiting longer: each chat is paced at Telegram's 40 messages a 30 s."""
    before = len(h.server.messages_to(user.id))
    h.server.send_message(user, text)
    return (await h.server.wait_for_messages(user.id, before + 1, timeout=60))[before:]


async def test_odd_text_after_any_command_is_answered_once_without_a_traceback_and_changes_nothing(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    second = h.server.user(2, "Zofia", language_code="pl")
    await h.coordinator(second, create=False)
    await t.sale("Anna", 10_000, local(11, 2, 8))
    await h.settle(t.boss)
    before = await dump(h)
    caplog.set_level(logging.INFO)
    # Each odd text to each command, once by a coordinator and once by a rep (two of each, taking
    # turns, so that no chat goes past Telegram's pace).
    for index, odd in enumerate(ODD):
        for user in ((t.boss, second)[index % 2], (t.reps["Anna"], t.reps["Bartek"])[index % 2]):
            for command in COMMANDS:
                answers = await say(h, user, f"{command} {odd}")
                assert "went wrong" not in answers[0].shown and "poszło nie tak" not in answers[0].shown
                if command == "/report":
                    await say(h, user, "/cancel")  # a refused quick form may leave the guided one open
    await h.settle(t.boss)
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [f"{r.levelname} {r.getMessage()}" for r in loud[:5]]
    after = await dump(h)
    assert {k: v for k, v in after.items() if k != "drafts"} == {
        k: v for k, v in before.items() if k != "drafts"
    }
    assert after["drafts"] == []
