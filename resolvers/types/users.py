"""directus_users: concealed fields are masked in from_model, and nowhere else."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from app.db.loaded import Values, loaded
from app.db.models import Role, User
from resolvers.context import Info
from resolvers.engine.leaf_fields import answers_by
from resolvers.related import (
    Missing,
    related_count,
    related_many,
    related_row,
    related_values,
    related_values_now,
)
from resolvers.types.files import DirectusFile
from resolvers.types.filters import (
    DirectusAccessFilter,
    DirectusFilesFilter,
    DirectusRolesFilter,
)
from resolvers.types.functions import (
    CountFunctions,
    DatetimeFunctions,
    UsersAuthDataFunc,
    UsersTagsFunc,
    UsersThemeDarkOverridesFunc,
    UsersThemeLightOverridesFunc,
    count_of,
)
from resolvers.types.roles import DirectusRole
from resolvers.types.scalars import JSON, Date, Hash, conceal, iso_date

if TYPE_CHECKING:
    from resolvers.types.policies import DirectusAccess
    from resolvers.types.sessions import UserSessionType

_F = TypeVar("_F", bound=CountFunctions)
_POLICIES = "resolvers.types.policies"
_SESSIONS = "resolvers.types.sessions"


@strawberry.type(name="directus_users")
class DirectusUser:
    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    email: str | None
    password: Hash | None
    location: str | None
    title: str | None
    description: str | None
    tags: JSON | None
    language: str | None
    tfa_secret: Hash | None
    status: str | None
    token: Hash | None
    last_access: Date | None
    last_page: str | None
    provider: str | None
    external_identifier: str | None
    auth_data: JSON | None
    email_notifications: bool | None
    appearance: str | None
    theme_dark: str | None
    theme_light: str | None
    theme_light_overrides: JSON | None
    theme_dark_overrides: JSON | None
    text_direction: str | None

    role_id: strawberry.Private[str | None]
    avatar_id: strawberry.Private[str | None]
    last_access_at: strawberry.Private[datetime | None]

    # graphql_type: the resolver answers a role or an awaitable of one (Strawberry types
    # this form of its decorator as Any).
    @strawberry.field(graphql_type=DirectusRole | None)  # type: ignore[untyped-decorator]
    @answers_by("role_id")
    def role(
        self,
        info: Info,
        filter: DirectusRolesFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusRole | Awaitable[DirectusRole | None] | None:
        """At once when the list read the roles ahead (`prefetch_related`), else awaited."""
        if self.role_id is None:
            return None
        ctx = info.context
        roles = ctx.services.roles
        if not ctx.read_ahead:
            return self._role(related_row(info, roles, self.role_id, filter, search))
        if (filter is None or filter is strawberry.UNSET) and not search:
            row = related_values_now(info, roles, self.role_id)
            if not isinstance(row, Missing):
                return None if row is None else DirectusRole.from_model(row)
        return self._role(related_values(info, roles, self.role_id, filter, search))

    @staticmethod
    async def _role(reading: Awaitable[Role | Values | None]) -> DirectusRole | None:
        row = await reading
        return None if row is None else DirectusRole.from_model(row)

    @strawberry.field
    async def avatar(
        self,
        info: Info,
        filter: DirectusFilesFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusFile | None:
        if self.avatar_id is None:
            return None
        row = await related_row(info, info.context.services.files, self.avatar_id, filter, search)
        return None if row is None else DirectusFile.from_model(row)

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
        rows = await related_many(info, reader, "user", str(self.id), arguments)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.field
    async def policies_func(self, info: Info) -> CountFunctions | None:
        return await related_count(info, info.context.services.access, "user", str(self.id))

    @strawberry.field
    async def sessions(
        self, info: Info
    ) -> list[Annotated[UserSessionType, strawberry.lazy(_SESSIONS)]] | None:
        """The user's logins: in admins' schemas only (resolvers/engine/caller_schema.py)."""
        from resolvers.sessions import sessions_of

        return await sessions_of(info.context, str(self.id))

    @strawberry.field
    def tags_func(self) -> UsersTagsFunc | None:
        return _count_func(UsersTagsFunc, self.tags)

    @strawberry.field
    def auth_data_func(self) -> UsersAuthDataFunc | None:
        return _count_func(UsersAuthDataFunc, self.auth_data)

    @strawberry.field
    def theme_light_overrides_func(self) -> UsersThemeLightOverridesFunc | None:
        return _count_func(UsersThemeLightOverridesFunc, self.theme_light_overrides)

    @strawberry.field
    def theme_dark_overrides_func(self) -> UsersThemeDarkOverridesFunc | None:
        return _count_func(UsersThemeDarkOverridesFunc, self.theme_dark_overrides)

    @strawberry.field
    def last_access_func(self) -> DatetimeFunctions | None:
        return DatetimeFunctions.of(self.last_access_at)

    @classmethod
    def from_model(cls, row: User | Values) -> DirectusUser:
        values = loaded(row)
        return cls(
            id=strawberry.ID(values["id"]),
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=values["email"],
            password=conceal(values["password"]),
            location=values["location"],
            title=values["title"],
            description=values["description"],
            tags=JSON(values["tags"]),
            language=values["language"],
            tfa_secret=conceal(values["tfa_secret"]),
            status=values["status"],
            token=conceal(values["token"]),
            last_access=iso_date(values["last_access"]),
            last_page=values["last_page"],
            provider=values["provider"],
            external_identifier=values["external_identifier"],
            auth_data=JSON(values["auth_data"]),
            email_notifications=values["email_notifications"],
            appearance=values["appearance"],
            theme_dark=values["theme_dark"],
            theme_light=values["theme_light"],
            theme_light_overrides=JSON(values["theme_light_overrides"]),
            theme_dark_overrides=JSON(values["theme_dark_overrides"]),
            text_direction=values["text_direction"],
            role_id=values["role"],
            avatar_id=values["avatar"],
            last_access_at=values["last_access"],
        )


def _count_func(kind: type[_F], value: Any) -> _F | None:
    count = count_of(value)
    return None if count is None else kind(count=count)
