"""Fresh databases for tests: a new SQLite file, or PostgreSQL's `public` schema emptied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

PG_URL = os.environ.get("SALESBOT_TEST_DATABASE_URL", "")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="SALESBOT_TEST_DATABASE_URL is not set"),
    ),
]


# Under pytest-xdist each worker empties its own database ("test_gw0", ...), created when missing.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_worker_url: str | None = None


async def worker_url() -> str:
    global _worker_url
    if not WORKER:
        return PG_URL
    if _worker_url is None:
        name = f"{make_url(PG_URL).database}_{WORKER}"
        admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                found = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
                if not found:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()
        _worker_url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return _worker_url


async def fresh_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}"
    url = await worker_url()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return url
