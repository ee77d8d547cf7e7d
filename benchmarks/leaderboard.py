"""The leaderboard query over a large `sales` table: the real `ranking()` against index-bypassing variants.

    /work/venv/bin/python -m benchmarks.leaderboard --backend sqlite --rows 1000000
    /work/venv/bin/python -m benchmarks.leaderboard --backend postgresql --rows 1000000

Seeds a fresh database through the real migrations (teams and reps through the real services,
sales through bulk core inserts), prints the query plans of the real aggregate before and after
ANALYZE, then times, for a day, a week and a month of one team:

* `ranking()` end to end: the service the bot calls (read transaction, aggregate, member names);
* the aggregate's SQL alone, straight on the driver (sqlite3 / asyncpg), in three forms: as the
  service emits it (the covering index range), with `occurred_at` wrapped in a function (only the
  team_id prefix of the index is usable), and with indexes switched off (a full scan).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine, event, func, insert, select
from sqlalchemy.engine.interfaces import DBAPICursor, _DBAPIAnyExecuteParams
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from benchmarks.common import (
    DEFAULT_PG_URL,
    Backend,
    Stats,
    asyncpg_dsn,
    ms,
    remove_sqlite_files,
    reset_pg_schema,
    sqlite_url,
    table,
)
from bot.services import teams
from bot.services.access import TeamInfo
from bot.services.periods import Period, period_span
from bot.services.report import name_key
from bot.services.results import member_totals, ranking, team_today
from storage.db import Database, upgrade
from storage.models import Base, Sale
from tests.support.factories import make_member, make_team

# A Sunday, the last day of a month, late evening in Warsaw (CEST): the day, the ISO week and the
# calendar month that hold it are all complete, so each window holds its full share of the year.
NOW = datetime(2026, 5, 31, 21, 30, tzinfo=UTC)
HISTORY = timedelta(days=365)
TIMEZONE = "Europe/Warsaw"
CHUNK = 10_000
CLIENTS_PER_TEAM = 50
PRODUCTS_PER_TEAM = 10
VOIDED_SHARE = 0.02
SALES = Base.metadata.tables["sales"]
CLIENTS = Base.metadata.tables["clients"]
PRODUCTS = Base.metadata.tables["products"]


@dataclass(frozen=True)
class Seeded:
    team: TeamInfo
    rows: int
    seconds: float


@dataclass(frozen=True)
class Query:
    """One statement exactly as the driver received it."""

    sql: str
    params: tuple[Any, ...]


# --- seeding -----------------------------------------------------------------------------------


async def _named_rows(conn: AsyncConnection, team_ids: Sequence[int]) -> tuple[dict[int, list[int]], ...]:
    for table_, prefix, per_team in (
        (CLIENTS, "Client", CLIENTS_PER_TEAM),
        (PRODUCTS, "Product", PRODUCTS_PER_TEAM),
    ):
        rows = [
            {
                "team_id": tid,
                "name": f"{prefix} {i}",
                "key": name_key(f"{prefix} {i}"),
                "created_at": NOW - HISTORY,
            }
            for tid in team_ids
            for i in range(per_team)
        ]
        await conn.execute(insert(table_), rows)
    out: list[dict[int, list[int]]] = []
    for table_ in (CLIENTS, PRODUCTS):
        ids: dict[int, list[int]] = {tid: [] for tid in team_ids}
        for row_id, tid in await conn.execute(select(table_.c.id, table_.c.team_id)):
            ids[tid].append(row_id)
        out.append(ids)
    return tuple(out)


def _sales(
    rows: int,
    reps: dict[int, list[int]],
    clients: dict[int, list[int]],
    products: dict[int, list[int]],
    rng: random.Random,
) -> Iterator[list[dict[str, Any]]]:
    """Chunks of sales in time order (as they arrive in real life), spread over the year before NOW."""
    start = NOW - HISTORY
    seconds = HISTORY.total_seconds()
    offsets = sorted(rng.random() * seconds for _ in range(rows))
    team_ids = list(reps)
    chunk: list[dict[str, Any]] = []
    for i, offset in enumerate(offsets):
        tid = rng.choice(team_ids)
        at = start + timedelta(seconds=offset)
        voided = rng.random() < VOIDED_SHARE
        chunk.append(
            {
                "team_id": tid,
                "person_id": rng.choice(reps[tid]),
                "client_id": rng.choice(clients[tid]),
                "product_id": rng.choice(products[tid]) if rng.random() < 0.5 else None,
                "amount_minor": rng.randrange(1_000, 500_000),
                "currency": "PLN",
                "occurred_at": at,
                "created_at": at,
                "draft_token": f"seed{i:011d}",
                "voided_at": at + timedelta(hours=1) if voided else None,
                "voided_by": reps[tid][0] if voided else None,
                "void_reason": "duplicate" if voided else None,
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _insert_chunk(conn: AsyncConnection, chunk: list[dict[str, Any]], copy: bool) -> None:
    if not copy:
        await conn.execute(insert(SALES), chunk)
        return
    # PostgreSQL's COPY through asyncpg: the fast path, for when executemany is too slow.
    raw = await conn.get_raw_connection()
    columns = list(chunk[0])
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        "sales", records=[tuple(row[c] for c in columns) for row in chunk], columns=columns
    )


async def seed(url: str, backend: Backend, n_teams: int, n_reps: int, rows: int, copy: bool) -> Seeded:
    db = Database(url)
    reps: dict[int, list[int]] = {}
    infos: list[TeamInfo] = []
    try:
        for t in range(n_teams):
            name = await make_team(db, f"Team {t + 1:02d}", timezone=TIMEZONE)
            info = await teams.find_team(db, name)
            infos.append(info)
            reps[info.id] = []
            for r in range(n_reps):
                person_id = 1_000_000 + 1000 * (t + 1) + r
                await make_member(db, name, person_id, first_name=f"Rep {t + 1:02d}-{r + 1:02d}")
                reps[info.id].append(person_id)
    finally:
        await db.dispose()

    engine = create_async_engine(url)
    if backend == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            # Seeding only: the bot itself always runs with synchronous=NORMAL.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    rng = random.Random(20260531)
    started = time.perf_counter()
    try:
        async with engine.begin() as conn:
            clients, products = await _named_rows(conn, list(reps))
        done = 0
        for chunk in _sales(rows, reps, clients, products, rng):
            async with engine.begin() as conn:
                await _insert_chunk(conn, chunk, copy)
            done += len(chunk)
            if done % 100_000 == 0:
                print(f"  seeded {done:>9,} sales  {time.perf_counter() - started:6.1f} s", flush=True)
    finally:
        await engine.dispose()
    return Seeded(infos[0], rows, time.perf_counter() - started)


async def existing(url: str) -> Seeded:
    db = Database(url)
    try:
        info = await teams.find_team(db, "Team 01")
        async with db.read() as session:
            rows = int(await session.scalar(select(func.count()).select_from(Sale)) or 0)
    finally:
        await db.dispose()
    return Seeded(info, rows, 0.0)


# --- the statements ----------------------------------------------------------------------------


async def capture_aggregates(db: Database, team: TeamInfo) -> dict[Period, Query]:
    """The aggregate the leaderboard (`member_totals`) sends for each period, as the driver
    received it."""
    seen: list[Query] = []

    def listener(
        _conn: Connection,
        _cursor: DBAPICursor,
        statement: str,
        parameters: _DBAPIAnyExecuteParams,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if "FROM sales" in statement:
            seen.append(Query(statement, tuple(parameters)))

    out: dict[Period, Query] = {}
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        for period in Period:
            span = period_span(period, team_today(team, NOW), ZoneInfo(team.timezone))
            async with db.read() as session:
                await member_totals(session, team.id, span)
            out[period] = seen.pop()
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    return out


_OCCURRED = re.compile(r"\bsales\.occurred_at (>=|<) ")


def function_wrapped(query: Query) -> Query:
    """The classic mistake: the column inside a function, so its index range cannot be used."""
    sql, n = _OCCURRED.subn(r"coalesce(sales.occurred_at, sales.occurred_at) \1 ", query.sql)
    assert n == 2, query.sql
    return Query(sql, query.params)


def not_indexed(query: Query) -> Query:
    """SQLite only: `NOT INDEXED` forbids every index on the table (a full table scan)."""
    assert query.sql.count("FROM sales") == 1, query.sql
    return Query(query.sql.replace("FROM sales", "FROM sales NOT INDEXED"), query.params)


PG_NO_INDEX = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")


# --- drivers -----------------------------------------------------------------------------------


class Driver:
    """The aggregate's SQL straight on the database driver: no pool, no ORM, no thread hop."""

    async def run(self, query: Query) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    async def plan(self, query: Query) -> list[str]:
        raise NotImplementedError

    async def execute(self, sql: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SqliteDriver(Driver):
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    async def run(self, query: Query) -> list[tuple[Any, ...]]:
        return self.conn.execute(query.sql, query.params).fetchall()

    async def plan(self, query: Query) -> list[str]:
        rows = self.conn.execute("EXPLAIN QUERY PLAN " + query.sql, query.params).fetchall()
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + str(detail))
        return lines

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    async def close(self) -> None:
        self.conn.close()


class PgDriver(Driver):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    async def connect(cls, url: str) -> PgDriver:
        return cls(await asyncpg.connect(asyncpg_dsn(url)))

    async def run(self, query: Query) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.conn.fetch(query.sql, *query.params)]

    async def plan(self, query: Query) -> list[str]:
        rows = await self.conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query.sql, *query.params)
        return [str(r[0]) for r in rows]

    async def generic_plan(self, query: Query) -> list[str]:
        """The plan a long-lived prepared statement may switch to (PostgreSQL 15 has no GENERIC_PLAN)."""
        await self.conn.execute(f"PREPARE bench_generic AS {query.sql}")
        await self.conn.execute("SET plan_cache_mode = force_generic_plan")
        try:
            args = ", ".join(_pg_literal(p) for p in query.params)
            rows = await self.conn.fetch(f"EXPLAIN (COSTS OFF) EXECUTE bench_generic({args})")
        finally:
            await self.conn.execute("RESET plan_cache_mode")
            await self.conn.execute("DEALLOCATE bench_generic")
        return [str(r[0]) for r in rows]

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def close(self) -> None:
        await self.conn.close()


def _pg_literal(value: Any) -> str:
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    return str(int(value))


# --- timing ------------------------------------------------------------------------------------


async def timed(fn: Callable[[], Awaitable[Any]], runs: int, warmup: int) -> Stats:
    for _ in range(warmup):
        await fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return Stats.of(samples)


@dataclass(frozen=True)
class PeriodResult:
    period: Period
    sales: int
    ranking: Stats
    index: Stats
    wrapped: Stats
    full: Stats


def bypassed_full(backend: Backend, query: Query) -> tuple[Query, list[str], list[str]]:
    """(query, statements to run before, statements to run after) for a full scan."""
    if backend == "sqlite":
        return not_indexed(query), [], []
    # A different text: asyncpg prepares it anew while the settings are off. The original statement is
    # already prepared, and a cached generic plan is not replanned when a setting changes.
    full = Query("/* indexes off */ " + query.sql, query.params)
    return full, [f"SET {name} = off" for name in PG_NO_INDEX], [f"RESET {name}" for name in PG_NO_INDEX]


async def show_plans(driver: Driver, backend: Backend, stage: str, queries: dict[Period, Query]) -> None:
    label = "EXPLAIN QUERY PLAN" if backend == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS)"
    for period in (Period.MONTH,) if stage != "final" else tuple(Period):
        print(f"\n{label} — real aggregate, {period}, {stage}:")
        for line in await driver.plan(queries[period]):
            print("    " + line)


async def bench(args: argparse.Namespace) -> None:
    backend: Backend = args.backend
    if backend == "sqlite":
        url = sqlite_url(Path(args.sqlite_path))
        fresh = not args.sqlite_kept
    else:
        url = args.pg_url
        fresh = True
        if args.reuse:
            try:
                fresh = (await existing(url)).rows != args.rows
            except Exception:
                fresh = True
        if fresh:
            await reset_pg_schema(url)

    if fresh:
        await upgrade(url)
        print(
            f"seeding {args.rows:,} sales for {args.teams} teams x {args.reps} reps on {backend} ...",
            flush=True,
        )
        seeded = await seed(url, backend, args.teams, args.reps, args.rows, copy=args.pg_copy)
        print(f"seeded in {seeded.seconds:.1f} s ({seeded.rows / seeded.seconds:,.0f} rows/s)")
    else:
        seeded = await existing(url)
        print(f"reusing {seeded.rows:,} sales already seeded")
    team = seeded.team

    db = Database(url)
    driver: Driver = (
        SqliteDriver(Path(args.sqlite_path)) if backend == "sqlite" else await PgDriver.connect(url)
    )
    try:
        queries = await capture_aggregates(db, team)
        print("\nthe real aggregate (month), as sent to the driver:")
        print("    " + queries[Period.MONTH].sql.replace("\n", "\n    "))
        print(f"    params: {queries[Period.MONTH].params}")

        if fresh:
            await show_plans(driver, backend, "before ANALYZE", queries)
            await driver.execute("ANALYZE")
            if backend == "postgresql":
                await show_plans(driver, backend, "after ANALYZE, before VACUUM", queries)
                # Index-only scans skip the heap only for pages the visibility map marks all-visible;
                # only VACUUM sets it (autovacuum does in production; it is off on this server).
                await driver.execute("VACUUM (ANALYZE)")
        await show_plans(driver, backend, "final", queries)
        if isinstance(driver, PgDriver):
            print("\ngeneric plan (plan_cache_mode=force_generic_plan), month:")
            for line in await driver.generic_plan(queries[Period.MONTH]):
                print("    " + line)

        results = []
        for period in Period:
            query = queries[period]
            expected = sorted(await driver.run(query))
            sales = sum(int(row[2]) for row in expected)
            print(f"\n{period}: {sales:,} non-voided sales of team {team.name!r} in the window", flush=True)

            async def real_ranking(p: Period = period) -> None:
                await ranking(db, team, p, NOW)

            async def run(q: Query) -> None:
                await driver.run(q)

            ranked = await timed(real_ranking, args.runs, args.warmup)
            index = await timed(partial(run, query), args.runs, args.warmup)
            wrapped_q = function_wrapped(query)
            if period is Period.MONTH:
                print("  plan, occurred_at wrapped in coalesce():")
                for line in await driver.plan(wrapped_q):
                    print("      " + line)
            assert sorted(await driver.run(wrapped_q)) == expected, "coalesce() variant disagrees"
            wrapped = await timed(partial(run, wrapped_q), args.slow_runs, 2)
            full_q, before, after = bypassed_full(backend, query)
            for sql in before:
                await driver.execute(sql)
            try:
                if period is Period.MONTH:
                    print("  plan, indexes off:")
                    for line in await driver.plan(full_q):
                        print("      " + line)
                assert sorted(await driver.run(full_q)) == expected, "full-scan variant disagrees"
                full = await timed(partial(run, full_q), args.slow_runs, 2)
            finally:
                for sql in after:
                    await driver.execute(sql)
            results.append(PeriodResult(period, sales, ranked, index, wrapped, full))
            print(
                f"  ranking() {ms(ranked.median_ms)} ms, index {ms(index.median_ms)} ms, "
                f"wrapped {ms(wrapped.median_ms)} ms, full {ms(full.median_ms)} ms",
                flush=True,
            )
    finally:
        await driver.close()
        await db.dispose()

    print(f"\n{backend}, {seeded.rows:,} sales, {args.teams} teams x {args.reps} reps")
    print("times in ms, median / p95")
    print(
        table(
            [
                "period",
                "sales in window",
                "ranking()",
                "SQL, index",
                "SQL, column in function",
                "SQL, full scan",
                "function / index",
                "full / index",
            ],
            [
                [
                    str(r.period),
                    f"{r.sales:,}",
                    f"{ms(r.ranking.median_ms)} / {ms(r.ranking.p95_ms)}",
                    f"{ms(r.index.median_ms)} / {ms(r.index.p95_ms)}",
                    f"{ms(r.wrapped.median_ms)} / {ms(r.wrapped.p95_ms)}",
                    f"{ms(r.full.median_ms)} / {ms(r.full.p95_ms)}",
                    f"{r.wrapped.median_ms / r.index.median_ms:,.0f}x",
                    f"{r.full.median_ms / r.index.median_ms:,.0f}x",
                ]
                for r in results
            ],
        )
    )
    print(
        f"runs: ranking() and SQL, index {args.runs} (+{args.warmup} warm-up); "
        f"bypassed variants {args.slow_runs} (+2 warm-up)"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.leaderboard", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000, help="sales to seed (default 1,000,000)")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--reps", type=int, default=20, help="reps per team")
    parser.add_argument("--runs", type=int, default=200, help="timed runs of the indexed query and ranking()")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--slow-runs", type=int, default=20, help="timed runs of the index-bypassing variants"
    )
    parser.add_argument("--sqlite-path", default="/tmp/salesbot_bench_leaderboard.sqlite3")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--pg-copy", action="store_true", help="seed PostgreSQL with COPY instead of INSERTs")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    args.sqlite_kept = False
    if args.backend == "sqlite":
        path = Path(args.sqlite_path)
        args.sqlite_kept = args.reuse and path.exists()
        if not args.sqlite_kept:
            remove_sqlite_files(path)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
