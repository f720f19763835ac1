"""What the server tells about itself (Directus's server info): the project's face to
anyone, its limits to signed-in users only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.accountability import Accountability
from app.config import Settings
from app.services.project_settings import ProjectSettingsService

# Directus's project block, in its order. Those the settings here do not keep are null.
PROJECT_FIELDS = (
    "project_name",
    "project_descriptor",
    "project_logo",
    "project_color",
    "default_language",
    "public_foreground",
    "public_background",
    "public_note",
    "custom_css",
    "public_registration",
    "public_registration_verify_email",
)


@dataclass(frozen=True)
class Limit:
    points: int
    duration_ms: int


@dataclass(frozen=True)
class Limits:
    """What only signed-in users learn (Directus: `if (accountability.user)`)."""

    rate_limit: Limit | None
    # Directus's global limiter; there is none here.
    rate_limit_global: Limit | None
    query_limit_default: int
    query_limit_max: int
    websocket: bool


@dataclass(frozen=True)
class ServerInfo:
    project: dict[str, Any]
    limits: Limits | None


class ServerInfoService:
    def __init__(self, settings: Settings, project_settings: ProjectSettingsService) -> None:
        self._settings = settings
        self._project_settings = project_settings

    async def info(self, accountability: Accountability) -> ServerInfo:
        stored = await self._project_settings.public_values()
        project = {name: stored.get(name) for name in PROJECT_FIELDS}
        if accountability.user is None:
            return ServerInfo(project, None)
        settings = self._settings
        rate_limit = (
            Limit(settings.rate_limiter_points, settings.rate_limiter_duration)
            if settings.rate_limiter_enabled
            else None
        )
        limits = Limits(
            rate_limit=rate_limit,
            rate_limit_global=None,
            query_limit_default=settings.query_limit_default,
            query_limit_max=settings.query_limit_max,
            websocket=settings.websockets_enabled,
        )
        return ServerInfo(project, limits)
