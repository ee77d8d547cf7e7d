"""The announcement's text and entities: cut after /announce in UTF-16 units, kept inside the text,
refused when empty or over Telegram's 4096 units."""

from __future__ import annotations

import pytest

from bot.services.announcements import after_command, checked, clean_entities
from bot.services.errors import Reason, Refused

EVIL = "<b>x</b> & </a> 😀"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_after_the_command_the_entities_move_back_by_its_length_in_utf16_units() -> None:
    text = f"/announce  {EVIL} bold"
    bold = {"type": "bold", "offset": utf16(f"/announce  {EVIL} "), "length": 4}
    command = {"type": "bot_command", "offset": 0, "length": 9}
    rest, entities = after_command(text, [command, bold])
    assert rest == f"{EVIL} bold"
    assert entities == [{"type": "bold", "offset": utf16(f"{EVIL} "), "length": 4}]


def test_a_command_addressed_to_the_bot_and_a_new_line_are_cut_too() -> None:
    rest, entities = after_command(
        "/announce@salesbot_test_bot\nLine one", [{"type": "italic", "offset": 28, "length": 4}]
    )
    assert rest == "Line one" and entities == [{"type": "italic", "offset": 0, "length": 4}]


def test_an_entity_reaching_into_the_command_keeps_only_what_follows_it() -> None:
    rest, entities = after_command("/announce Hello", [{"type": "bold", "offset": 5, "length": 10}])
    assert rest == "Hello" and entities == [{"type": "bold", "offset": 0, "length": 5}]


def test_the_bare_command_leaves_nothing() -> None:
    assert after_command("/announce", [{"type": "bot_command", "offset": 0, "length": 9}]) == ("", [])
    assert after_command("/announce   ", []) == ("", [])


def test_only_telegrams_fields_of_entities_inside_the_text_are_kept() -> None:
    link = {"type": "text_link", "offset": 0, "length": 2, "url": "https://example.com", "extra": 1}
    kept = clean_entities(
        "😀!",
        [
            link,
            {"type": "bold", "offset": 2, "length": 2},  # past the end (3 units)
            {"type": "bold", "offset": -1, "length": 2},
            {"type": "bold", "offset": 0, "length": 0},
            {"offset": 0, "length": 1},
            {"type": "italic", "offset": "0", "length": 1},
        ],
    )
    assert kept == [{"type": "text_link", "offset": 0, "length": 2, "url": "https://example.com"}]


def test_an_announcement_of_4096_units_is_taken_and_one_more_is_refused() -> None:
    text = "😀" * 2048
    assert checked(text, []) == (text, [])
    with pytest.raises(Refused) as refused:
        checked(text + "a", [])
    assert refused.value.reason is Reason.NAME_TOO_LONG and refused.value.details["limit"] == 4096
    with pytest.raises(Refused) as refused:
        checked(" \n ", [])
    assert refused.value.reason is Reason.NAME_EMPTY
