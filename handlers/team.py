"""Coordinator's team commands: /invite, /team, /linkgroup, /topic."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot import menus
from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.scheduler.notices import notify_people
from bot.services import catalogue, managers, teams, topics
from bot.services.access import Actor
from bot.services.errors import Reason, Refused
from bot.services.managers import MenuHolder
from bot.services.paging import matching, page_of, search_query
from handlers.common import (
    command_args,
    edit,
    keyboard,
    page_buttons,
    pressed,
    pressed_page,
    private_only,
    reply,
    respond,
    topic_of,
    with_actor,
)


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
    markup = keyboard(
        [[(deps.renderer.label(actor.locale, "revoke"), encode(Prefix.INVITE, "revoke", view.invite_id))]]
    )
    values = {
        "link": f"https://t.me/{context.bot.username}?start={view.code}",
        "expires_at": view.expires_at,
        "team": actor.team,
        "replaced": replaced,
    }
    await respond(update, context, actor, "invite", markup, editing=replaced, **values)


@with_actor
@private_only
async def invite(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    view = await teams.create_rep_invite(deps.db, actor, deps.clock())
    await _show_invite(update, context, actor, view, replaced=False)


@with_actor
async def revoke_invite(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.INVITE).exactly(2)
    button.choice(0, ("revoke",))
    invite_id = button.id(1)
    view = await teams.revoke_and_replace(deps.db, actor, invite_id, deps.clock())
    await _show_invite(update, context, actor, view, replaced=True)


async def _show_team(
    update: Update,
    context: BotContext,
    actor: Actor,
    *,
    editing: bool,
    removed: str | None = None,
    number: int = 0,
    query: str = "",
) -> None:
    deps = context.deps
    members = await teams.list_members(deps.db, actor)
    page = page_of(matching(members, query, lambda m: f"{m.name} {m.username or ''}"), number, query)
    rows = [
        [(deps.renderer.label(actor.locale, "remove", name=m.name), encode(Prefix.TEAM, "rm", m.member_id))]
        for m in page.items
        if m.role == "rep"
    ]
    rows += page_buttons(page, Prefix.TEAM, "list")
    values = {"members": members, "page": page, "team": actor.team, "removed": removed}
    await respond(update, context, actor, "team", keyboard(rows), editing=editing, **values)


@with_actor
@private_only
async def team(update: Update, context: BotContext, actor: Actor) -> None:
    query = search_query(" ".join(context.args or []))
    await _show_team(update, context, actor, editing=False, query=query)


@with_actor
async def team_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.TEAM)
    action = button.choice(0, ("rm", "rmok", "list"))
    button.exactly(*((1, 2, 3) if action == "list" else (2,)))
    if action == "rm":
        member = await teams.member_of_team(deps.db, actor, button.id(1))
        if member.role != "rep":
            raise Refused(Reason.CANNOT_REMOVE_COORDINATOR)
        markup = keyboard(
            [
                [
                    (
                        deps.renderer.label(actor.locale, "confirm_remove"),
                        encode(Prefix.TEAM, "rmok", member.member_id),
                    ),
                    (deps.renderer.label(actor.locale, "cancel"), encode(Prefix.TEAM, "list")),
                ]
            ]
        )
        await edit(update, context, actor, "team_remove_confirm", markup, member=member)
    elif action == "rmok":
        member = await teams.remove_rep(deps.db, actor, button.id(1), deps.clock())
        # Their menu at once: a manager's own if they still manage, else only what anyone outside
        # a team can use (the shared default is the rep's).
        holder = await managers.menu_holder(deps.db, member.person_id)
        if holder is None:
            team_info = actor.require_coordinator()
            holder = MenuHolder(member.person_id, team_info.locale, None, False)
        await menus.follow_role(context.bot, deps.renderer, member.person_id, holder)
        if member.handed_clients or member.handed_tasks:
            team_info = actor.require_coordinator()
            await notify_people(
                deps,
                context.bot,
                team_info,
                await catalogue.coordinators_of(deps.db, team_info),
                f"clients-handed:{member.member_id}",
                "clients_handed",
                None,
                spawn=deps.background.spawn,
                rep=member.name,
                clients=member.handed_clients,
                tasks=member.handed_tasks,
                owner=actor.display_name,
            )
        await _show_team(update, context, actor, editing=True, removed=member.name)
    else:
        number, query = pressed_page(button, 1)
        await _show_team(update, context, actor, editing=True, number=number, query=query)


@with_actor
async def link_group(update: Update, context: BotContext, actor: Actor) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        raise Refused(Reason.GROUP_ONLY)
    thread_id = topic_of(update)
    team_info = await teams.link_group(context.deps.db, actor, chat.id, thread_id)
    await reply(update, context, actor, "group_linked", team=team_info, in_topic=thread_id is not None)


@with_actor
async def topic_command(update: Update, context: BotContext, actor: Actor) -> None:
    """`/topic board|contests|cheers|duels|kudos|announcements` in a topic of the linked group."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        raise Refused(Reason.GROUP_ONLY)
    topic = await topics.route(context.deps.db, actor, chat.id, topic_of(update), command_args(update))
    await reply(update, context, actor, "topic_set", topic=topic.value)
