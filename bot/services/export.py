"""CSV export of a team's sales for the coordinator's documentation (MS Office reads it)."""

from __future__ import annotations

import csv
from datetime import date
from typing import TextIO

from sqlalchemy import func, select

from bot.services.access import TeamInfo
from bot.services.money import format_amount_plain
from bot.services.periods import local_midnight
from storage.db import Database
from storage.models import Client, Person, Product, Sale

HEADER = ("sale_id", "local_datetime", "rep", "client", "product", "amount", "currency")


def _cell(text: str) -> str:
    """Names typed by reps: a leading = + - @ would run as a formula in Excel, so it is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def write_csv(
    db: Database, team: TeamInfo, first_day: date | None, last_day: date | None, out: TextIO
) -> int:
    """Write non-voided sales in [first_day, last_day] (local dates, inclusive); returns the row count."""
    zone = team.zone
    stmt = (
        select(Sale, Person.first_name, Person.last_name, Client.name, Product.name)
        .join(Person, Person.id == Sale.person_id)
        .join(Client, Client.id == Sale.client_id)
        .outerjoin(Product, Product.id == Sale.product_id)
        .where(Sale.team_id == team.id, Sale.voided_at.is_(None))
        .order_by(Sale.occurred_at, Sale.id)
    )
    if first_day is not None:
        stmt = stmt.where(Sale.occurred_at >= local_midnight(first_day, zone))
    if last_day is not None:
        stmt = stmt.where(Sale.occurred_at < local_midnight(date.fromordinal(last_day.toordinal() + 1), zone))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    async with db.read() as session:
        for sale, first, last, client, product in await session.execute(stmt):
            writer.writerow(
                (
                    sale.id,
                    sale.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    _cell(f"{first} {last}" if last else first),
                    _cell(client),
                    _cell(product or ""),
                    format_amount_plain(sale.amount_minor),
                    sale.currency,
                )
            )
            count += 1
    return count


async def first_day(db: Database, team: TeamInfo) -> date | None:
    """The local day of the team's first sale: where "everything" starts."""
    async with db.read() as session:
        first = await session.scalar(select(func.min(Sale.occurred_at)).where(Sale.team_id == team.id))
    return first.astimezone(team.zone).date() if first is not None else None
