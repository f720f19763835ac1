"""The access line of a login says how it ended: `login=ok`, or `login=failed` with the reason
class (unknown user, wrong password, locked, inactive, TFA) and the client's IP (the proxy's
X-Forwarded-For under IP_TRUST_PROXY); lockouts and refresh-token reuse get WARNING lines of
their own. No line holds the password, code or token."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import LOGIN, create_user, gql, login
from tests.graphql.helpers import REFRESH
from tests.graphql.security_helpers import PEER_IP

FORWARDED_IP = "198.51.100.23"
PASSWORD = "outcome-password-1"
WRONG = "guessed-password-77"
TFA_SECRET = pyotp.random_base32()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"ip_trust_proxy": True, "auth_lockout_threshold": 2}


async def _attempt(
    client: httpx.AsyncClient, email: str, password: str, otp: str | None = None
) -> list[str]:
    variables = {"email": email, "password": password, "otp": otp}
    reply = await gql(client, LOGIN, variables, headers={"X-Forwarded-For": FORWARDED_IP})
    return reply.codes


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == logger]


async def test_each_failed_login_is_logged_with_its_reason_class(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await create_user(services, "known@example.com", PASSWORD)
    await create_user(services, "gone@example.com", PASSWORD, status="suspended")
    await create_user(services, "tfa@example.com", PASSWORD, tfa_secret=TFA_SECRET)
    wrong_otp = str((int(pyotp.TOTP(TFA_SECRET).at(clock.now())) + 1) % 1_000_000).zfill(6)
    with caplog.at_level(logging.INFO):
        outcomes = [
            await _attempt(client, "nobody@example.com", PASSWORD),
            await _attempt(client, "known@example.com", WRONG),
            await _attempt(client, "gone@example.com", PASSWORD),
            await _attempt(client, "tfa@example.com", PASSWORD, wrong_otp),
            await _attempt(client, "known@example.com", PASSWORD),
        ]
    assert outcomes == [
        ["INVALID_CREDENTIALS"],
        ["INVALID_CREDENTIALS"],
        ["INVALID_CREDENTIALS"],
        ["INVALID_OTP"],
        [],
    ]
    lines = _lines(caplog, "app.access")
    assert len(lines) == 5
    assert all(f" ip={FORWARDED_IP}" in line and " Login " in line for line in lines)
    endings = [line.split(f"ip={FORWARDED_IP}")[1] for line in lines]
    assert endings[0] == " login=failed reason=unknown_user"
    assert endings[1] == " login=failed reason=wrong_password"
    assert endings[2] == " login=failed reason=inactive"
    assert endings[3] == " login=failed reason=tfa"
    assert endings[4] == " login=ok"
    records = [r for r in caplog.records if r.name == "app.access"]
    assert records[1].outcome == ["login=failed reason=wrong_password"]  # type: ignore[attr-defined]
    assert records[1].ip == FORWARDED_IP  # type: ignore[attr-defined]
    text = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for secret in (PASSWORD, WRONG, wrong_otp, TFA_SECRET):
        assert secret not in text


async def test_a_lockout_is_a_warning_and_the_next_attempt_is_logged_as_locked(
    client: httpx.AsyncClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    user = await create_user(services, "target@example.com", PASSWORD)
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            assert await _attempt(client, "target@example.com", WRONG) == ["INVALID_CREDENTIALS"]
        assert await _attempt(client, "target@example.com", PASSWORD) == ["INVALID_CREDENTIALS"]
    access = _lines(caplog, "app.access")
    assert access[0].endswith("login=failed reason=wrong_password")
    assert access[1].endswith("lockout login=failed reason=wrong_password")
    assert access[2].endswith("login=failed reason=locked")
    warnings = [r for r in caplog.records if r.name == "app.security"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    message = warnings[0].getMessage()
    assert message.startswith("Account locked after failed logins")
    assert f"user={user.id}" in message
    assert f"ip={FORWARDED_IP}" in message
    assert WRONG not in caplog.text
    assert PASSWORD not in caplog.text


async def test_refresh_reuse_is_a_warning_and_rotations_are_noted(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await create_user(services, "tabs@example.com", PASSWORD)
    first = (await login(client, "tabs@example.com", PASSWORD))["refresh_token"]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        rotated = await gql(client, REFRESH, {"refresh_token": first, "mode": "json"})
        assert not rotated.body.get("errors"), rotated.body
        clock.advance(timedelta(seconds=11))  # past REFRESH_TOKEN_REUSE_INTERVAL
        replayed = await gql(client, REFRESH, {"refresh_token": first, "mode": "json"})
        assert replayed.codes == ["INVALID_CREDENTIALS"]
    access = _lines(caplog, "app.access")
    assert access[0].endswith("refresh=rotated")
    assert access[1].endswith("refresh=reused")
    warnings = [r for r in caplog.records if r.name == "app.security"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert warnings[0].getMessage().startswith("Refresh token reuse detected")
    assert f"user={user.id}" in warnings[0].getMessage()
    second = rotated.data["auth_refresh"]["refresh_token"]
    for secret in (first, second, rotated.data["auth_refresh"]["access_token"]):
        assert secret not in caplog.text


async def test_a_forwarded_address_that_is_no_address_cannot_write_into_the_log(
    client: httpx.AsyncClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """X-Forwarded-For's first entry is the client's own text: anything but an IP address
    there would forge the line's fields (`ip=1.2.3.4 user=… login=ok`)."""
    await create_user(services, "forger@example.com", PASSWORD)
    forged = "192.0.2.1 user=00000000-0000-0000-0000-000000000000 login=ok"
    with caplog.at_level(logging.INFO):
        variables = {"email": "forger@example.com", "password": WRONG}
        reply = await gql(client, LOGIN, variables, headers={"X-Forwarded-For": forged})
    assert reply.codes == ["INVALID_CREDENTIALS"]
    [line] = _lines(caplog, "app.access")
    assert "login=ok" not in line
    assert f"ip={PEER_IP} " in line


async def test_a_forwarded_address_with_a_port_is_the_address(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Some proxies add the client's port: the address is still the client's."""
    with caplog.at_level(logging.INFO):
        for forwarded in ("198.51.100.44:4711", "[2001:db8::44]:4711"):
            await client.get("/server/ping", headers={"X-Forwarded-For": forwarded})
    lines = _lines(caplog, "app.access")
    assert [line.split(" ip=")[1].split()[0] for line in lines] == [
        "198.51.100.44",
        "2001:db8::44",
    ]
