"""Forum topics: posts go to the topic where the group was linked, or where /topic routed them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from storage.models import Team
from tests.support.botapi import FakeChat
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, Roster, button, running_bot

FORUM = -1099


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 3, 9))) as harness:
        yield harness


async def forum_team(h: Harness) -> tuple[Roster, FakeChat, int]:
    """A team whose coordinator linked a forum group from its "Results" topic."""
    boss = h.server.user(1, "Kasia", username="kasia", language_code="en")
    await h.coordinator(boss, locale="en")
    forum = h.server.group(FORUM, "Team", forum=True)
    results = h.server.create_topic(forum, "Results")
    before = len(h.server.messages_to(FORUM))
    h.server.send_message(boss, "/linkgroup", forum, topic=results)
    [linked] = (await h.server.wait_for_messages(FORUM, before + 1))[before:]
    assert linked.params.get("message_thread_id") == results  # answered in its topic
    rep = h.server.user(10, "Anna", username="anna", language_code="en")
    await h.rep(boss, rep)
    return Roster(h, boss, {"Anna": rep}), forum, results


async def topic_command(h: Harness, t: Roster, forum: FakeChat, thread: int | None, args: str) -> str:
    before = len(h.server.messages_to(FORUM))
    h.server.send_message(t.boss, f"/topic {args}", forum, topic=thread)
    answer = (await h.server.wait_for_messages(FORUM, before + 1))[before]
    assert answer.params.get("message_thread_id") == thread
    return answer.shown


def threads_of(h: Harness, marker: str) -> list[int | None]:
    return [m.params.get("message_thread_id") for m in h.server.messages_to(FORUM) if marker in m.shown]


async def test_posts_go_to_the_linked_topic_unless_routed_and_a_closed_topic_falls_back_once(
    h: Harness,
) -> None:
    t, forum, results = await forum_team(h)
    await t.sale("Anna", 5_000, local(11, 3, 10))
    await t.tick_at(local(11, 3, 10, 1))
    assert threads_of(h, "📈") == [results]  # the board, with no route of its own: the default topic

    boards = h.server.create_topic(forum, "Board")
    assert "live board" in await topic_command(h, t, forum, boards, "board")
    assert "Choose what goes" in await topic_command(h, t, forum, boards, "everything")
    h.server.delete_message(FORUM, _board(h))
    await t.sale("Anna", 6_000, local(11, 3, 10, 2))
    await t.tick_at(local(11, 3, 10, 3))
    assert threads_of(h, "📈")[-1] == boards  # posted anew, in its own topic now

    await t.tick_at(local(11, 3, 18))  # the daily post: the default topic
    assert threads_of(h, "📊") == [results]

    # Someone closes the board's topic: the coordinator is told once, its posts go to the default.
    h.server.close_topic(t.boss, forum, boards)
    await h.server.wait_for(lambda: bool(told(h, t)))
    await t.sale("Anna", 1_000, local(11, 4, 10))
    await t.tick_at(local(11, 4, 10, 1))
    assert threads_of(h, "📈")[-1] == results
    await t.sale("Anna", 1_000, local(11, 5, 10))
    await t.tick_at(local(11, 5, 10, 1))
    assert threads_of(h, "📈")[-1] == results
    assert len(told(h, t)) == 1


def told(h: Harness, t: Roster) -> list[str]:
    return [m.shown for m in h.server.messages_to(t.boss.id) if "closed or deleted" in m.shown]


def _board(h: Harness) -> int:
    return next(m.message_id for m in h.server.messages_to(FORUM) if "📈" in m.shown)


async def test_the_default_topic_deleted_falls_back_to_general(h: Harness) -> None:
    t, forum, results = await forum_team(h)
    h.server.set_topic_state(forum, results, "deleted")
    await t.tick_at(local(11, 3, 18))
    assert threads_of(h, "📊") == [None]  # General
    assert len(told(h, t)) == 1


async def test_cheers_routed_with_a_polish_word_go_to_their_topic_and_other_groups_are_refused(
    h: Harness,
) -> None:
    t, forum, _ = await forum_team(h)
    cheers = h.server.create_topic(forum, "Brawo")
    assert "Cheers will go" in await topic_command(h, t, forum, cheers, "Gratulacje")
    async with h.db.write() as session:
        await session.execute(update(Team).values(big_deal_minor=100_000))
    h.clock.now = local(11, 3, 11)
    card = (await h.say(t.reps["Anna"], "/report 2000 Acme"))[0]
    await h.tap(t.reps["Anna"], card, button(card, "Save"))
    await h.server.wait_for(lambda: bool(threads_of(h, "🎉")))
    assert threads_of(h, "🎉") == [cheers]

    other = h.server.group(-1200, "Other", forum=True)
    h.server.send_message(t.boss, "/topic board", other)
    [answer] = await h.server.wait_for_messages(other.id, 1)
    assert "not linked" in answer.shown
    async with h.db.read() as session:
        routes = (await session.scalars(select(Team.topics))).one()
    assert routes == {"cheers": cheers}
