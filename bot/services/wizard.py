"""One skeleton for every step-by-step conversation: typed steps, typed data, save, cancel, advance.

A feature declares its steps (a StrEnum) and its data (a `DraftData` dataclass) and gives a
`Wizard` the rules of one answer; the wizard loads the person's draft (refusing a replaced,
other-kind or expired one), applies the answer, and either saves the next step or re-asks with
the reason the answer was refused. Nothing is stored but through `bot.services.drafts`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import drafts
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import AmountError
from storage.db import Database
from storage.models import Draft


@dataclass
class DraftData:
    """A conversation's data: a dataclass of JSON values, stored as a dict in the draft row."""

    def dump(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def load(cls, raw: dict[str, Any]) -> Self:
        # Unknown keys (from an older version of the data) are dropped, missing ones defaulted.
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in names})


S = TypeVar("S", bound=StrEnum)
D = TypeVar("D", bound=DraftData)


@dataclass(frozen=True)
class State(Generic[S, D]):
    """Where a conversation stands; `problem` says why the last answer was refused, to re-ask."""

    token: str
    step: S
    data: D
    problem: str | None = None


Answer = Callable[[State[S, D]], Awaitable[tuple[S, D]]]


class Wizard(Generic[S, D]):
    # A refusal with one of these reasons is not a wrong answer but a wrong button: raised as is.
    FINAL: ClassVar[frozenset[Reason]] = frozenset({Reason.STALE_BUTTON, Reason.DRAFT_EXPIRED})

    def __init__(self, kind: DraftKind, steps: type[S], data: type[D]) -> None:
        self.kind, self.steps, self.data = kind, steps, data

    def state(self, draft: Draft, problem: str | None = None) -> State[S, D]:
        try:
            step = self.steps(draft.step)
        except ValueError as exc:  # a step this version does not know: the draft cannot go on
            raise Refused(Reason.STALE_BUTTON) from exc
        return State(draft.token, step, self.data.load(draft.data), problem)

    async def start(self, db: Database, person_id: int, now: datetime, step: S, data: D) -> State[S, D]:
        """Begin the conversation, replacing whatever the person was doing."""
        draft = await drafts.begin(db, person_id, self.kind, step.value, data.dump(), now)
        return State(draft.token, step, data)

    async def load(self, db: Database, person_id: int, token: str | None, now: datetime) -> State[S, D]:
        """The person's live draft of this kind (with `token`, when a button gives one)."""
        draft = await drafts.current(db, person_id, now)
        if draft is None or draft.kind != self.kind.value or (token is not None and draft.token != token):
            raise Refused(Reason.STALE_BUTTON)
        return self.state(draft)

    async def save(
        self, db: Database, person_id: int, state: State[S, D], step: S, data: D, now: datetime
    ) -> State[S, D]:
        await drafts.save_step(db, person_id, state.token, step.value, data.dump(), now)
        return State(state.token, step, data)

    async def answer(
        self, db: Database, person_id: int, token: str | None, now: datetime, apply: Answer[S, D]
    ) -> State[S, D]:
        """Apply one answer: saved as the next step, or the same step again with the problem."""
        state = await self.load(db, person_id, token, now)
        try:
            step, data = await apply(state)
        except Refused as refusal:
            if refusal.reason in self.FINAL:
                raise
            return replace(state, problem=refusal.reason.value)
        except AmountError as error:
            return replace(state, problem=str(error.problem))
        return await self.save(db, person_id, state, step, data, now)

    async def finish(
        self, session: AsyncSession, person_id: int, token: str | None, at: S, now: datetime
    ) -> State[S, D]:
        """In the caller's write transaction: take the draft at step `at` and end it.

        `token` None is a typed answer's: it answers whichever draft of this kind is live.

        The row lock makes a double tap on Save wait, then find no draft: it is saved once.
        """
        draft = await drafts.take(session, person_id, self.kind, token)
        if drafts.expired(draft, now):
            raise Refused(Reason.DRAFT_EXPIRED)
        state = self.state(draft)
        if state.step is not at:
            raise Refused(Reason.STALE_BUTTON)
        await session.delete(draft)
        return state

    async def cancel(self, db: Database, person_id: int, token: str | None = None) -> bool:
        return await drafts.end(db, person_id, token)
