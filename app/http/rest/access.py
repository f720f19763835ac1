"""/roles, /policies, /access and /permissions (one shape, app/http/rest/items.py), and
the caller's own: GET /roles/me, GET /permissions/me and GET /policies/me/globals."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from app.collections import ACCESS, PERMISSIONS, POLICIES, ROLES
from app.errors import ForbiddenError
from app.http.rest.context import RestContext, data, endpoint
from app.http.rest.fields import field_tree
from app.http.rest.items import CollectionRoutes
from app.http.rest.query import parse_query
from app.http.rest.relations import shape_rows, stored


@endpoint
async def permissions_me(ctx: RestContext) -> JSONResponse:
    permissions = ctx.services.access_me.permissions(await ctx.access())
    if permissions is None:
        raise ForbiddenError()
    return data(permissions)


@endpoint
async def policy_globals(ctx: RestContext) -> JSONResponse:
    return data(await ctx.services.access_me.globals(await ctx.access()))


@endpoint
async def roles_me(ctx: RestContext) -> JSONResponse:
    """The caller's role and its ancestors (FORBIDDEN for the public, as Directus)."""
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(ROLES, query.fields, access)
    rows = await ctx.services.roles.read_mine(access, set(stored(ROLES, tree)))
    if rows is None:
        raise ForbiddenError()
    return data(await shape_rows(ctx.services, access, ROLES, rows, tree))


def access_routes() -> list[BaseRoute]:
    # The `me` paths come before `/:id`, which would take "me" for an id.
    return [
        Route("/permissions/me", permissions_me, methods=["GET"]),
        Route("/roles/me", roles_me, methods=["GET"]),
        Route("/policies/me/globals", policy_globals, methods=["GET"]),
        *CollectionRoutes(ROLES, lambda services: services.roles).routes("/roles"),
        *CollectionRoutes(POLICIES, lambda services: services.policies).routes("/policies"),
        *CollectionRoutes(ACCESS, lambda services: services.access).routes("/access"),
        *CollectionRoutes(PERMISSIONS, lambda services: services.permissions).routes(
            "/permissions"
        ),
    ]
