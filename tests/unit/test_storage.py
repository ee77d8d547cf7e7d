"""Storage: migrations up/down/up, SQLite settings, the leaderboard's covering index, UTC times."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.services.periods import Period, period_span
from bot.services.results import totals_by_person
from storage.db import Database, downgrade, upgrade
from storage.models import Base
from tests.support.databases import BACKENDS, fresh_database_url


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrations_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
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


async def test_sqlite_connections_use_wal_and_foreign_keys(sqlite_db: Database) -> None:
    async with sqlite_db.write() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000


async def test_leaderboard_query_uses_the_covering_index(sqlite_db: Database) -> None:
    """The ranking reads a UTC range of one team from the index alone, never the table."""
    span = period_span(Period.MONTH, date(2026, 11, 27), ZoneInfo("Europe/Warsaw"))
    statements: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if "FROM sales" in statement:
            statements.append((statement, parameters))

    async with sqlite_db.read() as session:
        conn = await session.connection()
        event.listen(conn.sync_connection, "before_cursor_execute", capture)
        await totals_by_person(session, 1, span)
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
        statement, parameters = statements[0]
        plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()  # type: ignore[arg-type]
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING COVERING INDEX ix_sales_team_occurred" in details, details


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
