"""Scheduled outputs and the outbox; meetings; targets, points, badges, rewards, contests, celebrations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NAME_MAX, Base


class Claim(Base):
    """A scheduled output taken before it is sent: (team, kind, local day, round) happens once.

    `round` is 0 for the scheduler; `--force` takes the next round, so a forced resend is
    itself claimed once.
    """

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("team_id", "kind", "day", "round", name="uq_claims_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # "daily-post", ..., or a meeting's own key such as "remind:12:60:202612011000".
    kind: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    round: Mapped[int] = mapped_column(Integer, server_default="0")
    claimed_at: Mapped[datetime]


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # It may have arrived (in flight at a crash, a timeout, a reset, a 5xx): never resent.
    UNKNOWN = "unknown"
    FORBIDDEN = "forbidden"
    FAILED = "failed"
    EXPIRED = "expired"


class Outbox(Base):
    """One message of a claimed output to one chat; the fan-out resumes from here after a crash."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "claim_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a reply that met a 429 and waits here for its chat's turn.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # The person behind a private chat (None for a group): Forbidden marks them unreachable.
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[dict[str, Any] | None]
    pin: Mapped[bool] = mapped_column(Boolean, server_default="0")
    status: Mapped[str] = mapped_column(String(16), server_default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
    # Telegram answered 429 for this chat: neither this row nor the chat's later ones go before.
    not_before: Mapped[datetime | None]
    # A picture (PNG) sent with `text` as its caption, e.g. the weekly digest's chart.
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A text sent as its author typed it: these entities (Telegram's JSON) and no parse mode.
    entities: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class MeetingKind(StrEnum):
    TEAM = "team"
    INTEGRATION = "integration"
    TRAINING = "training"
    AUDIT = "audit"
    CLIENT = "client"


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_team_start", "team_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(NAME_MAX))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    # When the current start time was set (creation or the last move): reminders whose moment
    # had already passed by then are not sent.
    scheduled_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class Attendee(Base):
    __tablename__ = "meeting_attendees"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    # "yes", "no", "maybe", or None before they answer.
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]
    attended: Mapped[bool | None] = mapped_column(Boolean)


TEAM_TARGET = 0  # Target.person_id of the team's own target (people ids are Telegram's, never 0)


class Target(Base):
    """A monthly target; it applies to its month and the months after, until changed."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("team_id", "person_id", "month", name="uq_targets_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime]


class PointEntry(Base):
    """One change of a person's points, with why and where from; a grant happens once."""

    __tablename__ = "points"
    __table_args__ = (
        UniqueConstraint("team_id", "person_id", "reason", "source", name="uq_points_grant"),
        Index("ix_points_person", "team_id", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    day: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]


class Badge(Base):
    __tablename__ = "badges"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    badge: Mapped[str] = mapped_column(String(32), primary_key=True)
    earned_at: Mapped[datetime]
    day: Mapped[date | None] = mapped_column(Date)


class RewardItem(Base):
    """A tangible reward in the team's catalogue, bought with points."""

    __tablename__ = "reward_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    cost_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class Redemption(Base):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reward_items.id"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    cost_points: Mapped[int] = mapped_column(Integer)
    # requested -> approved | rejected
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)


class Contest(Base):
    __tablename__ = "contests"
    # A recurring contest's rounds: each round a contest of its own, numbered within its series.
    __table_args__ = (UniqueConstraint("series_id", "round_no", name="uq_contests_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(NAME_MAX))
    # amount | count | race | squads
    kind: Mapped[str] = mapped_column(String(16))
    target_minor: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    prizes: Mapped[dict[str, Any]]
    most_improved: Mapped[bool] = mapped_column(Boolean, server_default="0")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    leader_key: Mapped[str | None] = mapped_column(String(200))
    leader_posted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # day | week | month: when this round ends, the next one is made (None: no next round).
    repeat: Mapped[str | None] = mapped_column(String(8))
    # The first round's id, on every round of a recurring contest (None: a one-off contest).
    series_id: Mapped[int | None] = mapped_column(Integer)
    round_no: Mapped[int] = mapped_column(Integer, server_default="1")


class ContestSquad(Base):
    __tablename__ = "contest_squads"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    squad: Mapped[int] = mapped_column(Integer)


class ContestResult(Base):
    """A place at a contest's end, computed once: a person's, or a squad's (person_id None)."""

    __tablename__ = "contest_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    place: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    squad: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)
    prize: Mapped[str | None] = mapped_column(String(NAME_MAX))
    # "place" or "most_improved"
    award: Mapped[str] = mapped_column(String(16))


class Celebration(Base):
    """A moment to cheer in the group; `key` makes each one happen once."""

    __tablename__ = "celebrations"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_celebrations_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    # big_deal | target | personal_best
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None] = mapped_column(index=True)


class LiveBoard(Base):
    """The team group's pinned "today" message: one a local day, edited in place as sales come in.

    The row is written before the message is sent (so two ticks cannot both post it); `digest`
    is a hash of what the message shows, so an edit happens only when something changed.
    """

    __tablename__ = "live_boards"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    digest: Mapped[str | None] = mapped_column(String(64))
    # When it was last posted, edited or found unchanged (or the post begun, while message_id is
    # None): the next look comes a minute later.
    checked_at: Mapped[datetime]
    # Its final edit is made and it is unpinned: nothing more happens to it.
    final: Mapped[bool] = mapped_column(Boolean, server_default="0")
