"""The workbook for the coordinator's documentation and their superiors: real cells, one sheet per subject.

Sheets are written streaming (openpyxl's write-only mode): a year of a 300-rep team never sits in
memory. Words (sheet names, headers, kinds) come from the caller, in the team's language, so this
module knows no template. Every text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.services import workbook_data, workbook_desk
from bot.services.access import TeamInfo
from storage.db import Database

# openpyxl's stubs leave out most of the write-only sheet (widths, filters, charts), which it has.
WriteOnlyWorksheet = Any

# (what, key) -> the word in the team's language: ("sheet", "sales"), ("column", "amount"), ("kind", ...)
Words = Callable[[str, str], str]

SHEET_NAME_MAX = 31  # Excel's limit
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class Cell(StrEnum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    WORD = "word"  # a stored value (a kind, yes/no) shown as the team's word for it


@dataclass(frozen=True)
class Column:
    key: str
    cell: Cell
    width: int = 14


def sheet_name(prefix: str, name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = FORBIDDEN.sub("_", name)
    if prefix:
        room = SHEET_NAME_MAX - len(base) - 1
        base = f"{FORBIDDEN.sub('_', prefix)[: max(room, 1)]} {base}"
    base = base[:SHEET_NAME_MAX].strip("'") or "_"
    candidate, n = base, 2
    while candidate.casefold() in taken:
        tail = f" ({n})"
        candidate, n = base[: SHEET_NAME_MAX - len(tail)] + tail, n + 1
    taken.add(candidate.casefold())
    return candidate


def money(minor: int) -> Decimal:
    return Decimal(minor).scaleb(-2)


class Writer:
    """One workbook being written: sheets in order, each streamed row by row."""

    def __init__(self, words: Words) -> None:
        self.book = Workbook(write_only=True)
        self.words = words
        self.taken: set[str] = set()

    def sheet(self, prefix: str, key: str, columns: Sequence[Column]) -> WriteOnlyWorksheet:
        ws: WriteOnlyWorksheet = self.book.create_sheet(
            sheet_name(prefix, self.words("sheet", key), self.taken)
        )
        for i, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=self.words("column", column.key))
            cell.font = Font(bold=True)
            cell.data_type = "s"
            header.append(cell)
        ws.append(header)
        return ws

    def row(
        self, ws: WriteOnlyWorksheet, columns: Sequence[Column], values: Sequence[Any], currency: str
    ) -> None:
        ws.append([self._cell(ws, c, v, currency) for c, v in zip(columns, values, strict=True)])

    def _cell(self, ws: WriteOnlyWorksheet, column: Column, value: Any, currency: str) -> Any:
        if value is None:
            return None
        if column.cell is Cell.WORD:
            value = self.words("word", str(value))
        if column.cell in (Cell.TEXT, Cell.WORD):
            cell = WriteOnlyCell(ws, value=str(value))
            cell.data_type = "s"  # a typed "=..." stays text: a workbook never runs what a user wrote
            return cell
        cell = WriteOnlyCell(ws, value=value)
        if column.cell is Cell.MONEY:
            cell.value = money(int(value))
            cell.number_format = f'#,##0.00 "{currency}"'
        elif column.cell is Cell.PERCENT:
            cell.number_format = "0%"
        elif column.cell is Cell.DATE:
            cell.number_format = "yyyy-mm-dd"
        elif column.cell is Cell.DATETIME:
            cell.number_format = "yyyy-mm-dd hh:mm"
        return cell

    def finish(self, ws: WriteOnlyWorksheet, columns: Sequence[Column], rows: int) -> None:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"

    def save(self, path: Path) -> None:
        self.book.save(path)


SUMMARY = (
    Column("rep", Cell.TEXT, 28),
    Column("total", Cell.MONEY, 16),
    Column("count", Cell.INT, 10),
    Column("target", Cell.MONEY, 16),
    Column("percent", Cell.PERCENT, 10),
    Column("points", Cell.INT, 10),
)
SALES = (
    Column("sale", Cell.INT, 8),
    Column("when", Cell.DATETIME, 18),
    Column("rep", Cell.TEXT, 24),
    Column("client", Cell.TEXT, 30),
    Column("product", Cell.TEXT, 20),
    Column("amount", Cell.MONEY, 16),
)
REPS = (
    Column("rep", Cell.TEXT, 28),
    Column("username", Cell.TEXT, 18),
    Column("role", Cell.WORD, 14),
    Column("joined", Cell.DATE, 12),
    Column("removed", Cell.DATE, 12),
    Column("total", Cell.MONEY, 16),
    Column("count", Cell.INT, 10),
)
CLIENTS = (
    Column("client", Cell.TEXT, 30),
    Column("kind", Cell.WORD, 12),
    Column("key_account", Cell.WORD, 10),
    Column("owner", Cell.TEXT, 24),
    Column("total", Cell.MONEY, 16),
    Column("count", Cell.INT, 10),
    Column("last_contact", Cell.DATETIME, 18),
)
CONTESTS = (
    Column("contest", Cell.TEXT, 28),
    Column("kind", Cell.WORD, 16),
    Column("starts", Cell.DATETIME, 18),
    Column("ends", Cell.DATETIME, 18),
    Column("place", Cell.INT, 8),
    Column("winner", Cell.TEXT, 24),
    Column("result", Cell.INT, 14),
)
MEETINGS = (
    Column("meeting", Cell.TEXT, 28),
    Column("kind", Cell.WORD, 14),
    Column("starts", Cell.DATETIME, 18),
    Column("minutes", Cell.INT, 10),
    Column("place", Cell.TEXT, 20),
    Column("person", Cell.TEXT, 24),
    Column("answer", Cell.WORD, 10),
    Column("attended", Cell.WORD, 10),
)
COMPLAINTS = (
    Column("complaint", Cell.INT, 8),
    Column("when", Cell.DATETIME, 18),
    Column("client", Cell.TEXT, 28),
    Column("reported_by", Cell.TEXT, 22),
    Column("what_happened", Cell.TEXT, 50),
    Column("status", Cell.WORD, 14),
    Column("closed", Cell.DATETIME, 18),
)
TASKS = (
    Column("task", Cell.TEXT, 50),
    Column("rep", Cell.TEXT, 24),
    Column("client", Cell.TEXT, 26),
    Column("given", Cell.DATE, 12),
    Column("due", Cell.DATE, 12),
    Column("done", Cell.DATETIME, 18),
    Column("given_by", Cell.TEXT, 22),
)
TEAMS = (
    Column("team", Cell.TEXT, 28),
    Column("currency", Cell.TEXT, 10),
    Column("reps", Cell.INT, 8),
    Column("total", Cell.MONEY, 16),
    Column("count", Cell.INT, 10),
    Column("target", Cell.MONEY, 16),
    Column("percent", Cell.PERCENT, 10),
)


async def _stream(
    writer: Writer,
    ws: WriteOnlyWorksheet,
    columns: Sequence[Column],
    rows: AsyncIterator[Sequence[Any]],
    currency: str,
) -> int:
    n = 0
    async for values in rows:
        writer.row(ws, columns, values, currency)
        n += 1
        if n % 500 == 0:
            await asyncio.sleep(0)  # a big export must not hold up the other chats
    writer.finish(ws, columns, n)
    return n


def _percent(total: int, target: int | None) -> Decimal | None:
    return (Decimal(total) / Decimal(target)).quantize(Decimal("0.0001")) if target else None


async def write_team(
    writer: Writer, db: Database, team: TeamInfo, first: date, last: date, prefix: str
) -> None:
    summary = await workbook_data.summary(db, team, first, last)
    ws = writer.sheet(prefix, "summary", SUMMARY)
    for line in summary.lines:
        writer.row(
            ws,
            SUMMARY,
            (line.name, line.total, line.count, line.target, _percent(line.total, line.target), line.points),
            team.currency,
        )
    total, target = summary.total, summary.target
    team_row = (
        writer.words("word", "team_total"),
        total,
        summary.count,
        target,
        _percent(total, target),
        sum(line.points for line in summary.lines),
    )
    writer.row(ws, SUMMARY, team_row, team.currency)
    writer.finish(ws, SUMMARY, len(summary.lines) + 1)
    if summary.lines:
        # A native Excel chart of the reps' totals: it stays live when the coordinator edits cells.
        chart = BarChart()
        chart.title = writer.words("column", "total")
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=2, min_row=1, max_row=len(summary.lines) + 1), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(summary.lines) + 1))
        chart.width, chart.height = 24, 12
        ws.add_chart(chart, "H2")
    for key, columns, rows in (
        ("sales", SALES, workbook_data.sales(db, team, first, last)),
        ("reps", REPS, workbook_data.reps(db, team, first, last)),
        ("clients", CLIENTS, workbook_data.clients(db, team, first, last)),
        ("complaints", COMPLAINTS, workbook_desk.complaints(db, team, first, last)),
        ("tasks", TASKS, workbook_desk.tasks(db, team, first, last)),
        ("contests", CONTESTS, workbook_data.contests(db, team, first, last)),
        ("meetings", MEETINGS, workbook_data.meetings(db, team, first, last)),
    ):
        await _stream(writer, writer.sheet(prefix, key, columns), columns, rows, team.currency)


async def write_workbook(
    db: Database, teams: Sequence[TeamInfo], first: date, last: date, path: Path, words: Words
) -> None:
    """One team's workbook, or (several teams) a Teams sheet followed by each team's sheets."""
    writer = Writer(words)
    several = len(teams) > 1
    if several:
        ws = writer.sheet("", "teams", TEAMS)
        for team in teams:
            summary = await workbook_data.summary(db, team, first, last)
            total, target = summary.total, summary.target
            writer.row(
                ws,
                TEAMS,
                (
                    team.name,
                    team.currency,
                    summary.reps,
                    total,
                    summary.count,
                    target,
                    _percent(total, target),
                ),
                team.currency,
            )
        writer.finish(ws, TEAMS, len(teams))
    for team in teams:
        await write_team(writer, db, team, first, last, team.name if several else "")
    writer.save(path)
