"""Paging and name search: pages of at most ten, clamped numbers, folded names, buttons that fit."""

from __future__ import annotations

from bot.callbacks import DATA_LIMIT, Prefix, encode
from bot.keyboards import pager
from bot.services.paging import (
    MAX_PAGE,
    PAGE_SIZE,
    fold,
    matching,
    page_of,
    page_value,
    pressed_page_value,
    search_query,
)


def test_pages_hold_at_most_ten_and_a_page_number_out_of_range_is_clamped() -> None:
    people = list(range(301))
    assert PAGE_SIZE == 10
    first, last = page_of(people, 0), page_of(people, 30)
    assert first.items == list(range(10)) and first.pages == 31 and first.total == 301
    assert last.items == [300] and last.number == 30
    assert page_of(people, MAX_PAGE).number == 30 and page_of(people, -5).number == 0
    assert page_of([], 3).items == [] and page_of([], 3).pages == 1 and not page_of([], 3).many
    # Every item is on exactly one page.
    assert [i for n in range(31) for i in page_of(people, n).items] == people


def test_a_typed_name_matches_regardless_of_case_accents_and_spacing() -> None:
    names = ["Łukasz Żak", "Anna Nowak", "Zoë  Müller", "Bartek"]
    assert fold("Łukasz  Żak") == fold("lukasz zak") == "lukasz zak"
    assert matching(names, "ŻAK", str) == ["Łukasz Żak"]
    assert matching(names, "zoe mu", str) == ["Zoë  Müller"]
    assert matching(names, "nowa", str) == ["Anna Nowak"]
    assert matching(names, "   ", str) == names
    assert matching(names, "kowalski", str) == []


def test_a_search_a_button_carries_has_no_separator_and_fits_the_callback_data() -> None:
    query = search_query("😀" * 40 + ":x")
    assert ":" not in query and len(query.encode()) <= 24
    assert search_query("  Anna:  Nowak ") == "Anna Nowak"
    assert search_query("ąę" * 20).encode().decode() == search_query("ąę" * 20)  # no letter cut in half
    # The longest page button of any list still fits Telegram's 64 bytes.
    assert len(encode(Prefix.MEETING_MANAGE, "att", 2**31 - 1, MAX_PAGE, query).encode()) <= DATA_LIMIT


def test_the_pager_shows_arrows_only_where_there_is_a_page_to_go_to() -> None:
    def data(n: int) -> str:
        return f"x:{n}"

    assert pager(0, 1, data) == []
    assert pager(0, 3, data) == [[("1/3", "x:0"), ("▶", "x:1")]]
    assert pager(1, 3, data) == [[("◀", "x:0"), ("2/3", "x:1"), ("▶", "x:2")]]
    assert pager(2, 3, data) == [[("◀", "x:1"), ("3/3", "x:2")]]


def test_a_conversations_page_value_is_read_back_and_nothing_else_is() -> None:
    assert pressed_page_value(page_value(7)) == 7
    for value in ("7", "p", "p-1", "p123456", "done", "pp3", "p３"):
        assert pressed_page_value(value) is None
