"""The `salesbot` command. Output goes to stdout, logs and errors to stderr (one line, exit 1)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot import menus
from bot.app import build_application
from bot.deps import Deps, utc_now
from bot.pacing import Pacer
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, run_job
from bot.services import digests, export, managers, privacy, teams
from bot.services import status as status_service
from bot.services.access import TeamInfo
from bot.services.schedule import Kind, next_fire
from bot.settings import Settings
from storage import backups
from storage.db import Database, upgrade
from storage.instance import ActiveLock, active_holder, is_sqlite

log = logging.getLogger("salesbot")


class CliError(Exception):
    """Shown as one line on stderr, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # The contract: one clear line on stderr and exit 1 (argparse would print usage, exit 2).
        self.exit(1, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="salesbot", description="A Telegram bot for a sales team.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_bot = sub.add_parser("run", help="start the bot (long polling, or a webhook with --webhook)")
    run_bot.add_argument(
        "--webhook", action="store_true", help="serve Telegram's webhook on SALESBOT_LISTEN, not polling"
    )

    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="team_command", required=True)
    create = team.add_parser("create", help="create a team and print a coordinator invite link")
    create.add_argument("name")
    create.add_argument("--timezone", default=None)
    create.add_argument("--locale", choices=["pl", "en"], default=None)
    create.add_argument("--currency", default=None)
    link = team.add_parser("coordinator-link", help="print a new one-time coordinator invite link")
    link.add_argument("name")
    team.add_parser("list", help="list teams with their member counts")
    manager_link = team.add_parser("manager-link", help="print a new one-time manager invite link")
    manager_link.add_argument("name")
    managers_list = team.add_parser("managers", help="list a team's managers: Telegram id and name")
    managers_list.add_argument("name")
    unmanage = team.add_parser("remove-manager", help="stop a manager overseeing a team")
    unmanage.add_argument("name")
    unmanage.add_argument("telegram_id", type=_telegram_id)

    person = sub.add_parser("person", help="a person's data: export or erase it").add_subparsers(
        dest="person_command", required=True
    )
    person_export = person.add_parser("export", help="everything stored about a person, as JSON on stdout")
    person_export.add_argument("telegram_id", type=_telegram_id)
    person_forget = person.add_parser("forget", help="erase a person's identity; their sales stay, unnamed")
    person_forget.add_argument("telegram_id", type=_telegram_id)

    export = sub.add_parser("export", help="export a team's sales")
    export.add_argument("--team", required=True)
    export.add_argument("--from", dest="date_from", type=_date, default=None)
    export.add_argument("--to", dest="date_to", type=_date, default=None)
    export.add_argument("--format", choices=["csv", "xlsx"], required=True)
    export.add_argument("-o", "--output", type=Path, default=None)

    sub.add_parser(
        "status", help="the database, the schema, the active instance and the outbox (never upgrades)"
    )
    backup = sub.add_parser("backup", help="an online, consistent copy of a SQLite database")
    backup.add_argument("file", type=Path)
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")

    jobs = sub.add_parser("jobs", help="scheduled outputs").add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser("list", help="what fires next for each team, local and UTC")
    run = jobs.add_parser("run", help="produce a scheduled output now")
    run.add_argument("kind", choices=[kind.value for kind in Kind])
    run.add_argument("--team", required=True)
    run.add_argument("--date", type=_date, default=None)
    run.add_argument("--force", action="store_true")
    return parser


def _telegram_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise argparse.ArgumentTypeError(f"not a Telegram id: {value!r}")
    return int(value)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


async def _bot_username(settings: Settings) -> str:
    """Ask getMe before storing anything, so a wrong token leaves no half-made team."""
    if not settings.token:
        raise CliError("SALESBOT_TOKEN is not set (put it in .env or the environment)")
    try:
        async with Bot(settings.token, base_url=settings.api_base_url) as bot:
            return str(bot.username)
    except InvalidToken as exc:
        raise CliError("the Bot API refused SALESBOT_TOKEN") from exc
    except NetworkError as exc:
        raise CliError(f"cannot reach the Bot API at {settings.api_base_url}: {exc}") from exc


async def _team_command(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    if args.team_command == "list":
        for summary in await teams.list_teams(db):
            print(f"{summary.name}\t{summary.members}")
        return
    if args.team_command == "managers":
        for row in await managers.list_managers(db, args.name):
            print(f"{row.person_id}\t{row.name}")
        return
    if args.team_command == "remove-manager":
        await managers.remove_manager(db, args.name, args.telegram_id)
        print(f"removed manager {args.telegram_id} from {args.name}")
        await _refresh_menu(settings, db, args.telegram_id)
        return
    username = await _bot_username(settings)
    if args.team_command == "manager-link":
        code = await teams.create_coordinator_invite(db, args.name, utc_now(), teams.MANAGER_LINK)
        print(f"https://t.me/{username}?start={code}")
        return
    if args.team_command == "create":
        team = await teams.create_team(
            db,
            args.name,
            timezone=args.timezone or settings.timezone,
            locale=args.locale or settings.locale,
            currency=args.currency or settings.currency,
            now=utc_now(),
        )
        print(f"created team {team.name} ({team.timezone}, {team.locale}, {team.currency})")
        name = team.name
    else:
        name = args.name
    code = await teams.create_coordinator_invite(db, name, utc_now())
    print(f"https://t.me/{username}?start={code}")


async def _export_command(args: argparse.Namespace, db: Database) -> None:
    from bot.services.export import write_csv

    if args.format == "xlsx" and args.output is None:
        raise CliError("--format xlsx needs -o FILE (a workbook is not written to the terminal)")
    team = await teams.find_team(db, args.team)
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError("--from is after --to")
    if args.format == "xlsx":
        await _export_xlsx(args, db, team)
        return
    if args.output is None:
        await write_csv(db, team, args.date_from, args.date_to, sys.stdout)
        return
    with args.output.open("w", encoding="utf-8", newline="") as out:
        await write_csv(db, team, args.date_from, args.date_to, out)


async def _export_xlsx(args: argparse.Namespace, db: Database, team: TeamInfo) -> None:
    from bot.services.workbook import write_workbook  # openpyxl only when a workbook is asked for

    today = utc_now().astimezone(team.zone).date()
    first = args.date_from or await export.first_day(db, team) or today
    last = args.date_to or today
    renderer = Renderer()

    def words(what: str, key: str) -> str:
        return renderer.label(team.locale, what, name=key)

    await write_workbook(db, [team], first, last, args.output, words)


async def _refresh_menu(settings: Settings, db: Database, person_id: int) -> None:
    """Their own menu as it is now: the shared one again, unless they still coordinate or manage."""
    if not settings.token:
        return  # the removal stands; the menu is tidied at the bot's next start for those who keep one
    holder = await managers.menu_holder(db, person_id)
    try:
        async with Bot(settings.token, base_url=settings.api_base_url) as bot:
            if holder is None:
                await menus.drop_own_menu(bot, person_id)
            else:
                await menus.set_own_menu(bot, Renderer(), holder)
    except TelegramError as exc:
        print(f"salesbot: the menu of {person_id} was not changed: {exc}", file=sys.stderr)


async def _person_command(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    if args.person_command == "export":
        print(privacy.export_json(await privacy.export(db, args.telegram_id)))
        return
    renderer = Renderer()
    had_menu = any(h.person_id == args.telegram_id for h in await managers.menu_holders(db))

    def former_name(locale: str, number: int) -> str:
        return renderer.label(locale, "former_member", number=number)

    await privacy.forget(db, args.telegram_id, utc_now(), former_name, settings.locale)
    print("forgotten")
    if had_menu:  # a coordinator's or manager's own menu goes with them
        await _refresh_menu(settings, db, args.telegram_id)


async def _jobs_command(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    now = utc_now()
    if args.jobs_command == "list":
        for schedule in await digests.schedules(db):
            for kind in Kind:
                when = next_fire(schedule, kind, now)
                if when is None:
                    continue
                local = when.astimezone(schedule.zone)
                print(
                    f"{schedule.name}\t{kind.value}\t{local:%Y-%m-%d %H:%M} {schedule.timezone}"
                    f"\t{when:%Y-%m-%d %H:%M} UTC"
                )
        return
    if not settings.token:
        raise CliError("SALESBOT_TOKEN is not set (put it in .env or the environment)")
    team = await teams.find_team(db, args.team)
    schedule = await digests.schedule_of(db, team.id)
    day = args.date or now.astimezone(schedule.zone).date()
    # Only sends: `jobs` never asks Telegram for updates nor touches conversation state.
    bot = ExtBot(settings.token, base_url=settings.api_base_url, rate_limiter=Pacer())
    try:
        async with bot:
            deliverer = Deliverer(Deps(settings, db, Renderer(), utc_now, scheduler=False), bot)
            result = await run_job(deliverer, schedule, Kind(args.kind), day, force=args.force)
    except InvalidToken as exc:
        raise CliError("the Bot API refused SALESBOT_TOKEN") from exc
    except NetworkError as exc:
        raise CliError(f"cannot reach the Bot API at {settings.api_base_url}: {exc}") from exc
    print(f"sent {result.recipients}" if result.outcome is Outcome.SENT else result.outcome.value)


async def _prepare(settings: Settings) -> Database:
    await upgrade(settings.database_url)
    return Database(settings.database_url)


async def _run_subcommand(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "backup" and not backups.is_sqlite_file(settings.database_url):
        raise CliError("backup copies a SQLite database; on PostgreSQL use pg_dump (see the README)")
    db = await _prepare(settings)
    try:
        if args.command == "team":
            await _team_command(args, settings, db)
        elif args.command == "export":
            await _export_command(args, db)
        elif args.command == "person":
            await _person_command(args, settings, db)
        elif args.command == "jobs":
            await _jobs_command(args, settings, db)
        elif args.command == "backup":
            await _backup(args, settings, db)
    finally:
        await db.dispose()


def _run_bot(settings: Settings, *, with_webhook: bool) -> None:
    if not settings.token:
        raise CliError("SALESBOT_TOKEN is not set (put it in .env or the environment)")
    if with_webhook:
        # The web server (uvicorn, Starlette) only in webhook mode: polling never loads it.
        from bot import webhook

        if problem := webhook.settings_problem(settings):
            raise CliError(problem)
    asyncio.run(upgrade(settings.database_url))
    lock = ActiveLock(settings.database_url)
    if is_sqlite(settings.database_url) and not asyncio.run(lock.try_acquire(utc_now())):
        # A file database has no standby: a second process would only fight the first for it.
        holder = asyncio.run(active_holder(settings.database_url))
        raise CliError(
            f"another salesbot run is active on this database ({holder}); only one may run on SQLite"
        )
    deps = Deps(settings, Database(settings.database_url), Renderer(), active_lock=lock)
    app = build_application(deps, webhook=with_webhook)
    try:
        if with_webhook:
            try:
                asyncio.run(webhook.serve(app, deps))
            except OSError as exc:
                raise CliError(str(exc)) from exc
        else:
            stop_signals = (signal.SIGINT, signal.SIGTERM)
            app.run_polling(stop_signals=stop_signals, close_loop=True, allowed_updates=Update.ALL_TYPES)
    except InvalidToken as exc:
        raise CliError("the Bot API refused SALESBOT_TOKEN") from exc
    except NetworkError as exc:
        raise CliError(f"cannot reach the Bot API at {settings.api_base_url}: {exc}") from exc
    except TelegramError as exc:
        raise CliError(f"the Bot API failed: {exc}") from exc


async def _status(settings: Settings) -> int:
    """The one subcommand that never upgrades: it must tell an old schema from a current one."""
    found = await status_service.status(settings.database_url)
    if not found.reachable:
        print("database unreachable")
        return 1
    print("database ok")
    print("schema current" if found.current else "schema behind")
    print(f"active {found.active}" if found.active else "active none")
    print(f"pending {found.pending}")
    print(f"unknown {found.unknown}")
    print(f"failed {found.failed}")
    return 0


async def _backup(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    url = settings.database_url
    target = args.file.resolve()
    if target.exists() and not args.force:
        raise CliError(f"{target} exists (add --force to replace it)")
    await backups.backup(url, target)
    print(target)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO, token included in the URL: keep it out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # PTB logs a traceback when start-up fails; main() says the same in one line.
    logging.getLogger("telegram.ext").addFilter(
        lambda record: not record.getMessage().startswith("Network Retry Loop (Bootstrap")
    )
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"salesbot: bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}", file=sys.stderr)
        return 1
    try:
        if args.command == "run":
            _run_bot(settings, with_webhook=args.webhook)
        elif args.command == "status":
            return asyncio.run(_status(settings))
        else:
            asyncio.run(_run_subcommand(args, settings))
    except (CliError, teams.TeamError, privacy.PersonError) as exc:
        print(f"salesbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
