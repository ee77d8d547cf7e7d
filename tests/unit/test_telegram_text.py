"""Long messages split into parts Telegram accepts, at the best place and never inside a name."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from bot.telegram_text import MESSAGE_LIMIT, split_message, utf16_length
from tests.support.botapi.model import visible_text

ENTITY = re.compile(r"&(?:#[0-9]+|[A-Za-z]+);")
TAG = re.compile(r"<[^<>]*>")


def shown(part: str) -> str:
    """What Telegram shows; raises (as the Bot API would) when the part is not valid HTML."""
    return visible_text(part, "HTML")


def assert_whole_tags_and_entities(part: str) -> None:
    without_entities = ENTITY.sub("", part)
    assert "&" not in without_entities, part
    without_tags = TAG.sub("", without_entities)
    assert "<" not in without_tags and ">" not in without_tags, part


def digest_line(count: int) -> tuple[str, list[str]]:
    """The coordinator digest's line of reps who reported nothing, as the template renders it."""
    names = [
        f"<b>Kowalski &amp; Syn {i:03d}</b>" if i % 7 == 0 else f"Anna Nowak-{i:03d}" for i in range(count)
    ]
    return "Reported nothing: " + ", ".join(names), names


def test_a_short_text_is_one_part_unchanged() -> None:
    text = "<b>Ranking</b>\n1. Anna &amp; Bob, 2. Carl"
    assert split_message(text) == [text]
    assert split_message("x" * MESSAGE_LIMIT) == ["x" * MESSAGE_LIMIT]


def test_lines_are_packed_whole_as_many_as_fit() -> None:
    lines = [f"<b>{i}</b> " + "x" * (i % 90) for i in range(400)]
    text = "\n".join(lines)
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n".join(parts) == text
    for part, following in itertools.pairwise(parts):
        assert len(part + "\n" + following.split("\n")[0]) > MESSAGE_LIMIT  # the next line did not fit


def test_an_overlong_line_starts_a_part_of_its_own() -> None:
    long_line = ", ".join(f"Rep{i}" for i in range(40))
    parts = split_message(f"Head\n{long_line}\nTail", 100)
    assert parts[0] == "Head"
    assert parts[-1].endswith("\nTail")
    assert all(len(p) <= 100 for p in parts)


@pytest.mark.parametrize("limit", [MESSAGE_LIMIT, 1000, 333])
def test_the_digest_line_of_300_reps_splits_between_names(limit: int) -> None:
    text, names = digest_line(300)
    assert len(text) > MESSAGE_LIMIT
    parts = split_message(text, limit)
    assert len(parts) >= 2 and all(len(p) <= limit for p in parts)
    for part in parts:
        shown(part)  # valid HTML: every <b> closed in the part it opens in
        assert_whole_tags_and_entities(part)
    assert all(p.endswith(",") for p in parts[:-1])  # each part ends after a whole item
    items = [item for p in parts for item in p.removeprefix("Reported nothing: ").rstrip(",").split(", ")]
    assert items == names


def test_parts_end_where_the_limit_leaves_no_room_for_another_item() -> None:
    text, _ = digest_line(300)
    parts = split_message(text)
    for part, following in itertools.pairwise(parts):
        next_item = following.split(", ")[0] + ","
        assert len(f"{part} {next_item}") > MESSAGE_LIMIT


def test_an_element_open_at_a_cut_is_closed_and_opened_again() -> None:
    link = '<a href="https://example.com/?a=1&amp;b=2">'
    text = f"<i>{link}" + ", ".join(f"Rep{i}" for i in range(200)) + "</a></i> end"
    parts = split_message(text, 120)
    assert len(parts) > 2 and all(len(p) <= 120 for p in parts)
    for part in parts[1:]:
        assert part.startswith(f"<i>{link}Rep")
    for part in parts[:-1]:
        assert part.endswith(",</a></i>")
    assert parts[-1].endswith("</a></i> end")
    assert shown(parts[0]).startswith("Rep0, Rep1,")


def test_semicolons_and_middle_dots_end_items_too() -> None:
    for separator in ("; ", " · "):
        text = separator.join(f"Item number {i}" for i in range(60))
        parts = split_message(text, 100)
        assert all(len(p) <= 100 for p in parts)
        for part in parts[:-1]:
            assert part.endswith(separator.rstrip()), part
        assert separator.join(p.removesuffix(separator.rstrip()).rstrip() for p in parts) == text


def test_a_space_is_the_last_resort_before_a_cut() -> None:
    words = [f"word{i}" for i in range(100)]
    parts = split_message(" ".join(words), 50)
    assert all(len(p) <= 50 for p in parts)
    assert [w for p in parts for w in p.split(" ")] == words


def test_an_item_longer_than_the_limit_is_cut_only_between_tags_and_entities() -> None:
    giant = "<b>" + "&amp;x" * 200 + "</b>"
    parts = split_message(f"Short, {giant}, tail", 64)
    assert parts[0] == "Short,"
    assert all(len(p) <= 64 for p in parts)
    for part in parts:
        shown(part)
        assert_whole_tags_and_entities(part)
    assert "".join(shown(p) for p in parts[1:]).replace(" ", "") == "&x" * 200 + ",tail"


def random_text(rng: random.Random) -> tuple[str, list[str]]:
    """Lines of items: names with entities and formatting, separated as templates separate them."""
    names: list[str] = []
    lines = []
    for _ in range(rng.randint(1, 6)):
        items = []
        for _ in range(rng.randint(0, 60)):
            name = f"{rng.choice(['Ann', 'Bo', 'Zoë', 'Łukasz'])}{len(names)}"
            names.append(name)
            name = name.replace("o", rng.choice(["o", "&#111;"]), 1)
            if rng.random() < 0.3:
                name = f"{name}&amp;Co"
                names[-1] += "&Co"
            if rng.random() < 0.3:
                name = f"<{(tag := rng.choice(['b', 'i', 'u']))}>{name}</{tag}>"
            items.append(name)
        line = rng.choice([", ", "; ", " · ", " "]).join(items)
        if rng.random() < 0.4:
            line = f"<b>{line}</b>"
        lines.append(line)
    text = "\n".join(lines)
    if rng.random() < 0.3:
        text = f'<blockquote><a href="https://example.com/{rng.randint(1, 9)}">{text}</a></blockquote>'
    return text, names


def test_random_texts_split_into_valid_parts_that_keep_every_name() -> None:
    rng = random.Random(20240611)
    for _ in range(400):
        text, names = random_text(rng)
        limit = rng.randint(150, 600)
        parts = split_message(text, limit)
        assert all(utf16_length(p) <= limit for p in parts), (text, limit)
        assert all(shown(p).strip() for p in parts) or not shown(text).strip()
        seen = []
        for part in parts:
            assert_whole_tags_and_entities(part)
            seen += re.findall(r"[A-ZŁ][a-zë]*\d+(?:&Co)?", shown(part))
        assert seen == names, (text, limit)
        squeezed = re.sub(r"\s", "", "".join(shown(p) for p in parts))
        assert squeezed == re.sub(r"\s", "", shown(text)), (text, limit)


def test_emoji_count_twice_as_telegram_counts_them_in_utf16() -> None:
    names = [f"😀 Anna{i:03d}" for i in range(700)]
    text = ", ".join(names)
    assert len(text) < 2 * MESSAGE_LIMIT < utf16_length(text)
    parts = split_message(text)
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in parts) and len(parts) == 3
    assert re.findall(r"😀 Anna\d{3}", " ".join(parts)) == names
