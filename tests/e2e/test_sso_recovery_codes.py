"""TFA recovery codes on an OpenID login against a real provider, from an attacker's review:
the code given with the login's start stands in for a TOTP code at its callback, once."""

from __future__ import annotations

import httpx
import pyotp
import pytest

from app.accountability import ClientInfo
from app.clock import SettableClock
from app.services.container import Services
from app.services.sessions import AuthMode
from tests.conftest import gql
from tests.e2e.test_sso_openid import (  # noqa: F401 (fixtures)
    DONE,
    browser,
    path_of,
    provider,
    reason,
    role,
    settings_overrides,
    sign_in,
    start_oidc_provider,
    users_of,
)
from tests.graphql.test_tfa_recovery_codes import ENABLE, GENERATE, LEFT, WINDOW

pytestmark = pytest.mark.e2e


@pytest.mark.usefixtures("role")
async def test_a_recovery_code_signs_in_through_the_provider_once(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,  # noqa: F811
    services: Services,
    clock: SettableClock,
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    assert (await client.get(path_of(callback))).headers["location"] == DONE
    (user,) = await users_of(services)
    issued = await services.sessions.open_session(user, AuthMode.JSON, ClientInfo(ip="127.0.0.1"))
    token = issued.access_token
    shown = await gql(client, GENERATE, {"password": ""}, token=token)
    secret = shown.data["users_me_tfa_generate"]["secret"]
    codes = shown.data["users_me_tfa_generate"]["recovery_codes"]
    code = pyotp.TOTP(secret).at(clock.now())
    enabled = await gql(client, ENABLE, {"otp": code, "secret": secret}, token=token)
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)

    callback = await sign_in(client, browser, redirect=DONE)
    assert reason(await client.get(path_of(callback))) == "INVALID_OTP"
    callback = await sign_in(client, browser, redirect=DONE, otp=codes[0])
    assert (await client.get(path_of(callback))).headers["location"] == DONE
    callback = await sign_in(client, browser, redirect=DONE, otp=codes[0])
    assert reason(await client.get(path_of(callback))) == "INVALID_OTP"
    assert (await gql(client, LEFT, token=token)).data == {"users_me_tfa_recovery_codes_left": 9}
