"""The real @directus/sdk (from npm) against a running server: authentication(), rest(), graphql().

The SDK is installed once into the pytest cache (.pytest_cache/d/npm-directus-sdk-<version>),
outside git; later runs reuse it. Without Node, npm or the registry the test fails under CI=true
and is skipped elsewhere, with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.npm_tools import locked, unavailable
from tests.e2e.server_process import running_server
from tests.leaks import leak_in
from tests.mail_links import SENDER, link_in, token_of
from tests.mail_server import Inbox, start_smtp

pytestmark = pytest.mark.e2e

SDK_VERSION = "26.0.0"
SCRIPT = Path(__file__).parent / "sdk" / "sdk_flow.mjs"
NPM_TIMEOUT = 300
NODE_TIMEOUT = 120
MIN_NODE_MAJOR = 18  # global fetch

ADMIN = "owner@example.com"
ADMIN_PASSWORD = "e2e-password-1"
CREATED = "sdk.user@example.com"
GUEST = "sdk.guest@example.com"
GUEST_PASSWORD = "sdk-guest-password-1"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# What serverInfo() shows before logging in: the project, nothing of the limits.
PUBLIC_PROJECT = {
    "project_name": "Directus",
    "project_descriptor": None,
    "project_logo": None,
    "project_color": None,
    "default_language": None,
    "public_foreground": None,
    "public_background": None,
    "public_note": None,
    "custom_css": None,
    "public_registration": False,
    "public_registration_verify_email": True,
}

BAD_CREDENTIALS = {
    "rejected": True,
    "status": 401,
    "codes": ["INVALID_CREDENTIALS"],
    "message": "Invalid user credentials.",
}


def installed_version(prefix: Path) -> str | None:
    manifest = prefix / "node_modules" / "@directus" / "sdk" / "package.json"
    try:
        data = json.loads(manifest.read_text())
        entry = manifest.parent / data["exports"]["."]["import"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(data.get("version")) if entry.is_file() else None


def node_major(node: str) -> int:
    result = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.match(r"v(\d+)\.", result.stdout.strip())
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="session")
def sdk_prefix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An npm prefix holding @directus/sdk@SDK_VERSION, installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed for the @directus/sdk test")
    if node_major(node) < MIN_NODE_MAJOR:
        unavailable(f"the @directus/sdk test needs Node {MIN_NODE_MAJOR} or newer")
    cache = getattr(request.config, "cache", None)
    name = f"npm-directus-sdk-{SDK_VERSION}"
    prefix = cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)
    if installed_version(prefix) == SDK_VERSION:
        return prefix
    # Parallel workers (and other runs) share the cache folder: one installs, the rest wait.
    with locked(prefix / ".install-lock", NPM_TIMEOUT):
        if installed_version(prefix) != SDK_VERSION:
            install_sdk(npm, prefix)
    return prefix


def install_sdk(npm: str, prefix: Path) -> None:
    command = [
        npm,
        "install",
        "--prefix",
        str(prefix),
        f"@directus/sdk@{SDK_VERSION}",
        "--no-audit",
        "--no-fund",
        "--no-progress",
        "--engine-strict=false",  # the SDK asks for Node 22 and runs on 20
        "--loglevel=error",
    ]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        unavailable(f"npm install @directus/sdk@{SDK_VERSION} took over {NPM_TIMEOUT}s")
    if result.returncode != 0 or installed_version(prefix) != SDK_VERSION:
        unavailable(
            f"npm could not install @directus/sdk@{SDK_VERSION} (is the registry reachable?):\n"
            f"{result.stderr[-2000:]}"
        )


def wait_for_mail(inbox: Inbox, address: str, timeout: float = 15) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = inbox.to(address)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address}; got {[str(m['To']) for m in inbox.messages]}")


def run_sdk_flow(prefix: Path, url: str, log: Path) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SDK_PREFIX": str(prefix),
        "DIRECTUS_URL": url,
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    result = subprocess.run(
        ["node", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"node exited {result.returncode}\nstderr:\n{result.stderr[-4000:]}\n"
        f"server log:\n{log.read_text()[-4000:]}"
    )
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def test_the_directus_sdk_works_against_a_running_server(tmp_path: Path, sdk_prefix: Path) -> None:
    controller, inbox = start_smtp()
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
        "EMAIL_TRANSPORT": "smtp",
        "EMAIL_SMTP_HOST": "127.0.0.1",
        "EMAIL_SMTP_PORT": str(controller.port),
        "EMAIL_FROM": SENDER,
        # Listed by readProviders (never contacted here: LDAP logins have their own tests).
        "AUTH_PROVIDERS": "corp",
        "AUTH_CORP_DRIVER": "ldap",
        "AUTH_CORP_CLIENT_URL": "ldap://127.0.0.1:9",
        "AUTH_CORP_BIND_DN": "cn=reader,dc=example,dc=org",
        "AUTH_CORP_BIND_PASSWORD": "reader",
        "AUTH_CORP_USER_DN": "ou=people,dc=example,dc=org",
        "AUTH_CORP_LABEL": "Corporate directory",
    }
    try:
        with running_server(tmp_path, env) as server:
            summary = run_sdk_flow(sdk_prefix, server.url, server.log)
            leak = leak_in(json.dumps(summary))
            assert leak is None, f"an SDK answer leaks {leak!r}"

            role_id = summary.pop("role_id")
            assert isinstance(role_id, str)
            assert UUID.match(role_id), role_id
            assert summary == {
                "sdk_version": SDK_VERSION,
                "ping": "pong",
                "health_status": "ok",
                "providers": [
                    {"name": "corp", "driver": "ldap", "icon": None, "label": "Corporate directory"}
                ],
                "wrong_login": BAD_CREDENTIALS,
                "login": {
                    "keys": ["access_token", "expires", "refresh_token"],
                    "expires": 900_000,
                    "expires_type": "number",
                    "refresh_token_length": 64,
                    "stored_expires_at_is_number": True,
                },
                "me": {
                    "email": ADMIN,
                    "role": {"name": "Administrator", "admin_access": True},
                    "has_id": True,
                },
                "refresh": {
                    "keys": ["access_token", "expires", "refresh_token"],
                    "expires": 900_000,
                    "expires_type": "number",
                    "rotated": True,
                    "stored_is_new": True,
                },
                "me_after_refresh": ADMIN,
                "role_name": "SDK Editors",
                "created": {
                    "email": CREATED,
                    "first_name": "Sdk",
                    "status": "active",
                    "role_matches": True,
                    "password": "**********",
                },
                "updated": {"same_id": True, "first_name": "Updated", "title": "CTO"},
                "listed": [{"email": CREATED, "role": {"name": "SDK Editors"}}],
                "invite_result": None,
                "invited": [{"email": GUEST, "status": "invited"}],
                "delete_result": None,
                "after_delete": [],
                "graphql_me": {"users_me": {"email": ADMIN}},
                "public_server_info": {"project": PUBLIC_PROJECT},
                "server_info": {
                    "keys": ["project", "queryLimit", "rateLimit", "rateLimitGlobal", "websocket"],
                    "queryLimit": {"default": 100, "max": -1},
                },
                "roles": [{"name": "Administrator"}, {"name": "SDK Editors"}],
                "role": {"name": "SDK Editors", "admin_access": False},
                "role_writes": {
                    "created": "SDK Temp",
                    "updated": {"name": "SDK Temp", "description": "Short-lived"},
                    "created_many": ["SDK One", "SDK Two"],
                    "updated_many": [
                        {"name": "SDK One", "icon": "star"},
                        {"name": "SDK Two", "icon": "star"},
                    ],
                    "delete_one": None,
                    "delete_many": None,
                    "left": [{"name": "SDK Editors"}],
                },
                "access_model": {
                    "policy": {"name": "SDK Readers", "app_access": True},
                    "attached": {"name": "SDK Editors"},
                    "permission": {
                        "collection": "directus_roles",
                        "action": "read",
                        "fields": ["name"],
                        "policy_matches": True,
                    },
                    # The role's own policy stays (detached), as in Directus.
                    "policies": [{"name": "SDK Editors"}, {"name": "SDK Readers"}],
                    "permissions": [{"collection": "directus_roles", "action": "read"}],
                    # The role's own policy went: the update listed only the new one.
                    "role_policies": [{"name": "SDK Editors", "policies": [True]}],
                    "roles_me": [{"name": "Administrator"}],
                    "globals": {"admin_access": True, "app_access": True, "enforce_tfa": False},
                    "user_permissions_keys": True,
                },
                "settings": {"project_name": "Directus", "public_registration": False},
                "settings_updated": {"project_name": "SDK Project"},
                "public_server_info_after": "SDK Project",
                "logout": {"storage_cleared": True, "replayed_refresh": BAD_CREDENTIALS},
            }

            # The invitation the SDK sent is real: its mail carries a token that activates the
            # guest, who then logs in with the role the SDK gave.
            message = wait_for_mail(inbox, GUEST)
            assert message["Subject"] == "You've been invited"
            token = token_of(link_in(message))
            accepted = httpx.post(
                f"{server.url}/users/invite/accept",
                json={"token": token, "password": GUEST_PASSWORD},
                timeout=10,
            )
            assert accepted.status_code == 204, accepted.text
            login = httpx.post(
                f"{server.url}/auth/login",
                json={"email": GUEST, "password": GUEST_PASSWORD},
                timeout=10,
            )
            assert login.status_code == 200, login.text
            me = httpx.get(
                f"{server.url}/users/me",
                params={"fields": "email,role.id"},
                headers={"Authorization": f"Bearer {login.json()['data']['access_token']}"},
                timeout=10,
            )
            assert me.json() == {"data": {"email": GUEST, "role": {"id": role_id}}}

            # The user the SDK deleted is gone for good.
            deleted = httpx.post(
                f"{server.url}/auth/login",
                json={"email": CREATED, "password": "sdk-user-password-1"},
                timeout=10,
            )
            assert deleted.status_code == 401
    finally:
        controller.stop()
