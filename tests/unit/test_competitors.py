"""The competitor-note services: the wizard's rules, the coordinator's list and the week's summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import competitor_notes, competitors
from bot.services.access import Actor
from bot.services.competitor_notes import Step
from bot.services.errors import Reason, Refused
from bot.services.periods import days_span
from storage.db import Database
from storage.models import CompetitorKind, Role
from tests.support.factories import make_member, make_team

# New York is UTC-5 in November: its Monday 23 November begins at 05:00 UTC.
ZONE = "America/New_York"


async def saved(
    db: Database, actor: Actor, competitor: str, kind: CompetitorKind, text: str, at: datetime
) -> competitor_notes.SavedNote:
    view = await competitor_notes.start(db, actor, at)
    view = await competitor_notes.answer_text(db, actor, competitor, at)
    view = await competitor_notes.choose_kind(db, actor, view.token, kind, at)
    view = await competitor_notes.answer_text(db, actor, text, at)
    view = await competitor_notes.choose_client(db, actor, view.token, None, at)
    assert view.step is Step.CONFIRM
    return await competitor_notes.save(db, actor, view.token, at)


async def test_the_week_summary_counts_by_competitor_and_kind_within_the_teams_local_week(
    db: Database,
) -> None:
    team = await make_team(db, "West", timezone=ZONE)
    rep = await make_member(db, team, 10)
    assert rep.team is not None
    monday = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 00:00 in New York
    for at, name, kind in (
        (monday - timedelta(minutes=1), "Rival", CompetitorKind.PRICE),  # Sunday 23:59 there
        (monday, "Rival", CompetitorKind.PRICE),
        (monday + timedelta(days=2), "rival!", CompetitorKind.OTHER),
        (monday + timedelta(days=3), "Beta", CompetitorKind.LOST_DEAL),
        (monday + timedelta(days=7) - timedelta(minutes=1), "RIVAL", CompetitorKind.PRICE),
        (monday + timedelta(days=7), "Rival", CompetitorKind.PROMOTION),  # the next Monday
    ):
        await saved(db, rep, name, kind, f"{kind} at {at:%d %H:%M}", at)
    week = days_span(date(2026, 11, 23), date(2026, 11, 29), rep.team.zone)
    summary = await competitors.week_summary(db, rep.team, week)
    assert [(s.name, s.counts, s.total) for s in summary] == [
        ("Rival", [("price", 2), ("other", 1)], 3),
        ("Beta", [("lost_deal", 1)], 1),
    ]
    assert summary[0].latest == "price at 30 04:59"


async def test_the_digest_quotes_a_long_note_cut_and_on_one_line(db: Database) -> None:
    team = await make_team(db)
    rep = await make_member(db, team, 10)
    assert rep.team is not None
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    await saved(db, rep, "Rival", CompetitorKind.PRICE, "line one\nline two " + "x" * 980, at)
    week = days_span(date(2026, 11, 23), date(2026, 11, 29), rep.team.zone)
    (summary,) = await competitors.week_summary(db, rep.team, week)
    assert len(summary.latest) == competitors.QUOTE_MAX and summary.latest.endswith("…")
    assert summary.latest.startswith("line one line two x")


async def test_the_list_is_the_coordinators_groups_the_last_30_days_and_finds_any_spelling(
    db: Database,
) -> None:
    team = await make_team(db)
    boss = await make_member(db, team, 1, Role.COORDINATOR, "Kasia")
    rep = await make_member(db, team, 10, first_name="Anna")
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    await saved(db, rep, "Old Rival", CompetitorKind.PRICE, "too old", now - timedelta(days=31))
    await saved(db, rep, "Rival Sp. z o.o.", CompetitorKind.PRICE, "first", now - timedelta(days=29))
    await saved(db, boss, "Beta", CompetitorKind.OTHER, "beta", now - timedelta(days=2))
    await saved(db, rep, "rival sp z o o", CompetitorKind.PROMOTION, "second", now - timedelta(days=1))
    with pytest.raises(Refused) as refused:
        await competitors.recent(db, rep, now)
    assert refused.value.reason is Reason.COORDINATORS_ONLY
    listing = await competitors.recent(db, boss, now)
    assert [(g.name, [n.text for n in g.notes]) for g in listing.competitors] == [
        ("Rival Sp. z o.o.", ["second", "first"]),
        ("Beta", ["beta"]),
    ]
    assert listing.total == 3 and listing.competitors[0].notes[0].by == "Anna"
    found = await competitors.recent(db, boss, now, "sp z o")
    assert [g.name for g in found.competitors] == ["Rival Sp. z o.o."]


async def test_typing_at_a_button_step_is_refused_and_a_save_before_the_confirmation_is_stale(
    db: Database,
) -> None:
    team = await make_team(db)
    rep = await make_member(db, team, 10)
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    view = await competitor_notes.start(db, rep, at)
    with pytest.raises(Refused) as early:
        await competitor_notes.save(db, rep, view.token, at)
    assert early.value.reason is Reason.STALE_BUTTON
    view = await competitor_notes.answer_text(db, rep, "Rival", at)
    again = await competitor_notes.answer_text(db, rep, "price", at)
    assert again.step is Step.KIND and again.problem == "use_buttons"
    view = await competitor_notes.choose_kind(db, rep, view.token, CompetitorKind.PRICE, at)
    empty = await competitor_notes.answer_text(db, rep, "   ", at)
    assert empty.step is Step.NOTE and empty.problem == "name_empty"
