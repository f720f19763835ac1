"""/server/ping, /server/health and /server/info."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.http.rest.context import RestContext, data, endpoint
from app.services.server_info import Limit, ServerInfo


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


def _limit(limit: Limit | None) -> dict[str, Any] | bool:
    """Directus's env values: the duration in seconds."""
    if limit is None:
        return False
    seconds = limit.duration_ms / 1000
    return {"points": limit.points, "duration": int(seconds) if seconds.is_integer() else seconds}


def info_json(info: ServerInfo) -> dict[str, Any]:
    """Directus's /server/info shape: the project for anyone, the limits for users."""
    body: dict[str, Any] = {"project": info.project}
    limits = info.limits
    if limits is None:
        return body
    body["rateLimit"] = _limit(limits.rate_limit)
    body["rateLimitGlobal"] = _limit(limits.rate_limit_global)
    body["queryLimit"] = {"default": limits.query_limit_default, "max": limits.query_limit_max}
    # Subscriptions are served over graphql-transport-ws at the GraphQL path; a socket may
    # open without credentials and authenticate in connection_init ("public").
    body["websocket"] = (
        {
            "rest": False,
            "graphql": {"authentication": "public", "path": "/graphql/system"},
            "heartbeat": False,
            "logs": False,
        }
        if limits.websocket
        else False
    )
    return body


@endpoint
async def info(ctx: RestContext) -> Response:
    return data(info_json(await ctx.services.server_info.info(ctx.accountability)))
