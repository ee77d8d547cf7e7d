"""Fan-out under Telegram's limits: a reminder to every rep and the daily post to every linked group.

The real Application (polling, its Pacer) and the real scheduler tick against the Bot API test
server enforcing Telegram's limits as Telegram does (about 30 messages a second overall, 20 a
minute per group, about one a second per private chat with short bursts; a 429 with
`retry_after` past them). `groups` teams each have a linked group; `reps` reps are spread over
them. A tick at the nudge time (Monday 17:00 in Warsaw) reminds every rep; a tick at the post
time (18:00) posts the daily ranking to every group. The figures: messages a second achieved
(first to last send) over 30, the 429s drawn, and the recipients who got nothing (lost) or more
than one (doubled). Messages still waiting in the outbox after a 429 are sent by further ticks
until none waits, so a deferral counts as a delay, never as a loss.

    python -m benchmarks.fanout --groups 1000 --reps 5000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import sqlite_url
from benchmarks.probe import ProbeServer
from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from storage.db import upgrade
from storage.models import Base, Outbox, OutboxStatus, Role
from tests.support.clock import FakeClock
from tests.support.harness import running_bot

NUDGE = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # Monday 17:00 in Warsaw
POST = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 18:00
FIRST_REP = 3_000_000
TELEGRAM_RATE = 30.0
TEAMS = Base.metadata.tables["teams"]
PEOPLE = Base.metadata.tables["people"]
MEMBERS = Base.metadata.tables["members"]


def group_id(t: int) -> int:
    return -1_000_000_000 - t


async def seed(url: str, groups: int, reps: int) -> list[int]:
    """`groups` teams with a linked group each and `reps` reps round-robin over them."""
    await upgrade(url)
    engine = create_async_engine(url)
    at = NUDGE - timedelta(days=60)
    people = [FIRST_REP + i for i in range(reps)]
    try:
        async with engine.begin() as conn:
            base = {"timezone": "Europe/Warsaw", "locale": "en", "currency": "PLN", "created_at": at}
            await conn.execute(
                insert(TEAMS),
                [{"name": f"Team {t:04d}", "group_chat_id": group_id(t), **base} for t in range(groups)],
            )
            ids = [row[0] for row in await conn.execute(select(TEAMS.c.id).order_by(TEAMS.c.id))]
            for start in range(0, reps, 5_000):
                chunk = people[start : start + 5_000]
                await conn.execute(
                    insert(PEOPLE),
                    [
                        {
                            "id": p,
                            "first_name": f"Rep{p}",
                            "language_code": "en",
                            "created_at": at,
                            "updated_at": at,
                        }
                        for p in chunk
                    ],
                )
                await conn.execute(
                    insert(MEMBERS),
                    [
                        {
                            "team_id": ids[(p - FIRST_REP) % groups],
                            "person_id": p,
                            "role": Role.REP,
                            "joined_at": at,
                        }
                        for p in chunk
                    ],
                )
    finally:
        await engine.dispose()
    return people


def rate_of(times: list[float]) -> tuple[float, float]:
    """(messages a second from the first to the last send, the seconds it took)."""
    if len(times) < 2:
        return 0.0, 0.0
    seconds = times[-1] - times[0]
    return (len(times) - 1) / seconds if seconds else 0.0, seconds


async def one(groups: int, reps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, ProbeServer() as server:
        url = sqlite_url(Path(tmp) / "fanout.db")
        people = await seed(url, groups, reps)
        for p in people:
            server.user(p, f"Rep{p}", language_code="en")
        for t in range(groups):
            server.group(group_id(t), f"Group {t}")
        async with running_bot(url, FakeClock(NUDGE - timedelta(hours=1)), server) as h:
            server.enforce_rate_limits = True
            parts: dict[str, dict[str, Any]] = {}
            for name, at in (("reminder", NUDGE), ("daily_post", POST)):
                first = len(server.send_times)
                limited = len(server.rate_limited)
                started = time.perf_counter()
                h.clock.now = at
                await tick(Deliverer(h.deps, h.app.bot))
                extra_ticks = 0
                while await _waiting(h) and extra_ticks < 120:  # deferred by a 429: later ticks send them
                    await asyncio.sleep(1)
                    h.clock.now += timedelta(seconds=30)
                    extra_ticks += 1
                    await tick(Deliverer(h.deps, h.app.bot))
                rate, seconds = rate_of(server.send_times[first:])
                parts[name] = {
                    "messages": len(server.send_times) - first,
                    "seconds": round(seconds, 2),
                    "tick_seconds": round(time.perf_counter() - started, 2),
                    "msgs_per_s": round(rate, 2),
                    "ratio_of_30": round(rate / TELEGRAM_RATE, 3),
                    "http_429": len(server.rate_limited) - limited,
                    "extra_ticks": extra_ticks,
                }
            nudges = [sum("👋" in m.shown for m in server.messages_to(p)) for p in people]
            posts = [sum("📊" in m.shown for m in server.messages_to(group_id(t))) for t in range(groups)]
    counts = nudges + posts
    messages = sum(p["messages"] for p in parts.values())
    seconds = sum(p["seconds"] for p in parts.values())
    rate = (messages - len(parts)) / seconds if seconds else 0.0
    return {
        "groups": groups,
        "reps": reps,
        "parts": parts,
        "messages": messages,
        "msgs_per_s": round(rate, 2),
        "ratio_of_30": round(rate / TELEGRAM_RATE, 3),
        "http_429": sum(p["http_429"] for p in parts.values()),
        "lost": sum(1 for c in counts if c == 0),
        "doubled": sum(1 for c in counts if c > 1),
    }


async def _waiting(h: Any) -> int:
    async with h.db.read() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.PENDING)
            )
            or 0
        )


async def run_all(groups: int, reps: int, rounds: int = 1) -> dict[str, Any]:
    runs = [await one(groups, reps) for _ in range(rounds)]
    result = dict(runs[-1])
    result["repeat_ratio_of_30"] = [r["ratio_of_30"] for r in runs]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout", description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_all(args.groups, args.reps, args.rounds)), indent=1))


if __name__ == "__main__":
    main()


async def pacer_only(chats: int, slots: int = 8) -> dict[str, Any]:
    """The Pacer alone: PTB's Bot with it sends one message to each of `chats` private chats,
    `slots` at once, through the test server enforcing Telegram's limits (no database, no tick)."""
    from telegram.error import RetryAfter
    from telegram.ext import ExtBot

    from bot.pacing import Pacer

    with ProbeServer() as server:
        server.enforce_rate_limits = True
        for c in range(chats):
            server.user(FIRST_REP + c, f"Rep{c}", language_code="en")
        bot = ExtBot(server.token, base_url=server.base_url, rate_limiter=Pacer())
        queue = list(range(chats))
        async with bot:

            async def worker() -> None:
                while queue:
                    # A 429 is counted by the server; the message is not sent again (the outbox
                    # would, later): the figure is how often the pace meets Telegram's refusal.
                    with contextlib.suppress(RetryAfter):
                        await bot.send_message(chat_id=FIRST_REP + queue.pop(0), text="👋")

            await asyncio.gather(*(worker() for _ in range(slots)))
        rate, seconds = rate_of(server.send_times)
        return {
            "messages": len(server.send_times),
            "seconds": round(seconds, 2),
            "msgs_per_s": round(rate, 2),
            "ratio_of_30": round(rate / TELEGRAM_RATE, 3),
            "http_429": len(server.rate_limited),
        }
