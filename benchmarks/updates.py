"""Per-update cost, reply latency and saturation: the real `salesbot run` against a bare PTB bot.

K reps each report a sale by the quick form (`/report 100 Acme`, Save) and by the guided
conversation (`/report`, client, amount, Skip the product, Save): 7 updates a rep. The driver
sends them through the Bot API test server, paced to a fixed number of updates a second over all
reps (each rep waits for the bot's answer before its next step, as a person does), first to
`salesbot run` and then, the same run, to a bare PTB bot doing the same Telegram I/O
(`benchmarks.bare_bot`). Both processes live through the whole section on their own test
servers, and their measured windows alternate (salesbot, bare, salesbot, bare), so both see the
same noise of a shared machine.

    python -m benchmarks.updates [--reps 50] [--rate 20] [--mode polling|webhook]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import sqlite_url
from benchmarks.probe import ProbeServer, Step, act, cpu_seconds, percentile, spawn, tail
from bot.services import teams
from storage.db import Database, upgrade
from tests.support.botapi import FakeUser, SentMessage
from tests.support.cli import SALESBOT
from tests.support.factories import T0, make_member

SECRET = "bench_Secret-1"
START_TIMEOUT = 60.0
UPDATES_PER_REP = 7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _labels(message: SentMessage) -> str:
    return " ".join(text for text, _ in message.buttons())


def _data(message: SentMessage, label: str) -> str:
    return next(data for text, data in message.buttons() if label in text)


class Pace:
    """Hands out send turns `1/rate` apart over all reps (None: as fast as the bot answers)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.next = time.perf_counter()

    async def turn(self) -> None:
        if not self.interval:
            return
        now = time.perf_counter()
        at = max(now, self.next)
        self.next = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


@dataclass
class Window:
    """One measured stretch of load on one bot."""

    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0
    driver_cpu: float = 0.0  # the benchmark's own process (test server and driver), for the doc

    @property
    def updates(self) -> int:
        return len(self.steps)

    def figures(self) -> dict[str, float]:
        latencies = [s.latency * 1000 for s in self.steps]
        return {
            "updates": self.updates,
            "seconds": round(self.seconds, 3),
            "updates_per_s": round(self.updates / self.seconds, 2) if self.seconds else 0.0,
            "cpu_s": round(self.cpu, 3),
            "cpu_ms_per_update": round(self.cpu * 1000 / self.updates, 3),
            "driver_cpu_ms_per_update": round(self.driver_cpu * 1000 / self.updates, 3),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
        }


class Target:
    """A bot process (salesbot or bare) on its own test server, with the reps the driver plays."""

    def __init__(self, name: str, server: ProbeServer, proc: subprocess.Popen[bytes], reps: list[FakeUser]):
        self.name, self.server, self.proc, self.reps = name, server, proc, reps

    async def rep_round(self, rep: FakeUser, pace: Pace) -> list[Step]:
        """One quick-form and one guided report of `rep`; each step waits for the bot's answer."""
        s, chat = self.server, rep.id
        steps: list[Step] = []

        async def say(text: str, ready: Callable[[int], Any]) -> Any:
            await pace.turn()
            before = len(s.messages_to(chat))
            step, result = await act(s, chat, lambda: s.send_message(rep, text), lambda: ready(before))
            steps.append(step)
            return result

        async def tap(message: SentMessage, label: str, ready: Callable[[str, int], Any]) -> Any:
            await pace.turn()
            data = _data(message, label)
            before = len(s.messages_to(chat))
            box: dict[str, str] = {}

            def push() -> None:
                update_id = s.press(rep, message, data)
                box["q"] = s.updates[update_id]["callback_query"]["id"]

            step, result = await act(s, chat, push, lambda: "q" in box and ready(box["q"], before))
            steps.append(step)
            return result

        def new_with(label: str) -> Callable[[int], Any]:
            def ready(before: int) -> Any:
                msgs = s.messages_to(chat)
                return len(msgs) > before and label in _labels(msgs[-1]) and msgs[-1]

            return ready

        def new_message(before: int) -> Any:
            return len(s.messages_to(chat)) > before

        def saved(card: SentMessage) -> Callable[[str, int], Any]:
            def ready(query: str, before: int) -> Any:
                return s.answered(query) and (
                    len(s.messages_to(chat)) > before or "Save" not in _labels(card)
                )

            return ready

        def card_shown(query: str, before: int) -> Any:
            msgs = s.messages_to(chat)
            return s.answered(query) and msgs and "Save" in _labels(msgs[-1]) and msgs[-1]

        card = await say("/report 100 Acme", new_with("Save"))
        await tap(card, "Save", saved(card))
        await say("/report", new_message)
        await say("Acme", new_message)
        step = await say("100", new_with("Skip"))
        card = await tap(step, "Skip", card_shown)
        await tap(card, "Save", saved(card))
        return steps

    async def window(self, pace: Pace) -> Window:
        cpu, own = cpu_seconds(self.proc.pid), time.process_time()
        started = time.perf_counter()
        rounds = await asyncio.gather(*(self.rep_round(rep, pace) for rep in self.reps))
        seconds = time.perf_counter() - started
        steps = [s for r in rounds for s in r]
        return Window(steps, seconds, cpu_seconds(self.proc.pid) - cpu, time.process_time() - own)


async def _seed(url: str, reps: int, first_id: int) -> None:
    await upgrade(url)
    db = Database(url)
    try:
        await teams.create_team(db, "North", timezone="Europe/Warsaw", locale="en", currency="PLN", now=T0)
        for i in range(reps):
            await make_member(db, "North", first_id + i, first_name=f"Rep{i:03}")
    finally:
        await db.dispose()


def salesbot_env(server: ProbeServer, url: str, port: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    env.update(SALESBOT_TOKEN=server.token, SALESBOT_API_BASE_URL=server.base_url, SALESBOT_DATABASE_URL=url)
    if port is not None:
        env.update(
            SALESBOT_LISTEN=f"127.0.0.1:{port}",
            SALESBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            SALESBOT_WEBHOOK_SECRET=SECRET,
        )
    return env


async def until(predicate: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.perf_counter() + START_TIMEOUT
    while not predicate():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {tail(log)}")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{what} did not start: {tail(log)}")
        await asyncio.sleep(0.02)


def _ready(server: ProbeServer, webhook: bool) -> Callable[[], bool]:
    if webhook:
        return lambda: bool(server.calls_of("setWebhook"))
    return lambda: server.polling


@contextlib.asynccontextmanager
async def started(
    kind: str, tmp: Path, reps: int, *, webhook: bool, enforce: bool = False
) -> AsyncIterator[Target]:
    """A fresh test server and bot process (`salesbot` on a fresh SQLite file, or `bare`)."""
    first_id = 10_000
    with ProbeServer() as server:
        server.deliver_to_webhook = webhook
        server.enforce_rate_limits = enforce
        users = [server.user(first_id + i, f"Rep{i:03}", language_code="en") for i in range(reps)]
        port = free_port() if webhook else None
        log = tmp / f"{kind}-{time.monotonic_ns()}.log"
        if kind == "salesbot":
            url = sqlite_url(tmp / f"salesbot-{time.monotonic_ns()}.db")
            await _seed(url, reps, first_id)
            # SALESBOT_BENCH_WRAP, e.g. "py-spy record -f raw -o prof.txt --", runs salesbot under a
            # profiler (its CPU figures are then the wrapper's: profile, do not measure).
            wrap = shlex.split(os.environ.get("SALESBOT_BENCH_WRAP", ""))
            cmd = [*wrap, SALESBOT, "run", *(["--webhook"] if webhook else [])]
            env = salesbot_env(server, url, port)
        else:
            cmd = [sys.executable, "-m", "benchmarks.bare_bot", server.token, server.base_url]
            cmd += ["--webhook", str(port), SECRET] if webhook else []
            env = dict(os.environ)
        proc = spawn(cmd, env, tmp, log)
        try:
            await until(_ready(server, webhook), proc, log, kind)
            target = Target(kind, server, proc, users)
            # Warm-up: every code path once (templates compiled, connections open), not measured.
            await target.window(Pace(None)) if reps <= 5 else await Target(
                kind, server, proc, users[:5]
            ).window(Pace(None))
            yield target
        finally:
            if proc.poll() is None:
                # A profiler writes its record on SIGINT; salesbot stops on either.
                proc.send_signal(signal.SIGINT if os.environ.get("SALESBOT_BENCH_WRAP") else signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else 0.0


def compare(salesbot: dict[str, float], bare: dict[str, float]) -> dict[str, float]:
    """bare / salesbot: 1.0 means salesbot costs what PTB alone costs."""
    return {
        "cpu_per_update": _ratio(bare["cpu_ms_per_update"], salesbot["cpu_ms_per_update"]),
        "p50": _ratio(bare["p50_ms"], salesbot["p50_ms"]),
        "p95": _ratio(bare["p95_ms"], salesbot["p95_ms"]),
        "p99": _ratio(bare["p99_ms"], salesbot["p99_ms"]),
    }


def spread(values: list[float]) -> float:
    """(max - min) / median: 0.15 is the 'within 15 %' of the budget."""
    med = statistics.median(values)
    return round((max(values) - min(values)) / med, 3) if med else 0.0


def merged(windows: list[Window]) -> Window:
    return Window(
        [s for w in windows for s in w.steps],
        sum(w.seconds for w in windows),
        sum(w.cpu for w in windows),
        sum(w.driver_cpu for w in windows),
    )


async def per_update(reps: int, rate: float, rounds: int, *, webhook: bool) -> dict[str, Any]:
    """Section 1 for one mode: `rounds` alternating windows on each bot, at `rate` updates/s."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with (
            started("salesbot", tmp, reps, webhook=webhook) as salesbot,
            started("bare", tmp, reps, webhook=webhook) as bare,
        ):
            mine: list[Window] = []
            floor: list[Window] = []
            for _ in range(rounds):
                mine.append(await salesbot.window(Pace(rate)))
                floor.append(await bare.window(Pace(rate)))
    runs = [compare(m.figures(), b.figures()) for m, b in zip(mine, floor, strict=True)]
    total_mine, total_floor = merged(mine).figures(), merged(floor).figures()
    return {
        "mode": "webhook" if webhook else "polling",
        "reps": reps,
        "rate": rate,
        "salesbot": total_mine,
        "bare": total_floor,
        "ratio": compare(total_mine, total_floor),
        "runs": [
            {"salesbot": m.figures(), "bare": b.figures(), "ratio": r}
            for m, b, r in zip(mine, floor, runs, strict=True)
        ],
        "spread": {
            "salesbot_cpu_ms_per_update": spread([m.figures()["cpu_ms_per_update"] for m in mine]),
            "salesbot_p95_ms": spread([m.figures()["p95_ms"] for m in mine]),
            "ratio_cpu": spread([r["cpu_per_update"] for r in runs]),
            "ratio_p95": spread([r["p95"] for r in runs]),
        },
    }


def max_window_rate(times: list[float], seconds: float = 1.0) -> int:
    """The most sends in any `seconds` (what Telegram's overall limit counts)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def saturation(reps: int, rates: list[float], p95_budget_ms: float = 500.0) -> dict[str, Any]:
    """Section 2: the same load unpaced, then stepped offered rates; the highest rate within budget."""
    steps: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        async with started("salesbot", Path(tmp_name), reps, webhook=False, enforce=True) as salesbot:
            server = salesbot.server

            async def measure(rate: float | None) -> dict[str, Any]:
                sent_before = len(server.send_times)
                limited_before = len(server.rate_limited)
                figures = (await salesbot.window(Pace(rate))).figures()
                figures["offered_rate"] = rate or 0.0
                figures["max_sends_in_1s"] = max_window_rate(server.send_times[sent_before:])
                figures["http_429"] = len(server.rate_limited) - limited_before
                return figures

            unpaced = await measure(None)
            for rate in rates:
                step = await measure(rate)
                steps.append(step)
                if step["p95_ms"] >= p95_budget_ms or step["updates_per_s"] < 0.9 * rate:
                    break
    within = [
        s for s in steps if s["p95_ms"] < p95_budget_ms and s["updates_per_s"] >= 0.9 * s["offered_rate"]
    ]
    return {
        "reps": reps,
        "unpaced": unpaced,
        "steps": steps,
        "highest_rate_p95_under_500ms": max((s["updates_per_s"] for s in within), default=0.0),
        "http_429": unpaced["http_429"] + sum(s["http_429"] for s in steps),
    }


async def run_all(reps: int, rate: float, rounds: int, sat_rates: list[float]) -> dict[str, Any]:
    return {
        "per_update": [await per_update(reps, rate, rounds, webhook=w) for w in (False, True)],
        "saturation": await saturation(reps, sat_rates),
    }


def _print(results: dict[str, Any]) -> None:
    import json

    print(json.dumps(results, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.updates", description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=["polling", "webhook"], default="polling")
    args = parser.parse_args()
    run: Awaitable[dict[str, Any]] = per_update(
        args.reps, args.rate, args.rounds, webhook=args.mode == "webhook"
    )
    _print(asyncio.run(run))


if __name__ == "__main__":
    main()
