"""Documents and small steps shared by the sessions API tests (GraphQL and REST)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import gql
from tests.graphql_reply import GraphQLReply

CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
)

MY_SESSIONS = """
{ users_me_sessions { id created last_used expires ip user_agent browser os device current } }
"""
REVOKE_MINE = "mutation Revoke($id: ID!) { users_me_sessions_revoke(id: $id) }"
REVOKE_USERS = (
    "mutation Revoke($user: ID!, $id: ID!) { users_sessions_revoke(user: $user, id: $id) }"
)
USER_SESSIONS = """
query Sessions($id: ID!) { users_by_id(id: $id) { id sessions { id current ip browser } } }
"""
LOGOUT_SCOPED = """
mutation Logout($refresh_token: String, $mode: auth_mode, $scope: auth_logout_scope) {
  auth_logout(refresh_token: $refresh_token, mode: $mode, scope: $scope)
}
"""


def ok(reply: GraphQLReply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    return reply.data


async def my_sessions(
    client: httpx.AsyncClient, token: str | None = None, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ok(await gql(client, MY_SESSIONS, token=token, headers=headers))[
        "users_me_sessions"
    ]
    return rows


def current_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows if row["current"]]
