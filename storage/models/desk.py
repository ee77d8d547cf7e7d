"""The coordinator's desk and above: managers, competitor notes, tasks, announcements, complaints."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.models.sales import TeamNamed


class TeamManager(Base):
    """A coordinator's superior overseeing a team: not a member, never selling in it."""

    __tablename__ = "team_managers"
    __table_args__ = (UniqueConstraint("team_id", "person_id", name="uq_team_managers"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime]


class CompetitorKind(StrEnum):
    """What a rep saw a competitor do; the values are stored, so they never change."""

    PRICE = "price"
    PROMOTION = "promotion"
    NEW_PRODUCT = "new_product"
    LOST_DEAL = "lost_deal"
    OTHER = "other"


class Competitor(TeamNamed, Base):
    """A team's competitor; `key` folds case, spacing and punctuation like a client's."""

    __tablename__ = "competitors"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_competitors_team_key"),)


class CompetitorNote(Base):
    """What a team member saw a competitor do, optionally at a client."""

    __tablename__ = "competitor_notes"
    # /competitors and the weekly digest read a UTC range of one team.
    __table_args__ = (Index("ix_competitor_notes_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitors.id", ondelete="CASCADE"), index=True)
    # The author; a removed rep's notes stay in the team's history.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # The draft a note was saved from: a second Save of the same draft cannot insert again.
    draft_token: Mapped[str] = mapped_column(String(32), unique=True)


TASK_TEXT_MAX = 1000


class Task(Base):
    """A coordinator's task for one rep (a task given to several is a row each, one `batch`)."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("batch", "assignee_id", name="uq_tasks_batch_assignee"),
        Index("ix_tasks_team_due", "team_id", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # The draft's token: a double tap on Save cannot give the same task twice.
    batch: Mapped[str] = mapped_column(String(32))
    given_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # The team's local day it is due on.
    due: Mapped[date] = mapped_column(Date)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # When the current assignee got it (a reassignment tells the new one, once).
    assigned_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class AnnouncementAudience(StrEnum):
    GROUP = "group"
    REPS = "reps"
    BOTH = "both"


class Announcement(Base):
    """A coordinator's announcement, its text and entities as typed; sent once per draft token.

    Its messages are the outbox rows of its claim (one per recipient); `reported_at` is set once,
    when the coordinator is told who received it, after every row has settled.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    # The draft's token: a double tap on Send finds it taken and sends nothing more.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    audience: Mapped[str] = mapped_column(String(8))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    reported_at: Mapped[datetime | None] = mapped_column(index=True)


class ComplaintStatus(StrEnum):
    """open -> in_progress -> resolved | rejected (the last two close it)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class Complaint(Base):
    """A client's complaint, filed by a rep or a coordinator; a coordinator moves its status."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_team_created", "team_id", "created_at"),
        Index("ix_complaints_team_closed", "team_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    reported_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default=ComplaintStatus.OPEN)
    # A photo or a document sent with it: Telegram's file id (no documented length), sent again by it.
    file_id: Mapped[str | None] = mapped_column(Text)
    file_kind: Mapped[str | None] = mapped_column(String(16))  # "photo" | "document"
    created_at: Mapped[datetime]
    # When it was resolved or rejected (None while open or in progress).
    closed_at: Mapped[datetime | None]
    # The draft it was saved from: a second Save of the same draft cannot insert again.
    draft_token: Mapped[str | None] = mapped_column(String(32), unique=True)


class ComplaintChange(Base):
    """One change of a complaint's status, with who made it, when, and the note typed with it."""

    __tablename__ = "complaint_changes"
    __table_args__ = (Index("ix_complaint_changes_complaint_at", "complaint_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
