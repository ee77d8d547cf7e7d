"""The workbook: real cells (numbers, dates, currency), the team's words, totals equal to the database's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.render import Renderer
from bot.services import teams
from bot.services.workbook import Words, sheet_name, write_workbook
from storage.db import Database
from storage.models import Attendee, Client, Complaint, Meeting, Sale, Target, Task
from tests.support.factories import add_sale, make_member, make_team

FORMULA = '=HYPERLINK("x")'


def words_in(renderer: Renderer, locale: str) -> Words:
    def words(what: str, key: str) -> str:
        return renderer.label(locale, what, name=key)

    return words


async def seed(db: Database) -> None:
    await make_team(db, "North")
    anna = await make_member(db, "North", 2, first_name="Anna")
    ola = await make_member(db, "North", 3, first_name="Ola")
    await make_member(db, "North", 9, first_name="Szef")  # a second rep with nothing sold
    await add_sale(db, anna, 123_450, datetime(2026, 3, 2, 10, 0, tzinfo=UTC), client=FORMULA)
    # 00:30 on 1 April in Warsaw: outside March
    await add_sale(db, anna, 50, datetime(2026, 3, 31, 22, 30, tzinfo=UTC), client="Acme")
    await add_sale(db, ola, 10_000, datetime(2026, 3, 15, 9, 0, tzinfo=UTC), client="acme")
    voided = await add_sale(db, ola, 999_999, datetime(2026, 3, 16, 9, 0, tzinfo=UTC), client="Acme")
    team = await teams.find_team(db, "North")
    async with db.write() as session:
        sale = await session.get_one(Sale, voided)
        sale.voided_at = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
        session.add(
            Target(
                team_id=team.id,
                person_id=2,
                month=date(2026, 3, 1),
                amount_minor=310_000,
                set_by=1,
                set_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
        meeting = Meeting(
            team_id=team.id,
            kind="training",
            title=FORMULA,
            starts_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
            duration_min=60,
            place=None,
            created_by=1,
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
            scheduled_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
        session.add(meeting)
        await session.flush()
        session.add(Attendee(meeting_id=meeting.id, person_id=2, answer="yes", attended=True))
        acme = await session.scalar(select(Client.id).where(Client.team_id == team.id, Client.name == "Acme"))
        assert acme is not None
        session.add(
            Complaint(
                team_id=team.id,
                client_id=acme,
                reported_by=2,
                text=FORMULA,
                status="in_progress",
                created_at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
            )
        )
        session.add(
            Task(
                team_id=team.id,
                batch="b1",
                given_by=9,
                assignee_id=3,
                text="+48 call back",
                due=date(2026, 3, 10),
                created_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
                assigned_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
            )
        )
        session.add(Attendee(meeting_id=meeting.id, person_id=3, answer=None))


async def test_the_workbook_has_the_team_s_sheets_real_cells_and_the_database_s_totals(
    db: Database, renderer: Renderer, tmp_path: Path
) -> None:
    await seed(db)
    team = await teams.find_team(db, "North")
    out = tmp_path / "north.xlsx"
    await write_workbook(db, [team], date(2026, 3, 1), date(2026, 3, 31), out, words_in(renderer, "pl"))
    book: Any = load_workbook(out)  # openpyxl types cell values as a wide union
    assert book.sheetnames == [
        "Podsumowanie",
        "Sprzedaż",
        "Handlowcy",
        "Klienci",
        "Reklamacje",
        "Zadania",
        "Konkursy",
        "Spotkania",
    ]
    summary = book["Podsumowanie"]
    assert summary["A1"].font.b and summary.freeze_panes == "A2" and summary.auto_filter.ref
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    assert rows["Anna"][1].value == pytest.approx(1234.5)
    assert rows["Anna"][1].data_type == "n" and "PLN" in rows["Anna"][1].number_format
    assert rows["Anna"][3].value == pytest.approx(3100.0)  # March's whole target
    assert rows["Anna"][4].value == pytest.approx(123_450 / 310_000, abs=1e-4)
    async with db.read() as session:
        in_db = await session.scalar(
            select(func.sum(Sale.amount_minor)).where(
                Sale.voided_at.is_(None),
                Sale.occurred_at >= datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
                Sale.occurred_at < datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
            )
        )
    assert round(rows["Cały zespół"][1].value * 100) == in_db == 133_450
    assert len(summary._charts) == 1  # the native bar chart
    sales = book["Sprzedaż"]
    body = list(sales.iter_rows(min_row=2, values_only=True))
    assert len(body) == 2  # voided and April's are out
    assert sum(round(r[5] * 100) for r in body) == in_db
    reps_rows = list(book["Handlowcy"].iter_rows(min_row=2, values_only=True))
    assert sum(round(r[5] * 100) for r in reps_rows) == in_db
    assert sum(r[6] for r in reps_rows) == len(body)
    clients_rows = list(book["Klienci"].iter_rows(min_row=2, values_only=True))
    assert sum(round(r[4] * 100) for r in clients_rows) == in_db
    cells = list(sales.iter_rows(min_row=2))
    assert isinstance(cells[0][1].value, datetime) and cells[0][1].value == datetime(2026, 3, 2, 11, 0)
    formula = next(c for c in sales["D"] if c.value == FORMULA)
    assert formula.data_type == "s"  # text, never a formula
    clients = [r for r in book["Klienci"].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in clients].count("Acme") == 1  # the spellings are one client
    meetings = list(book["Spotkania"].iter_rows(min_row=2, values_only=True))
    assert {(r[5], r[6], r[7]) for r in meetings} == {
        ("Anna", "tak", "tak"),
        ("Ola", "brak odpowiedzi", None),
    }
    assert all(r[1] == "Coaching lub szkolenie" for r in meetings)
    complaint = next(iter(book["Reklamacje"].iter_rows(min_row=2)))
    assert complaint[4].value == FORMULA and complaint[4].data_type == "s" and complaint[5].value == "w toku"
    task = next(iter(book["Zadania"].iter_rows(min_row=2)))
    assert task[0].value == "+48 call back" and task[0].data_type == "s"
    assert task[4].value == datetime(2026, 3, 10) and task[1].value == "Ola"


async def test_a_workbook_of_several_teams_starts_with_the_teams_and_prefixes_sheet_names(
    db: Database, renderer: Renderer, tmp_path: Path
) -> None:
    await seed(db)
    long_name = "South: [Warszawa/Kraków]* and the very long rest"
    await make_team(db, long_name)
    rep = await make_member(db, long_name, 20, first_name="Ewa")
    await add_sale(db, rep, 700, datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    north, south = await teams.find_team(db, "North"), await teams.find_team(db, long_name)
    out = tmp_path / "all.xlsx"
    await write_workbook(
        db, [north, south], date(2026, 3, 1), date(2026, 3, 31), out, words_in(renderer, "en")
    )
    book: Any = load_workbook(out)  # openpyxl types cell values as a wide union
    assert book.sheetnames[0] == "Teams"
    assert len(book.sheetnames) == 1 + 2 * 8
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in book.sheetnames)
    assert "North Summary" in book.sheetnames
    teams_rows = list(book["Teams"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in teams_rows] == ["North", long_name]
    assert round(teams_rows[1][3] * 100) == 700


def test_sheet_names_follow_excel_s_rules_and_stay_unique() -> None:
    taken: set[str] = set()
    first = sheet_name("A" * 40, "Summary", taken)
    second = sheet_name("A" * 40, "Summary", taken)
    assert len(first) <= 31 and first.endswith("Summary")
    assert second != first and len(second) <= 31
    assert sheet_name("a/b", "x:y", set()) == "a_b x_y"


async def test_a_month_s_target_counts_in_proportion_to_the_days_in_the_range(
    db: Database, renderer: Renderer, tmp_path: Path
) -> None:
    await seed(db)
    team = await teams.find_team(db, "North")
    out = tmp_path / "half.xlsx"
    first = date(2026, 3, 1)
    await write_workbook(db, [team], first, first + timedelta(days=14), out, words_in(renderer, "en"))
    book: Any = load_workbook(out)
    rows = {r[0]: r for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert round(rows["Anna"][3] * 100) == 310_000 * 15 // 31


def test_a_target_applies_from_its_month_until_changed_as_targets_target_of_reads_it() -> None:
    from bot.services.workbook_data import _in_force

    history = [(date(2026, 1, 1), 100), (date(2026, 3, 1), 300)]
    assert _in_force(history, date(2025, 12, 1)) is None
    assert [_in_force(history, date(2026, m, 1)) for m in (1, 2, 3, 4)] == [100, 100, 300, 300]
    assert _in_force([], date(2026, 1, 1)) is None
