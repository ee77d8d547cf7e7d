"""/task: a coordinator gives a task to one rep, several or all, step by step.

The reps are picked like a meeting's attendees (ten a page, a typed part of a name narrows the
list, "All reps" takes everyone active when it is saved); then the text, the due day and,
optionally, a client. Saving writes one task per rep in the transaction that ends the draft, so
a double tap on Save gives the task once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select

from bot.services import clients
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.paging import Page, matching, page_of, pressed_page_value, search_query
from bot.services.parsing import clean_text, parse_due
from bot.services.tasks import RepChoice, TaskView, active_reps, views
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import TASK_TEXT_MAX, Client, Task


class TaskStep(StrEnum):
    REPS = "reps"
    TEXT = "text"
    DUE = "due"
    CLIENT = "client"
    CONFIRM = "confirm"


@dataclass
class TaskData(DraftData):
    reps: list[int] = field(default_factory=list)
    everyone: bool = False
    page: int = 0  # the reps step's page, and the typed part of a name it is narrowed to
    search: str = ""
    text: str | None = None
    due: str | None = None  # ISO day, as JSON holds it
    client_id: int | None = None
    client: str | None = None


TASK = Wizard(DraftKind.TASK, TaskStep, TaskData)
Step = tuple[TaskStep, TaskData]


@dataclass(frozen=True)
class TaskDraft:
    token: str
    step: TaskStep
    data: TaskData
    reps: list[RepChoice]
    problem: str | None = None

    @property
    def chosen(self) -> set[int]:
        return set(self.data.reps)

    @property
    def page(self) -> Page[RepChoice]:
        found = matching(self.reps, self.data.search, lambda r: r.name)
        return page_of(found, self.data.page, self.data.search)

    @property
    def due(self) -> date | None:
        return date.fromisoformat(self.data.due) if self.data.due else None

    @property
    def names(self) -> list[str]:
        """Whom the task goes to, as far as chosen (everyone: the whole list)."""
        return [r.name for r in self.reps if self.data.everyone or r.person_id in self.chosen]


async def _reps(db: Database, actor: Actor) -> list[RepChoice]:
    team = actor.require_coordinator()
    async with db.read() as session:
        return await active_reps(session, team.id)


def _shown(state: State[TaskStep, TaskData], reps: list[RepChoice]) -> TaskDraft:
    return TaskDraft(state.token, state.step, state.data, reps, state.problem)


async def start(db: Database, actor: Actor, now: datetime) -> TaskDraft:
    actor.require_coordinator()
    state = await TASK.start(db, actor.person_id, now, TaskStep.REPS, TaskData())
    return _shown(state, await _reps(db, actor))


def _pick(data: TaskData, value: str, person: int | None, known: set[int]) -> Step:
    if value == "all":
        return TaskStep.TEXT, replace(data, everyone=True, reps=[])
    if value == "next":
        if not data.reps:
            raise Refused(Reason.NO_REPS)
        return TaskStep.TEXT, data
    if person is not None and person in known:
        return TaskStep.REPS, replace(data, reps=sorted(set(data.reps) ^ {person}))
    raise Refused(Reason.STALE_BUTTON)


async def advance(
    db: Database,
    actor: Actor,
    token: str | None,
    value: str,
    now: datetime,
    *,
    typed: bool,
    person: int | None = None,
) -> TaskDraft:
    """The answer to the current step (a pressed value or typed text); a bad one re-asks."""
    team = actor.require_coordinator()
    reps = await _reps(db, actor)

    async def apply(state: State[TaskStep, TaskData]) -> Step:
        step, data = state.step, state.data
        if step is TaskStep.REPS and typed:
            return step, replace(data, search=search_query(value), page=0)
        if step is TaskStep.REPS and (number := pressed_page_value(value)) is not None:
            return step, replace(data, page=number)
        if step is TaskStep.REPS:
            return _pick(data, value, person, {r.person_id for r in reps})
        if step is TaskStep.TEXT and typed:
            return TaskStep.DUE, replace(data, text=clean_text(value, TASK_TEXT_MAX))
        if step is TaskStep.DUE and typed:
            return TaskStep.CLIENT, replace(data, due=parse_due(value, now, team.zone).isoformat())
        if step is TaskStep.CLIENT and typed:
            async with db.read() as session:
                client = await clients.find_by_name(session, actor, team, clean_text(value))
            if client is None:
                raise Refused(Reason.NO_SUCH_CLIENT)
            return TaskStep.CONFIRM, replace(data, client_id=client.id, client=client.name)
        if step is TaskStep.CLIENT and value == "skip":
            return TaskStep.CONFIRM, replace(data, client_id=None, client=None)
        raise Refused(Reason.USE_BUTTONS if typed else Reason.STALE_BUTTON)

    return _shown(await TASK.answer(db, actor.person_id, token, now, apply), reps)


@dataclass(frozen=True)
class Given:
    batch: str
    tasks: list[TaskView]


async def save(db: Database, actor: Actor, token: str, now: datetime) -> Given:
    """One task per chosen rep still in the team (everyone active, for "All reps"), once."""
    actor.require_coordinator()
    try:
        return await _save(db, actor, token, now)
    except Refused:
        # Saved already (a double tap, or the update handed out again after a crash before its
        # reps were told): the same tasks again, so the caller tells them, once by the claim's key.
        async with db.read() as session:
            given = await views(session, Task.batch == token, Task.given_by == actor.person_id)
        if given:
            return Given(token, given)
        raise


async def _save(db: Database, actor: Actor, token: str, now: datetime) -> Given:
    team = actor.require_coordinator()
    async with db.write() as session:
        data = (await TASK.finish(session, actor.person_id, token, TaskStep.CONFIRM, now)).data
        if data.text is None or data.due is None:
            raise Refused(Reason.STALE_BUTTON)  # only a confirmed draft has them
        due = date.fromisoformat(data.due)
        if due < now.astimezone(team.zone).date():
            raise Refused(Reason.DUE_PAST)  # confirmed before midnight, saved after
        active = [r.person_id for r in await active_reps(session, team.id)]
        reps = active if data.everyone else sorted(set(data.reps) & set(active))
        if not reps:
            raise Refused(Reason.NO_REPS)
        client_id = None
        if data.client_id is not None:
            client_id = await session.scalar(
                select(Client.id).where(Client.id == data.client_id, Client.team_id == team.id)
            )
        session.add_all(
            Task(
                team_id=team.id,
                batch=token,
                given_by=actor.person_id,
                assignee_id=person_id,
                text=data.text,
                due=due,
                client_id=client_id,
                created_at=now,
                assigned_at=now,
            )
            for person_id in reps
        )
        await session.flush()
        given = await views(session, Task.batch == token)
    return Given(token, given)
