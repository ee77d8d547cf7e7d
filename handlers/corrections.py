"""Correcting a saved sale: its card with the history, what to change, the typed value and reason."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix
from bot.deps import BotContext
from bot.services import corrections
from bot.services.access import Actor
from bot.services.corrections import CorrectStep, Field, SaleCard
from bot.services.drafts import DraftKind
from handlers.common import pressed, respond, with_actor
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed
from storage.models import NAME_MAX


def _markup(context: BotContext, actor: Actor, card: SaleCard) -> InlineKeyboardMarkup | None:
    if card.token is None or card.step is None:
        return None
    label = context.deps.renderer.label
    button = DraftButtons(Prefix.CORRECT, card.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if card.step is CorrectStep.FIELD:
        rows = [[button(label(actor.locale, "edit_step", step=f.value), "f", f.value)] for f in Field]
    return button.keyboard(rows)


async def show_card(
    update: Update, context: BotContext, actor: Actor, card: SaleCard, *, editing: bool
) -> None:
    deps = context.deps
    values = {
        "card": card,
        "team": actor.require_member(),
        "max_minor": deps.settings.max_amount_minor,
        "name_max": NAME_MAX,
    }
    await respond(
        update, context, actor, "sale_card", _markup(context, actor, card), editing=editing, **values
    )


async def begin(update: Update, context: BotContext, actor: Actor, sale_id: int) -> None:
    """An Edit button of a sales list: the sale's card, as a new message under the list."""
    deps = context.deps
    card = await corrections.begin(deps.db, actor, sale_id, deps.clock())
    await show_card(update, context, actor, card, editing=False)


@with_actor
async def correct_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.CORRECT)
    token, action = button.text(0), button.choice(1, ("f", CANCEL))
    if action == CANCEL:
        button.exactly(2)
        await cancel_pressed(update, context, actor, token)
        return
    chosen = Field(button.exactly(3).choice(2, [f.value for f in Field]))
    card = await corrections.pick(deps.db, actor, token, chosen, deps.clock())
    await show_card(update, context, actor, card, editing=True)


async def typed_correction(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    card = await corrections.answer_text(deps.db, actor, text, deps.settings.max_amount_minor, deps.clock())
    await show_card(update, context, actor, card, editing=False)


CONVERSATIONS = [Conversation(DraftKind.CORRECT, CorrectStep, typed_correction)]
