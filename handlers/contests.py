"""/contest: live standings for everyone; the coordinator creates contests from there."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.deps import BotContext, Deps
from bot.services import contests
from bot.services.access import Actor
from bot.services.contests import ContestDraft
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from handlers.common import callback_args, edit, keyboard, reply, respond, with_actor
from handlers.conversation import Conversation


def _draft_markup(deps: Deps, actor: Actor, draft: ContestDraft) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    prefix = f"ct:{draft.token}"
    rows: list[list[tuple[str, str]]] = []
    if draft.step == "kind":
        rows = [[(label(actor.locale, "contest_kind", kind=k), f"{prefix}:{k}")] for k in contests.KINDS]
    elif draft.step == "squads":
        rows = [
            [(label(actor.locale, "squad_member", name=name, squad=draft.squad_of(pid)), f"{prefix}:{pid}")]
            for pid, name in draft.reps
        ]
        rows.append([(label(actor.locale, "done"), f"{prefix}:done")])
    elif draft.step == "improved":
        rows = [[(label(actor.locale, "yes_no", value=v), f"{prefix}:{v}") for v in ("yes", "no")]]
    elif draft.step == "confirm":
        rows = [[(label(actor.locale, "save"), f"{prefix}:save")]]
    rows.append([(label(actor.locale, "cancel"), f"{prefix}:cancel")])
    return keyboard(rows)


async def show_draft(
    update: Update, context: BotContext, actor: Actor, draft: ContestDraft, *, editing: bool
) -> None:
    deps = context.deps
    values = {"draft": draft, "team": actor.team, "max_minor": deps.settings.max_amount_minor}
    markup = _draft_markup(deps, actor, draft)
    await respond(update, context, actor, "contest_step", markup, editing=editing, **values)


@with_actor
async def contest_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    team = actor.require_member()
    live = await contests.live(deps.db, actor, deps.clock())
    markup = None
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    if actor.is_coordinator and private:
        markup = keyboard([[(deps.renderer.label(actor.locale, "new_contest"), "ct:new")]])
    await reply(update, context, actor, "contest_list", markup, contests=live, team=team, now=deps.clock())


@with_actor
async def contest_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "ct")
    now = deps.clock()
    if args[0] == "new":
        draft = await contests.start(deps.db, actor, now)
        await show_draft(update, context, actor, draft, editing=False)
        return
    if len(args) < 2:
        raise Refused(Reason.STALE_BUTTON)
    token, value = args[0], args[1]
    if value == "cancel":
        from bot.services import drafts

        if not await drafts.end(deps.db, actor.person_id, token):
            raise Refused(Reason.STALE_BUTTON)
        await edit(update, context, actor, "report_cancelled")
        return
    if value == "save":
        contest = await contests.create(deps.db, actor, token, now)
        await edit(update, context, actor, "contest_saved", contest=contest, team=actor.team)
        return
    draft = await contests.advance(
        deps.db, actor, token, value, now, deps.settings.max_amount_minor, typed=False
    )
    await show_draft(update, context, actor, draft, editing=True)


async def typed_contest(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    draft = await contests.advance(
        deps.db, actor, None, text, deps.clock(), deps.settings.max_amount_minor, typed=True
    )
    await show_draft(update, context, actor, draft, editing=False)


CONVERSATIONS = [Conversation(DraftKind.CONTEST, contests.ContestStep, typed_contest)]
