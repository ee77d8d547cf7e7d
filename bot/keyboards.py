"""Inline keyboards from (label, data) rows, as handlers build them and the outbox stores them."""

from __future__ import annotations

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
