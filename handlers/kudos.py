"""/kudos (by @username, or picked from paged buttons, then the reason) and 🔥/👏 on a cheer."""

from __future__ import annotations

from typing import Any

from telegram import ReactionTypeEmoji, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.scheduler.play import kudos_received
from bot.services import kudos
from bot.services.access import Actor, team_of_group
from bot.services.drafts import DraftKind
from bot.services.kudos import Given
from bot.services.paging import matching, page_of
from handlers.common import (
    command_args,
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

PICK, PAGE = "r", "p"  # after `kd:`: a colleague picked from the list, a page of the list


async def _choose(
    update: Update, context: BotContext, actor: Actor, *, number: int, query: str, editing: bool
) -> None:
    deps = context.deps
    found = matching(await kudos.peers(deps.db, actor), query, lambda p: f"{p.name} {p.username or ''}")
    page = page_of(found, number, query)
    rows = [[(p.name[:64], encode(Prefix.KUDOS, PICK, p.person_id))] for p in page.items]
    rows += page_buttons(page, Prefix.KUDOS, PAGE)
    await respond(update, context, actor, "kudos_choose", keyboard(rows), editing=editing, page=page)


async def _given(update: Update, context: BotContext, actor: Actor, given: Given) -> None:
    deps = context.deps
    team = actor.require_member()
    await kudos_received(deps, context.bot, team, [given], spawn=deps.background.spawn)
    await reply(update, context, actor, "kudos_given", given=given)


async def _ask(update: Update, context: BotContext, actor: Actor, who: int | str) -> None:
    deps = context.deps
    peer = await kudos.begin(deps.db, actor, who, deps.clock())
    await reply(update, context, actor, "kudos_ask", peer=peer, max=kudos.REASON_MAX)


@with_actor
@private_only
async def kudos_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/kudos @username reason; without a reason it is asked for; alone, the team to pick from."""
    deps = context.deps
    actor.require_member()
    who, reason = kudos.parse_args(command_args(update))
    if who is None:
        await _choose(update, context, actor, number=0, query="", editing=False)
    elif not reason:
        await _ask(update, context, actor, who)
    else:
        await _given(update, context, actor, await kudos.give(deps.db, actor, who, reason, deps.clock()))


@with_actor
async def kudos_button(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    button = pressed(update, Prefix.KUDOS)
    if button.choice(0, (PICK, PAGE)) == PAGE:
        number, query = pressed_page(button.exactly(2, 3), 1)
        await _choose(update, context, actor, number=number, query=query, editing=True)
        return
    await _ask(update, context, actor, button.exactly(2).person(1))


async def typed_reason(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    await _given(update, context, actor, await kudos.answer(deps.db, actor, text, deps.clock()))


def _emojis(reactions: tuple[object, ...]) -> list[str]:
    return [r.emoji for r in reactions if isinstance(r, ReactionTypeEmoji)]


async def reaction(update: Update, context: BotContext) -> None:
    """A reaction in a group: a 🔥 or 👏 set on a cheer thanks its reps; removed, takes it back.

    Anonymous reactions (a chat, no user) thank nobody: nobody's allowance could count them.
    """
    deps = context.deps
    changed = update.message_reaction
    if changed is None or changed.user is None:
        return
    before, after = (
        kudos.thanks_in(_emojis(changed.old_reaction)),
        kudos.thanks_in(_emojis(changed.new_reaction)),
    )
    if before == after:
        return  # another emoji, or one thanks emoji swapped for the other: nothing changes
    chat_id = changed.chat.id
    given = await kudos.reacted(deps.db, chat_id, changed.message_id, changed.user.id, after, deps.clock())
    team = await team_of_group(deps.db, chat_id) if given else None
    if team is not None:
        await kudos_received(deps, context.bot, team, given, spawn=deps.background.spawn)


CONVERSATIONS = [Conversation(DraftKind.KUDOS, kudos.KudosStep, typed_reason)]
