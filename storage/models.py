"""The database schema: typed SQLAlchemy 2 models.

Money is integer minor units (grosze) in BIGINT columns; instants are aware UTC (see UtcDateTime).
"""

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
    MetaData,
    String,
    Text,
    UniqueConstraint,
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


class Person(Base):
    """A Telegram user the bot has seen; the id is Telegram's, roles never come from usernames."""

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
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


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


class TeamNamed:
    """A name a team reuses (a client, a product), matched by `key`."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The matching key: case-folded with runs of white space folded to one space.
    key: Mapped[str] = mapped_column(String(NAME_MAX * 2))
    created_at: Mapped[datetime]


class ClientKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class Client(TeamNamed, Base):
    """A team's client; `key` folds case, spacing and punctuation (bot.services.parsing.client_key)."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_clients_team_key"),)

    # The rep who sold to it first (or added it), changeable by a coordinator; None: the team's.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), server_default=ClientKind.COMPANY)
    is_key: Mapped[bool] = mapped_column(Boolean, server_default="0")


class ContactKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    MEETING = "meeting"


class ClientContact(Base):
    """A call, visit, e-mail or meeting with a client (a sale counts as a contact too)."""

    __tablename__ = "client_contacts"
    __table_args__ = (Index("ix_client_contacts_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class ClientNote(Base):
    __tablename__ = "client_notes"
    __table_args__ = (Index("ix_client_notes_client_at", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Product(TeamNamed, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_products_team_key"),)


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (
        # The leaderboard reads a UTC range of one team; rep, amount and the void mark ride along
        # so the ranking never touches the table.
        Index(
            "ix_sales_team_occurred",
            "team_id",
            "occurred_at",
            "person_id",
            "amount_minor",
            "voided_at",
        ),
        Index("ix_sales_person_occurred", "person_id", "occurred_at"),
        # A client's card (its month and year) and its last sale, the key-client lapses.
        Index("ix_sales_client_occurred", "client_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    # The draft a sale was saved from: a second Save of the same draft cannot insert again.
    draft_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[int | None] = mapped_column(BigInteger)
    void_reason: Mapped[str | None] = mapped_column(Text)


class Draft(Base):
    """A conversation in progress, kept in the database so a restart (even kill -9) resumes it."""

    __tablename__ = "drafts"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]]
    # Buttons carry the token: a button from an older draft cannot move this one.
    token: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TeamHoliday(Base):
    """A day off of the team's own, on top of the public holidays."""

    __tablename__ = "team_holidays"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class DayMark(Base):
    """Something a person said about a day, e.g. "no sales today" (silences the nudge)."""

    __tablename__ = "day_marks"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime]


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
