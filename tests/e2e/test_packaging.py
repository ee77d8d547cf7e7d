"""The wheel carries templates, catalogs and migrations: the bot runs from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_templates_catalogs_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("salesbot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "templates/help.j2",
        "templates/labels.j2",
        "templates/locale/pl/LC_MESSAGES/messages.po",
        "templates/locale/en/LC_MESSAGES/messages.po",
        "storage/migrations/env.py",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial_schema.py",
        "bot/cli.py",
        "handlers/__init__.py",
    }
    assert expected <= names, expected - names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "salesbot = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
