"""Peer play: one-to-one duels, kudos between peers, and which reps a cheer in the group names."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class DuelStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    FINISHED = "finished"


class Duel(Base):
    """A challenge between two members; each move is a conditional update of `status` (the claim)."""

    __tablename__ = "duels"
    __table_args__ = (Index("ix_duels_status", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    challenger_id: Mapped[int] = mapped_column(BigInteger)
    rival_id: Mapped[int] = mapped_column(BigInteger)
    # day | week: the rest of the local day, or of the ISO week, of the acceptance
    span: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), server_default=DuelStatus.PENDING)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    challenger_minor: Mapped[int | None] = mapped_column(BigInteger)
    rival_minor: Mapped[int | None] = mapped_column(BigInteger)
    # None with a decided duel: a tie.
    winner_id: Mapped[int | None] = mapped_column(BigInteger)


class Kudos(Base):
    """A thank-you from one member to another; a taken-back reaction keeps its row, revoked."""

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_giver_month", "team_id", "giver_id", "month"),
        Index("ix_kudos_team_created", "team_id", "created_at"),
        # One live kudos per giver, receiver and reacted message: a second 🔥 adds nothing.
        Index(
            "uq_kudos_live_reaction",
            "giver_id",
            "receiver_id",
            "message_key",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND message_key IS NOT NULL"),
            postgresql_where=text("revoked_at IS NULL AND message_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    giver_id: Mapped[int] = mapped_column(BigInteger)
    receiver_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    # The giver's local month (its first day): the allowance counts per month.
    month: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    # "chat:message" of the reacted cheer; None for /kudos.
    message_key: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CheerPerson(Base):
    """A rep a cheer names: a reaction on that cheer's message thanks them."""

    __tablename__ = "cheer_people"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
