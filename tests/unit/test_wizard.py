"""The one wizard skeleton: typed steps and data, re-asking with a reason, once-only finishing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest

from bot.services import drafts
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import clean_text, parse_amount
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import Draft

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PERSON = 7


class Step(StrEnum):
    NAME = "name"
    AMOUNT = "amount"
    CONFIRM = "confirm"


@dataclass
class Data(DraftData):
    name: str | None = None
    amount_minor: int | None = None
    tags: list[str] = field(default_factory=list)


WIZARD = Wizard(DraftKind.CONTEST, Step, Data)


async def _apply_typed(state: State[Step, Data], text: str) -> tuple[Step, Data]:
    if state.step is Step.NAME:
        return Step.AMOUNT, replace(state.data, name=clean_text(text))
    if state.step is Step.AMOUNT:
        return Step.CONFIRM, replace(state.data, amount_minor=parse_amount(text, max_minor=10**9))
    raise Refused(Reason.USE_BUTTONS)


async def _answer(db: Database, text: str, token: str | None = None, now: datetime = T0) -> State[Step, Data]:
    async def apply(state: State[Step, Data]) -> tuple[Step, Data]:
        return await _apply_typed(state, text)

    return await WIZARD.answer(db, PERSON, token, now, apply)


async def test_answers_move_the_draft_and_typed_data_survive_the_database(db: Database) -> None:
    started = await WIZARD.start(db, PERSON, T0, Step.NAME, Data(tags=["a"]))
    state = await _answer(db, "  Acme <b>  ")
    assert (state.step, state.data.name, state.problem) == (Step.AMOUNT, "Acme <b>", None)
    state = await _answer(db, "1 234,50", started.token)
    loaded = await WIZARD.load(db, PERSON, started.token, T0)
    assert loaded == State(started.token, Step.CONFIRM, Data("Acme <b>", 123450, ["a"]))


async def test_a_refused_answer_reasks_the_same_step_with_its_reason_and_saves_nothing(db: Database) -> None:
    await WIZARD.start(db, PERSON, T0, Step.NAME, Data())
    assert (await _answer(db, "   ")).problem == Reason.NAME_EMPTY.value
    await _answer(db, "Acme")
    assert (await _answer(db, "12,345")).problem == "ambiguous"
    state = await WIZARD.load(db, PERSON, None, T0)
    assert (state.step, state.data.amount_minor) == (Step.AMOUNT, None)


async def test_a_button_of_a_replaced_draft_is_stale(db: Database) -> None:
    old = await WIZARD.start(db, PERSON, T0, Step.NAME, Data())
    await WIZARD.start(db, PERSON, T0, Step.NAME, Data())
    with pytest.raises(Refused) as refused:
        await _answer(db, "Acme", old.token)
    assert refused.value.reason is Reason.STALE_BUTTON
    other_kind = Wizard(DraftKind.MEETING, Step, Data)
    with pytest.raises(Refused):
        await other_kind.load(db, PERSON, None, T0)


async def test_an_untouched_draft_expires_for_every_kind(db: Database) -> None:
    await WIZARD.start(db, PERSON, T0, Step.NAME, Data())
    with pytest.raises(Refused) as refused:
        await _answer(db, "Acme", now=T0 + drafts.LIFETIME + timedelta(seconds=1))
    assert refused.value.reason is Reason.DRAFT_EXPIRED
    assert await drafts.current(db, PERSON, T0 + drafts.LIFETIME * 2) is None


async def test_finishing_takes_the_draft_once_so_a_double_tap_saves_once(db: Database) -> None:
    state = await WIZARD.start(db, PERSON, T0, Step.CONFIRM, Data("Acme", 100))
    async with db.write() as session:
        with pytest.raises(Refused):
            await WIZARD.finish(session, PERSON, state.token, Step.NAME, T0)
    async with db.write() as session:
        finished = await WIZARD.finish(session, PERSON, state.token, Step.CONFIRM, T0)
    assert finished.data == Data("Acme", 100)
    async with db.write() as session:
        with pytest.raises(Refused) as refused:
            await WIZARD.finish(session, PERSON, state.token, Step.CONFIRM, T0)
    assert refused.value.reason is Reason.STALE_BUTTON


async def test_a_stored_step_this_version_does_not_know_ends_as_stale(db: Database) -> None:
    state = await WIZARD.start(db, PERSON, T0, Step.NAME, Data())
    async with db.write() as session:
        draft = await session.get_one(Draft, PERSON)
        draft.step = "vanished"
    with pytest.raises(Refused):
        await WIZARD.load(db, PERSON, state.token, T0)
    assert await WIZARD.cancel(db, PERSON, state.token)
    assert not await WIZARD.cancel(db, PERSON, state.token)
