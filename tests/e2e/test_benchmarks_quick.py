"""`python -m benchmarks --quick --out FILE` runs every section and writes every figure.

Only the results file's completeness and types are checked: the figures themselves are
measurements of a shared machine, never asserted here (see docs/performance.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tests.support.databases import PG_URL

REPO = Path(__file__).resolve().parents[2]
LATENCY = ("updates", "seconds", "updates_per_s", "cpu_s", "cpu_ms_per_update", "p50_ms", "p95_ms", "p99_ms")
QUERIES = (
    "leaderboard_day",
    "leaderboard_week",
    "leaderboard_month",
    "me",
    "daily_post",
    "daily_digest",
    "weekly_digest",
    "workbook_month",
)


def _bench_pg_url() -> str:
    """A database of this test's own beside the suite's (the benchmark drops its schema)."""
    if not PG_URL:
        return ""
    url = make_url(PG_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return url.set(database=f"{url.database}_benchq_{worker}").render_as_string(hide_password=False)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_latency(figures: dict[str, Any]) -> None:
    for key in LATENCY:
        assert _number(figures[key]), (key, figures)
    assert figures["updates"] > 0
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]


def test_the_quick_suite_writes_every_section_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out), "--pg-url", _bench_pg_url()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| figure" in done.stdout  # the table of budgets was printed
    results = json.loads(out.read_text())
    assert results["quick"] is True
    assert results["machine"]["cores"] >= 1

    modes = {mode["mode"]: mode for mode in results["per_update"]}
    assert set(modes) == {"polling", "webhook"}
    for mode in modes.values():
        _check_latency(mode["salesbot"])
        _check_latency(mode["bare"])
        assert all(_number(mode["ratio"][k]) for k in ("cpu_per_update", "p50", "p95", "p99"))
        assert len(mode["runs"]) == 2  # reported twice in a row
        assert all(_number(v) for v in mode["spread"].values())

    saturation = results["saturation"]
    _check_latency(saturation["unpaced"])
    assert saturation["steps"] and _number(saturation["highest_rate_p95_under_500ms"])
    assert isinstance(saturation["http_429"], int)

    backends = {b["backend"]: b for b in results["history"]["backends"]}
    assert set(backends) == ({"sqlite", "postgresql"} if PG_URL else {"sqlite"})
    for backend in backends.values():
        assert len(backend["sizes"]) == 2 and _number(backend["flat_ratio_month_service"])
        for size in backend["sizes"]:
            assert size["sales"] > 0 and size["plan_month"] and size["indexes_used"]
            for name in QUERIES:
                query = size["queries"][name]
                assert _number(query["median_ms"]) and len(query["repeat_ms"]) == 2, (name, query)
            for period in ("day", "week", "month"):
                assert _number(size["queries"][f"leaderboard_{period}"]["sql_median_ms"])

    quiet = results["tick"]
    assert _number(quiet["quiet_tick_cpu_ms"]) and quiet["quiet_tick_statements"] > 0
    assert len(quiet["repeat_cpu_ms"]) == 2 and _number(quiet["spread"])

    fanout = results["fanout"]
    assert set(fanout["parts"]) == {"reminder", "daily_post"}
    assert fanout["messages"] == fanout["groups"] + fanout["reps"]  # each recipient once
    for key in ("msgs_per_s", "ratio_of_30", "http_429", "lost", "doubled"):
        assert _number(fanout[key]), key

    footprint = results["footprint"]
    assert _number(footprint["peak_rss_mb"]) and footprint["peak_rss_mb"] > 0
    assert _number(footprint["first_update_s"]) and footprint["first_update_s"] > 0
    assert len(footprint["repeat"]) == 2
