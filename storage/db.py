"""Engines, sessions and migrations.

`Database.write()` is one write transaction: on SQLite it begins IMMEDIATE, because a deferred
read-then-write transaction gets SQLITE_BUSY at once and ignores the busy timeout.
`Database.read()` is for queries only. Neither is ever held across a call to Telegram: services
open, use and close them.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 10_000
# The newest migration. `upgrade` compares the database's revision with it before it loads
# Alembic at all: importing Alembic and its migration scripts was a fifth of the bot's start-up,
# for a schema that is current at nearly every start. A test holds it to the scripts' head.
HEAD_REVISION = "0024"


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        # SQLite has one writer at a time, and a blocked writer waits in SQLite's busy handler,
        # which polls with sleeps of up to 100 ms. Queueing this process's writers on a lock
        # hands the file over at once: measured 5-9x the throughput of 20-50 concurrent saves
        # (benchmarks/README.md). Other processes still meet the busy timeout. Write
        # transactions never nest, so the lock cannot deadlock.
        self._write_lock: asyncio.Lock | None = None
        if _is_sqlite(url):
            self.engine = _sqlite_engine(url, immediate=True)
            self._read_engine = _sqlite_engine(url, immediate=False)
            self._write_lock = asyncio.Lock()
        else:
            self.engine = create_async_engine(url, pool_pre_ping=True)
            self._read_engine = self.engine
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self._read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back on an error."""
        if self._write_lock is None:
            async with self._writer() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raises unless the database answers a query right now (the health check)."""
        async with self._reader() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    # The migrations ship inside the package: found next to the code, never via the working dir.
    script_location = str(resources.files("storage") / "migrations")
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any 64-bit number of our own: every salesbot process upgrading one PostgreSQL database takes it.
MIGRATION_LOCK_KEY = 0x5A1E5B07


def _lock_beside(url: str) -> IO[bytes] | None:
    """On SQLite: an OS lock on a file beside the database, held until the returned file is closed.

    SQLite's own locks do not cover "read the version, then create tables": two processes started
    together both see an empty database. The lock file is never removed (removing it while another
    process waits on it would let a third one in). Blocking: call it in a worker thread.
    """
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    handle = open(f"{database}.migrate.lock", "a+b")  # noqa: SIM115 - closed by the caller
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


async def _run_alembic(url: str, action: str, revision: str) -> None:
    """One Alembic command, one process at a time per database: the others wait, then find
    nothing left to do (a PostgreSQL advisory lock, or a file lock beside the SQLite file)."""
    if not _is_sqlite(url):
        await _alembic(url, action, revision, advisory=True)
        return
    lock = await asyncio.to_thread(_lock_beside, url)
    try:
        await _alembic(url, action, revision, advisory=False)
    finally:
        if lock is not None:
            lock.close()  # closing the file releases the lock


async def _alembic(url: str, action: str, revision: str, *, advisory: bool) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            if advisory:
                # Released when this transaction ends, after the migrations' DDL has committed.
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})

            def run(sync_conn: Connection) -> None:
                from alembic import command

                cfg = alembic_config(url)
                cfg.attributes["connection"] = sync_conn
                getattr(command, action)(cfg, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    if revision == "head" and await _revision_of(url) == HEAD_REVISION:
        return  # current: nothing to run, nothing to lock
    await _run_alembic(url, "upgrade", revision)


async def _revision_of(url: str) -> str | None:
    """The database's one Alembic revision, or None (no schema yet, several heads, no answer:
    the full upgrade then decides, under its lock)."""
    if database_missing(url):
        return None
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except Exception:  # no alembic_version table yet, or the database is away: upgrade says which
        return None
    finally:
        await engine.dispose()
    return str(rows[0][0]) if len(rows) == 1 else None


async def downgrade(url: str, revision: str) -> None:
    await _run_alembic(url, "downgrade", revision)


def upgrade_sync(url: str) -> None:
    asyncio.run(upgrade(url))


def database_missing(url: str) -> bool:
    """A SQLite file that is not there (connecting would create an empty one)."""
    if not _is_sqlite(url):
        return False
    database = make_url(url).database
    return database is not None and database not in ("", ":memory:") and not Path(database).exists()


async def schema_is_current(db: Database) -> bool:
    """The database's revision is the newest migration's (read only: nothing is upgraded)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(db.url)).get_heads())

    def current(sync_conn: Connection) -> set[str]:
        return set(MigrationContext.configure(sync_conn).get_current_heads())

    async with db.engine.connect() as conn:
        return await conn.run_sync(current) == heads


def is_unavailable(error: BaseException | None) -> bool:
    """The database could not be reached or answered (down, cut off, locked too long): an outage to
    wait out, not a bug. Looks through the chain of causes, as drivers wrap their errors."""
    from sqlalchemy import exc

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(
            error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError | exc.DisconnectionError
        ):
            return True
        if isinstance(error, ConnectionError | TimeoutError) or type(error).__name__ in _DRIVER_OUTAGES:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


# asyncpg's own names for a connection that is gone (not imported: SQLite installs need not have it).
_DRIVER_OUTAGES = {
    "ConnectionDoesNotExistError",
    "CannotConnectNowError",
    "ConnectionFailureError",
    "InterfaceError",
    "AdminShutdownError",
    "ConnectionRejectionError",
}
