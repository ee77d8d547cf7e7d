"""Many reps pressing Save at the same moment, through the real report service.

    /work/venv/bin/python -m benchmarks.save --backend sqlite postgresql --reps 20 50 --rounds 20

For each backend and each team size N: a fresh database through the real migrations, one team of N
reps (joined through the real invite flow), then rounds of:

1. every rep sends `/report AMOUNT CLIENT` at once: `report.start_quick` for all N, gathered;
2. every rep presses Save at once: `report.save` for all N, gathered.

Reps share five client names, so concurrent saves also race on creating the same client row.
Reports save throughput and latency, start_quick latency, errors ("database is locked" counted
apart), and checks that every sale is stored exactly once and no draft is left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from benchmarks.common import (
    DEFAULT_PG_URL,
    Backend,
    Stats,
    ms,
    remove_sqlite_files,
    reset_pg_schema,
    sqlite_url,
    table,
)
from bot.services import report
from bot.services.access import Actor
from storage.db import Database, upgrade
from storage.models import Draft, Sale
from tests.support.factories import T0, make_member, make_team

MAX_MINOR = 10_000_000 * 100
CLIENT_NAMES = 5


@dataclass
class Run:
    backend: Backend
    reps: int
    rounds: int
    pool: str = ""
    save_seconds: list[float] = field(default_factory=list)
    start_seconds: list[float] = field(default_factory=list)
    save_walls: list[float] = field(default_factory=list)
    round_walls: list[float] = field(default_factory=list)
    sale_ids: list[int] = field(default_factory=list)
    expected_total_minor: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    stored: int = 0
    stored_total_minor: int = 0
    distinct_tokens: int = 0
    drafts_left: int = 0

    @property
    def expected(self) -> int:
        return self.reps * self.rounds

    @property
    def locked(self) -> int:
        return self.errors["database is locked"]

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.stored == self.expected
            and self.distinct_tokens == self.expected
            and len(set(self.sale_ids)) == self.expected
            and self.stored_total_minor == self.expected_total_minor
            and self.drafts_left == 0
        )


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return "database is locked"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


async def _timed_start(db: Database, rep: Actor, text: str, now: datetime) -> tuple[float, str]:
    started = time.perf_counter()
    quick = await report.start_quick(db, rep, text, MAX_MINOR, now)
    assert quick.problem is None, quick.problem
    return time.perf_counter() - started, quick.draft.token


async def _timed_save(db: Database, rep: Actor, token: str, now: datetime) -> tuple[float, int]:
    started = time.perf_counter()
    saved = await report.save(db, rep, token, now)
    assert not saved.already_saved
    return time.perf_counter() - started, saved.sale_id


async def run_one(backend: Backend, url: str, n_reps: int, rounds: int, warmup_rounds: int) -> Run:
    await upgrade(url)
    db = Database(url)
    result = Run(backend, n_reps, rounds + warmup_rounds)
    try:
        team = await make_team(db, "Bench")
        reps = [
            await make_member(db, team, 2_000_000 + i, first_name=f"Rep {i + 1:02d}") for i in range(n_reps)
        ]
        for r in range(rounds + warmup_rounds):
            measured = r >= warmup_rounds
            now = T0 + timedelta(minutes=r)
            amounts = [100 * (i + 1) + r for i in range(n_reps)]
            result.expected_total_minor += 100 * sum(amounts)
            round_started = time.perf_counter()
            starts = await asyncio.gather(
                *(
                    _timed_start(db, rep, f"{amount} Client {i % CLIENT_NAMES}", now)
                    for i, (rep, amount) in enumerate(zip(reps, amounts, strict=True))
                ),
                return_exceptions=True,
            )
            pending: list[tuple[Actor, str]] = []
            for rep, outcome in zip(reps, starts, strict=True):
                if isinstance(outcome, BaseException):
                    result.errors[_error_kind(outcome)] += 1
                    continue
                if measured:
                    result.start_seconds.append(outcome[0])
                pending.append((rep, outcome[1]))
            save_started = time.perf_counter()
            saves = await asyncio.gather(
                *(_timed_save(db, rep, token, now) for rep, token in pending), return_exceptions=True
            )
            finished = time.perf_counter()
            for saved in saves:
                if isinstance(saved, BaseException):
                    result.errors[_error_kind(saved)] += 1
                    continue
                result.sale_ids.append(saved[1])
                if measured:
                    result.save_seconds.append(saved[0])
            if measured:
                result.save_walls.append(finished - save_started)
                result.round_walls.append(finished - round_started)
        result.pool = db.engine.pool.status()
        async with db.read() as session:
            result.stored = int(await session.scalar(select(func.count()).select_from(Sale)) or 0)
            result.stored_total_minor = int(await session.scalar(select(func.sum(Sale.amount_minor))) or 0)
            result.distinct_tokens = int(
                await session.scalar(select(func.count(func.distinct(Sale.draft_token)))) or 0
            )
            result.drafts_left = int(await session.scalar(select(func.count()).select_from(Draft)) or 0)
    finally:
        await db.dispose()
    return result


async def bench(args: argparse.Namespace) -> list[Run]:
    runs = []
    for backend in args.backend:
        for n in args.reps:
            if backend == "sqlite":
                path = Path(args.sqlite_path)
                await asyncio.to_thread(remove_sqlite_files, path)
                url = sqlite_url(path)
            else:
                url = args.pg_url
                await reset_pg_schema(url)
            print(
                f"{backend}: {n} reps x {args.rounds} rounds (+{args.warmup_rounds} warm-up) ...", flush=True
            )
            run = await run_one(backend, url, n, args.rounds, args.warmup_rounds)
            print(f"  pool after the run: {run.pool}", flush=True)
            runs.append(run)
    return runs


def report_table(runs: Sequence[Run]) -> str:
    rows = []
    for run in runs:
        save = Stats.of(run.save_seconds)
        start = Stats.of(run.start_seconds)
        saves_per_s = len(run.save_seconds) / sum(run.save_walls)
        sales_per_s = len(run.save_seconds) / sum(run.round_walls)
        rows.append(
            [
                run.backend,
                str(run.reps),
                f"{run.stored:,} / {run.expected:,}",
                f"{saves_per_s:,.0f}",
                f"{sales_per_s:,.0f}",
                f"{ms(save.median_ms)} / {ms(save.p95_ms)} / {ms(save.max_ms)}",
                f"{ms(start.median_ms)} / {ms(start.p95_ms)} / {ms(start.max_ms)}",
                str(run.locked),
                str(sum(run.errors.values()) - run.locked),
                "yes" if run.ok else "NO",
            ]
        )
    return table(
        [
            "backend",
            "reps",
            "sales stored / expected",
            "Save phase, sales/s",
            "report+Save, sales/s",
            "save() ms median / p95 / max",
            "start_quick() ms median / p95 / max",
            "locked",
            "other errors",
            "all checks",
        ],
        rows,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.save", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument(
        "--reps", nargs="+", type=int, default=[20, 50], help="concurrent reps (default 20 50)"
    )
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds (default 20)")
    parser.add_argument("--warmup-rounds", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--sqlite-path", default="/tmp/salesbot_bench_save.sqlite3")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    runs = asyncio.run(bench(args))
    print(f"\n{args.rounds} timed rounds (+{args.warmup_rounds} warm-up, checked but not timed)")
    print("latencies per call; sales/s = timed sales / summed wall time of the phase(s)")
    print(report_table(runs))
    for run in runs:
        if run.errors:
            print(f"{run.backend} {run.reps} reps errors: {dict(run.errors)}")
    raise SystemExit(0 if all(run.ok for run in runs) else 1)


if __name__ == "__main__":
    main()
