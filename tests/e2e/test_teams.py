"""Teams through the bot: coordinator links, rep invites, the team list, and who may press what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services.access import ANONYMOUS_ADMIN_ID
from storage.models import Attendee, Meeting, Team
from tests.support.factories import make_member
from tests.support.harness import Harness, button, running_bot

EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url) as harness:
        yield harness


async def test_a_coordinator_joins_by_link_and_links_the_group_and_others_cannot(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(boss)
    assert "koordynatorem" in h.server.last_to(boss.id).shown
    group = h.server.group(-1001, "Sprzedaż")
    reply = (await h.say(boss, "/linkgroup", group))[0]
    assert "połączona" in reply.shown
    # Someone else in the group is refused.
    stranger = h.server.user(2, "Obcy", language_code="pl")
    refused = (await h.say(stranger, "/linkgroup@salesbot_test_bot", group))[0]
    assert "zaproszeniem" in refused.shown


async def test_a_rep_joins_by_invite_a_revoked_one_fails_and_another_teams_member_stays(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    invite = (await h.say(boss, "/invite"))[0]
    old_code = invite.shown.split("?start=")[1].split()[0]
    assert invite.buttons()[0][1].startswith("inv:revoke:")
    await h.tap(boss, invite, invite.buttons()[0][1])
    edited = h.server.last_to(boss.id)
    new_code = edited.shown.split("?start=")[1].split()[0]
    assert new_code != old_code and "revoked" in edited.shown
    anna = h.server.user(2, EVIL, language_code="en")
    late = (await h.say(anna, f"/start {old_code}"))[0]
    assert "not valid" in late.shown
    welcome = (await h.say(anna, f"/start {new_code}"))[0]
    assert "Welcome to the team" in welcome.shown
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; 😀" in str(welcome.text)  # the name, escaped
    # A member of another team who opens the link is told so, and stays where they are.
    other_boss = h.server.user(3, "Olek", language_code="en")
    await h.coordinator(other_boss, "South")
    south_invite = (await h.say(other_boss, "/invite"))[0]
    south_code = south_invite.shown.split("?start=")[1].split()[0]
    told = (await h.say(anna, f"/start {south_code}"))[0]
    assert "another team" in told.shown
    me = (await h.say(anna, "/help"))[0]
    assert "North" in me.shown


async def test_coordinator_lists_the_team_and_removes_a_rep_after_confirming(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(boss)
    reps = [h.server.user(10 + i, f"Rep{i}", language_code="pl") for i in range(4)]
    for rep in reps:
        await h.rep(boss, rep)
    team = (await h.say(boss, "/team"))[0]
    assert "5 osób" in team.shown
    remove = next(data for label, data in team.buttons() if "Rep0" in label)
    await h.tap(boss, team, remove)
    confirm = h.server.last_to(boss.id)
    yes = next(data for _, data in confirm.buttons() if data.startswith("team:rmok:"))
    await h.tap(boss, confirm, yes)
    after = h.server.last_to(boss.id)
    assert "4 osoby" in after.shown and "Rep0" in after.shown.splitlines()[0]
    # The removed rep can no longer use the team's commands.
    refused = (await h.say(reps[0], "/me"))[0]
    assert "zaproszeniem" in refused.shown


async def test_strangers_are_told_how_to_join_in_their_language(h: Harness) -> None:
    pl = h.server.user(5, "Ala", language_code="pl")
    en = h.server.user(6, "Al", language_code="en")
    assert "zaproszeniem" in (await h.say(pl, "hello"))[0].shown
    assert "invite link" in (await h.say(en, "/report 100 Acme"))[0].shown
    boss = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(boss)
    team = (await h.say(boss, "/team"))[0]
    answer = await h.tap(en, team, team.buttons()[0][1] if team.buttons() else "team:list", check=False)
    assert answer is not None and "invite link" in answer


async def test_a_rep_pressing_coordinator_buttons_changes_nothing(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    rep = h.server.user(2, "Rep", language_code="en")
    victim = h.server.user(3, "Victim", language_code="en")
    await h.rep(boss, rep)
    await h.rep(boss, victim)
    team = (await h.say(boss, "/team"))[0]
    forged_remove = next(data for label, data in team.buttons() if "Victim" in label)
    rep_chat_message = (await h.say(rep, "/help"))[0]
    for data in (
        forged_remove,
        forged_remove.replace("rm:", "rmok:"),
        "inv:revoke:1",
        "team:rmok:999999",
        "xx:1",
    ):
        answer = await h.tap(rep, rep_chat_message, data, check=False)
        assert answer is not None
    # Typed coordinator commands are refused too.
    assert "coordinator" in (await h.say(rep, "/team"))[0].shown
    assert "coordinator" in (await h.say(rep, "/invite"))[0].shown
    team_after = (await h.say(boss, "/team"))[0]
    assert "Victim" in team_after.shown and "3 people" in team_after.shown


async def test_another_teams_objects_in_callback_data_are_refused(h: Harness) -> None:
    north = h.server.user(1, "North boss", language_code="en")
    south = h.server.user(2, "South boss", language_code="en")
    await h.coordinator(north, "North")
    await h.coordinator(south, "South")
    south_rep = h.server.user(3, "SouthRep", language_code="en")
    await h.rep(south, south_rep)
    south_team = (await h.say(south, "/team"))[0]
    south_remove = south_team.buttons()[0][1].replace("rm:", "rmok:")
    north_message = (await h.say(north, "/help"))[0]
    answer = await h.tap(north, north_message, south_remove, check=False)
    assert answer is not None and "no longer available" in answer
    assert "SouthRep" in (await h.say(south, "/team"))[0].shown


async def test_the_anonymous_group_admin_is_not_a_coordinator(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    group = h.server.group(-1002, "Team")
    anonymous = h.server.user(ANONYMOUS_ADMIN_ID, "Group", username="GroupAnonymousBot")
    before = len(h.server.messages_to(group.id))
    h.server.send_message(anonymous, "/linkgroup", group, extra={"sender_chat": group.to_dict()})
    await h.server.wait_for_messages(group.id, before + 1)
    assert "invite" in h.server.last_to(group.id).shown
    reply = (await h.say(boss, "/leaderboard", group))[0]
    assert "not linked" in reply.shown


async def test_a_page_too_long_for_one_message_replaces_the_card_and_follows_as_new_messages(
    h: Harness,
) -> None:
    """Ten meetings of long titles, places and names fill more than one message: an edit back to
    that page puts its first part on the card and sends the rest, the buttons under the last."""
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss, locale="en")
    long = "Wiśniewska-Kowalczyk & Synowie " * 6
    reps = [await make_member(h.db, "North", 100 + i, first_name=f"R{i} {long[:60]}") for i in range(10)]
    now = h.clock()
    async with h.db.write() as session:
        team_id = await session.scalar(select(Team.id))
        for n in range(11):
            meeting = Meeting(
                team_id=team_id,
                kind="team",
                title=f"M{n:02d} {long}"[:200],
                starts_at=now + timedelta(days=n + 1),
                duration_min=60,
                place=f"P{n:02d} {long}"[:200],
                created_by=boss.id,
                created_at=now,
                scheduled_at=now,
            )
            session.add(meeting)
            await session.flush()
            session.add_all(Attendee(meeting_id=meeting.id, person_id=rep.person_id) for rep in reps)
    before = len(h.server.messages_to(boss.id))
    await h.say(boss, "/meetings", replies=2)
    # However many parts the page takes, the buttons come under the last one.
    card = await h.server.wait_for(
        lambda: next((m for m in h.server.messages_to(boss.id) if m.buttons()), None)
    )
    parts = h.server.messages_to(boss.id)[before:]
    assert parts[-1] is card and all(p.buttons() == [] for p in parts[:-1]) and len(parts) > 1
    await h.tap(boss, card, button(card, "▶"))
    assert "M10" in card.shown and "M00" not in card.shown  # the second page fits the card
    before = len(h.server.messages_to(boss.id))
    await h.tap(boss, card, button(card, "◀"))
    rest = h.server.messages_to(boss.id)[before:]
    assert rest, "the rest of the page must follow the card"
    # The card shows the first part without buttons; the rest comes after it, the buttons last.
    assert card.edited and card.buttons() == [] and card.shown.lstrip().startswith("Upcoming meetings")
    assert all(m.buttons() == [] for m in rest[:-1]) and button(rest[-1], "▶")
    shown = "\n".join(m.shown for m in [card, *rest])
    assert [f"M{n:02d}" in shown for n in range(11)] == [True] * 10 + [False]
    assert all(len(m.text or "") <= 4096 for m in [card, *rest])
