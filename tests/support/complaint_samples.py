"""Hostile sample values for the complaints' templates (merged into tests/unit/test_templates.SAMPLES)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.services.access import Actor, TeamInfo
from bot.services.complaint_drafts import Choice, FilingView, Step
from bot.services.complaint_stats import OpenComplaints, WeekComplaints
from bot.services.complaints import ChangeView, ComplaintView
from bot.services.digests import DailyDigest, WeeklyDigest
from bot.services.paging import page_of
from storage.models import Role

EVIL = '<b>x</b> & </a> "q" 😀'
NOW = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
TEAM = TeamInfo(1, EVIL, "Europe/Warsaw", "pl", "PLN", -100)
COORD = Actor(1, EVIL, "pl", Role.COORDINATOR, TEAM)
REP = Actor(2, EVIL, "pl", Role.REP, TEAM)
CHANGE = ChangeView("in_progress", EVIL, NOW, EVIL)
COMPLAINT = ComplaintView(
    7, EVIL, EVIL, EVIL, "open", NOW, "Europe/Warsaw", "photo", "photo-1", [], ("in_progress", "resolved")
)
CLOSED = ComplaintView(
    8,
    EVIL,
    EVIL,
    EVIL,
    "rejected",
    NOW,
    "Europe/Warsaw",
    "document",
    "document-2",
    [CHANGE, ChangeView("rejected", EVIL, NOW, EVIL)],
)
ROW = [(1, EVIL)]
PAGES = [page_of([COMPLAINT], 0), page_of([COMPLAINT] * 25, 1), page_of([], 0), page_of([], 0, EVIL)]


def _digests() -> tuple[list[DailyDigest], list[WeeklyDigest]]:
    day = date(2026, 11, 30)
    daily = [
        DailyDigest(day, day, day, [], [], [], 0, complaints=OpenComplaints(count, days, EVIL))
        for count, days in ((1, 0), (1, 1), (3, 5), (22, 12))
    ] + [DailyDigest(day, day, day, [], [], [], 0, complaints=OpenComplaints(0))]
    weekly = [
        WeeklyDigest(day, [], None, None, 0, 0, complaints=WeekComplaints(opened, closed, median))
        for opened, closed, median in (
            (0, 0, None),
            (2, 0, None),
            (3, 1, timedelta(minutes=20)),
            (3, 2, timedelta(hours=1, minutes=10)),
            (5, 4, timedelta(hours=36)),
            (5, 5, timedelta(days=3, hours=11)),
        )
    ]
    return daily, weekly


def samples() -> dict[str, list[dict[str, Any]]]:
    daily, weekly = _digests()
    return {
        "complaint_step": [
            {
                "view": FilingView("t", step, EVIL, EVIL, kind, [Choice(1, EVIL)], problem),
                "text_max": 1000,
                "name_max": 200,
            }
            for step in Step
            for kind in (None, "photo", "document")
            for problem in (None, "name_empty", "name_too_long", "use_buttons", "file_not_now", "other")
        ],
        "complaint_card": [
            {"complaint": c, "done": done}
            for c in (COMPLAINT, CLOSED)
            for done in (None, "filed", "already", "changed")
        ],
        "complaints_list": [{"page": page, "actor": actor} for page in PAGES for actor in (COORD, REP)],
        "complaint_note_ask": [
            {"complaint": COMPLAINT, "status": s} for s in ("in_progress", "resolved", "rejected")
        ],
        "complaint_filed": [{"complaint": COMPLAINT, "team": TEAM}],
        "complaint_changed": [
            {"complaint": CLOSED, "change": change, "team": TEAM} for change in CLOSED.history
        ],
        "complaint_attachment": [{"complaint": c} for c in (COMPLAINT, CLOSED)],
        "digest_daily": [{"digest": d, "team": TEAM} for d in daily],
        "digest_weekly": [{"digest": w, "team": TEAM} for w in weekly],
    }


def merge_into(samples_by_name: dict[str, list[dict[str, Any]]]) -> None:
    """Add these samples to a template test's table (the digests' to the samples already there)."""
    for name, values in samples().items():
        samples_by_name.setdefault(name, []).extend(values)
