"""The account pages in headless Chromium against a real server: two-factor set up from the
account page by reading the QR code back from the rendered SVG (decoded as a phone would,
and checked against the page's text fallback), sign out, sign in with a one-time password;
then two browsers of the same user, where one signs the other out on the sessions list and
the other's next request is refused. A screenshot of each page lands in the test's tmp_path.

Needs Node (npm installs the pinned playwright-core and jsqr into .cache/npm-browser once)
and Debian's Chromium; without them the test is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from tests.e2e.npm_tools import drive_browser, npm_tools, unavailable
from tests.e2e.server_process import running_server

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("browser")
NPM_DIR = REPO / ".cache" / "npm-browser"
CHROMIUM = Path("/usr/bin/chromium")

EMAIL = "owner@example.com"
PASSWORD = "e2e-password-1"
ENV = {
    "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
    "ADMIN_EMAIL": EMAIL,
    "ADMIN_PASSWORD": PASSWORD,
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
}
PAGE_WAIT_MS = 40_000
# Two waits for a fresh TOTP step (up to 30 s each) come on top of the pages.
BROWSER_SECONDS = 300
PAGES = (
    "login",
    "account",
    "tfa-qr-code",
    "tfa-wrong-code",
    "tfa-on",
    "login-otp-step",
    "account-after-otp-login",
)
SESSION_PAGES = ("sessions", "sessions-after-revoke", "signed-out-elsewhere")


def test_account_pages_in_a_real_browser(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        unavailable(f"Debian's Chromium is not installed at {CHROMIUM}")
    node = npm_tools(HELPERS, NPM_DIR)
    server_dir, shots = tmp_path / "server", tmp_path / "shots"
    server_dir.mkdir()
    shots.mkdir()
    with running_server(server_dir, ENV) as server:
        report = drive_browser(
            node,
            HELPERS / "account_check.mjs",
            {
                "npmDir": str(NPM_DIR),
                "chromium": str(CHROMIUM),
                "baseUrl": server.url,
                "email": EMAIL,
                "password": PASSWORD,
                "sessions": True,
                "shotsDir": str(shots),
                "timeoutMs": PAGE_WAIT_MS,
            },
            tmp_path,
            BROWSER_SECONDS,
        )
        summary = json.dumps(report, indent=2)[:6000]
        assert report["error"] is None, summary
        tfa = report["steps"]["tfa"]
        # A password-only login no longer works; the secret read from the QR code does.
        secret = parse_qs(urlsplit(tfa["qrUrl"]).query)["secret"][0]
        no_code = httpx.post(
            f"{server.url}/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=10
        )
        assert no_code.json()["errors"][0]["extensions"]["code"] == "INVALID_OTP"
    _check_two_factor(tfa, secret)
    _check_sessions(report["steps"]["sessions"])
    assert report["pageErrors"] == [], summary
    # The only refusals are the wrong code's (the browser logs each as a console error too);
    # anything else there (a CSP refusal, a missing asset) fails.
    assert report["refusals"] == ["tfa POST /admin/account/tfa/enable 400"], summary
    logged = [text for text in report["consoleErrors"] if "status of 400" not in text]
    assert logged == [], summary
    for name in (*PAGES, *SESSION_PAGES):
        picture = shots / f"{name}.png"
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert picture.stat().st_size > 5_000, name


def _check_two_factor(tfa: dict[str, Any], secret: str) -> None:
    assert tfa["anonymousLandedOn"] == "/admin/login?redirect=/admin/account"
    assert tfa["afterLogin"] == "/admin/account"
    # The QR code, decoded from the rendered SVG, is the otpauth URL the page shows as text.
    assert tfa["qrUrl"] is not None
    assert tfa["qrUrl"] == tfa["textUrl"]
    assert tfa["shownSecret"] == secret
    assert tfa["qrUrl"] == pyotp.TOTP(secret).provisioning_uri(name=EMAIL, issuer_name="Directus")
    assert tfa["focusedField"] == "tfa-enable-otp"
    assert '"otp" is invalid' in tfa["wrongCodeAlert"]
    # The answer to the enable form is the account page with the recovery codes, shown once.
    assert tfa["afterEnable"] == "/admin/account/tfa/enable"
    assert len(set(tfa["recoveryCodes"])) == 10
    assert "Two-factor authentication is on" in tfa["enabledNotice"]
    assert tfa["afterSignOut"] == "/admin/login"
    assert "directus_session_token" not in tfa["cookiesAfterSignOut"]
    assert tfa["afterOtpLogin"] == "/admin/account"
    assert tfa["accountEmail"] == EMAIL
    assert "Two-factor authentication is on" in " ".join(tfa["tfaStatus"].split())


def _check_sessions(steps: dict[str, Any]) -> None:
    assert steps["rowsBefore"] >= 2
    assert steps["currentRows"] == 1
    assert "second" in steps["otherRowText"]
    assert steps["afterRevoke"].startswith("/admin/account")
    assert not any("AccountCheck/second" in text for text in steps["rowTextsAfter"])
    assert steps["secondLandedOn"] == "/admin/login"
    assert steps["secondApiStatus"] == 401
    assert steps["firstApiStatus"] == 200
