"""The sale-report service: drafts step by step to one saved sale, refusals, undo and voids."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services import drafts, report, sales
from bot.services.access import Actor
from bot.services.errors import Refused
from bot.services.report import Step
from storage.db import Database
from storage.models import Client, Draft, Role, Sale
from tests.support.clock import FakeClock
from tests.support.factories import T0, add_sale, make_member, make_team

MAX = 10_000_000 * 100
EVIL = "<b>x</b> & </a> 😀"


async def _team(db: Database) -> tuple[Actor, Actor]:
    await make_team(db)
    return await make_member(db, "North", 1, Role.COORDINATOR), await make_member(db, "North", 2)


async def _sale_count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Sale)) or 0)


async def test_guided_report_stores_one_sale(db: Database) -> None:
    _, rep = await _team(db)
    draft = await report.start(db, rep, T0)
    assert draft.step is Step.CLIENT and draft.choices == []
    draft = await report.answer_text(db, rep, f"  {EVIL}  ", MAX, T0)
    assert draft.step is Step.AMOUNT and draft.client == EVIL
    draft = await report.answer_text(db, rep, "12.345", MAX, T0)
    assert draft.step is Step.AMOUNT and draft.problem == "ambiguous"
    draft = await report.answer_text(db, rep, "1 234,50 zł", MAX, T0)
    assert draft.step is Step.PRODUCT and draft.amount_minor == 123450
    draft = await report.choose(db, rep, draft.token, "p", None, T0)
    assert draft.step is Step.CONFIRM and draft.product is None
    saved = await report.save(db, rep, draft.token, T0)
    assert (saved.client, saved.amount_minor, saved.product) == (EVIL, 123450, None)
    assert await _sale_count(db) == 1
    # The next report offers the recent client as a button.
    again = await report.start(db, rep, T0)
    assert [c.name for c in again.choices] == [EVIL]


async def test_clients_match_case_and_space_insensitively(db: Database) -> None:
    _, rep = await _team(db)
    for name in ("Acme  Sp. z o.o.", "acme sp. Z O.O."):
        quick = await report.start_quick(db, rep, f"100 {name}", MAX, T0)
        await report.save(db, rep, quick.draft.token, T0)
    async with db.read() as session:
        names = (await session.scalars(select(Client.name))).all()
    assert names == ["Acme  Sp. z o.o."]


async def test_quick_form_goes_to_confirmation_or_explains(db: Database) -> None:
    _, rep = await _team(db)
    quick = await report.start_quick(db, rep, "1 234,50 Acme Sp. z o.o.", MAX, T0)
    assert quick.problem is None
    assert (quick.draft.step, quick.draft.amount_minor, quick.draft.client) == (
        Step.CONFIRM,
        123450,
        "Acme Sp. z o.o.",
    )
    refused = await report.start_quick(db, rep, "abc Acme", MAX, T0)
    assert refused.problem == "not_a_number" and refused.draft.step is Step.CLIENT
    assert (await report.start_quick(db, rep, "500", MAX, T0)).problem == "quick_no_client"
    assert await _sale_count(db) == 0


@pytest.mark.parametrize("length", [200, 300])
async def test_long_names_are_stored_as_typed_or_refused(db: Database, length: int) -> None:
    _, rep = await _team(db)
    name = ("<i>😀" + "x" * length)[:length]
    await report.start(db, rep, T0)
    draft = await report.answer_text(db, rep, name, MAX, T0)
    if length <= 200:
        assert draft.step is Step.AMOUNT and draft.client == name
    else:
        assert draft.step is Step.CLIENT and draft.problem == "name_too_long"


async def test_double_save_records_one_sale(db: Database) -> None:
    _, rep = await _team(db)
    quick = await report.start_quick(db, rep, "100 Acme", MAX, T0)
    first, second = await asyncio.gather(
        report.save(db, rep, quick.draft.token, T0), report.save(db, rep, quick.draft.token, T0)
    )
    assert {first.already_saved, second.already_saved} == {False, True}
    assert first.sale_id == second.sale_id
    third = await report.save(db, rep, quick.draft.token, T0)
    assert third.already_saved and await _sale_count(db) == 1


async def test_stale_and_foreign_buttons_are_refused(db: Database) -> None:
    coordinator, rep = await _team(db)
    old = await report.start(db, rep, T0)
    new = await report.start(db, rep, T0)  # replaces the old draft
    with pytest.raises(Refused, match="stale_button"):
        await report.set_yesterday(db, rep, old.token, True, T0)
    with pytest.raises(Refused, match="stale_button"):
        await report.save(db, rep, old.token, T0)
    # Someone else's token is not yours to press.
    with pytest.raises(Refused, match="stale_button"):
        await report.save(db, coordinator, new.token, T0)
    assert await _sale_count(db) == 0


async def test_draft_survives_a_restart_and_expires_after_30_minutes(db_url: str) -> None:
    first = Database(db_url)
    await make_team(first)
    rep = await make_member(first, "North", 2)
    await report.start(first, rep, T0)
    await report.answer_text(first, rep, "Acme", MAX, T0)
    await first.dispose()  # the process goes away; the draft stays in the database

    second = Database(db_url)
    draft = await drafts.current(second, rep.person_id, T0 + timedelta(minutes=29))
    assert draft is not None and draft.step == Step.AMOUNT and draft.data["client"] == "Acme"
    with pytest.raises(Refused, match="draft_expired"):
        await report.answer_text(second, rep, "100", MAX, T0 + timedelta(minutes=31))
    async with second.read() as session:
        assert await session.get(Draft, rep.person_id) is None
    assert await _sale_count(second) == 0
    await second.dispose()


async def test_yesterday_moves_the_sale_to_the_previous_local_day(db: Database) -> None:
    _, rep = await _team(db)
    now = datetime(2026, 11, 27, 23, 10, tzinfo=UTC)  # 00:10 on the 28th in Warsaw
    quick = await report.start_quick(db, rep, "100 Acme", MAX, now)
    await report.set_yesterday(db, rep, quick.draft.token, True, now)
    saved = await report.save(db, rep, quick.draft.token, now)
    local = saved.occurred_at.astimezone(ZoneInfo("Europe/Warsaw"))
    assert (local.day, local.hour, local.minute) == (27, 0, 10)


async def test_undo_within_ten_minutes_only_own_sales(db: Database) -> None:
    coordinator, rep = await _team(db)
    clock = FakeClock(T0)
    quick = await report.start_quick(db, rep, "100 Acme", MAX, clock())
    saved = await report.save(db, rep, quick.draft.token, clock())
    with pytest.raises(Refused, match="undo_expired"):
        await sales.undo(db, coordinator, clock(), saved.sale_id)
    clock.now += timedelta(minutes=10, seconds=1)
    with pytest.raises(Refused, match="undo_expired"):
        await sales.undo(db, rep, clock())
    clock.now = T0 + timedelta(minutes=9)
    line = await sales.undo(db, rep, clock())
    assert line.sale_id == saved.sale_id
    with pytest.raises(Refused, match="already_voided"):
        await sales.undo(db, rep, clock(), saved.sale_id)


async def test_coordinator_voids_with_reason_and_rep_cannot(db: Database) -> None:
    coordinator, rep = await _team(db)
    sale_id = await add_sale(db, rep, 5000, T0)
    with pytest.raises(Refused, match="coordinators_only"):
        await sales.ask_void_reason(db, rep, sale_id, T0)
    await sales.ask_void_reason(db, coordinator, sale_id, T0)
    draft = await drafts.current(db, coordinator.person_id, T0)
    assert draft is not None
    assert int(draft.data["sale_id"]) == sale_id
    line = await sales.void_with_reason(db, coordinator, "duplicate <entry>", T0)
    assert line.voided and line.sale_id == sale_id
    async with db.read() as session:
        sale = await session.get_one(Sale, sale_id)
    assert (sale.voided_by, sale.void_reason, sale.voided_at) == (1, "duplicate <entry>", T0)
    page = await sales.recent(db, coordinator, 0)
    assert page.lines[0].voided


async def test_twenty_reps_saving_at_once_on_sqlite(sqlite_db: Database) -> None:
    await make_team(sqlite_db)
    reps = [await make_member(sqlite_db, "North", 100 + i) for i in range(20)]
    drafts = [
        (await report.start_quick(sqlite_db, rep, f"{i + 1} Client {i}", MAX, T0)).draft
        for i, rep in enumerate(reps)
    ]
    saved = await asyncio.gather(
        *(report.save(sqlite_db, rep, draft.token, T0) for rep, draft in zip(reps, drafts, strict=True))
    )
    assert sorted(s.amount_minor for s in saved) == [100 * (i + 1) for i in range(20)]
    assert await _sale_count(sqlite_db) == 20


async def test_sale_times_are_aware_utc(db: Database) -> None:
    _, rep = await _team(db)
    quick = await report.start_quick(db, rep, "100 Acme", MAX, T0)
    saved = await report.save(db, rep, quick.draft.token, T0)
    async with db.read() as session:
        sale = await session.get_one(Sale, saved.sale_id)
    assert sale.occurred_at == T0 and sale.occurred_at.tzinfo is UTC


async def test_every_draft_kind_expires(db: Database) -> None:
    coordinator, rep = await _team(db)
    sale_id = await add_sale(db, rep, 5000, T0)
    await sales.ask_void_reason(db, coordinator, sale_id, T0)
    with pytest.raises(Refused, match="draft_expired"):
        await drafts.current(db, coordinator.person_id, T0 + timedelta(minutes=31))
    async with db.read() as session:
        assert (await session.get_one(Sale, sale_id)).voided_at is None
        assert await session.get(Draft, coordinator.person_id) is None
