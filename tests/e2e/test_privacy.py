"""A person's data from the shell (`salesbot person export|forget`) and /privacy in the chat."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.cli import SALESBOT
from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, make_team
from tests.support.harness import Harness, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 27, 12))) as harness:  # Friday noon
        yield harness


async def salesbot(
    h: Harness, db_url: str, cwd: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """The command in a thread: the bot shares this event loop (see test_managers)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    environ.update(
        SALESBOT_TOKEN=h.server.token, SALESBOT_API_BASE_URL=h.server.base_url, SALESBOT_DATABASE_URL=db_url
    )
    environ.update(env)
    return await asyncio.to_thread(
        subprocess.run,
        [SALESBOT, *args],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_error_line(done: subprocess.CompletedProcess[str], marker: str) -> None:
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and marker in lines[0], done.stderr


async def test_export_then_forget_from_the_shell(h: Harness, db_url: str, tmp_path: Path) -> None:
    """The export is JSON with the rep's sales and points; after `forget` the ranking, the team list
    and the digest no longer name them while the team's total stays; a second forget is refused."""
    t = await make_team(h, "Anna", "Bartek")
    await t.sale("Anna", 150_000, local(11, 27, 10))
    await t.sale("Bartek", 10_000, local(11, 27, 11))
    await t.give_points("Anna", 20)
    anna = t.reps["Anna"]
    group = h.server.group(GROUP, "Team")

    done = await salesbot(h, db_url, tmp_path, "person", "export", str(anna.id))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["person"]["first_name"] == "Anna"
    assert [s["amount"] for s in document["sales"]] == ["1500.00"]
    assert [p["delta"] for p in document["points"]] == [20]

    board = (await h.say(t.boss, "/leaderboard", group))[0].shown
    assert "Anna" in board
    total = next(line for line in board.splitlines() if line.startswith("Team total"))

    done = await salesbot(h, db_url, tmp_path, "person", "forget", str(anna.id))
    assert (done.returncode, done.stdout) == (0, "forgotten\n"), done.stderr

    board = (await h.say(t.boss, "/leaderboard", group))[0].shown
    assert "Anna" not in board and "Bartek" in board
    assert total in board.splitlines()
    team_list = (await h.say(t.boss, "/team"))[0].shown
    assert "Anna" not in team_list and "Bartek" in team_list
    digest = "\n".join(m.shown for m in await h.say(t.boss, "/digest"))
    assert "Anna" not in digest and "Bartek" in digest

    again = await salesbot(h, db_url, tmp_path, "person", "forget", str(anna.id))
    _one_error_line(again, f"no person with Telegram id {anna.id}")
    export = await salesbot(h, db_url, tmp_path, "person", "export", str(anna.id))
    _one_error_line(export, "no person")


async def test_unknown_person_and_short_retention_are_one_line_and_exit_1(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    """An id never seen is refused; SALESBOT_RETENTION_DAYS under 14 stops any command at start."""
    _one_error_line(await salesbot(h, db_url, tmp_path, "person", "forget", "987654321"), "no person")
    _one_error_line(await salesbot(h, db_url, tmp_path, "person", "export", "x1"), "not a Telegram id")
    short = await salesbot(h, db_url, tmp_path, "team", "list", SALESBOT_RETENTION_DAYS="13")
    _one_error_line(short, "retention_days")
    ok = await salesbot(h, db_url, tmp_path, "team", "list", SALESBOT_RETENTION_DAYS="14")
    assert ok.returncode == 0, ok.stderr


async def test_privacy_tells_what_is_stored_in_the_persons_language(h: Harness) -> None:
    """/privacy answers in the private chat, in English or Polish, with the retention period; in a
    group it points to the private chat."""
    t = await make_team(h, "Anna")
    english = (await h.say(t.reps["Anna"], "/privacy"))[0].shown
    assert "What I store about you" in english and "90 days" in english
    assert "coordinator" in english and "erase" in english
    polish_user = h.server.user(77, "Zenon", language_code="pl")
    polish = (await h.say(polish_user, "/privacy"))[0].shown
    assert "Co o Tobie przechowuję" in polish and "Nie należysz do żadnego zespołu" in polish
    in_group = (await h.say(t.reps["Anna"], "/privacy", h.server.group(GROUP, "Team")))[0]
    assert "What I store" not in in_group.shown
    assert any("t.me" in data for _, data in in_group.buttons())
