"""Migrations run once, under a lock, however many `salesbot` processes start on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT

PG_URL = os.environ.get("SALESBOT_TEST_DATABASE_URL", "")
PROCESSES = 4

# Each process upgrades on its own, as every `salesbot` subcommand does first.
UPGRADE = "import asyncio, sys; from storage.db import upgrade; asyncio.run(upgrade(sys.argv[1]))"


def _upgrade_at_once(url: str) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


async def _tables(url: str) -> set[str]:
    """The tables of a database that has exactly one Alembic version row."""

    def read(conn: Connection) -> set[str]:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert len(version) == 1
        return set(inspect(conn).get_table_names())

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def test_processes_upgrading_a_fresh_sqlite_file_together_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    results = _upgrade_at_once(url)
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr[-2000:] for r in results]
    assert {"teams", "sales", "members"} <= await _tables(url)


@pytest.fixture
async def fresh_pg_database() -> AsyncIterator[str]:
    if not PG_URL:
        pytest.skip("SALESBOT_TEST_DATABASE_URL is not set")
    name = f"salesbot_lock_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def test_processes_upgrading_a_fresh_postgresql_database_together_all_succeed(
    fresh_pg_database: str,
) -> None:
    results = _upgrade_at_once(fresh_pg_database)
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr[-2000:] for r in results]
    assert {"teams", "sales", "members"} <= await _tables(fresh_pg_database)


def _salesbot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SALESBOT, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


async def _create_beside_run(url: str, cwd: Path) -> None:
    """`salesbot run` and `salesbot team create` started at one moment on a fresh database."""
    with BotApiServer() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
        env.update(
            SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=url
        )
        bot = _salesbot(["run"], env, cwd)
        try:
            create = _salesbot(["team", "create", "North"], env, cwd)
            out, err = create.communicate(timeout=120)
            assert create.returncode == 0, err[-2000:]
            assert out.startswith("created team North")
            # The bot came up on the same database and keeps serving.
            await server.wait_for(lambda: server.polling, timeout=60)
            assert bot.poll() is None
        finally:
            bot.terminate()
            bot.wait(timeout=30)
        assert bot.returncode == 0


async def test_team_create_started_with_the_bot_on_a_fresh_sqlite_file_succeeds(tmp_path: Path) -> None:
    await _create_beside_run(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", tmp_path)


async def test_team_create_started_with_the_bot_on_a_fresh_postgresql_database_succeeds(
    fresh_pg_database: str, tmp_path: Path
) -> None:
    await _create_beside_run(fresh_pg_database, tmp_path)
