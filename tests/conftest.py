"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.render import Renderer
from storage.db import Database, upgrade
from tests.support.clock import FakeClock
from tests.support.databases import BACKENDS, fresh_database_url


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = await fresh_database_url(request.param, tmp_path)
    await upgrade(url)
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}"
    await upgrade(url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def renderer() -> Iterator[Renderer]:
    yield Renderer()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
