"""Migrations: every revision goes up, down and up again, on SQLite and PostgreSQL; the models match them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import HEAD_REVISION, alembic_config, downgrade, upgrade
from storage.models import Base
from tests.support.databases import BACKENDS, fresh_database_url

Schema = dict[str, tuple[list[tuple[str, ...]], ...]]


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_the_head_revision_upgrade_checks_first_is_the_newest_migration() -> None:
    """`upgrade` skips Alembic when the database is at HEAD_REVISION: a new migration that left
    it behind would never run on a database that was current before it."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [HEAD_REVISION]


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


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_clients_migration_merges_spellings_into_the_oldest_and_repoints_their_sales(
    backend: str, tmp_path: Path
) -> None:
    """Three spellings of one company at 0008 are one client at 0009: the first spelling, every sale."""
    url = await fresh_database_url(backend, tmp_path)
    await upgrade(url, "0008")
    engine = create_async_engine(url)
    t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    spellings = ["ACME sp. z o.o.", "Acme  Sp. z o.o", "ACME Sp z o o", "Other"]
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO teams (id, name, timezone, locale, currency, created_at) "
                    "VALUES (1, 'North', 'Europe/Warsaw', 'pl', 'PLN', :t), "
                    "(2, 'South', 'Europe/Warsaw', 'pl', 'PLN', :t)"
                ),
                {"t": t0},
            )
            await conn.execute(
                text(
                    "INSERT INTO people (id, first_name, created_at, updated_at) VALUES (10, 'Anna', :t, :t)"
                ),
                {"t": t0},
            )
            await conn.execute(
                text("INSERT INTO members (team_id, person_id, role, joined_at) VALUES (1, 10, 'rep', :t)"),
                {"t": t0},
            )
            rows = [(i + 1, 1, name, " ".join(name.split()).casefold()) for i, name in enumerate(spellings)]
            rows.append((5, 2, "ACME sp. z o.o.", "acme sp. z o.o."))  # another team's stays apart
            for client_id, team_id, name, key in rows:
                await conn.execute(
                    text(
                        "INSERT INTO clients (id, team_id, name, key, created_at) "
                        "VALUES (:i, :team, :n, :k, :t)"
                    ),
                    {
                        "i": client_id,
                        "team": team_id,
                        "n": name,
                        "k": key,
                        "t": t0 + timedelta(minutes=client_id),
                    },
                )
            for sale_id, client_id in ((1, 1), (2, 2), (3, 3), (4, 3), (5, 4)):
                await conn.execute(
                    text(
                        "INSERT INTO sales (id, team_id, person_id, client_id, amount_minor, currency, "
                        "occurred_at, created_at) VALUES (:i, 1, 10, :c, 100, 'PLN', :t, :t)"
                    ),
                    {"i": sale_id, "c": client_id, "t": t0 + timedelta(hours=sale_id)},
                )
        await upgrade(url, "0009")
        async with engine.connect() as conn:
            clients = (
                await conn.execute(text("SELECT id, team_id, name, key, owner_id FROM clients ORDER BY id"))
            ).all()
            sales: dict[int, int] = dict((await conn.execute(text("SELECT id, client_id FROM sales"))).all())
    finally:
        await engine.dispose()
    assert [tuple(c) for c in clients] == [
        (1, 1, "ACME sp. z o.o.", "acme sp z o o", 10),
        (4, 1, "Other", "other", 10),
        (5, 2, "ACME sp. z o.o.", "acme sp z o o", None),
    ]
    assert sales == {1: 1, 2: 1, 3: 1, 4: 1, 5: 4}
