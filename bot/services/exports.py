"""Workbooks asked for in Telegram: the period, whose teams, and the file for the bot to send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from bot.services.periods import Period, period_word
from bot.services.targets import month_days, month_start
from storage.db import Database

if TYPE_CHECKING:
    from bot.services.workbook import Words

# Telegram's limit for a document a bot sends.
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
# Longer ranges are a backup, not a report: refused with the usage.
LONGEST_DAYS = 2 * 366
ALL_TEAMS = 0  # the button's team for "all my teams"


@dataclass(frozen=True)
class Workbook:
    path: Path
    filename: str
    teams: list[TeamInfo]
    first: date
    last: date


def today_of(actor: Actor, now: datetime) -> date:
    return now.astimezone(actor.home.zone).date()


def parse_period(text: str, today: date) -> tuple[date, date]:
    """`month` (or nothing): this month so far; `YYYY-MM`: that month; two dates: that range.

    The future holds no sales: a range is cut at today, and one that starts later is refused.
    """
    words = text.split()
    first = last = None
    try:
        if not words or (len(words) == 1 and period_word(words[0]) is Period.MONTH):
            first, last = month_start(today), today
        elif len(words) == 1 and re.fullmatch(r"\d{4}-\d{2}", words[0]):
            first = date.fromisoformat(f"{words[0]}-01")
            last = month_days(first)[-1]
        elif len(words) == 2 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", w) for w in words):
            first, last = date.fromisoformat(words[0]), date.fromisoformat(words[1])
    except ValueError:
        pass
    if first is None or last is None or not fits(first, min(last, today), today):
        raise Refused(Reason.EXPORT_USAGE)
    return first, min(last, today)


def fits(first: date, last: date, today: date) -> bool:
    """A range the bot would offer: not in the future, and at most two years long."""
    return first <= last <= today and (last - first).days < LONGEST_DAYS


def choices(actor: Actor) -> list[TeamInfo]:
    """The teams this person may export: their own as a coordinator, and those they manage."""
    own = [actor.team] if actor.is_coordinator and actor.team is not None else []
    managed = [t for t in actor.managed if not own or t.id != own[0].id]
    if not own and not actor.is_manager:
        raise Refused(Reason.COORDINATORS_ONLY)
    return [*own, *managed]


def allowed(actor: Actor, team_id: int) -> list[TeamInfo]:
    """The teams of a pressed button; another team's id (a forged button) is refused."""
    if team_id == ALL_TEAMS:
        if len(actor.require_manager()) < 2:  # the button is only shown for two teams or more
            raise Refused(Reason.STALE_BUTTON)
        return list(actor.managed)
    found = [t for t in choices(actor) if t.id == team_id]
    if not found:
        raise Refused(Reason.STALE_BUTTON)
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-")[:40] or "team"


async def write(
    db: Database, teams: list[TeamInfo], first: date, last: date, directory: Path, words: Words
) -> Workbook:
    name = _slug(teams[0].name) if len(teams) == 1 else "teams"
    filename = f"salesbot-{name}-{first.isoformat()}-{last.isoformat()}.xlsx"
    path = directory / filename
    # openpyxl (and the numpy and Pillow it pulls in) only when a workbook is asked for: ~1 s and
    # ~25 MB of every start otherwise (docs/performance.md).
    from bot.services.workbook import write_workbook

    await write_workbook(db, teams, first, last, path, words)
    if path.stat().st_size > DOCUMENT_MAX_BYTES:
        raise Refused(Reason.EXPORT_TOO_BIG)
    return Workbook(path, filename, teams, first, last)
