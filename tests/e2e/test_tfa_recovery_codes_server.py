"""TFA recovery codes against real uvicorn workers: the codes generate shows, a login with one
over HTTP, the same code sent by parallel requests to two worker processes (exactly one
login wins: the guarded UPDATE, not a process's lock, decides), the count left, and the
mail the use sends landing in the default outbox."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.e2e.server_process import running_server
from tests.mail_links import read_eml
from tests.mail_server import text_of

pytestmark = pytest.mark.e2e

ADMIN = "owner@example.com"
PASSWORD = "e2e-password-1"
SUBJECT = "A recovery code was used"
PARALLEL = 6


def login(url: str, otp: str | None = None) -> httpx.Response:
    body = {"email": ADMIN, "password": PASSWORD, **({"otp": otp} if otp else {})}
    return httpx.post(f"{url}/auth/login", json=body, timeout=30)


def used_mail(outbox: Path, log: Path) -> str:
    """The plain text of the "a recovery code was used" message, once it is written whole."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
            message = read_eml(path)
            if message["Subject"] == SUBJECT and message.get_body(("plain",)) is not None:
                assert message["To"] == ADMIN
                return text_of(message)
        time.sleep(0.05)
    raise AssertionError(f"no recovery-code mail in {outbox}:\n{log.read_text()}")


def test_a_recovery_code_logs_in_once_across_workers(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": PASSWORD,
        "WORKERS": "2",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
        # The losers of the race are failed logins or not depending on where they lose (at
        # the code's lookup: counted; at its guarded spend: released): up to PARALLEL - 1
        # failures, which must not lock the account before the last login below.
        "AUTH_LOCKOUT_THRESHOLD": str(PARALLEL + 1),
    }
    with running_server(tmp_path, env) as server:
        signed_in = login(server.url)
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['data']['access_token']}"}
        generated = httpx.post(
            f"{server.url}/users/me/tfa/generate",
            json={"password": PASSWORD},
            headers=headers,
            timeout=30,
        )
        assert generated.status_code == 200, generated.text
        data = generated.json()["data"]
        codes = data["recovery_codes"]
        assert len(codes) == 10
        enabled = httpx.post(
            f"{server.url}/users/me/tfa/enable",
            json={"otp": pyotp.TOTP(data["secret"]).now(), "secret": data["secret"]},
            headers=headers,
            timeout=30,
        )
        assert enabled.status_code == 204, enabled.text

        # Without a second factor the password alone is refused.
        assert login(server.url).json()["errors"][0]["extensions"]["code"] == "INVALID_OTP"

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(lambda _: login(server.url, codes[0]), range(PARALLEL)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [401] * (PARALLEL - 1), [a.text for a in answers]
        refused = [answer.json() for answer in answers if answer.status_code == 401]
        assert {body["errors"][0]["extensions"]["code"] for body in refused} == {"INVALID_OTP"}

        left = httpx.get(f"{server.url}/users/me/tfa/recovery-codes", headers=headers, timeout=30)
        assert left.json() == {"data": {"remaining": 9}}
        text = used_mail(tmp_path / "data" / "outbox", server.log)
        assert "Recovery codes left: 9" in text
        assert codes[0] not in text

        # Another code, typed loosely, still works.
        other = login(server.url, codes[1].lower().replace("-", " "))
        assert other.status_code == 200, other.text
