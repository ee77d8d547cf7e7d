"""/rewards: the tangible reward catalogue, requests and approvals."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.deps import BotContext
from bot.scheduler.notices import notify_people
from bot.services import catalogue
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.errors import Reason, Refused
from handlers.common import callback_args, edit, int_arg, keyboard, reply, with_actor
from handlers.conversation import Conversation


async def _show(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    balance, items = await catalogue.catalogue(deps.db, actor)
    label = deps.renderer.label
    rows: list[list[tuple[str, str]]] = []
    waiting = await catalogue.pending(deps.db, actor) if actor.is_coordinator else []
    for request in waiting:
        rows.append(
            [
                (
                    label(actor.locale, "approve_for", name=request.person_name, title=request.item.title),
                    f"rw:ok:{request.id}",
                ),
                (label(actor.locale, "reject"), f"rw:no:{request.id}"),
            ]
        )
    if actor.is_coordinator:
        for item in items:
            rows.append(
                [
                    (label(actor.locale, "edit_item", title=item.title), f"rw:edit:{item.id}"),
                    (label(actor.locale, "retire_item", title=item.title), f"rw:retire:{item.id}"),
                ]
            )
        rows.append([(label(actor.locale, "add_item"), "rw:add")])
    else:
        rows = [[(label(actor.locale, "request_item", title=i.title), f"rw:req:{i.id}")] for i in items]
    await reply(
        update,
        context,
        actor,
        "rewards_list",
        keyboard(rows),
        balance=balance,
        items=items,
        actor=actor,
        waiting=waiting,
    )


@with_actor
async def rewards_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show(update, context, actor)


@with_actor
async def rewards_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "rw")
    now = deps.clock()
    action = args[0]
    if action in ("add", "edit"):
        await catalogue.start_item(deps.db, actor, now, int_arg(args, 1) if action == "edit" else None)
        await reply(update, context, actor, "reward_item_ask", step="title")
    elif action == "retire":
        item = await catalogue.retire(deps.db, actor, int_arg(args, 1), now)
        await reply(update, context, actor, "reward_item_saved", item=item)
    elif action == "req":
        team = actor.require_member()
        request = await catalogue.request(deps.db, actor, int_arg(args, 1), now)
        label = deps.renderer.label
        await notify_people(
            deps,
            context.bot,
            team,
            await catalogue.coordinators_of(deps.db, team),
            f"redeem-ask:{request.id}",
            "reward_request_review",
            lambda locale: [
                [
                    (label(locale, "approve"), f"rw:ok:{request.id}"),
                    (label(locale, "reject"), f"rw:no:{request.id}"),
                ]
            ],
            request=request,
        )
        # The coordinators are told first: a failed reply to the rep cannot cost them the review.
        await reply(update, context, actor, "reward_requested", request=request)
    elif action in ("ok", "no"):
        team = actor.require_coordinator()
        decided = await catalogue.decide(deps.db, actor, int_arg(args, 1), action == "ok", now)
        await notify_people(
            deps,
            context.bot,
            team,
            [(decided.person_id, decided.language_code)],
            f"redeem-done:{decided.id}",
            "reward_decided",
            None,
            request=decided,
        )
        await edit(update, context, actor, "reward_request_review", request=decided)
    else:
        raise Refused(Reason.STALE_BUTTON)


async def typed_item(
    update: Update,
    context: BotContext,
    actor: Actor,
    step: str,
    data: dict[str, Any],
    text: str,
) -> None:
    deps = context.deps
    result = await catalogue.item_answer(deps.db, actor, step, data, text, deps.clock())
    if isinstance(result, str):
        await reply(update, context, actor, "reward_item_ask", step=result)
    else:
        await reply(update, context, actor, "reward_item_saved", item=result)


CONVERSATIONS = [Conversation(DraftKind.REWARD_ITEM, catalogue.ItemStep, typed_item)]
