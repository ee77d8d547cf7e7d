"""Tests of the Bot API test double itself, driven by the real PTB Bot and Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)
from telegram.request import HTTPXRequest

from tests.support.botapi import BotApiServer, FakeUser

App = Application[Any, Any, Any, Any, Any, Any]
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as s:
        yield s


@pytest.fixture
def anna(server: BotApiServer) -> FakeUser:
    return server.user(1001, "Anna", username="anna", language_code="pl")


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    # A short read timeout so that the "timeout" fault costs a fraction of a second.
    async with Bot(server.token, base_url=server.base_url, request=HTTPXRequest(read_timeout=0.3)) as b:
        yield b


@contextlib.asynccontextmanager
async def polling(server: BotApiServer, *handlers: Any) -> AsyncIterator[App]:
    app: App = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


async def test_get_me_wrong_token_and_unknown_method(server: BotApiServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "salesbot_test_bot")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    with pytest.raises(InvalidToken):
        async with Bot("123456:WRONG", base_url=server.base_url):
            pass
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{server.base_url}nope/getMe")
    assert answer.status_code == 401
    assert answer.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_json_body_is_accepted(server: BotApiServer, anna: FakeUser) -> None:
    body = {"chat_id": anna.id, "text": "hi", "reply_markup": KEYBOARD.to_dict()}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{server.base_url}{server.token}/sendMessage", json=body)
    assert answer.json()["result"]["reply_markup"] == KEYBOARD.to_dict()
    assert server.last_to(anna.id).buttons() == [("Done", "done")]


async def test_command_reaches_handler_reply_recorded_and_button_answered(
    server: BotApiServer, anna: FakeUser
) -> None:
    edited: list[Message | bool] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        text = f"Hi <b>{update.effective_user.first_name}</b> {context.args}"
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=KEYBOARD)

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Saved")
        edited.append(await query.edit_message_text("Done ✓"))

    group = server.group(-100123, "Sales team")
    async with polling(server, CommandHandler("start", start), CallbackQueryHandler(done, "^done$")):
        server.send_message(anna, "/start abc")
        server.send_message(anna, "/start@salesbot_test_bot", chat=group)
        [reply] = await server.wait_for_messages(anna.id, 1)
        assert reply.text == "Hi <b>Anna</b> ['abc']"
        assert reply.plain == "Hi Anna ['abc']"
        assert reply.parse_mode == "HTML"
        assert reply.buttons() == [("Done", "done")]
        assert (await server.wait_for_messages(group.id, 1))[0].plain == "Hi Anna []"

        server.press(anna, reply, "done")
        await server.wait_for(lambda: edited)
        await server.wait_idle()
    assert [(text, alert) for _, text, alert in server.callback_answers] == [("Saved", False)]
    assert isinstance(edited[0], Message) and edited[0].text == "Done ✓"
    assert (reply.text, reply.edited, reply.reply_markup) == ("Done ✓", True, None)
    assert reply.history == ["Hi <b>Anna</b> ['abc']"]
    with pytest.raises(AssertionError, match="shows no button"):
        server.press(anna, reply, "done")  # the keyboard went away with the edit
    with pytest.raises(AssertionError, match=r"timed out after 0.05s waiting for .*last calls: .*Done"):
        await server.wait_for(lambda: None, timeout=0.05)


async def test_edit_returns_message_and_updates_stored_text(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    sent = await bot.send_message(anna.id, "draft", reply_markup=KEYBOARD)
    second = await bot.send_message(anna.id, "another")
    assert second.message_id == sent.message_id + 1

    edited = await bot.edit_message_text("final", chat_id=anna.id, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "final" and edited.edit_date is not None
    stored = server.messages_to(anna.id)[0]
    assert (stored.text, stored.history, stored.edited) == ("final", ["draft"], True)
    assert stored.reply_markup is None, "Telegram drops a keyboard that is not sent again"

    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("final", chat_id=anna.id, message_id=sent.message_id)
    with_keyboard = await bot.edit_message_reply_markup(anna.id, sent.message_id, reply_markup=KEYBOARD)
    assert isinstance(with_keyboard, Message) and with_keyboard.reply_markup == KEYBOARD
    assert stored.buttons() == [("Done", "done")]

    assert await bot.delete_message(anna.id, sent.message_id)
    assert stored.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=anna.id, message_id=sent.message_id)


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("retry_after", RetryAfter),
        ("forbidden", Forbidden),
        ("chat_not_found", BadRequest),
        ("migrate", ChatMigrated),
        ("server_error", NetworkError),
        ("timeout", TimedOut),
    ],
)
async def test_fault_raises_matching_ptb_error(
    server: BotApiServer, bot: Bot, kind: str, error: type[TelegramError]
) -> None:
    group = server.group(-123, "Old group", type="group")
    server.fail("sendMessage", kind=kind, chat_id=group.id, retry_after=3, seconds=1.0, status=502)
    with pytest.raises(error) as caught:
        await bot.send_message(group.id, "hello")
    if isinstance(caught.value, RetryAfter):
        assert seconds(caught.value) == 3
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -100123
        await bot.send_message(caught.value.new_chat_id, "resent")  # the supergroup now exists
    assert not isinstance(caught.value, BadRequest) or kind == "chat_not_found"

    await bot.send_message(group.id, "again")  # times=1: the next call goes through
    assert len(server.calls_of("sendMessage")) == 2 + (kind == "migrate")
    # A failed call leaves no message, but a timed-out one did arrive, as with Telegram.
    expected = ["hello", "again"] if kind == "timeout" else ["again"]
    assert [m.text for m in server.messages_to(group.id)] == expected


async def test_rate_limits_answer_429_like_telegram(server: BotApiServer, bot: Bot) -> None:
    now = [1000.0]
    server.clock = lambda: now[0]
    server.enforce_rate_limits = True
    group = server.group(-100200, "Busy group")
    for i in range(20):
        await bot.send_message(group.id, f"m{i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "one too many")
    assert seconds(caught.value) == 60
    now[0] += 60
    await bot.send_message(group.id, "after a minute")

    now[0] += 60
    users = [server.user(2000 + i, f"Rep {i}") for i in range(31)]
    for user in users[:30]:
        await bot.send_message(user.id, "hi")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(users[30].id, "hi")
    assert seconds(caught.value) == 1
    assert len(server.messages_to(group.id)) == 21


async def test_redelivery_gives_the_same_update_id_twice(server: BotApiServer, anna: FakeUser) -> None:
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    async with polling(server, TypeHandler(Update, record)):
        update_id = server.send_message(anna, "sale 100")
        await server.wait_for(lambda: len(seen) == 1)
        server.send_message(anna, "sale 200")
        await server.wait_for(lambda: len(seen) == 2)
        server.redeliver(update_id)
        await server.wait_for(lambda: len(seen) == 3)
        await server.wait_idle()
    assert seen == [update_id, update_id + 1, update_id]


async def test_uploads_keep_bytes_and_filename(server: BotApiServer, bot: Bot, anna: FakeUser) -> None:
    sent = await bot.send_document(anna.id, document=b"rep,amount\nanna,100\n", filename="report.csv")
    stored = server.last_to(anna.id)
    assert (stored.method, stored.document, stored.filename) == (
        "sendDocument",
        b"rep,amount\nanna,100\n",
        "report.csv",
    )
    assert sent.document is not None and sent.document.file_name == "report.csv"
    await bot.send_document(
        anna.id, document=sent.document.file_id, caption="<i>again</i>", parse_mode="HTML"
    )
    assert server.last_to(anna.id).document == stored.document
    assert server.last_to(anna.id).plain == "again"

    photo = await bot.send_photo(anna.id, photo=b"\x89PNG fake", caption="chart")
    assert photo.photo and photo.caption == "chart"
    assert server.last_to(anna.id).document == b"\x89PNG fake"


async def test_long_polling_returns_as_soon_as_an_update_arrives(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for(lambda: server.polling)
    started = time.monotonic()
    server.send_message(anna, "hello")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 1
    assert [u.message.text for u in updates if u.message] == ["hello"]

    assert server.pending_updates() == 1, "fetched but not yet confirmed"
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert server.pending_updates() == 0


async def test_a_second_poller_conflicts(server: BotApiServer, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for(lambda: server.polling)
    async with Bot(server.token, base_url=server.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    # As with Telegram, the newer request ends the older one: both instances see 409s.
    with pytest.raises(Conflict):
        await asyncio.wait_for(first, 3)


async def test_chat_member_updates_only_when_allowed(server: BotApiServer, bot: Bot, anna: FakeUser) -> None:
    group = server.group(-100300, "Reps")
    server.chat_member(group, anna, "left", "member")
    server.chat_member(group, server.bot_user, "left", "administrator", by=anna)
    [update] = await bot.get_updates(timeout=0)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "administrator"

    server.chat_member(group, anna, "member", "left")
    updates = await bot.get_updates(offset=update.update_id + 1, allowed_updates=Update.ALL_TYPES)
    assert [u.chat_member.new_chat_member.status for u in updates if u.chat_member] == ["left"]


async def test_members_pins_and_rights(server: BotApiServer, bot: Bot, anna: FakeUser) -> None:
    group = server.group(-100400, "Sales team")
    server.set_member_status(group.id, anna.id, "creator")
    assert (await bot.get_chat_member(group.id, anna.id)).status == "creator"
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {anna.id, server.bot_user.id}
    assert (await bot.get_chat(group.id)).title == "Sales team"

    msg = await bot.send_message(group.id, "Target: 10 sales")
    assert await bot.pin_chat_message(group.id, msg.message_id)
    assert server.pinned == {group.id: msg.message_id}
    server.set_member_status(group.id, server.bot_user.id, "administrator", can_pin_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to manage pinned messages"):
        await bot.unpin_chat_message(group.id)

    server.set_member_status(group.id, server.bot_user.id, "kicked")
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(group.id, "still there?")
    server.set_member_status(anna.id, server.bot_user.id, "kicked")  # Anna blocked the bot
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_chat_action(anna.id, "typing")


async def test_commands_are_kept_per_scope_and_language(server: BotApiServer, bot: Bot) -> None:
    await bot.set_my_commands([("sale", "Report a sale")])
    await bot.set_my_commands([("sale", "Zgłoś sprzedaż")], language_code="pl")
    await bot.set_my_commands([("top", "Leaderboard")], scope=BotCommandScopeAllGroupChats())
    assert [c.description for c in await bot.get_my_commands(language_code="pl")] == ["Zgłoś sprzedaż"]
    assert server.commands[('{"type": "default"}', "")] == [
        {"command": "sale", "description": "Report a sale"}
    ]
    assert ('{"type": "all_group_chats"}', "") in server.commands
    await bot.delete_my_commands(language_code="pl")
    assert await bot.get_my_commands(language_code="pl") == ()


async def test_telegram_checks_on_text_keyboards_and_chats(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(anna.id, "line<br>break", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)find end tag"):
        await bot.send_message(anna.id, "<b>bold", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ł" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(anna.id, "hi", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "who?")
    assert server.sent == []
    assert len(server.calls_of("sendMessage")) == 4


def buttons(count: int, per_row: int = 1) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(str(i), callback_data=f"b{i}") for i in range(per_row)]
    return InlineKeyboardMarkup([row] * (count // per_row))


async def test_a_keyboard_of_over_100_buttons_is_refused(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)REPLY_MARKUP_TOO_LONG"):
        await bot.send_message(anna.id, "hi", reply_markup=buttons(101))
    with pytest.raises(BadRequest, match=r"(?i)REPLY_MARKUP_TOO_LONG"):
        await bot.send_message(anna.id, "hi", reply_markup=buttons(104, per_row=4))
    sent = await bot.send_message(anna.id, "hi", reply_markup=buttons(100, per_row=4))
    assert len(server.last_to(anna.id).buttons()) == 100
    with pytest.raises(BadRequest, match=r"(?i)REPLY_MARKUP_TOO_LONG"):
        await sent.edit_text("still hi", reply_markup=buttons(101))
    assert server.last_to(anna.id).text == "hi" and len(server.sent) == 1


async def test_a_button_needs_exactly_one_of_a_link_and_callback_data(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    neither = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Done", callback_data="done")], [InlineKeyboardButton("x")]]
    )
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed in the inline keyboard"):
        await bot.send_message(anna.id, "hi", reply_markup=neither)
    both = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="https://t.me/x", callback_data="x")]])
    with pytest.raises(BadRequest, match=r"(?i)exactly one of callback_data, url"):
        await bot.send_message(anna.id, "hi", reply_markup=both)
    link = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="https://t.me/x")]])
    await bot.send_message(anna.id, "hi", reply_markup=link)
    assert server.last_to(anna.id).buttons() == [("x", "https://t.me/x")] and len(server.sent) == 1


async def test_a_callback_answer_over_200_characters_is_refused_and_leaves_the_query_open(
    server: BotApiServer, bot: Bot, anna: FakeUser
) -> None:
    message = await bot.send_message(anna.id, "hi", reply_markup=KEYBOARD)
    update_id = server.press(anna, message.message_id, "done")
    query_id = server.updates[update_id]["callback_query"]["id"]
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, "ż" * 201, show_alert=True)
    assert server.callback_answers == []
    assert await bot.answer_callback_query(query_id, "ż" * 200, show_alert=True)
    assert server.callback_answers == [(query_id, "ż" * 200, True)]


async def test_webhook_blocks_polling_until_deleted(server: BotApiServer, bot: Bot) -> None:
    await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()
