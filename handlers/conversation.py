"""One conversation mechanism for every feature: the typed-answer router and the one cancel.

Drafts live in the database (`bot.services.drafts`), so there is no ConversationHandler. Each
feature module declares a `CONVERSATIONS` table (its draft kinds, their steps and the handler of
a typed answer); the composition root reads those tables into the one router registered last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.services import drafts, inbox
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from handlers.common import Callback, edit, keyboard, reply, settled, with_actor

log = logging.getLogger(__name__)

# (update, context, actor, the draft's step, the draft's data, the typed text)
TypedAnswer = Callable[[Update, BotContext, Actor, str, dict[str, Any], str], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Conversation:
    """A draft kind, the steps its drafts may be at, and what answers a typed message."""

    kind: DraftKind
    steps: type[StrEnum]
    typed: TypedAnswer


def typed_answer_router(conversations: Iterable[Conversation]) -> Callback:
    """The handler of plain private messages: whatever the person's stored draft asks."""
    table = {conversation.kind.value: conversation for conversation in conversations}
    missing = {kind.value for kind in DraftKind} - set(table)
    if missing:  # a kind without a typed answer would drop people's messages silently
        raise ValueError(f"no conversation registered for {sorted(missing)}")

    @with_actor
    async def typed_answer(update: Update, context: BotContext, actor: Actor) -> None:
        deps = context.deps
        assert update.effective_message is not None
        draft = await drafts.current(deps.db, actor.person_id, deps.clock())
        if not await inbox.answering(deps.db, update.update_id, drafts.fingerprint(draft)):
            # Handled before a crash, up to its answer: the draft moved on because of it.
            log.info("update %s already answered its draft; not applied again", update.update_id)
            await settled(update, context)
            return
        if draft is None:
            raise Refused(Reason.NO_DRAFT)
        conversation = table.get(draft.kind)
        if conversation is None or draft.step not in {step.value for step in conversation.steps}:
            # Left by another version of the bot: it cannot go on, so it ends here.
            await drafts.end(deps.db, actor.person_id, draft.token)
            raise Refused(Reason.STALE_BUTTON)
        text = update.effective_message.text or ""
        await conversation.typed(update, context, actor, draft.step, dict(draft.data), text)

    return typed_answer


CANCEL = "cancel"


class DraftButtons:
    """A wizard card's buttons: each carries the draft's token, and the last row is Cancel."""

    def __init__(self, prefix: Prefix, token: str, cancel_label: str) -> None:
        self.prefix, self.token, self.cancel_label = prefix, token, cancel_label

    def __call__(self, label: str, *fields: str | int) -> tuple[str, str]:
        return label, encode(self.prefix, self.token, *fields)

    def keyboard(self, rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
        return keyboard([*rows, [self(self.cancel_label, CANCEL)]])


async def cancel_pressed(update: Update, context: BotContext, actor: Actor, token: str) -> None:
    """A wizard's Cancel button: ends that draft only (a button of a replaced one is stale)."""
    if not await drafts.end(context.deps.db, actor.person_id, token):
        raise Refused(Reason.STALE_BUTTON)
    await edit(update, context, actor, "report_cancelled")


@with_actor
async def cancel_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/cancel: ends whatever the person was doing."""
    ended = await drafts.end(context.deps.db, actor.person_id)
    await reply(update, context, actor, "report_cancelled" if ended else "nothing_to_cancel")
