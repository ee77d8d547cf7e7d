"""Charts: valid PNGs of 1200 x 600 px, whatever the data, and matplotlib only loaded to draw."""

from __future__ import annotations

import struct
import subprocess
import sys

from bot.services.charts import ChartWords, bars_against_line, cumulative_against_target

WORDS = ChartWords("<b>x</b> & 😀 sprzedaż", "Sprzedaż dnia", "Tempo do celu")


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def money(minor: int) -> str:
    return f"{minor // 100} zł"


def test_bars_against_a_pace_line_are_a_1200_by_600_png() -> None:
    labels = [f"{d:02d}.11" for d in range(1, 29)]
    bars = [i * 12_345 for i in range(28)]
    pace = [50_000 if i % 7 < 5 else None for i in range(28)]
    assert size(bars_against_line(labels, bars, pace, WORDS, money)) == (1200, 600)


def test_an_empty_month_and_a_month_without_target_still_draw() -> None:
    labels = [f"{d:02d}.12" for d in range(1, 32)]
    assert size(cumulative_against_target(labels, [None] * 31, None, WORDS, money)) == (1200, 600)
    running = [i * 1000 if i < 3 else None for i in range(31)]
    target = [100_000 * (i + 1) // 31 for i in range(31)]
    assert size(cumulative_against_target(labels, running, target, WORDS, money)) == (1200, 600)
    assert size(bars_against_line(["a"], [0], [None], WORDS, money)) == (1200, 600)


def test_the_bot_starts_without_loading_matplotlib() -> None:
    code = "import sys, bot.cli, bot.app; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
