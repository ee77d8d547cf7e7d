"""/target (coordinator), /points and /badges."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.services import rewards, targets
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.teams import list_members
from handlers.common import keyboard, pressed, private_only, reply, with_actor
from handlers.conversation import Conversation
from storage.models import TEAM_TARGET, Role


@with_actor
@private_only
async def target_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_coordinator()
    assert update.effective_message is not None
    words = (update.effective_message.text or "").split(maxsplit=1)
    if len(words) > 1:
        result = await targets.quick(deps.db, actor, words[1], deps.settings.max_amount_minor, deps.clock())
        await reply(update, context, actor, "target_set", result=result, team=actor.team)
        return
    members = [m for m in await list_members(deps.db, actor) if m.role is Role.REP]
    label = deps.renderer.label
    rows = [[(m.name[:64], encode(Prefix.TARGET, m.person_id))] for m in members]
    rows.append([(label(actor.locale, "team_target"), encode(Prefix.TARGET, TEAM_TARGET))])
    month = targets.this_month(team, deps.clock())
    await reply(update, context, actor, "target_choose", keyboard(rows), month=month)


@with_actor
async def target_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    actor.require_coordinator()
    button = pressed(update, Prefix.TARGET).exactly(1)
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
