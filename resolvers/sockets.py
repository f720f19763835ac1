"""graphql-transport-ws with the credential checked again for every operation a socket
starts: a socket outlives its user's suspension, deletion or demotion and its session,
so it may not go on acting as the user it was when it opened."""

from __future__ import annotations

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from app.errors import DirectusError
from resolvers.context import Context

FORBIDDEN_CLOSE = 4403


class CheckedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """A dead credential gets the operation's `error` message, coded, and the socket
        closes with 4403 (Forbidden)."""
        if self.connection_acknowledged:
            try:
                await self.context.reauthenticate()
            except DirectusError as error:
                await self.send_message(
                    {
                        "id": message["id"],
                        "type": "error",
                        "payload": [{"message": error.message, "extensions": {"code": error.code}}],
                    }
                )
                await self.websocket.close(code=FORBIDDEN_CLOSE, reason="Forbidden")
                return
        await super().handle_subscribe(message)
