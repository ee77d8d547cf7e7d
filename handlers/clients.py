"""Clients: /client, /clients, the client card and its buttons, /contact and the typed answers."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Prefix, encode
from bot.deps import BotContext, Deps
from bot.services import client_desk, clients
from bot.services.access import Actor
from bot.services.client_desk import AddStep, ContactStep, ContactView, NoteStep
from bot.services.drafts import DraftKind
from bot.services.paging import matching, page_of, search_query
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
from handlers.conversation import CANCEL, Conversation, DraftButtons, cancel_pressed
from storage.models import NAME_MAX, ClientKind, ContactKind

LABEL_CHARS = 64


# --- the list --------------------------------------------------------------------------------


async def _show_list(
    update: Update, context: BotContext, actor: Actor, *, editing: bool, number: int = 0, query: str = ""
) -> None:
    deps = context.deps
    found = matching(await clients.listing(deps.db, actor), query, lambda c: f"{c.name} {c.key}")
    page = page_of(found, number, query)
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "client_button", name=c.name[:LABEL_CHARS], key=c.is_key),
                encode(Prefix.CLIENT, "card", c.id),
            )
        ]
        for c in page.items
    ]
    rows += page_buttons(page, Prefix.CLIENT, "list")
    await respond(update, context, actor, "clients_list", keyboard(rows), editing=editing, page=page)


@with_actor
@private_only
async def clients_command(update: Update, context: BotContext, actor: Actor) -> None:
    actor.require_member()
    await _show_list(update, context, actor, editing=False, query=search_query(command_args(update)))


# --- the card --------------------------------------------------------------------------------


def _card_markup(deps: Deps, actor: Actor, card: clients.ClientCard) -> InlineKeyboardMarkup:
    label, locale, client_id = deps.renderer.label, actor.locale, card.client.id
    rows = [
        [
            (label(locale, "log_contact"), encode(Prefix.CLIENT, "contact", client_id)),
            (label(locale, "add_note"), encode(Prefix.CLIENT, "note", client_id)),
        ]
    ]
    if card.manage:
        other = ClientKind.PERSON if card.client.kind == ClientKind.COMPANY else ClientKind.COMPANY
        rows += [
            [(label(locale, "key_toggle", on=card.client.is_key), encode(Prefix.CLIENT, "key", client_id))],
            [
                (label(locale, "change_owner"), encode(Prefix.CLIENT, "owners", client_id)),
                (
                    label(locale, "set_kind", kind=other.value),
                    encode(Prefix.CLIENT, "kind", client_id, other.value),
                ),
            ],
        ]
    rows.append([(label(locale, "back_to_clients"), encode(Prefix.CLIENT, "list"))])
    return keyboard(rows)


async def show_card(
    update: Update,
    context: BotContext,
    actor: Actor,
    client_id: int,
    *,
    editing: bool,
    done: str | None = None,
) -> None:
    deps = context.deps
    card = await clients.card(deps.db, actor, client_id, deps.clock())
    markup = _card_markup(deps, actor, card)
    await respond(update, context, actor, "client_card", markup, editing=editing, card=card, done=done)


@with_actor
@private_only
async def client_command(update: Update, context: BotContext, actor: Actor) -> None:
    """/client NAME adds (or finds) a client; /client alone asks for the name."""
    deps = context.deps
    name = command_args(update).strip()
    if not name:
        token = await client_desk.start_add(deps.db, actor, deps.clock())
        markup = DraftButtons(Prefix.CONTACT, token, deps.renderer.label(actor.locale, "cancel")).keyboard([])
        await reply(
            update,
            context,
            actor,
            "client_step",
            markup,
            step="name",
            view=None,
            problem=None,
            name_max=NAME_MAX,
        )
        return
    added = await clients.add(deps.db, actor, name, deps.clock())
    await show_card(
        update, context, actor, added.client_id, editing=False, done="added" if added.created else "known"
    )


async def _show_owners(
    update: Update, context: BotContext, actor: Actor, client_id: int, number: int
) -> None:
    deps = context.deps
    row, choices = await clients.owner_choices(deps.db, actor, client_id)
    page = page_of(choices, number)
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "owner_choice", name=c.name[:LABEL_CHARS], current=c.current),
                encode(Prefix.CLIENT, "own", client_id, c.person_id),
            )
        ]
        for c in page.items
    ]
    rows += page_buttons(page, Prefix.CLIENT, "owners", client_id)
    rows.append([(label(actor.locale, "cancel"), encode(Prefix.CLIENT, "card", client_id))])
    await respond(
        update, context, actor, "client_owners", keyboard(rows), editing=True, client=row, page=page
    )


FIELDS = {"list": (1, 2, 3), "owners": (2, 3), "kind": (3,), "own": (3,)}


@with_actor
async def client_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.CLIENT)
    action = button.choice(0, ("list", "card", "contact", "note", "key", "owners", "own", "kind"))
    button.exactly(*FIELDS.get(action, (2,)))
    if action == "list":
        number, query = pressed_page(button, 1)
        await _show_list(update, context, actor, editing=True, number=number, query=query)
        return
    client_id = button.id(1)
    if action == "card":
        await show_card(update, context, actor, client_id, editing=True)
    elif action == "contact":
        view = await client_desk.start_contact(deps.db, actor, deps.clock(), client_id)
        await show_contact(update, context, actor, view, editing=True)
    elif action == "note":
        row, token = await client_desk.start_note(deps.db, actor, client_id, deps.clock())
        markup = DraftButtons(Prefix.CONTACT, token, deps.renderer.label(actor.locale, "cancel")).keyboard([])
        await respond(
            update,
            context,
            actor,
            "client_step",
            markup,
            editing=True,
            step="client_note",
            view=row,
            problem=None,
            name_max=NAME_MAX,
        )
    elif action == "key":
        await clients.toggle_key(deps.db, actor, client_id)
        await show_card(update, context, actor, client_id, editing=True)
    elif action == "kind":
        kind = ClientKind(button.choice(2, [k.value for k in ClientKind]))
        await clients.set_kind(deps.db, actor, client_id, kind)
        await show_card(update, context, actor, client_id, editing=True)
    elif action == "owners":
        actor.require_coordinator()
        number = pressed_page(button, 2)[0]
        await _show_owners(update, context, actor, client_id, number)
    else:
        await clients.set_owner(deps.db, actor, client_id, button.person(2))
        await show_card(update, context, actor, client_id, editing=True)


# --- /contact ----------------------------------------------------------------------------------


def _contact_markup(deps: Deps, actor: Actor, view: ContactView) -> InlineKeyboardMarkup:
    label = deps.renderer.label
    button = DraftButtons(Prefix.CONTACT, view.token, label(actor.locale, "cancel"))
    rows: list[list[tuple[str, str]]] = []
    if view.step is ContactStep.CLIENT:
        rows = [[button(choice.name[:LABEL_CHARS], "c", choice.id)] for choice in view.choices]
    elif view.step is ContactStep.KIND:
        rows = [
            [button(label(actor.locale, "contact_kind", kind=kind.value), "k", kind.value)]
            for kind in ContactKind
        ]
    else:
        rows = [[button(label(actor.locale, "skip"), "skip")]]
    return button.keyboard(rows)


async def show_contact(
    update: Update, context: BotContext, actor: Actor, view: ContactView, *, editing: bool
) -> None:
    deps = context.deps
    markup = _contact_markup(deps, actor, view)
    await respond(
        update,
        context,
        actor,
        "client_step",
        markup,
        editing=editing,
        step=view.step.value,
        view=view,
        problem=view.problem,
        name_max=NAME_MAX,
    )


@with_actor
@private_only
async def contact_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    view = await client_desk.start_contact(deps.db, actor, deps.clock())
    await show_contact(update, context, actor, view, editing=False)


@with_actor
async def contact_button(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    button = pressed(update, Prefix.CONTACT)
    token, action = button.text(0), button.choice(1, (CANCEL, "skip", "c", "k"))
    button.exactly(2 if action in (CANCEL, "skip") else 3)
    now = deps.clock()
    if action == CANCEL:
        await cancel_pressed(update, context, actor, token)
        return
    if action == "skip":
        client_id = await client_desk.save_contact(deps.db, actor, token, None, now)
        await show_card(update, context, actor, client_id, editing=True, done="contact")
        return
    if action == "c":
        view = await client_desk.choose_client(deps.db, actor, token, button.id(2), now)
    else:
        kind = ContactKind(button.choice(2, [k.value for k in ContactKind]))
        view = await client_desk.choose_kind(deps.db, actor, token, kind, now)
    await show_contact(update, context, actor, view, editing=True)


# --- typed answers -----------------------------------------------------------------------------


async def typed_contact(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    answer = await client_desk.answer_text(deps.db, actor, text, deps.clock())
    if isinstance(answer, int):
        await show_card(update, context, actor, answer, editing=False, done="contact")
    else:
        await show_contact(update, context, actor, answer, editing=False)


async def typed_note(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    client_id = await client_desk.save_note(deps.db, actor, text, deps.clock())
    await show_card(update, context, actor, client_id, editing=False, done="note")


async def typed_client_name(
    update: Update, context: BotContext, actor: Actor, step: str, data: dict[str, Any], text: str
) -> None:
    deps = context.deps
    added = await client_desk.finish_add(deps.db, actor, text, deps.clock())
    await show_card(
        update, context, actor, added.client_id, editing=False, done="added" if added.created else "known"
    )


CONVERSATIONS = [
    Conversation(DraftKind.CLIENT, AddStep, typed_client_name),
    Conversation(DraftKind.CLIENT_NOTE, NoteStep, typed_note),
    Conversation(DraftKind.CONTACT, ContactStep, typed_contact),
]
