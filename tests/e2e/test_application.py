"""The Application around the handlers: help and command menus, errors, redelivered and edited updates."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from storage.models import Sale
from tests.support.botapi import BotApiServer
from tests.support.english_team import make_team
from tests.support.harness import Harness, button, running_bot


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url) as harness:
        yield harness


async def test_help_is_per_role_and_command_menus_are_set_per_language(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    rep = h.server.user(2, "Rep", language_code="en")
    await h.rep(boss, rep)
    assert "/invite" in (await h.say(boss, "/help"))[0].shown
    assert "/invite" not in (await h.say(rep, "/help"))[0].shown
    scopes = {key for key in h.server.commands}
    languages = {lang for _, lang in scopes}
    assert {"", "pl", "en"} <= languages
    pl_private = next(
        v for (scope, lang), v in h.server.commands.items() if lang == "pl" and "private" in scope
    )
    assert any(c["description"] == "Zgłoś sprzedaż" for c in pl_private)


def menu(h: Harness, scope: dict[str, object], lang: str = "") -> list[str]:
    return [c["command"] for c in h.server.commands.get((json.dumps(scope, sort_keys=True), lang), [])]


async def test_a_coordinator_gets_their_own_menu_and_reps_the_shared_one_without_management(
    db_url: str,
) -> None:
    with BotApiServer() as server:
        await menus_across_a_restart(db_url, server)


async def menus_across_a_restart(db_url: str, server: BotApiServer) -> None:
    async with running_bot(db_url, server=server) as h:
        boss = h.server.user(1, "Kasia", language_code="pl")
        await h.coordinator(boss)
        rep = h.server.user(2, "Rep", language_code="en")
        await h.rep(boss, rep)
        own = {"type": "chat", "chat_id": boss.id}
        assert {"invite", "team", "target", "settings", "report"} <= set(menu(h, own, "pl"))
        assert set(menu(h, own)) == set(menu(h, own, "en")) == set(menu(h, own, "pl"))
        shared = menu(h, {"type": "all_private_chats"}, "en")
        assert "report" in shared and not {"invite", "team", "target", "settings"} & set(shared)
        assert not menu(h, {"type": "chat", "chat_id": rep.id})  # a rep sees the shared menu
        server.commands.clear()
    async with running_bot(db_url, server=server) as again:
        await again.deps.background.wait()
        # Set again at start, for the coordinators already in teams.
        assert "invite" in menu(again, own, "pl")


async def test_a_handler_error_is_logged_and_apologised_for_and_the_bot_goes_on(
    h: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import results

    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(results, "my_results", broken)
    with caplog.at_level(logging.ERROR):
        apology = (await h.say(boss, "/me"))[0]
    assert "Sorry" in apology.shown
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert failed and failed[0].exc_info is not None
    update_ids = list(h.server.updates)
    assert str(update_ids[-1]) in failed[0].getMessage()
    other = h.server.user(9, "Other", language_code="en")
    assert "invite link" in (await h.say(other, "hi"))[0].shown


async def test_the_same_update_twice_has_one_effect(h: Harness) -> None:
    boss = h.server.user(1, "Kasia", language_code="en")
    await h.coordinator(boss)
    before = len(h.server.messages_to(boss.id))
    update_id = h.server.send_message(boss, "/invite")
    await h.server.wait_for_messages(boss.id, before + 1)
    h.server.redeliver(update_id)
    await h.settle(boss)
    invites = [m for m in h.server.messages_to(boss.id) if "?start=" in m.shown]
    assert len(invites) == 1


async def test_edited_messages_do_not_run_again(h: Harness) -> None:
    t = await make_team(h, "Anna")
    card = (await h.say(t.reps["Anna"], "/report 100 Acme"))[0]
    await h.tap(t.reps["Anna"], card, button(card, "Save"))
    card = (await h.say(t.reps["Anna"], "/report 200 Beta"))[0]
    await h.tap(t.reps["Anna"], card, button(card, "Save"))
    undo = h.server.send_message(t.reps["Anna"], "/undo")
    await h.server.wait_for(lambda: "undone" in h.server.last_to(t.reps["Anna"].id).shown)
    edited = dict(h.server.updates[undo]["message"], edit_date=1)
    h.server.push_update({"edited_message": edited})
    await h.settle(t.reps["Anna"])
    async with h.db.read() as session:
        voided = (await session.scalars(select(Sale).where(Sale.voided_at.is_not(None)))).all()
    assert len(voided) == 1


DESK_REP = {"clients", "client", "contact", "complaint", "complaints", "tasks", "competitor"}
DESK_COORDINATOR = DESK_REP | {"task", "competitors", "announce", "export"}


async def test_the_desk_commands_are_in_each_role_s_menu_and_help_in_both_languages(db_url: str) -> None:
    async with running_bot(db_url) as h:
        boss = h.server.user(1, "Kasia", language_code="pl")
        await h.coordinator(boss)
        rep = h.server.user(2, "Rep", language_code="en")
        await h.rep(boss, rep)
        for lang in ("", "en", "pl"):
            assert set(menu(h, {"type": "chat", "chat_id": boss.id}, lang)) >= DESK_COORDINATOR
            shared = set(menu(h, {"type": "all_private_chats"}, lang))
            assert shared >= DESK_REP and not {"task", "announce", "export", "competitors"} & shared
        boss_help = (await h.say(boss, "/help"))[0].shown
        rep_help = (await h.say(rep, "/help"))[0].shown
        for name in DESK_COORDINATOR:
            assert f"/{name} —" in boss_help, name
        for name in DESK_REP:
            assert f"/{name} —" in rep_help, name
        assert "/announce" not in rep_help and "/task —" not in rep_help
        # Polish descriptions, not English ones left in the Polish menu.
        polish = {
            c["command"]: c["description"]
            for c in h.server.commands[(json.dumps({"type": "all_private_chats"}, sort_keys=True), "pl")]
        }
        english = {
            c["command"]: c["description"]
            for c in h.server.commands[(json.dumps({"type": "all_private_chats"}, sort_keys=True), "en")]
        }
        assert all(polish[name] != english[name] for name in DESK_REP), polish


def effective_menu(h: Harness, user_id: int, lang: str) -> list[str]:
    """What Telegram shows in a private chat: its own scope's list if set, else the private default."""
    return menu(h, {"type": "chat", "chat_id": user_id}, lang) or menu(h, {"type": "all_private_chats"}, lang)


def help_commands(text: str) -> list[str]:
    return [line.split(" — ")[0][1:] for line in text.splitlines() if line.startswith("/") and " — " in line]


async def test_a_reps_menu_holds_no_coordinator_command_and_follows_promotion_and_removal_at_once(
    h: Harness,
) -> None:
    from bot import menus
    from bot.services import teams

    boss = h.server.user(1, "Kasia", language_code="pl")
    await h.coordinator(boss)
    rep = h.server.user(2, "Olek", language_code="pl")
    await h.rep(boss, rep)
    coordinator_only = set(menus.COORDINATOR_COMMANDS) - set(menus.REP_COMMANDS)
    for lang in ("", "pl", "en"):
        assert not coordinator_only & set(menu(h, {"type": "chat", "chat_id": rep.id}, lang))
        assert effective_menu(h, rep.id, lang) == list(menus.REP_COMMANDS)
    assert sorted(help_commands((await h.say(rep, "/help"))[0].shown)) == sorted(menus.REP_COMMANDS)
    # Promoted by a coordinator link: their own chat's menu is the coordinator's at once, in Polish.
    code = await teams.create_coordinator_invite(h.db, "North", h.clock())
    await h.say(rep, f"/start {code}")
    own = menu(h, {"type": "chat", "chat_id": rep.id}, "pl")
    assert own == list(menus.COORDINATOR_COMMANDS)
    described = {
        c["command"]: c["description"]
        for c in h.server.commands[(json.dumps({"type": "chat", "chat_id": rep.id}, sort_keys=True), "")]
    }
    assert described["invite"] == "Zaproś handlowca (koordynator)"  # the team's language as fallback
    assert sorted(help_commands((await h.say(rep, "/help"))[0].shown)) == sorted(own)
    # A rep who is also a manager has a menu of their own; removed from the team it drops to a manager's.
    manager = h.server.user(3, "Marek", language_code="en")
    await h.rep(boss, manager)
    link = await teams.create_coordinator_invite(h.db, "North", h.clock(), role=teams.MANAGER_LINK)
    await h.say(manager, f"/start {link}")
    assert {"report", "summary", "teams"} <= set(effective_menu(h, manager.id, "en"))
    await h.remove(boss, manager)
    after = effective_menu(h, manager.id, "en")
    assert "report" not in after and {"summary", "teams", "help"} <= set(after)
    assert sorted(help_commands((await h.say(manager, "/help"))[0].shown)) == sorted(after)
    # A plain rep removed: only what anyone outside a team can use, at once.
    ula = h.server.user(4, "Ula", language_code="pl")
    await h.rep(boss, ula)
    await h.remove(boss, ula)
    assert effective_menu(h, ula.id, "pl") == list(menus.OUTSIDER_COMMANDS)
    # In a group, /help lists the group's menu.
    group_help = (await h.say(boss, "/help", h.server.group(-1001, "Team")))[0].shown
    assert help_commands(group_help) == list(menus.GROUP_COMMANDS)
