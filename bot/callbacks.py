"""Callback data: one registry of prefixes, one way to write and read the fields after them.

A button's data is `prefix:field:field...`, at most 64 bytes of UTF-8 (Telegram's limit, checked
when encoding, so a too-long button fails in our code and tests, not at Telegram). Data coming
back are never trusted: `decode` refuses an unknown prefix, every number is read through a
range-checked accessor that refuses anything a column could not hold, so a forged 25-digit id is
a "stale button", never an overflow in the database driver, and each handler states with
`exactly` how many fields its button has, so a forged extra field is stale too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.services.errors import Reason, Refused

DATA_LIMIT = 64
SEPARATOR = ":"
# Our serial ids are 32-bit INTEGER columns on PostgreSQL.
MAX_ID = 2**31 - 1
# Telegram's user and chat ids fit in 52 bits; our BIGINT columns hold them.
MAX_PERSON_ID = 2**52
_DIGITS = re.compile(r"[0-9]{1,19}")


class Prefix(StrEnum):
    """Every feature's buttons start with one of these; the registration matches on them."""

    REPORT = "rp"
    UNDO = "undo"
    SALES = "sales"
    INVITE = "inv"
    TEAM = "team"
    SETTINGS = "set"
    NUDGE = "nudge"
    TARGET = "tg"
    REWARD = "rw"
    CONTEST = "ct"
    MEETING_DRAFT = "mt"
    MEETING_MANAGE = "mm"
    MEETING_ANSWER = "ma"
    CLIENT = "cl"
    CONTACT = "co"
    EXPORT = "ex"
    COMPETITOR = "cm"
    TASK = "tk"
    ANNOUNCE = "an"
    COMPLAINT = "cp"
    CORRECT = "fix"
    LEAVE = "lv"
    DUEL = "du"
    KUDOS = "kd"

    @property
    def pattern(self) -> str:
        """The `CallbackQueryHandler` pattern for this prefix's buttons."""
        return f"^{re.escape(self.value)}{SEPARATOR}"


class CallbackTooLong(ValueError):
    """A button whose data Telegram would refuse: a bug in our code, never a user's doing."""


def encode(prefix: Prefix, *fields: str | int) -> str:
    parts = [prefix.value]
    for value in fields:
        text = str(value)
        if SEPARATOR in text:
            raise ValueError(f"a callback field cannot hold {SEPARATOR!r}: {text!r}")
        parts.append(text)
    data = SEPARATOR.join(parts)
    if len(data.encode()) > DATA_LIMIT:
        raise CallbackTooLong(f"callback data over {DATA_LIMIT} bytes: {data!r}")
    return data


@dataclass(frozen=True)
class Callback:
    """The fields of a pressed button; each accessor refuses what does not fit as a stale button."""

    prefix: Prefix
    fields: tuple[str, ...]

    def text(self, index: int) -> str:
        if index >= len(self.fields):
            raise Refused(Reason.STALE_BUTTON)
        return self.fields[index]

    def exactly(self, *counts: int) -> Callback:
        """Refuse unless there are `count` fields (one of `counts`): other buttons were never ours."""
        if len(self.fields) not in counts:
            raise Refused(Reason.STALE_BUTTON)
        return self

    def has(self, index: int) -> bool:
        return index < len(self.fields)

    def choice(self, index: int, options: Iterable[str]) -> str:
        value = self.text(index)
        if value not in set(options):
            raise Refused(Reason.STALE_BUTTON)
        return value

    def number(self, index: int, low: int, high: int) -> int:
        value = self.text(index)
        # ASCII digits only, and few enough of them that int() stays cheap and the range holds.
        if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
            raise Refused(Reason.STALE_BUTTON)
        return int(value)

    def id(self, index: int) -> int:
        """A row id of ours (1 .. 2^31-1)."""
        return self.number(index, 1, MAX_ID)

    def person(self, index: int) -> int:
        """A Telegram user id (1 .. 2^52)."""
        return self.number(index, 1, MAX_PERSON_ID)

    def day(self, index: int) -> date:
        try:
            return date.fromisoformat(self.text(index))
        except ValueError as exc:
            raise Refused(Reason.STALE_BUTTON) from exc


def decode(data: str | None, expected: Prefix | None = None) -> Callback:
    """Read pressed data; an unknown prefix (or another than `expected`) is a stale button."""
    head, _, rest = (data or "").partition(SEPARATOR)
    try:
        prefix = Prefix(head)
    except ValueError as exc:
        raise Refused(Reason.STALE_BUTTON) from exc
    if expected is not None and prefix is not expected:
        raise Refused(Reason.STALE_BUTTON)
    return Callback(prefix, tuple(rest.split(SEPARATOR)) if rest else ())
