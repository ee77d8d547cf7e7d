"""Migrations: every revision goes up, down and up again, on SQLite and PostgreSQL; the models match them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import downgrade, upgrade
from storage.models import Base
from tests.support.databases import BACKENDS, fresh_database_url


@pytest.mark.parametrize("backend", BACKENDS)
async def test_all_migrations_go_down_to_an_empty_database_and_up_again(backend: str, tmp_path: Path) -> None:
    url = await fresh_database_url(backend, tmp_path)
    await upgrade(url)
    await downgrade(url, "base")
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    assert tables <= {"alembic_version"}
    await upgrade(url)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    await engine.dispose()
    assert set(Base.metadata.tables) <= tables


@pytest.mark.parametrize("backend", BACKENDS)
async def test_models_match_the_migrations(backend: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = await fresh_database_url(backend, tmp_path)
    await upgrade(url)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
