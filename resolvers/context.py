"""Per-request context: who is asking, the services, DataLoaders, and the response."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from app.accountability import Accountability
from app.db.models import File, Role
from app.services.container import Services


@dataclass
class Loaders:
    """Batch by id within one request: a list of users costs one role query, not N."""

    roles: DataLoader[str, Role | None]
    files: DataLoader[str, File | None]

    @classmethod
    def build(cls, services: Services) -> Loaders:
        return cls(
            roles=DataLoader(load_fn=services.users.roles_by_ids),
            files=DataLoader(load_fn=services.users.files_by_ids),
        )


@dataclass
class Context:
    request: Request
    response: Response
    accountability: Accountability
    services: Services
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.build(self.services)


Info = strawberry.Info[Context, None]
