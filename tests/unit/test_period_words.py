"""Period words in either language, any letter case, with or without Polish diacritics."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.errors import Refused
from bot.services.exports import parse_period
from bot.services.periods import Period, period_word
from bot.services.summary import Stretch, parse_stretch


@pytest.mark.parametrize(
    ("word", "period"),
    [
        ("day", Period.DAY),
        ("dzień", Period.DAY),
        ("dzien", Period.DAY),
        ("DZIEŃ", Period.DAY),
        ("week", Period.WEEK),
        ("tydzień", Period.WEEK),
        ("Tydzien", Period.WEEK),
        ("TYDZIEŃ", Period.WEEK),
        ("month", Period.MONTH),
        ("miesiąc", Period.MONTH),
        ("MIESIAC", Period.MONTH),
        ("Miesiąc", Period.MONTH),
    ],
)
def test_a_period_word_is_read_in_both_languages(word: str, period: Period) -> None:
    assert period_word(word) is period


@pytest.mark.parametrize("word", ["", "days", "tydzienn", "rok", "%"])
def test_any_other_word_is_no_period(word: str) -> None:
    assert period_word(word) is None


def test_the_summary_takes_polish_words_and_refuses_a_day() -> None:
    assert parse_stretch(["TYDZIEŃ"]) is Stretch.WEEK
    assert parse_stretch(["miesiac"]) is Stretch.MONTH
    with pytest.raises(Refused):
        parse_stretch(["dzień"])


def test_the_export_takes_the_month_in_polish() -> None:
    today = date(2026, 11, 27)
    assert parse_period("Miesiąc", today) == parse_period("month", today) == (date(2026, 11, 1), today)
