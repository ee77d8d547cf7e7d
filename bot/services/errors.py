"""Refusals a service can answer with. The reason picks the sentence in `templates/refused.j2`."""

from __future__ import annotations

from storage.models import NAME_MAX


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() accepts "²", which int() then refuses."""
    return text.isascii() and text.isdigit()


def clean_text(text: str, limit: int = NAME_MAX) -> str:
    """A typed name or reason as stored: stripped, not empty, at most `limit` characters."""
    value = text.strip()
    if not value:
        raise Refused("name_empty")
    if len(value) > limit:
        raise Refused("name_too_long", limit=limit, length=len(value))
    return value


class Refused(Exception):
    """The request is understood and refused; nothing was changed."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
