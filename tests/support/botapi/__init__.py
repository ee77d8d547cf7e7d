"""Telegram Bot API test double: a real HTTP server the bot under test polls."""

from tests.support.botapi.model import ApiError, FakeChat, FakeUser, SentMessage
from tests.support.botapi.server import BotApiServer

__all__ = ["ApiError", "BotApiServer", "FakeChat", "FakeUser", "SentMessage"]
