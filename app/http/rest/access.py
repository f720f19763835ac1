"""/roles, /policies, /access and /permissions (one shape, app/http/rest/items.py), and
what the caller itself may do: GET /permissions/me and GET /policies/me/globals."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from app.collections import ACCESS, PERMISSIONS, POLICIES, ROLES
from app.errors import ForbiddenError
from app.http.rest.context import RestContext, data, endpoint
from app.http.rest.items import CollectionRoutes


@endpoint
async def permissions_me(ctx: RestContext) -> JSONResponse:
    permissions = ctx.services.access_me.permissions(await ctx.access())
    if permissions is None:
        raise ForbiddenError()
    return data(permissions)


@endpoint
async def policy_globals(ctx: RestContext) -> JSONResponse:
    return data(await ctx.services.access_me.globals(await ctx.access()))


def access_routes() -> list[BaseRoute]:
    # The `me` paths come before `/:id`, which would take "me" for an id.
    return [
        Route("/permissions/me", permissions_me, methods=["GET"]),
        Route("/policies/me/globals", policy_globals, methods=["GET"]),
        *CollectionRoutes(ROLES, lambda services: services.roles).routes("/roles"),
        *CollectionRoutes(POLICIES, lambda services: services.policies).routes("/policies"),
        *CollectionRoutes(ACCESS, lambda services: services.access).routes("/access"),
        *CollectionRoutes(PERMISSIONS, lambda services: services.permissions).routes(
            "/permissions"
        ),
    ]
