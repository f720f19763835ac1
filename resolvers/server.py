"""server_ping, server_info."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.types.server import ServerInfoType


@strawberry.type
class ServerQuery:
    @strawberry.field
    def server_ping(self) -> str | None:
        return "pong"

    @strawberry.field
    async def server_info(self, info: Info) -> ServerInfoType | None:
        """The project's face for anyone; limits only for signed-in users (null otherwise)."""
        ctx = info.context
        return ServerInfoType.from_info(await ctx.services.server_info.info(ctx.accountability))
