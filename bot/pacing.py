"""The one sender's pace: messages spaced against Telegram's limits, a 429 held to its own chat.

Telegram allows about 30 messages a second overall, 20 a minute in one group and about one a
second in one private chat with short bursts; past them it answers 429 with `retry_after`.
PTB's `AIORateLimiter` paces overall and per group, but on a 429 it makes every chat wait and
sleeps in the caller. This pacer instead:

- waits for a chat's own turn first (each chat in order, on sliding windows kept a little under
  Telegram's), and only then for the overall turn, so a chat that must wait a minute never holds
  back the others;
- counts a send in the overall lane when it really leaves, not when its turn was booked: a send
  that wakes late (a busy event loop) would otherwise arrive closer to the sends after it than
  the windows allow, and Telegram counts arrivals;
- after any 429 slows the overall pace for a few seconds: Telegram does not say which of its
  limits was met, and a second 429 costs far more than a few slower seconds;
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
# Overall 29 in any second, and never two sends closer than 25 ms: counted on real departures,
# the 30th send after any send then leaves at least 1.025 s after it, so 25 ms of jitter between
# two arrivals cannot put 30 into one of Telegram's seconds. (25 in any second, booked ahead,
# was the old pace: 29 booked ahead drew 429s when a booked turn left late, docs/performance.md.)
# The 25 ms still lets the sender catch up at 40/s for a moment after a slow message.
OVERALL = (Window(29, 1.0), Window(1, 0.025))
# After a 429, for SLOW_FOR seconds: about two thirds of the pace, evenly spaced.
SLOWED = (Window(20, 1.0), Window(1, 0.05))
SLOW_FOR = 5.0
GROUP = (Window(3, 1.0), Window(18, 60.0))
PRIVATE = (Window(5, 1.0), Window(40, 30.0))


class Lane:
    """The send times of one key (a chat, or everything), oldest first, reservations included."""

    def __init__(self, windows: tuple[Window, ...], *more: tuple[Window, ...]) -> None:
        """`more`: other sets of windows `next_turn` may be asked about (kept long enough for)."""
        self.windows = windows
        self.times: deque[float] = deque()
        every = [w for ws in (windows, *more) for w in ws]
        self._horizon = max(window.seconds for window in every)
        self._longest = max(window.limit for window in every)

    def next_turn(self, now: float, windows: tuple[Window, ...] | None = None) -> float:
        """The earliest moment from `now` at which one more send keeps every window."""
        turn = max(now, self.times[-1]) if self.times else now
        for window in windows or self.windows:
            if len(self.times) >= window.limit:
                turn = max(turn, self.times[-window.limit] + window.seconds)
        return turn

    def reserve(self, now: float) -> float:
        """Book the next turn from `now` (counted from the booking on)."""
        turn = self.next_turn(now)
        self.record(turn)
        return turn

    def record(self, at: float) -> None:
        """A send at `at` (no earlier than the last one recorded)."""
        self.times.append(at)
        while len(self.times) > self._longest and self.times[0] < at - self._horizon:
            self.times.popleft()


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
        slowed: tuple[Window, ...] = SLOWED,
        slow_for: float = SLOW_FOR,
        group: tuple[Window, ...] = GROUP,
        private: tuple[Window, ...] = PRIVATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self.group_windows = group
        self.private_windows = private
        self.clock = clock
        self.sleep = sleep
        self.slowed = slowed
        self.slow_for = slow_for
        self._overall = Lane(overall, slowed)
        # One sender at a time waits for the overall turn, so each is counted from the real
        # departure of the one before it (and sends leave in the order they asked).
        self._overall_lock = asyncio.Lock()
        self._slowed_until = float("-inf")
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

    def slowed_now(self) -> bool:
        """Whether a recent 429 keeps the overall pace slowed."""
        return self.clock() < self._slowed_until

    async def _overall_turn(self) -> None:
        """Wait for the overall turn and count the send at the moment it leaves."""
        async with self._overall_lock:
            while True:
                now = self.clock()
                turn = self._overall.next_turn(now, self.slowed if self.slowed_now() else None)
                if turn <= now:
                    break
                # Woken late, or slowed meanwhile: the windows are asked again, from real times.
                await self.sleep(turn - now)
            self._overall.record(now)

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
            await self._overall_turn()
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            now = self.clock()
            self._blocked[chat_id] = now + retry_delay(exc).total_seconds()
            # Held to its chat all the same (nobody sleeps on it); the others only go slower.
            self._slowed_until = max(self._slowed_until, now + self.slow_for)
            raise
