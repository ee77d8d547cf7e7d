"""The sender's pace: Telegram's limits kept per chat and overall, and a 429 held to its own chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.pacing import GROUP, OVERALL, PRIVATE, Lane, Pacer, Window


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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def call(pacer: Pacer, chat_id: int, sent: list[int], endpoint: str = "sendMessage") -> Any:
    async def callback() -> bool:
        sent.append(chat_id)
        return True

    return await pacer.process_request(callback, (), {}, endpoint, {"chat_id": chat_id}, None)


async def test_a_group_waiting_for_its_turn_holds_up_no_other_chat() -> None:
    clock = Clock()
    held = asyncio.Event()

    async def sleep(seconds: float) -> None:
        await held.wait()  # time stands still: anything that has to wait, waits

    pacer = Pacer(clock=clock, sleep=sleep)
    sent: list[int] = []
    for _ in range(3):
        await call(pacer, -100, sent)
    waiting = asyncio.create_task(call(pacer, -100, sent))  # the group's 4th within a second
    await asyncio.sleep(0)
    await call(pacer, 7, sent)  # a private chat goes at once
    await call(pacer, -200, sent)  # and so does another group
    assert sent == [-100, -100, -100, 7, -200] and not waiting.done()
    held.set()
    await waiting
    assert sent[-1] == -100


async def test_after_a_429_only_that_chat_is_refused_until_its_time_and_telegram_is_not_asked() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock)
    sent: list[int] = []

    async def flooded() -> bool:
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await pacer.process_request(flooded, (), {}, "sendMessage", {"chat_id": 7}, None)
    with pytest.raises(RetryAfter) as refused:
        await call(pacer, 7, sent)
    wait = refused.value.retry_after
    assert 1 <= (wait.total_seconds() if isinstance(wait, timedelta) else wait) <= 6
    await call(pacer, 8, sent)
    assert sent == [8]
    clock.now += 5.5
    await call(pacer, 7, sent)
    assert sent == [8, 7]


async def test_calls_that_send_nothing_to_a_chat_are_not_paced() -> None:
    clock = Clock()

    async def never(seconds: float) -> None:
        raise AssertionError("an unpaced call waited")

    pacer = Pacer(clock=clock, sleep=never)
    sent: list[int] = []
    for _ in range(50):
        await call(pacer, 7, sent, endpoint="answerCallbackQuery")
    assert len(sent) == 50
