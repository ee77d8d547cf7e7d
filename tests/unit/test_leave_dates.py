"""/leave's dates: YYYY-MM-DD or DD.MM as the next such date, never in the past, TO not before FROM."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.errors import Reason, Refused
from bot.services.leave import parse_day, parse_range

TODAY = date(2026, 11, 20)


def test_a_short_date_is_the_next_such_date_from_today() -> None:
    assert parse_day("24.11", TODAY) == date(2026, 11, 24)
    assert parse_day("20.11", TODAY) == date(2026, 11, 20)  # today itself
    assert parse_day("19.11", TODAY) == date(2027, 11, 19)  # passed this year: next year's
    assert parse_day("29.02", TODAY) == date(2028, 2, 29)  # the next leap year's
    assert parse_day("2026-12-24", TODAY) == date(2026, 12, 24)


def test_a_range_over_new_year_and_a_single_day() -> None:
    assert parse_range(["30.12", "02.01"], TODAY) == (date(2026, 12, 30), date(2027, 1, 2))
    assert parse_range(["24.11"], TODAY) == (date(2026, 11, 24), date(2026, 11, 24))


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["2026-11-19"], Reason.LEAVE_PAST),
        (["2026-11-25", "2026-11-24"], Reason.LEAVE_ORDER),
        (["25.11", "24.11"], Reason.LEAVE_ORDER),
        (["tomorrow"], Reason.LEAVE_USAGE),
        (["32.01"], Reason.LEAVE_USAGE),
        (["2026-02-30"], Reason.LEAVE_USAGE),
        ([], Reason.LEAVE_USAGE),
        (["1.12", "2.12", "3.12"], Reason.LEAVE_USAGE),
        (["2026-12-01", "2027-06-01"], Reason.LEAVE_TOO_LONG),
        (["2028-01-01"], Reason.LEAVE_TOO_LONG),
    ],
)
def test_bad_ranges_are_refused_with_their_reason(words: list[str], reason: Reason) -> None:
    with pytest.raises(Refused) as refused:
        parse_range(words, TODAY)
    assert refused.value.reason is reason
