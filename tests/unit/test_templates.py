"""Every template renders in both languages with hostile values, escaped; every message is translated."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from bot import menus
from bot.render import TEMPLATES_DIR, Renderer
from bot.services import meetings
from bot.services.access import Actor, TeamInfo
from bot.services.announcements import AnnounceStep, Audience, Outcome, Preview, Queued
from bot.services.catalogue import ItemView, RedemptionView
from bot.services.celebrations import Cheer
from bot.services.chart_data import Series
from bot.services.client_desk import Choice as ClientChoice
from bot.services.client_desk import ContactStep, ContactView
from bot.services.client_lapses import Lapse
from bot.services.clients import ClientCard, ClientRow, Contact, Note, OwnerChoice, Totals
from bot.services.competitor_notes import Choice as CompetitorChoice
from bot.services.competitor_notes import NoteView, SavedNote
from bot.services.competitor_notes import Step as CompetitorStep
from bot.services.competitors import CompetitorNotes, NoteLine, NotesList, WeekSummary
from bot.services.contests import ContestDraft, ContestView, Entry
from bot.services.corrections import Change, CorrectedLate, CorrectStep, Field, SaleCard
from bot.services.digests import DailyDigest, DailyPost, RepLine, WeekLine, WeeklyDigest
from bot.services.duels import DuelView, Side
from bot.services.errors import Reason
from bot.services.exports import Workbook as ExportedBook
from bot.services.kudos import Given as KudosGiven
from bot.services.kudos import Peer, Thanked
from bot.services.leave import Leave, LeaveSet
from bot.services.live_board import Board, ContestLead
from bot.services.managers import TeamLine, holder_of
from bot.services.meetings import AttendeeView, MeetingDraft, MeetingView
from bot.services.pace_alerts import Behind
from bot.services.paging import page_of
from bot.services.periods import Period, Span
from bot.services.report import Choice, DraftView, SavedSale, Step
from bot.services.results import PeriodResult, Ranking, RankRow
from bot.services.rewards import Grant, PointsView
from bot.services.sales import OwnLine, SaleLine, SalesPage
from bot.services.summary import Stretch as SummaryStretch
from bot.services.summary import Summary, TeamRow
from bot.services.targets import PercentRow, Progress, SetTarget, TargetSubject
from bot.services.task_drafts import Given, TaskData, TaskDraft, TaskStep
from bot.services.tasks import RepChoice, TaskView
from bot.services.team_settings import Field as SettingsField
from bot.services.team_settings import SettingsView
from bot.services.teams import JoinOutcome, JoinResult, MemberView
from bot.settings import pick_locale
from storage.models import Role
from tests.support import complaint_samples

EVIL = '<b>x</b> & </a> "q" 😀'
# A single page, a page of many, and a search's page (with what was typed, escaped).
PAGES = [page_of([1], 0), page_of(list(range(35)), 1), page_of(list(range(12)), 0, EVIL)]
ESCAPED = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/a&gt; &#34;q&#34; 😀"
NOW = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
TEAM = TeamInfo(1, EVIL, "Europe/Warsaw", "pl", "PLN", -100)
COORD = Actor(1, EVIL, "pl", Role.COORDINATOR, TEAM)
REP_ACTOR = Actor(2, EVIL, "pl", Role.REP, TEAM)
SPAN = Span(NOW, NOW, date(2026, 11, 23), date(2026, 11, 29))
LINE = SaleLine(7, EVIL, EVIL, EVIL, 123450, "PLN", NOW, False)
DRAFT = DraftView("tok", Step.CONFIRM, EVIL, 123450, EVIL, True, "PLN", [Choice(1, EVIL)], "too_large")
BOARD = Ranking(
    Period.WEEK,
    SPAN,
    [RankRow(1, 1, EVIL, 500, 1), RankRow(1, 2, EVIL, 500, 2), RankRow(3, 3, EVIL, 100, 5)],
    1100,
    8,
    "PLN",
)

CLIENT = ClientRow(1, EVIL, "k", "company", True, 3)
LAPSE = Lapse(1, 2, EVIL, NOW, 15, 3, EVIL, "pl", True)
TASK = TaskView(4, EVIL, date(2026, 11, 30), 3, EVIL, 1, EVIL, EVIL, None)
TASK_DONE = replace(TASK, client=None, done_at=NOW)
TASK_REPS = [RepChoice(i, EVIL) for i in range(1, 26)]
TASK_DATA = TaskData([1, 2], False, 1, EVIL, EVIL, "2026-11-30", 5, EVIL)

ATTENDEES = [
    AttendeeView(1, EVIL, "yes", True),
    AttendeeView(2, EVIL, "no", False),
    AttendeeView(3, EVIL, None, None),
    AttendeeView(4, EVIL, "maybe", None),
]
MEETING = MeetingView(5, "integration", EVIL, NOW, 90, EVIL, False, ATTENDEES)
MEETING_DRAFT_DATA = {
    "kind": "audit",
    "title": EVIL,
    "starts_at": NOW.isoformat(),
    "duration": 60,
    "place": EVIL,
}

CONTEST_ENTRIES = [
    Entry(1, EVIL, 5000, person_id=1, reached_at=NOW),
    Entry(1, EVIL, 5000, person_id=2),
    Entry(3, EVIL, 10, squad=2),
]
CONTESTS = [
    ContestView(
        1,
        EVIL,
        kind,
        100_000 if kind == "race" else None,
        NOW,
        NOW,
        [EVIL, "b"],
        True,
        CONTEST_ENTRIES,
        CONTEST_ENTRIES[:1],
        repeat,
        round_no,
    )
    for kind in ("amount", "count", "race", "squads", "percent")
    for repeat, round_no in ((None, 1), ("week", 3), (None, 2))
]
ITEM = ItemView(3, EVIL, 120, 4, False)
REQUEST = RedemptionView(7, ITEM, 1, EVIL, "pl", "requested")
CONTEST_DATA = {
    "title": EVIL,
    "kind": "race",
    "target": 1000,
    "start": NOW.isoformat(),
    "end": NOW.isoformat(),
    "prizes": [EVIL],
    "squads": {"1": 2},
}

DUEL_SIDES = (Side(1, EVIL, "pl", 120_000), Side(2, EVIL, None, 80_000))
DUELS = [
    DuelView(5, 1, span, status, 21, *DUEL_SIDES, NOW, NOW, NOW, winner)
    for span in ("day", "week")
    for status, winner in (
        ("pending", None),
        ("accepted", None),
        ("declined", None),
        ("finished", 1),
        ("finished", None),
    )
]

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "kudos_choose": [
        {"page": page_of(items, 0, query)} for items, query in (([], ""), (list(range(25)), EVIL))
    ],
    "kudos_ask": [{"peer": Peer(1, EVIL, EVIL), "max": 300}],
    "kudos_given": [{"given": KudosGiven(1, EVIL, 2, EVIL, "pl", EVIL, 5, left)} for left in (0, 1, 4)],
    "kudos_received": [
        {"given": KudosGiven(1, EVIL, 2, EVIL, None, reason, 5, 3)} for reason in (EVIL, None)
    ],
    "duel_choose": [
        {"page": page_of(items, 0, query), "span": span}
        for items, query in (([], ""), (list(range(25)), EVIL))
        for span in ("day", "week")
    ],
    "duel_sent": [{"duel": d, "team": TEAM} for d in DUELS],
    "duel_challenge": [{"duel": d, "team": TEAM} for d in DUELS],
    "duel_answered": [{"duel": d, "team": TEAM} for d in DUELS[1:3]],
    "duel_expired": [{"duel": d, "team": TEAM} for d in DUELS],
    "duel_result": [{"duel": d, "team": TEAM} for d in DUELS[3:5] + DUELS[8:]],
    "apology": [{}],
    "unavailable": [{}],
    "stranger": [{}],
    "stranger_short": [{}],
    "help": [
        *(
            {"actor": actor, "sections": menus.help_sections(holder_of(actor))}
            for actor in (
                COORD,
                replace(COORD, managed=(TEAM,)),
                Actor(2, EVIL, "pl", Role.REP, TEAM),
                Actor(3, EVIL, "pl", managed=(TEAM, TEAM)),  # a manager only
                Actor(4, EVIL, "en", Role.REP, TEAM, managed=(TEAM,)),
            )
        ),
        {"actor": Actor(2, EVIL, "pl", Role.REP, TEAM), "sections": [("group", menus.GROUP_COMMANDS)]},
        {"actor": Actor(5, EVIL, "pl"), "sections": []},
    ],
    "privacy": [
        {"actor": COORD, "days": 90, "recorded": True},
        {"actor": Actor(3, EVIL, "pl", managed=(TEAM,)), "days": 14, "recorded": True},
        {"actor": Actor(4, EVIL, "pl"), "days": 90, "recorded": True},  # removed: records stay
        {"actor": Actor(5, EVIL, "pl"), "days": 90, "recorded": False},  # a stranger
    ],
    "export_choose": [{"first": NOW.date(), "last": NOW.date()}],
    "export_sent": [
        {"book": ExportedBook(Path("x.xlsx"), "x.xlsx", [TEAM], NOW.date(), NOW.date())},
        {"book": ExportedBook(Path("x.xlsx"), "x.xlsx", [TEAM, TEAM], NOW.date(), NOW.date())},
    ],
    "summary": [
        {"summary": Summary(stretch, NOW.date(), NOW.date(), rows, finished)}
        for stretch in SummaryStretch
        for finished in (False, True)
        for rows in (
            [],
            [
                TeamRow(EVIL * 10, "PLN", 123_456_789_012, None, 0, None, 0, 0),
                TeamRow(EVIL, "EUR", 5, 1_000, 10, EVIL * 10, 3, 12),
            ],
        )
    ],
    "me_chart": [
        {"series": Series([NOW.date()], [None], [None]), "team": TEAM},
        {"series": Series([NOW.date()] * 3, [5, 12_345, None], [1, 2, 300_000]), "team": TEAM},
    ],
    "teams_list": [
        {"lines": [TeamLine(EVIL, "PLN", 1, 12_345, None), TeamLine(EVIL, "EUR", 300, 5, 1_000_000)]},
        {"lines": []},
    ],
    "joined": [
        {"actor": COORD, "result": JoinResult(outcome, Role.COORDINATOR, TEAM)} for outcome in JoinOutcome
    ]
    + [{"actor": COORD, "result": JoinResult(JoinOutcome.JOINED, Role.REP, TEAM)}],
    "refused": [
        {
            "reason": reason,
            "limit": 200,
            "title": EVIL,
            "cost": 10,
            "balance": 3,
            "start": "21:00",
            "end": "08:00",
            "times": ["22:00"],
            "rival": EVIL,
            "allowance": 5,
            "max": 300,
        }
        for reason in (*(r.value for r in Reason), "other")
    ],
    "invite": [{"link": "https://t.me/b?start=x", "expires_at": NOW, "team": TEAM, "replaced": True}],
    "team": [
        {
            "members": [MemberView(i, i, EVIL, EVIL, Role.REP) for i in range(n)],
            "page": page_of([MemberView(i, i, EVIL, EVIL, Role.REP) for i in range(n)], number, query),
            "team": TEAM,
            "removed": EVIL,
        }
        for n in (1, 2, 5, 25)
        for number, query in ((0, ""), (2, EVIL))
    ],
    "team_remove_confirm": [{"member": MemberView(1, 1, EVIL, None, Role.REP)}],
    "group_linked": [{"team": TEAM, "in_topic": False}, {"team": TEAM, "in_topic": True}],
    "topic_set": [
        {"topic": topic} for topic in ("board", "contests", "cheers", "duels", "kudos", "announcements")
    ],
    "topic_gone": [{"team": TEAM}],
    "report_step": [
        {
            "draft": DraftView("t", step, EVIL, 100, EVIL, False, "PLN", [], problem),
            "max_minor": 10**9,
            "name_max": 200,
        }
        for step in Step
        for problem in (None, "ambiguous", "name_too_long")
    ]
    + [{"draft": DRAFT, "max_minor": 10**9, "name_max": 200}],
    "report_quick_refused": [
        {"problem": p, "max_minor": 10**9, "currency": "PLN"}
        for p in ("not_a_number", "too_large", "quick_no_client", "empty")
    ],
    "report_in_group": [{}],
    "report_saved": [
        {"sale": SavedSale(1, EVIL, 99, "PLN", EVIL, NOW, already), "team": TEAM} for already in (False, True)
    ],
    "report_cancelled": [{}],
    "nothing_to_cancel": [{}],
    "undo_done": [{"line": LINE}],
    "void_ask": [{"line": LINE}],
    "void_done": [{"line": LINE}],
    "sales_list": [
        {"page": SalesPage([LINE, LINE], 0, 20), "team": TEAM},
        {"page": SalesPage([], 0, 0), "team": TEAM},
    ],
    "me": [
        {
            "results": [PeriodResult(p, SPAN, 500 * n, n, n or None, 3) for n, p in enumerate(Period)],
            "team": TEAM,
            "actor": COORD,
            "progress": progress,
            "badges": badges,
        }
        for progress in (
            None,
            Progress(None, 0, 1, 20, 20),
            Progress(100_000, 45_000, 10, 11, 20),
            Progress(100_000, 45_000, 0, 20, 20),
            Progress(100_000, 45_000, 20, 0, 20),
            Progress(100_000, 145_000, 20, 1, 20),
            Progress(100_000, 99_999, 19, 1, 20),
        )
        for badges in ([], [("first_sale", NOW)])
    ],
    "rewards_earned": [
        {
            "grants": [
                Grant(1, r, 10) for r in ("top_seller", "pace", "personal_best", "first_sale", "streak_3")
            ],
            "badges": ["first_sale", "sales_10", "streak_5", "target_2026_11"],
            "day": date(2026, 11, 27),
        }
    ],
    "points": [
        {
            "view": PointsView(75, [(NOW, 50, "top_seller", "day:x"), (NOW, -20, "redeem", "r:1")]),
            "team": TEAM,
        },
        {"view": PointsView(0, []), "team": TEAM},
        {"view": PointsView(1, []), "team": TEAM},
    ],
    "badges": [
        {"badges": [("sales_50", NOW), ("streak_20", NOW)], "team": TEAM},
        {"badges": [], "team": TEAM},
    ],
    "target_choose": [{"month": date(2026, 11, 1), "page": page} for page in PAGES],
    "target_ask": [{"month": date(2026, 11, 1), "team_target": t} for t in (True, False)],
    "target_set": [
        {"result": SetTarget(TargetSubject(1, EVIL), 2_000_000, date(2026, 11, 1)), "team": TEAM},
    ],
    "leaderboard_percent": [
        {
            "rows": [PercentRow(1, 1, EVIL, 150, 15_000, 10_000), PercentRow(2, 2, EVIL, 5, 500, 10_000)],
            "team": TEAM,
        },
        {"rows": [], "team": TEAM},
    ],
    "live_board": [
        {
            "board": Board(
                date(2026, 11, 27),
                BOARD.rows,
                12,
                1100,
                8,
                50_000,
                100_000,
                [ContestLead(EVIL, kind, CONTEST_ENTRIES[:2]) for kind in ("amount", "count", "squads")],
            ),
            "team": TEAM,
        },
        {"board": Board(date(2026, 11, 27), BOARD.rows, 2, 1100, 8, 1100, None, final=True), "team": TEAM},
    ],
    "daily_post": [
        {"post": DailyPost(date(2026, 11, 27), BOARD.rows, 1100, 8, [EVIL, EVIL]), "team": TEAM},
        {"post": DailyPost(date(2026, 11, 27), [], 0, 0, []), "team": TEAM},
        {
            "post": DailyPost(
                date(2026, 11, 27),
                BOARD.rows,
                1100,
                8,
                [EVIL],
                5000,
                [(EVIL, ["top_seller", "streak_10"])],
            ),
            "team": TEAM,
        },
    ],
    "pace_alert": [
        {"rep": Behind(1, EVIL, "pl", 42, 12_000, 100_000, 8_800, days), "team": TEAM}
        for days in (1, 2, 5, 22)
    ],
    "digest_daily": [
        {
            "digest": DailyDigest(
                date(2026, 11, 30),
                date(2026, 11, 27),
                date(2026, 11, 29),
                [RepLine(1, EVIL, 100, 1, True)],
                [EVIL],
                [EVIL],
                100,
                behind_pace=[EVIL, EVIL],
            ),
            "team": TEAM,
        },
        {
            "digest": DailyDigest(date(2026, 11, 30), date(2026, 11, 29), date(2026, 11, 29), [], [], [], 0),
            "team": TEAM,
        },
        {
            "digest": DailyDigest(
                date(2026, 11, 30),
                date(2026, 11, 29),
                date(2026, 11, 29),
                [],
                [],
                [],
                0,
                quiet_clients=[LAPSE, replace(LAPSE, owner_name=None, days=1)],
                overdue_tasks=[TASK, replace(TASK_DONE, due=date(2026, 11, 29))],
            ),
            "team": TEAM,
        },
    ],
    "key_client_reminder": [{"lapse": replace(LAPSE, days=days)} for days in (1, 3, 22)],
    "digest_weekly": [
        {
            "digest": WeeklyDigest(
                date(2026, 11, 30),
                [WeekLine(EVIL, 500, 100), WeekLine(EVIL, 0, 300)],
                WeekLine(EVIL, 500, 100),
                WeekLine(EVIL, 0, 300),
                500,
                400,
            ),
            "team": TEAM,
        },
        {"digest": WeeklyDigest(date(2026, 11, 30), [], None, None, 0, 0), "team": TEAM},
        {
            "digest": WeeklyDigest(
                date(2026, 11, 30), [], None, None, 0, 0, thanked=[Thanked(EVIL, 3), Thanked(EVIL, 3)]
            ),
            "team": TEAM,
        },
        {"digest": WeeklyDigest(date(2026, 11, 30), [], None, None, 0, 0, [MEETING]), "team": TEAM},
        {
            "digest": WeeklyDigest(
                date(2026, 11, 30),
                [],
                None,
                None,
                0,
                0,
                [MEETING],
                [
                    WeekSummary(EVIL, [("price", 2), ("promotion", 1)], EVIL),
                    WeekSummary(EVIL, [("other", 1)], EVIL),
                ],
            ),
            "team": TEAM,
        },
    ],
    "nudge": [{"day": date(2026, 11, 27)}],
    "contest_step": [
        {
            "draft": ContestDraft("t", step, CONTEST_DATA, [(1, EVIL)], problem),
            "team": TEAM,
            "max_minor": 10**9,
            "page": page,
        }
        for step in ("title", "kind", "target", "start", "end", "prizes", "squads", "improved", "confirm")
        for page in PAGES
        for problem in (
            None,
            "bad_when",
            "end_before_start",
            "bad_prizes",
            "two_squads",
            "too_large",
            "name_empty",
        )
    ]
    + [{"draft": ContestDraft("t", "title", {}, [], None), "team": TEAM, "max_minor": 10**9}]
    + [
        {
            "draft": ContestDraft("t", "confirm", {**CONTEST_DATA, "repeat": r}, [], None),
            "team": TEAM,
            "max_minor": 10**9,
            "page": None,
        }
        for r in ("day", "week", "month", "")
    ],
    "contest_saved": [{"contest": c, "team": TEAM} for c in CONTESTS],
    "contest_countdown": [
        {"contest": c, "team": TEAM, "phase": phase, "now": NOW - timedelta(days=3)}
        for c in CONTESTS
        for phase in ("start", "half", "last")
    ],
    "contest_series_stopped": [{"contest": c, "team": TEAM} for c in CONTESTS],
    "contest_list": [
        {"contests": CONTESTS, "team": TEAM, "now": NOW - timedelta(hours=3)},
        {"contests": CONTESTS, "team": TEAM, "now": NOW - timedelta(days=-1)},
        {"contests": [], "team": TEAM, "now": NOW},
    ],
    "contest_started": [{"contest": c, "team": TEAM} for c in CONTESTS],
    "contest_leader": [{"contest": c, "team": TEAM} for c in CONTESTS],
    "contest_ended": [{"contest": c, "team": TEAM} for c in CONTESTS]
    + [{"contest": ContestView(1, EVIL, "amount", None, NOW, NOW, [], False), "team": TEAM}],
    "cheer": [
        {
            "cheers": [
                Cheer("big_deal", EVIL, 100_000),
                Cheer("target", EVIL, 5),
                Cheer("personal_best", EVIL, 7),
            ],
            "team": TEAM,
        }
    ],
    "rewards_list": [
        {
            "balance": b,
            "items": items,
            "actor": a,
            "waiting": [REQUEST] if a is COORD else [],
            "page": page,
            "empty": not items,
        }
        for b in (0, 1, 5)
        for page in PAGES
        for items in ([ITEM], [])
        for a in (COORD, Actor(2, EVIL, "pl", Role.REP, TEAM))
    ],
    "reward_item_ask": [{"step": s} for s in ("title", "cost", "stock")],
    "reward_item_saved": [{"item": ITEM}, {"item": ItemView(3, EVIL, 120, 4, True)}],
    "reward_requested": [{"request": REQUEST}],
    "reward_request_review": [
        {"request": RedemptionView(7, ITEM, 1, EVIL, "pl", status), "team": TEAM}
        for status in ("requested", "approved", "rejected")
    ],
    "reward_decided": [
        {"request": RedemptionView(7, ITEM, 1, EVIL, "pl", status), "team": TEAM}
        for status in ("approved", "rejected")
    ],
    "meeting_step": [
        {
            "draft": MeetingDraft("t", step, MEETING_DRAFT_DATA, ATTENDEES, problem),
            "team": TEAM,
            "name_max": 200,
            "page": page,
        }
        for step in meetings.STEPS
        for page in PAGES
        for problem in (None, "bad_when", "when_past", "bad_duration", "no_attendees", "name_too_long")
    ]
    + [{"draft": MeetingDraft("t", "kind", {}, [], None), "team": TEAM, "name_max": 200, "page": None}],
    "meeting_saved": [{"meeting": MEETING, "team": TEAM}],
    "meeting_invite": [{"meeting": MEETING, "team": TEAM, "attendee": a} for a in [None, *ATTENDEES]],
    "meeting_reminder": [{"meeting": MEETING, "team": TEAM, "attendee": ATTENDEES[0]}],
    "meeting_moved": [{"meeting": MEETING, "team": TEAM, "attendee": None}],
    "meeting_cancelled": [{"meeting": MEETING, "team": TEAM, "attendee": None}],
    "meeting_cancel_confirm": [{"meeting": MEETING, "team": TEAM}],
    "meeting_ask_move": [{"meeting": MEETING, "team": TEAM}],
    "meeting_attendance": [{"meeting": MEETING, "team": TEAM, "page": page} for page in PAGES],
    "meetings_list": [
        {"coming": [MEETING], "past": [MEETING], "team": TEAM, "actor": COORD, "page": page} for page in PAGES
    ]
    + [
        {
            "coming": [MEETING],
            "past": [],
            "team": TEAM,
            "actor": Actor(3, EVIL, "pl", Role.REP, TEAM),
            "page": page,
        }
        for page in PAGES
    ]
    + [{"coming": [], "past": [], "team": TEAM, "actor": COORD, "page": page} for page in PAGES],
    "nudge_noted": [{"day": date(2026, 11, 27)}],
    "pin_rights": [{"team": TEAM}],
    "settings": [
        {
            "settings": SettingsView(
                "18:00", "17:00", frozenset({1, 2, 6}), "PL", [date(2026, 12, 24)], {"pace": 20}
            ),
            "team": TEAM,
        },
        {"settings": SettingsView("08:30", "07:00", frozenset({7}), None, [], {}), "team": TEAM},
        {
            "settings": SettingsView(
                "18:00",
                "17:00",
                frozenset({1}),
                None,
                [],
                {},
                100,
                7,
                55,
                quiet_start="00:00",
                quiet_end="00:00",
            ),
            "team": TEAM,
        },
    ],
    "settings_ask": [{"field": f.value} for f in SettingsField],
    "holiday_added": [{"day": date(2026, 12, 24)}],
    "clients_list": [
        {"page": page_of([CLIENT, CLIENT], number, query)} for number, query in ((0, ""), (0, EVIL))
    ]
    + [{"page": page_of([], 0, query)} for query in ("", EVIL)]
    + [{"page": page_of([CLIENT] * 25, 1)}],
    "client_card": [
        {"card": card, "done": done}
        for card in (
            ClientCard(
                CLIENT,
                EVIL,
                Totals(12345, 1),
                Totals(99900, 5),
                "PLN",
                "Europe/Warsaw",
                Contact("call", NOW, EVIL),
                [Note(EVIL, NOW, EVIL)] * 5,
                True,
            ),
            ClientCard(
                ClientRow(2, EVIL, "k", "person", False, None),
                None,
                Totals(0, 0),
                Totals(0, 0),
                "PLN",
                "Europe/Warsaw",
                None,
            ),
            ClientCard(
                CLIENT, None, Totals(0, 0), Totals(0, 22), "PLN", "Europe/Warsaw", Contact("sale", NOW, EVIL)
            ),
        )
        for done in (None, "added", "known", "contact", "note")
    ],
    "client_step": [{"step": "name", "view": None, "problem": None, "name_max": 200}]
    + [
        {"step": "client_note", "view": CLIENT, "problem": p, "name_max": 200}
        for p in (None, "name_too_long")
    ]
    + [
        {
            "step": step.value,
            "view": ContactView("t", step, EVIL, "visit", [ClientChoice(1, EVIL)], problem),
            "problem": problem,
            "name_max": 200,
        }
        for step in ContactStep
        for problem in (None, "client_unknown", "name_empty")
    ],
    "competitor_step": [
        {
            "view": NoteView("t", step, EVIL, kind, note, client, [CompetitorChoice(1, EVIL)], problem),
            "name_max": 200,
            "note_max": 1000,
        }
        for step in CompetitorStep
        for kind, note, client in (("", "", ""), ("lost_deal", EVIL, EVIL), ("price", EVIL, ""))
        for problem in (None, "client_taken", "name_too_long", "name_empty", "use_buttons", "odd")
    ],
    "competitor_saved": [
        {"saved": SavedNote(EVIL, kind, EVIL, client, NOW, already), "team": TEAM}
        for kind in ("price", "new_product", "other")
        for client in (EVIL, None)
        for already in (False, True)
    ],
    "competitors_list": [
        {
            "listing": NotesList(
                NOW,
                "Europe/Warsaw",
                [
                    CompetitorNotes(1, EVIL, [NoteLine("promotion", EVIL, NOW, EVIL, EVIL)] * n),
                    CompetitorNotes(2, EVIL, [NoteLine("lost_deal", EVIL, NOW, EVIL, None)]),
                ][:groups],
                query,
            ),
            "days": 30,
        }
        for n in (1, 3)
        for groups in (0, 1, 2)
        for query in ("", EVIL)
    ],
    "clients_handed": [
        {"rep": EVIL, "clients": [EVIL] * n, "owner": EVIL, "tasks": [(EVIL, date(2026, 11, 30))] * t}
        for n in (0, 1, 2, 5, 40)
        for t in (0, 1, 3)
        if n or t
    ],
    "task_step": [
        {
            "draft": TaskDraft("t", step, data, TASK_REPS, problem),
            "page": TaskDraft("t", step, data, TASK_REPS).page,
        }
        | {"name_max": 200, "text_max": 1000}
        for step in TaskStep
        for data in (TASK_DATA, TaskData(everyone=True), TaskData(list(range(1, 15))), TaskData())
        for problem in (None, "bad_due", "due_past", "no_reps", "no_such_client", "name_too_long")
    ],
    "task_saved": [{"given": Given("b", [TASK] * n), "team": TEAM} for n in (0, 1, 3, 12)],
    "task_given": [
        {"task": t, "team": TEAM, "reminder": r} for t in (TASK, TASK_DONE) for r in (False, True)
    ],
    "task_done_notice": [{"task": t, "team": TEAM} for t in (TASK, TASK_DONE)],
    "tasks_list": [
        {"page": page_of(items, number), "actor": actor, "team": TEAM}
        for items in ([], [TASK], [TASK, replace(TASK, assignee_id=9)] * 12)
        for number in (0, 1)
        for actor in (COORD, Actor(2, EVIL, "pl", Role.REP, TEAM))
    ],
    "task_card": [{"task": t, "team": TEAM, "moved": m} for t in (TASK, TASK_DONE) for m in (None, EVIL)],
    "task_assign": [{"task": TASK, "team": TEAM, "page": page_of(TASK_REPS[:n], 1)} for n in (0, 3, 25)],
    "client_owners": [
        {"client": CLIENT, "page": page_of([OwnerChoice(1, EVIL, True)] * n, 0)} for n in (1, 25)
    ],
    "announce_ask": [{}],
    "announce_card": [
        {"preview": Preview("t", AnnounceStep.CONFIRM, EVIL, [], audience, True, n)}
        for audience in Audience
        for n in (1, 3, 5)
    ],
    "announce_queued": [
        {"queued": Queued(1, 2, Audience.BOTH, n, group)} for n in (0, 1, 4, 300) for group in (True, False)
    ],
    "announce_report": [
        {"outcome": Outcome(1, 1, 1, "pl", EVIL, audience, group, 3, 1, [EVIL], unknown)}
        for audience, group in (
            (Audience.GROUP, "received"),
            (Audience.REPS, None),
            (Audience.BOTH, "unreached"),
        )
        for unknown in ([], [EVIL, EVIL])
    ]
    + [{"outcome": Outcome(1, 1, 1, None, EVIL, Audience.BOTH, "unknown", 300, 300, [], [])}],
    "leaderboard": [
        {"board": BOARD, "team": TEAM},
        {"board": Ranking(Period.DAY, SPAN, [], 0, 0, "PLN"), "team": TEAM},
        {"board": Ranking(Period.MONTH, SPAN, [], 0, 0, "PLN"), "team": TEAM},
    ],
}

CHANGES = [
    Change(Field.AMOUNT, "10000", "100000", EVIL, NOW, EVIL),
    Change(Field.CLIENT, EVIL, EVIL, EVIL, NOW, None),
    Change(Field.PRODUCT, None, EVIL, EVIL, NOW, None),
]
LEAVE = Leave(3, 1, EVIL, date(2026, 12, 8), date(2026, 12, 10))
SAMPLES.update(
    {
        "sale_card": [
            {"card": card, "team": TEAM, "max_minor": 10**9, "name_max": 200}
            for card in (
                SaleCard(LINE, []),
                SaleCard(LINE, CHANGES, "t", CorrectStep.FIELD, late=True, coordinator=True),
                SaleCard(LINE, [], "t", CorrectStep.VALUE, Field.AMOUNT, problem="ambiguous"),
                SaleCard(LINE, [], "t", CorrectStep.VALUE, Field.CLIENT),
                SaleCard(LINE, [], "t", CorrectStep.VALUE, Field.PRODUCT, problem="name_too_long"),
                SaleCard(LINE, [], "t", CorrectStep.REASON, Field.AMOUNT, "12345", coordinator=True),
                SaleCard(LINE, [], "t", CorrectStep.REASON, Field.CLIENT, EVIL, coordinator=True),
                SaleCard(LINE, [], "t", CorrectStep.REASON, Field.PRODUCT, EVIL, coordinator=True),
                SaleCard(LINE, CHANGES, changed=CHANGES[0], late=True),
            )
        ],
        "my_sales": [
            {
                "lines": [
                    OwnLine(LINE, True),
                    OwnLine(LINE, False),
                    OwnLine(replace(LINE, voided=True), False),
                ],
                "team": TEAM,
            },
            {"lines": [], "team": TEAM},
        ],
        "leave_list": [
            {"leaves": leaves, "actor": actor, "cancelled": cancelled}
            for leaves in ([LEAVE, replace(LEAVE, last=LEAVE.first)], [])
            for actor in (COORD, REP_ACTOR)
            for cancelled in (None, LEAVE)
        ],
        "leave_set": [
            {"result": LeaveSet(leave, merged, other)}
            for leave in (LEAVE, replace(LEAVE, last=LEAVE.first))
            for merged in (0, 2)
            for other in (False, True)
        ],
        "leave_choose": [
            {"first": LEAVE.first, "last": last, "page": page_of(list(range(n)), 0)}
            for last in (LEAVE.first, LEAVE.last)
            for n in (3, 25)
        ],
    }
)
SAMPLES["digest_daily"].append(
    {
        "digest": DailyDigest(
            date(2026, 11, 30),
            date(2026, 11, 27),
            date(2026, 11, 29),
            [RepLine(1, EVIL, 100, 1, False, 500, 400)],
            [EVIL],
            [],
            100,
            no_sales=[EVIL, EVIL],
            away=[EVIL],
            away_today=[EVIL],
            corrected_late=[
                CorrectedLate(5, EVIL, Field.AMOUNT, "10000", "100000", date(2026, 11, 27), EVIL),
                CorrectedLate(6, EVIL, Field.PRODUCT, None, EVIL, date(2026, 11, 27)),
            ],
            reward_requests=[REQUEST, REQUEST],
        ),
        "team": TEAM,
    }
)

complaint_samples.merge_into(SAMPLES)


def test_every_template_has_samples(renderer: Renderer) -> None:
    assert set(renderer.template_names()) == set(SAMPLES)


@pytest.mark.parametrize("locale", ["en", "pl"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_template_renders_escaped(renderer: Renderer, name: str, locale: str) -> None:
    for values in SAMPLES[name]:
        text = renderer.render(name, locale, **values)
        assert text
        assert "<b>x</b>" not in text and "</a>" not in text
        # Wherever the hostile name shows, it shows whole and escaped.
        assert text.count("😀") == text.count(ESCAPED)
        assert "\n\n\n" not in text, "a stray empty line"


def test_polish_and_english_differ_and_plurals(renderer: Renderer) -> None:
    def team_line(n: int, locale: str) -> str:
        members = [MemberView(i, i, "A", None, Role.REP) for i in range(n)]
        page = page_of(members, 0)
        return renderer.render(
            "team", locale, members=members, page=page, team=TEAM, removed=None
        ).splitlines()[0]

    assert "1 osoba" in team_line(1, "pl")
    assert "2 osoby" in team_line(2, "pl")
    assert "5 osób" in team_line(5, "pl")
    assert "22 osoby" in team_line(22, "pl")
    assert "12 osób" in team_line(12, "pl")
    assert "1 person" in team_line(1, "en") and "5 people" in team_line(5, "en")
    board = renderer.render("leaderboard", "pl", board=BOARD, team=TEAM)
    assert "1 sprzedaż)" in board and "2 sprzedaże)" in board and "5 sprzedaży)" in board
    assert "11,00\xa0zł" in board
    assert renderer.render("apology", "pl") != renderer.render("apology", "en")
    found = renderer.render(
        "target_choose", "pl", month=date(2026, 11, 1), page=page_of(list(range(5)), 0, "ania")
    )
    assert "5 wyników dla „ania”." in found and "Aby kogoś znaleźć, wyślij /target" in found
    paged = renderer.render(
        "rewards_list",
        "pl",
        balance=0,
        items=[],
        actor=COORD,
        waiting=[],
        page=page_of(list(range(35)), 1),
        empty=True,
    )
    assert "Strona 2 z 4." in paged


def test_labels_render_plain_in_both_languages(renderer: Renderer) -> None:
    for locale in ("en", "pl"):
        assert renderer.label(locale, "remove", name=EVIL).endswith(EVIL)
        for name in ("save", "cancel", "skip", "undo", "yesterday", "revoke", "report_now", "no_sales_today"):
            assert renderer.label(locale, name)
        assert renderer.label(locale, "command", name="report")
    assert renderer.label("pl", "save") == "Zapisz"


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_every_message_is_translated(locale: str) -> None:
    with (TEMPLATES_DIR / "messages.pot").open("rb") as f:
        source = {m.id for m in read_po(f) if m.id}
    with (TEMPLATES_DIR / "locale" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    assert source, "messages.pot is empty"
    for message_id in source:
        message = catalog.get(message_id)
        assert message is not None, f"{locale}: missing {message_id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{locale}: untranslated {message_id!r}"
        if locale == "pl" and isinstance(message.string, tuple):
            assert len(strings) == 3, "Polish has three plural forms"


def test_the_users_language_wins_when_supported_then_the_teams_then_the_default() -> None:
    assert pick_locale("pl-PL", "en", "en") == "pl"
    assert pick_locale("de", "pl", "en") == "pl"
    assert pick_locale(None, None, "en") == "en"
    assert pick_locale("EN", "pl", "pl") == "en"


def test_weekday_labels_follow_the_locale(renderer: Renderer) -> None:
    assert renderer.label("pl", "weekday", day=1, on=True) == "✅ pon."
    assert renderer.label("en", "weekday", day=7, on=False) == "▫️ Sun"


def test_long_messages_split_at_line_boundaries() -> None:
    from bot.telegram_text import split_message

    lines = [f"<b>{i}</b> " + "x" * 90 for i in range(200)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert split_message("short") == ["short"]


ENGLISH_WORDS = re.compile(
    r"\b(day|days|week|weeks|month|months|post|posts|today|yesterday)\b", re.IGNORECASE
)


def english_words_in(text: str) -> list[str]:
    """The English time words a Polish text still holds, command names and markup aside."""
    plain = re.sub(r"<[^>]*>", " ", text)  # tags and their attributes (links) are not read
    plain = re.sub(r"/[a-z_]+(@\w+)?", " ", plain)  # /leaderboard and the like are names, not words
    return ENGLISH_WORDS.findall(plain)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_polish_messages_hold_no_english_time_words(renderer: Renderer, name: str) -> None:
    """Every Polish message, with realistic values, reads without day, week, month, post, today..."""
    for values in SAMPLES[name]:
        text = renderer.render(name, "pl", **values)
        assert not english_words_in(text), f"{name}: {english_words_in(text)} in {text!r}"


HELP_LINE = re.compile(r"^/([a-z_]+) — ", re.MULTILINE)


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_help_lists_exactly_the_menu_of_each_role(renderer: Renderer, locale: str) -> None:
    """/help's command lines are the commands of the person's menu, no more, no fewer, each once."""
    for values in SAMPLES["help"]:
        if not values["sections"] or values["sections"][0][0] == "group":
            continue
        listed = HELP_LINE.findall(renderer.render("help", locale, **values))
        assert sorted(listed) == sorted(menus.commands_of(holder_of(values["actor"]))), values["actor"]
    group = renderer.render("help", locale, actor=COORD, sections=[("group", menus.GROUP_COMMANDS)])
    assert HELP_LINE.findall(group) == list(menus.GROUP_COMMANDS)


def test_a_reps_menu_holds_no_coordinator_command() -> None:
    rep = holder_of(Actor(2, EVIL, "pl", Role.REP, TEAM))
    coordinator_only = set(menus.COORDINATOR_COMMANDS) - set(menus.REP_COMMANDS)
    # /sales is both: a rep's own sales of the week, the coordinator's the team's.
    assert coordinator_only >= {"invite", "team", "settings", "target", "digest"}
    assert not coordinator_only & set(menus.commands_of(rep))
    assert not menus.has_own_menu(rep)
    assert menus.has_own_menu(holder_of(COORD))


def polish_strings() -> dict[str, list[str]]:
    """Each message id of the Polish catalog with its strings (plural forms each on their own)."""
    with (TEMPLATES_DIR / "locale" / "pl" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="pl")
    found: dict[str, list[str]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else str(message.id[0])
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        found[key] = [str(text or "") for text in strings]
    return found


def test_no_polish_string_in_the_catalog_holds_english_time_words() -> None:
    """Beyond the rendered samples: every Polish string, labels and workbook words included."""
    for key, strings in polish_strings().items():
        for text in strings:
            words = english_words_in(re.sub(r"%\(\w+\)s", " ", text))
            assert not words, f"{key!r}: {words}"


def test_one_person_reads_right_in_the_digests_polish_lists() -> None:
    """A list of names fits one person as well as many: no plural verb before it, names in the nominative."""
    found = polish_strings()
    assert found["Reported nothing: %(names)s"] == ["Bez zgłoszeń: %(names)s"]
    assert found["Team total: %(total)s"] == ["Zespół łącznie: %(total)s"]
    reach = found[
        "I cannot reach: %(names)s. They blocked the bot or never opened it; ask them to write to me."
    ]
    assert reach[0].startswith("Brak kontaktu z botem: %(names)s.")
    everything = " ".join(text for strings in found.values() for text in strings)
    assert "dni publikacji" not in everything and "(a)" not in everything
