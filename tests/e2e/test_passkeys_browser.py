"""Passkeys on the account pages in headless Chromium against a real server, with virtual
authenticators of the DevTools protocol (CTAP2, internal, resident keys, user verification):

1. a password sign-in, a passkey added on the account page (AUTH_FRESH_LOGIN_WINDOW=0: the
   page asks for the password), sign out, a passkey sign-in with no email typed, landing on
   the account page; the passkey renamed;
2. a user with two-factor on: the password, then the passkey instead of the one-time password;
   the passkey deleted (AUTH_FRESH_LOGIN_WINDOW=0: the page asks for the password);
3. that first authenticator removed and one never registered added: refused by the browser
   (no credential) and by the server (a credential it does not know), each time with the
   page's error and no session cookie.

The server's origin is http://localhost:<port> (a secure context WebAuthn accepts; Chromium
maps localhost to the 127.0.0.1 the server listens on), its WEBAUTHN_RP_ID `localhost`.
Screenshots go to the test's tmp_path. Needs Node (npm installs the pinned playwright-core
into .cache/npm-browser once) and Debian's Chromium; without them the test is skipped, except
under CI=true, where it fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.npm_tools import drive_browser, npm_tools, unavailable
from tests.e2e.server_process import RunningServer, free_port, running_server
from tests.graphql_reply import post_graphql

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("browser")
NPM_DIR = REPO / ".cache" / "npm-browser"
CHROMIUM = Path("/usr/bin/chromium")

ADMIN = "owner@example.com"
ADMIN_PASSWORD = "e2e-password-1"
TFA_USER = "second-factor@example.com"
TFA_PASSWORD = "e2e-password-2"
SESSION_COOKIE = "directus_session_token"
PAGE_WAIT_MS = 30_000
BROWSER_SECONDS = 240

LOGIN = (
    "mutation L($email: String!, $password: String!) "
    "{ auth_login(email: $email, password: $password) { access_token } }"
)


def _ok(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    reply = post_graphql(url, query, variables, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return reply.data


def _token(server: RunningServer, email: str, password: str) -> str:
    token: str = _ok(server.url, LOGIN, {"email": email, "password": password})["auth_login"][
        "access_token"
    ]
    return token


def _second_user(server: RunningServer) -> None:
    """A second user in the admin's role (its own record and TFA are its to change)."""
    admin = _token(server, ADMIN, ADMIN_PASSWORD)
    role = _ok(server.url, "{ users_me { role { id } } }", {}, admin)["users_me"]["role"]["id"]
    data = {"email": TFA_USER, "password": TFA_PASSWORD, "role": role}
    created = httpx.post(
        f"{server.url}/users", json=data, headers={"authorization": f"Bearer {admin}"}
    )
    assert created.status_code == 200, created.text


def _passkey_names(server: RunningServer, email: str, password: str) -> list[str]:
    token = _token(server, email, password)
    rows = _ok(server.url, "{ users_me_passkeys { name } }", {}, token)["users_me_passkeys"]
    return [row["name"] for row in rows]


def test_passkeys_in_a_real_browser(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        unavailable(f"Debian's Chromium is not installed at {CHROMIUM}")
    node = npm_tools(HELPERS, NPM_DIR)
    server_dir, shots = tmp_path / "server", tmp_path / "shots"
    server_dir.mkdir()
    shots.mkdir()
    port = free_port()
    origin = f"http://localhost:{port}"
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PUBLIC_URL": origin,
        "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ORIGINS": origin,
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
        # No login is fresh: adding or deleting a passkey always asks for the password.
        "AUTH_FRESH_LOGIN_WINDOW": "0",
    }
    with running_server(server_dir, env, port=port) as server:
        _second_user(server)
        report = drive_browser(
            node,
            HELPERS / "passkeys_check.mjs",
            {
                "npmDir": str(NPM_DIR),
                "chromium": str(CHROMIUM),
                "baseUrl": origin,
                "rpId": "localhost",
                "plain": {"email": ADMIN, "password": ADMIN_PASSWORD},
                "tfa": {"email": TFA_USER, "password": TFA_PASSWORD},
                "sessionCookie": SESSION_COOKIE,
                "shotsDir": str(shots),
                "timeoutMs": PAGE_WAIT_MS,
            },
            tmp_path,
            BROWSER_SECONDS,
        )
        summary = json.dumps(report, indent=2)[:8000]
        assert report["error"] is None, summary
        assert _passkey_names(server, ADMIN, ADMIN_PASSWORD) == ["Work laptop"]

    first = report["steps"]["first"]
    assert first["afterPasswordLogin"] == "/admin/account", summary
    assert first["addFormVisible"] is True
    assert "Adding a passkey needs your current password" in first["addRefusal"]
    assert first["addPasswordFocused"] is True
    assert first["afterAdd"] == "/admin/account?done=passkey-added"
    assert "Your passkey was added" in first["addNotice"]
    assert first["namesAfterAdd"] == ["Laptop"]
    [stored] = first["stored"]
    assert stored["rpId"] == "localhost"
    assert stored["isResidentCredential"] is True
    # Signed out; then in with the passkey alone: no email typed, the account page, a session.
    assert first["afterSignOut"] == "/admin/login"
    assert first["cookieAfterSignOut"] is False
    assert first["emailFieldValue"] == ""
    assert first["afterPasskeyLogin"] == "/admin/account"
    assert first["accountEmail"] == ADMIN
    assert first["cookieAfterPasskeyLogin"] is True
    assert first["lastUsedAfterLogin"].endswith(" UTC")
    assert first["renameNotice"] == "Your passkey was renamed."
    assert first["namesAfterRename"] == ["Work laptop"]

    stranger = report["steps"]["stranger"]
    # No credential on the device: the browser refuses before anything is posted.
    assert "No passkey was used" in stranger["emptyDeviceError"]
    assert stranger["emptyDeviceUrl"] == "/admin/login?redirect=/admin/account"
    assert stranger["cookieAfterEmptyDevice"] is False
    # A credential the server never registered: the server refuses, the page says so.
    assert stranger["unknownCredentialUrl"] == "/admin/login/passkey"
    assert stranger["unknownCredentialError"] == "Invalid user credentials."
    assert stranger["cookieAfterUnknownCredential"] is False

    tfa = report["steps"]["tfa"]
    assert "Two-factor authentication is on" in tfa["tfaNotice"]
    assert "Adding a passkey needs your current password" in tfa["addRefusal"]
    assert tfa["namesAfterAdd"] == ["Phone"]
    assert len(tfa["stored"]) == 1
    assert tfa["otpStepShown"] is True
    assert tfa["afterPasskeyLogin"] == "/admin/account"
    assert tfa["accountEmail"] == TFA_USER
    assert tfa["cookieAfterPasskeyLogin"] is True
    assert tfa["deleteAskedPassword"] is True
    assert "needs your current password" in tfa["deleteRefusal"]
    assert "That passkey was deleted" in tfa["deleteNotice"]
    assert tfa["namesAfterDelete"] == []

    assert report["refusals"] == [
        "first POST /users/me/passkeys/options 400",
        "first POST /admin/login/passkey 401",
        "tfa POST /users/me/passkeys/options 400",
        "tfa POST /admin/account/passkeys/delete 400",
    ], summary
    # The refused posts are logged as failed loads; nothing else (a CSP refusal would be).
    failed_load = "Failed to load resource: the server responded with a status of 4"
    assert [text for text in report["consoleErrors"] if failed_load not in text] == [], summary
    assert report["pageErrors"] == [], summary
    for shot in report["shots"]:
        data = Path(shot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", shot
