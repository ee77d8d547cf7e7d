"""Long lists shown a page at a time, and found by a typed part of a name.

Telegram allows 100 buttons under a message; a team of 300 needs pages. A page number comes from a
button and is never trusted: it is clamped to the pages there are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 10
# A page number read from a button is range-checked against this before it is clamped.
MAX_PAGE = 10_000
# A search carried in a button's data is cut to this many bytes (the data hold 64 in all).
QUERY_BYTES = 24
# Letters that Unicode does not decompose into a base letter and a mark.
# A conversation's page button carries "p" and the page number as its value.
_PAGE_VALUE = re.compile(r"p([0-9]{1,5})")
_FOLDS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # from 0
    pages: int  # at least 1
    total: int
    query: str = ""

    @property
    def many(self) -> bool:
        return self.pages > 1


def page_of(items: Sequence[T], number: int, query: str = "", size: int = PAGE_SIZE) -> Page[T]:
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return Page(list(items[number * size : (number + 1) * size]), number, pages, len(items), query)


def fold(text: str) -> str:
    """Case, accents and spacing folded: "Łukasz  Żak" and "lukasz zak" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDS))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_query(text: str) -> str:
    """A typed search as a button can carry it: no separator, at most QUERY_BYTES of UTF-8."""
    cut = " ".join(text.replace(":", " ").split()).encode()[:QUERY_BYTES]
    return cut.decode(errors="ignore").strip()  # a letter cut in half is dropped


def matching(items: Sequence[T], query: str, name: Callable[[T], str]) -> list[T]:
    """The items whose name contains the query (folded); all of them for an empty query."""
    wanted = fold(query)
    if not wanted:
        return list(items)
    return [item for item in items if wanted in fold(name(item))]


def page_value(number: int) -> str:
    """The value a conversation's page button carries (beside ids and the step's choices)."""
    return f"p{number}"


def pressed_page_value(value: str) -> int | None:
    """The page a conversation's button asks for, or None when the value is not a page."""
    found = _PAGE_VALUE.fullmatch(value)
    return int(found.group(1)) if found else None
