"""directus_settings."""

from __future__ import annotations

import strawberry

from app.db.models import ProjectSettings
from resolvers.context import Info
from resolvers.related import related_row
from resolvers.types.files import DirectusFile
from resolvers.types.filters import DirectusFilesFilter
from resolvers.types.roles import DirectusRole
from resolvers.types.scalars import JSON


@strawberry.type(name="directus_settings")
class DirectusSettings:
    id: strawberry.ID
    project_name: str | None
    project_color: str | None
    public_registration: bool
    public_registration_verify_email: bool | None
    public_registration_email_filter: JSON | None
    auth_login_attempts: int | None
    auth_password_policy: str | None

    role_id: strawberry.Private[str | None]
    logo_id: strawberry.Private[str | None]

    @strawberry.field
    async def project_logo(
        self,
        info: Info,
        filter: DirectusFilesFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> DirectusFile | None:
        if self.logo_id is None:
            return None
        row = await related_row(info, info.context.services.files, self.logo_id, filter, search)
        return None if row is None else DirectusFile.from_model(row)

    @strawberry.field
    async def public_registration_role(self, info: Info) -> DirectusRole | None:
        if self.role_id is None:
            return None
        row = await related_row(info, info.context.services.roles, self.role_id, None, None)
        return None if row is None else DirectusRole.from_model(row)

    @classmethod
    def from_model(cls, row: ProjectSettings) -> DirectusSettings:
        return cls(
            id=strawberry.ID(str(row.id)),
            project_name=row.project_name,
            project_color=row.project_color,
            public_registration=row.public_registration,
            public_registration_verify_email=row.public_registration_verify_email,
            public_registration_email_filter=JSON(row.public_registration_email_filter),
            auth_login_attempts=row.auth_login_attempts,
            auth_password_policy=row.auth_password_policy,
            role_id=row.public_registration_role,
            logo_id=row.project_logo,
        )
