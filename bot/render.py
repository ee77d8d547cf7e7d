"""Every sentence a user reads: Jinja2 templates in `templates/`, translated by Babel catalogs.

The catalogs are compiled in memory when loaded, so the `.po` files are the only source of truth
and nothing has to be built before the bot runs.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.services.money import format_money
from bot.settings import SUPPORTED_LOCALES
from storage.queries import teams

TEMPLATES_DIR = Path(str(resources.files("templates")))
BABEL_LOCALES = {"en": "en_GB", "pl": "pl_PL"}


def load_translations(locale: str) -> gettext.GNUTranslations:
    po_path = TEMPLATES_DIR / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def split_badge(name: str) -> tuple[str, str | int | None]:
    """A badge id as (kind, value) for its sentence: target_2026_11 -> (target, 11.2026)."""
    if name.startswith("target_"):
        _, year, month = name.split("_")
        return "target", f"{month}.{year}"
    kind, _, number = name.rpartition("_")
    if number.isdigit() and kind in ("sales", "streak"):
        return kind, int(number)
    return name, None


class Renderer:
    def __init__(self) -> None:
        self._envs = {locale: self._environment(locale) for locale in SUPPORTED_LOCALES}

    @staticmethod
    def _environment(locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            # Always on: select_autoescape() would skip our `.j2` files.
            autoescape=True,
            undefined=StrictUndefined,
            # Telegram keeps every newline, so block tags must not leave any behind.
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(load_translations(locale), newstyle=True)  # type: ignore[attr-defined]
        babel_locale = BABEL_LOCALES[locale]

        def money(minor: int, currency: str) -> str:
            return format_money(minor, currency, locale)

        def day(value: date) -> str:
            return format_date(
                value, format="dd.MM.yyyy" if locale == "pl" else "d MMM yyyy", locale=babel_locale
            )

        def clock(value: datetime) -> str:
            return format_time(value, format="HH:mm", locale=babel_locale)

        def moment(value: datetime, zone: str) -> str:
            local = value.astimezone(teams.zone(zone))
            pattern = "dd.MM.yyyy HH:mm" if locale == "pl" else "d MMM yyyy, HH:mm"
            return format_datetime(local, format=pattern, locale=babel_locale)

        day_names = get_day_names("abbreviated", locale=babel_locale)

        def weekday_name(iso_weekday: int) -> str:
            return str(day_names[iso_weekday - 1])

        def month_name(value: date) -> str:
            return format_date(value, format="LLLL yyyy", locale=babel_locale)

        env.filters.update(
            money=money,
            day=day,
            clock=clock,
            moment=moment,
            month_name=month_name,
            fromiso=datetime.fromisoformat,
        )
        env.globals["weekday_name"] = weekday_name
        env.globals["badge_parts"] = split_badge
        env.globals["locale"] = locale
        return env

    def render(self, name: str, locale: str, **values: Any) -> str:
        template = self._envs[locale].get_template(f"{name}.j2")
        return template.render(**values).strip()

    def label(self, locale: str, key: str, /, **values: Any) -> str:
        """A button label: a macro of `labels.j2`, as plain text (buttons are not HTML)."""
        macro = getattr(self._envs[locale].get_template("labels.j2").module, key)
        return Markup(macro(**values)).unescape().strip()

    def template_names(self) -> list[str]:
        return sorted(
            str(path.relative_to(TEMPLATES_DIR).with_suffix("")).replace("\\", "/")
            for path in TEMPLATES_DIR.rglob("*.j2")
            if path.name != "labels.j2" and not path.name.startswith("_")
        )

    def label_names(self) -> list[str]:
        module = self._envs["en"].get_template("labels.j2").module
        return sorted(name for name in dir(module) if not name.startswith("_"))
