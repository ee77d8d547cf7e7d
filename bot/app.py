"""The composition root: builds PTB's Application, its lifecycle hooks and every handler, in order.

Nothing under `bot/`, `handlers/` or `storage/` imports this module but the CLI: everything it
wires together lives below it (shared dependencies in `bot.deps`).
"""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.callbacks import Prefix
from bot.deps import BotContext, Deps
from bot.render import Renderer
from bot.scheduler.tick import TICK_INTERVAL, prune_updates_job, scheduler_job
from bot.settings import SUPPORTED_LOCALES
from handlers import (
    catalogue,
    contests,
    conversation,
    meetings,
    report,
    results,
    settings,
    start,
    targets,
    team,
)
from handlers.common import gate, on_error, stale_button

App = Application[Any, BotContext, Any, Any, Any, Any]


def file_base_url(api_base_url: str) -> str:
    # ".../bot" -> ".../file/bot", as Telegram and the self-hosted Bot API server lay them out.
    head, _, tail = api_base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


# Private-chat and group menus; the descriptions are translated in templates/labels.j2.
PRIVATE_COMMANDS = (
    "report",
    "undo",
    "me",
    "points",
    "badges",
    "rewards",
    "contest",
    "leaderboard",
    "sales",
    "invite",
    "team",
    "help",
    "cancel",
)
GROUP_COMMANDS = ("leaderboard", "report", "linkgroup", "help")


async def set_command_menus(app: App, renderer: Renderer) -> None:
    for scope, names in (
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
    ):
        for locale in (None, *SUPPORTED_LOCALES):
            commands = [
                BotCommand(name, renderer.label(locale or "en", "command", name=name)) for name in names
            ]
            await app.bot.set_my_commands(commands=commands, scope=scope, language_code=locale)


def build_application(deps: Deps) -> App:
    settings = deps.settings

    async def post_init(app: App) -> None:
        await set_command_menus(app, deps.renderer)
        if app.job_queue is not None:
            app.job_queue.run_repeating(prune_updates_job, interval=6 * 3600, first=60)
            if deps.scheduler:
                app.job_queue.run_repeating(scheduler_job, interval=TICK_INTERVAL, first=1, name="scheduler")

    async def post_shutdown(_app: App) -> None:
        await deps.db.dispose()

    app: App = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(file_base_url(settings.api_base_url))
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Within Telegram's limits: 30 msg/s overall, 20/min per group; a 429 is waited out twice.
        .rate_limiter(AIORateLimiter(max_retries=2))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["deps"] = deps
    register(app)
    return app


def register(app: App) -> None:
    # Group -1 runs first for every update: redeliveries and strangers stop here.
    app.add_handler(TypeHandler(Update, gate), group=-1)

    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler("invite", team.invite))
    app.add_handler(CommandHandler("team", team.team))
    app.add_handler(CommandHandler("linkgroup", team.link_group))
    app.add_handler(CommandHandler("report", report.report_command))
    app.add_handler(CommandHandler("cancel", conversation.cancel_command))
    app.add_handler(CommandHandler("undo", report.undo_command))
    app.add_handler(CommandHandler("me", results.me))
    app.add_handler(CommandHandler(["leaderboard", "top"], results.leaderboard))
    app.add_handler(CommandHandler("sales", results.sales_command))
    app.add_handler(CommandHandler("settings", settings.settings_command))
    app.add_handler(CommandHandler("holiday", settings.holiday_command))
    app.add_handler(CommandHandler("digest", settings.digest_command))
    app.add_handler(CommandHandler("target", targets.target_command))
    app.add_handler(CommandHandler("points", targets.points_command))
    app.add_handler(CommandHandler("badges", targets.badges_command))
    app.add_handler(CommandHandler("rewards", catalogue.rewards_command))
    app.add_handler(CommandHandler("contest", contests.contest_command))
    app.add_handler(CommandHandler("meeting", meetings.meeting_command))
    app.add_handler(CommandHandler("meetings", meetings.meetings_command))

    app.add_handler(CallbackQueryHandler(team.revoke_invite, pattern=Prefix.INVITE.pattern))
    app.add_handler(CallbackQueryHandler(team.team_button, pattern=Prefix.TEAM.pattern))
    app.add_handler(CallbackQueryHandler(report.report_button, pattern=Prefix.REPORT.pattern))
    app.add_handler(CallbackQueryHandler(report.undo_button, pattern=Prefix.UNDO.pattern))
    app.add_handler(CallbackQueryHandler(results.sales_button, pattern=Prefix.SALES.pattern))
    app.add_handler(CallbackQueryHandler(settings.settings_button, pattern=Prefix.SETTINGS.pattern))
    app.add_handler(CallbackQueryHandler(settings.nudge_button, pattern=Prefix.NUDGE.pattern))
    app.add_handler(CallbackQueryHandler(targets.target_button, pattern=Prefix.TARGET.pattern))
    app.add_handler(CallbackQueryHandler(catalogue.rewards_button, pattern=Prefix.REWARD.pattern))
    app.add_handler(CallbackQueryHandler(contests.contest_button, pattern=Prefix.CONTEST.pattern))
    app.add_handler(CallbackQueryHandler(meetings.draft_button, pattern=Prefix.MEETING_DRAFT.pattern))
    app.add_handler(CallbackQueryHandler(meetings.manage_button, pattern=Prefix.MEETING_MANAGE.pattern))
    app.add_handler(CallbackQueryHandler(meetings.answer_button, pattern=Prefix.MEETING_ANSWER.pattern))
    # Anything else pressed (old or forged data) is answered, never left spinning.
    app.add_handler(CallbackQueryHandler(stale_button))

    # Last: a plain message in a private chat answers the person's stored draft.
    typed_answer = conversation.typed_answer_router(
        [
            *report.CONVERSATIONS,
            *settings.CONVERSATIONS,
            *targets.CONVERSATIONS,
            *catalogue.CONVERSATIONS,
            *contests.CONVERSATIONS,
            *meetings.CONVERSATIONS,
        ]
    )
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed_answer))

    app.add_error_handler(on_error)
