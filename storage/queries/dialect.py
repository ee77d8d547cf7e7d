"""Statements that differ by backend. Queries never commit: the calling service owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)


async def insert_ignore(
    session: AsyncSession, model: type[Any], values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when this call inserted the row."""
    stmt = _insert(session, model).values(**values).on_conflict_do_nothing(index_elements=conflict)
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def upsert(
    session: AsyncSession,
    model: type[Any],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    stmt = _insert(session, model).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=conflict, set_={name: stmt.excluded[name] for name in update}
    )
    await session.execute(stmt)


async def notify(session: AsyncSession, channel: str, payload: str) -> None:
    """PostgreSQL's NOTIFY, delivered to the listeners when the transaction commits (nothing on
    SQLite, where no other process listens)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
        )
