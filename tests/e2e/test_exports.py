"""/export through the bot: the workbook as a document, whose teams may be exported, and the period."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.callbacks import Prefix, encode
from bot.services import teams
from storage.models import TeamManager
from tests.support.botapi import FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.harness import Harness, button, running_bot

EVIL = "<b>x</b> & </a> 😀"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(local(11, 20, 12))) as harness:
        yield harness


def documents(h: Harness, user: FakeUser) -> list[SentMessage]:
    return [m for m in h.server.messages_to(user.id) if m.method == "sendDocument"]


def opened(message: SentMessage) -> Any:
    assert message.document is not None
    return load_workbook(io.BytesIO(message.document))


async def make_manager(h: Harness, user: FakeUser, *team_names: str) -> None:
    await h.say(user, "/help")  # the bot has seen them (a stranger's answer)
    async with h.db.write() as session:
        for name in team_names:
            team = await teams.find_team(h.db, name)
            session.add(TeamManager(team_id=team.id, person_id=user.id, added_at=h.clock()))


async def two_teams(h: Harness) -> tuple[FakeUser, FakeUser, FakeUser]:
    north = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(north, "North", locale="pl")
    south = h.server.user(2, "Marek", language_code="en")
    await h.coordinator(south, EVIL, locale="en")
    rep = h.server.user(3, "Ola", language_code="pl")
    await h.rep(north, rep)
    card = (await h.say(rep, '/report 1 234,50 =HYPERLINK("x")'))[0]
    await h.tap(rep, card, button(card, "Zapisz"))
    return north, south, rep


async def test_a_coordinator_gets_their_team_s_workbook_of_this_month_as_a_document(h: Harness) -> None:
    north, _, rep = await two_teams(h)
    await h.say(north, "/export")
    await h.server.wait_for(lambda: bool(documents(h, north)))
    sent = documents(h, north)[0]
    assert sent.filename == "salesbot-North-2026-11-01-2026-11-20.xlsx"
    assert "Skoroszyt zespołu North" in sent.shown
    book = opened(sent)
    assert book.sheetnames[0] == "Podsumowanie"
    row = next(iter(book["Sprzedaż"].iter_rows(min_row=2)))
    assert row[3].value == '=HYPERLINK("x")' and row[3].data_type == "s"
    assert row[5].value == 1234.5
    refused = (await h.say(rep, "/export"))[0].shown
    assert "koordynator" in refused  # a rep has no workbook
    assert not documents(h, rep)


async def test_a_manager_picks_one_team_or_all_and_a_forged_team_is_refused(h: Harness) -> None:
    _, south, _ = await two_teams(h)
    await teams.create_team(
        h.db, "West", timezone="Europe/Warsaw", locale="en", currency="PLN", now=h.clock()
    )
    boss = h.server.user(10, "Zofia", language_code="en")
    await make_manager(h, boss, "North", EVIL)
    card = (await h.say(boss, "/export 2026-11"))[0]
    labels = [label for label, _ in card.buttons()]
    assert sorted(labels[:2]) == sorted(["📊 North", f"📊 {EVIL}"]) and labels[2] == "📊 All my teams"
    await h.tap(boss, card, button(card, "All my teams"))
    await h.server.wait_for(lambda: bool(documents(h, boss)))
    book = opened(documents(h, boss)[0])
    assert book.sheetnames[0] == "Teams"
    assert sorted(r[0] for r in book["Teams"].iter_rows(min_row=2, values_only=True)) == sorted(
        ["North", EVIL]
    )
    west = await teams.find_team(h.db, "West")
    forged = encode(Prefix.EXPORT, west.id, "2026-11-01", "2026-11-30")
    await h.tap(boss, card, forged, check=False)
    own_team = await teams.find_team(h.db, "North")
    as_south = encode(Prefix.EXPORT, own_team.id, "2026-11-01", "2026-11-30")
    await h.tap(south, card, as_south, check=False)  # another team's coordinator
    await h.settle(boss)
    await h.settle(south)
    assert len(documents(h, boss)) == 1 and not documents(h, south)
    answers = [text for _, text, _ in h.server.callback_answers if text]
    assert len(answers) >= 2  # both refusals answered


@pytest.mark.parametrize(
    "args", ["2026-13", "2026-11-10 2026-11-01", "2020-01-01 2026-11-01", "tomorrow", "1 2 3"]
)
async def test_a_bad_period_gets_the_usage_and_no_document(h: Harness, args: str) -> None:
    north, _, _ = await two_teams(h)
    answer = (await h.say(north, f"/export {args}"))[0].shown
    assert "/export 2026-03" in answer
    assert not documents(h, north)


async def test_the_period_words_and_a_month_give_that_range(h: Harness) -> None:
    north, _, _ = await two_teams(h)
    await h.say(north, "/export miesiąc")
    await h.say(north, "/export 2026-02")
    await h.say(north, "/export 2026-10-05 2026-10-06")
    await h.server.wait_for(lambda: len(documents(h, north)) == 3)
    names = sorted(m.filename or "" for m in documents(h, north))
    assert names == [
        "salesbot-North-2026-02-01-2026-02-28.xlsx",
        "salesbot-North-2026-10-05-2026-10-06.xlsx",
        "salesbot-North-2026-11-01-2026-11-20.xlsx",
    ]
