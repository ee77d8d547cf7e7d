"""Small builders for service tests: a team with members, sales at given instants."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.services import teams
from bot.services.access import Actor, PersonData, identify
from bot.services.parsing import client_key
from storage.db import Database
from storage.models import Client, Role, Sale

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def make_team(db: Database, name: str = "North", timezone: str = "Europe/Warsaw") -> str:
    await teams.create_team(db, name, timezone=timezone, locale="pl", currency="PLN", now=T0)
    return name


async def make_member(
    db: Database, team: str, person_id: int, role: Role = Role.REP, first_name: str | None = None
) -> Actor:
    who = PersonData(person_id, first_name or f"Person{person_id}", None, None, "en")
    await identify(db, who, T0, "en")
    if role is Role.COORDINATOR:
        code = await teams.create_coordinator_invite(db, team, T0)
    else:
        coordinator = await _any_coordinator(db, team)
        code = (await teams.create_rep_invite(db, coordinator, T0)).code
    result = await teams.join(db, person_id, code, T0)
    assert result.outcome is teams.JoinOutcome.JOINED, result
    return await identify(db, who, T0, "en")


async def _any_coordinator(db: Database, team: str) -> Actor:
    info = await teams.find_team(db, team)
    return Actor(0, "system", "en", Role.COORDINATOR, info)


async def add_sale(db: Database, actor: Actor, amount_minor: int, at: datetime, client: str = "Acme") -> int:
    """A sale stored directly, for ranking and export tests (the report flow has its own tests)."""
    assert actor.team is not None
    async with db.write() as session:
        client_id = await session.scalar(
            select(Client.id).where(Client.team_id == actor.team.id, Client.key == client_key(client))
        )
        if client_id is None:
            row = Client(team_id=actor.team.id, name=client, key=client_key(client), created_at=at)
            session.add(row)
            await session.flush()
            client_id = row.id
        sale = Sale(
            team_id=actor.team.id,
            person_id=actor.person_id,
            client_id=client_id,
            amount_minor=amount_minor,
            currency="PLN",
            occurred_at=at,
            created_at=at,
        )
        session.add(sale)
        await session.flush()
        return sale.id
