"""Teams through the bot: coordinator links, rep invites, the team list, and who may press what."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.services.access import ANONYMOUS_ADMIN_ID
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


async def test_a_team_list_too_long_for_one_message_replaces_the_card_and_follows_as_new_messages(
    h: Harness,
) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss, locale="en")
    names = [f"Rep{i:02d} " + "Wiśniewska-Kowalczyk & Synowie " * 2 for i in range(60)]
    for i, name in enumerate(names):
        await make_member(h.db, "North", 100 + i, first_name=name.strip())
    first, second = await h.say(boss, "/team", replies=2)
    assert first.buttons() == [] and len(second.buttons()) == 60  # a reply: buttons under its last part
    await h.tap(boss, second, button(second, "Rep00"))
    confirm = h.server.last_to(boss.id)
    assert confirm is second and "Rep00" in confirm.shown  # the card itself asks
    before = len(h.server.messages_to(boss.id))
    await h.tap(boss, confirm, button(confirm, "Yes"))
    rest = h.server.messages_to(boss.id)[before:]
    assert len(rest) == 1
    # The card shows the first part without buttons; the rest comes after it, the buttons last.
    assert confirm.edited and confirm.shown.startswith("Rep00") and confirm.buttons() == []
    assert len(rest[0].buttons()) == 59 and "Rep00" not in "".join(label for label, _ in rest[0].buttons())
    listed = [line.split()[1] for line in (confirm.shown + "\n" + rest[0].shown).splitlines() if "•" in line]
    assert listed == [f"Rep{i:02d}" for i in range(1, 60)]
