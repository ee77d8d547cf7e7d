"""Work a handler hands off to run beside it: the delivery of notices to many people.

An invitation to 300 attendees takes about 12 s at Telegram's pace; the coordinator's button
must be answered long before that. The notices are claimed and queued in the outbox first, so
what runs here is only their sending: a process stopped meanwhile waits for it, and one killed
leaves the rows in the outbox for the scheduler's next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """The tasks handed off and not yet done; `wait` returns when there are none."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # a task only the loop refers to may be collected mid-run
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background delivery failed", exc_info=task.exception())

    @property
    def idle(self) -> bool:
        return not self._tasks

    async def wait(self) -> None:
        """Until every task handed off so far, and any they hand off, has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
