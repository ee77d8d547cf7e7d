"""What the team's competitor notes say: the coordinator's /competitors and the weekly digest's part.

Notes stay with the team: a removed rep's notes are still listed (under the name they had) and
counted. Day boundaries are the team's local midnights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.services.access import Actor, TeamInfo
from bot.services.paging import matching
from bot.services.parsing import client_key
from bot.services.periods import Span, local_date, local_midnight
from storage.db import Database
from storage.models import Client, Competitor, CompetitorKind, CompetitorNote, Person

# /competitors reads this many local days back, today included.
LIST_DAYS = 30
# The digest quotes each competitor's latest note, cut to this many characters.
QUOTE_MAX = 200


@dataclass(frozen=True)
class NoteLine:
    kind: str
    text: str
    at: datetime
    by: str
    client: str | None


@dataclass(frozen=True)
class CompetitorNotes:
    competitor_id: int
    name: str
    notes: list[NoteLine] = field(default_factory=list)  # newest first


@dataclass(frozen=True)
class NotesList:
    since: datetime
    timezone: str
    competitors: list[CompetitorNotes]
    query: str = ""

    @property
    def total(self) -> int:
        return sum(len(c.notes) for c in self.competitors)


@dataclass(frozen=True)
class WeekSummary:
    """One competitor's week: how many notes of each kind, and the latest note's text."""

    name: str
    counts: list[tuple[str, int]]  # (kind, count) in CompetitorKind order, the kinds seen only
    latest: str

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


async def _grouped(db: Database, team_id: int, start: datetime, end: datetime) -> list[CompetitorNotes]:
    """The team's notes in [start, end) by competitor, newest note first within each."""
    async with db.read() as session:
        rows = await session.execute(
            select(CompetitorNote, Competitor.id, Competitor.name, Person, Client.name)
            .join(Competitor, Competitor.id == CompetitorNote.competitor_id)
            .join(Person, Person.id == CompetitorNote.person_id)
            .outerjoin(Client, Client.id == CompetitorNote.client_id)
            .where(
                CompetitorNote.team_id == team_id,
                CompetitorNote.created_at >= start,
                CompetitorNote.created_at < end,
            )
            .order_by(CompetitorNote.created_at.desc(), CompetitorNote.id.desc())
        )
        groups: dict[int, CompetitorNotes] = {}
        for note, competitor_id, name, person, client in rows:
            group = groups.setdefault(competitor_id, CompetitorNotes(competitor_id, name))
            group.notes.append(NoteLine(note.kind, note.text, note.created_at, person.display_name, client))
    # The most noted first, then by name.
    return sorted(groups.values(), key=lambda g: (-len(g.notes), g.name.casefold(), g.competitor_id))


async def recent(db: Database, actor: Actor, now: datetime, query: str = "") -> NotesList:
    """The coordinator's view: the last `LIST_DAYS` local days of notes, by competitor."""
    team = actor.require_coordinator()
    since = local_midnight(local_date(now, team.zone) - timedelta(days=LIST_DAYS - 1), team.zone)
    groups = await _grouped(db, team.id, since, now + timedelta(seconds=1))
    found = matching(groups, query, lambda g: f"{g.name} {client_key(g.name)}")  # any spelling
    return NotesList(since, team.timezone, found, query)


def _quote(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= QUOTE_MAX else line[: QUOTE_MAX - 1].rstrip() + "…"


async def week_summary(db: Database, team: TeamInfo, week: Span) -> list[WeekSummary]:
    """The week's notes by competitor and kind, most noted first, with the latest note of each."""
    groups = await _grouped(db, team.id, week.start, week.end)
    order = list(CompetitorKind)
    out = []
    for group in groups:
        kinds = [note.kind for note in group.notes]
        counts: list[tuple[str, int]] = [(str(k), kinds.count(k)) for k in order if k in kinds]
        out.append(WeekSummary(group.name, counts, _quote(group.notes[0].text)))
    return out
