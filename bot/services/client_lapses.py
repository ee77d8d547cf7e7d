"""Key clients gone quiet: no contact (a sale counts) for the team's threshold of days.

A lapse starts at the client's last contact (or, never contacted, when it was added); the
coordinators' daily digest lists the lapsed, and the owner is reminded once per lapse: the
reminder's claim key holds the client and the lapse's start, so a new contact begins a new lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Client, ClientContact, Member, Person, Sale, Team
from storage.queries import members


@dataclass(frozen=True)
class Lapse:
    team_id: int
    client_id: int
    name: str
    since: datetime
    days: int
    owner_id: int | None
    owner_name: str | None
    owner_language: str | None
    # The owner is an active member of the team (only they are reminded).
    owner_active: bool

    @property
    def key(self) -> str:
        """The reminder's claim: once per client and lapse start."""
        return f"key-lapse:{self.client_id}:{self.since:%Y%m%d%H%M%S}"


async def _lapses(session: AsyncSession, team_ids: list[int] | None, now: datetime) -> list[Lapse]:
    contacted = (
        select(func.max(ClientContact.at)).where(ClientContact.client_id == Client.id).scalar_subquery()
    )
    sold = (
        select(func.max(Sale.occurred_at))
        .where(Sale.client_id == Client.id, Sale.voided_at.is_(None))
        .scalar_subquery()
    )
    # The owner's active membership of the client's team joined in: loading every active member
    # of every team here made the daily digest and each tick's reminders scale with the company.
    stmt = (
        select(Client, Team.key_client_days, contacted, sold, Person, Member.id)
        .join(Team, Team.id == Client.team_id)
        .outerjoin(Person, Person.id == Client.owner_id)
        .outerjoin(
            Member,
            and_(Member.team_id == Client.team_id, Member.person_id == Client.owner_id, members.is_active()),
        )
        .where(Client.is_key.is_(True))
        .order_by(Client.team_id, Client.key, Client.id)
    )
    if team_ids is not None:
        stmt = stmt.where(Client.team_id.in_(team_ids))
    rows = (await session.execute(stmt)).all()
    out = []
    for client, threshold, last_contact, last_sale, owner, owner_membership in rows:
        touched = [t for t in (last_contact, last_sale) if t is not None]
        since = max(touched) if touched else client.created_at
        if now - since < timedelta(days=threshold):
            continue
        out.append(
            Lapse(
                client.team_id,
                client.id,
                client.name,
                since,
                (now - since).days,
                client.owner_id,
                owner.display_name if owner else None,
                owner.language_code if owner else None,
                owner_membership is not None,
            )
        )
    return out


async def quiet_key_clients(db: Database, team_id: int, now: datetime) -> list[Lapse]:
    """The team's key clients without contact for its threshold, longest quiet first."""
    async with db.read() as session:
        found = await _lapses(session, [team_id], now)
    return sorted(found, key=lambda lapse: (lapse.since, lapse.name.casefold()))


async def due_reminders(db: Database, now: datetime) -> list[Lapse]:
    """Every team's lapses whose owner is still in the team (a removed rep is never reminded)."""
    async with db.read() as session:
        return [lapse for lapse in await _lapses(session, None, now) if lapse.owner_active]
