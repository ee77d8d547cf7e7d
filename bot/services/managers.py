"""Managers: the coordinators' superiors, each overseeing one or more teams without selling in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from bot.services.access import Actor, TeamInfo
from bot.services.periods import Period, period_span
from bot.services.results import team_today, totals_by_person
from bot.services.targets import month_start, team_target
from bot.services.teams import TeamError, find_team
from storage.db import Database
from storage.models import Member, Person, Role, Team, TeamManager
from storage.queries import members


@dataclass(frozen=True)
class ManagerRow:
    person_id: int
    name: str


@dataclass(frozen=True)
class MenuHolder:
    """Someone whose command menu is not the shared rep's one."""

    person_id: int
    locale: str
    role: Role | None
    manager: bool


@dataclass(frozen=True)
class TeamLine:
    name: str
    currency: str
    reps: int
    month_minor: int
    target_minor: int | None


async def list_managers(db: Database, team_name: str) -> list[ManagerRow]:
    team = await find_team(db, team_name)
    async with db.read() as session:
        rows = await session.execute(
            select(Person)
            .join(TeamManager, TeamManager.person_id == Person.id)
            .where(TeamManager.team_id == team.id)
            .order_by(TeamManager.added_at, Person.id)
        )
        return [ManagerRow(p.id, p.display_name) for p in rows.scalars()]


async def remove_manager(db: Database, team_name: str, person_id: int) -> None:
    team = await find_team(db, team_name)
    async with db.write() as session:
        gone = await session.execute(
            delete(TeamManager).where(TeamManager.team_id == team.id, TeamManager.person_id == person_id)
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise TeamError(f"{person_id} is not a manager of {team.name}")


async def menu_holders(db: Database, person_id: int | None = None) -> list[MenuHolder]:
    """Coordinators and managers (or only `person_id`, if given), with their role and menu language."""
    async with db.read() as session:
        coordinators_stmt = (
            select(Member.person_id, Team.locale)
            .join(Team, Team.id == Member.team_id)
            .where(members.is_active(), Member.role == Role.COORDINATOR)
        )
        managers_stmt = (
            select(TeamManager.person_id, Team.locale)
            .join(Team, Team.id == TeamManager.team_id)
            .order_by(TeamManager.added_at)
        )
        if person_id is not None:
            coordinators_stmt = coordinators_stmt.where(Member.person_id == person_id)
            managers_stmt = managers_stmt.where(TeamManager.person_id == person_id)
        coordinators = await session.execute(coordinators_stmt)
        managers = await session.execute(managers_stmt)
        managing: dict[int, str] = {}
        for person_id, locale in managers:
            managing.setdefault(int(person_id), str(locale))
        roles = dict(
            (int(p), Role(r))
            for p, r in await session.execute(
                select(Member.person_id, Member.role).where(
                    members.is_active(), Member.person_id.in_(list(managing))
                )
            )
        )
    holders = {
        int(p): MenuHolder(int(p), str(loc), Role.COORDINATOR, int(p) in managing) for p, loc in coordinators
    }
    for person_id, locale in managing.items():
        holders.setdefault(person_id, MenuHolder(person_id, locale, roles.get(person_id), True))
    return sorted(holders.values(), key=lambda h: h.person_id)


async def menu_holder(db: Database, person_id: int) -> MenuHolder | None:
    """The person's own menu as their roles stand now; None when the rep's default is theirs."""
    found = await menu_holders(db, person_id)
    return found[0] if found else None


def holder_of(actor: Actor) -> MenuHolder:
    home = actor.home
    return MenuHolder(actor.person_id, home.locale, actor.role if actor.is_member else None, actor.is_manager)


async def my_teams(db: Database, actor: Actor, now: datetime) -> list[TeamLine]:
    """The manager's teams: active reps, this month's total so far and the month's target."""
    lines = []
    async with db.read() as session:
        for team in actor.require_manager():
            today = team_today(team, now)
            totals = await totals_by_person(session, team.id, period_span(Period.MONTH, today, team.zone))
            reps = await session.scalar(
                select(func.count()).select_from(Member).where(members.active_in(team.id, Role.REP))
            )
            target = await team_target(session, team.id, month_start(today))
            total = sum(amount for amount, _count in totals.values())
            lines.append(TeamLine(team.name, team.currency, int(reps or 0), total, target))
    return lines


@dataclass(frozen=True)
class ManagerView:
    person_id: int
    language_code: str | None
    teams: tuple[TeamInfo, ...]


async def every_manager(db: Database) -> list[ManagerView]:
    """Each manager with their teams (the first given first: its zone is the manager's)."""
    async with db.read() as session:
        rows = await session.execute(
            select(TeamManager.person_id, Person.language_code, Team)
            .join(Person, Person.id == TeamManager.person_id)
            .join(Team, Team.id == TeamManager.team_id)
            .order_by(TeamManager.person_id, TeamManager.added_at, Team.name)
        )
        found: dict[int, tuple[str | None, list[TeamInfo]]] = {}
        for person_id, language, team in rows:
            found.setdefault(int(person_id), (language, []))[1].append(TeamInfo.of(team))
    return [ManagerView(p, lang, tuple(teams)) for p, (lang, teams) in found.items()]
