"""Settings from the environment or `.env` (each one is documented in `.env.example`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
SUPPORTED_LOCALES = ("en", "pl")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SALESBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: str = ""
    database_url: str = "sqlite+aiosqlite:///salesbot.db"
    api_base_url: str = TELEGRAM_API_BASE_URL
    timezone: str = "Europe/Warsaw"
    locale: str = "en"
    currency: str = "PLN"
    # In major units (złoty), as the coordinator thinks of it; stored and compared as grosze.
    max_amount: int = Field(default=10_000_000, gt=0)
    # Webhook mode (`salesbot run --webhook`): where the web server listens, the public URL
    # Telegram posts to, the secret it sends along, and how many connections it may open at once.
    listen: str = "127.0.0.1:8080"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Days settled messages, celebrations, drafts, used invites and old claims are kept (the
    # daily prune); two weeks at least, so no claim is pruned while it still guards a repeat.
    retention_days: int = Field(default=90, ge=14)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        listen_address(value)
        return value

    @property
    def max_amount_minor(self) -> int:
        return self.max_amount * 100


def listen_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (an IPv6 host in brackets) as (host, port)."""
    host, _, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"listen is HOST:PORT, not {value!r}")
    return host, int(port)


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name}") from exc


def check_currency(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"a currency is a three-letter ISO code, not {code!r}")
    return code


def pick_locale(language_code: str | None, team_locale: str | None, default: str) -> str:
    """The person's Telegram language when we speak it, else the team's, else the setting."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    if team_locale in SUPPORTED_LOCALES:
        return str(team_locale)
    return default
