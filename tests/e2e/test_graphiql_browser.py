"""GraphiQL works offline: headless Chromium loads it from a real server and runs a query.

The page has to load with no request leaving the server (its scripts and styles come from
/graphiql/assets/, not a CDN); the query arrives through Strawberry's `?q=` page parameter, the
access token is pasted into GraphiQL's headers editor, the execute button runs it, and the result
pane shows the admin's email. A screenshot of that is saved in the test's tmp dir.

Needs Node (npm installs the pinned playwright-core into .cache/npm-browser once) and Debian's
Chromium (./scripts/test installs it when it runs as root). Without them the test is skipped,
except under CI=true, where it fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.e2e.npm_tools import drive_browser, npm_tools, unavailable
from tests.e2e.server_process import running_server

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("browser")
NPM_DIR = REPO / ".cache" / "npm-browser"
CHROMIUM = Path("/usr/bin/chromium")

ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "e2e-password-1"
ENV = {
    "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
    "ADMIN_EMAIL": ADMIN_EMAIL,
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
}
QUERY = "{ users_me { email } }"
LOGIN = 'mutation { auth_login(email: "%s", password: "%s") { access_token } }'

PAGE_WAIT_MS = 30_000
BROWSER_SECONDS = 180


def _login(url: str) -> str:
    reply = httpx.post(
        f"{url}/graphql/system",
        json={"query": LOGIN % (ADMIN_EMAIL, ADMIN_PASSWORD)},
        timeout=10,
    )
    reply.raise_for_status()
    token: str = reply.json()["data"]["auth_login"]["access_token"]
    return token


def _leaves_server(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob"}:
        return False
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}" != origin


def test_graphiql_runs_users_me_offline(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        unavailable(
            f"Debian's Chromium is not installed at {CHROMIUM} "
            "(./scripts/test installs it when run as root: apt-get install chromium)"
        )
    node = npm_tools(HELPERS, NPM_DIR)
    server_dir = tmp_path / "server"
    profile = tmp_path / "chromium-profile"
    screenshot = tmp_path / "graphiql.png"
    server_dir.mkdir()
    profile.mkdir()

    with running_server(server_dir, ENV) as server:
        token = _login(server.url)
        headers = {"Authorization": f"Bearer {token}"}
        report = drive_browser(
            node,
            HELPERS / "graphiql_check.mjs",
            {
                "npmDir": str(NPM_DIR),
                "chromium": str(CHROMIUM),
                "userDataDir": str(profile),
                "pageUrl": f"{server.url}/graphql/system?q={quote(QUERY, safe='')}",
                "headers": headers,
                "expectText": ADMIN_EMAIL,
                "screenshot": str(screenshot),
                "timeoutMs": PAGE_WAIT_MS,
            },
            tmp_path,
            BROWSER_SECONDS,
        )
    origin = server.url
    summary = json.dumps(report, indent=2)[:6000]

    # Nothing left the server: every request and socket the page opened is on its origin.
    requested = [request["url"] for request in report["requests"]]
    assert requested, summary
    assert [url for url in requested if _leaves_server(url, origin)] == [], summary
    assert [url for url in report["websockets"] if _leaves_server(url, origin)] == [], summary
    assert report["failed"] == [], summary
    assert [r for r in report["responses"] if r["status"] >= 400] == [], summary

    # GraphiQL's own scripts and styles came from the server's vendored copy.
    assets = [
        request["url"]
        for request in report["requests"]
        if request["resourceType"] in {"script", "stylesheet"}
    ]
    assert any("/graphiql@" in url for url in assets), summary
    assert all(url.startswith(f"{origin}/graphiql/assets/") for url in assets), summary

    # The query and the token reached GraphiQL; the result pane shows the admin's email.
    assert report["error"] is None, report["error"]
    assert report["pageErrors"] == [], summary
    assert report["consoleErrors"] == [], summary
    assert report["queryEditor"] == QUERY
    assert json.loads(report["headersEditor"]) == headers
    assert json.loads(report["resultText"]) == {"data": {"users_me": {"email": ADMIN_EMAIL}}}

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000
