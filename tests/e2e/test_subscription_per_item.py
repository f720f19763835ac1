"""Per item in a subscription payload (issue 18): a directus_users_mutated event shows each
selected field only if a grant giving it applies to that user. A real uvicorn process, on
SQLite and on PostgreSQL; the grants are made over REST as an admin would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.instances import random_ip
from tests.e2e.server_process import RunningServer
from tests.e2e.sockets import next_message, subscription, users_mutated
from tests.e2e.test_subscription_access import World, serving
from tests.e2e.test_subscriptions import token_of

pytestmark = pytest.mark.e2e

SUBSCRIBE = "subscription { directus_users_mutated { key data { id first_name email } } }"


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with serving(request.param, tmp_path_factory.mktemp(f"item-{request.param}"), {}) as running:
        yield running


def _post(server: RunningServer, token: str, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(
        server.url + path,
        json=body,
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": random_ip()},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_a_payload_shows_a_field_only_on_the_users_a_grant_gives_it_for(
    server: RunningServer, tmp_path: Path
) -> None:
    world = World(server)
    admin = world.admin()
    staff = world.role(admin=False)  # app access: its users read their own record whole
    me = world.user("watcher", staff)
    other = world.user("other", None)
    # Everyone's first name, through a policy of the role.
    policy = _post(server, admin, "/policies", {"name": f"names-{world.tag}"})
    _post(server, admin, "/access", {"role": staff, "policy": policy["id"]})
    grant = {"fields": ["id", "first_name"], "collection": "directus_users", "action": "read"}
    _post(server, admin, "/permissions", {"policy": policy["id"], **grant})
    watcher = token_of(server, world.email("watcher"), "pass-123456")
    async with subscription(server, watcher, SUBSCRIBE) as socket:
        world.rename(other, "Renamed")
        event = users_mutated(await next_message(socket))
        hidden = {"id": other, "first_name": "Renamed", "email": None}
        assert event == {"key": other, "data": hidden}
        assert world.email("other") not in json.dumps(event)
        # Its own record: every field (the app-access default).
        world.rename(me, "Myself")
        own = users_mutated(await next_message(socket))
        assert own["data"] == {"id": me, "first_name": "Myself", "email": world.email("watcher")}
