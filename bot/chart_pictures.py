"""The charts in the reader's language: words from `templates/labels.j2`, money as in messages."""

from __future__ import annotations

import asyncio

from bot.render import Renderer
from bot.services.access import TeamInfo
from bot.services.chart_data import Series
from bot.services.charts import ChartWords, bars_against_line, cumulative_against_target
from bot.services.money import format_amount_plain, format_money
from bot.services.summary import TeamRow


def _day(series: Series) -> list[str]:
    return [f"{d.day:02d}.{d.month:02d}" for d in series.days]


async def team_weeks(renderer: Renderer, locale: str, team: TeamInfo, series: Series) -> bytes:
    """The weekly digest's chart: the team's daily totals against the target's daily pace."""
    words = ChartWords(
        renderer.label(locale, "chart_weeks_title", team=team.name),
        renderer.label(locale, "chart_day_total"),
        renderer.label(locale, "chart_pace"),
    )
    bars = [v or 0 for v in series.values]

    def money(minor: int) -> str:
        return format_money(minor, team.currency, locale)

    # Drawing takes a few hundred milliseconds: off the event loop, so other chats go on.
    return await asyncio.to_thread(bars_against_line, _day(series), bars, series.line, words, money)


async def my_month(renderer: Renderer, locale: str, team: TeamInfo, name: str, series: Series) -> bytes:
    """A rep's month: cumulative sales against the straight line to the target."""
    words = ChartWords(
        renderer.label(locale, "chart_month_title", name=name),
        renderer.label(locale, "chart_cumulative"),
        renderer.label(locale, "chart_target_line"),
    )
    target = None if all(v is None for v in series.line) else [v or 0 for v in series.line]

    def money(minor: int) -> str:
        return format_money(minor, team.currency, locale)

    return await asyncio.to_thread(
        cumulative_against_target, _day(series), series.values, target, words, money
    )


async def teams_against_targets(renderer: Renderer, locale: str, rows: list[TeamRow]) -> bytes:
    """The managers' chart: each team's total, and its target as a mark on the bar."""
    words = ChartWords(
        renderer.label(locale, "chart_teams_title"),
        renderer.label(locale, "chart_team_total"),
        renderer.label(locale, "chart_team_target"),
    )
    currency = rows[0].currency if len({r.currency for r in rows}) == 1 else ""

    def money(minor: int) -> str:
        return format_money(minor, currency, locale) if currency else format_amount_plain(minor)

    labels = [row.name[:14] for row in rows]
    targets: list[int | None] = [row.target for row in rows]
    return await asyncio.to_thread(bars_against_line, labels, [r.total for r in rows], targets, words, money)
