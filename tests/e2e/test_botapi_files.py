"""The Bot API test double's photos and documents sent by users, driven by the real PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.support.botapi import BotApiServer, FakeUser


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as s:
        yield s


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url) as b:
        yield b


async def test_a_users_photo_comes_in_sizes_and_a_document_with_its_name_and_both_resend_by_file_id(
    server: BotApiServer, bot: Bot
) -> None:
    anna: FakeUser = server.user(1001, "Anna", language_code="pl")
    server.send_file(anna, "photo", content=b"\xff\xd8 a long enough picture", caption="<b>seal</b>")
    server.send_file(
        anna, "document", filename="invoice.pdf", content=b"%PDF-1.4", mime_type="application/pdf"
    )
    photo_update, document_update = await bot.get_updates(timeout=0)
    message = photo_update.message
    assert message is not None and message.text is None and message.caption == "<b>seal</b>"
    assert len(message.photo) == 2 and message.photo[-1].width > message.photo[0].width
    document = document_update.message.document if document_update.message else None
    assert document is not None and (document.file_name, document.mime_type) == (
        "invoice.pdf",
        "application/pdf",
    )
    # The bot sends them again by file_id: the bytes the user sent, each as its own kind.
    await bot.send_photo(anna.id, photo=message.photo[-1].file_id, caption="again")
    assert server.last_to(anna.id).document == b"\xff\xd8 a long enough picture"
    await bot.send_document(anna.id, document=document.file_id)
    assert (server.last_to(anna.id).filename, server.last_to(anna.id).document) == (
        "invoice.pdf",
        b"%PDF-1.4",
    )
    # As Telegram, a document's file_id is not a photo's.
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_photo(anna.id, photo=document.file_id)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(anna.id, document="no-such-file")
