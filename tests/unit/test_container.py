"""The Dockerfile and compose.yaml, read as a container engine would (none runs on this machine)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_the_image_is_slim_installs_the_package_and_runs_as_a_user() -> None:
    steps = instructions()
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.") and steps[0][1].endswith("-slim")
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "pip install ." in runs  # the installed package, not the source tree on PYTHONPATH
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    copied = {shlex.split(args)[0] for word, args in steps if word == "COPY"}
    assert {"bot", "handlers", "storage", "templates", "pyproject.toml"} <= copied
    for path in copied:
        assert (ROOT / path).exists(), path  # the image builds from the repository alone


def test_the_entry_point_is_salesbot_run_with_a_healthcheck_on_healthz() -> None:
    steps = dict(instructions())
    assert shlex.split(steps["ENTRYPOINT"].strip("[]").replace(",", " ")) == ["salesbot"]
    assert "run" in steps["CMD"]
    assert "/healthz" in steps["HEALTHCHECK"]
    assert "0.0.0.0:8080" in steps["ENV"] or "SALESBOT_LISTEN" in (ROOT / "Dockerfile").read_text()


def test_compose_runs_the_bot_after_a_healthy_postgresql_with_a_volume() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    database = next(s for s in services.values() if str(s.get("image", "")).startswith("postgres"))
    bot = next(s for s in services.values() if s.get("build"))
    db_name = next(name for name, s in services.items() if s is database)
    assert database["healthcheck"]["test"]
    volume = database["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert bot["depends_on"][db_name]["condition"] == "service_healthy"
    assert bot["environment"]["SALESBOT_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert f"@{db_name}:5432/" in bot["environment"]["SALESBOT_DATABASE_URL"]
