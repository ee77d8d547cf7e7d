"""The webhook settings: where to listen, and what --webhook refuses to start with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings, listen_address
from bot.webhook import Role, settings_problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:443", ("0.0.0.0", 443)),
        ("[::1]:8443", ("::1", 8443)),
    ],
)
def test_listen_is_host_and_port(value: str, expected: tuple[str, int]) -> None:
    assert listen_address(value) == expected


@pytest.mark.parametrize("value", ["8080", "localhost", ":8080", "host:0", "host:65536", "host:80a", "host:"])
def test_a_listen_without_a_host_or_a_port_is_a_bad_setting(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, listen=value)  # type: ignore[call-arg]


def test_the_defaults_listen_on_localhost_8080_with_40_connections() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.listen, settings.webhook_max_connections) == ("127.0.0.1:8080", 40)


@pytest.mark.parametrize(
    ("url", "secret", "problem"),
    [
        ("", "abc", "SALESBOT_WEBHOOK_URL"),
        ("https://x.example/telegram", "", "SALESBOT_WEBHOOK_SECRET"),
        ("https://x.example/telegram", "a b", "A-Za-z0-9_-"),
        ("https://x.example/telegram", "ą", "A-Za-z0-9_-"),
        ("https://x.example/telegram", "abc\n", "A-Za-z0-9_-"),
        ("https://x.example/telegram", "x" * 257, "A-Za-z0-9_-"),
    ],
)
def test_webhook_mode_needs_a_url_and_a_secret_telegram_allows(url: str, secret: str, problem: str) -> None:
    found = settings_problem(Settings(_env_file=None, webhook_url=url, webhook_secret=secret))  # type: ignore[call-arg]
    assert found is not None and problem in found


@pytest.mark.parametrize("secret", ["a", "x" * 256, "Az09_-"])
def test_a_secret_of_1_to_256_allowed_characters_passes(secret: str) -> None:
    settings = Settings(_env_file=None, webhook_url="https://x.example/telegram", webhook_secret=secret)  # type: ignore[call-arg]
    assert settings_problem(settings) is None


def test_a_role_is_standby_until_activated() -> None:
    role = Role()
    assert role.name == "standby"
    role.active = True
    assert role.name == "active"
    role.stand_by()
    assert role.name == "standby"
