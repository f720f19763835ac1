"""Access that must end: an open directus_users_mutated subscription stops as soon as its
user is suspended, deleted or demoted, or its session or token ends; events are filtered
by the subscriber's permissions at delivery time. A real uvicorn process, on SQLite and on
PostgreSQL, with WEBSOCKETS_AUTH_CHECK_PERIOD short so that quiet subscriptions end soon."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.instances import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CHEAP,
    SECRET,
    SESSION_COOKIE,
    cluster_env,
    gql,
    running_instances,
    shared_backends,
)
from tests.e2e.server_process import RunningServer, running_server
from tests.e2e.sockets import next_message, no_message, subscription, users_mutated
from tests.e2e.test_subscriptions import UPDATE, token_of
from tests.leaks import leak_in

pytestmark = pytest.mark.e2e

CHECK_PERIOD = "0.3"
SUBSCRIBE = "subscription { directus_users_mutated { key event data { id email first_name } } }"
CREATE_USER = (
    "mutation($e: String!, $r: create_directus_roles_input) { create_users_item(data: "
    '{email: $e, password: "pass-123456", role: $r}) { id } }'
)
CREATE_ROLE = (
    "mutation($n: String!, $admin: Boolean!) { create_roles_item(data: {name: $n, "
    "app_access: true, admin_access: $admin}) { id } }"
)
SESSION_LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p, mode: session) "
    "{ expires } }"
)


@contextmanager
def serving(kind: str, workdir: Path, extra: dict[str, str]) -> Iterator[RunningServer]:
    """One server on SQLite (its own file) or on a fresh PostgreSQL database."""
    env = {"WEBSOCKETS_AUTH_CHECK_PERIOD": CHECK_PERIOD, **extra}
    if kind == "pg":
        with (
            shared_backends() as backends,
            running_instances(workdir, cluster_env(backends, env), names=("A",)) as servers,
        ):
            yield servers["A"]
        return
    env = {
        "SECRET": SECRET,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        **CHEAP,
        **env,
    }
    with running_server(workdir, env) as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with serving(request.param, tmp_path_factory.mktemp(f"subs-{request.param}"), {}) as running:
        yield running


class World:
    """An admin token, and users made for one test (unique emails: the server is shared)."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.tag = uuid.uuid4().hex[:8]
        self.names: dict[str, str] = {}

    def admin(self) -> str:
        return token_of(self.server, ADMIN_EMAIL, ADMIN_PASSWORD)

    def role(self, *, admin: bool) -> str:
        name = f"r-{self.tag}-{admin}"
        reply = gql(self.server, CREATE_ROLE, {"n": name, "admin": admin}, token=self.admin())
        role_id: str = reply.data["create_roles_item"]["id"]
        self.names[role_id] = name
        return role_id

    def user(self, name: str, role: str | None) -> str:
        email = f"{name}-{self.tag}@example.com"
        given = None if role is None else {"id": role, "name": self.names[role]}
        reply = gql(self.server, CREATE_USER, {"e": email, "r": given}, token=self.admin())
        user_id: str = reply.data["create_users_item"]["id"]
        return user_id

    def email(self, name: str) -> str:
        return f"{name}-{self.tag}@example.com"

    def rename(self, user_id: str, name: str) -> None:
        reply = gql(self.server, UPDATE, {"id": user_id, "n": name}, token=self.admin())
        assert not reply.body.get("errors"), reply.body

    def change(self, user_id: str, data: str) -> None:
        query = f"mutation($id: ID!) {{ update_users_item(id: $id, data: {data}) {{ id }} }}"
        reply = gql(self.server, query, {"id": user_id}, token=self.admin())
        assert not reply.body.get("errors"), reply.body


async def _ending(
    socket: ClientConnection, seconds: float = 10
) -> tuple[list[dict[str, Any]], int | None]:
    """Every message until the server closes the socket (within `seconds`), and its code."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    try:
        while True:
            raw = await asyncio.wait_for(socket.recv(), max(deadline - time.monotonic(), 0.01))
            assert leak_in(str(raw)) is None, raw
            messages.append(json.loads(raw))
    except ConnectionClosed as closed:
        return messages, closed.rcvd.code if closed.rcvd is not None else None
    except TimeoutError:
        pytest.fail(f"the socket stayed open; it sent {messages}")


def _assert_ended(messages: list[dict[str, Any]], code: str, *, keys: set[str]) -> None:
    """No event about `keys` after the change; the subscription ended with `code`."""
    delivered = [
        m["payload"]["data"]["directus_users_mutated"]["key"]
        for m in messages
        if m["type"] == "next" and m["payload"].get("data")
    ]
    assert not set(delivered) & keys, messages
    errors = [
        m["payload"]["errors"]
        for m in messages
        if m["type"] == "next" and m["payload"].get("errors")
    ]
    assert len(errors) == 1, messages
    assert errors[0][0]["extensions"]["code"] == code, messages
    assert messages[-1] == {"id": "1", "type": "complete"}, messages


async def test_suspended_user_stops_hearing(server: RunningServer) -> None:
    world = World(server)
    admins = world.role(admin=True)
    watcher = world.user("watcher", admins)
    other = world.user("other", None)
    token = token_of(server, world.email("watcher"), "pass-123456")
    async with subscription(server, token, SUBSCRIBE) as socket:
        world.rename(other, "Before")
        assert users_mutated(await next_message(socket))["data"]["first_name"] == "Before"
        world.change(watcher, '{status: "suspended"}')
        world.rename(other, "After")
        messages, close = await _ending(socket)
    _assert_ended(messages, "INVALID_CREDENTIALS", keys={other, watcher})
    assert close == 4403


async def test_deleted_user_stops_hearing(server: RunningServer) -> None:
    world = World(server)
    admins = world.role(admin=True)
    watcher = world.user("watcher", admins)
    other = world.user("other", None)
    token = token_of(server, world.email("watcher"), "pass-123456")
    async with subscription(server, token, SUBSCRIBE) as socket:
        world.rename(other, "Before")
        assert users_mutated(await next_message(socket))["key"] == other
        reply = gql(
            server,
            "mutation($id: ID!) { delete_users_item(id: $id) { id } }",
            {"id": watcher},
            token=world.admin(),
        )
        assert not reply.body.get("errors"), reply.body
        world.rename(other, "After")
        messages, close = await _ending(socket)
    _assert_ended(messages, "INVALID_CREDENTIALS", keys={other})
    assert close == 4403


async def test_demoted_user_hears_only_what_its_new_role_reads(server: RunningServer) -> None:
    world = World(server)
    admins, staff = world.role(admin=True), world.role(admin=False)
    watcher = world.user("watcher", admins)
    other = world.user("other", None)
    token = token_of(server, world.email("watcher"), "pass-123456")
    async with subscription(server, token, SUBSCRIBE) as socket:
        world.rename(other, "Before")
        assert users_mutated(await next_message(socket))["key"] == other
        world.change(watcher, f'{{role: {{id: "{staff}"}}}}')
        # The demotion itself concerns the watcher, which its new role may still read.
        assert users_mutated(await next_message(socket))["key"] == watcher
        world.rename(other, "After")
        await no_message(socket, 1.5)
        world.rename(watcher, "Me")
        event = users_mutated(await next_message(socket))
        assert event["key"] == watcher
        assert event["data"]["first_name"] == "Me"


async def test_role_losing_app_access_ends_a_quiet_subscription(server: RunningServer) -> None:
    world = World(server)
    staff = world.role(admin=False)
    watcher = world.user("watcher", staff)
    token = token_of(server, world.email("watcher"), "pass-123456")
    async with subscription(server, token, SUBSCRIBE) as socket:
        world.rename(watcher, "Before")
        assert users_mutated(await next_message(socket))["data"]["first_name"] == "Before"
        reply = gql(
            server,
            "mutation($id: ID!) { update_roles_item(id: $id, data: {app_access: false}) { id } }",
            {"id": staff},
            token=world.admin(),
        )
        assert not reply.body.get("errors"), reply.body
        # No users event follows a role change: the periodic check ends it.
        messages = [await next_message(socket), await next_message(socket)]
        world.rename(watcher, "After")
        await no_message(socket)
    _assert_ended(messages, "FORBIDDEN", keys={watcher})


async def test_logout_ends_session_subscriptions(server: RunningServer) -> None:
    """A session cookie on the upgrade request, and the same session JWT given in
    connection_init: logging the session out ends both."""
    world = World(server)
    admins = world.role(admin=True)
    world.user("watcher", admins)
    other = world.user("other", None)
    login = gql(server, SESSION_LOGIN, {"e": world.email("watcher"), "p": "pass-123456"})
    session = login.response.cookies[SESSION_COOKIE]
    async with (
        subscription(server, None, SUBSCRIBE, cookie=session) as by_cookie,
        subscription(server, session, SUBSCRIBE) as by_token,
    ):
        world.rename(other, "Before")
        for socket in (by_cookie, by_token):
            assert users_mutated(await next_message(socket))["key"] == other
        logout = gql(
            server, "mutation { auth_logout(mode: session) }", cookies={SESSION_COOKIE: session}
        )
        assert logout.data == {"auth_logout": True}, logout.body
        world.rename(other, "After")
        for socket in (by_cookie, by_token):
            messages, close = await _ending(socket)
            _assert_ended(messages, "INVALID_CREDENTIALS", keys={other})
            assert close == 4403


async def test_revoked_sessions_end_their_subscriptions(server: RunningServer) -> None:
    """A password change ends the user's sessions (its refresh chain): so does it end a
    subscription opened with one of them."""
    world = World(server)
    admins = world.role(admin=True)
    watcher = world.user("watcher", admins)
    other = world.user("other", None)
    login = gql(server, SESSION_LOGIN, {"e": world.email("watcher"), "p": "pass-123456"})
    session = login.response.cookies[SESSION_COOKIE]
    async with subscription(server, None, SUBSCRIBE, cookie=session) as socket:
        world.rename(other, "Before")
        assert users_mutated(await next_message(socket))["key"] == other
        world.change(watcher, '{password: "another-pass-123456"}')
        world.rename(other, "After")
        messages, close = await _ending(socket)
    _assert_ended(messages, "INVALID_CREDENTIALS", keys={other, watcher})
    assert close == 4403


async def test_subscription_payloads_conceal_secrets(server: RunningServer) -> None:
    world = World(server)
    other = world.user("other", None)
    query = "subscription { directus_users_mutated { key data { password token tfa_secret } } }"
    async with subscription(server, world.admin(), query) as socket:
        world.change(other, f'{{token: "static-{world.tag}"}}')
        raw = await asyncio.wait_for(socket.recv(), 10)
    assert leak_in(str(raw)) is None, raw
    assert f"static-{world.tag}" not in str(raw)
    event = users_mutated(json.loads(raw))
    assert event["data"] == {
        "password": "**********",
        "token": "**********",
        "tfa_secret": None,
    }


@pytest.mark.parametrize("kind", ["sqlite", "pg"])
async def test_expired_access_token_ends_the_subscription(kind: str, tmp_path: Path) -> None:
    with serving(kind, tmp_path, {"ACCESS_TOKEN_TTL": "4s"}) as running:
        world = World(running)
        admins = world.role(admin=True)
        world.user("watcher", admins)
        other = world.user("other", None)
        token = token_of(running, world.email("watcher"), "pass-123456")
        async with subscription(running, token, SUBSCRIBE) as socket:
            world.rename(other, "Before")
            assert users_mutated(await next_message(socket))["key"] == other
            messages, close = await _ending(socket)
            world.rename(other, "After")
        _assert_ended(messages, "TOKEN_EXPIRED", keys={other})
        assert close == 4403


async def _operation(socket: ClientConnection, op_id: str, query: str) -> dict[str, Any]:
    """Runs `query` as operation `op_id` on an open socket; its first message."""
    await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    return await next_message(socket)


async def test_a_socket_acts_as_its_user_is_now(server: RunningServer) -> None:
    """Queries started on an open socket run with the user's current rights, and nothing
    runs once the user is suspended."""
    world = World(server)
    admins, staff = world.role(admin=True), world.role(admin=False)
    watcher = world.user("watcher", admins)
    other = world.user("other", None)
    token = token_of(server, world.email("watcher"), "pass-123456")
    read_other = f'{{ users_by_id(id: "{other}") {{ email }} }}'
    async with subscription(server, token, "{ server_ping }") as socket:
        assert (await next_message(socket))["payload"] == {"data": {"server_ping": "pong"}}
        assert (await next_message(socket))["type"] == "complete"
        first = await _operation(socket, "2", read_other)
        assert first["payload"]["data"] == {"users_by_id": {"email": world.email("other")}}
        assert (await next_message(socket))["type"] == "complete"
        world.change(watcher, f'{{role: {{id: "{staff}"}}}}')
        demoted = await _operation(socket, "3", read_other)
        assert demoted["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN", demoted
        assert (await next_message(socket))["type"] == "complete"
        world.change(watcher, '{status: "suspended"}')
        await socket.send(
            json.dumps(
                {"id": "4", "type": "subscribe", "payload": {"query": "{ users_me { email } }"}}
            )
        )
        messages, close = await _ending(socket)
    assert messages == [
        {
            "id": "4",
            "type": "error",
            "payload": [
                {
                    "message": "Invalid user credentials.",
                    "extensions": {"code": "INVALID_CREDENTIALS"},
                }
            ],
        }
    ]
    assert close == 4403


async def test_the_legacy_graphql_ws_protocol_is_not_served(server: RunningServer) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql/system"
    async with connect(url, subprotocols=["graphql-ws"], open_timeout=10) as socket:  # type: ignore[list-item]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406


async def test_socket_validation_errors_quote_names_as_graphql_js(server: RunningServer) -> None:
    """A socket's `error` message words a validation error as the HTTP answer does: names
    in double quotes, as Directus (graphql-js) writes them."""
    world = World(server)
    query = "subscription { directus_users_mutated { key data { no_such_field } } }"
    async with subscription(server, world.admin(), query, settle=0) as socket:
        message = await next_message(socket)
    assert message["type"] == "error", message
    (error,) = message["payload"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION", message
    assert error["message"].startswith('Cannot query field "no_such_field" on type "'), message
    assert "'" not in error["message"], message
