"""Complaints: /complaint (filing, with an optional photo or document), /complaints, the card and
the coordinator's status buttons, each asking for a note."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.scheduler import notices
from bot.services import complaint_drafts, complaints, drafts, inbox
from bot.services.access import Actor
from bot.services.complaint_drafts import FilingView, Step
from bot.services.complaints import ChangeStep, ComplaintView
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.paging import matching, page_of, search_query
from handlers.common import (
    command_args,
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    respond,
    settled,
    with_actor,
)
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed
from storage.models import NAME_MAX, ComplaintStatus

LABEL_CHARS = 48
TEXT_MAX = complaint_drafts.TEXT_MAX


# --- filing ----------------------------------------------------------------------------------


def _filing_markup(deps: Deps, actor: Actor, view: FilingView) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    button = DraftButtons(Prefix.COMPLAINT, view.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if view.step is Step.CLIENT:
        rows = [[button(choice.name[:LABEL_CHARS], "c", choice.id)] for choice in view.choices]
    elif view.step is Step.ATTACH:
        rows = [[button(label(actor.locale, "skip"), "skip")]]
    elif view.step is Step.CONFIRM:
        rows = [[button(label(actor.locale, "save"), "save")]]
    return button.keyboard(rows)


async def show_filing(
    update: Update, context: BotContext, actor: Actor, view: FilingView, *, editing: bool
) -> None:
    markup = _filing_markup(context.deps, actor, view)
    await respond(
        update,
        context,
        actor,
        "complaint_step",
        markup,
        editing=editing,
        view=view,
        text_max=TEXT_MAX,
        name_max=NAME_MAX,
    )


@with_actor
@private_only
async def complaint_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/complaint asks for the client; /complaint CLIENT goes straight to what happened."""
    deps = context.deps
    view = await complaint_drafts.start(deps.db, actor, deps.clock(), command_args(update))
    await show_filing(update, context, actor, view, editing=False)


def _file_of(message: Message) -> tuple[str, str] | None:
    if message.photo:
        return "photo", message.photo[-1].file_id  # the largest size
    if message.document is not None:
        return "document", message.document.file_id
    return None


@with_actor
async def attachment_message(update: Update, context: BotContext, actor: Actor) -> None:
    """A photo or a document in the private chat: the attachment of the complaint being filed."""
    deps = context.deps
    message = update.effective_message
    found = _file_of(message) if message is not None else None
    draft = await drafts.current(deps.db, actor.person_id, deps.clock())
    if found is None or draft is None or draft.kind != DraftKind.COMPLAINT.value:
        return  # nothing asks for a file
    if not await inbox.answering(deps.db, update.update_id, drafts.fingerprint(draft)):
        await settled(update, context)  # applied before a crash: not again
        return
    if draft.step != Step.ATTACH.value:
        view = await complaint_drafts.waiting_for_file(deps.db, actor, deps.clock())
        if view is not None:
            await show_filing(update, context, actor, _with_problem(view, "file_not_now"), editing=False)
        return
    kind, file_id = found
    view = await complaint_drafts.attach(deps.db, actor, None, kind, file_id, deps.clock())
    await show_filing(update, context, actor, view, editing=False)


def _with_problem(view: FilingView, problem: str) -> FilingView:
    return replace(view, problem=problem)


async def typed_filing(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    view = await complaint_drafts.answer_text(deps.db, actor, text, deps.clock())
    await show_filing(update, context, actor, view, editing=False)


# --- the list and the card -------------------------------------------------------------------


async def _show_list(
    update: Update, context: BotContext, actor: Actor, *, editing: bool, number: int = 0, query: str = ""
) -> None:
    deps = context.deps
    found = matching(await complaints.listing(deps.db, actor, deps.clock()), query, lambda c: c.client)
    page = page_of(found, number, query)
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "complaint_button", id=c.id, client=c.client[:LABEL_CHARS], days=c.days),
                encode(Prefix.COMPLAINT, "card", c.id),
            )
        ]
        for c in page.items
    ]
    rows += page_buttons(page, Prefix.COMPLAINT, "list")
    await respond(
        update, context, actor, "complaints_list", keyboard(rows), editing=editing, page=page, actor=actor
    )


@with_actor
@private_only
async def complaints_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show_list(update, context, actor, editing=False, query=search_query(command_args(update)))


def _card_markup(deps: Deps, actor: Actor, view: ComplaintView) -> InlineKeyboardMarkup:
    label, locale = deps.renderer.label, actor.locale
    rows = [
        [
            (
                label(locale, "complaint_status", status=status),
                encode(Prefix.COMPLAINT, "act", view.id, status),
            )
            for status in view.actions
        ]
    ]
    if view.file_id:
        rows.append([(label(locale, "show_attachment"), encode(Prefix.COMPLAINT, "file", view.id))])
    rows.append([(label(locale, "back_to_complaints"), encode(Prefix.COMPLAINT, "list"))])
    return keyboard([row for row in rows if row])


async def show_card(
    update: Update,
    context: BotContext,
    actor: Actor,
    view: ComplaintView,
    *,
    editing: bool,
    done: str | None = None,
) -> None:
    markup = _card_markup(context.deps, actor, view)
    await respond(
        update, context, actor, "complaint_card", markup, editing=editing, complaint=view, done=done
    )


async def _send_file(update: Update, context: BotContext, actor: Actor, complaint_id: int) -> None:
    deps = context.deps
    view = await complaints.card(deps.db, actor, complaint_id)
    chat = update.effective_chat
    assert chat is not None
    if not view.file_id:
        raise Refused(Reason.NOT_FOUND)
    caption = deps.renderer.render("complaint_attachment", actor.locale, complaint=view)
    await settled(update, context)
    if view.file_kind == "photo":
        await context.bot.send_photo(chat_id=chat.id, photo=view.file_id, caption=caption)
    else:
        await context.bot.send_document(chat_id=chat.id, document=view.file_id, caption=caption)


FIELDS = {"list": (1, 2, 3), "card": (2,), "act": (3,), "file": (2,)}


@with_actor
async def complaint_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.COMPLAINT)
    head = button.text(0)
    if head not in FIELDS:
        await _draft_button(update, context, actor, head)
        return
    button.exactly(*FIELDS[head])
    if head == "list":
        number, query = pressed_page(button, 1)
        await _show_list(update, context, actor, editing=True, number=number, query=query)
        return
    complaint_id = button.id(1)
    if head == "card":
        await show_card(
            update, context, actor, await complaints.card(deps.db, actor, complaint_id), editing=True
        )
    elif head == "file":
        await _send_file(update, context, actor, complaint_id)
    else:
        actor.require_coordinator()
        status = ComplaintStatus(button.choice(2, [s.value for s in ComplaintStatus]))
        view, token = await complaints.start_change(deps.db, actor, complaint_id, status, deps.clock())
        markup = DraftButtons(Prefix.COMPLAINT, token, deps.renderer.label(actor.locale, "cancel")).keyboard(
            []
        )
        await respond(
            update,
            context,
            actor,
            "complaint_note_ask",
            markup,
            editing=True,
            complaint=view,
            status=status.value,
        )


async def _draft_button(update: Update, context: BotContext, actor: Actor, token: str) -> None:
    deps = context.deps
    button = pressed(update, Prefix.COMPLAINT)
    action = button.choice(1, (CANCEL, "skip", "save", "c"))
    button.exactly(3 if action == "c" else 2)
    now = deps.clock()
    if action == CANCEL:
        await cancel_pressed(update, context, actor, token)
    elif action == "c":
        view = await complaint_drafts.choose_client(deps.db, actor, token, button.id(2), now)
        await show_filing(update, context, actor, view, editing=True)
    elif action == "skip":
        view = await complaint_drafts.attach(deps.db, actor, token, None, None, now)
        await show_filing(update, context, actor, view, editing=True)
    else:
        filed = await complaint_drafts.save(deps.db, actor, token, now)
        # Those told first: a failed edit here cannot cost them the notice.
        await notices.complaint_filed(
            deps, context.bot, actor.require_member(), filed.told, filed.view, spawn=deps.background.spawn
        )
        done = "already" if filed.already else "filed"
        await show_card(update, context, actor, filed.view, editing=True, done=done)


# --- a status change's note --------------------------------------------------------------------


async def typed_note(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    changed = await complaints.finish_change(deps.db, actor, text, deps.clock())
    await notices.complaint_changed(
        deps, context.bot, actor.require_member(), changed, spawn=deps.background.spawn
    )
    await show_card(update, context, actor, changed.view, editing=False, done="changed")


CONVERSATIONS = [
    Conversation(DraftKind.COMPLAINT, Step, typed_filing),
    Conversation(DraftKind.COMPLAINT_NOTE, ChangeStep, typed_note),
]
