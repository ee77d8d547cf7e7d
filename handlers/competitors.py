"""Competitor notes: /competitor (anyone in the team), its buttons and typed answers; /competitors."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix
from bot.deps import BotContext, Deps
from bot.services import competitor_notes, competitors
from bot.services.access import Actor
from bot.services.competitor_notes import NOTE_MAX, NoteView, Step
from bot.services.drafts import DraftKind
from bot.services.paging import search_query
from handlers.common import command_args, edit, pressed, private_only, reply, respond, with_actor
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed
from storage.models import NAME_MAX, CompetitorKind

LABEL_CHARS = 64


def _markup(deps: Deps, actor: Actor, view: NoteView) -> InlineKeyboardMarkup:
    label, locale = deps.renderer.label, actor.locale
    button = DraftButtons(Prefix.COMPETITOR, view.token, label(locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if view.step is Step.COMPETITOR:
        rows = [[button(choice.name[:LABEL_CHARS], "c", choice.id)] for choice in view.choices]
    elif view.step is Step.KIND:
        rows = [
            [button(label(locale, "competitor_kind", kind=kind.value), "k", kind.value)]
            for kind in CompetitorKind
        ]
    elif view.step is Step.CLIENT:
        rows = [[button(choice.name[:LABEL_CHARS], "l", choice.id)] for choice in view.choices]
        rows.append([button(label(locale, "skip"), "skip")])
    elif view.step is Step.CONFIRM:
        rows = [[button(label(locale, "save"), "save")]]
    return button.keyboard(rows)


async def show_step(
    update: Update, context: BotContext, actor: Actor, view: NoteView, *, editing: bool
) -> None:
    markup = _markup(context.deps, actor, view)
    values = {"view": view, "name_max": NAME_MAX, "note_max": NOTE_MAX}
    await respond(update, context, actor, "competitor_step", markup, editing=editing, **values)


@with_actor
@private_only
async def competitor_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    view = await competitor_notes.start(deps.db, actor, deps.clock())
    await show_step(update, context, actor, view, editing=False)


@with_actor
@private_only
async def competitors_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/competitors [NAME]: the coordinator reads the last 30 days' notes by competitor."""
    deps = context.deps
    args = command_args(update)
    query = search_query(args) if args else ""
    listing = await competitors.recent(deps.db, actor, deps.clock(), query)
    await reply(update, context, actor, "competitors_list", listing=listing, days=competitors.LIST_DAYS)


@with_actor
async def competitor_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.COMPETITOR)
    token, action = button.text(0), button.choice(1, ("save", CANCEL, "skip", "c", "k", "l"))
    button.exactly(2 if action in ("save", CANCEL, "skip") else 3)
    now = deps.clock()
    if action == CANCEL:
        await cancel_pressed(update, context, actor, token)
        return
    if action == "save":
        saved = await competitor_notes.save(deps.db, actor, token, now)
        assert actor.team is not None
        await edit(update, context, actor, "competitor_saved", saved=saved, team=actor.team)
        return
    if action == "c":
        view = await competitor_notes.choose_competitor(deps.db, actor, token, button.id(2), now)
    elif action == "k":
        kind = CompetitorKind(button.choice(2, [k.value for k in CompetitorKind]))
        view = await competitor_notes.choose_kind(deps.db, actor, token, kind, now)
    else:
        client_id = None if action == "skip" else button.id(2)
        view = await competitor_notes.choose_client(deps.db, actor, token, client_id, now)
    await show_step(update, context, actor, view, editing=True)


async def typed_competitor(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    view = await competitor_notes.answer_text(deps.db, actor, text, deps.clock())
    await show_step(update, context, actor, view, editing=False)


CONVERSATIONS = [Conversation(DraftKind.COMPETITOR, Step, typed_competitor)]
