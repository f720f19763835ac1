"""Rendering a page: Jinja2 templates (autoescaped), the project's face, the CSRF token, and
headers that keep a page's tokens and forms to itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.errors import ServiceUnavailableError
from app.pages import csrf
from app.services.container import Services
from app.services.project_face import ProjectFace, face_of_row

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
ASSETS_PATH = "/admin/assets"

# No inline script or style anywhere: styles and the one script (passkeys.js, which fetches
# WebAuthn options from this server's API) come from our own files, the QR code is inline SVG
# markup (an image, not a script), forms post only here, no page may frame these.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # Reset and invitation links carry their token in the URL: never pass it on.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


async def branding(services: Services) -> ProjectFace:
    """The project's name and colour; the defaults while the database cannot be read, so
    the page saying so (SERVICE_UNAVAILABLE) can still be shown."""
    try:
        return await services.project_settings.face()
    except ServiceUnavailableError:
        return face_of_row(None)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    """The page, with its CSRF token (and the browser's CSRF cookie when it had none)."""
    services = services_of(request)
    secret, new = csrf.ensure_secret(request)
    values = {
        "project": await branding(services),
        "assets": ASSETS_PATH,
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.form_token(services.settings, secret),
        "error": None,
        **(context or {}),
    }
    body = _environment.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
    # A page outside the cookie's path (the verify-email failure) setting a new one would
    # expire the forms open in the browser's other tabs.
    if new and request.url.path.startswith(csrf.COOKIE_PATH):
        csrf.set_cookie(response, services.settings, secret)
    return response


async def theme(request: Request) -> Response:
    """The project colour as CSS (the pages may not carry inline styles)."""
    face = await branding(services_of(request))
    return Response(
        f":root {{ --accent: {face.color}; }}\n",
        media_type="text/css",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
