"""Teams, invites and roles: one-time and expiring links, one team per person, coordinators only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import teams
from bot.services.access import ANONYMOUS_ADMIN_ID, PersonData, identify
from bot.services.errors import Refused
from bot.services.teams import JoinOutcome
from storage.db import Database
from storage.models import Member, Role
from tests.support.factories import T0, make_member, make_team


async def test_team_names_are_unique_and_zones_checked(db: Database) -> None:
    await make_team(db, "North")
    with pytest.raises(teams.TeamError, match="already exists"):
        await make_team(db, "North")
    with pytest.raises(teams.TeamError, match="unknown time zone"):
        await teams.create_team(db, "South", timezone="Mars/Base", locale="pl", currency="PLN", now=T0)
    with pytest.raises(teams.TeamError, match="no team"):
        await teams.create_coordinator_invite(db, "Nowhere", T0)


async def test_coordinator_link_works_once_and_team_list_counts(db: Database) -> None:
    await make_team(db, "North")
    code = await teams.create_coordinator_invite(db, "North", T0)
    await identify(db, PersonData(1, "A"), T0, "en")
    first = await teams.join(db, 1, code, T0)
    assert first.outcome is JoinOutcome.JOINED and first.role is Role.COORDINATOR
    # A second person opening the same one-time link gets nothing.
    await identify(db, PersonData(2, "B"), T0, "en")
    assert (await teams.join(db, 2, code, T0)).outcome is JoinOutcome.INVALID
    await make_member(db, "North", 3)
    listed = await teams.list_teams(db)
    assert [(s.name, s.members) for s in listed] == [("North", 2)]


async def test_rep_invite_expires_after_seven_days_and_revoke_replaces(db: Database) -> None:
    await make_team(db)
    coordinator = await make_member(db, "North", 1, Role.COORDINATOR)
    view = await teams.create_rep_invite(db, coordinator, T0)
    assert view.expires_at == T0 + timedelta(days=7)
    await identify(db, PersonData(5, "Late"), T0, "en")
    late = await teams.join(db, 5, view.code, T0 + timedelta(days=7, seconds=1))
    assert late.outcome is JoinOutcome.EXPIRED
    replaced = await teams.revoke_and_replace(db, coordinator, view.invite_id, T0)
    assert replaced.code != view.code
    assert (await teams.join(db, 5, view.code, T0)).outcome is JoinOutcome.INVALID
    assert (await teams.join(db, 5, replaced.code, T0)).outcome is JoinOutcome.JOINED


async def test_a_person_belongs_to_one_team(db: Database) -> None:
    await make_team(db, "North")
    await make_team(db, "South")
    await make_member(db, "North", 1, Role.COORDINATOR)
    await make_member(db, "North", 2)
    south_coordinator = await make_member(db, "South", 3, Role.COORDINATOR)
    code = (await teams.create_rep_invite(db, south_coordinator, T0)).code
    result = await teams.join(db, 2, code, T0)
    assert result.outcome is JoinOutcome.OTHER_TEAM
    rep = await identify(db, PersonData(2, "Person2"), T0, "en")
    assert rep.team is not None and rep.team.name == "North"


async def test_rep_cannot_do_coordinator_actions_and_nothing_changes(db: Database) -> None:
    await make_team(db)
    coordinator = await make_member(db, "North", 1, Role.COORDINATOR)
    rep = await make_member(db, "North", 2)
    other = await make_member(db, "North", 3)
    invite = await teams.create_rep_invite(db, coordinator, T0)
    for action in (
        teams.create_rep_invite(db, rep, T0),
        teams.revoke_and_replace(db, rep, invite.invite_id, T0),
        teams.list_members(db, rep),
        teams.remove_rep(db, rep, 3, T0),
        teams.link_group(db, rep, -100),
    ):
        with pytest.raises(Refused, match="coordinators_only"):
            await action
    async with db.read() as session:
        active = (await session.scalars(select(Member).where(Member.removed_at.is_(None)))).all()
    assert len(active) == 3
    assert other.team is not None and other.team.group_chat_id is None


async def test_another_teams_objects_are_refused(db: Database) -> None:
    await make_team(db, "North")
    await make_team(db, "South")
    north = await make_member(db, "North", 1, Role.COORDINATOR)
    south = await make_member(db, "South", 2, Role.COORDINATOR)
    south_rep = await make_member(db, "South", 3)
    south_invite = await teams.create_rep_invite(db, south, T0)
    members = {m.person_id: m.member_id for m in await teams.list_members(db, south)}
    with pytest.raises(Refused, match="not_found"):
        await teams.remove_rep(db, north, members[south_rep.person_id], T0)
    with pytest.raises(Refused, match="not_found"):
        await teams.revoke_and_replace(db, north, south_invite.invite_id, T0)
    assert len(await teams.list_members(db, south)) == 2


async def test_anonymous_admin_is_never_a_coordinator(db: Database) -> None:
    await make_team(db)
    code = await teams.create_coordinator_invite(db, "North", T0)
    await identify(db, PersonData(ANONYMOUS_ADMIN_ID, "Group"), T0, "en")
    assert (await teams.join(db, ANONYMOUS_ADMIN_ID, code, T0)).outcome is JoinOutcome.INVALID
    actor = await identify(db, PersonData(ANONYMOUS_ADMIN_ID, "Group"), T0, "en")
    assert not actor.is_coordinator and not actor.is_member


async def test_removed_rep_loses_access_and_keeps_records(db: Database) -> None:
    await make_team(db)
    coordinator = await make_member(db, "North", 1, Role.COORDINATOR)
    rep = await make_member(db, "North", 2)
    members = {m.person_id: m.member_id for m in await teams.list_members(db, coordinator)}
    with pytest.raises(Refused, match="cannot_remove_coordinator"):
        await teams.remove_rep(db, coordinator, members[1], T0)
    await teams.remove_rep(db, coordinator, members[2], T0)
    again = await identify(db, PersonData(2, "Person2"), T0, "en")
    assert not again.is_member and rep.is_member
    with pytest.raises(Refused):
        again.require_member()


async def test_group_belongs_to_one_team(db: Database) -> None:
    await make_team(db, "North")
    await make_team(db, "South")
    north = await make_member(db, "North", 1, Role.COORDINATOR)
    south = await make_member(db, "South", 2, Role.COORDINATOR)
    await teams.link_group(db, north, -100)
    with pytest.raises(Refused, match="group_taken"):
        await teams.link_group(db, south, -100)


async def test_removed_rep_cannot_rejoin_through_the_same_link(db: Database) -> None:
    await make_team(db)
    coordinator = await make_member(db, "North", 1, Role.COORDINATOR)
    link = await teams.create_rep_invite(db, coordinator, T0)
    await identify(db, PersonData(2, "Rep"), T0, "en")
    assert (await teams.join(db, 2, link.code, T0)).outcome is JoinOutcome.JOINED
    members = {m.person_id: m.member_id for m in await teams.list_members(db, coordinator)}
    await teams.remove_rep(db, coordinator, members[2], T0 + timedelta(minutes=1))
    again = await teams.join(db, 2, link.code, T0 + timedelta(minutes=2))
    assert again.outcome is JoinOutcome.INVALID
    # A new link from the coordinator brings them back on purpose.
    fresh = await teams.create_rep_invite(db, coordinator, T0 + timedelta(minutes=3))
    assert (await teams.join(db, 2, fresh.code, T0 + timedelta(minutes=4))).outcome is JoinOutcome.JOINED
