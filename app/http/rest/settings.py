"""/settings: the project's one settings item (@directus/sdk readSettings, updateSettings)."""

from __future__ import annotations

from starlette.responses import JSONResponse

from app.collections import ROLES, SETTINGS
from app.errors import ForbiddenError
from app.http.rest.context import RestContext, data, endpoint
from app.http.rest.fields import FieldTree, check_readable, field_tree, shape
from app.http.rest.query import parse_query

# The singleton's key tells nothing: as on GraphQL, asking for it needs no grant.
_KEY = "id"


async def _answer(ctx: RestContext) -> JSONResponse:
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(SETTINGS, query.fields, access)
    asked = FieldTree(own=[name for name in tree.own if name != _KEY])
    if asked.own:
        check_readable(access, SETTINGS, asked)
    row = await ctx.services.project_settings.read(access, set(asked.own))
    related = {}
    role_tree = tree.nested.get("public_registration_role")
    if role_tree is not None:
        check_readable(access, ROLES, role_tree)
        role_id = row.public_registration_role
        found = await ctx.services.roles.readable_by_ids(
            access, [role_id] if role_id else [], role_tree.own
        )
        related["public_registration_role"] = {
            str(role.id): shape(ROLES, role, role_tree, {}) for role in found if role is not None
        }
    return data(shape(SETTINGS, row, tree, related))


@endpoint
async def read_settings(ctx: RestContext) -> JSONResponse:
    return await _answer(ctx)


@endpoint
async def update_settings(ctx: RestContext) -> JSONResponse | None:
    """Answers the settings as the caller may read them; 204 when it may write but not
    read them (as Directus: the write did happen)."""
    await ctx.services.project_settings.update(await ctx.access(), await ctx.object_body())
    try:
        return await _answer(ctx)
    except ForbiddenError:
        return None
