"""Creating a sales contest: the coordinator's step-by-step conversation, then the saved contest.

Title, what the reps compete on, the race's target, start, end, prizes, squads (a button per
rep, each tap the next squad) and the most-improved award; the rules freeze once it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.contests import KINDS, REPEATS, ContestDraft, ContestView, view_of
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.paging import pressed_page_value, search_query
from bot.services.parsing import clean_text, is_number, parse_amount, parse_moment
from bot.services.wizard import DraftData, State, Wizard
from storage.db import Database
from storage.models import NAME_MAX, Contest, ContestSquad, Role
from storage.queries import members

MAX_PRIZES = 10
SQUADS = 4
DONE = "done"
YES_NO = ("yes", "no")
REPEAT = "repeat"  # the confirm step's button: once -> daily -> weekly -> monthly -> once
# What a button of the conversation may carry besides a rep's id (the squads step).
CHOICES = frozenset((*KINDS, DONE, *YES_NO, REPEAT))


class ContestStep(StrEnum):
    TITLE = "title"
    KIND = "kind"
    TARGET = "target"
    START = "start"
    END = "end"
    PRIZES = "prizes"
    SQUADS = "squads"
    IMPROVED = "improved"
    CONFIRM = "confirm"


@dataclass
class ContestData(DraftData):
    """Moments as ISO strings; squads by the rep's id as a string (the data are stored as JSON)."""

    title: str = ""
    kind: str = ""
    target: int | None = None
    start: str = ""
    end: str = ""
    prizes: list[str] = field(default_factory=list)
    squads: dict[str, int] = field(default_factory=dict)
    improved: bool = False
    page: int = 0  # the squads step's page, and the typed part of a name it is narrowed to
    search: str = ""
    repeat: str = ""  # "" once, else day | week | month: each round a contest of its own


WIZARD = Wizard(DraftKind.CONTEST, ContestStep, ContestData)
Reps = list[tuple[int, str]]


async def _reps(session: AsyncSession, team_id: int) -> Reps:
    return [(p.id, p.display_name) for p in await members.active_people(session, team_id, Role.REP)]


def _shown(state: State[ContestStep, ContestData], reps: Reps) -> ContestDraft:
    return ContestDraft(state.token, state.step.value, state.data.dump(), reps, state.problem)


async def start(db: Database, actor: Actor, now: datetime) -> ContestDraft:
    team = actor.require_coordinator()
    state = await WIZARD.start(db, actor.person_id, now, ContestStep.TITLE, ContestData())
    async with db.read() as session:
        reps = await _reps(session, team.id)
    return _shown(state, reps)


async def advance(
    db: Database, actor: Actor, token: str | None, value: str, now: datetime, max_minor: int, *, typed: bool
) -> ContestDraft:
    """One answer: a typed message (`typed`) or a pressed button's value (a rep's id at squads)."""
    team = actor.require_coordinator()
    zone = team.zone
    async with db.read() as session:
        reps = await _reps(session, team.id)
    rep_ids = {pid for pid, _ in reps}

    async def apply(state: State[ContestStep, ContestData]) -> tuple[ContestStep, ContestData]:
        step, data = state.step, state.data
        if step is ContestStep.TITLE and typed:
            return ContestStep.KIND, replace(data, title=clean_text(value))
        if step is ContestStep.KIND and not typed and value in KINDS:
            return ContestStep.TARGET if value == "race" else ContestStep.START, replace(data, kind=value)
        if step is ContestStep.TARGET and typed:
            return ContestStep.START, replace(data, target=parse_amount(value, max_minor=max_minor))
        if step is ContestStep.START and typed:
            starts = parse_moment(value, now, zone, end=False)
            return ContestStep.END, replace(data, start=starts.isoformat())
        if step is ContestStep.END and typed:
            ends = parse_moment(value, now, zone, end=True)
            if ends <= datetime.fromisoformat(data.start) or ends <= now:
                raise Refused(Reason.END_BEFORE_START)
            return ContestStep.PRIZES, replace(data, end=ends.isoformat())
        if step is ContestStep.PRIZES and typed:
            prizes = [] if value.strip() == "-" else [p.strip() for p in value.split(";") if p.strip()]
            if len(prizes) > MAX_PRIZES or any(len(p) > NAME_MAX for p in prizes):
                raise Refused(Reason.BAD_PRIZES)
            after = ContestStep.SQUADS if data.kind == "squads" else ContestStep.IMPROVED
            return after, replace(data, prizes=prizes)
        if step is ContestStep.SQUADS and typed:
            return step, replace(data, search=search_query(value), page=0)
        if step is ContestStep.SQUADS and (number := pressed_page_value(value)) is not None:
            return step, replace(data, page=number)
        if step is ContestStep.SQUADS:
            if value == DONE:
                if len({data.squads.get(str(pid), 1) for pid in rep_ids}) < 2:
                    raise Refused(Reason.TWO_SQUADS)
                return ContestStep.IMPROVED, data
            if not is_number(value) or int(value) not in rep_ids:
                raise Refused(Reason.STALE_BUTTON)
            # Each press moves the rep to the next squad: 1 -> 2 -> 3 -> 4 -> 1.
            squads = {**data.squads, value: data.squads.get(value, 1) % SQUADS + 1}
            return step, replace(data, squads=squads)
        if step is ContestStep.IMPROVED and not typed and value in YES_NO:
            return ContestStep.CONFIRM, replace(data, improved=value == "yes")
        if step is ContestStep.CONFIRM and not typed and value == REPEAT:
            cycle = ("", *REPEATS)
            following = cycle[(cycle.index(data.repeat) + 1) % len(cycle)] if data.repeat in cycle else ""
            return step, replace(data, repeat=following)
        raise Refused(Reason.USE_BUTTONS if typed else Reason.STALE_BUTTON)

    return _shown(await WIZARD.answer(db, actor.person_id, token, now, apply), reps)


async def create(db: Database, actor: Actor, token: str, now: datetime) -> ContestView:
    team = actor.require_coordinator()
    async with db.write() as session:
        data = (await WIZARD.finish(session, actor.person_id, token, ContestStep.CONFIRM, now)).data
        contest = Contest(
            team_id=team.id,
            title=data.title,
            kind=data.kind,
            target_minor=data.target,
            starts_at=datetime.fromisoformat(data.start),
            ends_at=datetime.fromisoformat(data.end),
            prizes={"list": data.prizes},
            most_improved=bool(data.improved),
            created_by=actor.person_id,
            created_at=now,
            repeat=data.repeat if data.repeat in REPEATS else None,
        )
        session.add(contest)
        await session.flush()
        if contest.kind == "squads":
            for pid, _ in await _reps(session, team.id):
                squad = int(data.squads.get(str(pid), 1))
                session.add(ContestSquad(contest_id=contest.id, person_id=pid, squad=squad))
    return view_of(contest)
