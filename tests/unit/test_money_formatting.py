"""Money formatting: amounts in each locale and currency without float artefacts, and every formatted
amount parses back to the same minor units."""

from __future__ import annotations

import random

import pytest

from bot.services.money import format_amount_plain, format_money
from bot.services.parsing import parse_amount, split_quick_report

# The default maximum: Settings.max_amount (10 000 000 zł) in grosze.
MAX = 10_000_000 * 100


@pytest.mark.parametrize(
    ("minor", "locale", "expected"),
    [
        # Babel writes U+00A0 both as the thousands separator and before "zł".
        (123450, "pl", "1\xa0234,50\xa0zł"),
        (1, "pl", "0,01\xa0zł"),
        (50, "pl", "0,50\xa0zł"),
        (99900, "pl", "999,00\xa0zł"),
        (MAX, "pl", "10\xa0000\xa0000,00\xa0zł"),
        (123456789, "pl", "1\xa0234\xa0567,89\xa0zł"),
        # Babel gives "PLN1,234.50"; we add CLDR's currency spacing (a no-break space).
        (123450, "en", "PLN\xa01,234.50"),
        (1, "en", "PLN\xa00.01"),
        (MAX, "en", "PLN\xa010,000,000.00"),
        (-123450, "en", "-PLN\xa01,234.50"),
        (-123450, "pl", "-1\xa0234,50\xa0zł"),
    ],
)
def test_pln_is_formatted_per_locale(minor: int, locale: str, expected: str) -> None:
    assert format_money(minor, "PLN", locale) == expected


def test_other_currencies_are_formatted_with_the_stored_two_decimals() -> None:
    assert format_money(123450, "EUR", "en") == "€1,234.50"
    assert format_money(123450, "EUR", "pl") == "1\xa0234,50\xa0€"
    assert format_money(123450, "CHF", "pl") == "1\xa0234,50\xa0CHF"
    # Always the stored two decimals, even for a currency Babel would write without decimals.
    assert format_money(123450, "JPY", "en") == "¥1,234.50"


@pytest.mark.parametrize("minor", [1, 10, 99, 100, 10_000_000, MAX, MAX - 1, 2**53 + 1])
def test_formatted_money_has_no_float_artefacts(minor: int) -> None:
    # 2**53 + 1 is not representable as a float: a float anywhere would show here.
    whole, cents = divmod(minor, 100)
    for locale in ("pl", "en"):
        text = format_money(minor, "PLN", locale)
        digits = "".join(char for char in text if char in "0123456789")
        assert digits == f"{whole}{cents:02d}"
        assert "e" not in text.lower().replace("pln", "")


@pytest.mark.parametrize(
    ("minor", "expected"),
    [
        (123450, "1234.50"),
        (1, "0.01"),
        (10, "0.10"),
        (100, "1.00"),
        (0, "0.00"),
        (MAX, "10000000.00"),
        (-5, "-0.05"),
        (-123450, "-1234.50"),
        (2**53 + 1, "90071992547409.93"),
    ],
)
def test_plain_amounts_have_a_dot_and_two_decimals(minor: int, expected: str) -> None:
    assert format_amount_plain(minor) == expected


def _sample() -> list[int]:
    rng = random.Random(0)
    edges = [1, 9, 10, 99, 100, 101, 999, 1000, 99999, 100000, 123450, MAX - 1, MAX]
    # Spread over magnitudes, so that every digit-group count is hit, not just the largest.
    spread = [rng.randint(1, 10**digits) for digits in range(1, 10) for _ in range(150)]
    return edges + [m for m in spread if m <= MAX] + rng.sample(range(1, MAX + 1), 500)


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_formatted_money_parses_back(locale: str) -> None:
    for minor in _sample():
        text = format_money(minor, "PLN", locale)
        assert parse_amount(text, max_minor=MAX) == minor, text


def test_plain_amounts_parse_back() -> None:
    for minor in _sample():
        text = format_amount_plain(minor)
        assert parse_amount(text, max_minor=MAX) == minor, text


def test_a_quick_report_with_a_formatted_amount_parses_back() -> None:
    for minor in _sample()[:300]:
        for locale in ("pl", "en"):
            args = f"{format_money(minor, 'PLN', locale)} Acme Sp. z o.o."
            assert split_quick_report(args, max_minor=MAX) == (minor, "Acme Sp. z o.o."), args
