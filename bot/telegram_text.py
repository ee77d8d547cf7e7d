"""Telegram's message-size rule, kept apart from Telegram objects so services can use it."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096

# The pieces a message is never cut inside: a tag, an entity, else one character.
_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_START_TAG = re.compile(r"<([A-Za-z][\w-]*)(?:\s[^>]*)?>")
_END_TAG = re.compile(r"</([A-Za-z][\w-]*)\s*>")
_ITEM_MARKS = (",", ";", "·")  # ", ", "; " and " · " end an item

# How good a place to end a part is, best last.
_ANYWHERE, _SPACE, _ITEM, _LINE = range(4)

Opened = tuple[tuple[str, str], ...]  # (name, start tag as written) of open elements, outermost first
_Break = tuple[int, int, Opened]  # (where the part ends, index of the atom the next one starts at, open)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units (Telegram's count), each valid HTML on its own.

    A part ends at a line break if one fits; a line too long for one message ends a part
    between items (after ", ", "; " or " · "), else at a space, and only an item longer than a
    message is cut, and then between characters. Nothing is cut inside a tag or an entity
    (`&amp;`), and an element open where a part ends is closed there and opened again at the
    start of the next part. The line break or space a part ends at is dropped. Counting the raw
    length keeps the visible one (what Telegram limits) within the limit too.
    """
    if utf16_length(text) <= limit:
        return [text]
    units = _units(text)
    atoms = [(m.start(), m.group()) for m in _ATOM.finditer(text)]
    parts: list[str] = []
    index = 0
    opened: Opened = ()
    while index < len(atoms):
        start = atoms[index][0]
        end, index, closing = _next_break(units, atoms, index, opened, limit)
        if _TAG.sub("", text[start:end]).strip():  # Telegram refuses a message with nothing to show
            reopen = "".join(tag for _, tag in opened)
            close = "".join(f"</{name}>" for name, _ in reversed(closing))
            parts.append(reopen + text[start:end] + close)
        opened = closing
    return parts


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units (an emoji beyond the BMP counts two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def _units(text: str) -> list[int]:
    """UTF-16 units before each position of `text` (one more entry than characters)."""
    units = [0]
    for c in text:
        units.append(units[-1] + (2 if ord(c) > 0xFFFF else 1))
    return units


def _next_break(
    units: list[int], atoms: list[tuple[int, str]], first: int, opened: Opened, limit: int
) -> _Break:
    """The best place to end the part starting at atom `first`: the latest of the best kind."""
    start = units[atoms[first][0]]
    budget = limit - sum(utf16_length(tag) for _, tag in opened)
    stack = list(opened)
    best: dict[int, _Break] = {}
    for index in range(first, len(atoms)):
        pos, atom = atoms[index]
        if units[pos] - start > budget:
            break
        if units[pos] - start + _closing_length(stack) <= budget:
            for rank, resume in _breaks_before(atoms, index, first):
                best[rank] = (pos, resume, tuple(stack))
        _track(stack, atom)
    else:
        if units[-1] - start + _closing_length(stack) <= budget:
            return len(units) - 1, len(atoms), tuple(stack)
    if best:
        return best[max(best)]
    # Nothing fits (a part reopening more tags than the limit allows): one atom, to go on.
    stack = list(opened)
    _track(stack, atoms[first][1])
    end = atoms[first + 1][0] if first + 1 < len(atoms) else len(units) - 1
    return end, first + 1, tuple(stack)


def _closing_length(stack: list[tuple[str, str]]) -> int:
    return sum(len(name) + 3 for name, _ in stack)  # </name>


def _breaks_before(atoms: list[tuple[int, str]], index: int, first: int) -> list[tuple[int, int]]:
    """(rank, atom to resume at) of each way a part may end just before atom `index`."""
    atom = atoms[index][1]
    before = atoms[index - 1][1] if index > first else ""
    out: list[tuple[int, int]] = []
    if index > first and not _START_TAG.fullmatch(before) and not _END_TAG.fullmatch(atom):
        out.append((_ANYWHERE, index))  # never between an element's tags: no empty <b></b>
    if atom == "\n":
        out.append((_LINE, index + 1))
    elif atom == " ":
        out.append((_SPACE, index + 1))
        if before in _ITEM_MARKS and (before != "·" or _atom(atoms, index - 2, first) == " "):
            out.append((_ITEM, index + 1))
    return out


def _atom(atoms: list[tuple[int, str]], index: int, first: int) -> str:
    return atoms[index][1] if index >= first else ""


def _track(stack: list[tuple[str, str]], atom: str) -> None:
    """Follow which elements are open after `atom`."""
    if match := _END_TAG.fullmatch(atom):
        names = [name for name, _ in stack]
        if match[1].lower() in names:
            del stack[len(names) - 1 - names[::-1].index(match[1].lower()) :]
    elif match := _START_TAG.fullmatch(atom):
        stack.append((match[1].lower(), atom))
