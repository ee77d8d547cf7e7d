"""Typed dates and times: meeting dates lie ahead of now; a contest's bare date means the whole day."""

from __future__ import annotations

import pytest

from bot.services import parsing
from bot.services.errors import Refused
from bot.services.parsing import parse_when
from tests.support.clock import WARSAW, local


def test_meeting_dates_are_read_in_every_form_and_past_or_impossible_ones_refused() -> None:
    now = local(11, 27, 10, 0)
    assert parse_when("2026-12-01 10:00", now, WARSAW) == local(12, 1, 10, 0)
    assert parse_when("01.12 10:00", now, WARSAW) == local(12, 1, 10, 0)
    assert parse_when("27.11 09:00", now, WARSAW) == local(
        11, 27, 9, 0, year=2027
    )  # the next such date ahead
    assert parse_when("tomorrow 10:00", now, WARSAW) == local(11, 28, 10, 0)
    assert parse_when("Jutro 7:30", now, WARSAW) == local(11, 28, 7, 30)
    for text, reason in (
        ("2026-11-27 09:59", "when_past"),
        ("today 9:00", "when_past"),
        ("31.02 10:00", "bad_when"),
        ("next week", "bad_when"),
        ("2026-12-01 25:00", "bad_when"),
    ):
        with pytest.raises(Refused, match=reason):
            parse_when(text, now, WARSAW)


def test_contest_moments_are_read_in_every_form_and_a_bare_end_date_means_the_whole_day() -> None:
    now = local(11, 27, 12)
    zone = WARSAW
    assert parsing.parse_moment("tomorrow 10:00", now, zone, end=False) == local(11, 28, 10)
    assert parsing.parse_moment("jutro 9:00", now, zone, end=False) == local(11, 28, 9)
    assert parsing.parse_moment("01.12 9:00", now, zone, end=False) == local(12, 1, 9)
    assert parsing.parse_moment("2026-11-27", now, zone, end=False) == local(11, 27, 0)  # today, begun
    assert parsing.parse_moment("2026-11-27", now, zone, end=True) == local(11, 28, 0)  # the whole day
