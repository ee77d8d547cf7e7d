"""Updates of many chats at once: the real bot against the Bot API test server with slow sends.

Every sendMessage is held open by the test server for `--latency` seconds (Telegram's answer
time over a real network), `--reps` reps each send `--messages` commands at the same moment,
and the benchmark measures how long until every answer arrived, and each update's own wait, for
each number of update slots (`--slots`; 1 is the old one-at-a-time bot).

    .venv/bin/python -m benchmarks.parallel --reps 50 --messages 2 --latency 0.2 --slots 1 4 16
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import bot.app
from benchmarks.common import sqlite_url
from storage.db import upgrade
from tests.support.botapi import BotApiServer
from tests.support.factories import make_member, make_team
from tests.support.harness import running_bot


async def run(slots: int, reps: int, messages: int, latency: float) -> tuple[float, list[float]]:
    bot.app.UPDATE_SLOTS = slots  # read by build_application
    with tempfile.TemporaryDirectory() as tmp, BotApiServer() as server:
        url = sqlite_url(Path(tmp) / "bench.db")
        await upgrade(url)
        async with running_bot(url, server=server) as h:
            await make_team(h.db)
            users = []
            for i in range(reps):
                await make_member(h.db, "North", 1000 + i, first_name=f"Rep{i}")
                users.append(server.user(1000 + i, f"Rep{i}", language_code="en"))
            server.fail("sendMessage", kind="hold", seconds=latency, times=None)
            sent_at: dict[int, float] = {}
            start = time.perf_counter()
            for _ in range(messages):
                for user in users:
                    server.send_message(user, "/help")
            for user in users:
                sent_at[user.id] = start
            waits: list[float] = []
            for user in users:
                await server.wait_for_messages(user.id, messages, timeout=600)
                waits.append(time.perf_counter() - sent_at[user.id])
            total = time.perf_counter() - start
            server.clear_faults()
    return total, waits


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2, help="commands each rep sends at once")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each sendMessage is held")
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    print(f"{args.reps} reps × {args.messages} commands, sendMessage held {args.latency:.2f} s")
    print(f"{'slots':>5}  {'all answered':>12}  {'rep waits p50':>13}  {'p95':>7}  {'updates/s':>9}")
    for slots in args.slots:
        total, waits = await run(slots, args.reps, args.messages, args.latency)
        p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) > 1 else waits[0]
        rate = args.reps * args.messages / total
        print(f"{slots:>5}  {total:>11.2f}s  {statistics.median(waits):>12.2f}s  {p95:>6.2f}s  {rate:>9.1f}")


if __name__ == "__main__":
    asyncio.run(main())
