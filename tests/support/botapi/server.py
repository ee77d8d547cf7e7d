"""A small, real Telegram Bot API server for end-to-end tests.

The bot under test talks HTTP to it exactly as it would to a self-hosted Bot API server
(``base_url = server.base_url``); the test acts as users through the synchronous test-side
API and reads what the bot sent.  Only the standard library is used.

Behaviour follows Telegram where it matters to a bot: long polling with offsets and 409
Conflict, edits that return the Message and drop a keyboard that is not resent, HTML that
Telegram would reject is rejected (tags, lengths, keyboards of over 100 buttons or with
buttons doing nothing), callback queries can be answered once, unknown chats
are "chat not found", and faults and rate limits answer with Telegram's error payloads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar, cast
from urllib.parse import urlsplit

from tests.support.botapi.model import (
    CALLBACK_ANSWER_MAX,
    JSON,
    ApiError,
    FakeChat,
    FakeUser,
    Files,
    SentMessage,
    checked_markup,
    member_fields,
    parse_body,
    visible,
)

T = TypeVar("T")

_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
# Telegram sends these only to bots that list them in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FAULTS = {
    "forbidden": (403, "Forbidden: bot was blocked by the user"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "migrate": (400, "Bad Request: group chat was upgraded to a supergroup chat"),
    "retry_after": (429, "Too Many Requests: retry after {}"),
    "server_error": (500, ""),
    "timeout": (200, ""),
    "reset": (200, ""),
    "hold": (200, ""),
}
# Answered by closing the connection without a response (the call did take effect).
_RESET: JSON = {"reset": True}
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass
class _Fault:
    method: str
    chat_id: int | None
    times: int | None  # None: until clear_faults()
    error: ApiError | None  # None: the call succeeds; see `kind` for how it is answered
    delay: float
    kind: str = "timeout"


@dataclass
class _Queued:
    update: JSON
    redelivered: bool = False
    delivered: bool = False

    @property
    def id(self) -> int:
        return int(self.update["update_id"])


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a long poll or a "timeout" fault must not block shutdown
    api: BotApiServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid a 40 ms stall
    server: _HTTPServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        content_type = self.headers.get("Content-Type", "")
        status, payload = self.server.api.handle_http(url.path, url.query, content_type, body)
        if payload is _RESET:  # performed, then the connection drops before the answer
            self.close_connection = True
            return
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (read timeout): nobody to answer
            self.close_connection = True

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


class BotApiServer:
    """Bot API double. Public methods are thread-safe; ``wait_*`` are coroutines.

    ``sent``, ``calls``, ``callback_answers``, ``pinned``, ``commands`` and ``updates`` are
    only appended to / updated by the server, under its lock; read them freely.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "salesbot_test_bot",
        bot_id: int = 123456,
        bot_name: str = "Salesbot",
    ) -> None:
        self.token = token
        self.bot_user = FakeUser(bot_id, bot_name, username=bot_username, is_bot=True)
        self.enforce_rate_limits = False
        self.clock: Callable[[], float] = time.monotonic  # rate-limit clock; tests may replace it
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, JSON]] = []
        self.callback_answers: list[tuple[str, str | None, bool]] = []  # (id, text, show_alert)
        self.pinned: dict[int, int] = {}  # chat_id -> last pinned message_id
        self.pins: dict[int, list[int]] = {}  # chat_id -> every pinned message_id, oldest first
        # (chat_id, message_thread_id) -> "open" | "closed" | "deleted", the topics of forums
        self.topics: dict[tuple[int, int], str] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope JSON, language) -> list
        self.updates: dict[int, JSON] = {}  # every update pushed, by update_id
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._members: dict[tuple[int, int], JSON] = {}
        self._last_mid: dict[int, int] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], JSON] = {}
        self._queue: list[_Queued] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._polling = 0
        self._allowed: set[str] | None = None  # None: Telegram's default set
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        # Off: tests post to the bot's webhook themselves. On: setWebhook starts a thread that
        # posts the queued updates to it, as Telegram does.
        self.deliver_to_webhook = False
        self.webhook_posts = 0  # updates posted and answered 2xx
        self._pusher: threading.Thread | None = None
        self._faults: list[_Fault] = []
        self._open_queries: set[str] = set()
        self._files: Files = {}
        self._file_kinds: dict[str, str] = {}  # file_id -> "photo" | "document", of files users sent
        self._seq = itertools.count(1)
        self._rate_all: deque[float] = deque()
        self._rate_group: dict[int, deque[float]] = {}
        self._rate_private: dict[tuple[int, int], deque[float]] = {}
        self.rate_limited: list[tuple[Any, int]] = []  # (chat_id, retry_after) of every 429 answered
        self.held = 0  # requests a "hold" fault keeps open right now (performed when it ends)
        self._methods: dict[str, tuple[str, Callable[[JSON, Files], Any]]] = {
            n[3:].lower(): (n[3:], getattr(self, n)) for n in dir(self) if n.startswith("_m_")
        }

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.api = self
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping.set()  # ends long polls and "timeout" sleeps at once
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/bot"

    # ---- test side: acting as users -------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> FakeUser:
        u = FakeUser(user_id, first_name, last_name, username, language_code)
        with self._cond:
            self._users[u.id] = u
            self._chats[u.id] = u.private_chat()
        return u

    def group(self, chat_id: int, title: str, type: str = "supergroup", *, forum: bool = False) -> FakeChat:
        chat = FakeChat(chat_id, type, title, is_forum=True if forum else None)
        with self._cond:
            self._chats[chat_id] = chat
        return chat

    def create_topic(self, chat: FakeChat, name: str) -> int:
        """A forum topic; its thread id is the id of the message that opened it, as in Telegram."""
        with self._cond:
            thread_id = self._new_message_id(chat.id)
            self.topics[(chat.id, thread_id)] = "open"
            return thread_id

    def set_topic_state(self, chat: FakeChat, thread_id: int, state: str) -> None:
        """A topic becomes closed, open or deleted, with no service message (see close_topic)."""
        with self._cond:
            self.topics[(chat.id, thread_id)] = state

    def close_topic(self, user: FakeUser, chat: FakeChat, thread_id: int) -> int:
        """`user` closes a topic: Telegram posts the forum_topic_closed service message in it."""
        with self._cond:
            self.topics[(chat.id, thread_id)] = "closed"
            msg: JSON = {
                "message_id": self._new_message_id(chat.id),
                "date": int(time.time()),
                "chat": chat.to_dict(),
                "from": user.to_dict(),
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_closed": {},
            }
            return self.push_update({"message": msg})

    def send_message(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        *,
        reply_to: SentMessage | None = None,
        extra: JSON | None = None,
        topic: int | None = None,
    ) -> int:
        """``user`` writes ``text`` (in their private chat unless ``chat``); returns update_id.

        ``extra`` is merged into the Message, e.g. ``{"sender_chat": {...}}``.
        """
        with self._cond:
            self._users[user.id] = user
            chat = chat or user.private_chat()
            self._chats.setdefault(chat.id, chat)
            msg: JSON = {
                "message_id": self._new_message_id(chat.id),
                "date": int(time.time()),
                "chat": chat.to_dict(),
                "from": user.to_dict(),
                "text": text,
            }
            if command := re.match(r"/\w{1,32}(@\w+)?", text, re.ASCII):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
            if reply_to is not None:
                msg["reply_to_message"] = self._message_dict(reply_to)
            if topic is not None:  # written in a forum topic (General carries no thread id)
                msg["message_thread_id"], msg["is_topic_message"] = topic, True
            msg.update(extra or {})
            self._user_messages[(chat.id, msg["message_id"])] = msg
            return self.push_update({"message": msg})

    def send_file(
        self,
        user: FakeUser,
        kind: str,
        *,
        filename: str = "photo.jpg",
        content: bytes = b"\xff\xd8\xff\xe0 a picture",
        caption: str | None = None,
        mime_type: str = "application/pdf",
    ) -> int:
        """``user`` sends a photo or a document (``kind``) in their private chat; returns update_id.

        As Telegram does, a photo comes in several sizes (each its own file_id, the largest
        last) and a document with its name and type; the bot may send either again by file_id.
        """
        if kind not in ("photo", "document"):
            raise ValueError(f"unknown file kind {kind!r}")
        with self._cond:
            self._users[user.id] = user
            chat = user.private_chat()
            self._chats.setdefault(chat.id, chat)
            file_id = f"{kind}-{next(self._seq)}"

            def stored(one: str, size: int) -> JSON:
                self._files[one] = (filename, content[:size])
                self._file_kinds[one] = kind
                return {"file_id": one, "file_unique_id": f"u{one}", "file_size": len(content[:size])}

            msg: JSON = {
                "message_id": self._new_message_id(chat.id),
                "date": int(time.time()),
                "chat": chat.to_dict(),
                "from": user.to_dict(),
            }
            if kind == "photo":
                msg["photo"] = [
                    {**stored(f"{file_id}-s", 8), "width": 90, "height": 67},
                    {**stored(file_id, len(content)), "width": 1280, "height": 960},
                ]
            else:
                msg["document"] = {
                    **stored(file_id, len(content)),
                    "file_name": filename,
                    "mime_type": mime_type,
                }
            if caption is not None:
                msg["caption"] = caption
            self._user_messages[(chat.id, msg["message_id"])] = msg
            return self.push_update({"message": msg})

    def press(
        self,
        user: FakeUser,
        message: SentMessage | int,
        data: str,
        *,
        chat_id: int | None = None,
        check: bool = True,
    ) -> int:
        """``user`` presses an inline button (``check``: it must still be shown); update_id."""
        with self._cond:
            if isinstance(message, int):
                message = self._messages[(user.id if chat_id is None else chat_id, message)]
            if check and (message.deleted or data not in [d for _, d in message.buttons()]):
                raise AssertionError(
                    f"message {message.message_id} in chat {message.chat_id} shows no button "
                    f"{data!r} (buttons: {message.buttons()}, deleted: {message.deleted})"
                )
            query_id = str(10**15 + next(self._seq))
            self._open_queries.add(query_id)
            self._users[user.id] = user
            query = {
                "id": query_id,
                "from": user.to_dict(),
                "chat_instance": str(abs(message.chat_id) * 7 + 3),  # stable per chat
                "message": self._message_dict(message),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def chat_member(
        self, chat: FakeChat, user: FakeUser, old: str, new: str, *, by: FakeUser | None = None
    ) -> int:
        """A membership change: ``my_chat_member`` if ``user`` is the bot, else ``chat_member``
        (which the bot only gets if it lists it in allowed_updates)."""
        kind = "my_chat_member" if user.id == self.bot_user.id else "chat_member"
        with self._cond:
            self._members[(chat.id, user.id)] = member_fields(new)
            change = {
                "chat": chat.to_dict(),
                "from": (by or user).to_dict(),
                "date": int(time.time()),
                "old_chat_member": {"user": user.to_dict(), **member_fields(old)},
                "new_chat_member": {"user": user.to_dict(), **member_fields(new)},
            }
            return self.push_update({kind: change})

    def react(
        self,
        user: FakeUser | None,
        chat: FakeChat,
        message_id: int,
        old: list[str],
        new: list[str],
    ) -> int:
        """A reaction changed on a message in ``chat`` (``message_reaction``, opt-in as on Telegram);
        ``user`` None is an anonymous one: Telegram then names the chat, not a user."""

        def emojis(names: list[str]) -> list[JSON]:
            return [{"type": "emoji", "emoji": name} for name in names]

        change: JSON = {
            "chat": chat.to_dict(),
            "message_id": message_id,
            "date": int(time.time()),
            "old_reaction": emojis(old),
            "new_reaction": emojis(new),
        }
        if user is None:
            change["actor_chat"] = chat.to_dict()
        else:
            with self._cond:
                self._users[user.id] = user
            change["user"] = user.to_dict()
        return self.push_update({"message_reaction": change})

    def push_update(self, update: JSON) -> int:
        """Queue a raw update; ``update_id`` is assigned when missing."""
        with self._cond:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self.updates[update["update_id"]] = update
            self._queue.append(_Queued(update))
            self._cond.notify_all()
            return int(update["update_id"])

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again with the same update_id, as Telegram may do."""
        with self._cond:
            self._queue.append(_Queued(self.updates[update_id], redelivered=True))
            self._cond.notify_all()

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone in the chat deletes one of the bot's messages."""
        with self._cond:
            self._messages[(chat_id, message_id)].deleted = True

    def set_member_status(self, chat_id: int, user_id: int, status: str, **rights: Any) -> None:
        """What getChatMember answers. For the bot it also gates pinning (``can_pin_messages``)
        and sending ("left"/"kicked" from a group; "kicked" in a private chat = blocked)."""
        with self._cond:
            self._members[(chat_id, user_id)] = member_fields(status, **rights)

    def fail(
        self,
        method: str,
        *,
        kind: str,
        chat_id: int | None = None,
        times: int | None = 1,
        retry_after: int = 1,
        migrate_to_chat_id: int | None = None,
        seconds: float = 3.0,
        status: int = 500,
    ) -> None:
        """Make the next ``times`` calls (None: all) of ``method`` (to ``chat_id``) fail.

        "timeout" performs the call (the message does arrive, as with Telegram) and answers
        only after ``seconds``; "reset" performs it and closes the connection without an
        answer; "hold" keeps the request open for ``seconds``, then performs and answers it;
        "server_error" answers ``status`` (500, 502, ...).
        """
        if kind not in _FAULTS or method.lower() not in self._methods:
            raise ValueError(f"unknown fault kind {kind!r} or method {method!r}")
        code, description = _FAULTS[kind]
        params: JSON = {}
        if kind == "retry_after":
            description, params = description.format(retry_after), {"retry_after": retry_after}
        elif kind == "server_error":
            code, description = status, HTTPStatus(status).phrase
        elif kind == "migrate":
            if migrate_to_chat_id is None:
                assert chat_id is not None, "migrate needs chat_id or migrate_to_chat_id"
                migrate_to_chat_id = int(f"-100{abs(chat_id)}")
            params = {"migrate_to_chat_id": migrate_to_chat_id}
            with self._cond:  # the supergroup exists from now on
                old = self._chats.get(chat_id) if chat_id is not None else None
                new = FakeChat(migrate_to_chat_id, "supergroup", old.title if old else None)
                self._chats.setdefault(migrate_to_chat_id, new)
        error = None if kind in ("timeout", "reset", "hold") else ApiError(code, description, **params)
        with self._cond:
            self._faults.append(_Fault(method.lower(), chat_id, times, error, seconds, kind))

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    # ---- test side: reading what happened -------------------------------------------------

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def last_to(self, chat_id: int) -> SentMessage:
        msgs = self.messages_to(chat_id)
        if not msgs:
            raise AssertionError(f"the bot sent nothing to {chat_id}; {self._recent_calls()}")
        return msgs[-1]

    def calls_of(self, method: str) -> list[JSON]:
        return [p for m, p in self.calls if m == method]

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a later getUpdates offset."""
        with self._cond:
            return len(self._queue)

    @property
    def polling(self) -> bool:
        """Whether a getUpdates request is waiting right now."""
        with self._cond:
            return self._polling > 0

    async def wait_for(
        self,
        predicate: Callable[[], T | bool | None],
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the assertion, not a cancel scope
    ) -> T:
        """Poll ``predicate`` until it returns something other than None/False; return that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._cond:  # never see a half-applied request
                result = predicate()
            if result is not None and result is not False:
                return cast(T, result)
            if loop.time() >= deadline:
                name = getattr(predicate, "__qualname__", repr(predicate))
                raise AssertionError(f"timed out after {timeout}s waiting for {name}; {self._recent_calls()}")
            await asyncio.sleep(0.02)

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        def enough() -> list[SentMessage] | None:
            msgs = self.messages_to(chat_id)
            return msgs if len(msgs) >= count else None

        try:
            return await self.wait_for(enough, timeout)
        except AssertionError:
            texts = [m.text for m in self.messages_to(chat_id)]
            raise AssertionError(f"expected {count} messages to {chat_id}, got {texts}") from None

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot fetched every queued update and confirmed it with a later offset.

        Confirmed means PTB has put it into its update queue, not that handlers finished.
        """
        await self.wait_for(lambda: self.pending_updates() == 0, timeout)

    # ---- HTTP side ------------------------------------------------------------------------

    def handle_http(self, path: str, query: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if m is not None and m[1] != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        entry = self._methods.get(m[2].lower()) if m else None
        if entry is None:
            return 404, ApiError(404, "Not Found").payload()
        try:
            params, files = parse_body(content_type, body)
            params.update(parse_body("", query.encode())[0])
        except ValueError as exc:
            return 400, ApiError(400, f"Bad Request: can't parse request: {exc}").payload()
        method, handler = entry
        with self._cond:
            fault = self._pop_fault(method, params)
        if fault is not None and fault.kind == "hold":
            with self._cond:
                self.held += 1
            self._stopping.wait(fault.delay)  # outside the lock: other chats are served meanwhile
            with self._cond:
                self.held -= 1
        with self._cond:
            self.calls.append((method, params))
            try:
                if fault is not None and fault.error is not None:
                    raise fault.error
                self._check_rate(method, params)
                result = handler(params, files)
                self._record_rate(method, params)
                answer: tuple[int, JSON] = (200, {"ok": True, "result": result})
            except ApiError as exc:
                answer = (exc.code, exc.payload())
            except (KeyError, TypeError, ValueError) as exc:  # a missing or malformed parameter
                answer = (400, ApiError(400, f"Bad Request: invalid parameters: {exc!r}").payload())
        if fault is not None and fault.kind == "reset":
            return 200, _RESET
        if fault is not None and fault.kind == "timeout":
            self._stopping.wait(fault.delay)  # answer too late; the call did take effect
        return answer

    def _pop_fault(self, method: str, params: JSON) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, params.get("chat_id")):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _check_rate(self, method: str, params: JSON) -> None:
        """Telegram's limits: about 30 messages a second overall, 20 a minute per group, and
        about one a second per private chat with short bursts (modelled as at most 6 in any
        second and 45 in any 30 seconds)."""
        if not self.enforce_rate_limits or method not in _SEND_METHODS:
            return
        now, waits = self.clock(), []
        for times, limit, seconds in self._rate_windows(params):
            while times and now - times[0] >= seconds:
                times.popleft()
            if len(times) >= limit:
                waits.append(times[-limit] + seconds - now)
        if waits:
            n = max(1, math.ceil(max(waits)))
            self.rate_limited.append((params.get("chat_id"), n))
            raise ApiError(429, f"Too Many Requests: retry after {n}", retry_after=n)

    def _rate_windows(self, params: JSON) -> list[tuple[deque[float], int, float]]:
        windows = [(self._rate_all, 30, 1.0)]
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id < 0:
            windows.append((self._rate_group.setdefault(chat_id, deque()), 20, 60.0))
        elif isinstance(chat_id, int):
            windows.append((self._rate_private.setdefault((chat_id, 1), deque()), 6, 1.0))
            windows.append((self._rate_private.setdefault((chat_id, 30), deque()), 45, 30.0))
        return windows

    def _record_rate(self, method: str, params: JSON) -> None:
        if self.enforce_rate_limits and method in _SEND_METHODS:
            now = self.clock()
            for times, _, _ in self._rate_windows(params):
                times.append(now)

    # ---- helpers --------------------------------------------------------------------------

    def _recent_calls(self) -> str:
        calls = [(m, p) for m, p in self.calls if m != "getUpdates"][-8:]
        return "last calls: " + ", ".join(f"{m}({p.get('chat_id')}, {p.get('text')!r})" for m, p in calls)

    def _new_message_id(self, chat_id: int) -> int:
        self._last_mid[chat_id] = self._last_mid.get(chat_id, 0) + 1
        return self._last_mid[chat_id]

    def _message_dict(self, m: SentMessage) -> JSON:
        return m.to_dict(self._chats[m.chat_id], self.bot_user)

    def _chat(self, chat_id: Any) -> FakeChat:
        for chat in self._chats.values():
            if chat.id == chat_id or (chat.username and f"@{chat.username}" == chat_id):
                return chat
        raise ApiError(400, "Bad Request: chat not found")

    def _check_thread(self, chat: FakeChat, params: JSON) -> None:
        """A message into a forum topic: the topic must exist and be open, as Telegram checks."""
        thread_id = params.get("message_thread_id")
        if thread_id is None:
            return
        state = self.topics.get((chat.id, int(thread_id)), "deleted") if chat.is_forum else "deleted"
        if state == "deleted":
            raise ApiError(400, "Bad Request: message thread not found")
        me = self._member(chat, self.bot_user.id)
        # In a closed topic only administrators who manage topics may still write, as in Telegram.
        if state == "closed" and not (me["status"] == "creator" or me.get("can_manage_topics")):
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")

    def _writable_chat(self, params: JSON) -> FakeChat:
        chat = self._chat(params.get("chat_id"))
        status = self._members.get((chat.id, self.bot_user.id), {}).get("status")
        if status == "kicked" and chat.type == "private":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if status in ("kicked", "left"):
            verb = "was kicked from" if status == "kicked" else "is not a member of"
            raise ApiError(403, f"Forbidden: bot {verb} the {chat.type} chat")
        return chat

    def _member(self, chat: FakeChat, user_id: int) -> JSON:
        user = self.bot_user if user_id == self.bot_user.id else self._users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        fields = self._members.get((chat.id, user_id))
        if fields is None:  # the bot is a full admin of groups unless a test says otherwise
            admin = user_id == self.bot_user.id and chat.type != "private"
            fields = member_fields("administrator" if admin else "member")
        return {"user": user.to_dict(), **fields}

    def _pinnable_chat(self, params: JSON) -> FakeChat:
        chat = self._writable_chat(params)
        me = self._member(chat, self.bot_user.id)
        if chat.type != "private" and me["status"] != "creator" and not me.get("can_pin_messages"):
            raise ApiError(400, "Bad Request: not enough rights to manage pinned messages in the chat")
        return chat

    def _store(self, chat: FakeChat, method: str, params: JSON, text_key: str, **kw: Any) -> JSON:
        m = SentMessage(
            chat_id=chat.id,
            message_id=self._new_message_id(chat.id),
            method=method,
            text=params.get(text_key),
            parse_mode=params.get("parse_mode"),
            reply_markup=checked_markup(params),
            date=int(time.time()),
            params=params,
            **kw,
        )
        self.sent.append(m)
        self._messages[(chat.id, m.message_id)] = m
        return self._message_dict(m)

    def _send_file(self, method: str, key: str, params: JSON, files: Files) -> JSON:
        chat = self._writable_chat(params)
        self._check_thread(chat, params)
        caption = visible(params, "caption", 1024) if params.get("caption") else None
        ref = params.get(key)
        part = ref.removeprefix("attach://") if isinstance(ref, str) else key
        if part in files or key in files:
            file_id = f"{key}-{next(self._seq)}"
            self._files[file_id] = files.get(part) or files[key]
        elif isinstance(ref, str) and self._file_kinds.get(ref, key) != key:
            raise ApiError(400, "Bad Request: type of file mismatch")  # a document sent as a photo
        elif isinstance(ref, str) and ref in self._files:  # resent by file_id
            file_id = ref
        elif isinstance(ref, str) and ref.startswith(("http://", "https://")):
            file_id = f"{key}-{next(self._seq)}"
            self._files[file_id] = (ref.rsplit("/", 1)[-1], b"")
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        filename, content = self._files[file_id]
        return self._store(
            chat,
            method,
            params,
            "caption",
            plain=caption,
            document=content,
            filename=filename,
            file_id=file_id,
        )

    def _edit(self, params: JSON, text_key: str | None) -> JSON | bool:
        if params.get("inline_message_id"):
            return True  # inline messages are not tracked; Telegram answers True for them
        chat = self._chat(params.get("chat_id"))
        m = self._messages.get((chat.id, params.get("message_id", 0)))
        if m is None or m.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if text_key is None:  # editMessageReplyMarkup
            text, plain, parse_mode = m.text, m.plain, m.parse_mode
        elif m.method != "sendMessage":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        else:
            text, plain, parse_mode = (
                params.get(text_key),
                visible(params, text_key, 4096),
                params.get("parse_mode"),
            )
        markup = checked_markup(params)  # a keyboard not sent again is removed, as Telegram does
        if (text, markup) == (m.text, m.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        if text != m.text:
            m.history.append(m.text)
        m.text, m.plain, m.parse_mode, m.reply_markup = text, plain, parse_mode, markup
        m.edited, m.edit_date = True, int(time.time())
        return self._message_dict(m)

    # ---- Bot API methods: _m_<name>(params, files) ----------------------------------------

    def _m_getMe(self, p: JSON, f: Files) -> JSON:
        flags = {"can_read_all_group_messages": False, "supports_inline_queries": False}
        return {**self.bot_user.to_dict(), "can_join_groups": True, **flags}

    def _m_getUpdates(self, p: JSON, f: Files) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        # As with Telegram, a new request ends the waiting one (which gets 409). The reverse
        # would lock a restarted bot out until its cancelled predecessor's poll timed out.
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        if (allowed := p.get("allowed_updates")) is not None:
            self._allowed = set(allowed) or None  # kept for later calls, as Telegram does
        if (offset := p.get("offset")) is not None:
            keep = [q for q in self._queue if q.id >= offset or (q.redelivered and not q.delivered)]
            self._queue = self._queue[offset:] if offset < 0 else keep
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        self._polling += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, _CONFLICT)
                batch = self._take(limit)
                left = deadline - time.monotonic()
                if batch or left <= 0 or self._stopping.is_set():
                    return batch
                self._cond.wait(left)
        finally:
            self._polling -= 1

    def _take(self, limit: int) -> list[JSON]:
        batch: list[JSON] = []
        for q in list(self._queue):
            kind = next(k for k in q.update if k != "update_id")
            if kind not in self._allowed if self._allowed else kind in _OPT_IN_UPDATES:
                self._queue.remove(q)  # never delivered to a bot that did not ask for it
                continue
            # PTB confirms with the last id + 1, so a batch must be in ascending id order.
            if len(batch) >= limit or (batch and q.id <= batch[-1]["update_id"]):
                break
            q.delivered = True
            batch.append(q.update)
        return batch

    def _m_setWebhook(self, p: JSON, f: Files) -> bool:
        self._webhook_url = str(p["url"])
        self._webhook_secret = p.get("secret_token")
        if (allowed := p.get("allowed_updates")) is not None:
            self._allowed = set(allowed) or None
        if self.deliver_to_webhook and self._pusher is None:
            self._pusher = threading.Thread(target=self._push_updates, daemon=True)
            self._pusher.start()
        self._cond.notify_all()
        return True

    def _push_updates(self) -> None:
        """As Telegram does with a webhook: POST each queued update, in order, until it gets a 2xx
        (then it is gone), retrying otherwise. One at a time, with the secret header if set."""
        while not self._stopping.is_set():
            with self._cond:
                url, secret = self._webhook_url, self._webhook_secret
                batch = self._take(1) if url else []
                if not batch:
                    self._cond.wait(0.1)
                    continue
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            request = urllib.request.Request(url, json.dumps(batch[0]).encode(), headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    posted = 200 <= answer.status < 300
            except (OSError, ValueError):
                posted = False
            with self._cond:
                if posted:
                    self._queue = [q for q in self._queue if q.id != batch[0]["update_id"]]
                    self.webhook_posts += 1
                    self._cond.notify_all()
            if not posted:
                self._stopping.wait(0.2)

    def _m_deleteWebhook(self, p: JSON, f: Files) -> bool:
        self._webhook_url = ""
        if p.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _m_getWebhookInfo(self, p: JSON, f: Files) -> JSON:
        pending = len(self._queue)
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": pending}

    def _accept(self, p: JSON, f: Files) -> bool:
        return True

    _m_close = _m_logOut = _m_setChatMenuButton = _accept  # accepted, nothing to keep

    def _m_sendMessage(self, p: JSON, f: Files) -> JSON:
        chat = self._writable_chat(p)
        self._check_thread(chat, p)
        return self._store(chat, "sendMessage", p, "text", plain=visible(p, "text", 4096))

    def _m_sendPhoto(self, p: JSON, f: Files) -> JSON:
        return self._send_file("sendPhoto", "photo", p, f)

    def _m_sendDocument(self, p: JSON, f: Files) -> JSON:
        return self._send_file("sendDocument", "document", p, f)

    def _m_editMessageText(self, p: JSON, f: Files) -> JSON | bool:
        return self._edit(p, "text")

    def _m_editMessageReplyMarkup(self, p: JSON, f: Files) -> JSON | bool:
        return self._edit(p, None)

    def _m_deleteMessage(self, p: JSON, f: Files) -> bool:
        key = (self._chat(p.get("chat_id")).id, p["message_id"])
        m = self._messages.get(key)
        if m is not None and not m.deleted:
            m.deleted = True
        elif self._user_messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_answerCallbackQuery(self, p: JSON, f: Files) -> bool:
        query_id = str(p["callback_query_id"])
        if len(p.get("text") or "") > CALLBACK_ANSWER_MAX:  # the query stays open, as with Telegram
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        if query_id not in self._open_queries:  # unknown, or answered already
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.discard(query_id)
        self.callback_answers.append((query_id, p.get("text"), bool(p.get("show_alert", False))))
        return True

    def _m_setMyCommands(self, p: JSON, f: Files) -> bool:
        for c in p["commands"]:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"]) or not 1 <= len(c["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._commands_key(p)] = p["commands"]
        return True

    def _m_deleteMyCommands(self, p: JSON, f: Files) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _m_getMyCommands(self, p: JSON, f: Files) -> list[JSON]:
        return self.commands.get(self._commands_key(p), [])

    @staticmethod
    def _commands_key(p: JSON) -> tuple[str, str]:
        return json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True), p.get("language_code") or ""

    def _m_pinChatMessage(self, p: JSON, f: Files) -> bool:
        chat = self._pinnable_chat(p)
        key = (chat.id, p["message_id"])
        if key not in self._messages and key not in self._user_messages:
            raise ApiError(400, "Bad Request: message to pin not found")
        pins = self.pins.setdefault(chat.id, [])
        if key[1] in pins:
            pins.remove(key[1])
        pins.append(key[1])  # a chat keeps several pinned messages, as Telegram's do
        self.pinned[chat.id] = key[1]
        return True

    def _m_unpinChatMessage(self, p: JSON, f: Files) -> bool:
        chat = self._pinnable_chat(p)
        pins = self.pins.get(chat.id, [])
        message_id = p.get("message_id", pins[-1] if pins else None)
        if message_id not in pins:
            raise ApiError(400, "Bad Request: message to unpin not found")
        pins.remove(message_id)  # without an id, the most recent pin goes, as with Telegram
        if pins:
            self.pinned[chat.id] = pins[-1]
        else:
            del self.pinned[chat.id]
        return True

    def _m_unpinAllChatMessages(self, p: JSON, f: Files) -> bool:
        chat = self._pinnable_chat(p)
        self.pinned.pop(chat.id, None)
        self.pins.pop(chat.id, None)
        return True

    def _m_getChat(self, p: JSON, f: Files) -> JSON:
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **self._chat(p.get("chat_id")).to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _m_getChatMember(self, p: JSON, f: Files) -> JSON:
        return self._member(self._chat(p.get("chat_id")), p["user_id"])

    def _m_getChatAdministrators(self, p: JSON, f: Files) -> list[JSON]:
        chat = self._chat(p.get("chat_id"))
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        members = [self._member(chat, uid) for uid in [self.bot_user.id, *self._users]]
        return [m for m in members if m["status"] in ("creator", "administrator")]

    def _m_sendChatAction(self, p: JSON, f: Files) -> bool:
        self._writable_chat(p)
        return True
