"""The one place that registers every handler, in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from handlers import start, team
from handlers.common import gate, on_error


def register(app: Application) -> None:  # type: ignore[type-arg]
    # Group -1 runs first for every update: redeliveries and strangers stop here.
    app.add_handler(TypeHandler(Update, gate), group=-1)

    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler("invite", team.invite))
    app.add_handler(CommandHandler("team", team.team))
    app.add_handler(CommandHandler("linkgroup", team.link_group))
    app.add_handler(CallbackQueryHandler(team.revoke_invite, pattern=r"^inv:"))
    app.add_handler(CallbackQueryHandler(team.team_button, pattern=r"^team:"))

    app.add_error_handler(on_error)
