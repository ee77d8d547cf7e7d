"""/export: the workbook as a document; a manager picks a team (or all of theirs) with a button."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from telegram import Update
from telegram.constants import ChatAction

from bot.callbacks import Prefix, encode
from bot.deps import BotContext
from bot.services import exports
from bot.services.access import Actor, TeamInfo
from bot.services.errors import Reason, Refused
from handlers.common import command_args, keyboard, pressed, private_only, reply, with_actor


@with_actor
@private_only
async def export_command(update: Update, context: BotContext, actor: Actor) -> None:
    deps = context.deps
    teams = exports.choices(actor)
    first, last = exports.parse_period(command_args(update), exports.today_of(actor, deps.clock()))
    if len(teams) == 1:
        await _send(update, context, actor, teams, first, last)
        return
    label = deps.renderer.label
    rows = [
        [
            (
                label(actor.locale, "export_team", name=t.name[:60]),
                encode(Prefix.EXPORT, t.id, first.isoformat(), last.isoformat()),
            )
        ]
        for t in teams
    ]
    if actor.is_manager and len(actor.managed) > 1:
        rows.append(
            [
                (
                    label(actor.locale, "export_all"),
                    encode(Prefix.EXPORT, exports.ALL_TEAMS, first.isoformat(), last.isoformat()),
                )
            ]
        )
    await reply(update, context, actor, "export_choose", keyboard(rows), first=first, last=last)


@with_actor
@private_only
async def export_button(update: Update, context: BotContext, actor: Actor) -> None:
    data = pressed(update, Prefix.EXPORT).exactly(3)
    teams = exports.allowed(actor, data.number(0, 0, 2**31 - 1))
    first, last = data.day(1), data.day(2)
    if not exports.fits(first, last, exports.today_of(actor, context.deps.clock())):
        raise Refused(Reason.STALE_BUTTON)
    assert update.callback_query is not None
    await update.callback_query.answer()  # the workbook takes a moment: the button stops spinning now
    await _send(update, context, actor, teams, first, last)


async def _send(
    update: Update, context: BotContext, actor: Actor, teams: list[TeamInfo], first: date, last: date
) -> None:
    deps = context.deps
    chat = update.effective_chat
    assert chat is not None
    # One team's workbook speaks that team's language; several teams', the reader's.
    locale = teams[0].locale if len(teams) == 1 else actor.locale

    def words(what: str, key: str) -> str:
        return deps.renderer.label(locale, what, name=key)

    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    with tempfile.TemporaryDirectory(prefix="salesbot-export-") as directory:
        book = await exports.write(deps.db, teams, first, last, Path(directory), words)
        caption = deps.renderer.render("export_sent", actor.locale, book=book)
        with book.path.open("rb") as document:
            await context.bot.send_document(chat.id, document, filename=book.filename, caption=caption)
