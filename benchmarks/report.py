"""The figures of a results file as Markdown tables, for docs/performance.md.

python -m benchmarks.report [benchmarks/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.__main__ import DEFAULT_OUT, budget_rows
from benchmarks.common import table


def _g(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def per_update(results: dict[str, Any]) -> str:
    rows = []
    for mode in results.get("per_update", []):
        for name in ("salesbot", "bare"):
            f = mode[name]
            rows.append(
                [
                    mode["mode"],
                    name,
                    _g(f["updates"]),
                    _g(f["updates_per_s"]),
                    _g(f["cpu_ms_per_update"]),
                    _g(f.get("driver_cpu_ms_per_update", "")),
                    _g(f["p50_ms"]),
                    _g(f["p95_ms"]),
                    _g(f["p99_ms"]),
                ]
            )
        r = mode["ratio"]
        runs = " / ".join(f"{x['ratio']['cpu_per_update']:g}" for x in mode["runs"])
        p95s = " / ".join(f"{x['ratio']['p95']:g}" for x in mode["runs"])
        rows.append(
            [
                mode["mode"],
                "bare / salesbot",
                "",
                "",
                f"{r['cpu_per_update']:g} ({runs})",
                "",
                _g(r["p50"]),
                f"{r['p95']:g} ({p95s})",
                _g(r["p99"]),
            ]
        )
    headers = [
        "mode",
        "bot",
        "updates",
        "updates/s",
        "CPU ms/update",
        "driver CPU ms/update",
        "p50 ms",
        "p95 ms",
        "p99 ms",
    ]
    return table(headers, rows)


def saturation(results: dict[str, Any]) -> str:
    sat = results.get("saturation")
    if not sat:
        return ""
    rows = [
        [
            _g(s["offered_rate"]) or "unpaced",
            _g(s["updates_per_s"]),
            _g(s["p50_ms"]),
            _g(s["p95_ms"]),
            _g(s["max_sends_in_1s"]),
            _g(s["http_429"]),
        ]
        for s in [sat["unpaced"], *sat["steps"]]
    ]
    return table(["offered updates/s", "achieved", "p50 ms", "p95 ms", "most sends in 1 s", "429s"], rows)


def history(results: dict[str, Any]) -> str:
    out = []
    for backend in results.get("history", {}).get("backends", []):
        names = list(backend["sizes"][0]["queries"])
        rows = []
        for name in names:
            row = [name]
            for size in backend["sizes"]:
                q = size["queries"][name]
                sql = f", SQL {q['sql_median_ms']:g}" if "sql_median_ms" in q else ""
                row.append(f"{q['median_ms']:g} ({' / '.join(f'{m:g}' for m in q['repeat_ms'])}){sql}")
            rows.append(row)
        headers = ["median ms (the two rounds)", *(f"{s['sales']:,} sales" for s in backend["sizes"])]
        out.append(
            f"{backend['backend']}, {backend['teams']:,} teams, {backend['reps']:,} reps:\n\n"
            + table(headers, rows)
        )
        out.append(
            "month plan at the largest size: `" + " / ".join(backend["sizes"][-1]["plan_month"][:3]) + "`"
        )
    return "\n\n".join(out)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    results = json.loads(path.read_text())
    print(table(["figure", "measured", "budget", "met"], budget_rows(results)))
    for title, part in (("per update", per_update), ("saturation", saturation), ("history", history)):
        text = part(results)
        if text:
            print(f"\n### {title}\n\n{text}")
    for name in ("tick", "fanout", "footprint"):
        if name in results:
            print(f"\n### {name}\n\n```\n{json.dumps(results[name], indent=1)}\n```")


if __name__ == "__main__":
    main()
