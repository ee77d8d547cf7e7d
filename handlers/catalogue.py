"""/rewards: the tangible reward catalogue, requests and approvals."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.scheduler.notices import notify_people
from bot.services import catalogue
from bot.services.access import Actor
from bot.services.drafts import DraftKind
from bot.services.paging import page_of
from handlers.common import edit, keyboard, page_buttons, pressed, pressed_page, reply, respond, with_actor
from handlers.conversation import Conversation

ADD, EDIT, RETIRE, REQUEST, APPROVE, REJECT, PAGE = "add", "edit", "retire", "req", "ok", "no", "page"
ACTIONS = (ADD, EDIT, RETIRE, REQUEST, APPROVE, REJECT, PAGE)


def _button(label: str, action: str, *ids: int) -> tuple[str, str]:
    return label, encode(Prefix.REWARD, action, *ids)


async def _show(
    update: Update, context: BotContext, actor: Actor, *, number: int = 0, editing: bool = False
) -> None:
    deps = context.deps
    balance, items = await catalogue.catalogue(deps.db, actor)
    label = deps.renderer.label
    waiting = await catalogue.pending(deps.db, actor) if actor.is_coordinator else []
    # One list, paged: the requests waiting for a decision first, then the catalogue.
    empty = not items
    page = page_of([*waiting, *items], number)
    waiting = [entry for entry in page.items if isinstance(entry, catalogue.RedemptionView)]
    items = [entry for entry in page.items if isinstance(entry, catalogue.ItemView)]
    rows: list[list[tuple[str, str]]] = []
    for request in waiting:
        rows.append(
            [
                _button(
                    label(actor.locale, "approve_for", name=request.person_name, title=request.item.title),
                    APPROVE,
                    request.id,
                ),
                _button(label(actor.locale, "reject"), REJECT, request.id),
            ]
        )
    if actor.is_coordinator:
        for item in items:
            rows.append(
                [
                    _button(label(actor.locale, "edit_item", title=item.title), EDIT, item.id),
                    _button(label(actor.locale, "retire_item", title=item.title), RETIRE, item.id),
                ]
            )
        rows += page_buttons(page, Prefix.REWARD, PAGE)
        rows.append([_button(label(actor.locale, "add_item"), ADD)])
    else:
        rows = [[_button(label(actor.locale, "request_item", title=i.title), REQUEST, i.id)] for i in items]
        rows += page_buttons(page, Prefix.REWARD, PAGE)
    values = {
        "balance": balance,
        "items": items,
        "actor": actor,
        "waiting": waiting,
        "page": page,
        "empty": empty,
    }
    await respond(update, context, actor, "rewards_list", keyboard(rows), editing=editing, **values)


@with_actor
async def rewards_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show(update, context, actor)


@with_actor
async def rewards_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    data = pressed(update, Prefix.REWARD)
    now = deps.clock()
    action = data.choice(0, ACTIONS)
    data.exactly(1 if action == ADD else 2)
    if action == PAGE:
        actor.require_member()
        await _show(update, context, actor, number=pressed_page(data, 1)[0], editing=True)
    elif action in (ADD, EDIT):
        step = await catalogue.start_item(deps.db, actor, now, data.id(1) if action == EDIT else None)
        await reply(update, context, actor, "reward_item_ask", step=step)
    elif action == RETIRE:
        item = await catalogue.retire(deps.db, actor, data.id(1), now)
        await reply(update, context, actor, "reward_item_saved", item=item)
    elif action == REQUEST:
        team = actor.require_member()
        request = await catalogue.request(deps.db, actor, data.id(1), now)
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
                    _button(label(locale, "approve"), APPROVE, request.id),
                    _button(label(locale, "reject"), REJECT, request.id),
                ]
            ],
            spawn=deps.background.spawn,
            request=request,
        )
        # The coordinators are told first: a failed reply to the rep cannot cost them the review.
        await reply(update, context, actor, "reward_requested", request=request)
    else:  # APPROVE or REJECT
        team = actor.require_coordinator()
        decided = await catalogue.decide(deps.db, actor, data.id(1), action == APPROVE, now)
        await notify_people(
            deps,
            context.bot,
            team,
            [(decided.person_id, decided.language_code)],
            f"redeem-done:{decided.id}",
            "reward_decided",
            None,
            spawn=deps.background.spawn,
            request=decided,
        )
        await edit(update, context, actor, "reward_request_review", request=decided)


async def typed_item(
    update: Update,
    context: BotContext,
    actor: Actor,
    step: str,
    data: dict[str, Any],
    text: str,
) -> None:
    deps = context.deps
    result = await catalogue.item_answer(deps.db, actor, text, deps.clock())
    if isinstance(result, catalogue.ItemStep):
        await reply(update, context, actor, "reward_item_ask", step=result)
    else:
        await reply(update, context, actor, "reward_item_saved", item=result)


CONVERSATIONS = [Conversation(DraftKind.REWARD_ITEM, catalogue.ItemStep, typed_item)]
