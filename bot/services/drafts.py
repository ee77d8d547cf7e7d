"""Conversations in progress, kept in the database so a restart (even kill -9) resumes them.

A person has at most one draft: starting a conversation replaces whatever they were doing, and
the typed-message router picks the feature by the draft's kind.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete

from bot.services.errors import Refused
from storage.db import Database
from storage.models import Draft


async def begin(
    db: Database, person_id: int, kind: str, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    draft = Draft(
        person_id=person_id,
        kind=kind,
        step=step,
        data=data,
        # Buttons carry the token, so a button of a replaced draft cannot move this one.
        token=secrets.token_urlsafe(12),
        started_at=now,
        updated_at=now,
    )
    async with db.write() as session:
        await session.execute(delete(Draft).where(Draft.person_id == person_id))
        session.add(draft)
    return draft


async def save_step(
    db: Database, person_id: int, token: str, step: str, data: dict[str, Any], now: datetime
) -> None:
    """Move the person's draft to `step` with `data`, unless a newer draft replaced it."""
    async with db.write() as session:
        draft = await session.get(Draft, person_id, with_for_update=True)
        if draft is None or draft.token != token:
            raise Refused("stale_button")
        draft.step, draft.data, draft.updated_at = step, data, now


async def end(db: Database, person_id: int, token: str | None = None) -> bool:
    """End the person's draft (only the one with `token`, when given); True if one was ended."""
    async with db.write() as session:
        stmt = delete(Draft).where(Draft.person_id == person_id)
        if token is not None:
            stmt = stmt.where(Draft.token == token)
        result = await session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]
