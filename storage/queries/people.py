"""Where a person's Telegram id is stored: every column that holds it, by table.

`people.id` is the Telegram id, so erasing a person re-keys them to a new internal id, and every
column listed here follows. A test scans every column of every table after an erasure, so a column
added later and missing here fails it.
"""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Member, Person

# (table, column) of every person id: foreign keys to people and plain BigInteger copies alike.
PERSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("members", "person_id"),
    ("members", "removed_by"),
    ("invites", "created_by"),
    ("invites", "used_by"),
    ("clients", "owner_id"),
    ("client_contacts", "person_id"),
    ("client_notes", "person_id"),
    ("sales", "person_id"),
    ("sales", "voided_by"),
    ("day_marks", "person_id"),
    ("meetings", "created_by"),
    ("meeting_attendees", "person_id"),
    ("targets", "person_id"),
    ("targets", "set_by"),
    ("points", "person_id"),
    ("badges", "person_id"),
    ("redemptions", "person_id"),
    ("redemptions", "decided_by"),
    ("contests", "created_by"),
    ("contest_squads", "person_id"),
    ("contest_results", "person_id"),
    ("celebrations", "person_id"),
    ("team_managers", "person_id"),
    ("competitor_notes", "person_id"),
    ("tasks", "given_by"),
    ("tasks", "assignee_id"),
    ("announcements", "created_by"),
    ("complaints", "reported_by"),
    ("complaint_changes", "person_id"),
    ("sale_corrections", "changed_by"),
    ("days_off", "person_id"),
    ("days_off", "created_by"),
    ("duels", "challenger_id"),
    ("duels", "rival_id"),
    ("duels", "winner_id"),
    ("kudos", "giver_id"),
    ("kudos", "receiver_id"),
    ("cheer_people", "person_id"),
)


def column(table: str, name: str) -> Column[int]:
    return Base.metadata.tables[table].c[name]


def is_former(person_id: int) -> bool:
    """A forgotten person's internal id: negative, so it never meets a Telegram user id."""
    return person_id < 0


def former() -> ColumnElement[bool]:
    return Person.id < 0


async def next_former_id(session: AsyncSession) -> int:
    lowest = await session.scalar(select(func.min(Person.id)))
    return min(lowest or 0, 0) - 1


async def formers_in(session: AsyncSession, team_id: int) -> int:
    """How many forgotten people were members of the team (they are numbered per team)."""
    found = await session.scalar(
        select(func.count(func.distinct(Member.person_id))).where(
            Member.team_id == team_id, Member.person_id < 0
        )
    )
    return int(found or 0)
