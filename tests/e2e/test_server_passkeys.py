"""Passkeys over a real uvicorn process (two workers, so a ceremony's two requests may land
on different processes: the challenge is kept in the database): register, then log in."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import running_server
from tests.passkey_authenticator import SoftAuthenticator

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "owner@example.com", "e2e-password-1"


def test_register_a_passkey_then_log_in_with_it_over_http(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": EMAIL,
        "ADMIN_PASSWORD": PASSWORD,
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
        "WORKERS": "2",
    }
    with (
        running_server(tmp_path, env) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        login = http.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
        token = login.json()["data"]["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        authenticator = SoftAuthenticator(origin=server.url, rp_id="127.0.0.1")
        options = http.post("/users/me/passkeys/options", headers=auth).json()["data"]
        assert options["rp"]["id"] == "127.0.0.1"
        credential = authenticator.create(options)
        created = http.post(
            "/users/me/passkeys", json={"credential": credential, "name": "e2e"}, headers=auth
        )
        assert created.status_code == 200, created.text
        assert created.json()["data"]["name"] == "e2e"

        options = http.get("/auth/passkey/options", params={"email": EMAIL}).json()["data"]
        answer = authenticator.get(options)
        reply = http.post("/auth/passkey/login", json={"credential": answer, "mode": "session"})
        assert reply.status_code == 200, reply.text
        assert set(reply.json()["data"]) == {"expires"}
        me = http.get("/users/me")  # the session cookie the login set
        assert me.json()["data"]["email"] == EMAIL
        listed = http.get("/users/me/passkeys").json()["data"]
        assert [key["last_used"] is not None for key in listed] == [True]
        # The same assertion again: its challenge was used.
        again = http.post("/auth/passkey/login", json={"credential": answer})
        assert again.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
