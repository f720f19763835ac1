"""/server/ping and /server/health."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.services.container import Services


async def ping(_request: Request) -> Response:
    return PlainTextResponse("pong")


async def health(request: Request) -> Response:
    """Directus's health shape; 503 when the database does not answer."""
    services: Services = request.app.state.services
    try:
        async with services.db.read() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:  # any failure means "not healthy", and says no more
        return JSONResponse(
            {"status": "error", "checks": {"database": [{"status": "error"}]}},
            status_code=503,
            media_type="application/health+json",
        )
    return JSONResponse(
        {"status": "ok", "checks": {"database": [{"status": "ok"}]}},
        media_type="application/health+json",
    )
