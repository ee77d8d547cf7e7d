"""Which failed sends may be sent again: only those that provably never reached Telegram."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bot.scheduler.delivery import provably_unsent


def wrapped(error: NetworkError, cause: BaseException | None) -> NetworkError:
    """What PTB's HTTPXRequest raises: its own error with httpx's as the cause."""
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "error",
    [
        wrapped(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
        wrapped(NetworkError("name resolution"), httpx.ConnectError("[Errno -2] Name or service not known")),
        wrapped(TimedOut(), httpx.ConnectTimeout("connect")),
        wrapped(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")),
    ],
    ids=["refused", "name-resolution", "connect-timeout", "pool-timeout"],
)
def test_a_connection_never_opened_is_safe_to_send_again(error: NetworkError) -> None:
    assert provably_unsent(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(TimedOut(), httpx.ReadTimeout("read")),
        wrapped(TimedOut(), httpx.WriteTimeout("write")),
        wrapped(NetworkError("reset"), httpx.ReadError("Connection reset by peer")),
        wrapped(NetworkError("closed"), httpx.RemoteProtocolError("Server disconnected")),
        wrapped(NetworkError("write"), httpx.WriteError("Broken pipe")),
        wrapped(NetworkError("Bad Gateway"), None),
        wrapped(NetworkError("Internal Server Error (500)"), None),
    ],
    ids=["read-timeout", "write-timeout", "reset", "closed", "broken-pipe", "502", "500"],
)
def test_a_failure_after_the_request_may_have_been_written_is_never_resent(error: NetworkError) -> None:
    assert not provably_unsent(error)


def test_an_outage_is_told_from_a_bug_through_the_chain_of_causes() -> None:
    from sqlalchemy import exc

    from storage.db import is_unavailable

    refused = ConnectionRefusedError(111, "Connect call failed")
    wrapped = exc.OperationalError("SELECT 1", {}, refused)
    try:
        try:
            raise refused
        except ConnectionRefusedError as inner:
            raise RuntimeError("while handling") from inner
    except RuntimeError as outer:
        chained = outer
    assert is_unavailable(wrapped) and is_unavailable(chained) and is_unavailable(TimeoutError())
    assert not is_unavailable(ValueError("a bug")) and not is_unavailable(None)
    assert not is_unavailable(exc.IntegrityError("INSERT", {}, ValueError("duplicate")))
