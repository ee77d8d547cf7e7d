"""Which `salesbot run` is the active one: a lock only one process holds, and who holds it.

On PostgreSQL: a session advisory lock on a connection of its own, named after its holder
(`application_name`), so `salesbot status` can read who it is from `pg_stat_activity`. On SQLite:
an OS lock on a file beside the database holding the holder's name; the kernel releases it when
the process dies, so a restart after `kill -9` works at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

# Any 31-bit number of our own, not the migrations' (storage.db.MIGRATION_LOCK_KEY).
ACTIVE_LOCK_KEY = 0x5A1E5B08
# PostgreSQL cuts application_name at 63 bytes.
NAME_MAX = 63
# A database that does not answer a connection in this long is taken as away (asyncpg waits 60 s).
CONNECT_TIMEOUT = 5.0


def holder_name(now: datetime) -> str:
    """`HOST:PID since 2026-12-01T20:31:55Z`, as `salesbot status` prints it."""
    since = f" since {now:%Y-%m-%dT%H:%M:%SZ}"
    host = socket.gethostname()[: NAME_MAX - len(since) - 8]
    return f"{host}:{os.getpid()}{since}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _lock_path(url: str) -> str | None:
    database = make_url(url).database
    return None if not database or database == ":memory:" else f"{database}.active.lock"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ActiveLock:
    """Held by the active instance for as long as it runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._file: IO[str] | None = None
        self._conn: asyncpg.Connection | None = None
        self._name: str | None = None
        self._listeners: list[tuple[str, Callable[[str], None]]] = []

    async def try_acquire(self, now: datetime) -> bool:
        """True when this process holds the lock now. Raises when the database does not answer."""
        if self._file is not None or self._conn is not None:
            return True  # held already (the CLI takes a file lock before the bot starts)
        # Taken again after a broken connection, the holder keeps the name (and `since`) it had.
        name = self._name or holder_name(now)
        if is_sqlite(self.url):
            got = self._try_file(name)
        else:
            got = await self._try_advisory(name)
        if got:
            self._name = name
        return got

    async def _try_advisory(self, name: str) -> bool:
        conn = await asyncpg.connect(
            _dsn(self.url), timeout=CONNECT_TIMEOUT, server_settings={"application_name": name}
        )
        try:
            got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", ACTIVE_LOCK_KEY))
            if got:
                for channel, callback in self._listeners:
                    await conn.add_listener(channel, _relay(callback))
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT)
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """While the lock is held, `callback(payload)` for each NOTIFY on `channel` (PostgreSQL;
        kept when the lock is taken again on a new connection)."""
        self._listeners.append((channel, callback))
        if self._conn is not None:
            await self._conn.add_listener(channel, _relay(callback))

    def _try_file(self, name: str) -> bool:
        path = _lock_path(self.url)
        if path is None:
            return True  # an in-memory database has no second process
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while active
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(name)
        handle.flush()
        self._file = handle
        return True

    async def alive(self) -> bool:
        """Still ours: the lock's connection answers (a file lock cannot be lost)."""
        if self._conn is None:
            return self._file is not None or _lock_path(self.url) is None
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=5)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False
        return True

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                # A connection that broke may not even answer a goodbye: then it is dropped.
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT)
            except Exception:
                conn.terminate()
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None


def _relay(callback: Callable[[str], None]) -> Callable[[Any, int, str, str], None]:
    def relay(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        callback(payload)

    return relay


async def active_holder(url: str) -> str | None:
    """Who holds the active lock now, or None."""
    if is_sqlite(url):
        return _file_holder(url)
    conn = await asyncpg.connect(_dsn(url))
    try:
        name = await conn.fetchval(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 "
            "AND l.objsubid = 1 LIMIT 1",
            ACTIVE_LOCK_KEY,
        )
    finally:
        await conn.close()
    return str(name) if name else None


def _file_holder(url: str) -> str | None:
    path = _lock_path(url)
    if path is None or not os.path.exists(path):
        return None
    with open(path, "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "unknown"
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None
