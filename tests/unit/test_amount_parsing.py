"""Typed amounts: what parses to minor units, what is refused and why, and the /report quick form."""

from __future__ import annotations

import pytest

from bot.services.parsing import AmountError, AmountProblem, parse_amount, split_quick_report

# The default maximum: Settings.max_amount (10 000 000 zł) in grosze.
MAX = 10_000_000 * 100

NBSP = "\u00a0"
NNBSP = "\u202f"


def problem_of(text: str, *, max_minor: int = MAX) -> AmountProblem:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, max_minor=max_minor)
    return caught.value.problem


# --- accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        # The contract's examples.
        ("1234.50", 123450),
        ("1234,5", 123450),
        ("1 234,50", 123450),
        ("1.234,50 zł", 123450),
        ("1,234.50", 123450),
        ("PLN 99", 9900),
        ("99 PLN", 9900),
        ("zł 5", 500),
        ("1 234 567,89", 123456789),
        ("12,5", 1250),
        ("0,50", 50),
        ("10000000", MAX),
        # Both separators: the last one is the decimal one.
        ("1.234.567,5", 123456750),
        ("1,234,567.89", 123456789),
        # A repeated separator groups thousands; no decimals.
        ("1.234.567", 123456700),
        ("1,234,567", 123456700),
        # A lone separator with 1-2 digits is the decimal separator.
        ("12.50", 1250),
        ("12.5", 1250),
        ("0.01", 1),
        # Space grouping with every space Babel writes, and a run of spaces.
        (f"1{NBSP}234,50", 123450),
        (f"1{NNBSP}234{NNBSP}567", 123456700),
        ("1  234", 123400),
        ("100 200", 10020000),
        ("999", 99900),
        ("007", 700),
        # Currency markers: case-insensitive złoty, upper-case ISO codes, symbols, glued or not.
        ("99 zł", 9900),
        ("99 ZŁ", 9900),
        ("99 zl", 9900),
        ("99 Zl", 9900),
        ("99 pln", 9900),
        ("Pln 99", 9900),
        ("99zł", 9900),
        ("PLN99", 9900),
        ("EUR 5", 500),
        ("5 USD", 500),
        ("CHF 5,50", 550),
        ("€5", 500),
        ("5 €", 500),
        ("$1,234.50", 123450),
        ("5$", 500),
        # Surrounding whitespace is ignored.
        ("  42  ", 4200),
        (f"{NBSP}42\n", 4200),
        # Babel's own output.
        (f"1{NBSP}234,50{NBSP}zł", 123450),
        (f"PLN{NBSP}1,234.50", 123450),
        ("PLN1,234.50", 123450),
    ],
)
def test_accepted_amounts_parse_to_minor_units(text: str, minor: int) -> None:
    assert parse_amount(text, max_minor=MAX) == minor


def test_max_is_inclusive() -> None:
    assert parse_amount("100", max_minor=10000) == 10000
    assert problem_of("100,01", max_minor=10000) is AmountProblem.TOO_LARGE


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", AmountProblem.EMPTY),
        ("   ", AmountProblem.EMPTY),
        (f"{NBSP}{NNBSP}\n", AmountProblem.EMPTY),
        # Not numbers.
        ("abc", AmountProblem.NOT_A_NUMBER),
        ("NaN", AmountProblem.NOT_A_NUMBER),
        ("nan", AmountProblem.NOT_A_NUMBER),
        ("inf", AmountProblem.NOT_A_NUMBER),
        ("-inf", AmountProblem.NOT_A_NUMBER),
        ("Infinity", AmountProblem.NOT_A_NUMBER),
        ("1e5", AmountProblem.NOT_A_NUMBER),
        ("1E5", AmountProblem.NOT_A_NUMBER),
        ("0x10", AmountProblem.NOT_A_NUMBER),
        ("1_000", AmountProblem.NOT_A_NUMBER),
        ("+5", AmountProblem.NOT_A_NUMBER),
        ("5 Acme", AmountProblem.NOT_A_NUMBER),
        ("Acme 5", AmountProblem.NOT_A_NUMBER),
        ("5 zł 10", AmountProblem.NOT_A_NUMBER),
        ("5, 10", AmountProblem.NOT_A_NUMBER),
        ("5; 10", AmountProblem.NOT_A_NUMBER),
        ("5 + 10", AmountProblem.NOT_A_NUMBER),
        ("zł", AmountProblem.NOT_A_NUMBER),
        ("PLN", AmountProblem.NOT_A_NUMBER),
        ("-", AmountProblem.NOT_A_NUMBER),
        ("PLN 5 zł", AmountProblem.NOT_A_NUMBER),
        ("5 EUR USD", AmountProblem.NOT_A_NUMBER),
        ("eur 5", AmountProblem.NOT_A_NUMBER),  # other ISO codes only in upper case
        ("XYZ 5", AmountProblem.NOT_A_NUMBER),  # not an ISO code
        ("Bob 5", AmountProblem.NOT_A_NUMBER),
        (".5", AmountProblem.NOT_A_NUMBER),
        ("5.", AmountProblem.NOT_A_NUMBER),
        ("1..5", AmountProblem.NOT_A_NUMBER),
        ("1,,5", AmountProblem.NOT_A_NUMBER),
        ("1 ,5", AmountProblem.NOT_A_NUMBER),
        ("1\n234", AmountProblem.NOT_A_NUMBER),
        ("5-", AmountProblem.NOT_A_NUMBER),
        ("--5", AmountProblem.NOT_A_NUMBER),
        # Digits other than ASCII 0-9 (str.isdigit() would take them).
        ("²", AmountProblem.NOT_A_NUMBER),
        ("5²", AmountProblem.NOT_A_NUMBER),
        ("٣", AmountProblem.NOT_A_NUMBER),
        ("۱۲", AmountProblem.NOT_A_NUMBER),
        ("１２", AmountProblem.NOT_A_NUMBER),
        ("१२", AmountProblem.NOT_A_NUMBER),
        # Not positive.
        ("0", AmountProblem.NOT_POSITIVE),
        ("0,00", AmountProblem.NOT_POSITIVE),
        ("0.0", AmountProblem.NOT_POSITIVE),
        ("0 zł", AmountProblem.NOT_POSITIVE),
        ("-5", AmountProblem.NOT_POSITIVE),
        ("−5", AmountProblem.NOT_POSITIVE),
        ("–5", AmountProblem.NOT_POSITIVE),
        ("-0", AmountProblem.NOT_POSITIVE),
        ("-5 zł", AmountProblem.NOT_POSITIVE),
        ("PLN -5", AmountProblem.NOT_POSITIVE),
        ("-PLN1.00", AmountProblem.NOT_POSITIVE),
        ("-" + "9" * 5000, AmountProblem.NOT_POSITIVE),
        # Ambiguous: a lone separator followed by exactly three digits.
        ("12.345", AmountProblem.AMBIGUOUS),
        ("1,000", AmountProblem.AMBIGUOUS),
        ("1.000 zł", AmountProblem.AMBIGUOUS),
        ("1 000,500", AmountProblem.AMBIGUOUS),
        # Too many decimals.
        ("1.2345", AmountProblem.TOO_MANY_DECIMALS),
        ("1,23456", AmountProblem.TOO_MANY_DECIMALS),
        ("1.234,567", AmountProblem.TOO_MANY_DECIMALS),
        ("1,234.5678", AmountProblem.TOO_MANY_DECIMALS),
        # Bad grouping.
        ("12 34", AmountProblem.BAD_GROUPING),
        ("1234 567", AmountProblem.BAD_GROUPING),
        ("1 2345", AmountProblem.BAD_GROUPING),
        ("0 500", AmountProblem.BAD_GROUPING),
        ("1.23.456", AmountProblem.BAD_GROUPING),
        ("1,234,56", AmountProblem.BAD_GROUPING),
        ("12.34,5", AmountProblem.BAD_GROUPING),
        ("1 234.567,50", AmountProblem.BAD_GROUPING),
        ("1,234.567.89", AmountProblem.BAD_GROUPING),
        ("1,5 000", AmountProblem.BAD_GROUPING),
        # Too large.
        ("10000000,01", AmountProblem.TOO_LARGE),
        ("10 000 001", AmountProblem.TOO_LARGE),
        ("99999999999", AmountProblem.TOO_LARGE),
        ("9" * 5000, AmountProblem.TOO_LARGE),
    ],
)
def test_refused_amounts_name_their_problem(text: str, problem: AmountProblem) -> None:
    assert problem_of(text) is problem


def test_error_is_a_value_error_with_a_short_log_message() -> None:
    with pytest.raises(ValueError, match="too_large") as caught:
        parse_amount("9" * 5000, max_minor=MAX)
    assert isinstance(caught.value, AmountError)
    assert len(str(caught.value)) < 100


def test_problem_values_are_stable_strings() -> None:
    # Templates key their messages on these.
    assert {problem.value for problem in AmountProblem} == {
        "empty",
        "not_a_number",
        "not_positive",
        "too_many_decimals",
        "ambiguous",
        "bad_grouping",
        "too_large",
    }


# --- the /report quick form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("1 234,50 Acme Sp. z o.o.", (123450, "Acme Sp. z o.o.")),
        ("500 Acme", (50000, "Acme")),
        ("PLN 99 Foo", (9900, "Foo")),
        ("99 zł Foo", (9900, "Foo")),
        ("99zł Foo", (9900, "Foo")),
        ("100 200 Foo", (10020000, "Foo")),  # the longest run is the grouped number
        ("1.234,50 zł Kowalski i Syn", (123450, "Kowalski i Syn")),
        (f"1{NBSP}234,50{NBSP}zł Foo", (123450, "Foo")),
        ("500 zł 24 Hour Fitness", (50000, "24 Hour Fitness")),
        ("500 3M", (50000, "3M")),
        ("500 Bob", (50000, "Bob")),  # lower-case ISO-like words are not markers
        # The client is kept as typed inside, stripped outside.
        ("  500   Acme   Trading  ", (50000, "Acme   Trading")),
        ("500\nAcme\nline two", (50000, "Acme\nline two")),
        ("500\u00a0Acme", (50000, "Acme")),
        # A longer run that is refused gives way to the longest valid one (the contract);
        # the confirmation card shows this reading before anything is saved.
        ("12 34 Foo", (1200, "34 Foo")),
        ("1 000,500 Foo", (100, "000,500 Foo")),
        ("12 345 678 Foo", (1234500, "678 Foo")),
    ],
)
def test_the_quick_report_splits_into_amount_and_client(args: str, expected: tuple[int, str]) -> None:
    assert split_quick_report(args, max_minor=MAX) == expected


@pytest.mark.parametrize(
    "args",
    [
        "",
        "   ",
        "500",  # no client
        "500 zł",
        "100 200",
        "Acme",  # no amount
        "Acme 500",
        "abc def",
        "500 BOB",  # upper-case ISO code: the longest amount is the whole text, no client left
        "0 Acme",  # an amount, but not positive
        "-5 Acme",
        "12.345 Acme",  # ambiguous
        "1.2345 Acme",
    ],
)
def test_a_quick_report_without_a_valid_amount_or_a_client_is_refused(args: str) -> None:
    assert split_quick_report(args, max_minor=MAX) is None


def test_quick_report_longest_run_wins_when_it_fits() -> None:
    assert split_quick_report("12 345 678 Foo", max_minor=10**12) == (1234567800, "Foo")


def test_a_long_quick_report_tries_only_its_first_words() -> None:
    # A 4096-character message of number-like words: only the first words are ever tried.
    args = ("1 " * 2048)[:4096]
    assert split_quick_report(args, max_minor=MAX) == (100, ("1 " * 2047).strip())
    assert split_quick_report("500 " + "x " * 2000, max_minor=MAX) == (50000, ("x " * 2000).strip())
