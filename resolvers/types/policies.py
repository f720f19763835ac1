"""directus_policies, directus_access and directus_permissions, with their relations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.collections import POLICIES
from app.db.models import Permission, Policy, PolicyAccess
from resolvers.context import Info
from resolvers.related import related_count, related_many, related_row
from resolvers.types.filters import (
    DirectusAccessFilter,
    DirectusPermissionsFilter,
    DirectusPoliciesFilter,
    DirectusRolesFilter,
    DirectusUsersFilter,
)
from resolvers.types.functions import CountFunctions, count_of
from resolvers.types.roles import DirectusRole
from resolvers.types.scalars import JSON

if TYPE_CHECKING:
    from resolvers.types.users import DirectusUser

Sort = list[str | None] | None
_USERS = "resolvers.types.users"
# The access rows a policy's `users` and `roles` list (see app/collections/policies.py).
_PRESENT = {name: str(POLICIES.relations[name].present) for name in ("users", "roles")}


@strawberry.type(name="directus_policies")
class DirectusPolicy:
    id: strawberry.ID
    name: str
    icon: str | None
    description: str | None
    ip_access: list[str | None] | None
    enforce_tfa: bool
    admin_access: bool
    app_access: bool

    @strawberry.field
    async def permissions(
        self,
        info: Info,
        filter: DirectusPermissionsFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusPermission | None] | None:
        arguments = (filter, sort, limit, offset, page, search)
        reader = info.context.services.permissions
        rows = await related_many(info, reader, "policy", str(self.id), arguments)
        return [DirectusPermission.from_model(row) for row in rows]

    @strawberry.field
    async def permissions_func(self, info: Info) -> CountFunctions | None:
        reader = info.context.services.permissions
        return await related_count(info, reader, "policy", str(self.id))

    @strawberry.field
    async def users(
        self,
        info: Info,
        filter: DirectusAccessFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusAccess | None] | None:
        return await _access_of(info, str(self.id), (filter, sort, limit, offset, page, search))

    @strawberry.field
    async def users_func(self, info: Info) -> CountFunctions | None:
        arguments = (None, None, -1, None, None, None)
        return CountFunctions(count=len(await _access_of(info, str(self.id), arguments)))

    @strawberry.field
    async def roles(
        self,
        info: Info,
        filter: DirectusAccessFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusAccess | None] | None:
        arguments = (filter, sort, limit, offset, page, search)
        return await _access_of(info, str(self.id), arguments, roles=True)

    @strawberry.field
    async def roles_func(self, info: Info) -> CountFunctions | None:
        arguments = (None, None, -1, None, None, None)
        rows = await _access_of(info, str(self.id), arguments, roles=True)
        return CountFunctions(count=len(rows))

    @classmethod
    def from_model(cls, row: Policy) -> DirectusPolicy:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            icon=row.icon,
            description=row.description,
            ip_access=list(row.ip_access) if row.ip_access is not None else None,
            enforce_tfa=row.enforce_tfa,
            admin_access=row.admin_access,
            app_access=row.app_access,
        )


async def _access_of(
    info: Info,
    policy_id: str,
    arguments: tuple[Any, Any, Any, Any, Any, Any],
    *,
    roles: bool = False,
) -> list[DirectusAccess | None]:
    reader = info.context.services.access
    only = {_PRESENT["roles" if roles else "users"]: {"_nnull": True}}
    rows = await related_many(info, reader, "policy", policy_id, arguments, only)
    return [DirectusAccess.from_model(row) for row in rows]


@strawberry.type(name="directus_access")
class DirectusAccess:
    id: strawberry.ID
    sort: int | None

    role_id: strawberry.Private[str | None]
    user_id: strawberry.Private[str | None]
    policy_id: strawberry.Private[str]

    @strawberry.field
    async def role(
        self,
        info: Info,
        filter: DirectusRolesFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusRole | None:
        if self.role_id is None:
            return None
        row = await related_row(info, info.context.services.roles, self.role_id, filter, search)
        return None if row is None else DirectusRole.from_model(row)

    @strawberry.field
    async def user(
        self,
        info: Info,
        filter: DirectusUsersFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> Annotated[DirectusUser, strawberry.lazy(_USERS)] | None:
        from resolvers.types.users import DirectusUser

        if self.user_id is None:
            return None
        row = await related_row(info, info.context.services.users, self.user_id, filter, search)
        return None if row is None else DirectusUser.from_model(row)

    @strawberry.field
    async def policy(
        self,
        info: Info,
        filter: DirectusPoliciesFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusPolicy | None:
        reader = info.context.services.policies
        row = await related_row(info, reader, self.policy_id, filter, search)
        return None if row is None else DirectusPolicy.from_model(row)

    @classmethod
    def from_model(cls, row: PolicyAccess) -> DirectusAccess:
        return cls(
            id=strawberry.ID(row.id),
            sort=row.sort,
            role_id=row.role,
            user_id=row.user,
            policy_id=row.policy,
        )


@strawberry.type(name="directus_permissions_permissions_func")
class PermissionsPermissionsFunc(CountFunctions):
    pass


@strawberry.type(name="directus_permissions_validation_func")
class PermissionsValidationFunc(CountFunctions):
    pass


@strawberry.type(name="directus_permissions_presets_func")
class PermissionsPresetsFunc(CountFunctions):
    pass


@strawberry.type(name="directus_permissions")
class DirectusPermission:
    id: strawberry.ID | None
    collection: str
    action: str
    permissions: JSON | None
    validation: JSON | None
    presets: JSON | None
    fields: list[str | None] | None

    policy_id: strawberry.Private[str]

    @strawberry.field
    def permissions_func(self) -> PermissionsPermissionsFunc | None:
        return PermissionsPermissionsFunc(count=count_of(self.permissions))

    @strawberry.field
    def validation_func(self) -> PermissionsValidationFunc | None:
        return PermissionsValidationFunc(count=count_of(self.validation))

    @strawberry.field
    def presets_func(self) -> PermissionsPresetsFunc | None:
        return PermissionsPresetsFunc(count=count_of(self.presets))

    @strawberry.field
    async def policy(
        self,
        info: Info,
        filter: DirectusPoliciesFilter | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusPolicy | None:
        reader = info.context.services.policies
        row = await related_row(info, reader, self.policy_id, filter, search)
        return None if row is None else DirectusPolicy.from_model(row)

    @classmethod
    def from_model(cls, row: Permission) -> DirectusPermission:
        return cls(
            id=None if row.id is None else strawberry.ID(str(row.id)),
            collection=row.collection,
            action=row.action,
            permissions=None if row.permissions is None else JSON(row.permissions),
            validation=None if row.validation is None else JSON(row.validation),
            presets=None if row.presets is None else JSON(row.presets),
            fields=None if row.fields is None else list(row.fields),
            policy_id=row.policy,
        )
