"""Telegram Bot API test double: a real HTTP server the bot under test polls."""

from tests.botapi.model import ApiError, FakeChat, FakeUser, SentMessage
from tests.botapi.server import BotApiServer

__all__ = ["ApiError", "BotApiServer", "FakeChat", "FakeUser", "SentMessage"]
