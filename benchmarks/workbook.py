"""A year's workbook of a 300-rep team: `write_workbook`'s time, memory and size against Telegram's 50 MB.

    .venv/bin/python -m benchmarks.workbook --backend sqlite postgresql

Seeds a fresh database through the real migrations: one team (`make_team`) whose coordinator and
`--reps` reps join through the real invite flow (`make_member`), then with SQLAlchemy core
executemany in batches: `--clients` clients and 20 products, about `--per-day` sales per rep per
post day (Monday to Friday without Polish public holidays) for the twelve months ending with
November 2026, 2% of them voided, a monthly target and a points entry per rep and month, client
contacts, a weekly team meeting that invites every rep plus a monthly training, and a contest per
month with ten places.

Then, for the year and for its last month, each write runs in a fresh interpreter (spawned) so its
memory is its own: `write_workbook(db, [team], first, last, path, words)` with the Polish words.
It reports the wall and CPU time, the peak RSS during the write over the RSS just before it (the
kernel's high-water mark VmHWM, reset through /proc/self/clear_refs before the write), the SQL
statements sent, the file's size against `exports.DOCUMENT_MAX_BYTES`, each sheet's rows and its
compressed bytes in the .xlsx, and the time of each `workbook_data` query drained alone (no
openpyxl). It checks that the file opens with openpyxl in read-only mode and that the Sales sheet's
amounts add up to the database's total of non-voided sales in the range (and their count matches);
the exit status is non-zero if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from benchmarks.common import (
    DEFAULT_PG_URL,
    Backend,
    remove_sqlite_files,
    reset_pg_schema,
    sqlite_url,
    table,
)
from bot.render import Renderer
from bot.services import teams, workbook_data
from bot.services.exports import DOCUMENT_MAX_BYTES
from bot.services.parsing import client_key, name_key
from bot.services.periods import days_span
from bot.services.schedule import is_public_holiday
from bot.services.workbook import write_workbook
from storage.db import Database, upgrade
from storage.models import Base, Role, Sale
from tests.support.factories import make_member, make_team

TEAM = "Bench 300"
TIMEZONE = "Europe/Warsaw"
ZONE = ZoneInfo(TIMEZONE)
YEAR = (date(2025, 12, 1), date(2026, 11, 30))
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
COORDINATOR_ID = 1_000_000
REP_BASE_ID = 2_000_000
PRODUCTS = 20
CHUNK = 10_000
VOIDED_SHARE = 0.02
MB = 1024 * 1024
SALES = Base.metadata.tables["sales"]
T = Base.metadata.tables


# --- seeding -----------------------------------------------------------------------------------


def post_days(first: date, last: date) -> list[date]:
    """The team's default post days: Monday to Friday, without Polish public holidays."""
    days, day = [], first
    while day <= last:
        if day.isoweekday() <= 5 and not is_public_holiday("PL", day):
            days.append(day)
        day += timedelta(days=1)
    return days


def at_local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute, second), ZONE).astimezone(UTC)


def month_firsts(first: date, last: date) -> list[date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _sales(
    days: Sequence[date],
    reps: Sequence[int],
    clients: Sequence[int],
    products: Sequence[int],
    per_day: int,
    rng: random.Random,
) -> Iterator[list[dict[str, Any]]]:
    """Chunks of sales in time order: each rep sells per_day ± 2 times a post day, 08:00-18:00 local."""
    chunk: list[dict[str, Any]] = []
    n = 0
    for day in days:
        today = []
        for rep in reps:
            for _ in range(max(0, per_day + rng.randint(-2, 2))):
                offset = rng.randrange(10 * 3600)
                at = at_local(day, 8) + timedelta(seconds=offset)
                today.append((at, rep))
        today.sort()
        for at, rep in today:
            voided = rng.random() < VOIDED_SHARE
            chunk.append(
                {
                    "team_id": 0,  # set by the caller
                    "person_id": rep,
                    "client_id": rng.choice(clients),
                    "product_id": rng.choice(products) if rng.random() < 0.5 else None,
                    "amount_minor": rng.randrange(1_000, 500_000),
                    "currency": "PLN",
                    "occurred_at": at,
                    "created_at": at,
                    "draft_token": f"seed{n:011d}",
                    "voided_at": at + timedelta(hours=1) if voided else None,
                    "voided_by": COORDINATOR_ID if voided else None,
                    "void_reason": "duplicate" if voided else None,
                }
            )
            n += 1
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


async def _batched(conn: AsyncConnection, name: str, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        await conn.execute(insert(T[name]), rows[i : i + CHUNK])


async def _ids(conn: AsyncConnection, name: str, team_id: int) -> list[int]:
    table_ = T[name]
    return [r for (r,) in await conn.execute(select(table_.c.id).where(table_.c.team_id == team_id))]


async def _others(
    conn: AsyncConnection, team_id: int, reps: list[int], clients: list[int], rng: random.Random
) -> Counter[str]:
    """Targets, points, client contacts, meetings with attendees, contests with results."""
    first, last = YEAR
    months = month_firsts(first, last)
    set_at = at_local(first, 9)
    rows: Counter[str] = Counter()
    targets = [
        {
            "team_id": team_id,
            "person_id": rep,
            "month": month,
            "amount_minor": rng.randrange(150_000, 260_000) * 100,
            "set_by": COORDINATOR_ID,
            "set_at": set_at,
        }
        for rep in reps
        for month in months
    ]
    points = [
        {
            "team_id": team_id,
            "person_id": rep,
            "delta": rng.randrange(5, 200),
            "reason": "bench",
            "source": month.isoformat(),
            "day": month,
            "created_at": at_local(month, 12),
        }
        for rep in reps
        for month in months
    ]
    days = post_days(first, last)
    contacts = [
        {
            "client_id": rng.choice(clients),
            "person_id": rng.choice(reps),
            "kind": rng.choice(["call", "visit", "email", "meeting"]),
            "note": None,
            "at": at_local(rng.choice(days), 9) + timedelta(seconds=rng.randrange(8 * 3600)),
        }
        for _ in range(10 * len(clients))
    ]
    for name, batch in (("targets", targets), ("points", points), ("client_contacts", contacts)):
        await _batched(conn, name, batch)
        rows[name] = len(batch)

    meetings = []
    for day in days:
        if day.isoweekday() == 1:
            meetings.append(("team", "Odprawa tygodniowa", at_local(day, 9), 45, "Sala A", reps))
    for month in months:
        day = next(d for d in days if d >= month + timedelta(days=10))
        meetings.append(
            (
                "training",
                "Szkolenie produktowe",
                at_local(day, 13),
                120,
                "Online",
                rng.sample(reps, min(30, len(reps))),
            )
        )
    meetings.sort(key=lambda m: m[2])
    attendees = []
    for i, (kind, title, starts, minutes, place, invited) in enumerate(meetings):
        result = await conn.execute(
            insert(T["meetings"]).returning(T["meetings"].c.id),
            {
                "team_id": team_id,
                "kind": kind,
                "title": f"{title} {i + 1}",
                "starts_at": starts,
                "duration_min": minutes,
                "place": place,
                "created_by": COORDINATOR_ID,
                "created_at": starts - timedelta(days=7),
                "scheduled_at": starts - timedelta(days=7),
                "cancelled_at": starts - timedelta(days=1) if i % 25 == 24 else None,
            },
        )
        meeting_id = result.scalar_one()
        for person in invited:
            answer = rng.choice(["yes", "yes", "yes", "no", "maybe", None])
            attendees.append(
                {
                    "meeting_id": meeting_id,
                    "person_id": person,
                    "answer": answer,
                    "answered_at": starts - timedelta(days=2) if answer else None,
                    "attended": (rng.random() < 0.9) if answer == "yes" else None,
                }
            )
    await _batched(conn, "meeting_attendees", attendees)
    rows["meetings"] = len(meetings)
    rows["meeting_attendees"] = len(attendees)

    results = []
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        result = await conn.execute(
            insert(T["contests"]).returning(T["contests"].c.id),
            {
                "team_id": team_id,
                "title": f"Konkurs {month:%Y-%m}",
                "kind": "amount",
                "target_minor": None,
                "starts_at": at_local(month, 0),
                "ends_at": at_local(following, 0),
                "prizes": {"1": "Voucher 500 zł", "2": "Voucher 300 zł", "3": "Voucher 100 zł"},
                "most_improved": False,
                "created_by": COORDINATOR_ID,
                "created_at": at_local(month, 0) - timedelta(days=3),
                "finished_at": at_local(following, 0),
            },
        )
        contest_id = result.scalar_one()
        for rank, person in enumerate(rng.sample(reps, min(10, len(reps))), start=1):
            results.append(
                {
                    "contest_id": contest_id,
                    "place": rank,
                    "person_id": person,
                    "squad": None,
                    "value": rng.randrange(20_000_000, 40_000_000) // rank,
                    "prize": f"Voucher {rank}" if rank <= 3 else None,
                    "award": "place",
                }
            )
    await _batched(conn, "contest_results", results)
    rows["contests"] = len(months)
    rows["contest_results"] = len(results)
    return rows


@dataclass
class Seeded:
    members_seconds: float = 0.0
    rows_seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)


async def seed(url: str, backend: Backend, n_reps: int, n_clients: int, per_day: int) -> Seeded:
    out = Seeded()
    started = time.perf_counter()
    db = Database(url)
    try:
        await make_team(db, TEAM, timezone=TIMEZONE)
        await make_member(db, TEAM, COORDINATOR_ID, Role.COORDINATOR, first_name="Koordynator")
        reps = []
        for i in range(n_reps):
            await make_member(db, TEAM, REP_BASE_ID + i, first_name=f"Handlowiec {i + 1:03d}")
            reps.append(REP_BASE_ID + i)
        team = await teams.find_team(db, TEAM)
    finally:
        await db.dispose()
    out.members_seconds = time.perf_counter() - started
    print(f"  {n_reps} reps + 1 coordinator joined (invite flow): {out.members_seconds:.1f} s", flush=True)

    engine = create_async_engine(url)
    if backend == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            # Seeding only: the bot itself always runs with synchronous=NORMAL.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    rng = random.Random(20261130)
    started = time.perf_counter()
    try:
        async with engine.begin() as conn:
            client_rows = []
            for i in range(n_clients):
                name = f"Klient {i + 1:04d} Sp. z o.o." if i % 10 else f"Jan Kowalski {i + 1:04d}"
                client_rows.append(
                    {
                        "team_id": team.id,
                        "name": name,
                        "key": client_key(name),
                        "created_at": at_local(YEAR[0], 8),
                        "owner_id": rng.choice(reps) if i % 7 else None,
                        "kind": "person" if i % 10 == 0 else "company",
                        "is_key": i % 20 == 0,
                    }
                )
            await _batched(conn, "clients", client_rows)
            product_rows = [
                {
                    "team_id": team.id,
                    "name": f"Produkt {i + 1}",
                    "key": name_key(f"Produkt {i + 1}"),
                    "created_at": at_local(YEAR[0], 8),
                }
                for i in range(PRODUCTS)
            ]
            await _batched(conn, "products", product_rows)
            clients = await _ids(conn, "clients", team.id)
            products = await _ids(conn, "products", team.id)
            out.rows["clients"], out.rows["products"] = len(clients), len(products)
            out.rows.update(await _others(conn, team.id, reps, clients, rng))
        done = 0
        for chunk in _sales(post_days(*YEAR), reps, clients, products, per_day, rng):
            for row in chunk:
                row["team_id"] = team.id
            async with engine.begin() as conn:
                await conn.execute(insert(SALES), chunk)
            before, done = done, done + len(chunk)
            if done // 100_000 > before // 100_000:
                print(f"  seeded {done:>9,} sales  {time.perf_counter() - started:6.1f} s", flush=True)
        out.rows["sales"] = done
        if backend == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            async with engine.begin() as conn:
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    out.rows_seconds = time.perf_counter() - started
    return out


# --- one write, in its own interpreter ---------------------------------------------------------


def _status_kb(field_name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise KeyError(field_name)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def words(what: str, key: str) -> str:
    return _RENDERER.label("pl", what, name=key)


_RENDERER: Renderer


@dataclass
class Write:
    label: str
    first: date
    last: date
    path: str
    wall: float = 0.0
    cpu: float = 0.0
    baseline_kb: int = 0
    peak_kb: int = 0
    hwm_reset: bool = False
    maxrss_kb: int = 0
    statements: int = 0
    top_statements: list[tuple[int, str]] = field(default_factory=list)
    drains: dict[str, tuple[float, int]] = field(default_factory=dict)

    @property
    def increase_mb(self) -> float:
        return (self.peak_kb - self.baseline_kb) / 1024


def _stream_with_yield_per(rows: int) -> None:
    """The experiment only: every AsyncSession.stream() of this process gets `yield_per=rows`."""
    plain = AsyncSession.stream

    async def stream(self: AsyncSession, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return await plain(self, statement.execution_options(yield_per=rows), *args, **kwargs)

    AsyncSession.stream = stream  # type: ignore[method-assign]


def measure(
    url: str, label: str, first: date, last: date, path: str, drain: bool, yield_per: int = 0
) -> Write:
    """Spawned: one write_workbook with its own memory, then each data query drained alone."""
    global _RENDERER
    _RENDERER = Renderer()
    if yield_per:
        _stream_with_yield_per(yield_per)
    return asyncio.run(_measure(url, label, first, last, path, drain))


async def _measure(url: str, label: str, first: date, last: date, path: str, drain: bool) -> Write:
    out = Write(label, first, last, path)
    db = Database(url)
    try:
        team = await teams.find_team(db, TEAM)  # connected and warm before the baseline
        words("sheet", "sales")  # the Polish templates loaded before the baseline
        seen: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            seen[" ".join(statement.split())[:90]] += 1

        event.listen(Engine, "before_cursor_execute", count)
        out.baseline_kb = _status_kb("VmRSS")
        out.hwm_reset = _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        await write_workbook(db, [team], first, last, Path(path), words)
        out.wall, out.cpu = time.perf_counter() - wall, time.process_time() - cpu
        out.peak_kb = _status_kb("VmHWM")
        out.maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        event.remove(Engine, "before_cursor_execute", count)
        out.statements = sum(seen.values())
        out.top_statements = [(n, s) for s, n in seen.most_common(3)]
        if drain:
            started = time.perf_counter()
            summary = await workbook_data.summary(db, team, first, last)
            out.drains["summary"] = (time.perf_counter() - started, len(summary.lines))
            for name in ("sales", "reps", "clients", "contests", "meetings"):
                started = time.perf_counter()
                n = 0
                async for _row in getattr(workbook_data, name)(db, team, first, last):
                    n += 1
                out.drains[name] = (time.perf_counter() - started, n)
    finally:
        await db.dispose()
    return out


# --- checks ------------------------------------------------------------------------------------


@dataclass
class Checked:
    opens: bool
    sheets: list[tuple[str, int, int, int]]  # name, rows (header included), compressed, uncompressed
    shared_strings: tuple[int, int]
    sales_rows: int
    sales_minor: int
    db_rows: int
    db_minor: int
    read_seconds: float

    @property
    def ok(self) -> bool:
        return self.opens and self.sales_minor == self.db_minor and self.sales_rows == self.db_rows


async def db_total(url: str, first: date, last: date) -> tuple[int, int]:
    db = Database(url)
    try:
        team = await teams.find_team(db, TEAM)
        span = days_span(first, last, team.zone)
        async with db.read() as session:
            n, total = (
                await session.execute(
                    select(func.count(), func.sum(Sale.amount_minor)).where(
                        Sale.team_id == team.id,
                        Sale.voided_at.is_(None),
                        Sale.occurred_at >= span.start,
                        Sale.occurred_at < span.end,
                    )
                )
            ).one()
    finally:
        await db.dispose()
    return int(n), int(total or 0)


def check(path: Path, db_rows: int, db_minor: int) -> Checked:
    started = time.perf_counter()
    sheets: list[tuple[str, int, int, int]] = []
    sales_rows = sales_minor = 0
    opens = True
    try:
        book: Any = load_workbook(path, read_only=True)
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
        strings = members.get("xl/sharedStrings.xml")
        for i, name in enumerate(book.sheetnames, start=1):
            ws = book[name]
            rows = 0
            for values in ws.iter_rows(values_only=True):
                rows += 1
                if name == "Sprzedaż" and rows > 1:
                    sales_minor += round(values[5] * 100)  # amount, a number cell in the currency
            if name == "Sprzedaż":
                sales_rows = rows - 1
            info = members[f"xl/worksheets/sheet{i}.xml"]
            sheets.append((name, rows, info.compress_size, info.file_size))
        book.close()
    except Exception as exc:  # any failure to read is the finding
        print(f"  openpyxl read-only could not read {path}: {exc!r}", flush=True)
        opens = False
        strings = None
    return Checked(
        opens,
        sheets,
        (strings.compress_size, strings.file_size) if strings else (0, 0),
        sales_rows,
        sales_minor,
        db_rows,
        db_minor,
        time.perf_counter() - started,
    )


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Result:
    backend: Backend
    seeded: Seeded | None
    writes: list[tuple[Write, Checked, int]] = field(default_factory=list)  # write, check, file bytes


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def bench(args: argparse.Namespace) -> list[Result]:
    results = []
    out_dir = Path(args.out_dir)
    periods = {"year": YEAR, "month": MONTH}
    for backend in args.backend:
        if backend == "sqlite":
            path = Path(args.sqlite_path)
            url = sqlite_url(path)
            if not args.reuse:
                await asyncio.to_thread(remove_sqlite_files, path)
        else:
            url = args.pg_url
            if not args.reuse:
                await reset_pg_schema(url)
        seeded = None
        if not args.reuse:
            print(f"{backend}: seeding (load average {loadavg()}) ...", flush=True)
            await upgrade(url)
            seeded = await seed(url, backend, args.reps, args.clients, args.per_day)
            print(f"  seeded in {seeded.rows_seconds:.1f} s: {dict(seeded.rows)}", flush=True)
        result = Result(backend, seeded)
        for label in args.periods:
            first, last = periods[label]
            xlsx = out_dir / f"{backend}-{label}.xlsx"
            xlsx.unlink(missing_ok=True)
            print(
                f"{backend}: write_workbook for the {label} {first}..{last} (load average {loadavg()}) ...",
                flush=True,
            )
            # A fresh interpreter per write: its memory is the write's, not the seeding's.
            from benchmarks import workbook as this  # by its module name, not __main__'s

            with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
                write = await asyncio.get_running_loop().run_in_executor(
                    pool, this.measure, url, label, first, last, str(xlsx), not args.no_drain, args.yield_per
                )
            size = xlsx.stat().st_size
            db_rows, db_minor = await db_total(url, first, last)
            checked = await asyncio.to_thread(check, xlsx, db_rows, db_minor)
            print(
                f"  {write.wall:.1f} s wall, {write.cpu:.1f} s CPU, +{write.increase_mb:.1f} MB peak RSS, "
                f"{size / MB:.2f} MB; Sales {checked.sales_rows:,} rows, "
                f"sum {'matches' if checked.ok else 'DOES NOT MATCH'} (load average {loadavg()})",
                flush=True,
            )
            result.writes.append((write, checked, size))
        results.append(result)
    return results


def report(results: Sequence[Result]) -> str:
    lines = []
    rows = []
    for result in results:
        for write, checked, size in result.writes:
            rows.append(
                [
                    result.backend,
                    f"{write.label} ({write.first:%Y-%m-%d}..{write.last:%Y-%m-%d})",
                    f"{checked.sales_rows:,}",
                    f"{write.wall:.1f}",
                    f"{write.cpu:.1f}",
                    f"{checked.sales_rows / write.wall:,.0f}",
                    f"{write.baseline_kb / 1024:.0f} → {write.peak_kb / 1024:.0f} (+{write.increase_mb:.0f})",
                    f"{size / MB:.2f} ({100 * size / DOCUMENT_MAX_BYTES:.0f}%)",
                    f"{write.statements:,}",
                    "yes" if checked.ok else "NO",
                ]
            )
    lines.append(
        table(
            [
                "backend",
                "period",
                "Sales rows",
                "wall s",
                "CPU s",
                "sales rows/s",
                "RSS MB before → peak (+)",
                "xlsx MB (of 50 MB)",
                "SQL statements",
                "opens, sum and count match",
            ],
            rows,
        )
    )
    for result in results:
        for write, checked, size in result.writes:
            lines.append(f"\n{result.backend}, {write.label}: sheets (rows incl. header; bytes in the .xlsx)")
            sheet_rows = [
                [name, f"{n:,}", f"{c / MB:.2f}", f"{u / MB:.1f}", f"{100 * c / size:.0f}%"]
                for name, n, c, u in checked.sheets
            ]
            sheet_rows.append(
                [
                    "(shared strings)",
                    "",
                    f"{checked.shared_strings[0] / MB:.2f}",
                    f"{checked.shared_strings[1] / MB:.1f}",
                    f"{100 * checked.shared_strings[0] / size:.0f}%",
                ]
            )
            lines.append(table(["sheet", "rows", "compressed MB", "XML MB", "of the file"], sheet_rows))
            lines.append(
                f"sales: file {checked.sales_rows:,} rows, {checked.sales_minor:,} grosze; "
                f"database {checked.db_rows:,} rows, {checked.db_minor:,} grosze; read-only pass "
                f"{checked.read_seconds:.1f} s; ru_maxrss of the writing process "
                f"{write.maxrss_kb / 1024:.0f} MB"
                + ("" if write.hwm_reset else " (VmHWM could not be reset: the peak is the process lifetime)")
            )
            lines.append(
                "most repeated statements: " + "; ".join(f"{n}× {s}…" for n, s in write.top_statements)
            )
            if write.drains:
                lines.append(
                    "each query drained alone (s, rows): "
                    + ", ".join(f"{k} {t:.2f} s / {n:,}" for k, (t, n) in write.drains.items())
                )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workbook", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--reps", type=int, default=300, help="reps in the team (default 300)")
    parser.add_argument("--clients", type=int, default=2000, help="clients (default 2000)")
    parser.add_argument(
        "--per-day", type=int, default=4, help="sales per rep per post day, on average (default 4)"
    )
    parser.add_argument("--periods", nargs="+", choices=["year", "month"], default=["year", "month"])
    parser.add_argument("--no-drain", action="store_true", help="skip timing each data query alone")
    parser.add_argument("--out-dir", default="/tmp/salesbot_bench_workbook", help="where the .xlsx files go")
    parser.add_argument("--sqlite-path", default="/tmp/salesbot_bench_workbook.sqlite3")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded earlier")
    parser.add_argument(
        "--yield-per",
        type=int,
        default=0,
        help="experiment: add execution_options(yield_per=N) to every AsyncSession.stream() of the write",
    )
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"load average at the start: {loadavg()}", flush=True)
    if args.yield_per:
        print(
            f"experiment: every AsyncSession.stream() of the writes with yield_per={args.yield_per}",
            flush=True,
        )
    results = asyncio.run(bench(args))
    print(f"\nload average at the end: {loadavg()}; {time.perf_counter() - started:.0f} s in all")
    for result in results:
        if result.seeded:
            s = result.seeded
            print(
                f"{result.backend}: members {s.members_seconds:.1f} s, the other rows {s.rows_seconds:.1f} s "
                f"({s.rows['sales']:,} sales)"
            )
    print(report(results))
    ok = all(checked.ok for result in results for _w, checked, _s in result.writes)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
