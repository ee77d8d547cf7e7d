"""Input parsers: what a person types, read into values or refused with a reason.

Amounts (never floats: integer grosze from validated ASCII digits), dates and times in the
team's zone, `HH:MM`, whole numbers and names. The accepted amount grammar is a contract shared
with the templates, which pick a message per :class:`AmountProblem`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Final
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies

from bot.services.errors import Reason, Refused
from bot.services.periods import fire_at
from storage.models import NAME_MAX

# --- numbers and names -----------------------------------------------------------------------


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() accepts "²", which int() then refuses."""
    return text.isascii() and text.isdigit()


def clean_text(text: str, limit: int = NAME_MAX) -> str:
    """A typed name or reason as stored: stripped, not empty, at most `limit` characters."""
    value = text.strip()
    if not value:
        raise Refused(Reason.NAME_EMPTY)
    if len(value) > limit:
        raise Refused(Reason.NAME_TOO_LONG, limit=limit, length=len(value))
    return value


def name_key(name: str) -> str:
    """How names are matched: case-insensitive, with runs of white space as one space."""
    return " ".join(name.split()).casefold()


def client_key(name: str) -> str:
    """How a team's clients are matched: case, spacing and punctuation folded.

    "ACME sp. z o.o.", "Acme  Sp. z o.o." and "ACME Sp z o o" are one client: punctuation counts
    as a space, so "o.o." and "o o" agree. A name of punctuation only keeps it (else all such
    names would be one client). Migration 0009 holds a frozen copy of this rule.
    """
    spaced = "".join(" " if unicodedata.category(c).startswith("P") else c for c in name.casefold())
    return " ".join(spaced.split()) or name_key(name)


# --- amounts ---------------------------------------------------------------------------------


class AmountProblem(enum.StrEnum):
    """Why a typed amount was refused; templates map each value to a message."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NOT_POSITIVE = "not_positive"
    TOO_MANY_DECIMALS = "too_many_decimals"
    AMBIGUOUS = "ambiguous"
    BAD_GROUPING = "bad_grouping"
    TOO_LARGE = "too_large"


class AmountError(ValueError):
    """A refused amount. ``problem`` is for the user (via templates); the message is for logs."""

    def __init__(self, problem: AmountProblem, detail: str) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem


# --- tokenising ------------------------------------------------------------------------------

# The spaces that may group thousands: what people type (U+0020) and what Babel writes
# (U+00A0 in pl, U+202F in some locales), so that our own output parses back.
_GROUP_SPACES: Final = frozenset(" \u00a0\u202f")

# Hyphen-minus, the Unicode minus sign and the en dash (phones "smarten" a typed minus into
# one). A sign is only ever recognised to say NOT_POSITIVE instead of NOT_A_NUMBER.
_MINUS_SIGNS: Final = "-\u2212\u2013"

# One pass over the text. Digits are [0-9] on purpose: `\d` and str.isdigit() also accept
# Arabic-Indic, full-width or superscript digits, which must be NOT_A_NUMBER. A "word" is a run
# of letters (`[^\W\d_]`), which may only be a currency marker. Anything else - "+", "_", "e"
# inside "1e5" (a word between digits), "x" in "0x10" - ends up refused.
_TOKEN_RE: Final = re.compile(
    rf"""
      (?P<digits>[0-9]+)
    | (?P<sep>[.,])
    | (?P<space>\s+)
    | (?P<sign>[{_MINUS_SIGNS}])
    | (?P<word>[^\W\d_]+)
    | (?P<symbol>[€$])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Markers compared case-insensitively: the złoty as people type it.
_ZLOTY_MARKERS: Final = frozenset({"zł", "zl", "pln"})
# Any other ISO 4217 code (Babel's list, historical ones included) counts only in upper case,
# so that a client called "Bob" or "Top" after the amount in /report is not eaten as the
# Bolivian boliviano or the Tongan paʻanga.
_ISO_CODES: Final = frozenset(list_currencies())


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def _tokenise(text: str) -> list[_Token]:
    return [_Token(kind=match.lastgroup or "other", text=match.group()) for match in _TOKEN_RE.finditer(text)]


def _is_marker(token: _Token) -> bool:
    if token.kind == "symbol":
        return True
    if token.kind != "word":
        return False
    return token.text.casefold() in _ZLOTY_MARKERS or token.text in _ISO_CODES


def _clip(text: str) -> str:
    """The typed text for a log message, cut short: a message can be 4096 characters long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _not_a_number(text: str) -> AmountError:
    return AmountError(AmountProblem.NOT_A_NUMBER, f"not an amount: {_clip(text)}")


# --- parsing ---------------------------------------------------------------------------------


def parse_amount(text: str, *, max_minor: int) -> int:
    """Read an amount typed by a person and return it in minor units (grosze).

    Accepts e.g. ``1234.50``, ``1234,5``, ``1 234,50``, ``1.234,50 zł``, ``1,234.50``,
    ``PLN 99``, ``99 PLN``, ``zł 5``. Raises :class:`AmountError` with the reason otherwise.
    """
    stripped = text.strip()
    if not stripped:
        raise AmountError(AmountProblem.EMPTY, "no amount given")

    tokens = _tokenise(stripped)
    negative = False

    # Peel off, from the front: an optional sign, an optional currency marker, and a sign after
    # the marker (Babel writes a negative en amount as "-PLN1.00", pl as "-1,00 zł").
    if tokens and tokens[0].kind == "sign":
        negative = True
        tokens = _skip_spaces(tokens[1:])
    has_marker = False
    if tokens and _is_marker(tokens[0]):
        has_marker = True
        tokens = _skip_spaces(tokens[1:])
    if tokens and tokens[0].kind == "sign" and not negative:
        negative = True
        tokens = _skip_spaces(tokens[1:])
    # ... and from the back, the currency marker written after the number; one marker at most.
    if tokens and _is_marker(tokens[-1]) and not has_marker:
        tokens = _skip_spaces(tokens[:-1], from_end=True)

    groups, seps = _number_shape(tokens, stripped)
    whole, fraction = _split_decimals(groups, seps, stripped)

    if negative:
        raise AmountError(AmountProblem.NOT_POSITIVE, f"negative: {_clip(stripped)}")
    # Refuse absurdly long numbers before int(): it is pointless work, and CPython refuses to
    # convert strings over 4300 digits. More whole digits than max_minor has is surely too large.
    if len(whole) > len(str(max_minor)):
        raise AmountError(AmountProblem.TOO_LARGE, f"too many digits: {_clip(stripped)}")
    # Pure integer arithmetic on validated ASCII digits: "12,5" -> 12 * 100 + 50.
    minor = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    if minor == 0:
        raise AmountError(AmountProblem.NOT_POSITIVE, f"zero: {_clip(stripped)}")
    if minor > max_minor:
        raise AmountError(AmountProblem.TOO_LARGE, f"{minor} > {max_minor}: {_clip(stripped)}")
    return minor


def _skip_spaces(tokens: list[_Token], *, from_end: bool = False) -> list[_Token]:
    if from_end:
        return tokens[:-1] if tokens and tokens[-1].kind == "space" else tokens
    return tokens[1:] if tokens and tokens[0].kind == "space" else tokens


def _number_shape(tokens: list[_Token], text: str) -> tuple[list[str], list[str]]:
    """Split what is left into digit groups and the separators between them.

    The shape must be ``digits (sep digits)*``, where a separator is a single "." or ",", or a
    run of grouping spaces (normalised to " "). Anything else - a word, a second sign, a
    separator at either end, "1 ,5" - is not a number.
    """
    if not tokens or len(tokens) % 2 == 0:
        raise _not_a_number(text)
    groups: list[str] = []
    seps: list[str] = []
    for index, token in enumerate(tokens):
        if index % 2 == 0:
            if token.kind != "digits":
                raise _not_a_number(text)
            groups.append(token.text)
        elif token.kind == "sep":
            seps.append(token.text)
        elif token.kind == "space" and set(token.text) <= _GROUP_SPACES:
            seps.append(" ")
        else:
            raise _not_a_number(text)
    return groups, seps


def _split_decimals(groups: list[str], seps: list[str], text: str) -> tuple[str, str]:
    """Decide which separator (if any) is the decimal one and check the grouping.

    Returns the whole-unit digits (without leading zeros) and the 0-2 decimal digits.
    """
    marks = [sep for sep in seps if sep in ".,"]
    decimal_mark: str | None
    if not marks:
        decimal_mark = None  # only spaces (or nothing): an integer, maybe space-grouped
    elif len(set(marks)) == 2:
        # Both "." and ",": the last one is the decimal separator ("1.234,50", "1,234.50").
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) > 1:
            raise AmountError(AmountProblem.BAD_GROUPING, f"mixed separators: {_clip(text)}")
    elif len(marks) > 1:
        decimal_mark = None  # a repeated separator groups thousands: "1.234.567", "1,234,567"
    else:
        # A lone "." or ",": decimals if 1-2 digits follow. With three digits it could as well
        # group thousands ("1,000" is a thousand in en and one in pl), so we ask instead.
        decimal_mark = marks[0]
        after = groups[seps.index(decimal_mark) + 1]
        if len(after) == 3:
            raise AmountError(AmountProblem.AMBIGUOUS, f"thousands or decimals: {_clip(text)}")

    if decimal_mark is not None:
        # The decimal separator must be the last separator: "1,5 000" is not a number we read.
        if seps[-1] != decimal_mark:
            raise AmountError(AmountProblem.BAD_GROUPING, f"decimals in the middle: {_clip(text)}")
        fraction = groups[-1]
        int_groups, int_seps = groups[:-1], seps[:-1]
        if len(fraction) > 2:
            raise AmountError(AmountProblem.TOO_MANY_DECIMALS, f"over 2 decimals: {_clip(text)}")
    else:
        fraction = ""
        int_groups, int_seps = groups, seps

    if int_seps:
        # One grouping separator per number, 1-3 digits first (not a leading zero, which would
        # let "0 500" mean 500), then groups of exactly three.
        first, rest = int_groups[0], int_groups[1:]
        if (
            len(set(int_seps)) > 1
            or not 1 <= len(first) <= 3
            or first.startswith("0")
            or any(len(group) != 3 for group in rest)
        ):
            raise AmountError(AmountProblem.BAD_GROUPING, f"bad digit grouping: {_clip(text)}")

    return "".join(int_groups).lstrip("0"), fraction


# --- the one-line /report form -----------------------------------------------------------------

# No valid amount spans more words than this: a sign, a marker and 14 space-separated digit
# groups is already over 10**39 zł. Longer runs are never tried, which bounds the work on a
# 4096-character message to a few parses.
_MAX_AMOUNT_WORDS: Final = 16

_WORD_RE: Final = re.compile(r"\S+")


def split_quick_report(args: str, *, max_minor: int) -> tuple[int, str] | None:
    """Split the words after ``/report`` into (amount in grosze, client).

    The amount is the longest run of leading whole words that reads as an amount; the client is
    the rest of the text as typed, stripped at the ends. A longer run that is refused (above
    the maximum, badly grouped) gives way to a shorter valid one, as the contract says; the
    confirmation card shows the reading before anything is saved. Returns None when no leading
    run is a valid amount, or when the longest one leaves no client text.
    """
    words = list(islice(_WORD_RE.finditer(args), _MAX_AMOUNT_WORDS))
    for last in reversed(words):
        # Slice the original text so the amount keeps its own spacing ("1 234,50").
        candidate = args[words[0].start() : last.end()]
        try:
            amount = parse_amount(candidate, max_minor=max_minor)
        except AmountError:
            continue
        client = args[last.end() :].strip()
        return (amount, client) if client else None
    return None


# --- dates and times -------------------------------------------------------------------------


def parse_hhmm(text: str) -> time:
    """'18:00' or '8:05' -> time; ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not is_number(hours) or not is_number(minutes) or len(minutes) != 2 or len(hours) > 2:
        raise ValueError(f"not a time (HH:MM): {text!r}")
    return time(int(hours), int(minutes))


_DATE_TIME = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2})\s*$")
_DAY_MONTH_TIME = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.?\s+(\d{1,2}):(\d{2})\s*$")
_RELATIVE = re.compile(r"^\s*(tomorrow|jutro|today|dziś|dzis|dzisiaj)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_when(text: str, now: datetime, zone: ZoneInfo, *, allow_past: bool = False) -> datetime:
    """`2026-12-01 10:00`, `01.12 10:00` (the next such date ahead), `tomorrow 10:00` / `jutro 10:00`.

    Local to the team's zone; a local time that does not exist (spring DST gap) means the first
    instant the clock passes it. A time in the past is refused.
    """
    today = now.astimezone(zone).date()
    try:
        if match := _DATE_TIME.match(text):
            y, mo, d, h, mi = (int(g) for g in match.groups())
            day, at = date(y, mo, d), time(h, mi)
        elif match := _DAY_MONTH_TIME.match(text):
            d, mo, h, mi = (int(g) for g in match.groups())
            at = time(h, mi)
            day = date(today.year, mo, d)
            if fire_at(day, at, zone) <= now:
                day = date(today.year + 1, mo, d)
        elif match := _RELATIVE.match(text):
            word, h, mi = match.group(1).lower(), int(match.group(2)), int(match.group(3))
            at = time(h, mi)
            day = today + timedelta(days=1) if word in ("tomorrow", "jutro") else today
        else:
            raise Refused(Reason.BAD_WHEN)
    except ValueError as exc:  # 31.02, 25:00 and the like
        raise Refused(Reason.BAD_WHEN) from exc
    instant = fire_at(day, at, zone)
    if instant <= now and not allow_past:
        raise Refused(Reason.WHEN_PAST)
    return instant


def parse_moment(text: str, now: datetime, zone: ZoneInfo, *, end: bool) -> datetime:
    """A local date and time, or a date alone: the whole day (its start, or the next midnight)."""
    value = text.strip()
    if _DATE_ONLY.fullmatch(value):
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError as exc:
            raise Refused(Reason.BAD_WHEN) from exc
        return fire_at(day + timedelta(days=1) if end else day, datetime.min.time(), zone)
    # A start may be earlier today (the contest then runs from its start); the end is checked later.
    return parse_when(value, now, zone, allow_past=True)


# ASCII digits only: `\d` would read full-width ones, which int() then accepts.
_DUE_ISO = re.compile(r"^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*$")
_DUE_DAY_MONTH = re.compile(r"^\s*([0-9]{1,2})\.([0-9]{1,2})\.?\s*$")
_DUE_WORDS = {"jutro": 1, "tomorrow": 1, "dziś": 0, "dzis": 0, "dzisiaj": 0, "today": 0}


def parse_due(text: str, now: datetime, zone: ZoneInfo) -> date:
    """A task's due day in the team's days: `2026-12-01`, `01.12` (the next such day from today),
    `jutro` / `tomorrow`; today is allowed, a day already past is refused."""
    today = now.astimezone(zone).date()
    word = text.strip().casefold()
    try:
        if word in _DUE_WORDS:
            day = today + timedelta(days=_DUE_WORDS[word])
        elif match := _DUE_ISO.match(text):
            day = date(*(int(g) for g in match.groups()))
        elif match := _DUE_DAY_MONTH.match(text):
            d, mo = (int(g) for g in match.groups())
            day = (
                date(today.year, mo, d)
                if (mo, d) >= (today.month, today.day)
                else date(today.year + 1, mo, d)
            )
        else:
            raise Refused(Reason.BAD_DUE)
    except ValueError as exc:  # 31.02, 2026-13-01 and the like
        raise Refused(Reason.BAD_DUE) from exc
    if day < today:
        raise Refused(Reason.DUE_PAST)
    return day
