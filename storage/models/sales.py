"""Sales and what they name: clients (with contacts and notes), products; drafts, holidays, day marks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NAME_MAX, Base


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


class SaleCorrection(Base):
    """One change of a saved sale's amount, client or product: who, when, before and after.

    The sale row itself is updated in place (rankings, rewards, contests and exports read it);
    this keeps what it said before. Amounts are stored as minor units in text, names as typed.
    """

    __tablename__ = "sale_corrections"
    __table_args__ = (
        Index("ix_sale_corrections_sale", "sale_id", "changed_at"),
        # The digest reads a team's corrections of a span.
        Index("ix_sale_corrections_team_changed", "team_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime]
    # "amount", "client" or "product"
    field: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The coordinator's reason (a rep's own correction before the day closes needs none).
    reason: Mapped[str | None] = mapped_column(Text)


class DayOff(Base):
    """A person's own days off (leave), first to last day inclusive, in the team's local dates.

    Overlapping and adjacent ranges of one person are merged when stored, so a day is in at most
    one range.
    """

    __tablename__ = "days_off"
    __table_args__ = (Index("ix_days_off_team_last", "team_id", "last_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
