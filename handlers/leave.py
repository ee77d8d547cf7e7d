"""/leave: personal days off. A rep sets their own; the coordinator any rep's, by @username or picker."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.services import leave
from bot.services.access import Actor
from bot.services.paging import page_of
from handlers.common import (
    command_args,
    keyboard,
    page_buttons,
    pressed,
    private_only,
    reply,
    respond,
    with_actor,
)

CANCEL, FOR, PAGE = "x", "for", "pg"


async def _list(
    update: Update, context: BotContext, actor: Actor, *, editing: bool, cancelled: leave.Leave | None = None
) -> None:
    deps = context.deps
    leaves = await leave.upcoming(deps.db, actor, deps.clock())
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "leave_cancel", first=item.first, last=item.last)
                + (f" {item.name}" if actor.is_coordinator else ""),
                encode(Prefix.LEAVE, CANCEL, item.id),
            )
        ]
        for item in leaves[:50]
    ]
    await respond(
        update,
        context,
        actor,
        "leave_list",
        keyboard(rows),
        editing=editing,
        leaves=leaves,
        actor=actor,
        cancelled=cancelled,
    )


async def _choose(
    update: Update, context: BotContext, actor: Actor, first: date, last: date, number: int, *, editing: bool
) -> None:
    deps = context.deps
    reps = await leave.reps(deps.db, actor)
    page = page_of(reps, number)
    span = (first.isoformat(), last.isoformat())
    rows = [[(p.display_name[:64], encode(Prefix.LEAVE, FOR, *span, p.id))] for p in page.items]
    rows += page_buttons(page, Prefix.LEAVE, PAGE, *span)
    rows.append(
        [
            (
                deps.renderer.label(actor.locale, "leave_myself"),
                encode(Prefix.LEAVE, FOR, *span, actor.person_id),
            )
        ]
    )
    await respond(
        update,
        context,
        actor,
        "leave_choose",
        keyboard(rows),
        editing=editing,
        first=first,
        last=last,
        page=page,
    )


@with_actor
@private_only
async def leave_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_member()
    words = command_args(update).split()
    if not words:
        await _list(update, context, actor, editing=False)
        return
    now = deps.clock()
    today = leave.today_of(team, now)
    if words[0].startswith("@"):
        actor.require_coordinator()
        first, last = leave.parse_range(words[1:], today)
        result = await leave.add_for_username(deps.db, actor, words[0], first, last, now)
    else:
        first, last = leave.parse_range(words, today)
        if actor.is_coordinator:
            # Whose days off: reps without a username are picked from the list.
            await _choose(update, context, actor, first, last, 0, editing=False)
            return
        result = await leave.add(deps.db, actor, actor.person_id, first, last, now)
    await reply(update, context, actor, "leave_set", result=result)


@with_actor
async def leave_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.LEAVE)
    action = button.choice(0, (CANCEL, FOR, PAGE))
    now = deps.clock()
    if action == CANCEL:
        cancelled = await leave.cancel(deps.db, actor, button.exactly(2).id(1), now)
        await _list(update, context, actor, editing=True, cancelled=cancelled)
        return
    button.exactly(4)
    first, last = button.day(1), button.day(2)
    if action == PAGE:
        actor.require_coordinator()
        await _choose(update, context, actor, first, last, button.number(3, 0, 10_000), editing=True)
        return
    result = await leave.add(deps.db, actor, button.person(3), first, last, now)
    await respond(update, context, actor, "leave_set", editing=True, result=result)
