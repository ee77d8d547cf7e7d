"""Inline keyboards from (label, data) rows, as handlers build them and the outbox stores them."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

Rows = list[list[tuple[str, str]]]


def keyboard(rows: Rows) -> InlineKeyboardMarkup:
    """Buttons from (label, callback_data) pairs; an `https://` target makes a link button."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith("https://")
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in rows
        ]
    )


def rows_of(markup: InlineKeyboardMarkup | None) -> Rows:
    """A keyboard back as (label, callback data or link) rows, for the outbox to keep."""
    if markup is None:
        return []
    return [
        [(button.text, str(button.callback_data or button.url or "")) for button in row]
        for row in markup.inline_keyboard
    ]


def pager(number: int, pages: int, data: Callable[[int], str]) -> Rows:
    """◀ n/N ▶ under a paged list (no row for a single page); `data(k)` is page k's button."""
    if pages <= 1:
        return []
    row = [("◀", data(number - 1))] if number > 0 else []
    row.append((f"{number + 1}/{pages}", data(number)))
    if number < pages - 1:
        row.append(("▶", data(number + 1)))
    return [row]
