"""/users: the collection, items, me, invitations, registration and two-factor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse, RedirectResponse, Response

from app.collections import USERS
from app.db.models import User
from app.errors import ForbiddenError, InvalidCredentialsError, InvalidPayloadError
from app.http.media import prefers_html
from app.http.rest.aggregate import (
    Aggregation,
    aggregation_from_body,
    aggregation_from_params,
    rest_rows,
)
from app.http.rest.context import RestContext, data, endpoint, keys_of, text_field
from app.http.rest.fields import FieldTree, check_readable, field_tree
from app.http.rest.query import RestQuery, parse_query, query_from_body
from app.http.rest.relations import shape_rows, stored
from app.permissions.access import Access
from app.services.flow_links import LOGIN_PATH, verified_user_path


async def _shaped(
    ctx: RestContext, access: Access, rows: Sequence[User], tree: FieldTree
) -> list[dict[str, Any]]:
    """Users as JSON, each requested relation (role, avatar, policies) in one query."""
    return await shape_rows(ctx.services, access, USERS, rows, tree)


async def _read(ctx: RestContext, query: RestQuery) -> JSONResponse:
    access = await ctx.access()
    tree = field_tree(USERS, query.fields, access)
    check_readable(access, USERS, tree)
    users = ctx.services.users
    rows = await users.read_many(access, query.items, set(stored(USERS, tree)))
    meta = await _meta(ctx, access, query, stored(USERS, tree)) if query.meta else None
    return data(await _shaped(ctx, access, rows, tree), {"meta": meta} if meta else None)


async def _meta(
    ctx: RestContext, access: Access, query: RestQuery, fields: Sequence[str]
) -> dict[str, int]:
    """Counted over the rows the read itself may return (the same grants)."""
    asked = set(query.meta)
    wanted = {name for name in ("total_count", "filter_count") if asked & {"*", name}}
    return await ctx.services.users.counts(access, query.items, fields, wanted)


async def _answer_items(ctx: RestContext, ids: list[str], *, many: bool) -> JSONResponse:
    """Written items as the caller may read them, in the order written."""
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(USERS, query.fields, access)
    check_readable(access, USERS, tree)
    rows = await ctx.services.users.read_ids(access, ids, set(stored(USERS, tree)))
    shaped = await _shaped(ctx, access, rows, tree)
    if many:
        return data(shaped)
    return data(shaped[0] if shaped else None)


async def _aggregate(ctx: RestContext, query: RestQuery, aggregation: Aggregation) -> JSONResponse:
    counted = aggregation.functions.get("count", [])
    rows = await ctx.services.users.aggregate(
        await ctx.access(),
        query.items,
        aggregation.group_by,
        sorted({name for name in counted if name != "*"}),
        sorted(set(aggregation.functions.get("countDistinct", []))),
    )
    return data(rest_rows(aggregation, rows))


@endpoint
async def list_users(ctx: RestContext) -> JSONResponse:
    query = parse_query(ctx.request.query_params)
    aggregation = aggregation_from_params(ctx.request.query_params)
    if aggregation.wanted:
        return await _aggregate(ctx, query, aggregation)
    return await _read(ctx, query)


@endpoint
async def search_users(ctx: RestContext) -> JSONResponse:
    body = await ctx.body()
    query = query_from_body(body)
    inner = body.get("query") if isinstance(body, Mapping) else None
    aggregation = aggregation_from_body(inner) if isinstance(inner, Mapping) else Aggregation()
    if aggregation.wanted:
        return await _aggregate(ctx, query, aggregation)
    return await _read(ctx, query)


@endpoint
async def create_users(ctx: RestContext) -> JSONResponse:
    body = await ctx.body()
    many = isinstance(body, list)
    items = body if many else [body]
    if not all(isinstance(item, Mapping) for item in items):
        raise InvalidPayloadError("Send a user object or a list of them")
    ids = await ctx.services.users.create_many(await ctx.access(), items)
    return await _answer_items(ctx, ids, many=many)


@endpoint
async def update_users(ctx: RestContext) -> JSONResponse:
    """PATCH /users: {"keys": [...], "data": {...}}, or a list of items carrying their ids."""
    body = await ctx.body()
    access = await ctx.access()
    if isinstance(body, list):
        ids = await ctx.services.users.update_batch(access, body)
    else:
        changes = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(changes, Mapping):
            raise InvalidPayloadError('"data" has to be an object')
        ids = await ctx.services.users.update_many(access, keys_of(body), changes)
    return await _answer_items(ctx, ids, many=True)


@endpoint
async def delete_users(ctx: RestContext) -> None:
    await ctx.services.users.delete_many(await ctx.access(), keys_of(await ctx.body()))


@endpoint
async def read_user(ctx: RestContext) -> JSONResponse:
    user_id = str(ctx.request.path_params["id"])
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(USERS, query.fields, access)
    check_readable(access, USERS, tree)
    row = await ctx.services.users.read_one(access, user_id, set(stored(USERS, tree)))
    return data((await _shaped(ctx, access, [row], tree))[0])


@endpoint
async def update_user(ctx: RestContext) -> JSONResponse:
    user_id = str(ctx.request.path_params["id"])
    await ctx.services.users.update_one(await ctx.access(), user_id, await ctx.object_body())
    return await _answer_items(ctx, [user_id], many=False)


@endpoint
async def delete_user(ctx: RestContext) -> None:
    await ctx.services.users.delete_many(await ctx.access(), [str(ctx.request.path_params["id"])])


def _me(ctx: RestContext) -> str:
    """/users/me needs a user: Directus answers INVALID_CREDENTIALS to anyone else."""
    if ctx.accountability.user is None:
        raise InvalidCredentialsError()
    return ctx.accountability.user


@endpoint
async def read_me(ctx: RestContext) -> JSONResponse:
    user_id = _me(ctx)
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(USERS, query.fields, access)
    try:
        check_readable(access, USERS, tree)
        row = await ctx.services.users.read_one(access, user_id, set(stored(USERS, tree)))
    except ForbiddenError:
        # As Directus: who may not read their own record still learns their id.
        return data({"id": user_id})
    return data((await _shaped(ctx, access, [row], tree))[0])


@endpoint
async def update_me(ctx: RestContext) -> Response:
    _me(ctx)
    body = dict(await ctx.object_body())
    # Not a field of the user: the proof for a change of one's own email (as on GraphQL).
    current_password = text_field(body, "current_password", required=False)
    body.pop("current_password", None)
    user_id = await ctx.services.users.update_me(await ctx.access(), body, current_password or None)
    return await _answer_items(ctx, [user_id], many=False)


@endpoint
async def invite(ctx: RestContext) -> None:
    body = await ctx.object_body()
    await ctx.services.flows.invite(
        await ctx.access(),
        text_field(body, "email") or "",
        text_field(body, "role") or "",
        text_field(body, "invite_url", required=False),
    )


@endpoint
async def accept_invite(ctx: RestContext) -> None:
    body = await ctx.object_body()
    await ctx.services.flows.accept_invite(
        text_field(body, "token") or "",
        text_field(body, "password") or "",
        ctx.accountability.client,
    )


@endpoint
async def register(ctx: RestContext) -> None:
    body = await ctx.object_body()
    await ctx.services.flows.register(
        text_field(body, "email") or "",
        text_field(body, "password") or "",
        text_field(body, "verification_url", required=False),
        text_field(body, "first_name", required=False),
        text_field(body, "last_name", required=False),
        ctx.accountability.client,
    )


@endpoint
async def verify_registration(ctx: RestContext) -> Response | None:
    """POST {"token"}, or GET ?token= (the link of the verification mail). An API client
    (asking for JSON, or for anything: fetch, the SDK, curl) gets the API's answer, 204 or a
    coded error; a browser is redirected as Directus redirects: to the user's page once
    verified, to the login without a token."""
    request = ctx.request
    flows = ctx.services.flows
    if request.method == "POST":
        token = text_field(await ctx.object_body(), "token") or ""
        await flows.verify_registration(token, ctx.accountability.client)
        return None
    token = request.query_params.get("token") or ""
    if not prefers_html(request.headers.get("accept", "")):
        await flows.verify_registration(token, ctx.accountability.client)
        return None
    if not token:
        return RedirectResponse(LOGIN_PATH, status_code=302)
    user_id = await flows.verify_registration(token, ctx.accountability.client)
    return RedirectResponse(verified_user_path(user_id), status_code=302)


@endpoint
async def tfa_generate(ctx: RestContext) -> JSONResponse:
    user_id = _me(ctx)
    body = await ctx.object_body()
    tfa = ctx.services.tfa
    secret, url = await tfa.generate(
        user_id, text_field(body, "password", required=False), ctx.accountability.client
    )
    # recovery_codes: an addition to Directus's answer (what enable will store).
    return data(
        {
            "secret": secret,
            "otpauth_url": url,
            "recovery_codes": tfa.recovery_codes_for(secret, user_id),
        }
    )


@endpoint
async def tfa_enable(ctx: RestContext) -> None:
    _me(ctx)
    body = await ctx.object_body()
    await ctx.services.tfa.enable(
        await ctx.access(),
        text_field(body, "otp") or "",
        text_field(body, "secret") or "",
        ctx.accountability.client,
    )


@endpoint
async def tfa_disable(ctx: RestContext) -> None:
    _me(ctx)
    body = await ctx.object_body()
    await ctx.services.tfa.disable(
        await ctx.access(), text_field(body, "otp") or "", ctx.accountability.client
    )
