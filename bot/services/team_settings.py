"""The coordinator's /settings: post and nudge times, post days, public and own holidays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import holidays
from sqlalchemy import select

from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import is_number, parse_hhmm
from bot.services.quiet_hours import is_quiet_at
from bot.services.rewards import DEFAULT_POINTS, points_table
from bot.services.schedule import format_days, parse_days
from bot.services.targets import parse_target_amount
from bot.services.wizard import DraftData, Wizard
from storage.db import Database
from storage.models import Team, TeamHoliday
from storage.queries import insert_ignore, teams


class Field(StrEnum):
    """The /settings questions answered by typing; each is a step of a settings draft."""

    POST_TIME = "post_time"
    NUDGE_TIME = "nudge_time"
    COUNTRY = "country"
    POINTS = "points"
    BIG_DEAL = "big_deal"
    KEY_DAYS = "key_days"
    PACE = "pace"
    QUIET_HOURS = "quiet_hours"
    DUEL_POINTS = "duel_points"
    KUDOS_ALLOWANCE = "kudos_allowance"
    KUDOS_POINTS = "kudos_points"


@dataclass
class SettingsData(DraftData):
    """A settings question needs nothing but its step: the field being answered."""


WIZARD = Wizard(DraftKind.SETTINGS, Field, SettingsData)
FIELDS = tuple(field.value for field in Field)
MAX_POINTS = 10_000
MAX_KEY_DAYS = 365
MAX_KUDOS_ALLOWANCE = 100
# The peer-play fields: a whole number each, up to its limit.
PLAY_LIMITS = {
    Field.DUEL_POINTS: MAX_POINTS,
    Field.KUDOS_ALLOWANCE: MAX_KUDOS_ALLOWANCE,
    Field.KUDOS_POINTS: MAX_POINTS,
}


@dataclass(frozen=True)
class SettingsView:
    post_time: str
    nudge_time: str
    post_days: frozenset[int]
    holiday_country: str | None
    own_holidays: list[date]
    points: dict[str, int]
    big_deal_minor: int | None = None
    key_client_days: int = 14
    pace_threshold: int = 70
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end

    duel_points: int = 20
    kudos_allowance: int = 5
    kudos_points: int = 5


async def view(db: Database, actor: Actor, today: date) -> SettingsView:
    team_info = actor.require_coordinator()
    async with db.read() as session:
        team = await teams.by_id(session, team_info.id)
        days = (
            await session.scalars(
                select(TeamHoliday.day)
                .where(TeamHoliday.team_id == team.id, TeamHoliday.day >= today)
                .order_by(TeamHoliday.day)
            )
        ).all()
    return SettingsView(
        team.post_time,
        team.nudge_time,
        parse_days(team.post_days),
        team.holiday_country,
        list(days),
        points_table(team),
        team.big_deal_minor,
        team.key_client_days,
        team.pace_threshold,
        team.quiet_start,
        team.quiet_end,
        team.duel_points,
        team.kudos_allowance,
        team.kudos_points,
    )


async def ask(db: Database, actor: Actor, field: Field, now: datetime) -> None:
    """The next typed message answers `field`."""
    actor.require_coordinator()
    await WIZARD.start(db, actor.person_id, now, field, SettingsData())


async def answer(db: Database, actor: Actor, text: str, now: datetime, max_minor: int = 10**12) -> None:
    """Apply a typed value to the field asked; a bad one is refused and the question stays open."""
    team = actor.require_coordinator()
    asked = await WIZARD.load(db, actor.person_id, None, now)
    values = _values(asked.step, text, max_minor)
    async with db.write() as session:
        await WIZARD.finish(session, actor.person_id, asked.token, asked.step, now)
        team_row = await teams.by_id(session, team.id)
        _keep_out_of_quiet_hours(team_row, values)
        for name, value in values.items():
            if name == "reward_points":
                value = {**(team_row.reward_points or {}), **value}  # type: ignore[dict-item]
            setattr(team_row, name, value)


def _keep_out_of_quiet_hours(team: Team, values: dict[str, object]) -> None:
    """A ranking or reminder time set inside the quiet hours is refused, and so are quiet hours
    that would cover one. Only what changes is checked: a time set before quiet hours existed
    does not block the team's other settings."""
    merged = {name: str(values.get(name, getattr(team, name))) for name in _TIMED}
    if "quiet_start" in values:
        checked = ["post_time", "nudge_time"]
    else:
        checked = [name for name in ("post_time", "nudge_time") if name in values]
    start, end = time.fromisoformat(merged["quiet_start"]), time.fromisoformat(merged["quiet_end"])
    inside = [name for name in checked if is_quiet_at(start, end, parse_hhmm(merged[name]))]
    if not inside:
        return
    window = {"start": merged["quiet_start"], "end": merged["quiet_end"]}
    if "quiet_start" in values:
        raise Refused(Reason.QUIET_COVERS_TIMES, times=[merged[name] for name in inside], **window)
    raise Refused(Reason.IN_QUIET_HOURS, **window)


_TIMED = ("post_time", "nudge_time", "quiet_start", "quiet_end")
# `21:00-08:00`, with a hyphen, a dash or a space between; `-` alone: no quiet hours.
_QUIET = re.compile(r"^\s*(\d{1,2}:\d{2})\s*(?:-|–|—|\s)\s*(\d{1,2}:\d{2})\s*$")
NO_QUIET_HOURS = "00:00"


def parse_quiet_hours(text: str) -> tuple[str, str]:
    """`21:00-08:00` -> ("21:00", "08:00"); `-` -> none (equal ends). Refused otherwise."""
    if text.strip() in ("-", "–"):
        return NO_QUIET_HOURS, NO_QUIET_HOURS
    match = _QUIET.match(text)
    try:
        if match is None:
            raise ValueError(text)
        start, end = parse_hhmm(match[1]), parse_hhmm(match[2])
    except ValueError as exc:
        raise Refused(Reason.BAD_QUIET_HOURS) from exc
    if start == end:
        raise Refused(Reason.BAD_QUIET_HOURS)
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def _values(field: Field, text: str, max_minor: int) -> dict[str, object]:
    """The team's columns a typed answer to `field` sets."""
    if field is Field.QUIET_HOURS:
        start, end = parse_quiet_hours(text)
        return {"quiet_start": start, "quiet_end": end}
    if field in (Field.POST_TIME, Field.NUDGE_TIME):
        try:
            parsed = parse_hhmm(text)
        except ValueError as exc:
            raise Refused(Reason.BAD_TIME) from exc
        return {field.value: parsed.strftime("%H:%M")}
    if field is Field.BIG_DEAL:
        if text.strip() == "-":
            return {"big_deal_minor": None}
        return {"big_deal_minor": parse_target_amount(text, max_minor)}
    if field is Field.KEY_DAYS:
        days = text.strip()
        if not is_number(days) or not 1 <= int(days) <= MAX_KEY_DAYS:
            raise Refused(Reason.BAD_NUMBER, limit=MAX_KEY_DAYS)
        return {"key_client_days": int(days)}
    if field is Field.PACE:
        percent = text.strip().removesuffix("%").strip()
        if not is_number(percent) or not 1 <= int(percent) <= 100:
            raise Refused(Reason.BAD_NUMBER, limit=100)
        return {"pace_threshold": int(percent)}
    if field in PLAY_LIMITS:
        number, limit = text.strip(), PLAY_LIMITS[field]
        if not is_number(number) or int(number) > limit:
            raise Refused(Reason.BAD_NUMBER, limit=limit)
        return {field.value: int(number)}
    if field is Field.POINTS:
        return {"reward_points": _parse_points(text)}
    if field is Field.COUNTRY:
        code = text.strip().upper()
        if code in ("-", "NONE", "BRAK"):
            return {"holiday_country": None}
        if code in holidays.list_supported_countries():
            return {"holiday_country": code}
        raise Refused(Reason.BAD_COUNTRY)
    raise Refused(Reason.STALE_BUTTON)


def _parse_points(text: str) -> dict[str, int]:
    """`top_seller=60 pace=25`: the rules named get new points, the others keep theirs."""
    changes: dict[str, int] = {}
    for word in text.replace(",", " ").split():
        name, sep, value = word.partition("=")
        if not sep or name not in DEFAULT_POINTS or not is_number(value) or int(value) > MAX_POINTS:
            raise Refused(Reason.BAD_POINTS)
        changes[name] = int(value)
    if not changes:
        raise Refused(Reason.BAD_POINTS)
    return changes


async def toggle_day(db: Database, actor: Actor, weekday: int) -> None:
    team = actor.require_coordinator()
    if weekday not in range(1, 8):
        raise Refused(Reason.STALE_BUTTON)
    async with db.write() as session:
        row = await session.get_one(Team, team.id, with_for_update=True)
        days = set(parse_days(row.post_days)) ^ {weekday}
        if not days:
            raise Refused(Reason.LAST_POST_DAY)
        row.post_days = format_days(frozenset(days))


# A day off is planned ahead (or noted just after): a month back to two years ahead.
HOLIDAY_BACK, HOLIDAY_AHEAD = timedelta(days=31), timedelta(days=2 * 366)


async def add_holiday(db: Database, actor: Actor, text: str, now: datetime) -> date:
    team = actor.require_coordinator()
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Refused(Reason.BAD_DATE) from exc
    today = now.astimezone(team.zone).date()
    if not today - HOLIDAY_BACK <= day <= today + HOLIDAY_AHEAD:
        raise Refused(Reason.HOLIDAY_RANGE)
    async with db.write() as session:
        await insert_ignore(session, TeamHoliday, {"team_id": team.id, "day": day}, ["team_id", "day"])
    return day
