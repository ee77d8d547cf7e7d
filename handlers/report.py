"""The sale-report conversation (/report, its buttons, typed answers), /undo and /cancel.

The state lives in the database (bot.services.report), so there is no ConversationHandler:
a typed message is routed by the person's stored draft.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.deps import BotContext, Deps
from bot.scheduler.notices import cheer
from bot.services import celebrations, report, sales
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.report import DraftView, SavedSale, Step
from handlers.common import callback_args, edit, int_arg, keyboard, reply, respond, with_actor
from handlers.conversation import Conversation
from storage.models import NAME_MAX


def _draft_markup(deps: Deps, actor: Actor, draft: DraftView) -> InlineKeyboardMarkup | None:
    label = deps.renderer.label
    prefix = f"rp:{draft.token}"
    rows: list[list[tuple[str, str]]] = []
    if draft.step is Step.CLIENT:
        rows = [[(choice.name[:64], f"{prefix}:c:{choice.id}")] for choice in draft.choices]
    elif draft.step is Step.PRODUCT:
        rows = [[(choice.name[:64], f"{prefix}:p:{choice.id}")] for choice in draft.choices]
        rows.append([(label(actor.locale, "skip"), f"{prefix}:p:-")])
    elif draft.step is Step.CONFIRM:
        day = ("today", "y:0") if draft.yesterday else ("yesterday", "y:1")
        rows = [
            [(label(actor.locale, "save"), f"{prefix}:save")],
            [(label(actor.locale, day[0]), f"{prefix}:{day[1]}")],
        ]
    rows.append([(label(actor.locale, "cancel"), f"{prefix}:cancel")])
    return keyboard(rows)


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
    chat = update.effective_chat
    assert chat is not None and update.effective_message is not None
    if chat.type != ChatType.PRIVATE:
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
        markup = keyboard([[(deps.renderer.label(actor.locale, "undo"), f"undo:{sale.sale_id}")]])
    assert actor.team is not None
    await edit(update, context, actor, "report_saved", markup, sale=sale, team=actor.team)


async def _celebrate(context: BotContext, actor: Actor, sale_id: int) -> None:
    """Note what the sale is worth cheering and cheer now if the group's minute allows."""
    deps = context.deps
    team = actor.require_member()
    if await celebrations.after_sale(deps.db, team.id, actor.person_id, sale_id, deps.clock()):
        await cheer(deps, context.bot, team.id)


@with_actor
async def report_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "rp")
    if len(args) < 2:
        raise Refused(Reason.STALE_BUTTON)
    token, action = args[0], args[1]
    now = deps.clock()
    if action == "save":
        sale = await report.save(deps.db, actor, token, now)
        await _saved(update, context, actor, sale)
        if not sale.already_saved:
            await _celebrate(context, actor, sale.sale_id)
        return
    if action == "cancel":
        ended = await report.discard(deps.db, actor.person_id, token)
        if not ended:
            raise Refused(Reason.STALE_BUTTON)
        await edit(update, context, actor, "report_cancelled")
        return
    if action in ("c", "p"):
        choice = None if args[2:3] == ["-"] else int_arg(args, 2)
        draft = await report.choose(deps.db, actor, token, action, choice, now)
    elif action == "y":
        draft = await report.set_yesterday(deps.db, actor, token, args[2:3] == ["1"], now)
    else:
        raise Refused(Reason.STALE_BUTTON)
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
    line = await sales.void_with_reason(deps.db, actor, int(data["sale_id"]), text, deps.clock())
    await reply(update, context, actor, "void_done", line=line)


@with_actor
async def undo_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    line = await sales.undo(deps.db, actor, deps.clock())
    await reply(update, context, actor, "undo_done", line=line)


@with_actor
async def undo_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    sale_id = int_arg(callback_args(update, "undo"), 0)
    line = await sales.undo(deps.db, actor, deps.clock(), sale_id)
    await edit(update, context, actor, "undo_done", line=line)


CONVERSATIONS = [
    Conversation(DraftKind.REPORT, Step, typed_report),
    Conversation(DraftKind.VOID, sales.VoidStep, typed_void_reason),
]
