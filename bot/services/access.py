"""Who is asking: the person, their team and role. Roles come from stored ids, never usernames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import inbox
from bot.services.errors import Reason, Refused
from bot.settings import pick_locale
from storage.db import Database
from storage.models import Member, Person, Role, Team
from storage.queries import members, teams, upsert

# Telegram's stand-in for an anonymous group admin: any admin may hide behind it.
ANONYMOUS_ADMIN_ID = 1087968824


@dataclass(frozen=True)
class PersonData:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    timezone: str
    locale: str
    currency: str
    group_chat_id: int | None
    # The team's quiet hours ("HH:MM", start == end: none), so notices can keep them.
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"

    @property
    def zone(self) -> ZoneInfo:
        return teams.zone(self.timezone)

    @classmethod
    def of(cls, team: Team) -> TeamInfo:
        return cls(
            team.id,
            team.name,
            team.timezone,
            team.locale,
            team.currency,
            team.group_chat_id,
            team.quiet_start,
            team.quiet_end,
        )


@dataclass(frozen=True)
class Actor:
    person_id: int
    display_name: str
    locale: str
    role: Role | None = None
    team: TeamInfo | None = None
    # The teams this person oversees as a manager (a manager may also be a member of one team).
    managed: tuple[TeamInfo, ...] = ()

    @property
    def is_member(self) -> bool:
        return self.team is not None and self.person_id != ANONYMOUS_ADMIN_ID

    @property
    def is_coordinator(self) -> bool:
        return self.is_member and self.role is Role.COORDINATOR

    @property
    def home(self) -> TeamInfo:
        """The team whose zone and language are this person's: their own, else the first they manage."""
        home = self.team or (self.managed[0] if self.managed else None)
        if home is None:
            raise Refused(Reason.NOT_MEMBER)
        return home

    @property
    def is_manager(self) -> bool:
        return bool(self.managed) and self.person_id != ANONYMOUS_ADMIN_ID

    def require_manager(self) -> tuple[TeamInfo, ...]:
        if not self.is_manager:
            raise Refused(Reason.MANAGERS_ONLY)
        return self.managed

    def require_member(self) -> TeamInfo:
        if self.team is None or not self.is_member:
            raise Refused(Reason.NOT_MEMBER)
        return self.team

    def require_coordinator(self) -> TeamInfo:
        team = self.require_member()
        if not self.is_coordinator:
            raise Refused(Reason.COORDINATORS_ONLY)
        return team


@dataclass(frozen=True)
class _Found:
    person: Person | None
    member: Member | None
    team: Team | None
    managed: tuple[TeamInfo, ...]


async def _look_up(session: AsyncSession, person_id: int) -> _Found:
    person, member, team_row = await members.person_in_team(session, person_id)
    managed = tuple(TeamInfo.of(t) for t in await teams.managed_by(session, person_id))
    return _Found(person, member, team_row, managed)


def _profile_changed(person: Person | None, who: PersonData) -> bool:
    profile = (who.first_name, who.last_name, who.username, who.language_code)
    return person is None or profile != (
        person.first_name,
        person.last_name,
        person.username,
        person.language_code,
    )


def _actor(who: PersonData, found: _Found, default_locale: str) -> Actor:
    team = TeamInfo.of(found.team) if found.team is not None else None
    role = Role(found.member.role) if found.member is not None else None
    home = team or (found.managed[0] if found.managed else None)
    locale = pick_locale(who.language_code, home.locale if home else None, default_locale)
    name = f"{who.first_name} {who.last_name}" if who.last_name else who.first_name
    return Actor(
        person_id=who.id, display_name=name, locale=locale, role=role, team=team, managed=found.managed
    )


async def identify(db: Database, who: PersonData, now: datetime, default_locale: str) -> Actor:
    """Remember the person (a write only when their Telegram profile changed) and find their team."""
    async with db.read() as session:
        found = await _look_up(session, who.id)
    if _profile_changed(found.person, who):
        async with db.write() as session:
            await _upsert_person(session, who, now)
    if found.member is not None and found.member.unreachable_at is not None:
        # They wrote to us, so they can be reached again (the digest stops listing them).
        async with db.write() as session:
            await members.set_unreachable(session, who.id, None)
    return _actor(who, found, default_locale)


async def admit(
    db: Database, update_id: int, who: PersonData, now: datetime, default_locale: str
) -> Actor | None:
    """Take the update (`inbox.take`) and `identify` its sender in one transaction; None when the
    update was taken before (a redelivery).

    The gate's two round trips of every update made one: on SQLite each transaction is a lock
    and a commit, and the take is a write anyway (docs/performance.md).
    """
    async with db.write() as session:
        if not await inbox.take_in(session, update_id, now):
            return None
        found = await _look_up(session, who.id)
        if _profile_changed(found.person, who):
            await _upsert_person(session, who, now)
        if found.member is not None and found.member.unreachable_at is not None:
            await members.set_unreachable(session, who.id, None)
    return _actor(who, found, default_locale)


async def _upsert_person(session: AsyncSession, who: PersonData, now: datetime) -> None:
    profile = {
        "first_name": who.first_name,
        "last_name": who.last_name,
        "username": who.username,
        "language_code": who.language_code,
    }
    # An upsert, since two first updates of one person may race on PostgreSQL.
    await upsert(
        session,
        Person,
        {"id": who.id, "created_at": now, "updated_at": now, **profile},
        conflict=["id"],
        update=[*profile, "updated_at"],
    )


async def team_of_group(db: Database, chat_id: int) -> TeamInfo | None:
    async with db.read() as session:
        team = await teams.by_group(session, chat_id)
    return TeamInfo.of(team) if team else None
