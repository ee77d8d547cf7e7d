"""Team groups as Telegram changes them under us: a group upgraded to a supergroup gets a new id."""

from __future__ import annotations

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
