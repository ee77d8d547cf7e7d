"""`salesbot status`, `salesbot backup` and one active `salesbot run` per SQLite file, from outside."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import upgrade
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(bot_username="north_sales_bot") as s:
        yield s


def environment(server: BotApiServer, url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    environ.update(
        SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=url
    )
    return environ


def salesbot(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SALESBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_status_reports_the_database_schema_active_instance_and_outbox_and_never_upgrades(
    server: BotApiServer, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    env = environment(server, f"sqlite+aiosqlite:///{missing}")
    done = salesbot(env, tmp_path, "status")
    assert (done.returncode, done.stdout) == (1, "database unreachable\n")
    assert not missing.exists()  # status created nothing
    old = tmp_path / "old.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{old}", "0008"))
    done = salesbot(environment(server, f"sqlite+aiosqlite:///{old}"), tmp_path, "status")
    assert done.returncode == 0 and done.stdout.splitlines()[:2] == ["database ok", "schema behind"]
    again = salesbot(environment(server, f"sqlite+aiosqlite:///{old}"), tmp_path, "status")
    assert again.stdout.splitlines()[1] == "schema behind"  # still: status did not upgrade it
    db = tmp_path / "bot.db"
    env = environment(server, f"sqlite+aiosqlite:///{db}")
    assert salesbot(env, tmp_path, "team", "create", "North").returncode == 0
    done = salesbot(env, tmp_path, "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "database ok",
        "schema current",
        "active none",
        "pending 0",
        "unknown 0",
        "failed 0",
    ]


def test_one_run_per_sqlite_file_and_status_names_it(server: BotApiServer, tmp_path: Path) -> None:
    env = environment(server, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    first = subprocess.Popen([SALESBOT, "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        asyncio.run(server.wait_for(lambda: server.polling, timeout=60))
        status = salesbot(env, tmp_path, "status").stdout.splitlines()
        assert re.fullmatch(rf"active .+:{first.pid} since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ", status[2]), (
            status
        )
        second = salesbot(env, tmp_path, "run")
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "another salesbot run is active" in lines[0], second.stderr
        assert first.poll() is None  # the first one keeps running
    finally:
        first.kill()  # SIGKILL: the kernel releases the lock with the process
        first.communicate(timeout=30)
    assert salesbot(env, tmp_path, "status").stdout.splitlines()[2] == "active none"


def test_a_backup_taken_while_ten_writers_insert_is_whole_and_consistent(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    env = environment(server, f"sqlite+aiosqlite:///{db}")
    assert salesbot(env, tmp_path, "team", "create", "North").returncode == 0
    stop = threading.Event()

    def writer(n: int) -> None:
        # Each transaction adds three rows: a copy of a moment between transactions has a multiple of 3.
        conn = sqlite3.connect(db, timeout=30)
        i = 0
        while not stop.is_set():
            with conn:
                for k in range(3):
                    conn.execute(
                        "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, '{}', '2026-12-01')",
                        (n * 10_000_000 + i * 3 + k,),
                    )
            i += 1
        conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    try:
        target = tmp_path / "copy.db"
        done = salesbot(env, tmp_path, "backup", str(target))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(target.resolve())
        refused = salesbot(env, tmp_path, "backup", str(target))
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
        assert "--force" in refused.stderr
        assert salesbot(env, tmp_path, "backup", str(target), "--force").returncode == 0
    finally:
        stop.set()
        for t in threads:
            t.join()
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = copy.execute("SELECT count(*) FROM inbox").fetchone()[0]
    copy.close()
    assert count > 0 and count % 3 == 0


def test_backup_on_postgresql_points_to_pg_dump(server: BotApiServer, tmp_path: Path) -> None:
    env = environment(server, "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    done = salesbot(env, tmp_path, "backup", str(tmp_path / "x.db"))
    assert done.returncode == 1
    assert "pg_dump" in done.stderr and len(done.stderr.strip().splitlines()) == 1
