"""/target (coordinator), /points and /badges."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.services import rewards, targets
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.paging import matching, page_of, search_query
from bot.services.teams import list_members
from handlers.common import (
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    reply,
    respond,
    with_actor,
)
from handlers.conversation import Conversation
from storage.models import TEAM_TARGET, Role

PAGE = "page"  # after `tg:`: a page of the list of reps


async def _choose(
    update: Update, context: BotContext, actor: Actor, *, number: int, query: str, editing: bool
) -> None:
    deps = context.deps
    team = actor.require_coordinator()
    reps = [m for m in await list_members(deps.db, actor) if m.role is Role.REP]
    page = page_of(matching(reps, query, lambda m: f"{m.name} {m.username or ''}"), number, query)
    label = deps.renderer.label
    rows = [[(m.name[:64], encode(Prefix.TARGET, m.person_id))] for m in page.items]
    rows += page_buttons(page, Prefix.TARGET, PAGE)
    rows.append([(label(actor.locale, "team_target"), encode(Prefix.TARGET, TEAM_TARGET))])
    month = targets.this_month(team, deps.clock())
    await respond(
        update, context, actor, "target_choose", keyboard(rows), editing=editing, month=month, page=page
    )


@with_actor
@private_only
async def target_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    actor.require_coordinator()
    assert update.effective_message is not None
    words = (update.effective_message.text or "").split(maxsplit=1)
    args = words[1] if len(words) > 1 else ""
    rest = args.split()
    if len(rest) > 1 and any(c.isdigit() for c in rest[1]):  # who, then an amount: the quick form
        result = await targets.quick(deps.db, actor, args, deps.settings.max_amount_minor, deps.clock())
        await reply(update, context, actor, "target_set", result=result, team=actor.team)
        return
    # No amount: the list of reps, found by the typed part of a name when one is given.
    await _choose(update, context, actor, number=0, query=search_query(args.lstrip("@")), editing=False)


@with_actor
async def target_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    actor.require_coordinator()
    button = pressed(update, Prefix.TARGET)
    if button.text(0) == PAGE:
        number, query = pressed_page(button.exactly(2, 3), 1)
        await _choose(update, context, actor, number=number, query=query, editing=True)
        return
    button.exactly(1)
    person_id = TEAM_TARGET if button.text(0) == str(TEAM_TARGET) else button.person(0)
    month = await targets.begin(deps.db, actor, person_id, deps.clock())
    await reply(update, context, actor, "target_ask", month=month, team_target=person_id == TEAM_TARGET)


async def typed_target(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    result = await targets.answer(deps.db, actor, text, deps.settings.max_amount_minor, deps.clock())
    await reply(update, context, actor, "target_set", result=result, team=actor.team)


@with_actor
async def points_command(update: Update, context: BotContext, actor: Actor) -> None:
    view = await rewards.points(context.deps.db, actor)
    await reply(update, context, actor, "points", view=view, team=actor.team)


@with_actor
async def badges_command(update: Update, context: BotContext, actor: Actor) -> None:
    earned = await rewards.badges_of(context.deps.db, actor)
    await reply(update, context, actor, "badges", badges=earned, team=actor.team)


CONVERSATIONS = [Conversation(DraftKind.TARGET, targets.TargetStep, typed_target)]
