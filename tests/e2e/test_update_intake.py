"""Taking updates in: stored before they are acknowledged, resumed after a crash, a gate that stops
what it fails on, and a group that became a supergroup re-linked at once."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.services import teams
from storage.db import Database, upgrade
from storage.models import InboxUpdate, Invite, Role, Team, TeamHoliday
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT
from tests.support.factories import T0
from tests.support.harness import Harness, make_roster, running_bot


def _start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SALESBOT, "run"], env=env, cwd=cwd, stderr=subprocess.DEVNULL)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url) as harness:
        yield harness


async def test_a_group_upgraded_to_a_supergroup_works_at_once_under_its_new_id(h: Harness) -> None:
    roster = await make_roster(h, "Anna", group_id=-500, locale="en")
    new_id = -100500
    supergroup = h.server.group(new_id, "Team")
    refused = (await h.say(roster.boss, "/leaderboard", supergroup))[0].shown
    assert "not linked" in refused
    old = h.server.group(-500, "Team", type="group")
    h.server.push_update(
        {
            "message": {
                "message_id": 9001,
                "date": int(time.time()),
                "chat": old.to_dict(),
                "from": roster.boss.to_dict(),
                "migrate_to_chat_id": new_id,
            }
        }
    )
    board = (await h.say(roster.boss, "/leaderboard", supergroup))[0].shown
    assert "not linked" not in board and "Team North" in board
    async with h.db.read() as session:
        assert await session.scalar(select(Team.group_chat_id)) == new_id


async def test_the_gate_stops_an_update_it_failed_on_and_nothing_else_runs(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    stranger = h.server.user(66, "Stranger", language_code="en")
    h.server.fail("sendMessage", kind="server_error", chat_id=stranger.id)
    with caplog.at_level(logging.INFO):
        h.server.send_message(stranger, "/help")
        await h.settle(boss)  # every update so far handled, the stranger's included
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 1 and failures[0].getMessage().startswith("gate failed for update")
    assert h.server.messages_to(stranger.id) == []


async def test_an_update_stored_but_not_handled_is_handled_when_the_bot_starts(db_url: str) -> None:
    with BotApiServer() as server:
        async with running_bot(db_url, server=server) as h:
            boss = server.user(1, "Kasia", language_code="en")
            await h.coordinator(boss)
        # As the inbox holds it when a process dies after fetching, before handling.
        update = {
            "update_id": 777,
            "message": {
                "message_id": 777,
                "date": int(time.time()),
                "chat": boss.private_chat().to_dict(),
                "from": boss.to_dict(),
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        db = Database(db_url)
        async with db.write() as session:
            session.add(InboxUpdate(update_id=777, payload=update, received_at=T0, started_at=T0))
        before = len(server.messages_to(boss.id))
        async with running_bot(db_url, server=server):
            help_text = (await server.wait_for_messages(boss.id, before + 1))[-1].shown
            assert "/invite" in help_text
            await server.wait_for(lambda: server.pending_updates() == 0)
        async with db.read() as session:
            row = await session.get_one(InboxUpdate, 777)
        await db.dispose()
        assert row.handled_at is not None
        assert len(server.messages_to(boss.id)) == before + 1


async def test_a_bot_killed_right_after_a_burst_was_delivered_handles_each_update_once(
    tmp_path: Path, db_url: str
) -> None:
    await upgrade(db_url)
    db = Database(db_url)
    await teams.create_team(db, "North", timezone="Europe/Warsaw", locale="en", currency="PLN", now=T0)
    code = await teams.create_coordinator_invite(db, "North", T0)
    days = [f"2027-01-{day:02d}" for day in range(1, 21)]
    with BotApiServer() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
        env.update(
            SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=db_url
        )
        boss = server.user(1, "Kasia", language_code="en")

        async def stored() -> int:
            async with db.read() as session:
                return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)

        proc = _start_bot(env, tmp_path)
        try:
            server.send_message(boss, f"/start {code}")
            await server.wait_for_messages(boss.id, 1, timeout=30)
            base = await stored()
            # Holidays (each its own row) and invites: an invite is not idempotent, a new row each
            # time, so an update handled twice would show as an extra invite.
            for day in days:
                server.send_message(boss, f"/holiday {day}")
                server.send_message(boss, "/invite")
            deadline = time.monotonic() + 30
            while await stored() < base + 2 * len(days):
                assert time.monotonic() < deadline, "the burst was never fetched"
                await asyncio.sleep(0.02)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)

        proc = _start_bot(env, tmp_path)
        try:

            async def unhandled() -> int:
                async with db.read() as session:
                    query = select(func.count()).where(InboxUpdate.handled_at.is_(None))
                    return int(await session.scalar(query) or 0)

            deadline = time.monotonic() + 60
            while await unhandled() or server.pending_updates():
                assert time.monotonic() < deadline, "stored updates were not handled after the restart"
                await asyncio.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        assert proc.returncode == 0
    async with db.read() as session:
        holidays = (await session.scalars(select(TeamHoliday.day).order_by(TeamHoliday.day))).all()
        rep_invites = select(func.count()).select_from(Invite).where(Invite.role == Role.REP)
        invites = await session.scalar(rep_invites)
    await db.dispose()
    assert [day.isoformat() for day in holidays] == days
    assert invites == len(days)
