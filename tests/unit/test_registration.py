"""The composition root registers a handler for every button prefix, draft kind and menu command."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot import app, menus
from bot.callbacks import Prefix
from bot.services.drafts import DraftKind


def test_every_callback_prefix_has_exactly_one_button_handler() -> None:
    assert set(app.BUTTONS) == set(Prefix)


def test_every_draft_kind_has_one_conversation_with_its_steps() -> None:
    kinds = [conversation.kind for conversation in app.CONVERSATIONS]
    assert sorted(kinds) == sorted(DraftKind)
    assert all(len(conversation.steps) > 0 for conversation in app.CONVERSATIONS)


def test_every_command_in_the_menus_is_registered_once() -> None:
    registered: list[str] = []
    for names, _callback in app.COMMANDS:
        registered += [names] if isinstance(names, str) else names
    assert len(registered) == len(set(registered))
    assert set(menus.REP_COMMANDS) | set(menus.COORDINATOR_COMMANDS) | set(menus.GROUP_COMMANDS) <= set(
        registered
    )
    # PTB accepts the names as they are: lower case letters, digits and underscores.
    for names, callback in app.COMMANDS:
        CommandHandler(names, callback)
