"""server_ping."""

from __future__ import annotations

import strawberry


@strawberry.type
class ServerQuery:
    @strawberry.field
    def server_ping(self) -> str | None:
        return "pong"
