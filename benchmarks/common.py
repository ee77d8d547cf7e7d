"""Shared pieces: fresh databases, timing statistics and plain-text tables."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")

# Never the test suite's `test` database: the tests drop and recreate its `public` schema.
DEFAULT_PG_URL = os.environ.get(
    "SALESBOT_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/salesbot_bench"
)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq DSN for asyncpg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_pg_database(url: str) -> None:
    """Create the benchmark database when missing (connecting to the `postgres` database)."""
    parsed = make_url(url)
    name = parsed.database
    assert name, "the PostgreSQL URL needs a database name"
    admin_dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def reset_pg_schema(url: str) -> None:
    """Drop and recreate schema `public` of the benchmark database (never the tests' `test`)."""
    if make_url(url).database == "test":
        raise SystemExit("refusing to reset database `test`: the test suite owns it")
    await ensure_pg_database(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Stats:
    runs: int
    median_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Stats:
        assert seconds, "no samples"
        ordered = sorted(seconds)
        # Nearest-rank percentile: the smallest sample with at least 95 % of samples at or below it.
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return cls(len(ordered), statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000)


def ms(value: float) -> str:
    """Milliseconds with about three significant digits."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns (readable as plain text too)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)
