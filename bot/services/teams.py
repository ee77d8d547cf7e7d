"""Teams, invites, membership: who belongs where, and how they get in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import ANONYMOUS_ADMIN_ID, Actor, TeamInfo
from bot.services.errors import Reason, Refused
from bot.settings import SUPPORTED_LOCALES, check_currency, check_timezone
from storage.db import Database
from storage.models import NAME_MAX, Invite, Member, Person, Role, Team, TeamManager
from storage.queries import clients as client_rows
from storage.queries import members
from storage.queries import tasks as task_rows
from storage.queries import teams as team_rows

REP_INVITE_LIFETIME = timedelta(days=7)


class TeamError(ValueError):
    """A CLI-level mistake: printed as one line on stderr."""


@dataclass(frozen=True)
class TeamSummary:
    name: str
    timezone: str
    locale: str
    currency: str
    members: int
    group_linked: bool


@dataclass(frozen=True)
class MemberView:
    member_id: int
    person_id: int
    name: str
    username: str | None
    role: Role
    # Set by remove_rep: the clients that passed from the removed rep to the coordinator.
    handed_clients: tuple[str, ...] = ()
    # And their open tasks (text, due day), which pass to the same coordinator.
    handed_tasks: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class InviteView:
    invite_id: int
    code: str
    expires_at: datetime | None


class JoinOutcome(StrEnum):
    JOINED = "joined"
    ALREADY_HERE = "already_here"
    OTHER_TEAM = "other_team"
    INVALID = "invalid"
    EXPIRED = "expired"
    MANAGING = "managing"  # a manager link opened: the team is added to the person's
    ALREADY_MANAGING = "already_managing"


# An invite's role for a manager link (members' roles are `Role`; a manager is not a member).
MANAGER_LINK = "manager"


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    role: Role | None = None
    team: TeamInfo | None = None


def _new_code() -> str:
    # 128 bits: unguessable, and well within the 64 characters a deep link's start parameter allows.
    return secrets.token_urlsafe(16)


async def create_team(
    db: Database, name: str, *, timezone: str, locale: str, currency: str, now: datetime
) -> TeamInfo:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise TeamError(f"a team name has 1 to {NAME_MAX} characters")
    try:
        check_timezone(timezone)
        currency = check_currency(currency)
    except ValueError as exc:
        raise TeamError(str(exc)) from exc
    if locale not in SUPPORTED_LOCALES:
        raise TeamError(f"unknown locale {locale!r}; use one of {', '.join(SUPPORTED_LOCALES)}")
    try:
        async with db.write() as session:
            team = Team(name=name, timezone=timezone, locale=locale, currency=currency, created_at=now)
            session.add(team)
            await session.flush()
    except IntegrityError as exc:
        raise TeamError(f"a team named {name!r} already exists") from exc
    return TeamInfo.of(team)


async def _team_by_name(db: Database, name: str) -> Team:
    async with db.read() as session:
        team = await team_rows.by_name(session, " ".join(name.split()))
    if team is None:
        raise TeamError(f"no team named {name!r}")
    return team


async def find_team(db: Database, name: str) -> TeamInfo:
    return TeamInfo.of(await _team_by_name(db, name))


async def create_coordinator_invite(
    db: Database, team_name: str, now: datetime, role: str = Role.COORDINATOR
) -> str:
    """A one-time link for a coordinator (or, with `MANAGER_LINK`, for a manager)."""
    team = await _team_by_name(db, team_name)
    code = _new_code()
    async with db.write() as session:
        session.add(Invite(team_id=team.id, code=code, role=role, created_at=now))
    return code


async def list_teams(db: Database) -> list[TeamSummary]:
    counts = (
        select(Member.team_id, func.count().label("n"))
        .where(members.is_active())
        .group_by(Member.team_id)
        .subquery()
    )
    async with db.read() as session:
        rows = await session.execute(
            select(Team, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.team_id == Team.id)
            .order_by(Team.name)
        )
        return [
            TeamSummary(t.name, t.timezone, t.locale, t.currency, n, t.group_chat_id is not None)
            for t, n in rows
        ]


async def join(db: Database, person_id: int, code: str, now: datetime) -> JoinResult:
    """Open an invite link. Coordinator links work once; rep links until revoked or expired."""
    if person_id == ANONYMOUS_ADMIN_ID:
        return JoinResult(JoinOutcome.INVALID)
    async with db.write() as session:
        invite = await session.scalar(select(Invite).where(Invite.code == code))
        if invite is None or invite.revoked_at is not None:
            return JoinResult(JoinOutcome.INVALID)
        team = TeamInfo.of(await team_rows.by_id(session, invite.team_id))
        if invite.role == MANAGER_LINK:
            return await _take_manager_link(session, invite, person_id, team, now)
        current = await members.membership(session, person_id)
        if current is not None and current.team_id != invite.team_id:
            return JoinResult(JoinOutcome.OTHER_TEAM, Role(current.role), team)
        if invite.used_at is not None and invite.role == Role.COORDINATOR:
            return JoinResult(JoinOutcome.INVALID)
        if invite.expires_at is not None and invite.expires_at <= now:
            return JoinResult(JoinOutcome.EXPIRED)
        role = Role(invite.role)
        if current is None and role is Role.REP:
            # A rep removed after this link was made cannot come back through it.
            removed = await session.scalar(
                select(Member.id).where(
                    Member.team_id == invite.team_id,
                    Member.person_id == person_id,
                    Member.removed_at >= invite.created_at,
                )
            )
            if removed is not None:
                return JoinResult(JoinOutcome.INVALID)
        if role is Role.COORDINATOR:
            # Take the one-time link atomically: of two people opening it at once, one wins.
            taken = await session.execute(
                update(Invite)
                .where(Invite.id == invite.id, Invite.used_at.is_(None))
                .values(used_by=person_id, used_at=now)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                return JoinResult(JoinOutcome.INVALID)
        if current is not None:
            if role is Role.COORDINATOR and current.role != Role.COORDINATOR:
                current.role = Role.COORDINATOR
                invite.used_by, invite.used_at = person_id, now
                return JoinResult(JoinOutcome.JOINED, role, team)
            return JoinResult(JoinOutcome.ALREADY_HERE, Role(current.role), team)
        session.add(Member(team_id=team.id, person_id=person_id, role=role, joined_at=now))
        invite.used_by, invite.used_at = person_id, now
    return JoinResult(JoinOutcome.JOINED, role, team)


async def _take_manager_link(
    session: AsyncSession, invite: Invite, person_id: int, team: TeamInfo, now: datetime
) -> JoinResult:
    # Membership does not matter: a manager oversees teams beside being a member of one.
    if await session.scalar(
        select(TeamManager.id).where(TeamManager.team_id == team.id, TeamManager.person_id == person_id)
    ):
        return JoinResult(JoinOutcome.ALREADY_MANAGING, None, team)
    if invite.used_at is not None:
        return JoinResult(JoinOutcome.INVALID)
    # One-time, taken atomically like a coordinator's link.
    taken = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_by=person_id, used_at=now)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return JoinResult(JoinOutcome.INVALID)
    session.add(TeamManager(team_id=team.id, person_id=person_id, added_at=now))
    return JoinResult(JoinOutcome.MANAGING, None, team)


async def create_rep_invite(db: Database, actor: Actor, now: datetime) -> InviteView:
    team = actor.require_coordinator()
    code = _new_code()
    async with db.write() as session:
        invite = Invite(
            team_id=team.id,
            code=code,
            role=Role.REP,
            created_by=actor.person_id,
            created_at=now,
            expires_at=now + REP_INVITE_LIFETIME,
        )
        session.add(invite)
        await session.flush()
    return InviteView(invite.id, code, invite.expires_at)


async def revoke_and_replace(db: Database, actor: Actor, invite_id: int, now: datetime) -> InviteView:
    team = actor.require_coordinator()
    async with db.write() as session:
        invite = await session.get(Invite, invite_id)
        # Another team's invite id is treated exactly like a missing one.
        if invite is None or invite.team_id != team.id or invite.role != Role.REP:
            raise Refused(Reason.NOT_FOUND)
        if invite.revoked_at is None:
            invite.revoked_at = now
    return await create_rep_invite(db, actor, now)


async def link_group(db: Database, actor: Actor, chat_id: int, thread_id: int | None = None) -> TeamInfo:
    """The team's group is `chat_id`; in a forum, posts go to the topic `thread_id` by default."""
    team = actor.require_coordinator()
    async with db.write() as session:
        owner = await team_rows.by_group(session, chat_id)
        if owner is not None and owner.id != team.id:
            raise Refused(Reason.GROUP_TAKEN)
        values: dict[str, object] = {"group_chat_id": chat_id, "group_thread_id": thread_id}
        if owner is None:  # another group: its topics' routes mean nothing here
            values["topics"] = None
        await session.execute(update(Team).where(Team.id == team.id).values(**values))
    return TeamInfo(team.id, team.name, team.timezone, team.locale, team.currency, chat_id)


def _views_stmt(team_id: int) -> Select[Person, int, str]:
    """The team's active members as people, with their member row's id and role."""
    return members.people_stmt(team_id).add_columns(Member.id, Member.role)


def _view(person: Person, member_id: int, role: str) -> MemberView:
    return MemberView(member_id, person.id, person.display_name, person.username, Role(role))


async def list_members(db: Database, actor: Actor) -> list[MemberView]:
    team = actor.require_coordinator()
    async with db.read() as session:
        rows = await session.execute(_views_stmt(team.id))
        return [_view(*row) for row in rows]


async def member_of_team(db: Database, actor: Actor, member_id: int) -> MemberView:
    team = actor.require_coordinator()
    async with db.read() as session:
        row = (await session.execute(_views_stmt(team.id).where(Member.id == member_id))).first()
    if row is None:
        raise Refused(Reason.NOT_FOUND)
    return _view(*row)


async def remove_rep(db: Database, actor: Actor, member_id: int, now: datetime) -> MemberView:
    """Remove a rep; their sales stay in the records, their clients and open tasks pass to the coordinator.

    The coordinator who removes them becomes the clients' owner (so the clients stay out of the
    other reps' lists and reminders go to someone in the team); they can give them on from the cards.
    """
    team = actor.require_coordinator()
    view = await member_of_team(db, actor, member_id)
    if view.role is not Role.REP:
        raise Refused(Reason.CANNOT_REMOVE_COORDINATOR)
    async with db.write() as session:
        result = await session.execute(
            update(Member)
            .where(Member.id == member_id, members.is_active())
            .values(removed_at=now, removed_by=actor.person_id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise Refused(Reason.NOT_FOUND)
        handed = await client_rows.hand_over(session, team.id, view.person_id, actor.person_id)
        tasks = await task_rows.hand_over(session, team.id, view.person_id, actor.person_id, now)
    return replace(view, handed_clients=tuple(handed), handed_tasks=tuple(tasks))
