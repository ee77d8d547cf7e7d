"""Kudos: /kudos and 🔥/👏 on a cheer; never to oneself, beyond the allowance or outside the team."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services import digests, teams
from storage.models import Celebration, Kudos, PointEntry
from tests.support.botapi import FakeUser
from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, group_posts, make_team
from tests.support.harness import Harness, Roster, button, running_bot

MONDAY = local(11, 30, 9)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(MONDAY)) as harness:
        yield harness


async def kudos_points(h: Harness, user: FakeUser) -> int:
    async with h.db.read() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
                PointEntry.person_id == user.id, PointEntry.reason.in_(("kudos", "kudos_back"))
            )
        )
        return int(total or 0)


async def cheer_for(h: Harness, t: Roster, *names: str) -> int:
    """A cheer naming `names` posted in the group; its message id."""
    team = await teams.find_team(h.db, "North")
    async with h.db.write() as session:
        for name in names:
            session.add(
                Celebration(
                    team_id=team.id,
                    person_id=t.reps[name].id,
                    kind="big_deal",
                    key=f"big:{name}:{h.clock()}",
                    amount_minor=10_000_00,
                    created_at=h.clock(),
                )
            )
    before = len(group_posts(h, "Big deal"))
    await t.tick_at(h.clock() + timedelta(minutes=2))
    cheers = [m for m in h.server.messages_to(GROUP) if "Big deal" in m.shown]
    assert len(cheers) == before + 1
    return cheers[-1].message_id


async def test_kudos_by_command_thanks_a_peer_and_refuses_self_strangers_and_beyond_the_allowance(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    outsider = h.server.user(60, "Zofia", username="zofia", language_code="en")
    await h.coordinator(outsider, "South")
    screen = (await h.say(t.boss, "/settings"))[0]
    await h.tap(t.boss, screen, "set:ask:kudos_allowance")
    assert "give 2 kudos a month" in (await h.say(t.boss, "2"))[0].shown
    sent = (await h.say(anna, "/kudos @Bartek Great <b>demo</b> today"))[0].shown
    assert "Kudos sent to Bartek" in sent and "1 kudos left" in sent
    told = await h.told(bartek, "Anna thanks you")
    assert told and "Great &lt;b&gt;demo&lt;/b&gt; today" in told[0]
    assert "cannot give them to yourself" in (await h.say(anna, "/kudos @anna thanks me"))[0].shown
    assert "not in your team" in (await h.say(anna, "/kudos @zofia nice"))[0].shown
    # Alone: the team as buttons (without Anna), then the reason is asked and typed.
    listing = (await h.say(anna, "/kudos"))[0]
    assert [label for label, _ in listing.buttons()] == ["Kasia", "Bartek"] or "Anna" not in str(
        listing.buttons()
    )
    await h.tap(anna, listing, button(listing, "Kasia"))
    assert "What do you thank Kasia for?" in h.server.last_to(anna.id).shown
    assert "0 kudos left" in (await h.say(anna, "The training"))[0].shown
    assert "all your 2 kudos" in (await h.say(anna, "/kudos @bartek again"))[0].shown
    assert await kudos_points(h, bartek) == 5 and await kudos_points(h, t.boss) == 5
    forged = await h.tap(anna, listing, "kd:r:999999", check=False)
    assert forged is not None and "not in your team" in forged
    # The weekly digest of the next Monday names the most thanked (both, tied at one).
    info = await teams.find_team(h.db, "North")
    weekly = await digests.weekly_digest(h.db, info, MONDAY.date() + timedelta(days=7))
    assert sorted(x.name for x in weekly.thanked) == ["Bartek", "Kasia"]
    text = h.deps.renderer.render("digest_weekly", "en", digest=weekly, team=info)
    assert "Most thanked: Bartek, Kasia (1 kudos)" in text


async def test_a_reaction_on_a_cheer_thanks_its_reps_once_and_removing_it_takes_the_kudos_back(
    h: Harness,
) -> None:
    t = await make_team(h, "Anna", "Bartek", "Celina")
    anna, bartek, celina = t.reps["Anna"], t.reps["Bartek"], t.reps["Celina"]
    group = h.server.group(GROUP, "Team")
    cheer = await cheer_for(h, t, "Anna", "Bartek")
    h.server.react(celina, group, cheer, [], ["🔥"])
    h.server.react(celina, group, cheer, ["🔥"], ["🔥", "👏"])  # a second thanks on it: counts once
    h.server.react(anna, group, cheer, [], ["👏"])  # her own cheer: Bartek is thanked, not Anna
    h.server.react(None, group, cheer, [], ["🔥"])  # anonymous: nobody's kudos
    h.server.react(celina, group, cheer - 1, [], ["🔥"])  # not a cheer: nothing
    await h.settle(celina)
    assert await kudos_points(h, anna) == 5
    assert await kudos_points(h, bartek) == 10
    assert await h.told(anna, "Celina thanks you for your success")
    h.server.react(celina, group, cheer, ["🔥", "👏"], ["👍"])  # thanks removed: taken back
    await h.settle(celina)
    assert await kudos_points(h, anna) == 0 and await kudos_points(h, bartek) == 5
    async with h.db.read() as session:
        live = await session.scalar(
            select(func.count(Kudos.id)).where(Kudos.giver_id == celina.id, Kudos.revoked_at.is_(None))
        )
    assert live == 0  # and Celina's allowance is hers again
    h.server.react(celina, group, cheer, ["👍"], ["🔥"])  # thanked again: counts again, once
    await h.settle(celina)
    assert await kudos_points(h, anna) == 5 and await kudos_points(h, bartek) == 10


async def test_kudos_given_in_the_quiet_hours_count_but_the_receiver_is_not_woken(h: Harness) -> None:
    t = await make_team(h, "Anna", "Bartek")
    anna, bartek = t.reps["Anna"], t.reps["Bartek"]
    h.clock.now = local(11, 30, 22, 30)  # the team's quiet hours, 21:00-08:00 by default
    sent = (await h.say(anna, "/kudos @bartek the late call"))[0].shown
    assert "Kudos sent to Bartek" in sent  # the giver's own answer is never held back
    assert await kudos_points(h, bartek) == 5
    assert await h.told(bartek, "Anna thanks you") == []
