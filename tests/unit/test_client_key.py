"""How a team's clients are matched: case, spacing and punctuation folded, nothing else."""

from __future__ import annotations

import importlib

import pytest

from bot.services.parsing import client_key

MIGRATION = importlib.import_module("storage.migrations.versions.0009_clients_desk")


def test_the_spellings_of_one_company_share_one_key() -> None:
    spellings = [
        "ACME sp. z o.o.",
        "Acme  Sp. z o.o.",
        "ACME Sp z o o",
        " acme\tSP.Z O.O. ",
        "Acme, sp. z o.o.",
    ]
    assert {client_key(s) for s in spellings} == {"acme sp z o o"}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Acme", "Acne"),
        ("ABC", "A B C"),  # letters apart are another name
        ("Łódź Trans", "Lodz Trans"),  # letters with accents are letters, not punctuation
        ("Kowalski 1", "Kowalski 2"),
        ("!!!", "???"),  # a name of punctuation only keeps it
    ],
)
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert client_key(one) != client_key(other)


def test_html_and_symbols_stay_in_the_key_apart_from_punctuation() -> None:
    assert client_key("<b>Acme</b> & Co") == client_key("<b>ACME</b> &  co.")
    assert client_key("A+B") != client_key("A B")  # "+" is a symbol, not punctuation


@pytest.mark.parametrize(
    "name", ["ACME sp. z o.o.", "Łódź  Trans-Pol", "!!!", "<b>x</b> & </a> 😀", "O'Neil & Sons"]
)
def test_the_migration_folds_names_exactly_as_the_bot_does(name: str) -> None:
    assert MIGRATION.new_key(name) == client_key(name)
