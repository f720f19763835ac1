"""server_info and its parts, as Directus 12's system schema types them."""

from __future__ import annotations

from typing import Any

import strawberry

from app.services.server_info import ServerInfo


@strawberry.type(name="server_info_project")
class ServerInfoProject:
    project_name: str | None = None
    project_descriptor: str | None = None
    project_logo: str | None = None
    project_color: str | None = None
    default_language: str | None = None
    public_foreground: str | None = None
    public_background: str | None = None
    public_note: str | None = None
    custom_css: str | None = None
    public_registration: bool | None = None
    public_registration_verify_email: bool | None = None


@strawberry.type(name="server_info_query_limit")
class ServerInfoQueryLimit:
    default: int | None
    max: int | None


@strawberry.type(name="server_info_license_entitlements")
class ServerInfoLicenseEntitlements:
    production_enabled: bool
    ai_translations_enabled: bool
    display_powered_by: str


@strawberry.type(name="server_info_license")
class ServerInfoLicense:
    source: str | None
    entitlements: ServerInfoLicenseEntitlements | None


@strawberry.type(name="server_info")
class ServerInfoType:
    project: ServerInfoProject | None
    # No licences here: always null (the type is Directus's, for clients that select it).
    license: ServerInfoLicense | None
    rate_limit: bool | None = strawberry.field(name="rateLimit")
    rate_limit_global: bool | None = strawberry.field(name="rateLimitGlobal")
    websocket: bool | None
    query_limit: ServerInfoQueryLimit | None = strawberry.field(name="queryLimit")

    @classmethod
    def from_info(cls, info: ServerInfo) -> ServerInfoType:
        project: dict[str, Any] = info.project
        limits = info.limits
        return cls(
            project=ServerInfoProject(**project),
            license=None,
            rate_limit=None if limits is None else limits.rate_limit is not None,
            rate_limit_global=None if limits is None else limits.rate_limit_global is not None,
            websocket=None if limits is None else limits.websocket,
            query_limit=None
            if limits is None
            else ServerInfoQueryLimit(
                default=limits.query_limit_default, max=limits.query_limit_max
            ),
        )
