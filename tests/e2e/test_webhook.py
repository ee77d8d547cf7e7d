"""`salesbot run --webhook`: real processes, Telegram's posts played by the test over HTTP.

The updates are made by the Bot API test server (so the bot's replies land there), then posted
to the process's `/telegram` as Telegram posts them, with or without the secret header.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.services import inbox, teams
from storage.db import Database
from storage.models import InboxUpdate, Member, Sale
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT
from tests.support.factories import T0
from tests.support.webhook import SECRET, TcpProxy, bot_env, free_port, until_role, webhook_bot


async def _team_with_code(db_url: str) -> str:
    db = Database(db_url)
    try:
        await teams.create_team(db, "North", timezone="Europe/Warsaw", locale="en", currency="PLN", now=T0)
        return await teams.create_coordinator_invite(db, "North", T0)
    finally:
        await db.dispose()


async def _counts(db_url: str, update_id: int) -> tuple[int, int]:
    """(inbox rows of this update, members)."""
    db = Database(db_url)
    try:
        async with db.read() as session:
            rows = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.update_id == update_id)
            )
            members = await session.scalar(select(func.count()).select_from(Member))
        return int(rows or 0), int(members or 0)
    finally:
        await db.dispose()


async def test_setting_the_webhook_names_every_update_type_and_health_says_active(
    tmp_path: Path, db_url: str
) -> None:
    with BotApiServer() as server:
        async with webhook_bot(server, db_url, tmp_path, SALESBOT_WEBHOOK_MAX_CONNECTIONS="7") as bot:
            answer = await bot.health()
            assert answer.status_code == 200
            assert answer.json() == {"role": "active", "database": "ok"}
            call = server.calls_of("setWebhook")[-1]
            assert call["url"].endswith("/telegram") and call["secret_token"] == SECRET
            assert "message_reaction" in call["allowed_updates"]
            assert {"message", "callback_query", "my_chat_member"} <= set(call["allowed_updates"])
            assert int(call["max_connections"]) == 7
        assert bot.proc.returncode == 0  # SIGTERM stops it cleanly


async def test_an_update_without_the_secret_or_with_a_wrong_one_is_refused_and_changes_nothing(
    tmp_path: Path, db_url: str
) -> None:
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        join = server.updates[server.send_message(boss, f"/start {code}")]
        async with webhook_bot(server, db_url, tmp_path) as bot:
            assert await bot.post(join, secret=None) == 403
            assert await bot.post(join, secret="wrong") == 403
            assert await bot.post(join, secret=SECRET + "x") == 403
            assert await _counts(db_url, join["update_id"]) == (0, 0)
            # Nothing was queued either: a later update of the same chat is answered alone.
            help_update = server.updates[server.send_message(boss, "/help")]
            assert await bot.post(help_update) == 200
            await server.wait_for_messages(boss.id, 1, timeout=30)
        assert len(server.messages_to(boss.id)) == 1
        assert "now a coordinator" not in server.messages_to(boss.id)[0].shown
        assert await _counts(db_url, join["update_id"]) == (0, 0)


async def test_the_same_update_posted_twice_has_one_effect(tmp_path: Path, db_url: str) -> None:
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        join = server.updates[server.send_message(boss, f"/start {code}")]
        async with webhook_bot(server, db_url, tmp_path) as bot:
            assert await bot.post(join) == 200
            # Answered 200 only once it is stored.
            assert (await _counts(db_url, join["update_id"]))[0] == 1
            assert await bot.post(join) == 200
            # One chat's updates are handled in order: once /me is answered, both copies were seen.
            me = server.updates[server.send_message(boss, "/me")]
            assert await bot.post(me) == 200
            await server.wait_for_messages(boss.id, 2, timeout=30)
        replies = [m.shown for m in server.messages_to(boss.id)]
        assert len(replies) == 2, replies
        assert "now a coordinator" in replies[0] and "now a coordinator" not in replies[1]
        assert await _counts(db_url, join["update_id"]) == (1, 1)


async def test_a_bad_or_oversized_body_gets_a_4xx_and_the_server_keeps_serving(
    tmp_path: Path, db_url: str
) -> None:
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        async with webhook_bot(server, db_url, tmp_path) as bot:
            assert await bot.post(None, raw=b"{not json") == 400
            assert await bot.post(None, raw=b"\xff\xfe") == 400
            assert await bot.post([1, 2]) == 400
            assert await bot.post({"update_id": "7"}) == 400
            assert await bot.post({"update_id": 7, "message": "not a message"}) == 400
            huge = {"update_id": 8, "padding": "x" * (1024 * 1024)}
            assert await bot.post(huge) == 413
            assert await bot.post(huge, secret="wrong") == 403  # the secret is checked first
            join = server.updates[server.send_message(boss, f"/start {code}")]
            assert await bot.post(join) == 200
            assert "now a coordinator" in (await server.wait_for_messages(boss.id, 1, timeout=30))[0].shown
            assert (await bot.health()).status_code == 200
        db = Database(db_url)
        async with db.read() as session:
            ids = set((await session.scalars(select(InboxUpdate.update_id))).all())
        await db.dispose()
        assert ids == {join["update_id"]}  # none of the refused bodies was stored


async def test_an_update_stored_but_not_handled_is_handled_at_the_next_start(
    tmp_path: Path, db_url: str
) -> None:
    """What a process killed after answering 200 and before handling leaves: resumed at start."""
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        join = server.updates[server.send_message(boss, f"/start {code}")]
        db = Database(db_url)
        await inbox.store(db, [join], T0)
        await db.dispose()
        async with webhook_bot(server, db_url, tmp_path):
            assert "now a coordinator" in (await server.wait_for_messages(boss.id, 1, timeout=30))[0].shown
        assert await _counts(db_url, join["update_id"]) == (1, 1)


async def test_while_the_database_is_unreachable_health_is_503_and_a_posted_update_is_told_and_kept(
    tmp_path: Path, db_url: str
) -> None:
    """An update posted while the database is away gets 500 (Telegram posts it again) and the
    person is told once, in their language, that the bot is temporarily unavailable; posted again
    once the database is back, it is handled."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("cut off through a TCP proxy in front of PostgreSQL")
    code = await _team_with_code(db_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with BotApiServer() as server:
            boss = server.user(1, "Kasia", language_code="pl")
            join = server.updates[server.send_message(boss, f"/start {code}")]
            async with webhook_bot(server, proxied, tmp_path) as bot:
                await proxy.close()
                answer = await bot.health()
                assert answer.status_code == 503
                assert answer.json()["role"] == "active"
                assert await bot.post(join) == 500
                told = await server.wait_for_messages(boss.id, 1, timeout=30)
                assert "Chwilowo nie działam" in told[0].shown, told[0].shown
                assert await bot.post(join) == 500  # Telegram's retry: not told again
                await proxy.open()
                assert (await bot.health()).json() == {"role": "active", "database": "ok"}
                assert await bot.post(join) == 200
                await server.wait_for_messages(boss.id, 2, timeout=30)
            shown = [m.shown for m in server.messages_to(boss.id)]
            assert len(shown) == 2 and "Chwilowo nie działam" not in shown[1], shown
        assert await _counts(db_url, join["update_id"]) == (1, 1)
    finally:
        await proxy.close()


@pytest.mark.parametrize(
    ("unset", "secret", "says"),
    [
        ("SALESBOT_WEBHOOK_URL", SECRET, "SALESBOT_WEBHOOK_URL"),
        ("SALESBOT_WEBHOOK_SECRET", "", "SALESBOT_WEBHOOK_SECRET"),
        ("", "has space", "A-Za-z0-9_-"),
        ("", "x" * 257, "A-Za-z0-9_-"),
    ],
)
def test_webhook_settings_missing_or_bad_are_one_line_and_exit_1(
    tmp_path: Path, unset: str, secret: str, says: str
) -> None:
    with BotApiServer() as server:
        env = bot_env(server, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", free_port())
        env["SALESBOT_WEBHOOK_SECRET"] = secret
        env.pop(unset, None)
        done = subprocess.run(
            [SALESBOT, "run", "--webhook"], env=env, cwd=tmp_path, capture_output=True, timeout=60
        )
    lines = done.stderr.decode().strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and says in lines[0], lines
    assert not (tmp_path / "x.db").exists()  # refused before anything was touched


async def test_a_report_delivered_as_telegram_posts_it_goes_on_after_a_kill_9(
    tmp_path: Path, db_url: str
) -> None:
    """The test server posts each update to the webhook it was given, retrying until a 2xx, as
    Telegram does; while the process is dead the updates wait, and the next process takes them."""
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        server.deliver_to_webhook = True
        boss = server.user(1, "Kasia", language_code="en")

        async def say(text: str) -> str:
            before = len(server.messages_to(boss.id))
            server.send_message(boss, text)
            return (await server.wait_for_messages(boss.id, before + 1, timeout=30))[-1].shown

        async with webhook_bot(server, db_url, tmp_path) as bot:
            assert "now a coordinator" in await say(f"/start {code}")
            assert "Who is the client" in await say("/report")
            assert "What is the amount" in await say("Acme")
            bot.proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(bot.proc.wait, 30)
        assert bot.proc.returncode == -signal.SIGKILL
        server.send_message(boss, "1 234,50")  # posted in vain until a process listens again
        async with webhook_bot(server, db_url, tmp_path) as bot:
            shown = (await server.wait_for_messages(boss.id, 4, timeout=30))[-1].shown
            assert "product" in shown  # the same conversation, at the next step
            assert "Check the sale" in await say("Gadget")
            save = next(data for label, data in server.last_to(boss.id).buttons() if label == "Save")
            before = len(server.callback_answers)
            server.press(boss, server.last_to(boss.id), save)
            await server.wait_for(lambda: len(server.callback_answers) > before, timeout=30)
        assert bot.proc.returncode == 0
    db = Database(db_url)
    async with db.read() as session:
        amounts = (await session.scalars(select(Sale.amount_minor))).all()
    await db.dispose()
    assert amounts == [123450]


def test_a_listen_address_in_use_ends_with_one_line_and_exit_1(tmp_path: Path) -> None:
    with BotApiServer() as server, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = bot_env(server, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", port)
        done = subprocess.run(
            [SALESBOT, "run", "--webhook"], env=env, cwd=tmp_path, capture_output=True, timeout=120
        )
        assert not server.calls_of("setWebhook")  # Telegram is never pointed at another process
    last = done.stderr.decode().strip().splitlines()[-1]
    assert done.returncode == 1 and last == f"salesbot: cannot listen on 127.0.0.1:{port}", last


async def test_a_second_webhook_instance_stands_by_and_takes_over_when_the_active_one_stops(
    tmp_path: Path, db_url: str
) -> None:
    if make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite has no standby: a second run exits (the active lock's own tests)")
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        join = server.updates[server.send_message(boss, "/help")]
        async with webhook_bot(server, db_url, tmp_path) as first:
            calls = len(server.calls_of("setWebhook"))
            async with webhook_bot(server, db_url, tmp_path, active=False) as second:
                assert (await second.health()).json() == {"role": "standby", "database": "ok"}
                assert len(server.calls_of("setWebhook")) == calls  # Telegram stays on the first
                first.proc.send_signal(signal.SIGTERM)
                await asyncio.to_thread(first.proc.wait, 30)
                await server.wait_for(lambda: len(server.calls_of("setWebhook")) > calls, timeout=60)
                url = server.calls_of("setWebhook")[-1]["url"]
                assert url == str(second.client.base_url.join("/telegram"))
                await until_role(second, "active")  # set once setWebhook has answered
                join = server.updates[server.send_message(boss, f"/start {code}")]
                assert await second.post(join) == 200
                reply = await server.wait_for_messages(boss.id, 1, timeout=30)
                assert "now a coordinator" in reply[0].shown


async def test_an_update_posted_to_a_standby_is_stored_and_handled_once_by_the_active_one(
    tmp_path: Path, db_url: str
) -> None:
    """A standby answers 200 only once the update is in the database; the active instance is
    told and handles it (not the standby), and a repost to either has no second effect."""
    if make_url(db_url).get_backend_name() != "postgresql":
        pytest.skip("SQLite has no standby: a second run exits (the active lock's own tests)")
    code = await _team_with_code(db_url)
    with BotApiServer() as server:
        boss = server.user(1, "Kasia", language_code="en")
        join = server.updates[server.send_message(boss, f"/start {code}")]
        async with (
            webhook_bot(server, db_url, tmp_path) as first,
            webhook_bot(server, db_url, tmp_path, active=False) as second,
        ):
            assert (await second.health()).json()["role"] == "standby"
            assert await second.post(join) == 200
            assert (await _counts(db_url, join["update_id"]))[0] == 1  # stored before the 200
            # Well before the half-minute sweep of stranded updates: the active one was told.
            reply = await server.wait_for_messages(boss.id, 1, timeout=20)
            assert "now a coordinator" in reply[0].shown
            assert await second.post(join) == 200
            assert await first.post(join) == 200
            me = server.updates[server.send_message(boss, "/me")]
            assert await first.post(me) == 200
            await server.wait_for_messages(boss.id, 2, timeout=30)
            assert (await second.health()).json()["role"] == "standby"
        replies = [m.shown for m in server.messages_to(boss.id)]
        assert len(replies) == 2 and "now a coordinator" not in replies[1], replies
        assert await _counts(db_url, join["update_id"]) == (1, 1)
        log = second.log.read_text()
        assert "Traceback" not in log, log
