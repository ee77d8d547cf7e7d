"""`salesbot run --webhook` as a real process, the test posting to it as Telegram would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.webhook import SECRET_HEADER
from tests.support.botapi import BotApiServer
from tests.support.cli import SALESBOT

SECRET = "s3cret_Token-42"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(server: BotApiServer, db_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    env.update(
        SALESBOT_TOKEN=server.token,
        SALESBOT_API_BASE_URL=server.base_url,
        SALESBOT_DATABASE_URL=db_url,
        SALESBOT_LISTEN=f"127.0.0.1:{port}",
        SALESBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        SALESBOT_WEBHOOK_SECRET=SECRET,
    )
    env.update(extra)
    return env


@dataclass
class WebhookBot:
    proc: subprocess.Popen[bytes]
    client: httpx.AsyncClient
    log: Path

    async def post(self, body: Any, secret: str | None = SECRET, *, raw: bytes | None = None) -> int:
        """POST to /telegram (an update as JSON, or `raw` bytes); the status code."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        content = raw if raw is not None else httpx.Request("POST", "/", json=body).content
        answer = await self.client.post("/telegram", content=content, headers=headers)
        return answer.status_code

    async def health(self) -> httpx.Response:
        return await self.client.get("/healthz")


def _start(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen([SALESBOT, "run", "--webhook"], env=env, cwd=cwd, stderr=err)


@contextlib.asynccontextmanager
async def webhook_bot(
    server: BotApiServer, db_url: str, cwd: Path, *, active: bool = True, **extra: str
) -> AsyncIterator[WebhookBot]:
    """Start the process, wait until it listens (and, when `active`, has set its webhook);
    SIGTERM at the end."""
    port = free_port()
    log = cwd / f"salesbot-{port}.log"
    before = len(server.calls_of("setWebhook"))
    proc = _start(bot_env(server, db_url, port, **extra), cwd, log)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        bot = WebhookBot(proc, client, log)
        try:
            await _until_ready(bot, server, before if active else -1)
            yield bot
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)


async def _until_ready(bot: WebhookBot, server: BotApiServer, before: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        if bot.proc.poll() is not None:
            raise AssertionError(f"salesbot exited with {bot.proc.returncode}: {bot.log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if (await bot.health()).status_code == 200 and len(server.calls_of("setWebhook")) > before:
                return
        if loop.time() > deadline:
            raise AssertionError(f"salesbot did not start: {bot.log.read_text()}")
        await asyncio.sleep(0.1)


async def until_role(bot: WebhookBot, role: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if (await bot.health()).json()["role"] == role:
            return
        if loop.time() > deadline:
            raise AssertionError(f"the role did not become {role}: {bot.log.read_text()}")
        await asyncio.sleep(0.05)


class TcpProxy:
    """Forwards a local port to the database; `close` cuts it (and every open connection)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.close()
        self._open.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._open |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
