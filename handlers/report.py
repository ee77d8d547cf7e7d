"""The sale-report conversation (/report, its buttons, typed answers), /undo and /cancel.

The state lives in the database (bot.services.report), so there is no ConversationHandler:
a typed message is routed by the person's stored draft.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.scheduler.notices import cheer
from bot.services import celebrations, report, sales
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.report import DraftView, SavedSale, Step
from handlers.common import edit, is_private, keyboard, pressed, reply, respond, with_actor
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed
from storage.models import NAME_MAX


def _draft_markup(deps: Deps, actor: Actor, draft: DraftView) -> InlineKeyboardMarkup | None:
    label = deps.renderer.label
    button = DraftButtons(Prefix.REPORT, draft.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if draft.step is Step.CLIENT:
        rows = [[button(choice.name[:64], "c", choice.id)] for choice in draft.choices]
    elif draft.step is Step.PRODUCT:
        rows = [[button(choice.name[:64], "p", choice.id)] for choice in draft.choices]
        rows.append([button(label(actor.locale, "skip"), "p", "-")])
    elif draft.step is Step.CONFIRM and draft.choosing_step:
        rows = [
            [button(label(actor.locale, "edit_step", step=step.value), "g", step.value)]
            for step in (Step.CLIENT, Step.AMOUNT, Step.PRODUCT)
        ]
        rows.append([button(label(actor.locale, "back_to_card"), "g", Step.CONFIRM.value)])
    elif draft.step is Step.CONFIRM:
        day = ("today", "0") if draft.yesterday else ("yesterday", "1")
        rows = [
            [button(label(actor.locale, "save"), "save")],
            [button(label(actor.locale, day[0]), "y", day[1]), button(label(actor.locale, "edit"), "e")],
        ]
    return button.keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: DraftView, *, editing: bool
) -> None:
    deps = context.deps
    markup = _draft_markup(deps, actor, draft)
    values = {"draft": draft, "max_minor": deps.settings.max_amount_minor, "name_max": NAME_MAX}
    await respond(update, context, actor, "report_step", markup, editing=editing, **values)


async def start_report(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    draft = await report.start(deps.db, actor, deps.clock())
    await show_draft(update, context, actor, draft, editing=False)


@with_actor
async def report_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    actor.require_member()
    assert update.effective_message is not None
    if not is_private(update):
        link = f"https://t.me/{context.bot.username}?start=report"
        markup = keyboard([[(deps.renderer.label(actor.locale, "continue_private"), link)]])
        await reply(update, context, actor, "report_in_group", markup)
        return
    text = update.effective_message.text or ""
    args = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    if not args.strip():
        await start_report(update, context, actor)
        return
    quick = await report.start_quick(deps.db, actor, args, deps.settings.max_amount_minor, deps.clock())
    if quick.problem is not None:
        await reply(
            update,
            context,
            actor,
            "report_quick_refused",
            problem=quick.problem,
            max_minor=deps.settings.max_amount_minor,
            currency=quick.draft.currency,
        )
    await show_draft(update, context, actor, quick.draft, editing=False)


async def _saved(update: Update, context: BotContext, actor: Actor, sale: SavedSale) -> None:
    deps = context.deps
    markup = None
    if not sale.already_saved:
        markup = keyboard([[(deps.renderer.label(actor.locale, "undo"), encode(Prefix.UNDO, sale.sale_id))]])
    assert actor.team is not None
    await edit(update, context, actor, "report_saved", markup, sale=sale, team=actor.team)


async def _celebrate(context: BotContext, actor: Actor, sale_id: int) -> None:
    """Note what the sale is worth cheering and cheer now if the group's minute allows."""
    deps = context.deps
    team = actor.require_member()
    if await celebrations.after_sale(deps.db, team.id, actor.person_id, sale_id, deps.clock()):
        await cheer(deps, context.bot, team.id, spawn=deps.background.spawn)


@with_actor
async def report_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.REPORT)
    token, action = button.text(0), button.choice(1, ("save", CANCEL, "c", "p", "y", "e", "g"))
    button.exactly(2 if action in ("save", CANCEL, "e") else 3)
    now = deps.clock()
    if action == "save":
        sale = await report.save(deps.db, actor, token, now)
        await _saved(update, context, actor, sale)
        if not sale.already_saved:
            await _celebrate(context, actor, sale.sale_id)
        return
    if action == CANCEL:
        await cancel_pressed(update, context, actor, token)
        return
    if action == "e":
        draft = await report.edit_menu(deps.db, actor, token, now)
    elif action == "g":
        step = Step(button.choice(2, [s.value for s in Step]))
        if step is Step.CONFIRM:
            draft = await report.edit_menu(deps.db, actor, token, now, choosing=False)
        else:
            draft = await report.go_back(deps.db, actor, token, step, now)
    elif action == "y":
        yesterday = button.choice(2, ("0", "1")) == "1"
        draft = await report.set_yesterday(deps.db, actor, token, yesterday, now)
    else:
        choice = None if button.text(2) == "-" else button.id(2)
        draft = await report.choose(deps.db, actor, token, action, choice, now)
    await show_draft(update, context, actor, draft, editing=True)


async def typed_report(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    view = await report.answer_text(deps.db, actor, text, deps.settings.max_amount_minor, deps.clock())
    await show_draft(update, context, actor, view, editing=False)


async def typed_void_reason(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    line = await sales.void_with_reason(deps.db, actor, text, deps.clock())
    await reply(update, context, actor, "void_done", line=line)


@with_actor
async def undo_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    line = await sales.undo(deps.db, actor, deps.clock())
    await reply(update, context, actor, "undo_done", line=line)


@with_actor
async def undo_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    sale_id = pressed(update, Prefix.UNDO).exactly(1).id(0)
    line = await sales.undo(deps.db, actor, deps.clock(), sale_id)
    await edit(update, context, actor, "undo_done", line=line)


CONVERSATIONS = [
    Conversation(DraftKind.REPORT, Step, typed_report),
    Conversation(DraftKind.VOID, sales.VoidStep, typed_void_reason),
]
