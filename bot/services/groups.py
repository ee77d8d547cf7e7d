"""Team groups as Telegram changes them under us: a group upgraded to a supergroup gets a new id."""

from __future__ import annotations

from bot.services import topics
from bot.services.access import TeamInfo
from storage.db import Database
from storage.queries import teams


async def group_upgraded(db: Database, old_chat_id: int, new_chat_id: int) -> TeamInfo | None:
    """Re-link the team of `old_chat_id` to `new_chat_id` at once, so commands there work before any
    scheduled post would have found out; the team now linked to the new id, if any."""
    async with db.write() as session:
        await teams.move_group(session, old_chat_id, new_chat_id)
        team = await teams.by_group(session, new_chat_id)
    return TeamInfo.of(team) if team is not None else None


async def topic_closed(db: Database, chat_id: int, thread_id: int) -> int | None:
    """The team whose group's topic closed, when that changed where its posts go; else None."""
    async with db.read() as session:
        team = await teams.by_group(session, chat_id)
    if team is None or not await topics.topic_gone(db, team.id, thread_id):
        return None
    return team.id
