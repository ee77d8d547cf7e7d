"""/settings, /holiday and /digest (coordinator), and the nudge's buttons (reps)."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.services import digests, team_settings
from bot.services.access import Actor
from bot.services.digests import Nudge
from bot.services.drafts import DraftKind
from bot.services.periods import local_date
from bot.services.schedule import WEEKDAYS
from bot.services.team_settings import Field
from handlers.common import edit, keyboard, pressed, private_only, reply, respond, with_actor
from handlers.conversation import Conversation
from handlers.report import start_report

# The settings buttons: toggle a post day, or ask for a field's new value.
DAY, ASK = "day", "ask"


def _today(deps: Deps, actor: Actor) -> date:
    team = actor.require_member()
    return local_date(deps.clock(), team.zone)


def _markup(deps: Deps, actor: Actor, view: team_settings.SettingsView) -> InlineKeyboardMarkup:
    label = deps.renderer.label

    def ask(name: str, field: Field) -> list[tuple[str, str]]:
        return [(label(actor.locale, name), encode(Prefix.SETTINGS, ASK, field))]

    days = [
        (label(actor.locale, "weekday", day=day, on=day in view.post_days), encode(Prefix.SETTINGS, DAY, day))
        for day in WEEKDAYS
    ]
    return keyboard(
        [
            ask("set_post_time", Field.POST_TIME),
            ask("set_nudge_time", Field.NUDGE_TIME),
            ask("set_quiet_hours", Field.QUIET_HOURS),
            days[:4],
            days[4:],
            ask("set_country", Field.COUNTRY),
            ask("set_points", Field.POINTS),
            ask("set_big_deal", Field.BIG_DEAL),
            ask("set_key_days", Field.KEY_DAYS),
            ask("set_pace", Field.PACE),
            ask("set_duel_points", Field.DUEL_POINTS),
            ask("set_kudos_allowance", Field.KUDOS_ALLOWANCE) + ask("set_kudos_points", Field.KUDOS_POINTS),
        ]
    )


async def _show(update: Update, context: BotContext, actor: Actor, *, editing: bool) -> None:
    deps = context.deps
    view = await team_settings.view(deps.db, actor, _today(deps, actor))
    values = {"settings": view, "team": actor.team}
    await respond(update, context, actor, "settings", _markup(deps, actor, view), editing=editing, **values)


@with_actor
@private_only
async def settings_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_coordinator()
    await _show(update, context, actor, editing=False)


@with_actor
async def settings_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    # Every settings button is the coordinator's: a rep is told so, whatever the button says.
    actor.require_coordinator()
    button = pressed(update, Prefix.SETTINGS).exactly(2)
    if button.choice(0, (DAY, ASK)) == DAY:
        await team_settings.toggle_day(deps.db, actor, button.number(1, min(WEEKDAYS), max(WEEKDAYS)))
        await _show(update, context, actor, editing=True)
    else:
        field = Field(button.choice(1, team_settings.FIELDS))
        await team_settings.ask(deps.db, actor, field, deps.clock())
        await reply(update, context, actor, "settings_ask", field=field.value)


async def settings_answer(
    update: Update, context: BotContext, actor: Actor, field: str, data: dict[str, Any], text: str
) -> None:
    """A typed answer to a /settings question (routed here by the stored draft)."""
    deps = context.deps
    await team_settings.answer(deps.db, actor, text, deps.clock(), deps.settings.max_amount_minor)
    await _show(update, context, actor, editing=False)


@with_actor
async def holiday_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    day = await team_settings.add_holiday(deps.db, actor, " ".join(context.args or []), deps.clock())
    await reply(update, context, actor, "holiday_added", day=day)


@with_actor
@private_only
async def digest_command(update: Update, context: BotContext, actor: Actor) -> None:
    """Today's daily digest on demand: the same content the 08:00 digest sends."""
    deps = context.deps
    team = actor.require_coordinator()
    schedule = await digests.schedule_of(deps.db, team.id)
    digest = await digests.daily_digest(deps.db, team, schedule, _today(deps, actor))
    await reply(update, context, actor, "digest_daily", digest=digest, team=team)


@with_actor
async def nudge_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.NUDGE)
    team = actor.require_member()
    if button.choice(0, tuple(Nudge)) == Nudge.REPORT:
        button.exactly(1)
        await start_report(update, context, actor)
    else:
        day = button.exactly(2).day(1)
        await digests.mark_no_sales(deps.db, team, actor.person_id, day, deps.clock())
        await edit(update, context, actor, "nudge_noted", day=day)


CONVERSATIONS = [Conversation(DraftKind.SETTINGS, Field, settings_answer)]
