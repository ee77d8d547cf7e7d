"""The one sender's pace: messages spaced against Telegram's limits, a 429 held to its own chat.

Telegram allows about 30 messages a second overall, 20 a minute in one group and about one a
second in one private chat with short bursts; past them it answers 429 with `retry_after`.
PTB's `AIORateLimiter` paces overall and per group, but on a 429 it makes every chat wait and
sleeps in the caller. This pacer instead:

- waits for a chat's own turn first (each chat in order, on sliding windows kept a little under
  Telegram's), and only then for the overall turn, so a chat that must wait a minute never holds
  back the others;
- never retries and never sleeps on a 429: it remembers until when that chat is blocked, raises
  at once for that chat's calls until then, and lets the caller queue the message in the outbox
  with a not-before time (`bot.scheduler.delivery`, `handlers.common.reply`).

Calls that send nothing to a chat (getUpdates, answerCallbackQuery, getMe...) pass unpaced.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

# The methods that put something into a chat, which is what Telegram's limits count.
# A pin is paced in its chat (in a group it posts a service message) but is not one of the
# ~30 messages a second: the daily post's pin would otherwise halve the groups reached a second.
NOT_OVERALL = frozenset({"pinChatMessage"})
PACED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "pinChatMessage",
    }
)


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds`."""

    limit: int
    seconds: float


# Kept under Telegram's own figures: arrival times jitter, and Telegram's counting is not ours.
# Overall 25 in any second (0.83 of Telegram's 30/s): 29 drew 429s from arrival jitter on a busy
# machine (a nudge to 300 reps, docs/performance.md); booked turns leave late under load.
OVERALL = (Window(25, 1.0),)
GROUP = (Window(3, 1.0), Window(18, 60.0))
PRIVATE = (Window(5, 1.0), Window(40, 30.0))


class Lane:
    """The send times of one key (a chat, or everything), oldest first, reservations included."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        self.times: deque[float] = deque()

    def next_turn(self, now: float) -> float:
        """The earliest moment from `now` at which one more send keeps every window."""
        turn = max(now, self.times[-1]) if self.times else now
        for window in self.windows:
            if len(self.times) >= window.limit:
                turn = max(turn, self.times[-window.limit] + window.seconds)
        return turn

    def reserve(self, now: float) -> float:
        turn = self.next_turn(now)
        self.times.append(turn)
        horizon = max(window.seconds for window in self.windows)
        longest = max(window.limit for window in self.windows)
        while len(self.times) > longest and self.times[0] < turn - horizon:
            self.times.popleft()
        return turn


def retry_delay(exc: RetryAfter) -> timedelta:
    """How long Telegram told us to wait (PTB gives seconds or a timedelta)."""
    wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


def chat_key(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    return chat_id if isinstance(chat_id, int | str) else None


class Pacer(BaseRateLimiter[int]):
    def __init__(
        self,
        *,
        overall: tuple[Window, ...] = OVERALL,
        group: tuple[Window, ...] = GROUP,
        private: tuple[Window, ...] = PRIVATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self.group_windows = group
        self.private_windows = private
        self.clock = clock
        self.sleep = sleep
        self._overall = Lane(overall)
        self._chats: dict[int | str, Lane] = {}
        self._blocked: dict[int | str, float] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def blocked_for(self, chat_id: int | str) -> float:
        """Seconds this chat must still wait after a 429 (0 when it may be sent to)."""
        until = self._blocked.get(chat_id)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._blocked[chat_id]
            return 0.0
        return left

    def _lane(self, chat_id: int | str) -> Lane:
        lane = self._chats.get(chat_id)
        if lane is None:
            # Groups and channels have negative ids (or an @username); people positive ones.
            private = isinstance(chat_id, int) and chat_id > 0
            lane = self._chats[chat_id] = Lane(self.private_windows if private else self.group_windows)
        return lane

    async def _wait_until(self, turn: float) -> None:
        delay = turn - self.clock()
        if delay > 0:
            await self.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = chat_key(data)
        if endpoint not in PACED or chat_id is None:
            return await callback(*args, **kwargs)
        left = self.blocked_for(chat_id)
        if left:
            # Telegram told this chat to wait: asking again now would only prolong the wait.
            raise RetryAfter(timedelta(seconds=max(1, round(left + 0.5))))
        # The chat's turn first, then the overall one: a waiting chat holds up nobody else.
        await self._wait_until(self._lane(chat_id).reserve(self.clock()))
        if endpoint not in NOT_OVERALL:
            await self._wait_until(self._overall.reserve(self.clock()))
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self._blocked[chat_id] = self.clock() + retry_delay(exc).total_seconds()
            raise
