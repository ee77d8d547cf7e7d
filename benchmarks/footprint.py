"""Footprint: peak RSS of `salesbot run` serving a large database, and its time to the first update.

Seeds a SQLite database as section 3 does (`benchmarks.history`: teams of 10 reps and a team of
50, `sales` over a year) up to `reps` reps and `sales` sales, queues a rep's `/help` on the test
server, starts `salesbot run` and times from the start of the process to that update's answer.
Then a rep of the big team asks `/me`, `/leaderboard` day, week and month and reports a sale,
and the process's high-water resident set (VmHWM) is read. Started four times: the median, and each
half's median (`repeat`).

    python -m benchmarks.footprint --sales 1000000 --reps 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks import history
from benchmarks.common import sqlite_url
from benchmarks.probe import ProbeServer, act, peak_rss_mb, spawn, tail
from benchmarks.updates import salesbot_env
from storage.db import Database, upgrade
from storage.models import Member, Sale, Team
from tests.support.cli import SALESBOT

START_TIMEOUT = 60.0


async def start_once(url: str, tmp: Path, first_update_id: int) -> dict[str, Any]:
    with ProbeServer() as server:
        # Update ids go on from the last start's, as Telegram's do: the inbox remembers ids it handled.
        server._next_update_id = first_update_id
        rep = server.user(history.FIRST_PERSON + 1, "Rep 0001-01", language_code="en")
        log = tmp / f"footprint-{time.monotonic_ns()}.log"
        server.send_message(rep, "/help")  # waiting before the process starts, as after a restart
        event = server.waiter(rep.id)
        started = time.perf_counter()
        proc = spawn([SALESBOT, "run"], salesbot_env(server, url, None), tmp, log)
        try:
            try:
                await asyncio.wait_for(event.wait(), START_TIMEOUT)
            except TimeoutError:
                raise RuntimeError(f"no answer to /help: {tail(log)}") from None
            first = time.perf_counter() - started
            after_start = peak_rss_mb(proc.pid)
            for text in (
                "/me",
                "/leaderboard",
                "/leaderboard week",
                "/leaderboard month",
                "/report 100 Acme",
            ):
                before = len(server.messages_to(rep.id))
                await act(
                    server,
                    rep.id,
                    lambda t=text: server.send_message(rep, t),
                    lambda b=before: len(server.messages_to(rep.id)) > b,
                )
            await asyncio.sleep(0.5)
            return {
                "first_update_s": round(first, 3),
                "rss_after_first_update_mb": round(after_start, 1),
                "peak_rss_mb": round(peak_rss_mb(proc.pid), 1),
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def run_all(sales: int, reps: int, rounds: int = 4, seeded: Path | None = None) -> dict[str, Any]:
    """`seeded`: section 3's SQLite database at the same size (seeded as this would be), reused."""
    n_teams = max(1, 1 + (reps - history.TEAM_REPS) // history.OTHER_REPS)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        if seeded is not None:
            url = sqlite_url(seeded)
        else:
            url = sqlite_url(tmp / "footprint.db")
            await upgrade(url)
            _team, people = await history.seed_people(url, n_teams)
            await history.Seeder(url, "sqlite", people).to(sales)
        seed_seconds = time.perf_counter() - started
        runs = [await start_once(url, tmp, 1 + 10_000 * r) for r in range(rounds)]
        counts = await _counts(url)
    # The first start after the database was written meets a cold page cache (its time is kept
    # apart); the figure is the median of all starts, reported twice: each half's median.
    half = max(1, rounds // 2)
    return {
        "sales": counts[0],
        "reps": counts[1],
        "teams": counts[2],
        "seed_seconds": round(seed_seconds, 1),
        "first_update_s": _median([r["first_update_s"] for r in runs]),
        "cold_first_update_s": runs[0]["first_update_s"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "repeat": [
            {
                "first_update_s": _median([r["first_update_s"] for r in part]),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in part),
            }
            for part in (runs[:half], runs[half:])
        ],
        "runs": runs,
    }


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


async def _counts(url: str) -> tuple[int, int, int]:
    """(sales, members, teams) actually in the database served."""
    db = Database(url)
    try:
        async with db.read() as session:
            sales = await session.scalar(select(func.count()).select_from(Sale))
            reps = await session.scalar(select(func.count()).select_from(Member))
            teams = await session.scalar(select(func.count()).select_from(Team))
        return int(sales or 0), int(reps or 0), int(teams or 0)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.footprint", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_all(args.sales, args.reps)), indent=1))


if __name__ == "__main__":
    main()
