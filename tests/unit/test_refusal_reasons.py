"""Every refusal reason has its own sentence, in both languages, and the template lists no other."""

from __future__ import annotations

import re

import pytest

from bot.render import TEMPLATES_DIR, Renderer
from bot.services.errors import Reason

DETAILS = {
    "limit": 200,
    "length": 250,
    "title": "Mug",
    "cost": 10,
    "balance": 3,
    "problem": "empty",
    "start": "21:00",
    "end": "08:00",
    "times": ["22:00"],
    "rival": "Ola",
    "allowance": 5,
    "max": 300,
}


def test_the_refusal_template_names_exactly_the_reasons_of_the_enum() -> None:
    source = (TEMPLATES_DIR / "refused.j2").read_text(encoding="utf-8")
    named = re.findall(r'reason == "([a-z_]+)"', source)
    assert len(named) == len(set(named)), "a reason has two branches"
    assert set(named) == {reason.value for reason in Reason}


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_every_reason_reads_as_its_own_sentence_not_the_fallback(renderer: Renderer, locale: str) -> None:
    fallback = renderer.render("refused", locale, reason="no such reason", **DETAILS)
    sentences = {reason: renderer.render("refused", locale, reason=reason, **DETAILS) for reason in Reason}
    for reason, text in sentences.items():
        assert text.strip() and text != fallback, reason
    # Two reasons may not share a sentence: each says why this request was refused.
    assert len(set(sentences.values())) == len(sentences)
