"""The quiet-hours rule: a window in the team's zone, across midnight or within one day."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.quiet_hours import DEFAULT_END, DEFAULT_START, is_quiet, is_quiet_at

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(22, 30), True),
        (time(0, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_the_default_window_crosses_midnight_and_ends_before_its_end(local: time, quiet: bool) -> None:
    assert is_quiet_at(DEFAULT_START, DEFAULT_END, local) is quiet


def test_a_window_within_one_day_is_quiet_only_inside_it() -> None:
    assert is_quiet_at(time(13, 0), time(14, 0), time(13, 30))
    assert not is_quiet_at(time(13, 0), time(14, 0), time(14, 0))
    assert not is_quiet_at(time(13, 0), time(14, 0), time(22, 0))


def test_equal_start_and_end_mean_no_quiet_hours() -> None:
    assert not is_quiet_at(time(21, 0), time(21, 0), time(21, 0))
    assert not is_quiet_at(time(21, 0), time(21, 0), time(3, 0))


def test_the_moment_is_read_in_the_teams_zone_across_summer_time() -> None:
    # 20:30 UTC is 22:30 in Warsaw in summer and 21:30 in winter: quiet in both.
    assert is_quiet(DEFAULT_START, DEFAULT_END, WARSAW, datetime(2026, 7, 1, 20, 30, tzinfo=UTC))
    assert is_quiet(DEFAULT_START, DEFAULT_END, WARSAW, datetime(2026, 12, 1, 20, 30, tzinfo=UTC))
    # 19:30 UTC is 21:30 in summer (quiet) but 20:30 in winter (not).
    assert is_quiet(DEFAULT_START, DEFAULT_END, WARSAW, datetime(2026, 7, 1, 19, 30, tzinfo=UTC))
    assert not is_quiet(DEFAULT_START, DEFAULT_END, WARSAW, datetime(2026, 12, 1, 19, 30, tzinfo=UTC))


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError):
        is_quiet(DEFAULT_START, DEFAULT_END, WARSAW, datetime(2026, 7, 1, 22, 30))


def test_quiet_hours_are_typed_from_to_or_dash_for_none() -> None:
    from bot.services.errors import Refused
    from bot.services.team_settings import parse_quiet_hours

    assert parse_quiet_hours("21:00-08:00") == ("21:00", "08:00")
    assert parse_quiet_hours(" 22:30 – 6:00 ") == ("22:30", "06:00")
    assert parse_quiet_hours("-") == ("00:00", "00:00")  # equal ends: none
    for bad in ("21:00", "late", "25:00-08:00", "08:00-08:00"):
        with pytest.raises(Refused):
            parse_quiet_hours(bad)
