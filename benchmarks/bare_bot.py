"""The floor under every handler: a bare PTB bot doing salesbot's Telegram I/O for a report, nothing else.

No database, no templates, no rules: `/report 100 Acme` answers a card with a Save button,
`/report` then two typed answers ask the next question, the third offers Skip, Skip edits the
message into the card, Save answers the query and edits the card. The same update slots as
salesbot (16 at once), the same web server in webhook mode (Starlette under uvicorn).

    python -m benchmarks.bare_bot TOKEN BASE_URL [--webhook PORT SECRET]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

CARD = "<b>Check the sale</b>\nClient: {client}\nAmount: {amount} PLN\nDay: today"
SAVE = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Save", callback_data="save")]])
SKIP = InlineKeyboardMarkup([[InlineKeyboardButton("Skip", callback_data="skip")]])
QUESTIONS = ("Who is the client?", "What is the amount?", "Which product? Type it or skip.")

Ctx = ContextTypes.DEFAULT_TYPE


async def report(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    args = context.args or []
    if len(args) >= 2:
        await update.effective_message.reply_text(
            CARD.format(client=args[1], amount=args[0]), reply_markup=SAVE
        )
        return
    context.chat_data["step"] = 1
    await update.effective_message.reply_text(QUESTIONS[0])


async def typed(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    step = int(context.chat_data.get("step", 0))
    if not step:
        await update.effective_message.reply_text("Type /report")
        return
    context.chat_data["step"] = step + 1
    context.chat_data[f"answer{step}"] = update.effective_message.text
    if step < len(QUESTIONS):
        markup = SKIP if step + 1 == len(QUESTIONS) else None
        await update.effective_message.reply_text(QUESTIONS[step], reply_markup=markup)


async def button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.data == "skip":
        data = context.chat_data
        card = CARD.format(client=data.get("answer1", "?"), amount=data.get("answer2", "?"))
        await query.edit_message_text(card, reply_markup=SAVE)
        data.clear()
    else:
        await query.edit_message_text("✅ Sale saved: 100 PLN")


def build(token: str, base_url: str, *, webhook: bool) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = Application.builder().updater(None) if webhook else Application.builder()
    app = (
        builder.token(token)
        .base_url(base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(16)
        .build()
    )
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, typed))
    return app


async def serve_webhook(app: Application[Any, Any, Any, Any, Any, Any], port: int, secret: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def telegram(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return Response(status_code=403)
        await app.update_queue.put(Update.de_json(json.loads(await request.body()), app.bot))
        return Response()

    web = Starlette(routes=[Route("/telegram", telegram, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    async with app:
        await app.start()
        await app.bot.set_webhook(f"http://127.0.0.1:{port}/telegram", secret_token=secret)
        await server.serve()
        await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_bot")
    parser.add_argument("token")
    parser.add_argument("base_url")
    parser.add_argument("--webhook", nargs=2, metavar=("PORT", "SECRET"))
    args = parser.parse_args()
    app = build(args.token, args.base_url, webhook=bool(args.webhook))
    if args.webhook:
        asyncio.run(serve_webhook(app, int(args.webhook[0]), args.webhook[1]))
    else:
        app.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
