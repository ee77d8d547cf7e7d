"""The whole benchmark suite: `python -m benchmarks [--quick] [--out FILE]`.

Runs, in order: 1. per-update cost and latency against a bare PTB bot (polling and webhook),
2. saturation, 3. query cost against history (SQLite and PostgreSQL, two sizes), 4. fan-out
under Telegram's limits, 5. footprint. Prints one table of every budgeted figure and writes
every figure as JSON (`benchmarks/results.json` by default). The full run stays within 20
minutes on a 2-core machine; `--quick` (small sizes, the same sections and figures) under one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import fanout, footprint, history, tick, updates
from benchmarks.common import DEFAULT_PG_URL, table

DEFAULT_OUT = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Sizes:
    reps: int  # section 1 and 2
    rate: float
    rounds: int
    saturation_rates: list[float]
    history_sizes: list[int]  # section 3: sales in the database
    history_teams: int
    history_runs: int
    groups: int  # section 4
    nudged: int
    footprint_sales: int  # section 5
    footprint_reps: int
    footprint_starts: int
    tick_teams: int  # the scheduler tick when nothing is due
    tick_sales: int


SECTIONS = ["per_update", "saturation", "history", "tick", "fanout", "footprint"]
FULL = Sizes(
    reps=50,
    rate=20.0,
    rounds=2,
    saturation_rates=[20, 30, 40, 60, 80, 120],
    history_sizes=[100_000, 1_000_000],
    history_teams=1_000,
    history_runs=40,
    groups=1_000,
    nudged=5_000,
    footprint_sales=1_000_000,
    footprint_reps=10_000,
    footprint_starts=4,
    tick_teams=1_000,
    tick_sales=100_000,
)
QUICK = Sizes(
    reps=3,
    rate=20.0,
    rounds=2,
    saturation_rates=[20],
    history_sizes=[1_000, 3_000],
    history_teams=10,
    history_runs=2,
    groups=5,
    nudged=10,
    footprint_sales=3_000,
    footprint_reps=60,
    footprint_starts=2,
    tick_teams=10,
    tick_sales=1_000,
)


def machine() -> dict[str, Any]:
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        load = list(os.getloadavg())
    except OSError:
        model, mem_kb, load = "", 0, []
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_at_start": load,
    }


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


async def run(sizes: Sizes, pg_url: str, sections: set[str], partial: Path | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    timings: dict[str, float] = {}

    async def section(name: str, coro: Any) -> None:
        if name not in sections:
            coro.close()
            return
        started = time.perf_counter()
        print(f"== {name} ...", flush=True)
        results[name] = await coro
        timings[name] = round(time.perf_counter() - started, 1)
        print(f"== {name} done in {timings[name]} s", flush=True)
        if partial is not None:  # a long run's finished sections survive a later failure
            _write(partial, results)

    await section(
        "per_update",
        _per_update(sizes),
    )
    await section("saturation", updates.saturation(sizes.reps, sizes.saturation_rates))
    with tempfile.TemporaryDirectory() as keep_dir:
        # Section 3's SQLite database at its largest size is the one section 5 serves.
        kept = Path(keep_dir) / "history.db"
        await section(
            "history",
            history.run_all(
                sizes.history_sizes, sizes.history_teams, sizes.history_runs, pg_url or None, kept
            ),
        )
        await section("tick", tick.run(sizes.tick_teams, sizes.tick_sales))
        await section("fanout", fanout.run_all(sizes.groups, sizes.nudged))
        fits = max(sizes.history_sizes) == sizes.footprint_sales and "history" in sections
        await section(
            "footprint",
            footprint.run_all(
                sizes.footprint_sales, sizes.footprint_reps, sizes.footprint_starts, kept if fits else None
            ),
        )
    results["section_seconds"] = timings
    return results


async def _per_update(sizes: Sizes) -> list[dict[str, Any]]:
    return [
        await updates.per_update(sizes.reps, sizes.rate, sizes.rounds, webhook=webhook)
        for webhook in (False, True)
    ]


def _write(path: Path, results: dict[str, Any]) -> None:
    path.write_text(json.dumps(results, indent=1, default=str) + "\n")


def budget_rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per budgeted figure: what, measured, budget, met."""
    rows: list[list[str]] = []

    def row(what: str, value: float, budget: str, met: bool, unit: str = "") -> None:
        rows.append([what, f"{value:g}{unit}", budget, "yes" if met else "NO"])

    for mode in results.get("per_update", []):
        ratio = mode["ratio"]
        row(
            f"{mode['mode']}: CPU/update bare/salesbot",
            ratio["cpu_per_update"],
            ">= 0.5",
            ratio["cpu_per_update"] >= 0.5,
        )
        row(f"{mode['mode']}: p95 latency bare/salesbot", ratio["p95"], ">= 0.6", ratio["p95"] >= 0.6)
    if sat := results.get("saturation"):
        row("saturation: updates/s with p95 < 500 ms", sat["highest_rate_p95_under_500ms"], "(figure)", True)
        row("saturation: 429s", sat["http_429"], "0", sat["http_429"] == 0)
    for backend in results.get("history", {}).get("backends", []):
        for size in backend["sizes"]:
            month = size["queries"]["leaderboard_month"]
            label = f"{backend['backend']} {size['sales']:,}: 30-day leaderboard"
            row(label + " SQL", month["sql_median_ms"], "<= 1 ms", month["sql_median_ms"] <= 1.0, " ms")
            row(label + " service", month["median_ms"], "<= 3 ms", month["median_ms"] <= 3.0, " ms")
        flat = backend["flat_ratio_month_service"]
        row(f"{backend['backend']}: month service largest/smallest", flat, "flat (<= 1.5)", flat <= 1.5)
    if quiet := results.get("tick"):
        row(
            f"scheduler tick, nothing due, {quiet['teams']:,} teams: CPU",
            quiet["quiet_tick_cpu_ms"],
            "(figure)",
            True,
            " ms",
        )
    if fan := results.get("fanout"):
        row("fan-out: msgs/s ÷ 30", fan["ratio_of_30"], ">= 0.95", fan["ratio_of_30"] >= 0.95)
        row("fan-out: 429s", fan["http_429"], "0", fan["http_429"] == 0)
        row("fan-out: lost + doubled", fan["lost"] + fan["doubled"], "0", fan["lost"] + fan["doubled"] == 0)
    if foot := results.get("footprint"):
        row("peak RSS", foot["peak_rss_mb"], "<= 150 MB", foot["peak_rss_mb"] <= 150, " MB")
        row(
            "start to first handled update",
            foot["first_update_s"],
            "<= 2 s",
            foot["first_update_s"] <= 2,
            " s",
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"results JSON (default {DEFAULT_OUT})")
    parser.add_argument(
        "--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL for section 3 (never `test`; '' for SQLite only)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        help="run only these sections",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    sections = set(args.only or SECTIONS)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "quick": args.quick,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "sizes": sizes.__dict__,
    }
    results.update(asyncio.run(run(sizes, args.pg_url, sections, args.out.with_suffix(".partial.json"))))
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    print()
    print(table(["figure", "measured", "budget", "met"], budget_rows(results)))
    print(f"\nwhole run {results['total_seconds']} s; results in {args.out}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
