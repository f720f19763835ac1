"""The account pages in a real browser against a real server (one server for the module):
a reset requested through the API, an invitation and a registration, each mail read from
the default outbox, its link opened in headless Chromium (JavaScript off: the pages need
none but for passkeys, whose forms then stay hidden), the form filled, then a sign-in with
the new password on /admin/login.

Screenshots of each page go to the test's tmp_path. Needs Node (npm installs the pinned
playwright-core into .cache/npm-browser once) and Debian's Chromium; without them the test
is skipped, except under CI=true, where it fails."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.npm_tools import drive_browser, npm_tools, unavailable
from tests.e2e.server_process import RunningServer, free_port, running_server
from tests.graphql_reply import post_graphql
from tests.mail_links import read_eml, token_links

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("browser")
NPM_DIR = REPO / ".cache" / "npm-browser"
CHROMIUM = Path("/usr/bin/chromium")

ADMIN = "owner@example.com"
ADMIN_PASSWORD = "e2e-password-1"
PAGE_WAIT_MS = 20_000
BROWSER_SECONDS = 180

LOGIN = (
    "mutation L($email: String!, $password: String!) "
    "{ auth_login(email: $email, password: $password) { access_token } }"
)
REQUEST = "mutation R($email: String!) { auth_password_request(email: $email) }"
INVITE = "mutation I($email: String!, $role: String!) { users_invite(email: $email, role: $role) }"
ROLE = "mutation C($name: String!) { create_roles_item(data: {name: $name}) { id } }"
SETTINGS = (
    "mutation S($data: update_directus_settings_input!) { update_settings(data: $data) { id } }"
)
REGISTER = (
    "mutation G($email: String!, $password: String!) "
    "{ users_register(email: $email, password: $password) }"
)


def _ok(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    reply = post_graphql(url, query, variables, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return reply.data


@pytest.fixture(scope="module")
def browser_tools() -> str:
    if not CHROMIUM.exists():
        unavailable(f"Debian's Chromium is not installed at {CHROMIUM}")
    return npm_tools(HELPERS, NPM_DIR)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("account-pages-server")
    port = free_port()
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    with running_server(workdir, env, port=port) as running:
        yield running


def _mail_to(server: RunningServer, address: str, page: str) -> str:
    """The token link to `page` of a complete mail to `address` in the outbox (each test
    gets one such mail)."""
    outbox = server.log.parent / "data" / "outbox"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True) if outbox.is_dir() else []:
            message = read_eml(path)
            part = message.get_body(preferencelist=("plain",))
            if message["To"] != address or part is None:
                continue
            links = token_links(str(part.get_content()))
            if len(links) == 1 and links[0].startswith(f"{server.url}{page}?token="):
                return links[0]
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}:\n{server.log.read_text()[-3000:]}")


def _walk(
    node: str, server: RunningServer, steps: list[dict[str, Any]], workdir: Path
) -> dict[str, Any]:
    profile = workdir / "profile"
    profile.mkdir()
    config = {
        "npmDir": str(NPM_DIR),
        "chromium": str(CHROMIUM),
        "userDataDir": str(profile),
        "origin": server.url,
        "timeoutMs": PAGE_WAIT_MS,
        "steps": steps,
    }
    report = drive_browser(
        node, HELPERS / "account_pages_check.mjs", config, workdir, BROWSER_SECONDS
    )
    summary = json.dumps(report, indent=2)[:6000]
    assert report["error"] is None, summary
    assert report["failed"] == [], summary
    # A CSP violation would be a console error; the pages that answer 4xx on purpose (a
    # mismatch, a used link) are logged too, and each test checks those statuses.
    loaded_with_error = "Failed to load resource: the server responded with a status of 4"
    others = [text for text in report["consoleErrors"] if not text.startswith(loaded_with_error)]
    assert others == [], summary
    assert report["pageErrors"] == [], summary
    assert all(url.startswith(server.url) for url in report["requests"]), summary
    return report


def _sign_in(server: RunningServer, email: str, password: str, shots: Path) -> list[dict[str, Any]]:
    """Sign in on /admin/login and land on the API's /users/me, read with the session
    cookie the login set."""
    me = quote("/users/me?fields=email,status", safe="")
    return [
        {"goto": f"{server.url}/admin/login?redirect={me}"},
        {"expect": "Sign in"},
        {"screenshot": str(shots / "login.png")},
        {"fill": "Email", "value": email},
        {"fill": "Password", "value": password},
        {"press": "Sign in"},
        {"expect": email},
    ]


def _shots(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def _refusals(report: dict[str, Any]) -> list[tuple[str, int]]:
    """The paths (no query) and statuses of the 4xx and 5xx answers the browser got."""
    return [
        (urlsplit(answer["url"]).path, answer["status"])
        for answer in report["responses"]
        if answer["status"] >= 400
    ]


def _assert_screenshots(folder: Path, names: list[str]) -> None:
    for name in names:
        data = (folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert len(data) > 5_000, name


def test_a_password_reset_in_the_browser(
    tmp_path: Path, browser_tools: str, server: RunningServer
) -> None:
    user = "reset-user@example.com"
    role = _ok(server.url, ROLE, {"name": "Readers"}, _admin(server))["create_roles_item"]["id"]
    _invite_and_accept_through_api(server, user, role)
    assert _ok(server.url, REQUEST, {"email": user}) == {"auth_password_request": True}
    link = _mail_to(server, user, "/admin/reset-password")
    shots = _shots(tmp_path, "reset")
    report = _walk(
        browser_tools,
        server,
        [
            {"goto": link},
            {"expect": "Choose a new password"},
            {"screenshot": str(shots / "form.png")},
            {"fill": "New password", "value": "reset-new-password-2"},
            {"fill": "New password, again", "value": "something-else-3"},
            {"press": "Change the password"},
            {"expect": "not the same"},
            {"screenshot": str(shots / "mismatch.png")},
            {"fill": "New password", "value": "reset-new-password-2"},
            {"fill": "New password, again", "value": "reset-new-password-2"},
            {"press": "Change the password"},
            {"expect": "Your password has been changed"},
            {"screenshot": str(shots / "done.png")},
            {"follow": "Sign in"},
            {"goto": link},
            {"expect": "already used"},
            {"screenshot": str(shots / "used.png")},
            *_sign_in(server, user, "reset-new-password-2", shots),
        ],
        tmp_path / "reset",
    )
    assert f"{server.url}/admin/login" in report["urls"]
    assert report["urls"][-1].startswith(f"{server.url}/users/me")
    assert _refusals(report) == [("/admin/reset-password", 400), ("/admin/reset-password", 403)]
    _assert_screenshots(shots, ["form.png", "mismatch.png", "done.png", "used.png", "login.png"])
    old = post_graphql(server.url, LOGIN, {"email": user, "password": "reset-old-password-1"})
    assert old.codes == ["INVALID_CREDENTIALS"]


def test_an_invitation_in_the_browser(
    tmp_path: Path, browser_tools: str, server: RunningServer
) -> None:
    guest = "guest@example.com"
    admin = _admin(server)
    role = _ok(server.url, ROLE, {"name": "Guests"}, admin)["create_roles_item"]["id"]
    assert _ok(server.url, INVITE, {"email": guest, "role": role}, admin) == {"users_invite": True}
    link = _mail_to(server, guest, "/admin/accept-invite")
    shots = _shots(tmp_path, "invite")
    report = _walk(
        browser_tools,
        server,
        [
            {"goto": link},
            {"expect": "Accept your invitation"},
            {"screenshot": str(shots / "form.png")},
            {"fill": "New password", "value": "guest-password-1"},
            {"fill": "New password, again", "value": "guest-password-1"},
            {"press": "Set the password"},
            {"expect": "Your account is ready"},
            {"screenshot": str(shots / "done.png")},
            *_sign_in(server, guest, "guest-password-1", shots),
        ],
        tmp_path / "invite",
    )
    assert report["urls"][-1].startswith(f"{server.url}/users/me")
    assert _refusals(report) == []
    _assert_screenshots(shots, ["form.png", "done.png", "login.png"])


def test_a_registration_in_the_browser(
    tmp_path: Path, browser_tools: str, server: RunningServer
) -> None:
    newcomer = "newcomer@example.com"
    admin = _admin(server)
    role = _ok(server.url, ROLE, {"name": "Members"}, admin)["create_roles_item"]["id"]
    data = {"public_registration": True, "public_registration_role": {"id": role}}
    _ok(server.url, SETTINGS, {"data": data}, admin)
    registered = _ok(server.url, REGISTER, {"email": newcomer, "password": "newcomer-pass-1"})
    assert registered == {"users_register": True}
    link = _mail_to(server, newcomer, "/users/register/verify-email")
    shots = _shots(tmp_path, "registration")
    report = _walk(
        browser_tools,
        server,
        [
            {"goto": link},
            {"expect": "Email address verified"},
            {"screenshot": str(shots / "verified.png")},
            {"goto": link},
            {"expect": "cannot verify"},
            {"screenshot": str(shots / "used.png")},
            *_sign_in(server, newcomer, "newcomer-pass-1", shots),
        ],
        tmp_path / "registration",
    )
    assert report["urls"][0].startswith(f"{server.url}/admin/users/")
    assert _refusals(report) == [("/users/register/verify-email", 400)]
    _assert_screenshots(shots, ["verified.png", "used.png", "login.png"])


def _admin(server: RunningServer) -> str:
    token: str = _ok(server.url, LOGIN, {"email": ADMIN, "password": ADMIN_PASSWORD})["auth_login"][
        "access_token"
    ]
    return token


def _invite_and_accept_through_api(server: RunningServer, email: str, role: str) -> None:
    """A user with a password, made through the API (the reset test's starting point)."""
    _ok(server.url, INVITE, {"email": email, "role": role}, _admin(server))
    token = _mail_to(server, email, "/admin/accept-invite").split("token=", 1)[1]
    accept = (
        "mutation A($token: String!, $password: String!) "
        "{ users_invite_accept(token: $token, password: $password) }"
    )
    _ok(server.url, accept, {"token": token, "password": "reset-old-password-1"})
