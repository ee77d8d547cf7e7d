"""A person's data: the export holds all of it; erasure leaves no id or name, and every total as it was."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import BigInteger, func, select

from bot import menus
from bot.render import Renderer
from bot.scheduler.outputs import produce
from bot.services import digests, managers, privacy, results
from bot.services.access import PersonData, identify
from bot.services.managers import MenuHolder
from bot.services.periods import Period
from bot.services.schedule import Kind
from storage.db import Database
from storage.models import Base, Client, Member, Outbox, Person, Role, Sale, Task
from tests.support.factories import T0
from tests.support.privacy_samples import (
    COORDINATOR_ID,
    OTHER_REP_ID,
    REP_FIRST,
    REP_ID,
    REP_LAST,
    REP_USERNAME,
    populate,
    traces,
)

NOW = T0 + timedelta(hours=2)


def _former(renderer: Renderer) -> privacy.FormerName:
    return lambda locale, number: renderer.label(locale, "former_member", number=number)


async def test_export_holds_sales_points_meeting_answer_redemption_and_is_json(db: Database) -> None:
    """The export of a rep names each of their sales, points, meeting answers, redemptions and more."""
    await populate(db)
    document = json.loads(privacy.export_json(await privacy.export(db, REP_ID)))
    assert list(document) == [
        "person", "memberships", "sales", "drafts", "points", "badges", "meetings", "redemptions",
        "contests", "outbox", "clients", "complaints", "tasks", "notes",
        # what later features store about them, after the issue's own keys
        "days_off", "day_marks", "targets", "corrections", "duels", "kudos",
    ]  # fmt: skip
    assert document["day_marks"] == [{"team": "North", "day": "2026-11-26", "kind": "no_sales"}]
    assert document["person"]["first_name"] == REP_FIRST and document["person"]["username"] == REP_USERNAME
    assert [(s["client"], s["amount"]) for s in document["sales"]] == [
        ("Acme", "1500.00"),
        ("Bolt", "250.50"),
    ]
    assert document["sales"][0]["occurred_at"] == "2026-11-27T10:00:00Z"
    assert [p["delta"] for p in document["points"]] == [50, -30]
    assert document["meetings"][0]["title"] == "Monday meeting" and document["meetings"][0]["answer"] == "yes"
    assert document["redemptions"] == [
        {
            "team": "North",
            "reward": "Cinema tickets",
            "cost_points": 30,
            "status": "approved",
            "requested_at": "2026-11-27T10:00:00Z",
            "decided_at": "2026-11-27T10:00:00Z",
        }
    ]
    assert document["contests"][0]["value"] == "1750.50" and document["contests"][0]["place"] == 1
    assert document["badges"][0]["badge"] == "first_sale"
    assert document["memberships"][0]["role"] == "rep"
    assert document["drafts"][0]["data"] == {"client": "My secret client"}
    assert {o["text"] for o in document["outbox"]} == {f"Hello {REP_FIRST}"}
    assert document["clients"][0]["name"] == "Acme"
    assert document["complaints"][0]["text"] == "Late delivery"
    assert document["tasks"][0]["text"] == "Call Acme back"
    assert {n["text"] for n in document["notes"]} == {"Rival cut prices by 10%", "Prefers mornings"}


async def test_forget_leaves_no_id_or_name_in_any_table_and_totals_unchanged(
    db: Database, renderer: Renderer
) -> None:
    """After erasure the Telegram id, name and username appear in no column of any table; the
    team's totals are what they were, the sales under "Były członek 1", the rep gone from rankings."""
    sample = await populate(db)
    team = sample.rep.team
    assert team is not None
    before = {p: await results.ranking(db, team, p, NOW) for p in Period}
    sales_before = await _sales(db)
    needles: list[str | int] = [REP_ID, str(REP_ID), REP_FIRST, REP_LAST, REP_USERNAME]
    assert await traces(db, needles)  # the scan does see them before

    name = await privacy.forget(db, REP_ID, NOW, _former(renderer), "en")

    assert name == "Były członek 1"
    assert await traces(db, needles) == []
    after = {p: await results.ranking(db, team, p, NOW) for p in Period}
    for period in Period:
        assert after[period].team_total_minor == before[period].team_total_minor
        assert after[period].team_count == before[period].team_count
        assert REP_ID not in [r.person_id for r in after[period].rows]
        assert all(r.person_id > 0 for r in after[period].rows)
    assert sorted(a for a, _ in await _sales(db)) == sorted(a for a, _ in sales_before)
    async with db.read() as session:
        former = await session.scalar(select(Person).where(Person.first_name == name))
        assert former is not None and former.id < 0 and former.username is None
        assert former.language_code is None and former.last_name is None
        membership = await session.scalar(select(Member).where(Member.person_id == former.id))
        assert membership is not None and membership.removed_at == NOW
        # As a removal: the key client and the open task pass to the coordinator.
        acme = await session.scalar(select(Client).where(Client.name == "Acme"))
        assert acme is not None and acme.owner_id == COORDINATOR_ID
        task = await session.scalar(select(Task))
        assert task is not None and task.assignee_id == COORDINATOR_ID
        # The group's post still to be sent keeps its news, the name replaced.
        waiting = (await session.scalars(select(Outbox.text).where(Outbox.status == "pending"))).all()
        assert waiting == ["Cheers to Były członek 1!"]
    assert all(h.person_id != REP_ID for h in await managers.menu_holders(db))
    assert (await identify(db, PersonData(OTHER_REP_ID, "Olaf"), NOW, "en")).team == team


async def test_after_forget_digests_and_nudges_hold_no_trace(db: Database, renderer: Renderer) -> None:
    """The digests, the daily post and the nudge made after erasure name neither the rep nor their id."""
    sample = await populate(db)
    assert sample.rep.team is not None
    await privacy.forget(db, REP_ID, NOW, _former(renderer), "en")
    schedule = await digests.schedule_of(db, sample.rep.team.id)
    day = NOW.date()
    for kind in (Kind.DAILY_POST, Kind.DIGEST_DAILY, Kind.DIGEST_WEEKLY, Kind.NUDGE):
        await produce(db, renderer, "en", schedule, kind, day, NOW, force=True)
    async with db.read() as session:
        rows = (await session.execute(select(Outbox.chat_id, Outbox.text))).all()
        former_id = await session.scalar(select(Person.id).where(Person.id < 0))
    texts = "\n".join(t for _, t in rows)
    assert "Celina" in texts or "Olaf" in texts  # the outputs were made
    assert REP_FIRST not in texts and str(REP_ID) not in texts
    assert {c for c, _ in rows}.isdisjoint({REP_ID, former_id})  # nobody nudges the former rep


async def test_forgetting_unknown_or_twice_is_refused_and_changes_nothing(
    db: Database, renderer: Renderer
) -> None:
    """An id never seen, or one forgotten already, is refused and leaves every table as it was."""
    await populate(db)
    with pytest.raises(privacy.PersonError):
        await privacy.forget(db, 123456789, NOW, _former(renderer), "en")
    await privacy.forget(db, REP_ID, NOW, _former(renderer), "en")
    snapshot = await _snapshot(db)
    with pytest.raises(privacy.PersonError):
        await privacy.forget(db, REP_ID, NOW, _former(renderer), "en")
    with pytest.raises(privacy.PersonError):
        await privacy.export(db, REP_ID)
    assert await _snapshot(db) == snapshot


async def test_former_members_count_up_per_team(db: Database, renderer: Renderer) -> None:
    """The second person forgotten in a team is "Former member 2" there."""
    await populate(db)
    assert await privacy.forget(db, REP_ID, NOW, _former(renderer), "en") == "Były członek 1"
    assert await privacy.forget(db, OTHER_REP_ID, NOW, _former(renderer), "en") == "Były członek 2"
    assert renderer.label("en", "former_member", number=3) == "Former member 3"


async def _sales(db: Database) -> list[tuple[int, int]]:
    async with db.read() as session:
        return [(a, p) for a, p in await session.execute(select(Sale.amount_minor, Sale.person_id))]


async def _snapshot(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            t.name: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        } | {"people": len((await session.scalars(select(Person.first_name))).all())}


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REP, None])
@pytest.mark.parametrize("manager", [True, False])
def test_privacy_is_in_every_role_s_menu(role: Role | None, manager: bool) -> None:
    """/privacy is in the shared menu and in every coordinator's and manager's own one."""
    assert "privacy" in menus.REP_COMMANDS
    assert "privacy" in menus.commands_of(MenuHolder(1, "en", role, manager))


# BIGINT ids that are chats, messages and topics, never a person.
NOT_PEOPLE = {"chat_id", "group_chat_id", "group_thread_id", "pinned_message_id", "message_id", "update_id"}


def test_every_column_that_holds_a_person_is_rekeyed_on_forget() -> None:
    """A table added later with a person in it must join the re-keying, or forget would leave the id."""
    from storage.models import Base
    from storage.queries.people import PERSON_COLUMNS

    person_like = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if table.name != "people"
        and (
            column.name in ("person_id", "owner_id", "assignee_id")
            # any other BIGINT id is a Telegram id: a person's, or one of the chats and messages here
            or (
                isinstance(column.type, BigInteger)
                and column.name.endswith("_id")
                and column.name not in NOT_PEOPLE
            )
            or column.name.endswith("_by")
            or any(fk.column.table.name == "people" for fk in column.foreign_keys)
        )
    }
    # A person's drafts and the messages queued for them are deleted, not re-keyed.
    assert person_like - {("drafts", "person_id"), ("outbox", "person_id")} <= set(PERSON_COLUMNS)
