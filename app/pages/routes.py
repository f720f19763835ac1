"""The account pages' routes, at Directus's Data Studio paths; none when ACCOUNT_PAGES_ENABLED
is false (a server behind its own front end)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.config import Settings
from app.pages import login
from app.pages.rendering import ASSETS_PATH, STATIC, theme


def page_routes(settings: Settings) -> list[BaseRoute]:
    if not settings.account_pages_enabled:
        return []
    return [
        Mount(ASSETS_PATH, StaticFiles(directory=STATIC)),
        Route("/admin/theme.css", theme, methods=["GET"]),
        Route("/admin/login", login.login_page, methods=["GET"]),
        Route("/admin/login", login.login_submit, methods=["POST"]),
    ]
