"""The load driver's instruments: a Bot API test server that timestamps replies, and /proc readings.

`ProbeServer` is the project's test server with one addition: every reply the bot makes (a
message sent or edited, a callback answered) is stamped on arrival and wakes the driver's waiter
for that chat at once, so reply latency is measured to the millisecond rather than to the test
helpers' 20 ms poll. CPU and memory of a bot process are read from /proc (no psutil needed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.botapi import BotApiServer, SentMessage

# What counts as the bot answering someone.
REPLIES = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"})
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_TICK = os.sysconf("SC_CLK_TCK")
PUSH_CONNECTIONS = 8


class ProbeServer(BotApiServer):
    """The test server, stamping each reply per chat and each send with its time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._probe_lock = threading.Lock()
        self._query_chat: dict[str, int] = {}
        self._waiters: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self.send_times: list[float] = []  # perf_counter of every successful send (fan-out rates)
        self.replies = 0
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._in_flight: set[int] = set()

    def _push_updates(self) -> None:
        """Webhook posts over several connections at once, as Telegram does (up to the bot's
        max_connections): the base server's one-at-a-time poster would queue every rep behind the
        slowest answer and measure itself rather than the bot."""
        workers = [threading.Thread(target=self._push_worker, daemon=True) for _ in range(PUSH_CONNECTIONS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _push_worker(self) -> None:
        while not self._stopping.is_set():
            with self._cond:
                url, secret = self._webhook_url, self._webhook_secret
                queued = next((q for q in self._queue if q.id not in self._in_flight), None) if url else None
                if queued is None:
                    self._cond.wait(0.05)
                    continue
                self._in_flight.add(queued.id)
                queued.delivered = True
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            body = json.dumps(queued.update).encode()
            request = urllib.request.Request(url, body, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    posted = 200 <= answer.status < 300
            except (OSError, ValueError):
                posted = False
            with self._cond:
                self._in_flight.discard(queued.id)
                if posted:
                    self._queue = [q for q in self._queue if q.id != queued.id]
                    self.webhook_posts += 1
                    self._cond.notify_all()
            if not posted:
                self._stopping.wait(0.2)

    def _store(self, chat: Any, method: str, params: Any, text_key: str, **kw: Any) -> Any:
        answer = super()._store(chat, method, params, text_key, **kw)
        self._by_chat.setdefault(chat.id, []).append(self.sent[-1])
        return answer

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        # Indexed per chat: the base server scans every message sent, which a long run makes slow.
        with self._cond:
            return list(self._by_chat.get(chat_id, ()))

    def answered(self, query_id: str) -> bool:
        return query_id not in self._open_queries

    def press(self, user: Any, message: SentMessage | int, data: str, **kw: Any) -> int:
        update_id = super().press(user, message, data, **kw)
        query_id = self.updates[update_id]["callback_query"]["id"]
        with self._probe_lock:
            self._query_chat[query_id] = user.id
        return update_id

    def waiter(self, chat_id: int) -> asyncio.Event:
        event = asyncio.Event()
        with self._probe_lock:
            self._waiters[chat_id] = (asyncio.get_running_loop(), event)
        return event

    def handle_http(self, path: str, query: str, content_type: str, body: bytes) -> tuple[int, Any]:
        status, answer = super().handle_http(path, query, content_type, body)
        method = path.rsplit("/", 1)[-1]
        if status == 200 and method in SENDS:
            with self._probe_lock:
                self.send_times.append(time.perf_counter())
        if status == 200 and method in REPLIES:
            chat = self._reply_chat(method, body, content_type, query)
            with self._probe_lock:
                self.replies += 1
                waiting = self._waiters.get(chat) if chat is not None else None
            if waiting is not None:
                loop, event = waiting
                loop.call_soon_threadsafe(event.set)
        return status, answer

    def _reply_chat(self, method: str, body: bytes, content_type: str, query: str) -> int | None:
        from tests.support.botapi.model import parse_body

        try:
            params = parse_body(content_type, body)[0]
        except ValueError:
            return None
        if method == "answerCallbackQuery":
            with self._probe_lock:
                return self._query_chat.get(str(params.get("callback_query_id")))
        chat = params.get("chat_id")
        return int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit() else None


@dataclass
class Step:
    """One update a rep sends, and how the driver knows the bot has finished with it."""

    latency: float  # push -> first reply in that chat
    done: float  # push -> the state the next step needs


async def act(
    server: ProbeServer,
    chat_id: int,
    push: Callable[[], object],
    ready: Callable[[], Any],
    timeout: float = 60.0,  # noqa: ASYNC109 - a give-up deadline for a stuck bot, not a cancel scope
) -> tuple[Step, Any]:
    """Push one update, time the first reply in `chat_id`, then wait until `ready()` is truthy."""
    event = server.waiter(chat_id)
    started = time.perf_counter()
    push()
    first: float | None = None
    deadline = started + timeout
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"chat {chat_id}: no finished reply within {timeout} s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=min(remaining, 0.5))
        if event.is_set() and first is None:
            first = time.perf_counter()
        event.clear()
        with server._cond:
            result = ready()
        if result and first is not None:
            return Step(first - started, time.perf_counter() - started), result


def spawn(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """A bot process, its stderr to `log` (a plain function: async code must not block on it)."""
    with log.open("wb") as err:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)


def tail(log: Path, chars: int = 3000) -> str:
    """The end of a bot's log without the scheduler's chatter, for an error message."""
    lines = [line for line in log.read_text().splitlines() if "apscheduler" not in line]
    return "\n".join(lines)[-chars:]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))
    return ordered[index]
