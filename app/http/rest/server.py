"""/server/ping and /server/health."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.http.rest.context import RestContext, endpoint


async def ping(_request: Request) -> Response:
    return PlainTextResponse("pong")


@endpoint
async def health(ctx: RestContext) -> Response:
    """Directus's health shape: everyone learns ok or not; only admins see the checks."""
    try:
        await ctx.services.db.ping()
        status = "ok"
    except Exception:  # any failure means "not healthy", and says no more
        status = "error"
    body: dict[str, Any] = {"status": status}
    if ctx.accountability.admin:
        body["checks"] = {"database": [{"status": status}]}
    return JSONResponse(
        body,
        status_code=200 if status == "ok" else 503,
        media_type="application/health+json",
    )
