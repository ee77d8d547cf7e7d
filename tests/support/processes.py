"""Real `salesbot run` processes (long polling) against the Bot API test server, and what the
failover tests need around them: a team of many reps whose nudge the scheduler sends, who is
active, and polling a condition under a deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.callbacks import Prefix, encode
from bot.services import teams
from storage.db import Database
from storage.instance import active_holder
from storage.models import Member, Outbox, OutboxStatus, Person, Role, Team
from tests.support.botapi import BotApiServer, FakeUser
from tests.support.cli import SALESBOT
from tests.support.factories import T0

# How long a started process may take to hold the lock or to stand by, on a loaded 2-core machine.
START_TIMEOUT = 60.0


def run_env(server: BotApiServer, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    env.update(
        SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=db_url
    )
    return env


@dataclass
class Run:
    """One `salesbot run` process, its stderr in a file."""

    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    async def stop(self) -> int:
        """SIGTERM, and the exit code once it is gone."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, 60)


def start_run(env: dict[str, str], cwd: Path, name: str) -> Run:
    log = cwd / f"{name}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([SALESBOT, "run"], env=env, cwd=cwd, stderr=err)
    return Run(proc, log)


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str, *runs: Run) -> None:  # noqa: ASYNC109
    """Poll `check` until it holds; fail after `timeout` seconds (or when one of `runs` died)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        for run in runs:
            if run.proc.poll() is not None:
                raise AssertionError(f"{what}: salesbot exited with {run.proc.returncode}:\n{run.text()}")
        if loop.time() > deadline:
            logs = "\n".join(run.text()[-3000:] for run in runs)
            raise AssertionError(f"{what}: not within {timeout} s\n{logs}")
        await asyncio.sleep(0.1)


async def active_pid(db_url: str) -> int | None:
    """The pid in the active lock holder's name (`HOST:PID since ...`), as `salesbot status` has it."""
    holder = await active_holder(db_url)
    if holder is None:
        return None
    return int(holder.split(" since ")[0].rsplit(":", 1)[1])


async def until_active(db_url: str, run: Run, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
    async def holds() -> bool:
        return await active_pid(db_url) == run.pid

    await until(holds, timeout, f"process {run.pid} active", run)


async def until_standby(run: Run, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
    async def waits() -> bool:
        return "standby: another instance is active" in run.text()

    await until(waits, timeout, f"process {run.pid} standing by", run)


async def team_of(db_url: str, server: BotApiServer, count: int, first_id: int = 5000) -> list[FakeUser]:
    """Team North (UTC, every day a post day, no public holidays) with `count` reps written
    straight into the database; its nudge is not due today until `nudge_now`."""
    db = Database(db_url)
    try:
        await teams.create_team(db, "North", timezone="UTC", locale="en", currency="PLN", now=T0)
        users = [server.user(first_id + i, f"Rep{i:03}", language_code="en") for i in range(count)]
        async with db.write() as session:
            await session.execute(
                update(Team).values(post_days="1,2,3,4,5,6,7", holiday_country=None, nudge_time="23:59")
            )
            session.add_all(
                Person(id=u.id, first_name=u.first_name, language_code="en", created_at=T0, updated_at=T0)
                for u in users
            )
            await session.flush()
            team_id = await session.scalar(select(Team.id))
            session.add_all(
                Member(team_id=team_id, person_id=u.id, role=Role.REP, joined_at=T0) for u in users
            )
        return users
    finally:
        await db.dispose()


async def nudge_now(db_url: str) -> None:
    """Make today's nudge due: its time a minute ago (the scheduler's next tick sends it)."""
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute == 59:  # keep "a minute ago" on today's date
        await asyncio.sleep(61)
        now = datetime.now(UTC)
    at = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))
    db = Database(db_url)
    try:
        async with db.write() as session:
            await session.execute(update(Team).values(nudge_time=f"{at:%H:%M}"))
    finally:
        await db.dispose()


def nudges_to(server: BotApiServer, user: FakeUser) -> int:
    """How many nudges (the message with the Report / No sales buttons) `user` received."""
    prefix = encode(Prefix.NUDGE, "")
    return sum(
        1 for m in server.messages_to(user.id) if any(data.startswith(prefix) for _, data in m.buttons())
    )


def nudged(server: BotApiServer, users: list[FakeUser]) -> int:
    return sum(1 for u in users if nudges_to(server, u))


async def outbox_statuses(db_url: str) -> dict[int, OutboxStatus]:
    """Each nudge row's status, by chat."""
    db = Database(db_url)
    try:
        async with db.read() as session:
            rows = (await session.execute(select(Outbox.chat_id, Outbox.status))).all()
        return {int(chat): OutboxStatus(status) for chat, status in rows}
    finally:
        await db.dispose()
