"""Managers: the CLI's manager links and list, overseeing several teams, /teams, the menu and /help."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import teams
from tests.support.botapi import BotApiServer, FakeUser
from tests.support.cli import SALESBOT
from tests.support.harness import Harness, running_bot

EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    with BotApiServer(bot_username="north_sales_bot") as server:
        async with running_bot(db_url, server=server) as harness:
            yield harness


async def salesbot(h: Harness, db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in a thread: the bot shares this event loop, and a loop blocked on the child
    would hold the bot's SQLite write lock while the child waits for it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    environ.update(
        SALESBOT_TOKEN=h.server.token, SALESBOT_API_BASE_URL=h.server.base_url, SALESBOT_DATABASE_URL=db_url
    )
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


async def manager_link(h: Harness, db_url: str, cwd: Path, team: str) -> str:
    done = await salesbot(h, db_url, cwd, "team", "manager-link", team)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("https://t.me/north_sales_bot?start=")
    return last.split("?start=")[1]


def own_menu(h: Harness, user: FakeUser, lang: str = "") -> list[str]:
    key = (json.dumps({"type": "chat", "chat_id": user.id}, sort_keys=True), lang)
    return [c["command"] for c in h.server.commands.get(key, [])]


async def make_teams(h: Harness) -> tuple[FakeUser, FakeUser]:
    north_boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(north_boss, "North", locale="en")
    south_boss = h.server.user(2, "Marek", language_code="en")
    await h.coordinator(south_boss, EVIL, locale="en")
    return north_boss, south_boss


async def test_a_manager_link_adds_each_team_once_and_teams_lists_only_theirs(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    north_boss, _south_boss = await make_teams(h)
    await teams.create_team(
        h.db, "West", timezone="Europe/Warsaw", locale="en", currency="PLN", now=h.clock()
    )
    rep = h.server.user(3, "Ola", language_code="en")
    await h.rep(north_boss, rep)
    boss = h.server.user(10, "Zofia", language_code="en")
    north = await manager_link(h, db_url, tmp_path, "North")
    welcome = (await h.say(boss, f"/start {north}"))[0].shown
    assert "You now oversee the team North" in welcome
    assert "You already oversee the team North" in (await h.say(boss, f"/start {north}"))[0].shown
    other = h.server.user(11, "Piotr", language_code="en")
    assert "not valid any more" in (await h.say(other, f"/start {north}"))[0].shown  # one-time
    await h.say(boss, f"/start {await manager_link(h, db_url, tmp_path, EVIL)}")
    listing = (await h.say(boss, "/teams"))[0].shown
    assert "North" in listing and EVIL in listing  # a team's name is shown literally
    assert "West" not in listing
    assert "1 sales rep" in listing
    assert "invite link" in (await h.say(other, "/teams"))[0].shown  # a stranger stops at the gate
    assert "Only a manager" in (await h.say(rep, "/teams"))[0].shown
    help_text = (await h.say(boss, "/help"))[0].shown
    assert "As a manager" in help_text and "/teams" in help_text and "/invite" not in help_text
    listed = await salesbot(h, db_url, tmp_path, "team", "managers", "North")
    assert listed.returncode == 0 and listed.stdout == "10\tZofia\n"


async def test_a_manager_has_their_own_menu_and_may_also_sell_in_one_team(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    north_boss, _ = await make_teams(h)
    seller = h.server.user(20, "Ewa", language_code="pl")
    await h.rep(north_boss, seller)
    assert not own_menu(h, seller)  # a rep has the shared menu
    await h.say(seller, f"/start {await manager_link(h, db_url, tmp_path, EVIL)}")
    assert {"report", "teams"} <= set(own_menu(h, seller, "pl")) and "invite" not in own_menu(h, seller, "pl")
    card = (await h.say(seller, "/report 100 Acme"))[0]
    assert "Acme" in card.shown  # still a rep of North
    listing = (await h.say(seller, "/teams"))[0].shown
    assert "Zespoły, które nadzorujesz" in listing and EVIL in listing and "North" not in listing
    help_text = (await h.say(seller, "/help"))[0].shown
    assert "/report" in help_text and "Jako kierownik" in help_text


async def test_a_removed_manager_no_longer_sees_the_team_and_loses_their_menu(
    h: Harness, db_url: str, tmp_path: Path
) -> None:
    await make_teams(h)
    boss = h.server.user(10, "Zofia", language_code="en")
    await h.say(boss, f"/start {await manager_link(h, db_url, tmp_path, 'North')}")
    await h.say(boss, f"/start {await manager_link(h, db_url, tmp_path, EVIL)}")
    assert "teams" in own_menu(h, boss)
    done = await salesbot(h, db_url, tmp_path, "team", "remove-manager", "North", str(boss.id))
    assert done.returncode == 0, done.stderr
    listing = (await h.say(boss, "/teams"))[0].shown
    assert "North" not in listing and EVIL in listing
    assert "teams" in own_menu(h, boss)  # still manages one team
    done = await salesbot(h, db_url, tmp_path, "team", "remove-manager", EVIL, str(boss.id))
    assert done.returncode == 0, done.stderr
    assert not own_menu(h, boss) and not own_menu(h, boss, "en")
    assert "invite link" in (await h.say(boss, "/teams"))[0].shown  # a stranger again
    listed = await salesbot(h, db_url, tmp_path, "team", "managers", "North")
    assert listed.returncode == 0 and listed.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("team", "manager-link", "Nowhere"), "no team named"),
        (("team", "managers", "Nowhere"), "no team named"),
        (("team", "remove-manager", "North", "12345"), "is not a manager of North"),
        (("team", "remove-manager", "North", "12x"), "not a Telegram id"),
        (("team", "remove-manager", "North", "9" * 30), "not a Telegram id"),
    ],
)
async def test_manager_commands_fail_in_one_line_and_exit_1(
    h: Harness, db_url: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    await teams.create_team(
        h.db, "North", timezone="Europe/Warsaw", locale="en", currency="PLN", now=h.clock()
    )
    done = await salesbot(h, db_url, tmp_path, *args)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
