"""A rep with something in every part of the schema, for the export and erasure tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, text

from bot.services.access import Actor
from storage.db import Database
from storage.models import (
    Announcement,
    Attendee,
    Badge,
    Base,
    Celebration,
    Claim,
    Client,
    ClientNote,
    Competitor,
    CompetitorNote,
    Complaint,
    Contest,
    ContestResult,
    DayMark,
    Draft,
    InboxUpdate,
    Meeting,
    Outbox,
    PointEntry,
    Redemption,
    RewardItem,
    Role,
    Target,
    Task,
    TeamManager,
)
from tests.support.factories import T0, add_sale, make_member, make_team

# Distinctive, so that a number in some other column cannot pass for them by chance.
REP_ID = 7770001234
COORDINATOR_ID = 4242420001
OTHER_REP_ID = 5550009876
REP_FIRST, REP_LAST, REP_USERNAME = "Zofia", "Kwiatkowska", "zofia_kw"


@dataclass(frozen=True)
class Sample:
    coordinator: Actor
    rep: Actor
    other: Actor


async def populate(db: Database) -> Sample:
    """A Polish team: a coordinator, the rep to export or forget, another rep; the rep has everything."""
    team = await make_team(db, "North")
    coordinator = await make_member(db, team, COORDINATOR_ID, Role.COORDINATOR, "Celina")
    rep = await make_member(db, team, REP_ID, Role.REP, REP_FIRST)
    other = await make_member(db, team, OTHER_REP_ID, Role.REP, "Olaf")
    assert rep.team is not None
    team_id = rep.team.id
    async with db.write() as session:
        await session.execute(
            text("UPDATE people SET last_name = :l, username = :u, language_code = 'pl' WHERE id = :i"),
            {"l": REP_LAST, "u": REP_USERNAME, "i": REP_ID},
        )
    await add_sale(db, rep, 150000, T0, "Acme")
    await add_sale(db, rep, 25050, T0 + timedelta(hours=1), "Bolt")
    await add_sale(db, other, 99900, T0, "Acme")
    name = f"{REP_FIRST} {REP_LAST}"
    async with db.write() as session:
        acme = await session.scalar(select(Client).where(Client.name == "Acme"))
        assert acme is not None
        acme.owner_id = REP_ID
        acme.is_key = True
        meeting = Meeting(
            team_id=team_id,
            kind="team",
            title="Monday meeting",
            starts_at=T0 + timedelta(days=3),
            duration_min=60,
            created_by=COORDINATOR_ID,
            created_at=T0,
            scheduled_at=T0,
        )
        item = RewardItem(team_id=team_id, title="Cinema tickets", cost_points=30, stock=3, created_at=T0)
        contest = Contest(
            team_id=team_id,
            title="November sprint",
            kind="amount",
            starts_at=T0 - timedelta(days=10),
            ends_at=T0 - timedelta(days=1),
            prizes={"1": "A day off"},
            created_by=COORDINATOR_ID,
            created_at=T0 - timedelta(days=11),
            leader_key=f"{OTHER_REP_ID},{REP_ID}",
            finished_at=T0 - timedelta(days=1),
        )
        competitor = Competitor(team_id=team_id, name="Rival", key="rival", created_at=T0)
        session.add_all([meeting, item, contest, competitor])
        await session.flush()
        claim = Claim(team_id=team_id, kind="daily-post", day=date(2026, 11, 26), round=0, claimed_at=T0)
        session.add(claim)
        await session.flush()
        session.add_all(
            [
                Attendee(meeting_id=meeting.id, person_id=REP_ID, answer="yes", answered_at=T0),
                Attendee(meeting_id=meeting.id, person_id=OTHER_REP_ID),
                PointEntry(
                    team_id=team_id,
                    person_id=REP_ID,
                    delta=50,
                    reason="top_seller",
                    source="day:2026-11-26",
                    day=date(2026, 11, 26),
                    created_at=T0,
                ),
                PointEntry(
                    team_id=team_id,
                    person_id=REP_ID,
                    delta=-30,
                    reason="redeem",
                    source="redeem:1",
                    created_at=T0,
                ),
                Badge(team_id=team_id, person_id=REP_ID, badge="first_sale", earned_at=T0),
                Redemption(
                    team_id=team_id,
                    item_id=item.id,
                    person_id=REP_ID,
                    cost_points=30,
                    status="approved",
                    requested_at=T0,
                    decided_at=T0,
                    decided_by=COORDINATOR_ID,
                ),
                ContestResult(
                    contest_id=contest.id,
                    place=1,
                    person_id=REP_ID,
                    value=175050,
                    prize="A day off",
                    award="place",
                ),
                Target(
                    team_id=team_id,
                    person_id=REP_ID,
                    month=date(2026, 11, 1),
                    amount_minor=500000,
                    set_by=COORDINATOR_ID,
                    set_at=T0,
                ),
                Celebration(
                    team_id=team_id,
                    person_id=REP_ID,
                    kind="target",
                    key=f"target:{REP_ID}:2026-11",
                    amount_minor=175050,
                    created_at=T0,
                    posted_at=T0,
                ),
                Claim(
                    team_id=team_id, kind=f"manager-weekly:{REP_ID}", day=date(2026, 11, 23), claimed_at=T0
                ),
                # A task handed to them: the id stands in the middle of the key.
                Claim(
                    team_id=team_id,
                    kind=f"task-to:7:{REP_ID}:20261126120000000000",
                    day=date.min,
                    claimed_at=T0,
                ),
                # The coordinator's announcement tags them by a text mention (their id and name).
                Announcement(
                    team_id=team_id,
                    created_by=COORDINATOR_ID,
                    token="a1",
                    text=f"Well done {REP_FIRST}!",
                    entities=[
                        {
                            "type": "text_mention",
                            "offset": 10,
                            "length": len(REP_FIRST),
                            "user": {"id": REP_ID, "is_bot": False, "first_name": REP_FIRST},
                        }
                    ],
                    audience="group",
                    created_at=T0,
                ),
                DayMark(
                    team_id=team_id, person_id=REP_ID, day=date(2026, 11, 26), kind="no_sales", created_at=T0
                ),
                Draft(
                    person_id=REP_ID,
                    kind="report",
                    step="client",
                    data={"client": "My secret client"},
                    token="t1",
                    started_at=T0,
                    updated_at=T0,
                ),
                Draft(
                    person_id=COORDINATOR_ID,
                    kind="target",
                    step="amount",
                    data={"person_id": REP_ID},
                    token="t2",
                    started_at=T0,
                    updated_at=T0,
                ),
                InboxUpdate(
                    update_id=1,
                    payload={
                        "update_id": 1,
                        "message": {"from": {"id": REP_ID, "first_name": REP_FIRST}, "text": "/me"},
                    },
                    received_at=T0,
                    handled_at=T0,
                ),
                Outbox(
                    claim_id=claim.id,
                    chat_id=REP_ID,
                    person_id=REP_ID,
                    text=f"Hello {REP_FIRST}",
                    status="sent",
                    updated_at=T0,
                ),
                Outbox(
                    claim_id=claim.id,
                    chat_id=-100500,
                    text=f"1. {name} 1 750,50 zł",
                    status="sent",
                    updated_at=T0,
                ),
                Outbox(
                    claim_id=claim.id,
                    chat_id=-100500,
                    text=f"Cheers to {name}!",
                    status="pending",
                    updated_at=T0,
                ),
                Task(
                    team_id=team_id,
                    batch="b1",
                    given_by=COORDINATOR_ID,
                    assignee_id=REP_ID,
                    text="Call Acme back",
                    due=date(2026, 11, 30),
                    created_at=T0,
                    assigned_at=T0,
                ),
                CompetitorNote(
                    team_id=team_id,
                    competitor_id=competitor.id,
                    person_id=REP_ID,
                    kind="price",
                    text="Rival cut prices by 10%",
                    created_at=T0,
                    draft_token="n1",
                ),
                ClientNote(client_id=acme.id, person_id=REP_ID, text="Prefers mornings", created_at=T0),
                Complaint(
                    team_id=team_id,
                    client_id=acme.id,
                    reported_by=REP_ID,
                    text="Late delivery",
                    created_at=T0,
                ),
                TeamManager(team_id=team_id, person_id=REP_ID, added_at=T0),
            ]
        )
    return Sample(coordinator, rep, other)


async def traces(db: Database, needles: list[str | int]) -> list[str]:
    """Every table, every column: where any needle (an id or a name) still appears."""
    found = []
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, bytes | bool):
                        continue
                    if isinstance(value, int):
                        if value in needles:
                            found.append(f"{table.name}.{column}={value}")
                        continue
                    spelled = (
                        value
                        if isinstance(value, str)
                        else json.dumps(value, ensure_ascii=False, default=str)
                    )
                    for needle in needles:
                        if str(needle) in spelled:
                            found.append(f"{table.name}.{column}: {spelled[:80]}")
    return found
