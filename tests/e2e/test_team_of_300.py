"""A team of 300 reps through the screens that list people, a meeting for all, a squad contest,
the daily post and the digest: every message is one Telegram accepts (the test server refuses
over 100 buttons, over 4096 characters and broken HTML) and no list is cut."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import date

import pytest

from tests.e2e.test_meetings import create_meeting
from tests.support.botapi import SentMessage
from tests.support.clock import FakeClock, local
from tests.support.english_team import GROUP, make_team
from tests.support.harness import Harness, button, running_bot, seed_reps

REPS = 300


def name(i: int) -> str:
    return f"Łucja{i:03} & Syn"  # an ampersand in every name: escaped, and never cut in a split


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 2, 9))) as harness:  # Monday 09:00
        yield harness


def removable(card: SentMessage) -> list[str]:
    return [label for label, data in card.buttons() if data.startswith("team:rm:")]


async def test_a_team_of_300_is_paged_searched_invited_scored_posted_and_digested(h: Harness) -> None:
    t = await make_team(h)
    reps = await seed_reps(h, "North", REPS, 1000, name)
    t.reps.update({rep.first_name: rep for rep in reps})
    h.server.enforce_rate_limits = True  # Telegram's pace: the fan-outs below must not meet a 429

    # /team: ten reps a page (the coordinator is first), ◀ n/N ▶, the last page reached.
    card = (await h.say(t.boss, "/team"))[0]
    assert len(removable(card)) == 9 and "Page 1 of 31." in card.shown
    assert [label for label, _ in card.buttons()][-2:] == ["1/31", "▶"]
    await h.tap(t.boss, card, button(card, "▶"))
    assert removable(card) == [f"Remove {name(i)}" for i in range(9, 19)] and "Page 2 of 31." in card.shown
    await h.tap(t.boss, card, "team:list:30", check=False)  # the last page's own button data
    assert removable(card) == [f"Remove {name(299)}"] and [label for label, _ in card.buttons()] == [
        f"Remove {name(299)}",
        "◀",
        "31/31",
    ]
    found = (await h.say(t.boss, "/team łucja123"))[0]
    assert removable(found) == [f"Remove {name(123)}"] and "1 match for “łucja123”." in found.shown

    # /target: the reps paged, found by name, and the found one's target set.
    card = (await h.say(t.boss, "/target"))[0]
    assert len(card.buttons()) == 10 + 2 + 1  # ten reps, ◀▶ less one at the start, the team's own
    found = (await h.say(t.boss, "/target Łucja042"))[0]
    await h.tap(t.boss, found, button(found, name(42)))
    assert "20" in (await h.say(t.boss, "20 000"))[0].shown

    # A meeting for the whole team: each of the 300 invited once, at Telegram's pace.
    await create_meeting(h, t.boss, "2026-11-05 10:00", title="All hands")
    for rep in reps:
        invitations = [m for m in h.server.messages_to(rep.id) if "All hands" in m.shown]
        assert len(invitations) == 1, rep.first_name
        assert len(invitations[0].buttons()) == 3
    listing = (await h.say(t.boss, "/meetings"))[0]
    # The whole team is the coordinator too; the list counts them rather than naming 301 people.
    assert f"No answer: {REPS + 1}" in listing.shown and name(7) not in listing.shown

    # A squad contest: the squads step pages the reps; a typed name finds one to move.
    step = (await h.say(t.boss, "/contest"))[0]
    await h.tap(t.boss, step, "ct:new")
    step = (await h.say(t.boss, "Squad cup"))[0]
    await h.tap(t.boss, step, button(step, "Squads"))
    await h.say(t.boss, "2026-11-03")
    await h.say(t.boss, "2026-11-03")
    step = (await h.say(t.boss, "-"))[0]
    assert len(step.buttons()) == 10 + 2 + 2 and "Page 1 of 30." in step.shown  # reps, ▶, Done, Cancel
    step = (await h.say(t.boss, "łucja007"))[0]
    await h.tap(t.boss, step, button(step, name(7)))
    assert f"{name(7)} → squad 2" in [label for label, _ in step.buttons()]
    await h.tap(t.boss, step, button(step, "Done"))
    await h.tap(t.boss, step, button(step, "No"))
    await h.tap(t.boss, step, button(step, "Save"))
    assert "saved" in step.shown.lower()

    # The day: two sales, the daily post in the group, the next morning's digest for the coordinator.
    await t.sale(name(7), 90_000, local(11, 3, 10))
    await t.sale(name(200), 40_000, local(11, 3, 11))
    await t.close(date(2026, 11, 3))
    posts = [m for m in h.server.messages_to(GROUP) if "📊" in m.shown]
    assert len(posts) == 1 and name(7) in posts[0].shown
    before = len(h.server.messages_to(t.boss.id))
    await t.tick_at(local(11, 4, 8))
    digest = [m for m in h.server.messages_to(t.boss.id)[before:] if m.text]
    assert len(digest) > 1  # 298 silent names do not fit one message
    texts = [m.text or "" for m in digest]
    for text in texts:  # no name cut between two parts: every one begun is whole
        assert text.count("Łucja") == len(re.findall(r"Łucja[0-9]{3} &amp; Syn", text))
    # The list of those who reported nothing, read back across the parts, is whole and in order.
    joined = " ".join(texts)  # a part split inside the list ends with its comma
    listed = joined[joined.index("Reported nothing: ") :].split("\n")[0]
    silent = [html.escape(name(i), quote=False) for i in range(REPS) if i not in (7, 200)]
    assert re.findall(r"Łucja[0-9]{3} &amp; Syn", listed) == silent

    # Throughout: the test server took every message (it refuses what Telegram refuses) at its pace.
    assert h.server.rate_limited == []
    assert max(len(m.buttons()) for m in h.server.sent) <= 100
