"""The sender's pace: Telegram's limits kept per chat and overall, and a 429 held to its own chat."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from itertools import cycle, pairwise, repeat
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.pacing import GROUP, OVERALL, PRIVATE, SLOW_FOR, SLOWED, Lane, Pacer, Window


def most_in_any(times: list[float], seconds: float) -> int:
    """The largest number of sends in any half-open span of `seconds`."""
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


@pytest.mark.parametrize("windows", [OVERALL, GROUP, PRIVATE], ids=["overall", "group", "private"])
def test_a_lane_never_exceeds_any_of_its_windows(windows: tuple[Window, ...]) -> None:
    lane = Lane(windows)
    times = [lane.reserve(0.0) for _ in range(120)]
    assert times == sorted(times)
    for window in windows:
        assert most_in_any(times, window.seconds) <= window.limit
    # A short burst goes at once.
    assert times[: min(w.limit for w in windows)] == [0.0] * min(w.limit for w in windows)


def test_telegram_figures_are_kept_with_a_margin() -> None:
    """About 30/s overall, 20/min in a group, about 1/s in a private chat with short bursts."""
    overall, group, private = Lane(OVERALL), Lane(GROUP), Lane(PRIVATE)
    assert most_in_any([overall.reserve(0.0) for _ in range(100)], 1.0) < 30
    assert most_in_any([group.reserve(0.0) for _ in range(60)], 60.0) < 20
    private_times = [private.reserve(0.0) for _ in range(90)]
    assert most_in_any(private_times, 30.0) <= 40 and most_in_any(private_times, 1.0) <= 5


class VirtualTime:
    """A clock that moves only when every task waits on it; sleeps end in the order they are due.

    `late` is how much later than asked each successive sleep wakes (a busy event loop), so the
    pace is proven against departures that do not keep their turn.
    """

    def __init__(self, late: Iterator[float] | None = None) -> None:
        self.now = 1000.0
        self.late = late if late is not None else repeat(0.0)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wake = self.now + seconds + next(self.late)
        heapq.heappush(self._sleepers, (wake, len(self._sleepers) + id(woken), woken))
        await woken

    async def run(self, *work: Coroutine[Any, Any, Any]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(task.done() for task in tasks):
            for _ in range(20):  # every runnable task on to its next wait
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            assert self._sleepers, "a task waits for something other than the clock"
            wake, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            woken.set_result(None)
        for task in tasks:
            task.result()


def paced(time: VirtualTime) -> Pacer:
    return Pacer(clock=time, sleep=time.sleep)


async def call(
    pacer: Pacer, chat_id: int, sent: list[tuple[int, float]] | None = None, endpoint: str = "sendMessage"
) -> Any:
    """One send through the pacer; `sent` gets (chat, the clock when it left)."""

    async def callback() -> bool:
        if sent is not None:
            sent.append((chat_id, pacer.clock()))
        return True

    return await pacer.process_request(callback, (), {}, endpoint, {"chat_id": chat_id}, None)


async def one_by_one(pacer: Pacer, chats: range, sent: list[tuple[int, float]]) -> None:
    """As the outbox delivers: one send after the other."""
    for chat_id in chats:
        await call(pacer, chat_id, sent)


def departures(sent: list[tuple[int, float]]) -> list[float]:
    return [at for _, at in sent]


def keeps_telegrams_second(times: list[float]) -> bool:
    """No 30 sends within one second, with 25 ms to spare for the way to Telegram."""
    return all(later - earlier >= 1.025 - 1e-9 for earlier, later in zip(times, times[30:], strict=False))


async def test_the_overall_pace_is_29_a_second_evenly_spaced_and_never_30_in_any_second() -> None:
    time = VirtualTime()
    pacer = paced(time)
    sent: list[tuple[int, float]] = []
    # 300 private chats at once, as handlers answering side by side do.
    await time.run(*(call(pacer, 1 + c, sent) for c in range(300)))
    times = departures(sent)
    assert len(times) == 300 and times == sorted(times)
    assert most_in_any(times, 1.0) == 29
    assert min(b - a for a, b in pairwise(times)) >= 0.025 - 1e-9
    assert keeps_telegrams_second(times)
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.95 * 30


async def test_a_send_that_leaves_late_is_counted_from_when_it_left_not_from_its_turn() -> None:
    # Every third wait wakes 300 ms late (a busy event loop), while 300 chats are answered side
    # by side: a turn booked ahead and left late would crowd the sends booked after it.
    time = VirtualTime(late=cycle([0.3, 0.0, 0.0]))
    pacer = paced(time)
    sent: list[tuple[int, float]] = []
    await time.run(*(call(pacer, 1 + c, sent) for c in range(300)))
    times = departures(sent)
    assert len(times) == 300 and times == sorted(times)
    assert most_in_any(times, 1.0) <= 29
    assert keeps_telegrams_second(times)


async def test_after_any_429_the_overall_pace_slows_for_a_few_seconds_then_comes_back() -> None:
    time = VirtualTime()
    pacer = paced(time)

    async def flooded() -> bool:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await pacer.process_request(flooded, (), {}, "sendMessage", {"chat_id": 7}, None)
    flooded_at = time.now
    sent: list[tuple[int, float]] = []
    await time.run(one_by_one(pacer, range(100, 500), sent))
    slowed = [at for at in departures(sent) if at < flooded_at + SLOW_FOR]
    after = [at for at in departures(sent) if at >= flooded_at + SLOW_FOR]
    assert most_in_any(slowed, 1.0) <= SLOWED[0].limit < OVERALL[0].limit
    assert len(slowed) >= (SLOW_FOR - 1) * SLOWED[0].limit  # slower, not stopped
    assert most_in_any(after, 1.0) == OVERALL[0].limit
    assert not pacer.slowed_now()


async def test_a_group_waiting_for_its_turn_holds_up_no_other_chat() -> None:
    time = VirtualTime()
    pacer = paced(time)
    group: list[tuple[int, float]] = []
    others: list[tuple[int, float]] = []
    asked = time.now
    # The group's 4th within a second waits for its own window; the others go meanwhile.
    await time.run(
        *(call(pacer, -100, group) for _ in range(4)), call(pacer, 7, others), call(pacer, -200, others)
    )
    assert [at for _, at in group][3] >= asked + 1.0
    assert sorted(chat for chat, _ in others) == [-200, 7]
    assert all(at < asked + 0.5 for _, at in others)


async def test_after_a_429_only_that_chat_is_refused_until_its_time_and_telegram_is_not_asked() -> None:
    time = VirtualTime()
    pacer = paced(time)
    sent: list[tuple[int, float]] = []

    async def flooded() -> bool:
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await pacer.process_request(flooded, (), {}, "sendMessage", {"chat_id": 7}, None)
    with pytest.raises(RetryAfter) as refused:
        await call(pacer, 7, sent)
    wait = refused.value.retry_after
    assert 1 <= (wait.total_seconds() if isinstance(wait, timedelta) else wait) <= 6
    await time.run(call(pacer, 8, sent))
    assert [chat for chat, _ in sent] == [8]
    time.now += 5.5
    await time.run(call(pacer, 7, sent))
    assert [chat for chat, _ in sent] == [8, 7]


async def test_calls_that_send_nothing_to_a_chat_are_not_paced() -> None:
    time = VirtualTime()

    async def never(seconds: float) -> None:
        raise AssertionError("an unpaced call waited")

    pacer = Pacer(clock=time, sleep=never)
    sent: list[tuple[int, float]] = []
    for _ in range(50):
        await call(pacer, 7, sent, endpoint="answerCallbackQuery")
    assert len(sent) == 50
