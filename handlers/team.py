"""Coordinator's team commands: /invite, /team, /linkgroup."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.deps import BotContext
from bot.services import teams
from bot.services.access import Actor
from bot.services.errors import Reason, Refused
from handlers.common import callback_args, edit, int_arg, keyboard, reply, respond, with_actor


def _private_only(update: Update) -> None:
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise Refused(Reason.PRIVATE_ONLY)


async def _show_invite(
    update: Update,
    context: BotContext,
    actor: Actor,
    view: teams.InviteView,
    *,
    replaced: bool,
) -> None:
    """The invite link with its Revoke button: a new message, or the old one replaced."""
    deps = context.deps
    markup = keyboard([[(deps.renderer.label(actor.locale, "revoke"), f"inv:revoke:{view.invite_id}")]])
    values = {
        "link": f"https://t.me/{context.bot.username}?start={view.code}",
        "expires_at": view.expires_at,
        "team": actor.team,
        "replaced": replaced,
    }
    await respond(update, context, actor, "invite", markup, editing=replaced, **values)


@with_actor
async def invite(update: Update, context: BotContext, actor: Actor) -> None:
    _private_only(update)
    deps = context.deps
    view = await teams.create_rep_invite(deps.db, actor, deps.clock())
    await _show_invite(update, context, actor, view, replaced=False)


@with_actor
async def revoke_invite(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    invite_id = int_arg(callback_args(update, "inv"), 1)
    view = await teams.revoke_and_replace(deps.db, actor, invite_id, deps.clock())
    await _show_invite(update, context, actor, view, replaced=True)


async def _show_team(
    update: Update,
    context: BotContext,
    actor: Actor,
    *,
    editing: bool,
    removed: str | None = None,
) -> None:
    deps = context.deps
    members = await teams.list_members(deps.db, actor)
    rows = [
        [(deps.renderer.label(actor.locale, "remove", name=m.name), f"team:rm:{m.member_id}")]
        for m in members
        if m.role == "rep"
    ]
    values = {"members": members, "team": actor.team, "removed": removed}
    await respond(update, context, actor, "team", keyboard(rows), editing=editing, **values)


@with_actor
async def team(update: Update, context: BotContext, actor: Actor) -> None:
    _private_only(update)
    await _show_team(update, context, actor, editing=False)


@with_actor
async def team_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    args = callback_args(update, "team")
    action = args[0]
    if action == "rm":
        member = await teams.member_of_team(deps.db, actor, int_arg(args, 1))
        if member.role != "rep":
            raise Refused(Reason.CANNOT_REMOVE_COORDINATOR)
        markup = keyboard(
            [
                [
                    (
                        deps.renderer.label(actor.locale, "confirm_remove"),
                        f"team:rmok:{member.member_id}",
                    ),
                    (deps.renderer.label(actor.locale, "cancel"), "team:list"),
                ]
            ]
        )
        await edit(update, context, actor, "team_remove_confirm", markup, member=member)
    elif action == "rmok":
        member = await teams.remove_rep(deps.db, actor, int_arg(args, 1), deps.clock())
        await _show_team(update, context, actor, editing=True, removed=member.name)
    elif action == "list":
        await _show_team(update, context, actor, editing=True)
    else:
        raise Refused(Reason.STALE_BUTTON)


@with_actor
async def link_group(update: Update, context: BotContext, actor: Actor) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        raise Refused(Reason.GROUP_ONLY)
    team_info = await teams.link_group(context.deps.db, actor, chat.id)
    await reply(update, context, actor, "group_linked", team=team_info)
