"""/me, /leaderboard (/top) and /sales: the team's with Void and Edit (coordinator), a rep's own with Edit."""

from __future__ import annotations

from telegram import Update

from bot import chart_pictures
from bot.callbacks import MAX_ID, Prefix, encode
from bot.deps import BotContext
from bot.services import chart_data, digests, results, rewards, sales, targets
from bot.services.access import Actor, TeamInfo, team_of_group
from bot.services.errors import Reason, Refused
from bot.services.periods import Period, fold_word, period_word
from handlers import corrections
from handlers.common import is_private, keyboard, pressed, private_only, reply, respond, with_actor
from storage.models import Role


@with_actor
async def me(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_member()
    if [fold_word(word) for word in context.args or []] in (["chart"], ["wykres"]):
        await _my_chart(update, context, actor, team)
        return
    mine = await results.my_results(deps.db, actor, deps.clock())
    progress = None
    if actor.role is Role.REP:  # targets are for reps; coordinators are ranked and rewarded only
        schedule = await digests.schedule_of(deps.db, team.id)
        progress = await targets.progress(deps.db, team, schedule, actor.person_id, deps.clock())
    badges = await rewards.badges_of(deps.db, actor)
    await reply(
        update, context, actor, "me", results=mine, team=team, actor=actor, progress=progress, badges=badges
    )


async def _my_chart(update: Update, context: BotContext, actor: Actor, team: TeamInfo) -> None:
    deps = context.deps
    chat = update.effective_chat
    assert chat is not None
    series = await chart_data.my_month(deps.db, actor, deps.clock())
    picture = await chart_pictures.my_month(deps.renderer, actor.locale, team, actor.display_name, series)
    caption = deps.renderer.render("me_chart", actor.locale, series=series, team=team)
    await context.bot.send_photo(chat.id, picture, caption=caption)


@with_actor
async def leaderboard(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    chat = update.effective_chat
    assert chat is not None
    words = [word.lower() for word in context.args or []]
    by_percent = words[1:2] == ["%"] or (words[:1] and words[0].endswith("%") and words[0] != "%")
    words = [word.removesuffix("%") for word in words if word != "%"]
    period = period_word(words[0]) if words else Period.DAY
    if period is None:
        raise Refused(Reason.BAD_PERIOD)
    if by_percent and period is not Period.MONTH:
        raise Refused(Reason.BAD_PERIOD)
    team = actor.require_member()
    if not is_private(update):
        # In a group, the group's own team is shown, and only to its members.
        group_team = await team_of_group(deps.db, chat.id)
        if group_team is None:
            raise Refused(Reason.GROUP_NOT_LINKED)
        if group_team.id != team.id:
            raise Refused(Reason.NOT_MEMBER)
    if by_percent:
        rows = await targets.percent_ranking(deps.db, team, deps.clock())
        await reply(update, context, actor, "leaderboard_percent", rows=rows, team=team)
        return
    board = await results.ranking(deps.db, team, period, deps.clock())
    await reply(update, context, actor, "leaderboard", board=board, team=team)


def _page(offset: int) -> str:
    return encode(Prefix.SALES, "page", offset)


async def _sales_page(
    update: Update, context: BotContext, actor: Actor, offset: int, *, editing: bool
) -> None:
    deps = context.deps
    page = await sales.recent(deps.db, actor, offset)
    label = deps.renderer.label
    rows = [
        [
            (label(actor.locale, "void", sale_id=line.sale_id), encode(Prefix.SALES, "void", line.sale_id)),
            (label(actor.locale, "fix", sale_id=line.sale_id), encode(Prefix.SALES, "edit", line.sale_id)),
        ]
        for line in page.lines
        if not line.voided
    ]
    nav = []
    if page.offset > 0:
        nav.append((label(actor.locale, "newer"), _page(max(0, page.offset - sales.PAGE_SIZE))))
    if page.has_older:
        nav.append((label(actor.locale, "older"), _page(page.offset + sales.PAGE_SIZE)))
    if nav:
        rows.append(nav)
    values = {"page": page, "team": actor.team}
    await respond(update, context, actor, "sales_list", keyboard(rows), editing=editing, **values)


@with_actor
@private_only
async def sales_command(update: Update, context: BotContext, actor: Actor) -> None:
    if actor.is_coordinator:
        await _sales_page(update, context, actor, 0, editing=False)
        return
    deps = context.deps
    lines = await sales.own_recent(deps.db, actor, deps.clock())
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "fix", sale_id=own.line.sale_id),
                encode(Prefix.SALES, "edit", own.line.sale_id),
            )
        ]
        for own in lines
        if own.editable
    ]
    await reply(update, context, actor, "my_sales", keyboard(rows), lines=lines, team=actor.require_member())


@with_actor
async def sales_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.SALES).exactly(2)
    action = button.choice(0, ("page", "void", "edit"))
    if action == "page":
        await _sales_page(update, context, actor, button.number(1, 0, MAX_ID), editing=True)
    elif action == "edit":
        await corrections.begin(update, context, actor, button.id(1))
    else:
        line = await sales.ask_void_reason(deps.db, actor, button.id(1), deps.clock())
        await reply(update, context, actor, "void_ask", line=line)
