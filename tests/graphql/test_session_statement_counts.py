"""The login and refresh hot paths run as many statements as before the sessions API
(migration 0009's times ride on the INSERT they already make), in every mode."""

from __future__ import annotations

import httpx
import pytest

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, gql
from tests.graphql.helpers import REFRESH
from tests.graphql.seed import counting_statements

# Measured on main before the sessions API (8db0228: this test, both databases alike); a
# refresh reads its session, user, role and policies in one statement since the benchmark
# round of issue 18 (one fewer). A session-mode request also authenticates with the session
# cookie the jar holds.
LOGIN_STATEMENTS = {"json": 9, "cookie": 9, "session": 11}
REFRESH_STATEMENTS = {"json": 4, "cookie": 4, "session": 6}


@pytest.mark.parametrize("mode", ["json", "cookie", "session"])
async def test_login_and_refresh_statement_counts(
    client: httpx.AsyncClient, services: Services, mode: str
) -> None:
    variables = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": mode}
    await gql(client, LOGIN, variables)  # warm caches (settings, documents)
    with counting_statements(services) as login_statements:
        logged_in = await gql(client, LOGIN, variables)
    assert not logged_in.body.get("errors"), logged_in.body
    token = logged_in.data["auth_login"]["refresh_token"]
    with counting_statements(services) as refresh_statements:
        refreshed = await gql(client, REFRESH, {"refresh_token": token, "mode": mode})
    assert not refreshed.body.get("errors"), refreshed.body
    assert len(login_statements) == LOGIN_STATEMENTS[mode], login_statements
    assert len(refresh_statements) == REFRESH_STATEMENTS[mode], refresh_statements
