"""/target (coordinator), /points and /badges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import Update
from telegram.constants import ChatType

from bot.deps import BotContext
from bot.services import drafts, rewards, targets
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import AmountError, is_number, parse_amount
from bot.services.periods import local_date
from bot.services.teams import list_members
from handlers.common import callback_args, keyboard, reply, with_actor
from handlers.conversation import Conversation
from storage.models import TEAM_TARGET, Role

TARGET = DraftKind.TARGET


def _this_month(actor: Actor, now: datetime) -> date:
    team = actor.require_member()
    return targets.month_start(local_date(now, team.zone))


@with_actor
async def target_command(update: Update, context: BotContext, actor: Actor) -> None:
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise Refused(Reason.PRIVATE_ONLY)
    deps = context.deps
    actor.require_coordinator()
    assert update.effective_message is not None
    words = (update.effective_message.text or "").split(maxsplit=1)
    if len(words) > 1:
        result = await targets.quick(deps.db, actor, words[1], deps.settings.max_amount_minor, deps.clock())
        await reply(update, context, actor, "target_set", result=result, team=actor.team)
        return
    members = [m for m in await list_members(deps.db, actor) if m.role is Role.REP]
    label = deps.renderer.label
    rows = [[(m.name[:64], f"tg:{m.person_id}")] for m in members]
    rows.append([(label(actor.locale, "team_target"), f"tg:{TEAM_TARGET}")])
    await reply(
        update, context, actor, "target_choose", keyboard(rows), month=_this_month(actor, deps.clock())
    )


@with_actor
async def target_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    actor.require_coordinator()
    args = callback_args(update, "tg")
    if not args or not is_number(args[0]):
        raise Refused(Reason.STALE_BUTTON)
    now = deps.clock()
    await drafts.begin(deps.db, actor.person_id, TARGET, "amount", {"person_id": int(args[0])}, now)
    await reply(
        update, context, actor, "target_ask", month=_this_month(actor, now), team_target=args[0] == "0"
    )


async def typed_target(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    person_id = int(data["person_id"])
    try:
        amount = parse_amount(text, max_minor=deps.settings.max_amount_minor)
    except AmountError as error:
        raise Refused(Reason.TARGET_AMOUNT, problem=str(error.problem)) from error
    now = deps.clock()
    result = await targets.set_target(deps.db, actor, person_id, amount, _this_month(actor, now), now)
    await drafts.end(deps.db, actor.person_id)
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
