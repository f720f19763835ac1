"""directus_users_mutated over graphql-transport-ws, as a client sees it: on one instance,
with permissions, and across two instances through Redis (MESSENGER_STORE=redis)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.e2e.instances import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    cluster_env,
    gql,
    running_instances,
    shared_backends,
)
from tests.e2e.server_process import RunningServer
from tests.e2e.sockets import next_message, no_message, subscription, users_mutated

pytestmark = pytest.mark.e2e

LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) { access_token } }"
)
CREATE = (
    'mutation($e: String!) { create_users_item(data: {email: $e, password: "pass-123456"}) { id } }'
)
UPDATE = (
    "mutation($id: ID!, $n: String!) { update_users_item(id: $id, data: {first_name: $n}) { id } }"
)
DELETE = "mutation($id: ID!) { delete_users_item(id: $id) { id } }"
UPDATE_ME = "mutation($n: String!) { update_users_me(data: {first_name: $n}) { id } }"


def token_of(server: RunningServer, email: str, password: str) -> str:
    reply = gql(server, LOGIN, {"e": email, "p": password})
    token: str = reply.data["auth_login"]["access_token"]
    return token


async def test_admin_hears_create_update_and_delete(tmp_path: Path) -> None:
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        server = servers["A"]
        admin = token_of(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        async with subscription(server, admin) as socket:
            created = gql(server, CREATE, {"e": "sub@example.com"}, token=admin)
            user_id = created.data["create_users_item"]["id"]
            assert users_mutated(await next_message(socket)) == {
                "key": user_id,
                "event": "create",
                "data": {"email": "sub@example.com", "first_name": None},
            }
            gql(server, UPDATE, {"id": user_id, "n": "Sub"}, token=admin)
            assert users_mutated(await next_message(socket))["data"] == {
                "email": "sub@example.com",
                "first_name": "Sub",
            }
            gql(server, DELETE, {"id": user_id}, token=admin)
            assert users_mutated(await next_message(socket)) == {
                "key": user_id,
                "event": "delete",
                "data": None,
            }


async def test_subscribers_only_hear_what_they_may_read(tmp_path: Path) -> None:
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        server = servers["A"]
        admin = token_of(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        role = gql(
            server,
            'mutation { create_roles_item(data: {name: "Staff", app_access: true}) { id } }',
            token=admin,
        ).data["create_roles_item"]["id"]
        for email in ("one@example.com", "two@example.com"):
            gql(
                server,
                "mutation($e: String!, $r: ID!) { create_users_item(data: {email: $e, "
                'password: "pass-123456", role: {id: $r, name: "Staff"}}) { id } }',
                {"e": email, "r": role},
                token=admin,
            )
        one = token_of(server, "one@example.com", "pass-123456")
        two = token_of(server, "two@example.com", "pass-123456")
        async with subscription(server, one) as socket:
            gql(server, UPDATE_ME, {"n": "Two"}, token=two)
            await no_message(socket)
            gql(server, UPDATE_ME, {"n": "One"}, token=one)
            assert users_mutated(await next_message(socket))["data"] == {
                "email": "one@example.com",
                "first_name": "One",
            }
        async with subscription(server, None) as anonymous:
            # Not in the public's schema: refused by validation.
            message = await next_message(anonymous)
            assert message["type"] == "error", message
            # Nothing it may subscribe to: its schema has no subscription type at all.
            (error,) = message["payload"]
            assert error["extensions"]["code"] == "GRAPHQL_VALIDATION", message
            assert "subscription" in error["message"], message


async def test_bad_token_in_connection_init_is_rejected(tmp_path: Path) -> None:
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        url = servers["A"].url.replace("http://", "ws://") + "/graphql/system"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"access_token": "x.y.z"}})
            )
            with pytest.raises(Exception, match="4403"):
                await asyncio.wait_for(socket.recv(), 10)


async def test_events_fan_out_across_instances_through_redis(tmp_path: Path) -> None:
    with shared_backends() as backends:
        env = cluster_env(
            backends,
            {
                "MESSENGER_STORE": "redis",
                "MESSENGER_REDIS": backends.redis_url,
                "MESSENGER_NAMESPACE": f"test-{tmp_path.name}",
            },
        )
        with running_instances(tmp_path, env, names=("A", "B")) as servers:
            admin = token_of(servers["A"], ADMIN_EMAIL, ADMIN_PASSWORD)
            async with subscription(servers["A"], admin) as socket:
                created = gql(servers["B"], CREATE, {"e": "far@example.com"}, token=admin)
                event = users_mutated(await next_message(socket))
            assert event["key"] == created.data["create_users_item"]["id"]
            assert event["data"]["email"] == "far@example.com"


async def test_subscription_payloads_carry_concealed_fields_only_as_stars(tmp_path: Path) -> None:
    """A subscriber asking for the hash, the token and the TOTP secret gets "**********"."""
    concealed = "subscription { directus_users_mutated { key data { password token tfa_secret } } }"
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        server = servers["A"]
        admin = token_of(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        async with subscription(server, admin, concealed) as socket:
            gql(
                server,
                'mutation { create_users_item(data: {email: "hidden@example.com", '
                'password: "pass-123456", token: "hidden-static-token-0001"}) { id } }',
                token=admin,
            )
            assert users_mutated(await next_message(socket))["data"] == {
                "password": "**********",
                "token": "**********",
                "tfa_secret": None,
            }


async def test_the_event_argument_picks_the_kind_ofusers_mutated(tmp_path: Path) -> None:
    """`directus_users_mutated(event: update)` hears updates only (the schema's argument
    once collided with the resolver's own parameter and answered every event with an
    internal error)."""
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        server = servers["A"]
        admin = token_of(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        only_updates = "subscription { directus_users_mutated(event: update) { key event } }"
        async with subscription(server, admin, only_updates) as socket:
            created = gql(server, CREATE, {"e": "kind@example.com"}, token=admin)
            user_id = created.data["create_users_item"]["id"]
            gql(server, UPDATE, {"id": user_id, "n": "Kind"}, token=admin)
            message = await next_message(socket)
            assert "errors" not in message["payload"], message
            assert users_mutated(message) == {"key": user_id, "event": "update"}
            gql(server, DELETE, {"id": user_id}, token=admin)
            await no_message(socket)


POLICIES_MUTATED = "subscription { directus_policies_mutated { key event data { name } } }"
PERMISSIONS_MUTATED = (
    "subscription { directus_permissions_mutated { key event data { collection action } } }"
)
CREATE_POLICY = (
    'mutation { create_policies_item(data: {name: "Heard", enforce_tfa: false, '
    "admin_access: false, app_access: true, permissions: "
    '[{collection: "directus_roles", action: "read"}]}) { id permissions { id } } }'
)


async def test_the_access_model_has_subscriptions_too(tmp_path: Path) -> None:
    with (
        shared_backends() as backends,
        running_instances(tmp_path, cluster_env(backends, {}), names=("A",)) as servers,
    ):
        server = servers["A"]
        admin = token_of(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        async with (
            subscription(server, admin, POLICIES_MUTATED) as policies,
            subscription(server, admin, PERMISSIONS_MUTATED) as permissions,
        ):
            created = gql(server, CREATE_POLICY, token=admin).data["create_policies_item"]
            message = await next_message(policies)
            assert message["payload"]["data"]["directus_policies_mutated"] == {
                "key": created["id"],
                "event": "create",
                "data": {"name": "Heard"},
            }
            message = await next_message(permissions)
            assert message["payload"]["data"]["directus_permissions_mutated"] == {
                "key": created["permissions"][0]["id"],
                "event": "create",
                "data": {"collection": "directus_roles", "action": "read"},
            }
            # A user write is not a policy event.
            gql(server, UPDATE_ME, {"n": "Admin"}, token=admin)
            await no_message(policies)
            delete = "mutation($id: ID!) { delete_policies_item(id: $id) { id } }"
            gql(server, delete, {"id": created["id"]}, token=admin)
            message = await next_message(policies)
            assert message["payload"]["data"]["directus_policies_mutated"] == {
                "key": created["id"],
                "event": "delete",
                "data": None,
            }
