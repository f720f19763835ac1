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
from app.errors import DirectusError
from app.permissions.access import Access
from app.services.container import Services


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket
    accountability: Accountability
    services: Services
    connection_params: dict[str, object] | None = None
    # The token the caller authenticated with (None for the public): a socket outlives
    # the request that opened it, so its operations and
    # subscriptions authenticate again from this.
    credential: str | None = None
    # Lists read plain values and their relational fields ahead, answering those at once
    # (resolvers/related.py); off when resolvers are traced, so the general path (ORM rows,
    # a loader awaited per row) also runs, and answers the same (tests/graphql).
    read_ahead: bool = True
    _access: Access | None = field(default=None, init=False)
    _revoked: DirectusError | None = field(default=None, init=False)
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict, init=False)
    # What a relational field works out once per field of the document and caller, not per
    # row (resolvers/related.py); dropped with the loaders when the caller changes.
    memo: dict[Any, Any] = field(default_factory=dict, init=False)

    async def access(self) -> Access:
        """The caller's permissions, read at most once per request."""
        if self._access is None:
            self._access = await self.services.users.access_for(self.accountability)
        return self._access

    @property
    def known_access(self) -> Access | None:
        """The caller's permissions if already read (a field that can answer without
        waiting asks for them this way)."""
        return self._access

    @property
    def http_response(self) -> Response:
        """Where cookies go; over a socket there is no response, so they are dropped."""
        return self.response if isinstance(self.response, Response) else Response()

    def reset_access(self) -> None:
        """After a socket authenticated in connection_init."""
        self._access = None
        self._loaders.clear()
        self.memo.clear()

    async def reauthenticate(self) -> Access:
        """Who the caller is now, by the same rule as every HTTP request: a suspended,
        deleted or demoted user, an ended session or an expired token loses what it had.
        A credential found dead stays dead for the rest of the connection."""
        if self._revoked is not None:
            raise self._revoked
        try:
            accountability = await self.services.authenticator.authenticate(
                self.credential, self.accountability.client
            )
        except DirectusError as error:
            self._revoked = error
            raise
        access = await self.services.users.access_for(accountability)
        self.accountability = accountability
        self._access = access
        self._loaders.clear()
        self.memo.clear()
        return access

    def loader(
        self, key: str, load: Callable[[list[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        """One DataLoader per key and request: sibling fields share a batch."""
        existing = self._loaders.get(key)
        if existing is None:
            existing = self._loaders[key] = DataLoader(load_fn=load)
        return existing


Info = strawberry.Info[Context, None]
