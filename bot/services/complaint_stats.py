"""The complaints' lines of the coordinators' digests: what is open as the day begins, and a
week's opened and closed complaints with the median time to close them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from storage.db import Database
from storage.models import Client, Complaint


@dataclass(frozen=True)
class OpenComplaints:
    count: int
    # The oldest one still open: its age in whole days and its client.
    oldest_days: int = 0
    oldest_client: str = ""


@dataclass(frozen=True)
class WeekComplaints:
    opened: int
    closed: int
    # The median time from filing to resolving or rejecting, of those closed that week.
    median: timedelta | None = None

    @property
    def median_hours(self) -> int:
        """The median in whole hours, halves up (at least 1): shown under two days."""
        assert self.median is not None
        return max(1, int(self.median / timedelta(hours=1) + 0.5))

    @property
    def median_days(self) -> int:
        assert self.median is not None
        return int(self.median / timedelta(days=1) + 0.5)


async def open_at(db: Database, team_id: int, at: datetime) -> OpenComplaints:
    """The team's complaints filed before `at` and not closed by then; the oldest of them."""
    where = (Complaint.team_id == team_id, Complaint.created_at < at)
    still = or_(Complaint.closed_at.is_(None), Complaint.closed_at >= at)
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Complaint).where(*where, still))
        oldest = (
            await session.execute(
                select(Complaint.created_at, Client.name)
                .join(Client, Client.id == Complaint.client_id)
                .where(*where, still)
                .order_by(Complaint.created_at, Complaint.id)
                .limit(1)
            )
        ).first()
    if not count or oldest is None:
        return OpenComplaints(0)
    return OpenComplaints(int(count), (at - oldest[0]).days, str(oldest[1]))


async def week(db: Database, team_id: int, start: datetime, end: datetime) -> WeekComplaints:
    """Complaints filed in [start, end), those closed in it, and the median time those took."""
    async with db.read() as session:
        opened = await session.scalar(
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.team_id == team_id, Complaint.created_at >= start, Complaint.created_at < end)
        )
        closed = (
            await session.execute(
                select(Complaint.created_at, Complaint.closed_at).where(
                    Complaint.team_id == team_id, Complaint.closed_at >= start, Complaint.closed_at < end
                )
            )
        ).all()
    spans = [c - o for o, c in closed if c is not None]
    return WeekComplaints(int(opened or 0), len(spans), median(spans))


def median(spans: list[timedelta]) -> timedelta | None:
    """The middle span (the mean of the two middle ones for an even count); None for none."""
    if not spans:
        return None
    ordered, middle = sorted(spans), len(spans) // 2
    return ordered[middle] if len(spans) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
