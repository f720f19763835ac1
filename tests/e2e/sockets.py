"""A graphql-transport-ws client for the e2e tests: open a socket on a real server, start
one operation, read its messages (checked for leaks as every HTTP answer is)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.instances import SESSION_COOKIE
from tests.e2e.server_process import RunningServer
from tests.leaks import leak_in

SUBSCRIBE = "subscription { directus_users_mutated { key event data { email first_name } } }"


def socket_url(server: RunningServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql/system"


@asynccontextmanager
async def subscription(
    server: RunningServer,
    token: str | None,
    query: str = SUBSCRIBE,
    *,
    cookie: str | None = None,
    origin: str | None = None,
    settle: float = 0.3,
) -> AsyncIterator[ClientConnection]:
    """A socket that sent connection_init (with `token`, if any, and the session `cookie`,
    if any), was acknowledged, and started `query` as operation "1". It waits `settle`
    seconds so that the server has registered a subscription before the test writes."""
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None
    async with connect(
        socket_url(server),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
    ) as socket:
        payload = {"access_token": token} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        if settle:
            await asyncio.sleep(settle)
        yield socket


async def next_message(socket: ClientConnection) -> dict[str, Any]:
    """The next message, checked as every HTTP answer is (tests.leaks): no concealed value."""
    text = await asyncio.wait_for(socket.recv(), 10)
    leak = leak_in(str(text))
    assert leak is None, f"a subscription message leaks {leak!r}: {str(text)[:500]}"
    message: dict[str, Any] = json.loads(text)
    return message


async def no_message(socket: ClientConnection, seconds: float = 0.7) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(socket.recv(), seconds)


def users_mutated(message: dict[str, Any]) -> dict[str, Any]:
    """The directus_users_mutated event a `next` message without errors carries."""
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    event: dict[str, Any] = message["payload"]["data"]["directus_users_mutated"]
    return event
