"""directus_roles, with its users (o2m) batched per request."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.db.loaded import Values, loaded
from app.db.models import Role
from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.queries import item_query
from resolvers.related import parent_field, related_count, related_many, related_row
from resolvers.types.filters import DirectusAccessFilter, DirectusRolesFilter, DirectusUsersFilter
from resolvers.types.functions import CountFunctions
from resolvers.types.inputs import to_data

if TYPE_CHECKING:
    from resolvers.types.policies import DirectusAccess
    from resolvers.types.users import DirectusUser

_POLICIES = "resolvers.types.policies"


@strawberry.type(name="directus_roles")
class DirectusRole:
    id: strawberry.ID
    name: str
    icon: str | None
    description: str | None
    ip_access: list[str | None] | None
    enforce_tfa: bool
    admin_access: bool
    app_access: bool

    parent_id: strawberry.Private[str | None]

    @strawberry.field
    async def parent(
        self,
        info: Info,
        filter: DirectusRolesFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusRole | None:
        if self.parent_id is None:
            return None
        row = await related_row(info, info.context.services.roles, self.parent_id, filter, search)
        return None if row is None else DirectusRole.from_model(row)

    @strawberry.field
    async def children(
        self,
        info: Info,
        filter: DirectusRolesFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusRole | None] | None:
        arguments = (filter, sort, limit, offset, page, search)
        reader = info.context.services.roles
        rows = await related_many(info, reader, "parent", str(self.id), arguments)
        return [DirectusRole.from_model(row) for row in rows]

    @strawberry.field
    async def children_func(self, info: Info) -> CountFunctions | None:
        return await related_count(info, info.context.services.roles, "parent", str(self.id))

    @strawberry.field
    async def policies(
        self,
        info: Info,
        filter: DirectusAccessFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[Annotated[DirectusAccess, strawberry.lazy(_POLICIES)] | None] | None:
        from resolvers.types.policies import DirectusAccess

        arguments = (filter, sort, limit, offset, page, search)
        reader = info.context.services.access
        rows = await related_many(info, reader, "role", str(self.id), arguments)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.field
    async def policies_func(self, info: Info) -> CountFunctions | None:
        return await related_count(info, info.context.services.access, "role", str(self.id))

    @strawberry.field
    async def users(
        self,
        info: Info,
        filter: DirectusUsersFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[Annotated[DirectusUser, strawberry.lazy("resolvers.types.users")] | None] | None:
        from resolvers.types.users import DirectusUser

        ctx = info.context
        access = await ctx.access()
        query = item_query(filter, sort, limit, offset, page, search)
        fields = requested_fields(info)
        key = "role.users:" + json.dumps(
            [to_data(filter), sort, limit, offset, page, search, sorted(fields)], default=str
        )
        users = ctx.services.users
        via = parent_field(info)

        async def load(role_ids: list[str]) -> list[list[object]]:
            grouped = await users.read_related(access, "role", role_ids, query, fields, via)
            return [list(grouped.get(role_id, [])) for role_id in role_ids]

        rows = await ctx.loader(key, load).load(str(self.id))
        return [DirectusUser.from_model(row) for row in rows]

    @strawberry.field
    async def users_func(self, info: Info) -> CountFunctions | None:
        ctx = info.context
        access = await ctx.access()
        users = ctx.services.users

        via = parent_field(info)

        async def load(role_ids: list[str]) -> list[int]:
            counts = await users.count_related(access, "role", role_ids, via)
            return [counts[role_id] for role_id in role_ids]

        count = await ctx.loader("role.users_func", load).load(str(self.id))
        return CountFunctions(count=count)

    @classmethod
    def from_model(cls, row: Role | Values) -> DirectusRole:
        values = loaded(row)
        ip_access = values["ip_access"]
        return cls(
            id=strawberry.ID(values["id"]),
            name=values["name"],
            icon=values["icon"],
            description=values["description"],
            ip_access=list(ip_access) if ip_access is not None else None,
            enforce_tfa=values["enforce_tfa"],
            admin_access=values["admin_access"],
            app_access=values["app_access"],
            parent_id=values["parent"],
        )
