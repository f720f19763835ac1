"""TFA enable racing itself against real uvicorn workers, from an attacker's review: two
generate answers enabled at once by requests to two worker processes; exactly one wins
(the guarded UPDATE decides), and only its recovery codes are stored, the other set's
codes refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.e2e.server_process import running_server
from tests.e2e.test_tfa_recovery_codes_server import ADMIN, PASSWORD, login

pytestmark = pytest.mark.e2e
RACERS = 4


def test_parallel_enables_on_two_workers_store_one_secret_and_its_codes(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": PASSWORD,
        "WORKERS": "2",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    with running_server(tmp_path, env) as server:
        signed_in = login(server.url)
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['data']['access_token']}"}

        def generate(_: int) -> dict[str, Any]:
            answer = httpx.post(
                f"{server.url}/users/me/tfa/generate",
                json={"password": PASSWORD},
                headers=headers,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            data: dict[str, Any] = answer.json()["data"]
            return data

        def enable(data: dict[str, Any]) -> httpx.Response:
            otp = pyotp.TOTP(data["secret"]).now()
            return httpx.post(
                f"{server.url}/users/me/tfa/enable",
                json={"otp": otp, "secret": data["secret"]},
                headers=headers,
                timeout=30,
            )

        generated = [generate(index) for index in range(RACERS)]
        with ThreadPoolExecutor(RACERS) as pool:
            answers = list(pool.map(enable, generated))
        statuses = [answer.status_code for answer in answers]
        assert sorted(statuses) == [204] + [400] * (RACERS - 1), [a.text for a in answers]
        winner = generated[statuses.index(204)]

        left = httpx.get(f"{server.url}/users/me/tfa/recovery-codes", headers=headers, timeout=30)
        assert left.json() == {"data": {"remaining": 10}}
        for data in generated:
            if data is not winner:
                refused = login(server.url, data["recovery_codes"][0])
                assert refused.status_code == 401, refused.text
        assert login(server.url, winner["recovery_codes"][0]).status_code == 200
