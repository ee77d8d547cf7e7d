"""Refusals a service can answer with. The reason picks the sentence in `templates/refused.j2`."""

from __future__ import annotations


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() accepts "²", which int() then refuses."""
    return text.isascii() and text.isdigit()


class Refused(Exception):
    """The request is understood and refused; nothing was changed."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
