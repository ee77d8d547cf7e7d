"""An online, consistent copy of a SQLite database while the bot writes to it (SQLite's backup API)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import BUSY_TIMEOUT_MS


def is_sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and bool(parsed.database) and parsed.database != ":memory:"


def _copy(source: str, target: Path) -> None:
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step: the copy is one snapshot, whatever the writers do meanwhile.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single file, ready to be copied away
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)  # a FILE never holds half a copy


async def backup(url: str, target: Path) -> None:
    database = make_url(url).database
    assert database
    await asyncio.to_thread(_copy, database, target)
