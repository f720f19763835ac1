"""The hot paths leave no reference cycles behind: a request's objects (its context, the
caller's rows and permissions, the request itself) are freed when it is answered, not
when the cyclic collector next runs (resolvers/engine/execution.py). Cycles made the
collector trace ~125 objects per `users_me` and cost a tenth of its CPU under load."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import httpx

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import REFRESH

# Server-side types: one of these in the collector's garbage means a request leaked
# through a cycle (the test client's own objects, httpx's, are not counted; nor are
# SQLAlchemy's: a statement built for one request may leave a bind parameter and its
# label in a small cycle of their own, holding nothing of the request).
_SERVER_MODULES = ("app.", "resolvers.", "starlette.", "strawberry.", "graphql.")


@contextmanager
def cyclic_garbage() -> Iterator[list[str]]:
    """The server-side objects that only the cyclic collector could free, made inside."""
    found: list[str] = []
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        for item in gc.garbage:
            module = getattr(type(item), "__module__", "") or ""
            if module.startswith(_SERVER_MODULES):
                found.append(f"{module}.{type(item).__qualname__}")
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def _twice(call: Callable[[], Awaitable[None]]) -> list[str]:
    await call()  # warm: caches filled, templates built
    with cyclic_garbage() as found:
        for _ in range(3):
            await call()
    return found


async def test_users_me_of_an_app_user_leaves_no_cycles(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "garbage@example.com", "user-password-1")
    token = (await login(client, "garbage@example.com", "user-password-1"))["access_token"]

    async def users_me() -> None:
        reply = await gql(client, "{ users_me { id email role { name } } }", token=token)
        assert reply.data["users_me"]["email"] == "garbage@example.com", reply.body

    assert await _twice(users_me) == []


async def test_users_list_of_an_admin_leaves_no_cycles(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    async def users() -> None:
        document = "{ users(limit: 25) { id email role { name } } }"
        reply = await gql(client, document, token=admin_token)
        assert reply.data["users"], reply.body

    assert await _twice(users) == []


async def test_refresh_leaves_no_cycles(client: httpx.AsyncClient) -> None:
    tokens = [await login(client, mode="json")]

    async def refresh() -> None:
        reply = await gql(
            client, REFRESH, {"refresh_token": tokens[-1]["refresh_token"], "mode": "json"}
        )
        tokens.append(reply.data["auth_refresh"])

    assert await _twice(refresh) == []


async def test_rest_users_me_leaves_no_cycles(client: httpx.AsyncClient, admin_token: str) -> None:
    async def users_me() -> None:
        response = await client.get("/users/me", headers={"authorization": f"Bearer {admin_token}"})
        assert response.status_code == 200, response.text

    assert await _twice(users_me) == []


async def test_login_leaves_no_cycles(client: httpx.AsyncClient) -> None:
    async def log_in() -> None:
        await login(client, mode="json")

    assert await _twice(log_in) == []
