"""A real uvicorn process, bootstrapped from the environment, answering over a socket."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import running_server

pytestmark = pytest.mark.e2e

LOGIN = (
    'mutation { auth_login(email: "%s", password: "%s") { access_token refresh_token expires } }'
)


def test_bootstrapped_admin_logs_in_over_http(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": "owner@example.com",
        "ADMIN_PASSWORD": "e2e-password-1",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    with running_server(tmp_path, env) as server:
        reply = httpx.post(
            f"{server.url}/graphql/system",
            json={"query": LOGIN % ("owner@example.com", "e2e-password-1")},
            timeout=10,
        )
        assert reply.status_code == 200
        tokens = reply.json()["data"]["auth_login"]
        assert tokens["expires"] == "900000"
        assert len(tokens["refresh_token"]) == 64

        me = httpx.post(
            f"{server.url}/graphql/system",
            json={"query": "{ users_me { email role { admin_access } } }"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=10,
        )
        assert me.json() == {
            "data": {"users_me": {"email": "owner@example.com", "role": {"admin_access": True}}}
        }
    assert (tmp_path / "data" / "database.db").exists()


def test_second_start_keeps_the_first_admin(tmp_path: Path) -> None:
    """ADMIN_PASSWORD changing later must not overwrite the existing admin."""
    base = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": "owner@example.com",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    with running_server(tmp_path, {**base, "ADMIN_PASSWORD": "first-password"}):
        pass
    with running_server(tmp_path, {**base, "ADMIN_PASSWORD": "second-password"}) as server:
        first = httpx.post(
            f"{server.url}/graphql/system",
            json={"query": LOGIN % ("owner@example.com", "first-password")},
            timeout=10,
        ).json()
        second = httpx.post(
            f"{server.url}/graphql/system",
            json={"query": LOGIN % ("owner@example.com", "second-password")},
            timeout=10,
        ).json()
    assert first["data"]["auth_login"]["access_token"]
    assert second["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"


def test_transport_refusals_over_a_real_socket(tmp_path: Path) -> None:
    """What uvicorn carries of the transport's refusals: a GET without a query (curl's
    Accept), a mutation over GET (405 with Allow) and an ambiguous document."""
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": "owner@example.com",
        "ADMIN_PASSWORD": "e2e-password-1",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
    }
    with running_server(tmp_path, env) as server:
        url = f"{server.url}/graphql/system"
        empty = httpx.get(url, headers={"Accept": "*/*"}, timeout=10)
        assert empty.status_code == 400
        assert empty.json()["errors"][0] == {
            "message": "Invalid payload. Must provide query string.",
            "extensions": {"code": "INVALID_PAYLOAD", "reason": "Must provide query string"},
        }
        browser = httpx.get(url, headers={"Accept": "text/html,*/*;q=0.8"}, timeout=10)
        assert browser.status_code == 200
        assert browser.headers["content-type"].startswith("text/html")

        mutation = 'mutation { auth_logout(refresh_token: "x") }'
        refused = httpx.get(url, params={"query": mutation}, timeout=10)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"
        assert refused.json()["errors"][0]["extensions"] == {
            "code": "METHOD_NOT_ALLOWED",
            "allowed": ["POST"],
            "current": "GET",
        }

        ambiguous = httpx.post(
            url, json={"query": "query A { server_ping } query B { server_ping }"}, timeout=10
        )
        assert ambiguous.status_code == 400
        [error] = ambiguous.json()["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION"
        assert error["extensions"]["errors"][0]["message"] == (
            "Must provide operation name if query contains multiple operations."
        )


SESSION_COOKIE = "directus_session_token"
SESSION_LOGIN = 'mutation { auth_login(email: "%s", password: "%s", mode: session) { expires } }'
SESSION_REFRESH = "mutation { auth_refresh(mode: session) { expires } }"
SESSION_LOGOUT = "mutation { auth_logout(mode: session) }"
ME = "{ users_me { email } }"


def test_session_cookie_grace_and_clearing_through_a_browser_like_client(
    tmp_path: Path,
) -> None:
    """A cookie jar as a browser keeps it: after a session refresh the replaced cookie still
    serves (SESSION_REFRESH_GRACE_PERIOD, read from the environment); once its login is
    over, the 401 that refuses it clears it from the jar."""
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": "owner@example.com",
        "ADMIN_PASSWORD": "e2e-password-1",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
        "SESSION_REFRESH_GRACE_PERIOD": "5m",  # far wider than this test takes
    }
    with (
        running_server(tmp_path, env) as server,
        httpx.Client(base_url=server.url, timeout=10) as browser,
    ):

        def post(query: str, cookie: str | None = None) -> httpx.Response:
            headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None
            return browser.post("/graphql/system", json={"query": query}, headers=headers)

        login = post(SESSION_LOGIN % ("owner@example.com", "e2e-password-1"))
        assert login.json() == {"data": {"auth_login": {"expires": "86400000"}}}
        set_cookie = login.headers["set-cookie"]
        assert "; Max-Age=86400; " in set_cookie
        assert "; Expires=" in set_cookie
        assert set_cookie.endswith("; HttpOnly; SameSite=Lax")
        old = browser.cookies.get(SESSION_COOKIE)
        assert old

        assert post(SESSION_REFRESH).json() == {"data": {"auth_refresh": {"expires": "86400000"}}}
        new = browser.cookies.get(SESSION_COOKIE)
        assert new
        assert new != old
        # A request a tab sent with the replaced cookie is still served.
        in_flight = post(ME, cookie=old)
        assert in_flight.json() == {"data": {"users_me": {"email": "owner@example.com"}}}

        assert post(SESSION_LOGOUT).json() == {"data": {"auth_logout": True}}
        assert browser.cookies.get(SESSION_COOKIE) is None
        # The login is over: the replaced cookie is refused, and cleared with the refusal.
        browser.cookies.set(SESSION_COOKIE, old, domain=httpx.URL(server.url).host)
        dead = post(ME)
        assert dead.status_code == 401
        assert dead.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
        cleared = dead.headers["set-cookie"]
        assert cleared.startswith(f"{SESSION_COOKIE}=; Max-Age=0; ")
        assert "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; " in cleared
        assert browser.cookies.get(SESSION_COOKIE) is None
