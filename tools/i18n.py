"""Refresh the catalogs after a template changes: `python tools/i18n.py`.

Extracts every message from templates/ into messages.pot, merges it into the Polish and English
catalogs, and fills the English one from the source text (the templates are written in English).
Polish translations are written by hand in templates/locale/pl/LC_MESSAGES/messages.po; the
test suite fails while any is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
POT = TEMPLATES / "messages.pot"


def main() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-o",
            str(POT),
            "--no-location",
            "--sort-output",
            "--omit-header",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    for locale in ("en", "pl"):
        # Read afresh each time: Catalog.update adopts the template's message objects.
        with POT.open("rb") as f:
            template = read_po(f)
        path = TEMPLATES / "locale" / locale / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=locale)
        else:
            catalog = Catalog(locale=locale, project="salesbot")
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            for message in catalog:
                if message.id:
                    message.string = message.id
        with path.open("wb") as f:
            write_po(
                f,
                catalog,
                omit_header=False,
                no_location=True,
                sort_output=True,
                width=0,
                ignore_obsolete=True,
            )


if __name__ == "__main__":
    main()
