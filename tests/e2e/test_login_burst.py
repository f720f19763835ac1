"""200 parallel guesses against a served account, from outside, as an attacker sends them:
two worker processes on one SQLite file, the default lockout (5 failures) and the default
suspension rule (25). The right password comes 191st and never gets in; the account ends
locked, not suspended. The other side: 16 parallel logins with the right password (a
worker pool) all get in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server_process import running_server

pytestmark = pytest.mark.e2e

OWNER, OWNER_PASSWORD = "owner@example.com", "owner-password-1"
TARGET, TARGET_PASSWORD = "target@example.com", "target-password-1"
ENV = {
    "SECRET": "burst-secret-long-enough-for-hs256-0123456789",
    "ADMIN_EMAIL": OWNER,
    "ADMIN_PASSWORD": OWNER_PASSWORD,
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "50",
    "WORKERS": "2",
}
CREATE = (
    "mutation($e: String!, $p: Hash!) { create_users_item(data: {email: $e, password: $p}) { id } }"
)
LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) { access_token } }"
)
STATE = "query($id: ID!) { users_by_id(id: $id) { status } }"
FAILED = '{ activity(limit: -1, filter: {action: {_eq: "login.failed"}}) { user } }'


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = await http.post(
        "/graphql/system", json={"query": query, "variables": variables}, headers=headers
    )
    return reply.json()


def test_a_burst_of_two_hundred_gets_five_checks_and_no_login(tmp_path: Path) -> None:
    async def attack(url: str) -> None:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            owner = (await post(http, LOGIN, {"e": OWNER, "p": OWNER_PASSWORD}))["data"]
            token = owner["auth_login"]["access_token"]
            created = await post(http, CREATE, {"e": TARGET, "p": TARGET_PASSWORD}, token)
            target = created["data"]["create_users_item"]["id"]

            async def after_the_threshold() -> Any:
                """The right password, sent once the lock's claims are made (the order in
                which parallel requests reach their claim is not fixed): the rest of the
                burst is still in flight, and it must not get in."""
                for _ in range(3000):
                    failed = (await post(http, FAILED, {}, token))["data"]["activity"]
                    if len(failed) >= 5:
                        break
                    await asyncio.sleep(0.01)
                return await post(http, LOGIN, {"e": TARGET, "p": TARGET_PASSWORD})

            guesses = [
                after_the_threshold()
                if n == 190
                else post(http, LOGIN, {"e": TARGET, "p": f"guess-{n}"})
                for n in range(200)
            ]
            replies = await asyncio.gather(*guesses)
            codes = [reply["errors"][0]["extensions"]["code"] for reply in replies]
            assert codes == ["INVALID_CREDENTIALS"] * 200

            failed = (await post(http, FAILED, {}, token))["data"]["activity"]
            assert [entry["user"] for entry in failed] == [target] * 5  # five checks
            state = await post(http, STATE, {"id": target}, token)
            assert state["data"]["users_by_id"]["status"] == "active"  # locked, not suspended

    with running_server(tmp_path, ENV) as server:
        asyncio.run(attack(server.url))


def test_sixteen_parallel_logins_with_the_right_password_all_get_in(tmp_path: Path) -> None:
    """A worker pool logging in as one account at once: only verified failures lock, so
    none of them is refused and the account ends with no failures and no lock audited."""

    async def pool(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            owner = (await post(http, LOGIN, {"e": OWNER, "p": OWNER_PASSWORD}))["data"]
            token = owner["auth_login"]["access_token"]
            created = await post(http, CREATE, {"e": TARGET, "p": TARGET_PASSWORD}, token)
            target = created["data"]["create_users_item"]["id"]

            replies = await asyncio.gather(
                *(
                    http.post(
                        "/graphql/system",
                        json={"query": LOGIN, "variables": {"e": TARGET, "p": TARGET_PASSWORD}},
                    )
                    for _ in range(16)
                )
            )
            assert [reply.status_code for reply in replies] == [200] * 16
            bodies = [reply.json() for reply in replies]
            assert all("errors" not in body for body in bodies), bodies
            assert all(body["data"]["auth_login"]["access_token"] for body in bodies)

            locked = '{ activity(filter: {action: {_eq: "login.locked"}}) { user } }'
            assert (await post(http, locked, {}, token))["data"]["activity"] == []
            state = await post(http, STATE, {"id": target}, token)
            assert state["data"]["users_by_id"]["status"] == "active"

    with running_server(tmp_path, ENV) as server:
        asyncio.run(pool(server.url))
