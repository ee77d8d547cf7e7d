"""Management stays in the coordinator's private chat, a group sees only its own team, and old cards
never act on what has changed since they were shown."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.callbacks import Prefix, encode
from tests.e2e.test_catalogue import add_item
from tests.e2e.test_meetings import NOW, create_meeting, tap_data
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock
from tests.support.english_team import GROUP, make_team
from tests.support.harness import Harness, button, running_bot

MANAGEMENT = ("/rewards", "/meetings", "/team", "/target", "/settings", "/sales", "/invite", "/meeting")
ELSEWHERE = -1099  # a group the bot is in that no team has linked


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(NOW)) as harness:
        yield harness


def assert_pointer(h: Harness, message: SentMessage) -> None:
    """The private-chat pointer: one link button to the bot, nothing to press in the group."""
    assert "private chat with me" in message.shown
    assert message.buttons() == [("Continue in a private chat", f"https://t.me/{h.app.bot.username}")]


async def test_management_commands_in_a_group_point_to_the_private_chat_and_show_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await create_meeting(h, t.boss, "2026-12-01 10:00", title="Secret plans")
    await add_item(h, t.boss, "Cinema", "100", "3")
    for group in (h.server.group(GROUP, "Team"), h.server.group(ELSEWHERE, "Elsewhere")):
        for command in MANAGEMENT:
            answer = (await h.say(t.boss, command, group))[0]
            assert_pointer(h, answer)
            assert "Secret plans" not in answer.shown and "Cinema" not in answer.shown
        # A rep's lists stay private too: their balance and the team's meetings.
        for command in ("/rewards", "/meetings"):
            assert_pointer(h, (await h.say(t.reps["Anna"], command, group))[0])
    # The addressed form is ours too; another bot's command is not ours to answer.
    assert_pointer(
        h, (await h.say(t.boss, f"/rewards@{h.app.bot.username}", h.server.group(GROUP, "Team")))[0]
    )
    before = len(h.server.messages_to(GROUP))
    h.server.send_message(t.boss, "/rewards@some_other_bot", h.server.group(GROUP, "Team"))
    await h.settle(t.boss)
    assert len(h.server.messages_to(GROUP)) == before


async def test_a_button_pressed_in_a_group_is_refused_and_the_next_private_message_is_no_answer(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Cinema", "100", "3")
    in_group = h.server.last_to(GROUP)
    before = len(h.server.messages_to(GROUP))
    for data in (
        encode(Prefix.REWARD, "add"),
        encode(Prefix.MEETING_MANAGE, "list", 1),
        encode(Prefix.TEAM, "list"),
    ):
        answer = await h.tap(t.boss, in_group, data, check=False)
        assert answer is not None and "private chat with me" in answer
    await h.settle(t.boss)
    assert len(h.server.messages_to(GROUP)) == before  # no question was posted into the group
    # Nothing waits for a reward title, so this is not taken as one.
    reply = (await h.say(t.boss, "hello, who reported today?"))[0]
    assert "To report a sale, send /report" in reply.shown
    assert "hello" not in (await h.say(t.boss, "/rewards"))[0].shown


async def test_a_group_shows_only_its_own_teams_data(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await t.sale("Anna", 1234, NOW)
    south_boss = h.server.user(2, "Zofia", language_code="en")
    await h.coordinator(south_boss, "South", locale="en")
    south_group = h.server.group(-1088, "South team")
    await h.say(south_boss, "/linkgroup", south_group)
    for command in ("/leaderboard", "/me", "/points", "/badges", "/contest"):
        other = (await h.say(t.reps["Anna"], command, south_group))[0]
        assert "belongs to another team" in other.shown and "Anna" not in other.shown
        unlinked = (await h.say(t.reps["Anna"], command, h.server.group(ELSEWHERE, "Elsewhere")))[0]
        assert "not linked to a team" in unlinked.shown and "Anna" not in unlinked.shown
    # In the team's own group the leaderboard is shown.
    own = (await h.say(t.reps["Anna"], "/leaderboard", h.server.group(GROUP, "Team")))[0]
    assert "Anna" in own.shown


async def test_edit_or_retire_on_a_card_of_a_retired_reward_changes_nothing(h: Harness) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Cinema", "100", "3")
    card = (await h.say(t.boss, "/rewards"))[0]
    edit, retire = button(card, "✏️"), button(card, "🗑")
    await h.tap(t.boss, card, retire)
    await h.settle(t.boss)
    last = h.server.last_to(t.boss.id).message_id
    for data in (edit, retire):
        answer = await h.tap(t.boss, card, data)
        assert answer == "That is no longer available."
    await h.settle(t.boss)
    assert [m.message_id for m in h.server.messages_to(t.boss.id)][-2] == last  # only /help's answer came
    assert "Cinema" not in (await h.say(t.reps["Anna"], "/rewards"))[0].shown


async def test_an_edit_typed_while_the_reward_was_retired_is_dropped_and_the_conversation_ends(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna")
    await add_item(h, t.boss, "Cinema", "100", "3")
    card = (await h.say(t.boss, "/rewards"))[0]
    await h.tap(t.boss, card, button(card, "✏️"))
    other = (await h.say(t.boss, "/rewards"))[0]
    await h.tap(t.boss, other, button(other, "🗑"))
    await h.say(t.boss, "Theatre")
    await h.say(t.boss, "50")
    assert "no longer available" in (await h.say(t.boss, "7"))[0].shown
    assert "To report a sale" in (await h.say(t.boss, "8"))[0].shown  # nothing is asked any more
    shown = (await h.say(t.reps["Anna"], "/rewards"))[0].shown
    assert "Theatre" not in shown and "Cinema" not in shown


async def test_moving_a_meeting_to_its_current_time_changes_nothing_and_tells_no_one(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna: FakeUser = t.reps["Anna"]
    await create_meeting(h, t.boss, "2026-12-01 10:00")
    await h.settle(anna)
    told = len(h.server.messages_to(anna.id))
    listing = (await h.say(t.boss, "/meetings"))[0]
    await h.tap(t.boss, listing, tap_data(listing, "🔁"))
    answer = (await h.say(t.boss, "01.12 10:00"))[0]
    assert "already starts at that time" in answer.shown
    await h.settle(anna)
    assert len(h.server.messages_to(anna.id)) == told + 1  # the /help answer of settle, nothing more
    assert "10:00" in (await h.say(anna, "/meetings"))[0].shown
    assert "To report a sale" in (await h.say(t.boss, "2026-12-01 12:00"))[0].shown  # the move ended


async def test_a_deep_link_in_a_group_opens_nothing_there(h: Harness) -> None:
    t = await make_team(h, "Anna")
    group = h.server.group(GROUP, "Team")
    assert_pointer(h, (await h.say(t.reps["Anna"], "/start report", group))[0])
    # No report was begun in the group, so a private message is not taken as its client.
    assert "To report a sale" in (await h.say(t.reps["Anna"], "hello there"))[0].shown
    invite = (await h.say(t.boss, "/invite"))[0]
    code = invite.shown.split("?start=")[1].split()[0]
    stranger = h.server.user(77, "Olek", language_code="en")
    assert_pointer(h, (await h.say(stranger, f"/start {code}", group))[0])
    assert "invite link" in (await h.say(stranger, "/help"))[0].shown  # still not in the team


async def test_moving_a_meeting_back_to_an_earlier_time_is_news_again(h: Harness) -> None:
    t = await make_team(h, "Anna")
    anna = t.reps["Anna"]
    await create_meeting(h, t.boss, "2026-12-01 10:00")
    for when in ("01.12 12:00", "01.12 10:00", "01.12 12:00"):
        listing = (await h.say(t.boss, "/meetings"))[0]
        await h.tap(t.boss, listing, tap_data(listing, "🔁"))
        assert "moved" in (await h.say(t.boss, when))[0].shown
    moved = [m.shown for m in h.server.messages_to(anna.id) if "moved" in m.shown]
    assert len(moved) == 3 and "12:00" in moved[-1]
