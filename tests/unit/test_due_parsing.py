"""A task's typed due day: ISO, DD.MM (the next such day from today), jutro/tomorrow, in the team's zone."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.errors import Refused
from bot.services.parsing import parse_due
from tests.support.clock import WARSAW, local


def test_due_days_are_read_in_every_form() -> None:
    now = local(11, 27, 10, 0)
    assert parse_due("2026-12-01", now, WARSAW) == date(2026, 12, 1)
    assert parse_due(" 01.12 ", now, WARSAW) == date(2026, 12, 1)
    assert parse_due("1.12.", now, WARSAW) == date(2026, 12, 1)
    assert parse_due("27.11", now, WARSAW) == date(2026, 11, 27)  # today is the next such day
    assert parse_due("26.11", now, WARSAW) == date(2027, 11, 26)  # passed this year: next year's
    assert parse_due("jutro", now, WARSAW) == date(2026, 11, 28)
    assert parse_due("Tomorrow", now, WARSAW) == date(2026, 11, 28)
    assert parse_due("dziś", now, WARSAW) == date(2026, 11, 27)
    assert parse_due("2026-11-27", now, WARSAW) == date(2026, 11, 27)


def test_the_day_is_the_teams_not_utcs() -> None:
    late = local(11, 27, 23, 30)  # late in the evening: tomorrow is the 28th
    assert parse_due("jutro", late, WARSAW) == date(2026, 11, 28)
    past_midnight = local(11, 28, 0, 30)  # 23:30 UTC on the 27th, the 28th in Warsaw
    assert parse_due("jutro", past_midnight, WARSAW) == date(2026, 11, 29)
    assert parse_due("28.11", past_midnight, WARSAW) == date(2026, 11, 28)
    with pytest.raises(Refused, match="due_past"):
        parse_due("2026-11-27", past_midnight, WARSAW)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-26", "due_past"),
        ("31.02", "bad_due"),
        ("2026-13-01", "bad_due"),
        ("32.01", "bad_due"),
        ("next week", "bad_due"),
        ("", "bad_due"),
        ("01.12 10:00", "bad_due"),
        ("１２.１２", "bad_due"),  # full-width digits are not read as a day
        ("9" * 5000, "bad_due"),
    ],
)
def test_a_past_or_impossible_day_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        parse_due(text, local(11, 27, 10, 0), WARSAW)
