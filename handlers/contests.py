"""/contest: live standings for everyone; the coordinator creates contests from there."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.keyboards import pager
from bot.services import contest_drafts, contests
from bot.services.access import Actor
from bot.services.contest_drafts import ContestStep
from bot.services.contests import ContestDraft
from bot.services.drafts import DraftKind
from bot.services.paging import Page, matching, page_of, page_value, pressed_page_value
from handlers import conversation
from handlers.common import edit, is_private, keyboard, pressed, reply, respond, with_actor
from handlers.conversation import CANCEL, Conversation, DraftButtons

NEW, SAVE, STOP = "new", "save", "stop"


def _squads_page(draft: ContestDraft) -> Page[tuple[int, str]]:
    """The page of reps the squads step shows, narrowed by the typed part of a name."""
    search = str(draft.data.get("search") or "")
    found = matching(draft.reps, search, lambda rep: rep[1])
    return page_of(found, int(draft.data.get("page") or 0), search)


def _draft_markup(deps: Deps, actor: Actor, draft: ContestDraft) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    button = DraftButtons(Prefix.CONTEST, draft.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if draft.step == ContestStep.KIND:
        rows = [[button(label(actor.locale, "contest_kind", kind=k), k)] for k in contests.KINDS]
    elif draft.step == ContestStep.SQUADS:
        page = _squads_page(draft)
        rows = [
            [button(label(actor.locale, "squad_member", name=name, squad=draft.squad_of(pid)), pid)]
            for pid, name in page.items
        ]
        rows += pager(page.number, page.pages, lambda number: button("", page_value(number))[1])
        rows.append([button(label(actor.locale, "done"), contest_drafts.DONE)])
    elif draft.step == ContestStep.IMPROVED:
        rows = [[button(label(actor.locale, "yes_no", value=v), v) for v in contest_drafts.YES_NO]]
    elif draft.step == ContestStep.CONFIRM:
        repeat = str(draft.data.get("repeat") or "")
        rows = [
            [button(label(actor.locale, "contest_repeat", value=repeat), contest_drafts.REPEAT)],
            [button(label(actor.locale, "save"), SAVE)],
        ]
    return button.keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: ContestDraft, *, editing: bool
) -> None:
    deps = context.deps
    page = _squads_page(draft) if draft.step == ContestStep.SQUADS else None
    values = {"draft": draft, "team": actor.team, "max_minor": deps.settings.max_amount_minor, "page": page}
    markup = _draft_markup(deps, actor, draft)
    await respond(update, context, actor, "contest_step", markup, editing=editing, **values)


@with_actor
async def contest_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_member()
    live = await contests.live(deps.db, actor, deps.clock())
    markup = None
    if actor.is_coordinator and is_private(update):
        label = deps.renderer.label
        rows = [[(label(actor.locale, "new_contest"), encode(Prefix.CONTEST, NEW))]]
        # A recurring contest's series is stopped from here: its running round still ends as planned.
        rows += [
            [(label(actor.locale, "stop_series", title=c.title[:48]), encode(Prefix.CONTEST, STOP, c.id))]
            for c in live
            if c.repeat
        ]
        markup = keyboard(rows)
    await reply(update, context, actor, "contest_list", markup, contests=live, team=team, now=deps.clock())


@with_actor
async def contest_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    data = pressed(update, Prefix.CONTEST)
    now = deps.clock()
    if data.text(0) == STOP:
        contest = await contests.stop_series(deps.db, actor, data.exactly(2).id(1))
        await reply(update, context, actor, "contest_series_stopped", contest=contest, team=actor.team)
        return
    if data.text(0) == NEW:
        data.exactly(1)
        draft = await contest_drafts.start(deps.db, actor, now)
        await show_draft(update, context, actor, draft, editing=False)
        return
    token, value = data.exactly(2).text(0), data.text(1)
    if value == CANCEL:
        await conversation.cancel_pressed(update, context, actor, token)
        return
    if value == SAVE:
        contest = await contest_drafts.create(deps.db, actor, token, now)
        await edit(update, context, actor, "contest_saved", contest=contest, team=actor.team)
        return
    if value not in contest_drafts.CHOICES and pressed_page_value(value) is None:
        value = str(data.person(1))  # the squads step: a rep's id
    draft = await contest_drafts.advance(
        deps.db, actor, token, value, now, deps.settings.max_amount_minor, typed=False
    )
    await show_draft(update, context, actor, draft, editing=True)


async def typed_contest(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    draft = await contest_drafts.advance(
        deps.db, actor, None, text, deps.clock(), deps.settings.max_amount_minor, typed=True
    )
    await show_draft(update, context, actor, draft, editing=False)


CONVERSATIONS = [Conversation(DraftKind.CONTEST, ContestStep, typed_contest)]
