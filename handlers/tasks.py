"""Tasks: /task (the coordinator's conversation), /tasks, Done, the card and reassigning."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Callback as CallbackData
from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.keyboards import pager
from bot.scheduler.notices import notify_people, tell_assignees
from bot.services import task_drafts, tasks
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.paging import page_of, page_value
from bot.services.parsing import is_number
from bot.services.task_drafts import TaskDraft, TaskStep
from bot.services.tasks import TaskView
from handlers.common import (
    edit,
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    respond,
    with_actor,
)
from handlers.conversation import CANCEL, Conversation, cancel_pressed
from storage.models import NAME_MAX, TASK_TEXT_MAX

LABEL_CHARS = 48
DRAFT = "d"
ACTIONS = (DRAFT, "done", "list", "card", "re", "to")
# How many fields each button has, after `tk:`.
FIELDS = {DRAFT: (3,), "list": (1, 2), "re": (2, 3), "to": (3,)}


# --- /task -----------------------------------------------------------------------------------


def _draft_markup(deps: Deps, actor: Actor, draft: TaskDraft) -> InlineKeyboardMarkup:
    label, locale = deps.renderer.label, actor.locale

    def button(text: str, value: str | int) -> tuple[str, str]:
        return text, encode(Prefix.TASK, DRAFT, draft.token, value)

    rows: list[list[tuple[str, str]]] = []
    if draft.step is TaskStep.REPS:
        page = draft.page
        rows = [[button(label(locale, "all_reps"), "all")]]
        rows += [
            [
                button(
                    label(locale, "toggle", name=r.name[:LABEL_CHARS], on=r.person_id in draft.chosen),
                    r.person_id,
                )
            ]
            for r in page.items
        ]
        rows += pager(page.number, page.pages, lambda number: button("", page_value(number))[1])
        rows.append([button(label(locale, "next"), "next")])
    elif draft.step is TaskStep.CLIENT:
        rows = [[button(label(locale, "skip"), "skip")]]
    elif draft.step is TaskStep.CONFIRM:
        rows = [[button(label(locale, "save"), "save")]]
    rows.append([button(label(locale, "cancel"), CANCEL)])
    return keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: TaskDraft, *, editing: bool
) -> None:
    deps = context.deps
    values = {"draft": draft, "page": draft.page, "name_max": NAME_MAX, "text_max": TASK_TEXT_MAX}
    await respond(
        update, context, actor, "task_step", _draft_markup(deps, actor, draft), editing=editing, **values
    )


@with_actor
@private_only
async def task_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    draft = await task_drafts.start(deps.db, actor, deps.clock())
    await show_draft(update, context, actor, draft, editing=False)


async def typed_task(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    draft = await task_drafts.advance(deps.db, actor, None, text, deps.clock(), typed=True)
    await show_draft(update, context, actor, draft, editing=False)


async def _draft_pressed(update: Update, context: BotContext, actor: Actor, button: CallbackData) -> None:
    deps = context.deps
    token, value = button.text(1), button.text(2)
    if value == CANCEL:
        await cancel_pressed(update, context, actor, token)
        return
    if value == "save":
        given = await task_drafts.save(deps.db, actor, token, deps.clock())
        team = actor.require_coordinator()
        # The reps are told first: a failed edit here cannot cost them their task.
        await tell_assignees(
            deps, context.bot, team, given.tasks, f"tasks-given:{given.batch}", spawn=deps.background.spawn
        )
        await edit(update, context, actor, "task_saved", given=given, team=team)
        return
    # A number is a rep: read as a person id, range-checked.
    person = button.person(2) if is_number(value) else None
    draft = await task_drafts.advance(deps.db, actor, token, value, deps.clock(), typed=False, person=person)
    await show_draft(update, context, actor, draft, editing=True)


# --- /tasks, the card, Done and reassigning ----------------------------------------------------------


async def _show_list(
    update: Update, context: BotContext, actor: Actor, *, editing: bool, number: int = 0
) -> None:
    deps = context.deps
    page = page_of(await tasks.open_tasks(deps.db, actor), number)
    label = deps.renderer.label
    if actor.is_coordinator:
        rows = [
            [
                (
                    label(actor.locale, "task_button", name=t.assignee[:20], text=t.text[:LABEL_CHARS]),
                    encode(Prefix.TASK, "card", t.id),
                )
            ]
            for t in page.items
        ]
    else:
        rows = [
            [
                (
                    label(actor.locale, "task_done_for", text=t.text[:LABEL_CHARS]),
                    encode(Prefix.TASK, "done", t.id),
                )
            ]
            for t in page.items
        ]
    rows += page_buttons(page, Prefix.TASK, "list")
    values = {"page": page, "actor": actor, "team": actor.team}
    await respond(update, context, actor, "tasks_list", keyboard(rows), editing=editing, **values)


@with_actor
@private_only
async def tasks_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show_list(update, context, actor, editing=False)


async def _show_card(
    update: Update, context: BotContext, actor: Actor, task: TaskView, *, moved: str | None = None
) -> None:
    label = context.deps.renderer.label
    rows = []
    if task.done_at is None:
        if task.assignee_id == actor.person_id:  # a task the coordinator holds (handed over)
            rows.append([(label(actor.locale, "task_done"), encode(Prefix.TASK, "done", task.id))])
        rows.append([(label(actor.locale, "reassign"), encode(Prefix.TASK, "re", task.id))])
    rows.append([(label(actor.locale, "back_to_tasks"), encode(Prefix.TASK, "list"))])
    await edit(update, context, actor, "task_card", keyboard(rows), task=task, team=actor.team, moved=moved)


async def _show_choices(update: Update, context: BotContext, actor: Actor, task_id: int, number: int) -> None:
    deps = context.deps
    task, choices = await tasks.reassign_choices(deps.db, actor, task_id)
    page = page_of(choices, number)
    rows = [[(c.name[:LABEL_CHARS], encode(Prefix.TASK, "to", task.id, c.person_id))] for c in page.items]
    rows += page_buttons(page, Prefix.TASK, "re", task.id)
    rows.append([(deps.renderer.label(actor.locale, "cancel"), encode(Prefix.TASK, "card", task.id))])
    await edit(update, context, actor, "task_assign", keyboard(rows), task=task, team=actor.team, page=page)


async def _done(update: Update, context: BotContext, actor: Actor, task_id: int) -> None:
    deps = context.deps
    task, tell = await tasks.complete(deps.db, actor, task_id, deps.clock())
    team = actor.require_member()
    if tell:
        await notify_people(
            deps,
            context.bot,
            team,
            [(task.given_by_id, task.giver_language)],
            f"task-done:{task.id}",
            "task_done_notice",
            None,
            spawn=deps.background.spawn,
            task=task,
        )
    await edit(update, context, actor, "task_given", task=task, team=team, reminder=False)


@with_actor
async def task_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.TASK)
    action = button.choice(0, ACTIONS)
    button.exactly(*FIELDS.get(action, (2,)))
    if action == DRAFT:
        await _draft_pressed(update, context, actor, button)
        return
    if action == "list":
        await _show_list(update, context, actor, editing=True, number=pressed_page(button, 1)[0])
        return
    task_id = button.id(1)
    if action == "done":
        await _done(update, context, actor, task_id)
    elif action == "card":
        await _show_card(update, context, actor, await tasks.card(deps.db, actor, task_id))
    elif action == "re":
        await _show_choices(update, context, actor, task_id, pressed_page(button, 2)[0])
    else:
        now = deps.clock()
        task, moved = await tasks.reassign(deps.db, actor, task_id, button.person(2), now)
        if moved:
            team = actor.require_coordinator()
            key = f"task-to:{task.id}:{task.assignee_id}:{now:%Y%m%d%H%M%S%f}"
            await tell_assignees(deps, context.bot, team, [task], key, spawn=deps.background.spawn)
        await _show_card(update, context, actor, task, moved=task.assignee if moved else None)


CONVERSATIONS = [Conversation(DraftKind.TASK, TaskStep, typed_task)]
