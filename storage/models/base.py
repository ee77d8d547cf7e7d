"""The core: teams, people, memberships, invites and the update inbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_MAX = 200  # client, product and team names: long enough for "Sp. z o.o." names, short for a message


class Role(StrEnum):
    COORDINATOR = "coordinator"
    REP = "rep"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]
    # Schedule, local to the team's zone. Post days are ISO weekdays (1 = Monday), comma-separated.
    post_time: Mapped[str] = mapped_column(String(5), server_default="18:00")
    nudge_time: Mapped[str] = mapped_column(String(5), server_default="17:00")
    post_days: Mapped[str] = mapped_column(String(16), server_default="1,2,3,4,5")
    # Whose public holidays are days off (the `holidays` library); None: no public holidays.
    holiday_country: Mapped[str | None] = mapped_column(String(8), server_default="PL")
    pinned_message_id: Mapped[int | None] = mapped_column(BigInteger)
    pin_warned: Mapped[bool] = mapped_column(Boolean, server_default="0")
    # Points per reward rule, overriding the defaults in bot.services.rewards.
    reward_points: Mapped[dict[str, Any] | None]
    # A sale of at least this much is cheered in the group (None: no big-deal cheers).
    big_deal_minor: Mapped[int | None] = mapped_column(BigInteger)
    # A key client without contact for this many days is listed in the coordinators' digest.
    key_client_days: Mapped[int] = mapped_column(Integer, server_default="14")
    # A forum group: the topic where /linkgroup was sent (None: the General topic) takes every
    # post, unless `topics` routes a kind of post (board, contests, ...) to a topic of its own.
    group_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # A rep below this % of their target's even pace is told so on the 10th and the 20th.
    pace_threshold: Mapped[int] = mapped_column(Integer, server_default="70")
    topics: Mapped[dict[str, Any] | None]
    # Quiet hours [start, end) in the team's zone, across midnight when start > end; equal: none.
    quiet_start: Mapped[str] = mapped_column(String(5), server_default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), server_default="08:00")
    # Peer play: what a duel's winner gets, how many kudos a member may give a month, each worth.
    duel_points: Mapped[int] = mapped_column(Integer, server_default="20")
    kudos_allowance: Mapped[int] = mapped_column(Integer, server_default="5")
    kudos_points: Mapped[int] = mapped_column(Integer, server_default="5")


class Person(Base):
    """A Telegram user the bot has seen; the id is Telegram's, roles never come from usernames.

    A forgotten person (`salesbot person forget`) keeps a row under a negative id of our own and
    the name "Former member N", so their sales stay in the records with no Telegram id left.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)


def display_name(first_name: str, last_name: str | None) -> str:
    """How a person is named on screen (also for rows read without loading a `Person`)."""
    return f"{first_name} {last_name}" if last_name else first_name


class Member(Base):
    """A person's place in a team. Removal keeps the row so past records keep their owner."""

    __tablename__ = "members"
    __table_args__ = (
        # A person belongs to one team at a time.
        Index(
            "uq_members_active_person",
            "person_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_members_team", "team_id", "removed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[int | None] = mapped_column(BigInteger)
    # Set when Telegram answers Forbidden (the person blocked the bot); cleared when they write again.
    unreachable_at: Mapped[datetime | None]


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class InboxUpdate(Base):
    """An update as Telegram sent it, stored before Telegram is told it arrived.

    `started_at` is set when a handler takes it, `handled_at` when every handler is done; an update
    started but not handled when its process died is handled again at the next start. Update ids
    are not monotonic, so redeliveries are caught by this key, never by "greater than the last".
    """

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(index=True)
    started_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    # A typed answer's: the fingerprint of the draft it was given to (see services.inbox.answering).
    answers: Mapped[str | None] = mapped_column(String(64))
