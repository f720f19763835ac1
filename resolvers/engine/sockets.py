"""graphql-transport-ws with the credential checked again for every operation a socket
starts: a socket outlives its user's suspension, deletion or demotion and its session,
so it may not go on acting as the user it was when it opened."""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from graphql import GraphQLFormattedError
from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    SubscribeMessage,
)

from app.errors import DirectusError
from app.http.errors import error_entry
from resolvers.context import Context

FORBIDDEN_CLOSE = 4403
# Closing tasks in flight: the loop keeps only weak references to tasks.
_CLOSING: set[asyncio.Task[None]] = set()


class CheckedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """A dead credential gets the operation's `error` message, coded, and the socket
        closes with 4403 (Forbidden)."""
        if self.connection_acknowledged:
            try:
                await self.context.reauthenticate()
            except DirectusError as error:
                payload = cast("list[GraphQLFormattedError]", [error_entry(error)])
                await self.send_message(
                    ErrorMessage(id=message["id"], type="error", payload=payload)
                )
                await self.websocket.close(code=FORBIDDEN_CLOSE, reason="Forbidden")
                return
        await super().handle_subscribe(message)


def close_after_operation(ctx: Context) -> None:
    """Once this operation has sent its coded error and `complete`, close the socket with
    4403: nothing more may run on a dead credential."""
    socket = ctx.request
    if not isinstance(socket, WebSocket):
        return
    operation = asyncio.current_task()

    async def close() -> None:
        if operation is not None:
            await asyncio.wait({operation})
        with contextlib.suppress(Exception):
            await socket.close(code=FORBIDDEN_CLOSE, reason="Forbidden")

    task = asyncio.get_running_loop().create_task(close())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)
