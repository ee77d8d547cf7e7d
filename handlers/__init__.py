"""The one place that registers every handler, in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import catalogue, contests, meetings, report, results, settings, start, targets, team
from handlers.common import gate, on_error, stale_button


def register(app: Application) -> None:  # type: ignore[type-arg]
    # Group -1 runs first for every update: redeliveries and strangers stop here.
    app.add_handler(TypeHandler(Update, gate), group=-1)

    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler("invite", team.invite))
    app.add_handler(CommandHandler("team", team.team))
    app.add_handler(CommandHandler("linkgroup", team.link_group))
    app.add_handler(CommandHandler("report", report.report_command))
    app.add_handler(CommandHandler("cancel", report.cancel))
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

    app.add_handler(CallbackQueryHandler(team.revoke_invite, pattern=r"^inv:"))
    app.add_handler(CallbackQueryHandler(team.team_button, pattern=r"^team:"))
    app.add_handler(CallbackQueryHandler(report.report_button, pattern=r"^rp:"))
    app.add_handler(CallbackQueryHandler(report.undo_button, pattern=r"^undo:"))
    app.add_handler(CallbackQueryHandler(results.sales_button, pattern=r"^sales:"))
    app.add_handler(CallbackQueryHandler(settings.settings_button, pattern=r"^set:"))
    app.add_handler(CallbackQueryHandler(settings.nudge_button, pattern=r"^nudge:"))
    app.add_handler(CallbackQueryHandler(targets.target_button, pattern=r"^tg:"))
    app.add_handler(CallbackQueryHandler(catalogue.rewards_button, pattern=r"^rw:"))
    app.add_handler(CallbackQueryHandler(contests.contest_button, pattern=r"^ct:"))
    app.add_handler(CallbackQueryHandler(meetings.draft_button, pattern=r"^mt:"))
    app.add_handler(CallbackQueryHandler(meetings.manage_button, pattern=r"^mm:"))
    app.add_handler(CallbackQueryHandler(meetings.answer_button, pattern=r"^ma:"))
    # Anything else pressed (old or forged data) is answered, never left spinning.
    app.add_handler(CallbackQueryHandler(stale_button))

    # Last: a plain message in a private chat answers the person's stored draft.
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, report.typed_answer)
    )

    app.add_error_handler(on_error)
