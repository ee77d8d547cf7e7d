"""Conversations in progress, kept in the database so a restart (even kill -9) resumes them.

A person has at most one draft: starting a conversation replaces whatever they were doing, and
the typed-message router picks the feature by the draft's kind. Every kind expires the same way:
a draft untouched for `LIFETIME` is dropped when next seen, so a Void pressed days ago cannot
take today's message as its reason.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import Reason, Refused
from storage.db import Database
from storage.models import Draft

LIFETIME = timedelta(minutes=30)


class DraftKind(StrEnum):
    """What a draft is for; the values are stored, so they never change."""

    REPORT = "report"
    VOID = "void"
    SETTINGS = "settings"
    TARGET = "target"
    REWARD_ITEM = "reward_item"
    CONTEST = "contest"
    MEETING = "meeting"
    MEETING_MOVE = "meeting_move"
    CLIENT = "client"
    CLIENT_NOTE = "client_note"
    CONTACT = "contact"
    COMPETITOR = "competitor"
    TASK = "task"
    ANNOUNCE = "announce"
    COMPLAINT = "complaint"
    COMPLAINT_NOTE = "complaint_note"
    CORRECT = "correct"
    KUDOS = "kudos"


def expired(draft: Draft, now: datetime) -> bool:
    return now - draft.updated_at > LIFETIME


async def begin(
    db: Database, person_id: int, kind: DraftKind, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    draft = Draft(
        person_id=person_id,
        kind=kind.value,
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


async def current(db: Database, person_id: int, now: datetime) -> Draft | None:
    """The person's live draft of any kind; an expired one is dropped and refused as such."""
    async with db.read() as session:
        draft = await session.get(Draft, person_id)
    if draft is None:
        return None
    if expired(draft, now):
        await end(db, person_id, draft.token)
        raise Refused(Reason.DRAFT_EXPIRED)
    return draft


async def take(session: AsyncSession, person_id: int, kind: DraftKind, token: str | None) -> Draft:
    """The person's draft of `kind` (with `token`, when a button gives one), locked for this write.

    A missing, replaced or other-kind draft is a stale button.
    """
    draft = await session.get(Draft, person_id, with_for_update=True)
    if draft is None or draft.kind != kind.value or (token is not None and draft.token != token):
        raise Refused(Reason.STALE_BUTTON)
    return draft


async def save_step(
    db: Database, person_id: int, token: str, step: str, data: dict[str, Any], now: datetime
) -> None:
    """Move the person's draft to `step` with `data`, unless a newer draft replaced it."""
    async with db.write() as session:
        draft = await session.get(Draft, person_id, with_for_update=True)
        if draft is None or draft.token != token:
            raise Refused(Reason.STALE_BUTTON)
        draft.step, draft.data, draft.updated_at = step, data, now


async def end(db: Database, person_id: int, token: str | None = None) -> bool:
    """End the person's draft (only the one with `token`, when given); True if one was ended."""
    async with db.write() as session:
        stmt = delete(Draft).where(Draft.person_id == person_id)
        if token is not None:
            stmt = stmt.where(Draft.token == token)
        result = await session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]


def fingerprint(draft: Draft | None) -> str:
    """The draft's state as one string: it changes whenever an answer moves the draft on."""
    if draft is None:
        return "none"
    state = json.dumps([draft.token, draft.kind, draft.step, draft.data], sort_keys=True, default=str)
    return hashlib.sha256(state.encode()).hexdigest()[:32]
