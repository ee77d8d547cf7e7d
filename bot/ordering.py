"""Updates of different chats handled side by side, each chat's and each person's strictly in order.

PTB's `concurrent_updates(True)` runs everything at once, which breaks conversations kept per
person; one update at a time (the default) lets one slow chat stall every rep. This processor
keeps an order per chat and per person: an update waits for the earlier updates that share its
chat or its sender, and only then takes one of the bounded slots, so a busy chat queues behind
itself and never holds the slots the other chats need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB takes its own semaphore before `do_process_update` is called, that is before the update
# is ordered; it is kept out of the way and the slots below bound the work instead.
_PTB_SLOTS = 2**30
OrderKey = tuple[str, int]


def order_keys(update: object) -> list[OrderKey]:
    """What an update must stay in order with: its chat and its sender."""
    if not isinstance(update, Update):
        return []
    keys: list[OrderKey] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return keys


class ChatOrder(BaseUpdateProcessor):
    def __init__(self, slots: int = 16) -> None:
        super().__init__(max_concurrent_updates=_PTB_SLOTS)
        if slots < 1:
            raise ValueError("slots must be positive")
        self.slots = slots
        self._slots = asyncio.Semaphore(slots)
        # The last update registered per key; a newcomer waits for it to finish.
        self._tails: dict[OrderKey, asyncio.Future[None]] = {}
        self.running = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Registered before the first await: tasks start in the order updates arrived.
        before = {id(tail): tail for key in keys if (tail := self._tails.get(key)) is not None}
        for key in keys:
            self._tails[key] = done
        try:
            if before:
                # asyncio.wait, not await: a cancelled waiter must not cancel the earlier update.
                await asyncio.wait(before.values())
            async with self._slots:
                self.running += 1
                try:
                    await coroutine
                finally:
                    self.running -= 1
        finally:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never started (cancelled while waiting): no "never awaited"
            done.set_result(None)
            for key in keys:
                if self._tails.get(key) is done:
                    del self._tails[key]

    @property
    def idle(self) -> bool:
        """No update is being handled or waiting for its turn."""
        return not self._tails

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        # Let the updates in hand finish their turn; nothing new arrives once PTB shuts us down.
        pending = [tail for tail in self._tails.values() if not tail.done()]
        if pending:
            await asyncio.wait(pending)
