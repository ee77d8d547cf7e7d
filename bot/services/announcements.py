"""Announcements: a coordinator's text, kept as typed, to the team's group, every rep, or both.

The text keeps its entities (Telegram's JSON: bold, links, ...) and is sent with them and no parse
mode, so whatever the coordinator typed, "<b>" included, arrives as it was written. The
conversation is a `Wizard`: the text (asked for, or after `/announce`), then a preview with the
audience and Send. Send ends the draft, stores the announcement under the draft's token and
queues one outbox row per recipient under one claim, in one transaction: a double tap sends it
once. When every row has settled, the author is told once who received it and who could not be
reached (`report`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from bot.services import outbox
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.outbox import Envelope
from bot.services.wizard import DraftData, State, Wizard
from bot.telegram_text import MESSAGE_LIMIT, utf16_length
from storage.db import Database
from storage.models import Announcement, AnnouncementAudience, Member, OutboxStatus, Person, Role
from storage.queries import announcements as rows
from storage.queries import members, teams

Audience = AnnouncementAudience
# The fields of Telegram's MessageEntity that a sent message may carry.
ENTITY_FIELDS = ("type", "offset", "length", "url", "user", "language", "custom_emoji_id")
EXCERPT_CHARS = 60
# What became of a message, as the author is told.
RECEIVED = frozenset({OutboxStatus.SENT})
UNREACHED = frozenset({OutboxStatus.FORBIDDEN, OutboxStatus.FAILED, OutboxStatus.EXPIRED})
UNSETTLED = frozenset({OutboxStatus.PENDING, OutboxStatus.SENDING})


class AnnounceStep(StrEnum):
    TEXT = "text"
    CONFIRM = "confirm"


@dataclass
class AnnounceData(DraftData):
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    audience: str = Audience.REPS.value


WIZARD = Wizard(DraftKind.ANNOUNCE, AnnounceStep, AnnounceData)
AnnounceState = State[AnnounceStep, AnnounceData]


@dataclass(frozen=True)
class Preview:
    """The draft as the coordinator sees it: the text as it will go, and whom it will reach."""

    token: str
    step: AnnounceStep
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    audience: Audience = Audience.REPS
    has_group: bool = False
    reps: int = 0


@dataclass(frozen=True)
class Queued:
    announcement_id: int
    claim_id: int
    audience: Audience
    reps: int
    group: bool


@dataclass(frozen=True)
class Outcome:
    """Who received an announcement, once every message of it has settled."""

    announcement_id: int
    team_id: int
    author_id: int
    author_language: str | None
    excerpt: str
    audience: Audience
    group: str | None  # "received" | "unreached" | "unknown"; None when it was not for the group
    reps: int
    received: int
    unreached: list[str]
    unknown: list[str]


# --- the text and its entities -----------------------------------------------------------------


def clean_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Telegram's fields of each entity that lies inside `text`; anything else is dropped."""
    size = utf16_length(text)
    kept = []
    for entity in entities:
        offset, length = entity.get("offset"), entity.get("length")
        if (
            not isinstance(offset, int)
            or not isinstance(length, int)
            or not isinstance(entity.get("type"), str)
        ):
            continue
        if offset < 0 or length <= 0 or offset + length > size:
            continue
        kept.append({key: entity[key] for key in ENTITY_FIELDS if entity.get(key) is not None})
    return kept


def after_command(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """`/announce TEXT` as TEXT: the command and the space after it cut off, the entities moved back.

    Offsets are in UTF-16 units, as Telegram counts them; the command's own entity is dropped and
    one reaching into the cut part keeps only what follows it.
    """
    head = text.split(maxsplit=1)
    if len(head) < 2:
        return "", []
    start = len(text) - len(text[len(head[0]) :].lstrip())
    shift = utf16_length(text[:start])
    moved = []
    for entity in entities:
        offset, length = int(entity.get("offset", 0)), int(entity.get("length", 0))
        begin, end = max(offset, shift), offset + length
        if end > begin:
            moved.append({**entity, "offset": begin - shift, "length": end - begin})
    return text[start:], moved


def checked(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The announcement as it will be sent; refused when empty or over Telegram's 4096 units."""
    if not text.strip():
        raise Refused(Reason.NAME_EMPTY)
    if utf16_length(text) > MESSAGE_LIMIT:
        raise Refused(Reason.NAME_TOO_LONG, limit=MESSAGE_LIMIT)
    return text, clean_entities(text, entities)


# --- the conversation --------------------------------------------------------------------------


async def _preview(db: Database, team_id: int, state: AnnounceState) -> Preview:
    async with db.read() as session:
        team = await teams.by_id(session, team_id)
        reps = len(await members.active_ids(session, team_id, Role.REP))
    data = state.data
    return Preview(
        state.token,
        state.step,
        data.text,
        data.entities,
        Audience(data.audience),
        team.group_chat_id is not None,
        reps,
    )


async def start(
    db: Database, actor: Actor, now: datetime, text: str = "", entities: list[dict[str, Any]] | None = None
) -> Preview:
    """/announce: asks for the text, or (`/announce TEXT`) goes straight to its preview."""
    team = actor.require_coordinator()
    data = AnnounceData(audience=(Audience.BOTH if team.group_chat_id is not None else Audience.REPS).value)
    step = AnnounceStep.TEXT
    if text.strip():
        data.text, data.entities = checked(text, entities or [])
        step = AnnounceStep.CONFIRM
    state = await WIZARD.start(db, actor.person_id, now, step, data)
    return await _preview(db, team.id, state)


async def typed(
    db: Database, actor: Actor, text: str, entities: list[dict[str, Any]], now: datetime
) -> Preview:
    """A typed text: it becomes the announcement (replacing an earlier one), shown for review."""
    team = actor.require_coordinator()
    state = await WIZARD.load(db, actor.person_id, None, now)
    data = state.data
    data.text, data.entities = checked(text, entities)
    state = await WIZARD.save(db, actor.person_id, state, AnnounceStep.CONFIRM, data, now)
    return await _preview(db, team.id, state)


async def choose(db: Database, actor: Actor, token: str, audience: Audience, now: datetime) -> Preview:
    """The audience picked on the preview; the group only while the team has one."""
    team = actor.require_coordinator()
    state = await WIZARD.load(db, actor.person_id, token, now)
    if state.step is not AnnounceStep.CONFIRM:
        raise Refused(Reason.STALE_BUTTON)
    async with db.read() as session:
        has_group = (await teams.by_id(session, team.id)).group_chat_id is not None
    if audience is not Audience.REPS and not has_group:
        raise Refused(Reason.STALE_BUTTON)  # no button of ours offers it
    data = state.data
    data.audience = audience.value
    state = await WIZARD.save(db, actor.person_id, state, AnnounceStep.CONFIRM, data, now)
    return await _preview(db, team.id, state)


async def send(db: Database, actor: Actor, token: str, now: datetime) -> Queued:
    """Send: the draft ends, the announcement and its messages are queued, all in one transaction."""
    team = actor.require_coordinator()
    async with db.write() as session:
        state = await WIZARD.finish(session, actor.person_id, token, AnnounceStep.CONFIRM, now)
        data, audience = state.data, Audience(state.data.audience)
        group_id = (await teams.by_id(session, team.id)).group_chat_id
        reps: list[int] = []
        if audience is not Audience.GROUP:
            found = await session.scalars(
                select(Member.person_id).where(members.active_in(team.id, Role.REP)).order_by(Member.id)
            )
            reps = [int(person_id) for person_id in found]
        to_group = audience is not Audience.REPS and group_id is not None
        if not reps and not to_group:
            raise Refused(Reason.ANNOUNCE_NOBODY)
        announcement = Announcement(
            team_id=team.id,
            created_by=actor.person_id,
            token=state.token,
            text=data.text,
            entities=data.entities,
            audience=audience.value,
            created_at=now,
        )
        session.add(announcement)
        await session.flush()
        claim_id = await outbox.claim_in(
            session, team.id, f"announce:{announcement.id}", date.min, now, force=False
        )
        assert claim_id is not None  # the announcement's id is new, so is its claim
        announcement.claim_id = claim_id
        envelopes = (
            [Envelope(group_id, None, data.text, entities=data.entities)] if to_group and group_id else []
        )
        envelopes += [Envelope(person_id, person_id, data.text, entities=data.entities) for person_id in reps]
        outbox.queue_in(session, claim_id, envelopes, now)
        return Queued(announcement.id, claim_id, audience, len(reps), to_group)


async def check_draft(db: Database, actor: Actor, token: str, now: datetime) -> None:
    """Refuse a button whose token is not the actor's live announcement draft (of another kind too)."""
    actor.require_coordinator()
    await WIZARD.load(db, actor.person_id, token, now)


# --- who received it ---------------------------------------------------------------------------


def _fate(status: str) -> str:
    if status in RECEIVED:
        return "received"
    return "unreached" if status in UNREACHED else "unknown"


async def unreported(db: Database) -> list[int]:
    async with db.read() as session:
        return await rows.unreported(session)


async def outcome(db: Database, announcement_id: int) -> Outcome | None:
    """Who received it; None while a message of it is still to be sent, or once it was reported."""
    async with db.read() as session:
        announcement = await rows.by_id(session, announcement_id)
        if announcement is None or announcement.reported_at is not None or announcement.claim_id is None:
            return None
        sent = await rows.messages(session, announcement.claim_id)
        author = await session.get(Person, announcement.created_by)
    if any(status in UNSETTLED for _, _, status, _ in sent):
        return None
    group = next((_fate(status) for _, person_id, status, _ in sent if person_id is None), None)
    people = [(name or str(person_id), _fate(status)) for _, person_id, status, name in sent if person_id]
    text = " ".join(announcement.text.split())
    return Outcome(
        announcement.id,
        announcement.team_id,
        announcement.created_by,
        author.language_code if author else None,
        text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…",
        Audience(announcement.audience),
        group,
        len(people),
        sum(1 for _, fate in people if fate == "received"),
        [name for name, fate in people if fate == "unreached"],
        [name for name, fate in people if fate == "unknown"],
    )


async def report(db: Database, result: Outcome, envelopes: list[Envelope], now: datetime) -> int | None:
    """Queue the author's report, once: the claim id, or None when it was reported already.

    The author gets it only while still an active member of the team.
    """
    async with db.write() as session:
        if not await rows.mark_reported(session, result.announcement_id, now):
            return None
        if await members.active_member(session, result.team_id, result.author_id) is None:
            return None
        key = f"announce-report:{result.announcement_id}"
        claim_id = await outbox.claim_in(session, result.team_id, key, date.min, now, force=False)
        if claim_id is not None:
            outbox.queue_in(session, claim_id, envelopes, now)
        return claim_id
