"""Post days of a month: how many have elapsed and how many remain, today counting until the close."""

from __future__ import annotations

from datetime import date

from bot.services.targets import count_days


def test_elapsed_and_remaining_count_today_until_the_close() -> None:
    days = [date(2026, 11, d) for d in (2, 3, 4)]
    assert count_days(days, date(2026, 11, 1), closed=False) == (0, 3)
    assert count_days(days, date(2026, 11, 2), closed=False) == (1, 3)
    assert count_days(days, date(2026, 11, 2), closed=True) == (1, 2)
    assert count_days(days, date(2026, 11, 4), closed=True) == (3, 0)
