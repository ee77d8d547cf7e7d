"""Migrations: every revision goes up, down and up again, on SQLite and PostgreSQL; the models match them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import alembic_config, downgrade, upgrade
from storage.models import Base
from tests.support.databases import BACKENDS, fresh_database_url

Schema = dict[str, tuple[list[tuple[str, ...]], ...]]


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def schema_of(conn: Connection) -> Schema:
    """Tables with their columns, indexes, foreign keys and unique constraints, in a comparable form."""
    inspector = inspect(conn)
    tables = sorted(set(inspector.get_table_names()) - {"alembic_version"})
    return {
        table: (
            sorted((c["name"], str(c["type"]), str(c["nullable"])) for c in inspector.get_columns(table)),
            sorted(
                (str(i["name"]), str(i["column_names"]), str(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            sorted(
                (str(f["constrained_columns"]), str(f["referred_table"]), str(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
            sorted((str(u["column_names"]),) for u in inspector.get_unique_constraints(table)),
        )
        for table in tables
    }


@pytest.mark.parametrize("backend", BACKENDS)
async def test_each_revision_goes_up_down_and_up_again_leaving_the_schema_it_found(
    backend: str, tmp_path: Path
) -> None:
    """The stairway: a downgrade that leaves anything behind, or takes too much, fails here."""
    url = await fresh_database_url(backend, tmp_path)
    engine = create_async_engine(url)
    steps = revisions()
    assert steps[0] == "0001" and len(steps) == len(set(steps))
    previous = "base"
    try:
        for revision in steps:
            async with engine.connect() as conn:
                before = await conn.run_sync(schema_of)
            await upgrade(url, revision)
            async with engine.connect() as conn:
                after_up = await conn.run_sync(schema_of)
            assert after_up != before, f"{revision} changed nothing"
            await downgrade(url, previous)
            async with engine.connect() as conn:
                assert await conn.run_sync(schema_of) == before, f"{revision} down is not what {previous} was"
            await upgrade(url, revision)
            async with engine.connect() as conn:
                assert await conn.run_sync(schema_of) == after_up, f"{revision} up again differs"
            previous = revision
    finally:
        await engine.dispose()


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
    url = await fresh_database_url(backend, tmp_path)
    await upgrade(url)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
