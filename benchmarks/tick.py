"""The scheduler tick when nothing is due, against the number of teams.

Every 30 seconds the tick looks at every team's schedule (what is due in its zone), the days
still to close, contests, duels, live boards, pace alerts and key-client lapses. When nothing is
due it should cost next to nothing, whatever the size of the company. Seeds `teams` teams as
section 3 does (`benchmarks.history`: a team of 50 reps, the others 10 each, with `sales` sales),
marks the last week closed for every team (as a bot running for a week would have it), then runs
the real tick (`bot.scheduler.tick.tick`, the real Application against the test server) at a
quiet hour: CPU seconds and statements of each tick, twice (`repeat`).

    python -m benchmarks.tick --teams 1000 --sales 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks import history
from benchmarks.common import sqlite_url
from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services.schedule import Kind
from storage.db import upgrade
from storage.models import Base
from tests.support.clock import FakeClock
from tests.support.harness import running_bot

# Tuesday 1 December 2026, 03:07 in Warsaw: no post, nudge, digest or reminder is due.
QUIET = datetime(2026, 12, 1, 2, 7, tzinfo=UTC)
CLAIMS = Base.metadata.tables["claims"]


async def _seed(url: str, teams: int, sales: int) -> None:
    await upgrade(url)
    _team, reps = await history.seed_people(url, teams)
    await history.Seeder(url, "sqlite", reps).to(sales)

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            days = [(QUIET - timedelta(days=back)).date() for back in range(9)]
            rows = [
                {"team_id": t, "kind": str(Kind.DAILY_REWARDS), "day": d, "round": 0, "claimed_at": QUIET}
                for t in range(1, teams + 1)
                for d in days
            ]
            await conn.execute(insert(CLAIMS), rows)
    finally:
        await engine.dispose()


async def run(teams: int, sales: int, ticks: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_url(Path(tmp) / "tick.db")
        await _seed(url, teams, sales)
        clock = FakeClock()
        async with running_bot(url, clock) as h:
            statements = 0

            def count(*_args: Any) -> None:
                nonlocal statements
                statements += 1

            for engine in {h.db.engine.sync_engine, h.db._read_engine.sync_engine}:
                event.listen(engine, "before_cursor_execute", count)
            rounds: list[dict[str, float]] = []
            for i in range(2 * ticks + 1):
                clock.now = QUIET + timedelta(seconds=30 * i)
                statements = 0
                cpu, wall = time.process_time(), time.perf_counter()
                await tick(Deliverer(h.deps, h.app.bot))
                figures = {
                    "cpu_ms": round((time.process_time() - cpu) * 1000, 1),
                    "wall_ms": round((time.perf_counter() - wall) * 1000, 1),
                    "statements": statements,
                }
                if i:  # the first warms the caches (templates, compiled statements)
                    rounds.append(figures)
    halves = [rounds[:ticks], rounds[ticks:]]
    medians = [statistics.median(r["cpu_ms"] for r in half) for half in halves]
    return {
        "teams": teams,
        "sales": sales,
        "quiet_tick_cpu_ms": round(statistics.median(r["cpu_ms"] for r in rounds), 1),
        "quiet_tick_statements": rounds[-1]["statements"],
        "repeat_cpu_ms": medians,
        "spread": round(abs(medians[0] - medians[1]) / min(medians), 3) if min(medians) else 0.0,
        "ticks": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--sales", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.teams, args.sales)), indent=1))


if __name__ == "__main__":
    main()
