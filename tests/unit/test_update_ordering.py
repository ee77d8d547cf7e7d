"""Updates of different chats run side by side; one chat's, and one person's, stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update

from bot.ordering import ChatOrder


def _update(update_id: int, chat_id: int, user_id: int) -> Update:
    chat_type = "private" if chat_id == user_id else "supergroup"
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": chat_type},
                "from": {"id": user_id, "is_bot": False, "first_name": "Rep"},
                "text": "hello",
            },
        },
        None,
    )


async def _settle() -> None:
    # Let every ready task run until all of them wait on something.
    for _ in range(20):
        await asyncio.sleep(0)


class Recorder:
    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.gates: dict[int, asyncio.Event] = {}

    def work(self, update_id: int, *, hold: bool = False) -> Awaitable[None]:
        gate = self.gates.setdefault(update_id, asyncio.Event())
        if not hold:
            gate.set()

        async def run() -> None:
            self.started.append(update_id)
            await gate.wait()
            self.finished.append(update_id)

        return run()


async def test_a_held_chat_does_not_hold_up_another_chat() -> None:
    order, rec = ChatOrder(slots=4), Recorder()
    held = asyncio.create_task(order.process_update(_update(1, 100, 10), rec.work(1, hold=True)))
    other = asyncio.create_task(order.process_update(_update(2, 200, 20), rec.work(2)))
    await _settle()
    assert rec.finished == [2] and rec.started == [1, 2]
    rec.gates[1].set()
    await asyncio.gather(held, other)
    assert rec.finished == [2, 1]


async def test_updates_of_one_chat_run_one_after_another_in_arrival_order() -> None:
    order, rec = ChatOrder(slots=4), Recorder()
    tasks = [asyncio.create_task(order.process_update(_update(1, 100, 10), rec.work(1, hold=True)))]
    tasks += [
        asyncio.create_task(order.process_update(_update(i, 100, 10 + i), rec.work(i))) for i in (2, 3, 4)
    ]
    await _settle()
    assert rec.started == [1] and rec.finished == []
    rec.gates[1].set()
    await asyncio.gather(*tasks)
    assert rec.finished == [1, 2, 3, 4]


async def test_one_person_writing_in_two_chats_stays_in_order() -> None:
    order, rec = ChatOrder(slots=4), Recorder()
    first = asyncio.create_task(order.process_update(_update(1, 100, 10), rec.work(1, hold=True)))
    second = asyncio.create_task(order.process_update(_update(2, 10, 10), rec.work(2)))
    await _settle()
    assert rec.started == [1]
    rec.gates[1].set()
    await asyncio.gather(first, second)
    assert rec.finished == [1, 2]


async def test_a_busy_chat_waits_behind_itself_and_leaves_the_slots_to_others() -> None:
    order, rec = ChatOrder(slots=2), Recorder()
    busy = [
        asyncio.create_task(order.process_update(_update(i, 100, 10), rec.work(i, hold=i == 1)))
        for i in range(1, 6)
    ]
    other = asyncio.create_task(order.process_update(_update(9, 200, 20), rec.work(9)))
    await _settle()
    # Four updates of the busy chat are queued, yet the other chat's update took a slot and ran.
    assert rec.finished == [9] and order.running == 1
    rec.gates[1].set()
    await asyncio.gather(*busy, other)
    assert rec.finished == [9, 1, 2, 3, 4, 5]


async def test_no_more_updates_run_at_once_than_there_are_slots() -> None:
    order, rec = ChatOrder(slots=2), Recorder()
    tasks = [
        asyncio.create_task(order.process_update(_update(i, 100 + i, 10 + i), rec.work(i, hold=True)))
        for i in range(1, 5)
    ]
    await _settle()
    assert order.running == 2 and rec.started == [1, 2]
    for i in range(1, 5):
        rec.gates[i].set()
    await asyncio.gather(*tasks)
    assert sorted(rec.finished) == [1, 2, 3, 4] and order.running == 0
