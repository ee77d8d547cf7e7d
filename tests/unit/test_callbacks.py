"""The callback codec: buttons are written within Telegram's 64 bytes and read back distrustfully."""

from __future__ import annotations

import re

import pytest

from bot.callbacks import DATA_LIMIT, MAX_ID, CallbackTooLong, Prefix, decode, encode
from bot.services.errors import Reason, Refused


def test_a_button_is_written_as_its_prefix_and_fields_and_read_back() -> None:
    data = encode(Prefix.MEETING_MANAGE, "tog", 12, 345678901)
    assert data == "mm:tog:12:345678901"
    pressed = decode(data, Prefix.MEETING_MANAGE)
    assert pressed.choice(0, ["tog", "att"]) == "tog"
    assert (pressed.id(1), pressed.person(2)) == (12, 345678901)


def test_data_over_64_bytes_fail_when_written_not_at_telegram() -> None:
    fits = encode(Prefix.REPORT, "x" * (DATA_LIMIT - len("rp:")))
    assert len(fits.encode()) == DATA_LIMIT
    with pytest.raises(CallbackTooLong):
        encode(Prefix.REPORT, "x" * (DATA_LIMIT - len("rp:") + 1))
    # Bytes, not characters: "ł" is two bytes in UTF-8.
    with pytest.raises(CallbackTooLong):
        encode(Prefix.REPORT, "ł" * 31)


def test_a_field_cannot_smuggle_the_separator() -> None:
    with pytest.raises(ValueError):
        encode(Prefix.TEAM, "rm:1")


@pytest.mark.parametrize(
    "value",
    ["9" * 25, str(MAX_ID + 1), "-1", "0", "", "1.5", "１２", "²", "0x10", " 7", "7 "],
)
def test_an_id_outside_what_a_column_holds_is_a_stale_button(value: str) -> None:
    pressed = decode(f"rw:edit:{value}", Prefix.REWARD)
    with pytest.raises(Refused) as refused:
        pressed.id(1)
    assert refused.value.reason is Reason.STALE_BUTTON


@pytest.mark.parametrize("data", [None, "", "zz:1", "rp", "rw:1", "\x00\xff"])
def test_unknown_or_foreign_prefixes_are_stale_buttons(data: str | None) -> None:
    with pytest.raises(Refused) as refused:
        decode(data, Prefix.MEETING_MANAGE)
    assert refused.value.reason is Reason.STALE_BUTTON


def test_a_missing_field_or_an_unknown_choice_is_a_stale_button() -> None:
    pressed = decode("ma:5", Prefix.MEETING_ANSWER)
    for read in (lambda: pressed.text(1), lambda: pressed.choice(0, ["yes", "no"]), lambda: pressed.day(0)):
        with pytest.raises(Refused):
            read()
    assert not pressed.has(1) and pressed.id(0) == 5


@pytest.mark.parametrize("data", ["ma:5:yes:1", "ma:5:yes:", "ma:5"])
def test_a_button_with_more_or_fewer_fields_than_its_handler_reads_is_a_stale_button(data: str) -> None:
    with pytest.raises(Refused):
        decode(data, Prefix.MEETING_ANSWER).exactly(2)
    assert decode("ma:5:yes", Prefix.MEETING_ANSWER).exactly(2).id(0) == 5


def test_every_prefix_is_distinct_and_none_is_a_prefix_of_another_pattern() -> None:
    values = [prefix.value for prefix in Prefix]
    assert len(values) == len(set(values))
    for prefix in Prefix:
        matching = [other for other in Prefix if re.match(other.pattern, f"{prefix.value}:1")]
        assert matching == [prefix]
