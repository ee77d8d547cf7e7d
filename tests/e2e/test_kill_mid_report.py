"""`salesbot run` killed with SIGKILL in the middle of /report, then started again."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from sqlalchemy import func, select, update

from bot.services import teams
from storage.db import Database, upgrade
from storage.models import Draft, InboxUpdate, Sale
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT
from tests.support.factories import T0
from tests.support.harness import running_bot


def start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SALESBOT, "run"], env=env, cwd=cwd, stderr=subprocess.DEVNULL)


async def test_kill_9_mid_report_resumes_at_the_same_step(tmp_path: Path, db_url: str) -> None:
    await upgrade(db_url)
    db = Database(db_url)
    await teams.create_team(db, "North", timezone="Europe/Warsaw", locale="en", currency="PLN", now=T0)
    code = await teams.create_coordinator_invite(db, "North", T0)
    with BotApiServer() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
        env.update(
            SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=db_url
        )
        boss = server.user(1, "Kasia", language_code="en")

        async def say(text: str) -> str:
            before = len(server.messages_to(boss.id))
            server.send_message(boss, text)
            return (await server.wait_for_messages(boss.id, before + 1, timeout=30))[-1].shown

        proc = start_bot(env, tmp_path)
        try:
            assert "coordinator" in await say(f"/start {code}")
            assert "Who is the client" in await say("/report")
            assert "What is the amount" in await say("Acme")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        proc = start_bot(env, tmp_path)
        try:
            assert "product" in await say("1 234,50")  # the same step, after the kill
            async with db.read() as session:
                assert await session.scalar(select(func.count()).select_from(Sale)) == 0
            card = await say("Gadget")
            assert "Check the sale" in card
            save = next(data for label, data in server.last_to(boss.id).buttons() if label == "Save")
            before = len(server.callback_answers)
            server.press(boss, server.last_to(boss.id), save)
            await server.wait_for(lambda: len(server.callback_answers) > before, timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        assert proc.returncode == 0
    async with db.read() as session:
        amounts = (await session.scalars(select(Sale.amount_minor))).all()
    await db.dispose()
    assert amounts == [123450]


async def test_a_typed_answer_resumed_after_its_effect_does_not_answer_the_next_step(db_url: str) -> None:
    """The process died after the answer moved the draft on and before the update was marked
    handled: handed out again at the next start, the answer is not given to the next step too."""
    with BotApiServer() as server:
        async with running_bot(db_url, server=server) as h:
            boss = server.user(1, "Kasia", language_code="en")
            await h.coordinator(boss, locale="en")
            await h.say(boss, "/report")
            # "500" is a client's name here, and would be a valid amount at the next step.
            assert "What is the amount" in (await h.say(boss, "500"))[0].shown
            answer_id = max(u for u in server.updates)
        async with h.db.write() as session:  # the state a kill between effect and mark leaves
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == answer_id)
                .values(started_at=None, handled_at=None)
            )
        async with running_bot(db_url, server=server) as h:
            await h.settle(boss)
            async with h.db.read() as session:
                draft = await session.get_one(Draft, boss.id)
                handled = await session.scalar(
                    select(InboxUpdate.handled_at).where(InboxUpdate.update_id == answer_id)
                )
            assert draft.step == "amount" and draft.data["client"] == "500"
            assert draft.data.get("amount_minor") is None and handled is not None
            assert "product" in (await h.say(boss, "1 234,50"))[0].shown  # the conversation goes on
