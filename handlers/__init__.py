"""Telegram-facing handlers, one module per feature; `bot.app` registers them in order."""
