"""/settings, /holiday and /digest (coordinator), and the nudge's buttons (reps)."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.deps import BotContext, Deps
from bot.services import digests, team_settings
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from bot.services.parsing import is_number
from bot.services.periods import local_date
from bot.services.schedule import WEEKDAYS
from handlers.common import callback_args, edit, keyboard, reply, respond, with_actor
from handlers.conversation import Conversation
from handlers.report import start_report


def _today(deps: Deps, actor: Actor) -> date:
    team = actor.require_member()
    return local_date(deps.clock(), team.zone)


def _markup(deps: Deps, actor: Actor, view: team_settings.SettingsView) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    days = [
        (label(actor.locale, "weekday", day=day, on=day in view.post_days), f"set:day:{day}")
        for day in WEEKDAYS
    ]
    return keyboard(
        [
            [(label(actor.locale, "set_post_time"), "set:ask:post_time")],
            [(label(actor.locale, "set_nudge_time"), "set:ask:nudge_time")],
            days[:4],
            days[4:],
            [(label(actor.locale, "set_country"), "set:ask:country")],
            [(label(actor.locale, "set_points"), "set:ask:points")],
            [(label(actor.locale, "set_big_deal"), "set:ask:big_deal")],
        ]
    )


async def _show(update: Update, context: BotContext, actor: Actor, *, editing: bool) -> None:
    deps = context.deps
    view = await team_settings.view(deps.db, actor, _today(deps, actor))
    values = {"settings": view, "team": actor.team}
    await respond(update, context, actor, "settings", _markup(deps, actor, view), editing=editing, **values)


@with_actor
async def settings_command(update: Update, context: BotContext, actor: Actor) -> None:
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise Refused(Reason.PRIVATE_ONLY)
    actor.require_coordinator()
    await _show(update, context, actor, editing=False)


@with_actor
async def settings_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "set")
    if args[0] == "day" and len(args) > 1 and is_number(args[1]):
        await team_settings.toggle_day(deps.db, actor, int(args[1]))
        await _show(update, context, actor, editing=True)
    elif args[0] == "ask" and len(args) > 1:
        await team_settings.ask(deps.db, actor, args[1], deps.clock())
        await reply(update, context, actor, "settings_ask", field=args[1])
    else:
        raise Refused(Reason.STALE_BUTTON)


async def settings_answer(
    update: Update, context: BotContext, actor: Actor, field: str, data: dict[str, Any], text: str
) -> None:
    """A typed answer to a /settings question (routed here by the stored draft)."""
    deps = context.deps
    await team_settings.answer(deps.db, actor, field, text, deps.settings.max_amount_minor)
    await _show(update, context, actor, editing=False)


@with_actor
async def holiday_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    day = await team_settings.add_holiday(deps.db, actor, " ".join(context.args or []))
    await reply(update, context, actor, "holiday_added", day=day)


@with_actor
async def digest_command(update: Update, context: BotContext, actor: Actor) -> None:
    """Today's daily digest on demand: the same content the 08:00 digest sends."""
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise Refused(Reason.PRIVATE_ONLY)
    deps = context.deps
    team = actor.require_coordinator()
    schedule = await digests.schedule_of(deps.db, team.id)
    digest = await digests.daily_digest(deps.db, team, schedule, _today(deps, actor))
    await reply(update, context, actor, "digest_daily", digest=digest, team=team)


@with_actor
async def nudge_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "nudge")
    team = actor.require_member()
    if args[0] == "report":
        await start_report(update, context, actor)
    elif args[0] == "none" and len(args) > 1:
        try:
            day = date.fromisoformat(args[1])
        except ValueError as exc:
            raise Refused(Reason.STALE_BUTTON) from exc
        await digests.mark_no_sales(deps.db, team.id, actor.person_id, day, deps.clock())
        await edit(update, context, actor, "nudge_noted", day=day)
    else:
        raise Refused(Reason.STALE_BUTTON)


CONVERSATIONS = [Conversation(DraftKind.SETTINGS, team_settings.Field, settings_answer)]
