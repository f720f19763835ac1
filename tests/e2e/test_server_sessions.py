"""The sessions API on a real uvicorn process: one user logged in twice (a browser with the
session cookie, a script with JSON tokens); the browser lists both, marks itself current,
and ends the script's login, whose refresh token is refused at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server_process import running_server

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "owner@example.com", "e2e-password-1"
LOGIN = (
    "mutation($mode: auth_mode) "
    "{ auth_login(email: %s, password: %s, mode: $mode) { access_token refresh_token } }"
)
SESSIONS = "{ users_me_sessions { id current browser user_agent } }"
REVOKE = "mutation($id: ID!) { users_me_sessions_revoke(id: $id) }"
REFRESH = "mutation($t: String) { auth_refresh(refresh_token: $t) { access_token } }"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _post(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    return client.post("/graphql/system", json={"query": query, "variables": variables or {}})


def test_one_login_ends_another_of_the_same_user(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": EMAIL,
        "ADMIN_PASSWORD": PASSWORD,
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    login = LOGIN % (f'"{EMAIL}"', f'"{PASSWORD}"')
    with (
        running_server(tmp_path, env) as server,
        httpx.Client(base_url=server.url, headers={"user-agent": FIREFOX}, timeout=10) as browser,
        httpx.Client(base_url=server.url, timeout=10) as script,
    ):
        assert _post(browser, login, {"mode": "session"}).status_code == 200
        assert browser.cookies.get("directus_session_token")
        tokens = _post(script, login).json()["data"]["auth_login"]

        rows = _post(browser, SESSIONS).json()["data"]["users_me_sessions"]
        assert len(rows) == 2
        (mine,) = [row for row in rows if row["current"]]
        assert (mine["browser"], mine["user_agent"]) == ("Firefox 121", FIREFOX)
        (other,) = [row for row in rows if not row["current"]]

        assert _post(browser, REVOKE, {"id": other["id"]}).json() == {
            "data": {"users_me_sessions_revoke": True}
        }
        refused = _post(script, REFRESH, {"t": tokens["refresh_token"]}).json()
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["INVALID_CREDENTIALS"]
        left = _post(browser, SESSIONS).json()["data"]["users_me_sessions"]
        assert [row["id"] for row in left] == [mine["id"]]

        # A JSON-mode access token carries no session, so it lives until it expires (as in
        # Directus) though its login ended: with it the script, the same user, ends the
        # browser's login over REST, and the browser's session cookie dies at once.
        gone = script.delete(
            f"/users/me/sessions/{mine['id']}",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert gone.status_code == 204, gone.text
        assert _post(browser, SESSIONS).status_code == 401
