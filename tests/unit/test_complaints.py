"""The complaints' digest numbers: the median time to resolve and how it is worded."""

from __future__ import annotations

from datetime import date, timedelta

from bot.render import Renderer
from bot.services.complaint_stats import OpenComplaints, WeekComplaints, median
from bot.services.digests import DailyDigest, WeeklyDigest
from tests.support.complaint_samples import TEAM

H = timedelta(hours=1)
MONDAY = date(2026, 11, 30)


def test_the_median_is_the_middle_span_or_the_mean_of_the_two_middle_ones_and_none_of_none() -> None:
    assert median([]) is None
    assert median([5 * H]) == 5 * H
    assert median([30 * H, 2 * H, 7 * H]) == 7 * H  # order does not matter
    assert median([2 * H, 30 * H, 7 * H, 9 * H]) == 8 * H


def weekly(renderer: Renderer, locale: str, stats: WeekComplaints) -> str:
    digest = WeeklyDigest(MONDAY, [], None, None, 0, 0, complaints=stats)
    return renderer.render("digest_weekly", locale, digest=digest, team=TEAM).splitlines()[-1]


def test_the_weekly_median_is_in_hours_under_two_days_and_in_days_from_then_on(renderer: Renderer) -> None:
    assert weekly(renderer, "en", WeekComplaints(3, 1, 20 * timedelta(minutes=1))).endswith(
        "Median time to resolve: under an hour."
    )
    assert weekly(renderer, "en", WeekComplaints(3, 1, 90 * timedelta(minutes=1))).endswith(
        "Median time to resolve: 2 hours."
    )
    assert weekly(renderer, "en", WeekComplaints(3, 1, 47 * H)).endswith("Median time to resolve: 47 hours.")
    assert weekly(renderer, "en", WeekComplaints(3, 1, 59 * H)).endswith("Median time to resolve: 2 days.")
    assert weekly(renderer, "en", WeekComplaints(3, 1, 60 * H)).endswith("to resolve: 3 days.")  # halves up
    assert weekly(renderer, "pl", WeekComplaints(3, 1, 22 * H)).endswith("rozpatrzenia: 22 godziny.")
    assert weekly(renderer, "pl", WeekComplaints(3, 1, 5 * 24 * H)).endswith("rozpatrzenia: 5 dni.")
    # Nothing closed: the counts without a median; nothing at all: no line.
    assert weekly(renderer, "en", WeekComplaints(2, 0, None)) == "📣 Complaints: 2 opened, 0 closed."
    assert "Complaints" not in weekly(renderer, "en", WeekComplaints(0, 0, None))


def test_the_daily_line_counts_the_open_ones_and_names_the_oldest_with_its_age(renderer: Renderer) -> None:
    def line(stats: OpenComplaints, locale: str = "en") -> str:
        digest = DailyDigest(MONDAY, MONDAY, MONDAY, [], [], [], 0, complaints=stats)
        return renderer.render("digest_daily", locale, digest=digest, team=TEAM).splitlines()[-1]

    assert line(OpenComplaints(2, 6, "Acme")) == "📣 2 complaints are open. The oldest, Acme, is 6 days old."
    assert line(OpenComplaints(1, 1, "Acme")) == "📣 1 complaint is open. The oldest, Acme, is 1 day old."
    assert line(OpenComplaints(5, 2, "Acme"), "pl") == (
        "📣 Otwartych jest 5 reklamacji. Najstarsza, klienta Acme, czeka 2 dni."
    )
    assert "complaint" not in line(OpenComplaints(0))
