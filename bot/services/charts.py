"""Charts as PNG, 1200 x 600 px, drawn headless.

matplotlib is imported inside the drawing functions: most processes never draw, and the import
alone costs tens of megabytes. The figures use the object API (no pyplot state), so drawing in a
worker thread (`asyncio.to_thread`) is safe. Amounts come in as integer minor units and are
labelled with the caller's money format, the one the messages use.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, DPI = 1200, 600, 100

Money = Callable[[int], str]


@dataclass(frozen=True)
class ChartWords:
    """The reader's words: the title, and the names of the bars and of the line."""

    title: str
    bars: str
    line: str


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    return figure, figure.add_subplot()


def _money_axis(axes: Any, money: Money) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: money(round(value))))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    # No bbox_inches="tight": it would change the size; the layout engine keeps labels inside.
    figure.set_layout_engine("constrained")
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def bars_against_line(
    labels: Sequence[str],
    bars: Sequence[int],
    line: Sequence[int | None],
    words: ChartWords,
    money: Money,
    *,
    cumulative_line: bool = False,
) -> bytes:
    """Bars (a day's or a team's total) and a line (the target or its pace) over the same labels."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    axes.bar(positions, bars, color="#4C78A8", label=words.bars)
    points = [(p, v) for p, v in zip(positions, line, strict=True) if v is not None]
    if points:
        xs, ys = zip(*points, strict=True)
        if cumulative_line:
            axes.plot(xs, ys, color="#E45756", linewidth=2.5, label=words.line)
        else:
            axes.scatter(xs, ys, color="#E45756", marker="_", s=400, linewidths=3, label=words.line, zorder=3)
    axes.set_title(words.title)
    step = max(1, len(labels) // 14)  # at most ~14 labels fit under 1200 px
    axes.set_xticks(positions[::step], [labels[i] for i in positions[::step]])
    _money_axis(axes, money)
    axes.legend(loc="upper left")
    return _png(figure)


def cumulative_against_target(
    labels: Sequence[str],
    cumulative: Sequence[int | None],
    target: Sequence[int] | None,
    words: ChartWords,
    money: Money,
) -> bytes:
    """A month so far: sales summed day by day, and the straight line to the month's target."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    points = [(p, v) for p, v in zip(positions, cumulative, strict=True) if v is not None]
    if points:
        xs, ys = zip(*points, strict=True)
        axes.plot(xs, ys, color="#4C78A8", linewidth=3, marker="o", label=words.bars)
        axes.fill_between(xs, ys, color="#4C78A8", alpha=0.15)
    if target is not None:
        axes.plot(positions, target, color="#E45756", linewidth=2, linestyle="--", label=words.line)
    axes.set_title(words.title)
    step = max(1, len(labels) // 14)
    axes.set_xticks(positions[::step], [labels[i] for i in positions[::step]])
    _money_axis(axes, money)
    if axes.get_legend_handles_labels()[0]:  # an empty month draws nothing to name
        axes.legend(loc="upper left")
    return _png(figure)
