"""A person's data on request: everything stored about them as one document, or their identity erased.

Erasure keeps the team's records whole: the person is re-keyed to a new internal (negative) id
under the name "Former member N", so their sales and points still count in every total, while
their Telegram id, name, username and language leave the database. It ends their membership as a
removal does (clients and open tasks to a coordinator), so nudges, digests and menus forget them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.money import format_amount_plain
from storage.db import Database
from storage.models import (
    Announcement,
    Attendee,
    Badge,
    Celebration,
    Claim,
    Client,
    ClientContact,
    ClientNote,
    Competitor,
    CompetitorNote,
    Complaint,
    Contest,
    ContestResult,
    DayMark,
    DayOff,
    Draft,
    Duel,
    InboxUpdate,
    Kudos,
    Meeting,
    Member,
    Outbox,
    OutboxStatus,
    Person,
    PointEntry,
    Redemption,
    RewardItem,
    Role,
    Sale,
    SaleCorrection,
    Target,
    Task,
    Team,
    TeamManager,
)
from storage.queries import clients as client_rows
from storage.queries import members, people
from storage.queries import tasks as task_rows

# Messages still to be sent: their text is rewritten rather than dropped.
_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class PersonError(ValueError):
    """No such person (never seen, or forgotten already): one line on stderr."""


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _amount(minor: int | None) -> str | None:
    return None if minor is None else format_amount_plain(minor)


async def _person(session: AsyncSession, telegram_id: int) -> Person:
    person = await session.get(Person, telegram_id) if not people.is_former(telegram_id) else None
    if person is None:
        raise PersonError(f"no person with Telegram id {telegram_id}")
    return person


async def export(db: Database, telegram_id: int) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready values (amounts as "1500.00", UTC with Z)."""
    document = await _export_core(db, telegram_id)
    return {**document, **await _export_more(db, telegram_id)}


async def _export_more(db: Database, pid: int) -> dict[str, Any]:
    """What later features store about them: days off, "no sales" marks, targets, corrections
    they made, duels and kudos."""
    async with db.read() as session:
        teams = {t.id: t.name for t in (await session.scalars(select(Team))).all()}
        days_off = (await session.scalars(select(DayOff).where(DayOff.person_id == pid))).all()
        marks = (await session.scalars(select(DayMark).where(DayMark.person_id == pid))).all()
        targets = (await session.scalars(select(Target).where(Target.person_id == pid))).all()
        changes = (
            await session.scalars(select(SaleCorrection).where(SaleCorrection.changed_by == pid))
        ).all()
        duels = (
            await session.scalars(select(Duel).where(or_(Duel.challenger_id == pid, Duel.rival_id == pid)))
        ).all()
        kudos = (
            await session.scalars(select(Kudos).where(or_(Kudos.giver_id == pid, Kudos.receiver_id == pid)))
        ).all()
    return {
        "days_off": [
            {"team": teams.get(d.team_id), "first": _day(d.first_day), "last": _day(d.last_day)}
            for d in days_off
        ],
        "day_marks": [{"team": teams.get(m.team_id), "day": _day(m.day), "kind": m.kind} for m in marks],
        "targets": [
            {"team": teams.get(t.team_id), "month": _day(t.month), "amount": _amount(t.amount_minor)}
            for t in targets
        ],
        "corrections": [
            {
                "sale": c.sale_id,
                "field": c.field,
                "before": c.before,
                "after": c.after,
                "reason": c.reason,
                "changed_at": _when(c.changed_at),
            }
            for c in changes
        ],
        "duels": [
            {
                "team": teams.get(d.team_id),
                "role": "challenger" if d.challenger_id == pid else "rival",
                "span": d.span,
                "status": d.status,
                "points": d.points,
                "won": d.winner_id == pid if d.winner_id is not None else None,
                "created_at": _when(d.created_at),
                "decided_at": _when(d.decided_at),
            }
            for d in duels
        ],
        "kudos": [
            {
                "team": teams.get(k.team_id),
                "given": k.giver_id == pid,
                "reason": k.reason,
                "points": k.points,
                "month": _day(k.month),
            }
            for k in kudos
        ],
    }


async def _export_core(db: Database, telegram_id: int) -> dict[str, Any]:
    async with db.read() as session:
        person = await _person(session, telegram_id)
        pid = person.id
        teams = {t.id: t.name for t in (await session.scalars(select(Team))).all()}

        def scalars_of(stmt: Any) -> Any:
            return session.scalars(stmt)

        memberships = (
            await scalars_of(select(Member).where(Member.person_id == pid).order_by(Member.id))
        ).all()
        sales = (
            await session.execute(
                select(Sale, Client.name)
                .join(Client, Client.id == Sale.client_id)
                .where(Sale.person_id == pid)
                .order_by(Sale.occurred_at, Sale.id)
            )
        ).all()
        drafts = (await scalars_of(select(Draft).where(Draft.person_id == pid))).all()
        points = (
            await scalars_of(select(PointEntry).where(PointEntry.person_id == pid).order_by(PointEntry.id))
        ).all()
        badges = (
            await scalars_of(select(Badge).where(Badge.person_id == pid).order_by(Badge.earned_at))
        ).all()
        meetings = (
            await session.execute(
                select(Meeting, Attendee)
                .join(Attendee, Attendee.meeting_id == Meeting.id)
                .where(Attendee.person_id == pid)
                .order_by(Meeting.starts_at, Meeting.id)
            )
        ).all()
        redemptions = (
            await session.execute(
                select(Redemption, RewardItem.title)
                .join(RewardItem, RewardItem.id == Redemption.item_id)
                .where(Redemption.person_id == pid)
                .order_by(Redemption.id)
            )
        ).all()
        results = (
            await session.execute(
                select(ContestResult, Contest)
                .join(Contest, Contest.id == ContestResult.contest_id)
                .where(ContestResult.person_id == pid)
                .order_by(Contest.ends_at, ContestResult.id)
            )
        ).all()
        messages = (
            await scalars_of(
                select(Outbox).where(or_(Outbox.person_id == pid, Outbox.chat_id == pid)).order_by(Outbox.id)
            )
        ).all()
        owned = (await scalars_of(select(Client).where(Client.owner_id == pid).order_by(Client.id))).all()
        complaints = (
            await session.execute(
                select(Complaint, Client.name)
                .join(Client, Client.id == Complaint.client_id)
                .where(Complaint.reported_by == pid)
                .order_by(Complaint.id)
            )
        ).all()
        tasks = (
            await scalars_of(
                select(Task).where(or_(Task.assignee_id == pid, Task.given_by == pid)).order_by(Task.id)
            )
        ).all()
        competitor_notes = (
            await session.execute(
                select(CompetitorNote, Competitor.name)
                .join(Competitor, Competitor.id == CompetitorNote.competitor_id)
                .where(CompetitorNote.person_id == pid)
                .order_by(CompetitorNote.id)
            )
        ).all()
        client_notes = (
            await session.execute(
                select(ClientNote, Client.name)
                .join(Client, Client.id == ClientNote.client_id)
                .where(ClientNote.person_id == pid)
                .order_by(ClientNote.id)
            )
        ).all()
        contacts = (
            await session.execute(
                select(ClientContact, Client.name)
                .join(Client, Client.id == ClientContact.client_id)
                .where(ClientContact.person_id == pid)
                .order_by(ClientContact.id)
            )
        ).all()
        managed = (await scalars_of(select(TeamManager).where(TeamManager.person_id == pid))).all()
    return {
        "person": {
            "telegram_id": pid,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
            "language_code": person.language_code,
            "created_at": _when(person.created_at),
            "updated_at": _when(person.updated_at),
            "manages": [teams.get(m.team_id) for m in managed],
        },
        "memberships": [
            {
                "team": teams.get(m.team_id),
                "role": m.role,
                "joined_at": _when(m.joined_at),
                "removed_at": _when(m.removed_at),
                "unreachable_at": _when(m.unreachable_at),
            }
            for m in memberships
        ],
        "sales": [
            {
                "id": s.id,
                "team": teams.get(s.team_id),
                "client": client,
                "amount": _amount(s.amount_minor),
                "currency": s.currency,
                "occurred_at": _when(s.occurred_at),
                "created_at": _when(s.created_at),
                "voided_at": _when(s.voided_at),
                "void_reason": s.void_reason,
            }
            for s, client in sales
        ],
        "drafts": [
            {"kind": d.kind, "step": d.step, "data": d.data, "started_at": _when(d.started_at)}
            for d in drafts
        ],
        "points": [
            {
                "team": teams.get(p.team_id),
                "delta": p.delta,
                "reason": p.reason,
                "day": _day(p.day),
                "created_at": _when(p.created_at),
            }
            for p in points
        ],
        "badges": [
            {
                "team": teams.get(b.team_id),
                "badge": b.badge,
                "earned_at": _when(b.earned_at),
                "day": _day(b.day),
            }
            for b in badges
        ],
        "meetings": [
            {
                "team": teams.get(m.team_id),
                "title": m.title,
                "kind": m.kind,
                "starts_at": _when(m.starts_at),
                "place": m.place,
                "cancelled_at": _when(m.cancelled_at),
                "answer": a.answer,
                "answered_at": _when(a.answered_at),
                "attended": a.attended,
            }
            for m, a in meetings
        ],
        "redemptions": [
            {
                "team": teams.get(r.team_id),
                "reward": title,
                "cost_points": r.cost_points,
                "status": r.status,
                "requested_at": _when(r.requested_at),
                "decided_at": _when(r.decided_at),
            }
            for r, title in redemptions
        ],
        "contests": [
            {
                "team": teams.get(c.team_id),
                "contest": c.title,
                "kind": c.kind,
                "ends_at": _when(c.ends_at),
                "place": r.place,
                "award": r.award,
                "value": _amount(r.value) if c.kind != "count" else str(r.value),
                "prize": r.prize,
            }
            for r, c in results
        ],
        "outbox": [{"text": o.text, "status": o.status, "updated_at": _when(o.updated_at)} for o in messages],
        "clients": [
            {
                "team": teams.get(c.team_id),
                "name": c.name,
                "kind": c.kind,
                "key_client": c.is_key,
                "created_at": _when(c.created_at),
            }
            for c in owned
        ],
        "complaints": [
            {
                "team": teams.get(c.team_id),
                "client": client,
                "text": c.text,
                "status": c.status,
                "created_at": _when(c.created_at),
                "closed_at": _when(c.closed_at),
            }
            for c, client in complaints
        ],
        "tasks": [
            {
                "team": teams.get(t.team_id),
                "text": t.text,
                "due": _day(t.due),
                "assigned_to_them": t.assignee_id == pid,
                "given_by_them": t.given_by == pid,
                "created_at": _when(t.created_at),
                "done_at": _when(t.done_at),
            }
            for t in tasks
        ],
        "notes": [
            *(
                {
                    "about": "competitor",
                    "competitor": name,
                    "kind": n.kind,
                    "text": n.text,
                    "created_at": _when(n.created_at),
                }
                for n, name in competitor_notes
            ),
            *(
                {"about": "client", "client": name, "text": n.text, "created_at": _when(n.created_at)}
                for n, name in client_notes
            ),
            *(
                {
                    "about": "contact",
                    "client": name,
                    "kind": c.kind,
                    "text": c.note,
                    "created_at": _when(c.at),
                }
                for c, name in contacts
            ),
        ],
    }


def export_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


# "Former member N" in the team's language: the caller renders it (a service formats no sentence).
FormerName = Callable[[str, int], str]


def _mentions(value: object, telegram_id: int) -> bool:
    """The id as a whole number anywhere in a JSON-ready value (not as a part of a longer one)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return re.search(rf"(?<![\d.]){telegram_id}(?![\d.])", text) is not None


def _name_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def _scrub(text: str, names: list[str], former_name: str) -> str:
    """The text with every spelling of the names (as typed, and HTML-escaped) replaced."""
    for n in sorted(names, key=len, reverse=True):
        for spelling in {n, html.escape(n, quote=False), html.escape(n)}:
            text = _name_re(spelling).sub(former_name, text)
    return text


def _named(text: str, names: list[str]) -> bool:
    """Whether the text spells a name, as typed or HTML-escaped (messages are stored as HTML)."""
    spellings = {s for n in names for s in (n, html.escape(n, quote=False), html.escape(n))}
    return any(_name_re(s).search(text) for s in spellings)


async def forget(db: Database, telegram_id: int, now: datetime, former_name: FormerName, locale: str) -> str:
    """Erase the person's identity in one transaction; their new name ("Former member N") is returned.

    `locale` is the operator's default, used when the person never belonged to a team.
    """
    async with db.write() as session:
        person = await _person(session, telegram_id)
        names = [n for n in (person.display_name, person.first_name, person.username) if n]
        membership = await members.membership(session, telegram_id)
        if membership is None:
            membership = await session.scalar(
                select(Member)
                .where(Member.person_id == telegram_id)
                .order_by(Member.joined_at.desc(), Member.id.desc())
                .limit(1)
            )
        team = await session.get(Team, membership.team_id) if membership is not None else None
        if team is not None:
            number = await people.formers_in(session, team.id) + 1
            name = former_name(team.locale, number)
        else:
            number = len((await session.scalars(select(Person.id).where(people.former()))).all()) + 1
            name = former_name(locale, number)
        if membership is not None and membership.removed_at is None:
            await _end_membership(session, membership, now)
            await session.flush()
        new_id = await people.next_former_id(session)
        session.add(
            Person(
                id=new_id,
                first_name=name,
                last_name=None,
                username=None,
                language_code=None,
                created_at=person.created_at,
                updated_at=now,
            )
        )
        await session.flush()
        for table, column_name in people.PERSON_COLUMNS:
            col = people.column(table, column_name)
            await session.execute(update(col.table).where(col == telegram_id).values({column_name: new_id}))
        await _rekey_texts(session, telegram_id, new_id)
        # A manager forgotten oversees nothing any more.
        await session.execute(delete(TeamManager).where(TeamManager.person_id == new_id))
        await _drop_traces(session, telegram_id, names, name)
        await session.execute(delete(Person).where(Person.id == telegram_id))
    return name


async def _end_membership(session: AsyncSession, member: Member, now: datetime) -> None:
    """As a coordinator's removal does: the membership ends, clients and open tasks pass on."""
    member.removed_at, member.removed_by = now, None
    heir = await session.scalar(
        select(Member.person_id)
        .where(
            members.active_in(member.team_id, Role.COORDINATOR),
            Member.person_id != member.person_id,
        )
        .order_by(Member.joined_at, Member.id)
        .limit(1)
    )
    if heir is not None:
        await client_rows.hand_over(session, member.team_id, member.person_id, heir)
        await task_rows.hand_over(session, member.team_id, member.person_id, heir, now)
    else:  # nobody left to hand them to: the clients become the team's
        await session.execute(
            update(Client)
            .where(Client.team_id == member.team_id, Client.owner_id == member.person_id)
            .values(owner_id=None)
        )


async def _rekey_texts(session: AsyncSession, old: int, new: int) -> None:
    """Keys that spell the person's id inside a string follow the new id, so they still guard once."""
    for celebration in (await session.scalars(select(Celebration).where(Celebration.person_id == new))).all():
        parts = celebration.key.split(":")
        celebration.key = ":".join(str(new) if part == str(old) else part for part in parts)
    for contest in (await session.scalars(select(Contest).where(Contest.leader_key.is_not(None)))).all():
        assert contest.leader_key is not None
        leaders = contest.leader_key.split(",")
        if str(old) in leaders:
            contest.leader_key = ",".join(sorted(str(new) if p == str(old) else p for p in leaders))
    # The id may stand anywhere in a key ("task-to:7:<id>:<when>", "manager-weekly:<id>").
    for claim in (await session.scalars(select(Claim).where(Claim.kind.like(f"%{old}%")))).all():
        parts = claim.kind.split(":")
        if str(old) in parts:
            claim.kind = ":".join(str(new) if part == str(old) else part for part in parts)


async def _drop_traces(session: AsyncSession, old: int, names: list[str], former_name: str) -> None:
    """Conversation state, updates and messages that still hold the person's id or name."""
    await session.execute(delete(Draft).where(Draft.person_id == old))
    for draft in (await session.scalars(select(Draft))).all():
        if _mentions(draft.data, old):  # someone else's conversation about them
            await session.delete(draft)
    for row in (await session.scalars(select(InboxUpdate))).all():
        # An update not yet handled that only spells the name is someone else's: it must still be handled.
        named = row.handled_at is not None and _named(json.dumps(row.payload, ensure_ascii=False), names)
        if _mentions(row.payload, old) or named:
            await session.delete(row)
    await session.execute(delete(Outbox).where(or_(Outbox.chat_id == old, Outbox.person_id == old)))
    for message in (await session.scalars(select(Outbox))).all():
        mentioned = _mentions([message.text, message.buttons, message.error, message.entities], old)
        named = _named(message.text, names)
        if message.status in _WAITING and not mentioned:
            if named:  # a group's post still to go: it keeps its news, without the name
                message.text = _scrub(message.text, names, former_name)
                message.entities = None  # offsets no longer fit the text: plain, as typed
            continue
        if mentioned or named:
            await session.delete(message)
    # An announcement that tags them (a text mention carries their id) or names them keeps its
    # news without them; its entities go, as their offsets no longer fit the text.
    for announcement in (await session.scalars(select(Announcement))).all():
        if _mentions(announcement.entities, old) or _named(announcement.text, names):
            announcement.text = _scrub(announcement.text, names, former_name)
            announcement.entities = []


async def was_member(db: Database, person_id: int) -> bool:
    """Whether the person ever belonged to a team (their records stay after a removal)."""
    async with db.read() as session:
        found = await session.scalar(select(Member.id).where(Member.person_id == person_id).limit(1))
    return found is not None
