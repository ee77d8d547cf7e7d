"""The `salesbot` command from outside: a subprocess in a foreign working directory."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT
from tests.support.factories import add_sale, make_member


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(bot_username="north_sales_bot") as s:
        yield s


@pytest.fixture
def env(tmp_path: Path, server: BotApiServer, db_url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    environ.update(
        SALESBOT_TOKEN=server.token,
        SALESBOT_API_BASE_URL=server.base_url,
        SALESBOT_DATABASE_URL=db_url,
    )
    return environ


def salesbot(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SALESBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_team_create_prints_link_last_from_any_directory(env: dict[str, str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    done = salesbot(
        env, elsewhere, "team", "create", "North", "--timezone", "Europe/Warsaw", "--locale", "pl"
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("https://t.me/north_sales_bot?start=")
    link = salesbot(env, elsewhere, "team", "coordinator-link", "North")
    assert link.returncode == 0
    assert link.stdout.strip().splitlines()[-1] != last
    listed = salesbot(env, elsewhere, "team", "list")
    assert listed.returncode == 0 and listed.stdout == "North\t0\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("team", "create", "North", "--timezone", "Mars/Base"), "unknown time zone"),
        (("team", "coordinator-link", "Nowhere"), "no team named"),
        (("export", "--team", "North", "--format", "csv", "--from", "2026-13-01"), "not a date"),
        (("export", "--team", "Nowhere", "--format", "csv"), "no team named"),
        (("export", "--team", "North", "--format", "xlsx"), "needs -o FILE"),
    ],
)
def test_errors_are_one_line_and_exit_1(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = salesbot(env, tmp_path, *args)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_duplicate_team_name_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    assert salesbot(env, tmp_path, "team", "create", "North").returncode == 0
    again = salesbot(env, tmp_path, "team", "create", "North")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_missing_token_and_unreachable_api(env: dict[str, str], tmp_path: Path) -> None:
    no_token = {**env, "SALESBOT_TOKEN": ""}
    for args in (("run",), ("team", "create", "North")):
        done = salesbot(no_token, tmp_path, *args)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            "salesbot: SALESBOT_TOKEN is not set (put it in .env or the environment)"
        ]
    unreachable = {**env, "SALESBOT_API_BASE_URL": "http://127.0.0.1:9/bot"}
    for args in (("run",), ("team", "create", "North")):
        done = salesbot(unreachable, tmp_path, *args)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot reach the Bot API" in lines[0], done.stderr
    # getMe comes before storing anything: no team was half-made.
    assert salesbot(env, tmp_path, "team", "list").stdout == ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_polls_and_stops_cleanly_on_signal(
    env: dict[str, str], tmp_path: Path, server: BotApiServer, signum: int
) -> None:
    proc = subprocess.Popen([SALESBOT, "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        asyncio.run(server.wait_for(lambda: server.polling, timeout=30))
        # The menus are set at start, in both languages.
        assert server.calls_of("setMyCommands")
    finally:
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_export_csv_counts_local_days_and_defuses_formulas(
    env: dict[str, str], tmp_path: Path, db_url: str
) -> None:
    assert salesbot(env, tmp_path, "team", "create", "North", "--timezone", "Europe/Warsaw").returncode == 0

    async def seed() -> None:
        db = Database(db_url)
        rep = await make_member(db, "North", 2, first_name="Anna <b>")
        await add_sale(db, rep, 123450, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), client='Acme, "Sp" z o.o.')
        await add_sale(db, rep, 5, datetime(2026, 3, 27, 22, 59, tzinfo=UTC), client="Early")
        await add_sale(db, rep, 99, datetime(2026, 3, 29, 22, 0, tzinfo=UTC), client="Next day")
        await add_sale(db, rep, 1, datetime(2026, 3, 10, 12, 0, tzinfo=UTC), client="=HYPERLINK(1)")
        await db.dispose()

    asyncio.run(seed())
    out = salesbot(
        env,
        tmp_path,
        "export",
        "--team",
        "North",
        "--format",
        "csv",
        "--from",
        "2026-03-28",
        "--to",
        "2026-03-29",
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["sale_id", "local_datetime", "rep", "client", "product", "amount", "currency"]
    # 23:30 UTC on the 28th is 00:30 on the 29th in Warsaw (still CET, +1): the local day counts.
    assert rows[1][1:] == ["2026-03-29 00:30", "Anna <b>", 'Acme, "Sp" z o.o.', "", "1234.50", "PLN"]
    assert len(rows) == 2  # the 27th 23:59 local is before --from, the 30th 00:00 local after --to
    target = tmp_path / "out.csv"
    to_file = salesbot(env, tmp_path, "export", "--team", "North", "--format", "csv", "-o", str(target))
    assert to_file.returncode == 0 and to_file.stdout == ""
    all_rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    # A name that Excel would run as a formula is quoted.
    assert [r[3] for r in all_rows[1:]] == ["'=HYPERLINK(1)", "Early", 'Acme, "Sp" z o.o.', "Next day"]
    assert [r[5] for r in all_rows[1:]] == ["0.01", "0.05", "1234.50", "0.99"]


def test_jobs_run_claims_once_force_and_nothing_to_send(
    env: dict[str, str], tmp_path: Path, server: BotApiServer, db_url: str
) -> None:
    assert salesbot(env, tmp_path, "team", "create", "North").returncode == 0
    assert salesbot(env, tmp_path, "team", "create", "Lonely").returncode == 0
    group = server.group(-100777, "North group")

    async def link() -> None:
        from sqlalchemy import update

        from storage.models import Team

        db = Database(db_url)
        async with db.write() as session:
            await session.execute(update(Team).where(Team.name == "North").values(group_chat_id=group.id))
        await db.dispose()

    asyncio.run(link())
    args = ("jobs", "run", "daily-post", "--team", "North", "--date", "2026-11-28")  # a Saturday
    first = salesbot(env, tmp_path, *args)
    assert (first.returncode, first.stdout) == (0, "sent 1\n"), first.stderr
    again = salesbot(env, tmp_path, *args)
    assert (again.returncode, again.stdout) == (0, "already sent\n")
    forced = salesbot(env, tmp_path, *args, "--force")
    assert (forced.returncode, forced.stdout) == (0, "sent 1\n")
    assert len(server.messages_to(group.id)) == 2
    assert "Results of the day, 28 Nov 2026" in server.last_to(group.id).shown
    # No linked group and no coordinator: nothing to send, and no claim is taken.
    for kind in ("daily-post", "digest-daily", "digest-weekly", "nudge"):
        lonely = salesbot(env, tmp_path, "jobs", "run", kind, "--team", "Lonely")
        assert (lonely.returncode, lonely.stdout) == (0, "nothing to send\n"), lonely.stderr
    assert salesbot(env, tmp_path, "jobs", "run", "nudge", "--team", "Nowhere").returncode == 1
    # `jobs` never asks Telegram for updates.
    assert not server.calls_of("getUpdates")


def test_jobs_list_shows_next_fire_local_and_utc(env: dict[str, str], tmp_path: Path) -> None:
    assert salesbot(env, tmp_path, "team", "create", "North", "--timezone", "Europe/Warsaw").returncode == 0
    done = salesbot(env, tmp_path, "jobs", "list")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.strip().splitlines()]
    assert {row[1] for row in rows} == {
        "daily-rewards",
        "daily-post",
        "digest-daily",
        "digest-weekly",
        "nudge",
    }
    post = next(row for row in rows if row[1] == "daily-post")
    assert post[0] == "North" and post[2].endswith("18:00 Europe/Warsaw")
    assert post[3].endswith(("17:00 UTC", "16:00 UTC"))


def test_jobs_run_daily_rewards_closes_once(env: dict[str, str], tmp_path: Path) -> None:
    assert salesbot(env, tmp_path, "team", "create", "North").returncode == 0
    args = ("jobs", "run", "daily-rewards", "--team", "North", "--date", "2026-11-27")
    first = salesbot(env, tmp_path, *args)
    assert (first.returncode, first.stdout) == (0, "sent 0\n"), first.stderr  # closed; nobody earned
    again = salesbot(env, tmp_path, *args)
    assert (again.returncode, again.stdout) == (0, "already sent\n")


def test_export_xlsx_writes_a_workbook_that_opens(env: dict[str, str], tmp_path: Path, db_url: str) -> None:
    from openpyxl import load_workbook

    assert salesbot(env, tmp_path, "team", "create", "North", "--locale", "en").returncode == 0

    async def seed() -> None:
        db = Database(db_url)
        rep = await make_member(db, "North", 2, first_name="Anna")
        await add_sale(db, rep, 123450, datetime(2026, 3, 28, 10, 0, tzinfo=UTC), client="=HYPERLINK(1)")
        await db.dispose()

    asyncio.run(seed())
    out = tmp_path / "north.xlsx"
    done = salesbot(env, tmp_path, "export", "--team", "North", "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    book: Any = load_workbook(out)  # openpyxl types cell values as a wide union
    assert book.sheetnames[:2] == ["Summary", "Sales"]
    sale = next(iter(book["Sales"].iter_rows(min_row=2)))
    assert sale[3].value == "=HYPERLINK(1)" and sale[3].data_type == "s"
    assert sale[5].value == 1234.5
