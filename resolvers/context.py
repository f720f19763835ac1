"""Per-request context: who is asking, what they may do, the services, DataLoaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from app.accountability import Accountability
from app.permissions.access import Access
from app.services.container import Services


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket
    accountability: Accountability
    services: Services
    connection_params: dict[str, object] | None = None
    _access: Access | None = field(default=None, init=False)
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict, init=False)

    async def access(self) -> Access:
        """The caller's permissions, read at most once per request."""
        if self._access is None:
            self._access = await self.services.users.access_for(self.accountability)
        return self._access

    @property
    def http_response(self) -> Response:
        """Where cookies go; over a socket there is no response, so they are dropped."""
        return self.response if isinstance(self.response, Response) else Response()

    def reset_access(self) -> None:
        """After a socket authenticated in connection_init."""
        self._access = None
        self._loaders.clear()

    def loader(
        self, key: str, load: Callable[[list[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        """One DataLoader per key and request: sibling fields share a batch."""
        existing = self._loaders.get(key)
        if existing is None:
            existing = self._loaders[key] = DataLoader(load_fn=load)
        return existing


Info = strawberry.Info[Context, None]
