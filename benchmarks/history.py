"""Query cost against history: what one team's people ask for, in a database of 1,000 teams.

The suite's section 3, built on `benchmarks.leaderboard` (its sales generator, its drivers and
its captured aggregate): a team of 50 reps among `teams` teams (the others 10 reps each) and
the sales of all of them over a year, seeded to the first size, measured, topped up to the next
size, measured again. For that team it times, through the services the bot calls:
the leaderboard of the day, the week and the month (and each aggregate's SQL alone, straight on
the driver), `/me` (results, target progress, badges), the daily post, the daily and weekly
digests and the month's workbook; and it keeps the month aggregate's plan and the index it uses.
Every figure is timed twice in a row (`repeat_ms`, each the median of `runs`).

    python -m benchmarks.history --sizes 100000 1000000 --teams 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks import leaderboard as lb
from benchmarks.common import Backend, remove_sqlite_files, reset_pg_schema, sqlite_url
from bot.render import Renderer
from bot.services import digests, rewards, targets, teams
from bot.services.access import Actor, TeamInfo
from bot.services.periods import Period, period_span
from bot.services.results import my_results, ranking, team_today
from storage.db import Database, upgrade
from storage.models import Base, Role
from tests.support.factories import make_member

TEAM_REPS = 50
OTHER_REPS = 10
FIRST_PERSON = 2_000_000
TEAMS = Base.metadata.tables["teams"]
PEOPLE = Base.metadata.tables["people"]
MEMBERS = Base.metadata.tables["members"]
_INDEX = re.compile(r"(?:USING (?:COVERING )?INDEX|Index (?:Only )?Scan using) (\w+)")


async def seed_people(url: str, n_teams: int) -> tuple[TeamInfo, dict[int, list[int]]]:
    """Team 1 and its 50 reps through the real services; the other teams and reps by bulk insert."""
    db = Database(url)
    now = lb.NOW - lb.HISTORY
    try:
        first = await teams.create_team(
            db, "Team 0001", timezone=lb.TIMEZONE, locale="en", currency="PLN", now=now
        )
        reps = {first.id: [FIRST_PERSON + r for r in range(TEAM_REPS)]}
        for person in reps[first.id]:
            await make_member(db, first.name, person, first_name=f"Rep 0001-{person - FIRST_PERSON:02d}")
    finally:
        await db.dispose()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            names = [f"Team {t:04d}" for t in range(2, n_teams + 1)]
            if names:
                base = {"timezone": lb.TIMEZONE, "locale": "en", "currency": "PLN", "created_at": now}
                await conn.execute(insert(TEAMS), [{"name": n, **base} for n in names])
            ids = dict((await conn.execute(select(TEAMS.c.name, TEAMS.c.id))).all())
            people, members = [], []
            for t, name in enumerate(names, start=2):
                team_id = ids[name]
                reps[team_id] = []
                for r in range(OTHER_REPS):
                    person = FIRST_PERSON + 100 * t + r
                    reps[team_id].append(person)
                    people.append(
                        {
                            "id": person,
                            "first_name": f"Rep {t:04d}-{r:02d}",
                            "language_code": "en",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    members.append(
                        {"team_id": team_id, "person_id": person, "role": Role.REP, "joined_at": now}
                    )
            for start in range(0, len(people), 5_000):
                await conn.execute(insert(PEOPLE), people[start : start + 5_000])
                await conn.execute(insert(MEMBERS), members[start : start + 5_000])
    finally:
        await engine.dispose()
    return first, reps


class Seeder:
    """Adds sales in batches, each batch spread over the year as leaderboard's generator does."""

    def __init__(self, url: str, backend: Backend, reps: dict[int, list[int]]) -> None:
        self.url, self.backend, self.reps = url, backend, reps
        self.rows = 0
        self.batch = 0
        self.rng = random.Random(20260531)
        self.named: tuple[dict[int, list[int]], ...] | None = None

    async def to(self, rows: int) -> float:
        engine = create_async_engine(self.url)
        started = time.perf_counter()
        try:
            if self.backend == "sqlite":
                async with engine.begin() as conn:
                    await conn.execute(text("PRAGMA synchronous=OFF"))
            if self.named is None:
                async with engine.begin() as conn:
                    self.named = await lb._named_rows(conn, list(self.reps))
            clients, products = self.named
            self.batch += 1
            for chunk in lb._sales(rows - self.rows, self.reps, clients, products, self.rng):
                for row in chunk:
                    row["draft_token"] = f"b{self.batch}{row['draft_token']}"
                async with engine.begin() as conn:
                    await lb._insert_chunk(conn, chunk, copy=self.backend == "postgresql")
            async with engine.connect() as conn:
                if self.backend == "postgresql":
                    await conn.execute(text("COMMIT"))
                    await conn.execute(text("VACUUM (ANALYZE)"))
                    # The seeding's dirty pages written out now, not by a checkpoint in the
                    # middle of the timings (it made every figure at 1M half again as slow).
                    await conn.execute(text("CHECKPOINT"))
                else:
                    await conn.execute(text("ANALYZE"))
                    await conn.commit()
                    # The write-ahead log folded into the database file now, not by the first
                    # connection of the timings (or of section 5's first start).
                    await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        finally:
            await engine.dispose()
        self.rows = rows
        return time.perf_counter() - started


async def twice(fn: Callable[[], Awaitable[Any]], runs: int, warmup: int = 3) -> dict[str, Any]:
    """Two timed rounds of `runs` in a row: the median of all, each round's median, their spread."""
    for _ in range(min(warmup, runs)):
        await fn()
    rounds: list[list[float]] = []
    for _ in range(2):
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await fn()
            samples.append((time.perf_counter() - started) * 1000)
        rounds.append(samples)
    medians = [statistics.median(r) for r in rounds]
    return {
        "median_ms": round(statistics.median(rounds[0] + rounds[1]), 3),
        "repeat_ms": [round(m, 3) for m in medians],
        "spread": round(abs(medians[0] - medians[1]) / min(medians), 3) if min(medians) else 0.0,
        "runs": 2 * runs,
    }


async def measure(url: str, backend: Backend, team: TeamInfo, runs: int, tmp: Path) -> dict[str, Any]:
    db = Database(url)
    driver: lb.Driver = (
        lb.SqliteDriver(Path(url.split("///", 1)[1]))
        if backend == "sqlite"
        else await lb.PgDriver.connect(url)
    )
    renderer = Renderer()
    try:
        queries = await lb.capture_aggregates(db, team)
        out: dict[str, Any] = {}
        for period in Period:

            async def service(p: Period = period) -> None:
                await ranking(db, team, p, lb.NOW)

            async def sql(q: lb.Query = queries[period]) -> None:
                await driver.run(q)

            figures = await twice(service, runs)
            alone = await twice(sql, runs)
            figures["sql_median_ms"] = alone["median_ms"]
            figures["sql_repeat_ms"] = alone["repeat_ms"]
            out[f"leaderboard_{period}"] = figures
        plan = await driver.plan(queries[Period.MONTH])
        indexes = sorted({m for line in plan for m in _INDEX.findall(line)})

        actor = Actor(FIRST_PERSON + 1, "Rep 0001-01", "en", Role.REP, team)
        schedule = await digests.schedule_of(db, team.id)
        today = team_today(team, lb.NOW)
        monday = today - timedelta(days=today.weekday() + 7)

        async def me() -> None:
            await my_results(db, actor, lb.NOW)
            await targets.progress(db, team, schedule, actor.person_id, lb.NOW)
            await rewards.badges_of(db, actor)

        async def daily_post() -> None:
            await digests.daily_post(db, team, schedule, today)

        async def daily_digest() -> None:
            await digests.daily_digest(db, team, schedule, today)

        async def weekly_digest() -> None:
            await digests.weekly_digest(db, team, monday)

        from bot.services.workbook import write_workbook  # openpyxl, as the bot loads it: when asked

        month = period_span(Period.MONTH, today, team.zone)

        async def workbook() -> None:
            def words(what: str, key: str) -> str:
                return renderer.label(team.locale, what, name=key)

            await write_workbook(db, [team], month.first_day, month.last_day, tmp / "month.xlsx", words)

        out["me"] = await twice(me, runs)
        out["daily_post"] = await twice(daily_post, runs)
        out["daily_digest"] = await twice(daily_digest, runs)
        out["weekly_digest"] = await twice(weekly_digest, runs)
        out["workbook_month"] = await twice(workbook, max(2, runs // 10), warmup=1)
        return {"queries": out, "plan_month": plan, "indexes_used": indexes}
    finally:
        await driver.close()
        await db.dispose()


async def one_backend(
    backend: Backend, sizes: list[int], n_teams: int, runs: int, pg_url: str, keep: Path | None = None
) -> dict[str, Any]:
    """`keep`: where the SQLite database stays afterwards (section 5 serves it)."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if backend == "sqlite":
            path = keep or tmp / "history.db"
            remove_sqlite_files(path)
            url = sqlite_url(path)
        else:
            url = pg_url
            await reset_pg_schema(url)
        await upgrade(url)
        started = time.perf_counter()
        team, reps = await seed_people(url, n_teams)
        people_seconds = time.perf_counter() - started
        seeder = Seeder(url, backend, reps)
        results = []
        for size in sorted(sizes):
            seconds = await seeder.to(size)
            print(f"  {backend}: seeded to {size:,} sales in {seconds:.1f} s", flush=True)
            figures = await measure(url, backend, team, runs, tmp)
            results.append({"sales": size, "seed_seconds": round(seconds, 1), **figures})
    month = [r["queries"]["leaderboard_month"]["median_ms"] for r in results]
    return {
        "backend": backend,
        "teams": n_teams,
        "team_reps": TEAM_REPS,
        "reps": TEAM_REPS + (n_teams - 1) * OTHER_REPS,
        "people_seed_seconds": round(people_seconds, 1),
        "sizes": results,
        "flat_ratio_month_service": round(month[-1] / month[0], 3) if month[0] else 0.0,
    }


async def run_all(
    sizes: list[int], n_teams: int, runs: int, pg_url: str | None, keep: Path | None = None
) -> dict[str, Any]:
    backends: list[Backend] = ["sqlite"] + (["postgresql"] if pg_url else [])
    return {"backends": [await one_backend(b, sizes, n_teams, runs, pg_url or "", keep) for b in backends]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pg-url", default=lb.DEFAULT_PG_URL, help="'' for SQLite only")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_all(args.sizes, args.teams, args.runs, args.pg_url or None)), indent=1))


if __name__ == "__main__":
    main()
