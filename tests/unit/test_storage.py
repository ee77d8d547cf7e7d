"""Storage: SQLite connection settings and the leaderboard query's covering index."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from bot.services.periods import Period, period_span
from bot.services.results import totals_by_person
from storage.db import Database


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
